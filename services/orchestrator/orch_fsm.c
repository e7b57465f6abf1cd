/*
 * orch_fsm.c - the assessment state machine: see orch_fsm.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "orch_fsm.h"
#include "xmlutil.h"

static const char *const state_names[A_NSTATES] = {
	"requested", "collecting", "collected", "evaluating", "complete",
	"failed", "timed-out", "remediating",
};

/* Each event: its name and the columns it sets besides state, reason,
 * updated, version and next_check (:request, :evaluator, :posture and
 * :deadline are bound from struct orch_change). */
static const struct {
	const char	*name;
	const char	*set;
} events[EV_NEVENTS] = {
	[EV_COLLECT_SENT] = { "collect-sent", "collection = :request, "
	    "deadline = :deadline, attempts = attempts + 1" },
	[EV_POSTURE] = { "posture", "posture = :posture, attempts = 0, "
	    "deadline = NULL" },
	[EV_EVAL_SENT] = { "eval-sent", "evaluation = :request, "
	    "evaluator = :evaluator, deadline = :deadline, "
	    "attempts = attempts + 1" },
	[EV_RESULT] = { "result", "deadline = NULL" },
	[EV_RETRY] = { "retry", "deadline = NULL" },
	[EV_SEND_FAILED] = { "send-failed", "deadline = NULL, "
	    "attempts = max(attempts - 1, 0)" },
	[EV_WAIT] = { "wait", "deadline = CASE WHEN :deadline > 0 THEN "
	    ":deadline ELSE deadline END" },
	[EV_TIMEOUT] = { "timeout", "deadline = NULL" },
	[EV_FAIL] = { "fail", "deadline = NULL" },
	/* the remediation request's id is the collection's too: the
	 * posture that follows the fix answers it */
	[EV_REMEDIATE_SENT] = { "remediate-sent", "collection = :request, "
	    "deadline = :deadline, attempts = attempts + 1" },
	[EV_REMEDIATED] = { "remediated", "deadline = :deadline, "
	    "fix_state = :fix_state, fix_exit = :fix_exit" },
};

/* The transition table: (state, event) -> state.  What is not here is
 * refused. */
static const struct {
	enum orch_state	 from;
	enum orch_event	 ev;
	enum orch_state	 to;
} table[] = {
	{ A_REQUESTED,	EV_COLLECT_SENT,	A_COLLECTING },
	{ A_REQUESTED,	EV_POSTURE,		A_COLLECTED },
	{ A_REQUESTED,	EV_WAIT,		A_REQUESTED },
	{ A_REQUESTED,	EV_FAIL,		A_FAILED },
	{ A_COLLECTING,	EV_POSTURE,		A_COLLECTED },
	{ A_COLLECTING,	EV_RETRY,		A_REQUESTED },
	{ A_COLLECTING,	EV_SEND_FAILED,		A_REQUESTED },
	{ A_COLLECTING,	EV_WAIT,		A_COLLECTING },
	{ A_COLLECTING,	EV_TIMEOUT,		A_TIMED_OUT },
	{ A_COLLECTING,	EV_FAIL,		A_FAILED },
	{ A_COLLECTED,	EV_EVAL_SENT,		A_EVALUATING },
	{ A_COLLECTED,	EV_FAIL,		A_FAILED },
	{ A_EVALUATING,	EV_RESULT,		A_COMPLETE },
	{ A_EVALUATING,	EV_RETRY,		A_COLLECTED },
	{ A_EVALUATING,	EV_SEND_FAILED,		A_COLLECTED },
	{ A_EVALUATING,	EV_TIMEOUT,		A_TIMED_OUT },
	{ A_EVALUATING,	EV_FAIL,		A_FAILED },
	{ A_REQUESTED,	EV_REMEDIATE_SENT,	A_REMEDIATING },
	{ A_REMEDIATING, EV_REMEDIATED,		A_COLLECTING },
	{ A_REMEDIATING, EV_POSTURE,		A_COLLECTED },
	{ A_REMEDIATING, EV_SEND_FAILED,	A_REQUESTED },
	{ A_REMEDIATING, EV_WAIT,		A_REMEDIATING },
	{ A_REMEDIATING, EV_TIMEOUT,		A_TIMED_OUT },
	{ A_REMEDIATING, EV_FAIL,		A_FAILED },
};

const char *
orch_state_name(enum orch_state s)
{
	return (unsigned)s < A_NSTATES ? state_names[s] : "?";
}

int
orch_state_parse(const char *s)
{
	for (int i = 0; s && i < A_NSTATES; i++)
		if (strcmp(s, state_names[i]) == 0)
			return i;
	return -1;
}

const char *
orch_event_name(enum orch_event ev)
{
	return (unsigned)ev < EV_NEVENTS ? events[ev].name : "?";
}

int
orch_fsm_next(enum orch_state s, enum orch_event ev)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].from == s && table[i].ev == ev)
			return (int)table[i].to;
	return -1;
}

static void
bind_named(sqlite3_stmt *st, const char *name, const char *v, size_t len)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0 && v)
		sqlite3_bind_text(st, i, v, (int)len, SQLITE_TRANSIENT);
	else if (i > 0)
		sqlite3_bind_null(st, i);
}

/* The current state, and for SEND_FAILED whether its request is the one
 * that failed.  0, -ENOENT, -ESTALE, -EIO. */
static int
current(sqlite3 *db, const char *id, enum orch_event ev, const char *request,
    int *state)
{
	sqlite3_stmt *st;
	int r = -ENOENT;

	if (db_prep(db, "SELECT state, CASE WHEN state IN ('collecting', "
	    "'remediating') THEN collection ELSE evaluation END FROM "
	    "assessment WHERE id = ?",
	    &st) < 0)
		return -EIO;
	db_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *req = (const char *)sqlite3_column_text(st, 1);

		*state = orch_state_parse((const char *)sqlite3_column_text(st,
		    0));
		r = *state < 0 ? -EIO : 0;
		if (r == 0 && ev == EV_SEND_FAILED && (request == NULL ||
		    req == NULL || strcmp(req, request) != 0))
			r = -ESTALE;
	}
	sqlite3_finalize(st);
	return r;
}

int
orch_fsm_fire(sqlite3 *db, const char *id, enum orch_event ev,
    const struct orch_change *c, struct orch_transition *t)
{
	static const struct orch_change none;
	sqlite3_stmt *st;
	char sql[512], now[32];
	int from = -1, to, r;

	if (c == NULL)
		c = &none;
	if ((unsigned)ev >= EV_NEVENTS)
		return -EINVAL;
	if (db_begin(db) < 0)
		return -EIO;
	if ((r = current(db, id, ev, c->request, &from)) < 0)
		goto fail;
	if ((to = orch_fsm_next((enum orch_state)from, ev)) < 0) {
		r = -EINVAL;
		goto fail;
	}
	snprintf(sql, sizeof(sql), "UPDATE assessment SET state = :to, "
	    "reason = :reason, updated = :now, version = version + 1, "
	    "next_check = 0, %s WHERE id = :id AND state = :from",
	    events[ev].set);
	if (db_prep(db, sql, &st) < 0) {
		r = -EIO;
		goto fail;
	}
	time_iso(now, 0);
	bind_named(st, ":to", state_names[to], strlen(state_names[to]));
	bind_named(st, ":from", state_names[from], strlen(state_names[from]));
	bind_named(st, ":reason", c->reason, c->reason ? strlen(c->reason) :
	    0);
	bind_named(st, ":now", now, strlen(now));
	bind_named(st, ":id", id, strlen(id));
	bind_named(st, ":request", c->request, c->request ?
	    strlen(c->request) : 0);
	bind_named(st, ":evaluator", c->evaluator, c->evaluator ?
	    strlen(c->evaluator) : 0);
	bind_named(st, ":posture", c->posture, c->posture_len);
	bind_named(st, ":fix_state", c->fix_state, c->fix_state ?
	    strlen(c->fix_state) : 0);
	if ((r = sqlite3_bind_parameter_index(st, ":fix_exit")) > 0)
		sqlite3_bind_int(st, r, c->fix_exit);
	if ((r = sqlite3_bind_parameter_index(st, ":deadline")) > 0)
		sqlite3_bind_int64(st, r, c->deadline);
	r = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1 ? 0 :
	    -EIO;
	sqlite3_finalize(st);
	if (r < 0 || db_commit(db) < 0) {
		r = -EIO;
		goto fail;
	}
	if (t) {
		t->from = (enum orch_state)from;
		t->to = (enum orch_state)to;
	}
	return 0;
fail:
	db_rollback(db);
	return r;
}
