/*
 * orch.h - sacm-orchestrator: the Orchestrator of Figure 2.
 *
 * Assessments are persisted state machines (orch_fsm.h has the table and
 * its one writer; orch_store.c the database and publishing):
 *
 *   requested -> collecting -> collected -> evaluating -> complete
 *        ^            |            ^            |
 *        +-- retry ---+            +-- retry ---+      -> failed, timed-out
 *
 * Each step has `retries` attempts (the count starts again at collected).
 *
 * orch_events.c turns grid events (policies, endpoints, stored posture,
 * evaluation results) and operators' requests into assessments and
 * events; orch_tick.c does what each state asks (publish a request, time
 * out, retry), waits for endpoints whose collector is offline, and picks
 * evaluators by their advertised capacity; orch_assign.c keeps operators'
 * assignments and their schedules.  Nothing in the loop waits for the
 * broker: requests, publishes and liveness checks are asynchronous, and
 * their answers arrive as events of their own.
 */
#ifndef ORCH_H
#define ORCH_H

/* Seconds an answer of an endpoint's collector is trusted (its last
 * disco#info): an offline endpoint is noticed this late at worst. */
#define EP_RECHECK	15

#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include <libxml/tree.h>

#include "buf.h"
#include "orch_fsm.h"
#include "grid.h"
#include "ratelimit.h"

#define NS_ORCH		"http://sacm-grid.dev/protocol/1/orchestrator"

struct orch_conf {
	char	*db;
	char	*evaluators;		/* full JIDs, space-separated */
	char	*default_profile;	/* for a policy nobody assigned */
	char	*operators;		/* bare JIDs that may request */
	char	*admins;		/* bare JIDs that may revoke */
	long	 collect_timeout;	/* seconds */
	long	 evaluate_timeout;
	long	 remediate_timeout;	/* a fix's run, and its answer */
	long	 retries;
	long	 evaluator_depth;	/* in hand per unit of capacity */
	int	 auto_approve;		/* an account's first endpoint */
	int	 vulnerabilities;	/* targeted collections (orch_vuln.c) */
	long	 max_announcements;	/* per endpoint per minute */
	long	 max_changes;		/* change events per endpoint per min */
	long	 max_per_trigger;	/* assessments one event creates */
	int	 log_level;
};

#define ORCH_MAX_EVALUATORS	16
struct orch_evaluator {
	char	*jid;
	int	 online;
	int	 checking;		/* a disco#info on its way */
	int	 seen;			/* its presence, since we connected */
	long	 capacity;
	time_t	 checked;
};

struct orch {
	struct orch_conf	 conf;
	struct grid_conf	 gc;
	struct grid		*g;
	sqlite3			*db;
	struct orch_evaluator	 ev[ORCH_MAX_EVALUATORS];
	size_t			 nev;
	size_t			 ev_hint;	/* next to name first */
	struct ratelimit	*announcements, *changes;	/* per endpoint */
	long			 publishing;	/* assessments on their way */
	char			**soon;		/* to publish (orch_pubq.c) */
	size_t			 nsoon, soon_cap;
	uint64_t		 soon_since;	/* ms of the oldest mark */
};


/* orch_store.c */
int	orch_store_open(struct orch *);
void	orch_store_close(struct orch *);
/* Creates an assessment unless one for the same (policy, profile,
 * endpoint, trigger key) exists; *id (to free) names it.  1 created,
 * 0 existed, -errno. */
int	orch_create(struct orch *, const char *policy, const char *profile,
	    const char *endpoint, const char *trigger, const char *key,
	    char **id);
/* Fires an event (orch_fsm_fire), logs "old -> new: reason" and
 * publishes the assessment.  0 or orch_fsm_fire's error. */
int	orch_fire(struct orch *, const char *id, enum orch_event,
	    const struct orch_change *);
/* Fires EV_SEND_FAILED (the attempt not counted) with reason for each
 * row of st, prepared and bound to select (assessment id, request id);
 * finalizes st.  How many were fired.  reason: static. */
size_t	orch_resend(struct orch *, sqlite3_stmt *, const char *reason);
/* Publishes the assessment as it is now (asynchronously). */
void	orch_publish(struct orch *, const char *id);

/* orch_pubq.c: marks an assessment changed, published with the others
 * marked once a window (orch_publish_due, every loop turn); the loop's
 * wait until then (at most most ms); every mark published now; freed. */
void	orch_publish_soon(struct orch *, const char *id);
void	orch_publish_due(struct orch *);
unsigned long orch_publish_wait(const struct orch *, unsigned long most);
void	orch_publish_flush(struct orch *);
void	orch_publish_free(struct orch *);
/* Publishes xml as item id on node without waiting; the broker's answer
 * runs mark (an UPDATE of ?1 the version, ?2 the id) to count that
 * version published; one it did not take stays unpublished, to be sent
 * again.  what names the item in the log.  mark and what: static. */
void	orch_publish_version(struct orch *, const char *node, const char *id,
	    const char *xml, long long version, const char *mark,
	    const char *what);
/* One endpoint (endpoint set) or every endpoint of a collector JID
 * (endpoint NULL) seen online (1) or offline (0) now, and their open
 * assessments made due, collections under way requested again when
 * back; how many endpoints that names.  _due: only the latter. */
long	orch_endpoints_seen(struct orch *, const char *endpoint,
	    const char *collector, int online);
void	orch_endpoints_due(struct orch *, const char *endpoint,
	    const char *collector);
/* An evaluator has room again: the n assessments waiting longest for
 * one (collected) are due now, not at their next second. */
void	orch_collected_due(struct orch *, int n);

/* orch_vuln.c: vulnerability definitions' targeted collections, once
 * per endpoint and targeted document. */
void	orch_vuln_in(struct orch *, const struct grid_event *);
/* An endpoint approved now: the targeted collections it lacks. */
void	orch_vuln_welcome(struct orch *, const char *endpoint);
void	orch_vuln_tick(struct orch *);
/* A stored posture that answers a targeted collection (request t-...):
 * 1 taken, 0 not one. */
int	orch_vuln_posture(struct orch *, const char *request,
	    const char *endpoint, const char *state, const char *item,
	    const char *reason);

/* orch_vulneval.c: the definitions evaluated from stored inventories */
/* A new document of stream name: every endpoint with an inventory. */
void	orch_vulneval_defs(struct orch *, const char *id, const char *name);
/* A stored posture (its root): the inventory kept, a targeted
 * collection's system characteristics kept for its row. */
void	orch_vulneval_stored(struct orch *, xmlNodePtr root);
/* The endpoint's targeted collection is in: its waiting rows are due. */
void	orch_vulneval_wake(struct orch *, const char *endpoint);
void	orch_vulneval_tick(struct orch *);
/* A <vulnerability-result/> on sacm/evaluation/results. */
void	orch_vulneval_result(struct orch *, const struct grid_event *);
/* orch_events.c */
/* An item's payload parsed safely, its root <root xmlns=SACM_NS> (at most
 * 1 MiB); NULL with err set. */
xmlDocPtr orch_event_doc(const struct grid_event *, const char *root,
	    char *err, size_t len);
void	orch_on_event(struct grid *, const struct grid_event *, void *);
int	orch_on_request(struct grid *, const struct grid_request *,
	    struct buf *, void *);
int	orch_assess_policy(struct orch *, const char *policy,
	    const char *profile, char *const *endpoints, size_t n,
	    const char *trigger, const char *key, struct buf *ids,
	    const char *only);

/* orch_assign.c */
int	orch_assign_request(struct orch *, xmlNodePtr, const char *type,
	    const char *by, struct buf *reply);
void	orch_assign_tick(struct orch *);
void	orch_assign_endpoint(struct orch *, const char *endpoint);
void	orch_assign_policy(struct orch *, const char *policy);

/* orch_presence.c: liveness of collectors and evaluators from presence */
void	orch_presence(struct grid *, const char *from, int available,
	    void *);
/* Asks the evaluators and every account with an approved endpoint. */
void	orch_presence_online(struct orch *);
void	orch_presence_watch(struct orch *, const char *account);

/* orch_fix.c: remediation an operator approved */
int	orch_fix_request(struct orch *, xmlNodePtr, const char *type,
	    const char *by, struct buf *reply);
int	orch_fix_of(struct orch *, const char *id, struct buf *attrs,
	    struct buf *blob);
void	orch_fix_result(struct orch *, const struct grid_event *);

/* orch_tick.c */
void	orch_tick(struct orch *);
/* The online evaluator with the most room (full JID), or NULL. */
const char *orch_pick_evaluator(struct orch *);

/* orch_approve.c: endpoints are approved, not trusted on first use. */
int	orch_endpoint_approved(struct orch *, const char *id);
/* The account that announced the endpoint (free() it), or NULL. */
char	*orch_endpoint_account(struct orch *, const char *id);
/* After an announcement was stored: auto_approve, or it waits. */
void	orch_endpoint_announced(struct orch *, const char *id,
	    const char *account);
/* Approvals the broker did not take yet, published again. */
void	orch_approvals_flush(struct orch *);
/* Was the account (bare JID) revoked?  Its events are ignored. */
int	orch_account_revoked(struct orch *, const char *account);
/* endpoints (get), approve and reject (set); -ENOENT: not one of these. */
int	orch_endpoints_request(struct orch *, xmlNodePtr, const char *type,
	    const char *by, struct buf *reply);

#endif
