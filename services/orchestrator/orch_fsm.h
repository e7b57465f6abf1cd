/*
 * orch_fsm.h - an assessment's state machine: its states, the events that
 * move it, the transition table, and the one function that writes a
 * transition (orch_fsm.c).  Pure sqlite: no grid, so that the table and
 * the writer are unit-tested on an in-memory database.
 *
 *   requested --collect-sent--> collecting --posture--> collected
 *   collected --eval-sent--> evaluating --result--> complete
 *   collecting --retry/send-failed--> requested
 *   evaluating --retry/send-failed--> collected
 *   requested --posture--> collected       (a change event's posture)
 *   requested --remediate-sent--> remediating --remediated--> collecting
 *   remediating --posture--> collected     (the fix's result came late)
 *   remediating --send-failed--> requested
 *   requested, collecting, remediating --wait--> the same state (offline)
 *   collecting, evaluating, remediating --timeout--> timed-out
 *                          (a remediation is never sent twice: no retry)
 *   any open state --fail--> failed
 */
#ifndef ORCH_FSM_H
#define ORCH_FSM_H

#include <stddef.h>
#include <sqlite3.h>

enum orch_state {
	A_REQUESTED, A_COLLECTING, A_COLLECTED, A_EVALUATING, A_COMPLETE,
	A_FAILED, A_TIMED_OUT, A_REMEDIATING, A_NSTATES
};

enum orch_event {
	EV_COLLECT_SENT,	/* a collection request is on its way */
	EV_POSTURE,		/* the posture is stored */
	EV_EVAL_SENT,		/* an evaluation request is on its way */
	EV_RESULT,		/* the result is stored */
	EV_RETRY,		/* late, failed or its evaluator gone: again */
	EV_SEND_FAILED,		/* the request did not reach its taker (the
				 * broker refused it, or the collector was
				 * away): sent again, the attempt does not
				 * count */
	EV_WAIT,		/* no move; a reason (and a deadline) */
	EV_TIMEOUT,		/* late, and no attempts left */
	EV_FAIL,		/* cannot go on */
	EV_REMEDIATE_SENT,	/* a remediation request is on its way */
	EV_REMEDIATED,		/* the collector ran the fix; it collects */
	EV_NEVENTS
};

/* The open states, as SQL (indexes use the same text). */
#define ORCH_OPEN_SQL \
	"state IN ('requested', 'collecting', 'collected', 'evaluating', " \
	"'remediating')"

/* What an event changes besides the state (each field only for the
 * events that say so; the rest is ignored). */
struct orch_change {
	const char	*reason;	/* every event; NULL clears it */
	const char	*request;	/* *_SENT, SEND_FAILED: the request's
					 * item id */
	int		 fix_exit;	/* REMEDIATED: the script's status */
	const char	*fix_state;	/* REMEDIATED: applied or failed */
	const char	*evaluator;	/* EVAL_SENT: its bare JID */
	const char	*posture;	/* POSTURE: the stored-posture item */
	size_t		 posture_len;
	long		 deadline;	/* *_SENT; WAIT: a new one if > 0 */
};

struct orch_transition {
	enum orch_state	 from, to;
};

const char	*orch_state_name(enum orch_state);
/* A stored state's name back to its value; -1 if it is none. */
int		 orch_state_parse(const char *);
const char	*orch_event_name(enum orch_event);
/* The table: the state ev leads to from s, or -1 if ev is not valid in s. */
int		 orch_fsm_next(enum orch_state s, enum orch_event ev);

/*
 * The one writer of an assessment's state: in one transaction, reads the
 * state, looks the event up in the table, and writes the new state with
 * the columns the event changes, a new version (to publish), and
 * next_check = 0 (due at once).  0 and *t on success; -ENOENT (no such
 * assessment), -EINVAL (the event is not valid in its state: nothing
 * changed), -ESTALE (SEND_FAILED for a request that is not the current
 * one), -EIO.
 */
int	orch_fsm_fire(sqlite3 *, const char *id, enum orch_event,
	    const struct orch_change *, struct orch_transition *t);

#endif
