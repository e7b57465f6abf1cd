/*
 * orch_tick.c - what each open assessment needs next.
 *
 *   requested   if the endpoint's collector did not answer (XEP-0030,
 *               asked without waiting: the answer arrives later), say so
 *               in the assessment and wait for it; else
 *               publish a collection request for the endpoint (the
 *               policy's announcement, and its datastream's for a
 *               tailoring) -> collecting, with a deadline
 *   collecting  past the deadline: again (up to retries), or timed-out
 *   collected   pick an evaluator (online, most capacity left) and publish
 *               the evaluation request (policy and stored posture)
 *               -> evaluating, with a deadline
 *   evaluating  past the deadline, or its evaluator gone: assign again
 *               (up to retries), or timed-out
 *
 * Every request is published without waiting; a request the broker
 * refuses sends its assessment back a state (EV_SEND_FAILED).  Each tick
 * takes at most PER_TICK assessments, the ones due first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "disco.h"
#include "db.h"
#include "log.h"
#include "orch.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlutil.h"

#define PER_TICK	128
#define EVAL_RECHECK	15	/* seconds between evaluator checks */
#define WAIT_RECHECK	60	/* an evaluation waiting for room, at most */
#define OFFLINE		"endpoint offline"

/* An evaluator's disco#info answer: online, and its capacity. */
static void
evaluator_checked(struct grid *g, int status, const struct disco_info *d,
    void *arg)
{
	struct orch_evaluator *e = arg;
	int was = e->online;

	(void)g;
	e->checking = 0;
	if (status == -ENOTCONN) {
		e->checked = 0;		/* ours lost: ask again */
		return;
	}
	if (status == 0) {
		const char *cap = disco_field(d, "capacity");

		e->online = disco_has_feature(d, SACM_NS "#evaluator");
		e->capacity = cap ? strtol(cap, NULL, 10) : 1;
		if (e->capacity < 1)
			e->capacity = 1;
	} else
		e->online = 0;
	if (was != e->online)
		log_info("evaluator %s %s (capacity %ld)", e->jid,
		    e->online ? "available" : "gone", e->capacity);
}

/* The evaluators that answer, and their advertised capacity: asked every
 * EVAL_RECHECK seconds, answered later (evaluator_checked). */
static void
refresh_evaluators(struct orch *o, time_t now)
{
	for (size_t i = 0; i < o->nev; i++) {
		struct orch_evaluator *e = &o->ev[i];

		if (e->checking || now - e->checked < EVAL_RECHECK)
			continue;
		e->checked = now;
		if (disco_info_async(o->g, e->jid, NULL, evaluator_checked,
		    e) == 0)
			e->checking = 1;
		else
			e->online = 0;
	}
}

/* An endpoint whose collector's answer is awaited. */
struct ep_check {
	struct orch	*o;
	char		*collector;
	char		 endpoint[];
};

static void
endpoint_checked(struct grid *g, int status, const struct disco_info *d,
    void *arg)
{
	struct ep_check *c = arg;
	struct orch *o = c->o;
	sqlite3_stmt *st;
	/* was: -2 no such endpoint, -1 never answered, else online */
	int online = status == 0, was = -2;

	(void)g; (void)d;
	/* Our own connection lost: we know nothing new. */
	if (o->db == NULL || status == -ENOTCONN)
		goto out;
	if (db_prep(o->db, "SELECT CASE WHEN answered THEN online ELSE -1 "
	    "END FROM endpoint WHERE id = ? AND collector = ?", &st) == 0) {
		db_bind_texts(st, 1, 2, c->endpoint, c->collector);
		if (sqlite3_step(st) == SQLITE_ROW)
			was = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	/* Gone, or announced again by another collector meanwhile. */
	if (was == -2 || was == online)
		goto out;
	if (online && was == 0)
		log_info("endpoint %s is back (collector %s)", c->endpoint,
		    c->collector);
	else if (!online)
		log_warnx("endpoint %s is offline (its collector %s does not "
		    "answer); its assessments wait for it", c->endpoint,
		    c->collector);
	orch_endpoints_seen(o, c->endpoint, NULL, online);
out:
	free(c->collector);
	free(c);
}

/*
 * Is the endpoint's collector there, as last known?  Known from its
 * presence when it sends it (orch_presence.c); else asked again (a
 * disco#info to the collector's full JID, which the broker answers with an
 * error when that session is gone) at most every EP_RECHECK seconds,
 * without waiting: the answer updates the endpoint (endpoint_checked).
 * 1 online, 0 offline, -1 not known yet (never answered: asked).  An
 * endpoint that announces itself again is online at once (orch_events.c).
 */
static int
endpoint_online(struct orch *o, const char *endpoint, time_t now,
    char *since, size_t len)
{
	sqlite3_stmt *st;
	char *collector = NULL;
	int online = 1, stale = 0;

	*since = '\0';
	if (db_prep(o->db, "SELECT e.collector, CASE WHEN e.answered THEN "
	    "e.online ELSE -1 END, e.checked, e.offline_since, p.available, "
	    "p.since FROM endpoint e LEFT JOIN collector_presence p ON "
	    "p.jid = e.collector WHERE e.id = ?", &st) < 0)
		return 1;
	db_bind_text(st, 1, endpoint);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 3);

		collector = db_column_dup(st, 0);
		online = sqlite3_column_int(st, 1);
		stale = now - sqlite3_column_int64(st, 2) >= EP_RECHECK;
		/* known from presence: the broker tells when it changes */
		if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
			online = sqlite3_column_int(st, 4);
			stale = 0;
			if (!online)
				s = (const char *)sqlite3_column_text(st, 5);
		}
		snprintf(since, len, "%s", s ? s : "");
	}
	sqlite3_finalize(st);
	if (collector && *collector && stale) {
		struct ep_check *c = malloc(sizeof(*c) + strlen(endpoint) + 1);

		if (c) {
			c->o = o;
			c->collector = collector;
			memcpy(c->endpoint, endpoint, strlen(endpoint) + 1);
			if (disco_info_async(o->g, collector, NULL,
			    endpoint_checked, c) == 0)
				collector = NULL;	/* c's now */
			else
				free(c);
		}
		if (db_prep(o->db, "UPDATE endpoint SET checked = ? "
		    "WHERE id = ?", &st) == 0) {
			sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
			db_bind_text(st, 2, endpoint);
			(void)sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	else if (collector == NULL || *collector == '\0')
		online = 1;	/* nobody to ask: as before, assumed there */
	free(collector);
	return online;
}

/* Records that an assessment waits for its endpoint: once, or again with
 * a new deadline (deadline > 0) when its old one passed meanwhile. */
static void
wait_offline(struct orch *o, const char *id, const char *reason,
    const char *since, long deadline)
{
	char why[160];

	if (deadline == 0 && reason && strncmp(reason, OFFLINE,
	    strlen(OFFLINE)) == 0)
		return;
	snprintf(why, sizeof(why), OFFLINE " since %s: assessed when it "
	    "returns", since);
	(void)orch_fire(o, id, EV_WAIT, &(struct orch_change){ .reason = why,
	    .deadline = deadline });
}

static long
inflight(struct orch *o, const char *full)
{
	char jid[512];
	long n;

	jid_bare(full, jid, sizeof(jid));
	n = db_count(o->db, "SELECT count(*) FROM assessment WHERE state = "
	    "'evaluating' AND evaluator = ?", 1, jid);
	return n < 0 ? 0 : n;
}

/* The online evaluator with the most room, looking from start on (the
 * first of equals wins); its index in *at unless at is NULL. */
static struct orch_evaluator *
pick_from(struct orch *o, size_t start, size_t *at)
{
	struct orch_evaluator *best = NULL;
	long room = 0;

	for (size_t k = 0; k < o->nev; k++) {
		size_t i = (start + k) % o->nev;
		long r;

		if (!o->ev[i].online)
			continue;
		r = o->ev[i].capacity * o->conf.evaluator_depth -
		    inflight(o, o->ev[i].jid);
		if (r > room) {
			room = r;
			best = &o->ev[i];
			if (at != NULL)
				*at = i;
		}
	}
	return best;
}

static struct orch_evaluator *
pick_evaluator(struct orch *o)
{
	return pick_from(o, 0, NULL);
}

/*
 * The evaluator a collection request names, to load the policy ahead:
 * the one with the most room, ties going round, so that each evaluator
 * the next evaluations may go to has the policy loaded by then, and one
 * target's collection competes with one loading only.
 */
static struct orch_evaluator *
hint_evaluator(struct orch *o)
{
	struct orch_evaluator *e;
	size_t at;

	if ((e = pick_from(o, o->ev_hint, &at)) != NULL)
		o->ev_hint = at + 1;
	return e;
}

const char *
orch_pick_evaluator(struct orch *o)
{
	struct orch_evaluator *e = pick_evaluator(o);

	return e ? e->jid : NULL;
}

static int
evaluator_online(struct orch *o, const char *jid)
{
	char b[512];

	for (size_t i = 0; i < o->nev; i++) {
		jid_bare(o->ev[i].jid, b, sizeof(b));
		if (strcmp(b, jid) == 0)
			return o->ev[i].online;
	}
	return 0;
}

/* The policy's announcement, and its datastream's for a tailoring. */
static int
announcements(struct orch *o, const char *policy, struct buf *b)
{
	sqlite3_stmt *st;
	char *base = NULL;
	int found = 0;

	if (db_prep(o->db, "SELECT announcement, base FROM policy WHERE id = ?",
	    &st) < 0)
		return -EIO;
	db_bind_text(st, 1, policy);
	if (sqlite3_step(st) == SQLITE_ROW) {
		buf_adds(b, (const char *)sqlite3_column_text(st, 0));
		if (sqlite3_column_text(st, 1))
			base = strdup((const char *)sqlite3_column_text(st, 1));
		found = 1;
	}
	sqlite3_finalize(st);
	if (found && base) {
		found = announcements(o, base, b) == 0;
		free(base);
	}
	return found ? 0 : -ENOENT;
}

/* A step's time limit: doubled at each attempt again, up to 8 times. */
static long
backoff(long timeout, int attempts)
{
	return timeout << (attempts < 3 ? attempts : 3);
}

/* A request on its way: the assessment, and the request's item id. */
struct sent {
	struct orch	*o;
	char		*rid;
	char		 id[];
};

/* The broker's answer to a request: refused, the attempt does not count
 * and the assessment goes back a state (if that request is still its
 * current one); taken, nothing to do (the deadline runs). */
static void
step_sent(struct grid *g, int status, void *arg)
{
	struct sent *s = arg;

	(void)g;
	if (status < 0 && s->o->db) {
		char why[300];

		snprintf(why, sizeof(why), "request %.128s not taken by the "
		    "broker (%s); again", s->rid, strerror(-status));
		(void)orch_fire(s->o, s->id, EV_SEND_FAILED, &(struct
		    orch_change){ .reason = why, .request = s->rid });
	}
	free(s->rid);
	free(s);
}

/*
 * Publishes a step's request, item id "<c|e>-<assessment>-<attempt>",
 * without waiting, and fires ev with it (the request, its deadline, one
 * more attempt; the evaluator for an evaluation).  0, or < 0 when it could
 * not even be sent (the next tick tries again).
 */
static int
publish_step(struct orch *o, const char *id, const char *node,
    enum orch_event ev, const struct buf *b, long timeout, int attempts,
    const char *evaluator)
{
	struct sent *s;
	char rid[128];

	snprintf(rid, sizeof(rid), "%c-%s-%d", ev == EV_COLLECT_SENT ? 'c' :
	    ev == EV_REMEDIATE_SENT ? 'r' : 'e', id, attempts + 1);
	if (b->data == NULL ||
	    (s = malloc(sizeof(*s) + strlen(id) + 1)) == NULL)
		return -ENOMEM;
	s->o = o;
	memcpy(s->id, id, strlen(id) + 1);
	if ((s->rid = strdup(rid)) == NULL ||
	    pubsub_publish_async(o->g, node, rid, b->data, step_sent, s) < 0) {
		log_warnx("assessment %s: %s not published: %s (later)", id,
		    rid, grid_errstr(o->g));
		free(s->rid);
		free(s);
		return -EAGAIN;
	}
	return orch_fire(o, id, ev, &(struct orch_change){ .request = rid,
	    .evaluator = evaluator,
	    .deadline = (long)time(NULL) + backoff(timeout, attempts) });
}

static void
request_collection(struct orch *o, const char *id, const char *policy,
    const char *profile, const char *endpoint, int attempts)
{
	struct orch_evaluator *ev;
	struct buf b;
	char jid[512];

	buf_init(&b, (size_t)grid_get_conf(o->g)->max_item_size);
	buf_adds(&b, "<collection-request xmlns='" SACM_NS "'");
	if (*profile) {
		buf_adds(&b, " profile='");
		buf_add_xml(&b, profile);
		buf_adds(&b, "'");
	}
	if ((ev = hint_evaluator(o)) != NULL) {
		jid_bare(ev->jid, jid, sizeof(jid));
		buf_add_attr(&b, "evaluator", jid);
	}
	buf_adds(&b, "><endpoint id='");
	buf_add_xml(&b, endpoint);
	buf_adds(&b, "'/>");
	if (announcements(o, policy, &b) < 0) {
		buf_free(&b);
		(void)orch_fire(o, id, EV_FAIL, &(struct orch_change){
		    .reason = "the policy is not known" });
		return;
	}
	buf_adds(&b, "</collection-request>");
	(void)publish_step(o, id, TOPIC_COLLECTION_REQUESTS, EV_COLLECT_SENT,
	    &b, o->conf.collect_timeout, attempts, NULL);
	buf_free(&b);
}

/* The fix an operator approved (orch_fix.c), sent once: the collector
 * runs it, says how it went, and collects under the same request id. */
static void
request_remediation(struct orch *o, const char *id, const char *policy,
    const char *profile, const char *endpoint, int attempts)
{
	struct buf b, blob;

	buf_init(&b, (size_t)grid_get_conf(o->g)->max_item_size);
	buf_init(&blob, 8192);
	buf_adds(&b, "<remediation-request xmlns='" SACM_NS "'");
	if (*profile)
		buf_add_attr(&b, "profile", profile);
	if (orch_fix_of(o, id, &b, &blob) < 0) {
		buf_free(&b);
		buf_free(&blob);
		(void)orch_fire(o, id, EV_FAIL, &(struct orch_change){
		    .reason = "the approved fix is not stored" });
		return;
	}
	buf_adds(&b, "><endpoint id='");
	buf_add_xml(&b, endpoint);
	buf_adds(&b, "'/>");
	buf_adds(&b, blob.data ? blob.data : "");
	buf_free(&blob);
	if (announcements(o, policy, &b) < 0) {
		buf_free(&b);
		(void)orch_fire(o, id, EV_FAIL, &(struct orch_change){
		    .reason = "the policy is not known" });
		return;
	}
	buf_adds(&b, "</remediation-request>");
	(void)publish_step(o, id, TOPIC_REMEDIATION_REQUESTS,
	    EV_REMEDIATE_SENT, &b, o->conf.remediate_timeout, attempts, NULL);
	buf_free(&b);
}

static int
request_evaluation(struct orch *o, const char *id, const char *policy,
    const char *profile, const char *endpoint, const char *posture,
    int attempts)
{
	struct orch_evaluator *ev = pick_evaluator(o);
	sqlite3_stmt *st;
	struct buf b;
	char jid[512], *host = NULL;

	if (ev == NULL)
		return 0;	/* none free: a result makes it due */
	jid_bare(ev->jid, jid, sizeof(jid));
	if (db_prep(o->db, "SELECT hostname FROM endpoint WHERE id = ?", &st) ==
	    0) {
		db_bind_text(st, 1, endpoint);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st,
		    0))
			host = strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	buf_init(&b, (size_t)grid_get_conf(o->g)->max_item_size);
	buf_adds(&b, "<evaluation-request xmlns='" SACM_NS "' endpoint='");
	buf_add_xml(&b, endpoint);
	buf_adds(&b, "' assessment='");
	buf_add_xml(&b, id);
	buf_adds(&b, "' evaluator='");
	buf_add_xml(&b, jid);
	if (host) {
		buf_adds(&b, "' hostname='");
		buf_add_xml(&b, host);
	}
	if (*profile) {
		buf_adds(&b, "' profile='");
		buf_add_xml(&b, profile);
	}
	buf_adds(&b, "'>");
	free(host);
	if (announcements(o, policy, &b) < 0) {
		buf_free(&b);
		(void)orch_fire(o, id, EV_FAIL, &(struct orch_change){
		    .reason = "the policy is not known" });
		return 1;
	}
	buf_adds(&b, posture ? posture : "");
	buf_adds(&b, "</evaluation-request>");
	(void)publish_step(o, id, TOPIC_EVALUATION_REQUESTS, EV_EVAL_SENT, &b,
	    o->conf.evaluate_timeout, attempts, jid);
	buf_free(&b);
	return 1;
}

/* The earlier of a deadline (0: none) and t. */
static time_t
due(long deadline, time_t t)
{
	return deadline > 0 && deadline < t ? (time_t)deadline : t;
}

/* An assessment due, as the turn read it, and when to look at it again
 * if it is still in that state then. */
struct due {
	char	*id, *policy, *profile, *endpoint, *posture, *ev, *reason,
		*evaluation;
	int	 state, attempts, fix;	/* fix: one to send */
	/* The endpoint's current approval is still on its way to the
	 * broker (not taken yet, or refused and to be published again by
	 * orch_approvals_flush).  The posture repository checks a report
	 * against the approval it has, so a collection request sent before
	 * it is answered with a report that is refused. */
	int	 unapproved;
	long	 deadline;
	time_t	 next;
};

/* An assessment still in the state it was read in is looked at again at
 * its next; one that moved meanwhile is due at once (orch_fsm_fire).  All
 * of a turn's in one transaction: one commit, not one per assessment. */
static void
reschedule(struct orch *o, const struct due *rows, int n, time_t now)
{
	sqlite3_stmt *st;

	if (n == 0 || db_begin(o->db) < 0)
		return;
	if (db_prep(o->db, "UPDATE assessment SET next_check = ? "
	    "WHERE id = ? AND state = ? AND next_check <= ?", &st) < 0) {
		db_rollback(o->db);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (rows[i].id == NULL || rows[i].state < 0)
			continue;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)rows[i].next);
		db_bind_text(st, 2, rows[i].id);
		db_bind_text(st, 3, orch_state_name((enum orch_state)
		    rows[i].state));
		sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
		(void)sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (db_commit(o->db) < 0)
		db_rollback(o->db);
}

static void
retracted(struct grid *g, int status, void *arg)
{
	(void)g;
	if (status == 0)
		log_info("request %s withdrawn", (char *)arg);
	free(arg);
}

/* Whatever the broker did not take before, when nothing is on its way. */
static void
flush(struct orch *o)
{
	sqlite3_stmt *st;
	char *ids[PER_TICK];
	int k = 0;

	orch_approvals_flush(o);
	/* (changes marked go out at the end of their window) */
	if (o->publishing > 0 || o->nsoon > 0 || db_prep(o->db, "SELECT id "
	    "FROM assessment WHERE published < version LIMIT ?", &st) < 0)
		return;
	sqlite3_bind_int(st, 1, PER_TICK);
	while (k < PER_TICK && sqlite3_step(st) == SQLITE_ROW)
		if ((ids[k] = db_column_dup(st, 0)) != NULL)
			k++;
	sqlite3_finalize(st);
	for (int j = 0; j < k; j++) {
		orch_publish(o, ids[j]);
		free(ids[j]);
	}
}

void
orch_tick(struct orch *o)
{
	sqlite3_stmt *st;
	struct due rows[PER_TICK];
	int n = 0, full = 0;
	time_t now = time(NULL);

	if (grid_state(o->g) != GRID_ONLINE)
		return;
	refresh_evaluators(o, now);
	orch_assign_tick(o);
	orch_vuln_tick(o);
	/* Only the assessments due: one that waits (for its endpoint, for
	 * an evaluator's capacity, for its deadline) is looked at again
	 * when due, and never keeps the others from their turn. */
	if (db_prep(o->db, "SELECT id, policy, profile, endpoint, posture, "
	    "evaluator, state, attempts, deadline, reason, evaluation, "
	    "fix_blob IS NOT NULL AND fix_state IS NULL, (SELECT "
	    "approval_published < approval_version FROM endpoint WHERE "
	    "endpoint.id = assessment.endpoint) FROM "
	    "assessment WHERE " ORCH_OPEN_SQL " AND next_check <= ? "
	    "ORDER BY next_check, updated LIMIT ?", &st) < 0)
		return;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int(st, 2, PER_TICK);
	while (n < PER_TICK && sqlite3_step(st) == SQLITE_ROW) {
		struct due *r = &rows[n];

		(void)db_columns_dup(st, 0, 6, &r->id, &r->policy,
		    &r->profile, &r->endpoint, &r->posture, &r->ev);
		r->state = orch_state_parse((const char *)sqlite3_column_text(
		    st, 6));
		r->attempts = sqlite3_column_int(st, 7);
		r->deadline = sqlite3_column_int64(st, 8);
		r->reason = db_column_dup(st, 9);
		r->evaluation = db_column_dup(st, 10);
		r->fix = sqlite3_column_int(st, 11);
		r->unapproved = sqlite3_column_int(st, 12);
		n++;
	}
	sqlite3_finalize(st);
	for (int i = 0; i < n; i++) {
		struct due *r = &rows[i];
		int late = r->deadline && now >= r->deadline;
		int more = r->attempts < o->conf.retries;
		/* when to look again if it is still in this state: soon,
		 * by default (a request that could not be sent) */
		time_t next = now + 2;
		char since[32];
		int up;

		if (r->id == NULL)
			continue;
		switch (r->state) {
		case A_REQUESTED:
			if ((up = endpoint_online(o, r->endpoint, now, since,
			    sizeof(since))) < 0)
				next = now + 1;		/* asked */
			else if (up == 0) {
				wait_offline(o, r->id, r->reason, since, 0);
				next = now + EP_RECHECK;
			} else if (r->unapproved)
				next = now + 1;
			else if (r->fix)
				request_remediation(o, r->id, r->policy,
				    r->profile ? r->profile : "", r->endpoint,
				    r->attempts);
			else
				request_collection(o, r->id, r->policy,
				    r->profile ? r->profile : "", r->endpoint,
				    r->attempts);
			break;
		case A_REMEDIATING:
			/* as collecting, but never sent again: a late
			 * answer times out (the script may have run) */
			if (endpoint_online(o, r->endpoint, now, since,
			    sizeof(since)) == 0) {
				wait_offline(o, r->id, r->reason, since, late ?
				    (long)now + o->conf.remediate_timeout : 0);
				next = now + EP_RECHECK;
			} else if (!late)
				next = due(r->deadline, now + EP_RECHECK);
			else
				(void)orch_fire(o, r->id, EV_TIMEOUT,
				    &(struct orch_change){ .reason = "no "
				    "answer to the remediation in time (it is "
				    "not sent again: see the collector's "
				    "log)" });
			break;
		case A_COLLECTING:
			/* Gone meanwhile: it gets the request when it is
			 * back (catch-up); the clock stops until then. */
			if (endpoint_online(o, r->endpoint, now, since,
			    sizeof(since)) == 0) {
				wait_offline(o, r->id, r->reason, since, late ?
				    (long)now + o->conf.collect_timeout : 0);
				next = now + EP_RECHECK;
			} else if (!late)
				next = due(r->deadline, now + EP_RECHECK);
			else
				(void)orch_fire(o, r->id, more ? EV_RETRY :
				    EV_TIMEOUT, &(struct orch_change){ .reason =
				    more ? "no posture in time; collecting "
				    "again" : "no posture in time (is the "
				    "endpoint's collector running?)" });
			break;
		case A_COLLECTED:
			/* No evaluator free (nor for the rest of this turn): a
			 * result or an evaluator coming makes the one waiting
			 * longest due (orch_collected_due); thousands waiting
			 * are not looked at every few seconds. */
			if (full || !request_evaluation(o, r->id, r->policy,
			    r->profile ? r->profile : "", r->endpoint,
			    r->posture, r->attempts)) {
				full = 1;
				next = now + WAIT_RECHECK;
			}
			break;
		case A_EVALUATING:
			if (!late && (!r->ev || evaluator_online(o, r->ev))) {
				next = due(r->deadline, now + EP_RECHECK);
				break;
			}
			/* Withdrawn, so that an evaluator coming back does not
			 * evaluate it too (one that does anyway is stored once:
			 * the results repository keeps one per assessment). */
			if (r->evaluation) {
				char *rid = strdup(r->evaluation);

				if (rid && pubsub_retract_async(o->g,
				    TOPIC_EVALUATION_REQUESTS, rid, retracted,
				    rid) < 0)
					free(rid);
			}
			(void)orch_fire(o, r->id, more ? EV_RETRY : EV_TIMEOUT,
			    &(struct orch_change){ .reason = late ? (more ?
			    "no result in time; evaluating again" : "no result "
			    "in time") : "the evaluator is gone; assigning "
			    "again" });
			break;
		}
		/* A move made it due at once; else it waits until next. */
		r->next = next;
	}
	reschedule(o, rows, n, now);
	for (int i = 0; i < n; i++) {
		struct due *r = &rows[i];

		free(r->id); free(r->policy); free(r->profile);
		free(r->endpoint); free(r->posture); free(r->ev);
		free(r->reason); free(r->evaluation);
	}
	flush(o);
}
