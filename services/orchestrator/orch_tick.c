/*
 * orch_tick.c - what each open assessment needs next.
 *
 *   requested   if the endpoint's collector does not answer (XEP-0030),
 *               say so in the assessment and wait for it; else
 *               publish a collection request for the endpoint (the
 *               policy's announcement, and its datastream's for a
 *               tailoring) -> collecting, with a deadline
 *   collecting  past the deadline: again (up to retries), or timed-out
 *   collected   pick an evaluator (online, most capacity left) and publish
 *               the evaluation request (policy and stored posture)
 *               -> evaluating, with a deadline
 *   evaluating  past the deadline, or its evaluator gone: assign again
 *               (up to retries), or timed-out
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

#define PER_TICK	32
#define EVAL_RECHECK	15	/* seconds between evaluator checks */
#define OFFLINE		"endpoint offline"

/* The evaluators that answer, and their advertised capacity. */
static void
refresh_evaluators(struct orch *o)
{
	time_t now = time(NULL);

	for (size_t i = 0; i < o->nev; i++) {
		struct orch_evaluator *e = &o->ev[i];
		struct disco_info d;
		int was = e->online;

		if (now - e->checked < EVAL_RECHECK)
			continue;
		e->checked = now;
		if (disco_info(o->g, e->jid, NULL, &d) == 0) {
			const char *cap = disco_field(&d, "capacity");

			e->online = disco_has_feature(&d, SACM_NS "#evaluator");
			e->capacity = cap ? strtol(cap, NULL, 10) : 1;
			if (e->capacity < 1)
				e->capacity = 1;
			disco_info_free(&d);
		} else
			e->online = 0;
		if (was != e->online)
			log_info("evaluator %s %s (capacity %ld)", e->jid,
			    e->online ? "available" : "gone", e->capacity);
	}
}

/*
 * Does the endpoint's collector answer?  Asked (disco#info to the
 * collector's full JID, which the broker answers with an error when that
 * session is gone) at most every EP_RECHECK seconds; an endpoint that
 * announces itself again is online at once (orch_events.c).
 */
static int
endpoint_online(struct orch *o, const char *endpoint, char *since,
    size_t len)
{
	sqlite3_stmt *st;
	char *collector = NULL, now_s[32];
	int online = 1, checked = 0;
	time_t now = time(NULL);

	*since = '\0';
	if (db_prep(o->db, "SELECT collector, online, checked, offline_since "
	    "FROM endpoint WHERE id = ?", &st) < 0)
		return 1;
	db_bind_text(st, 1, endpoint);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		const char *s = (const char *)sqlite3_column_text(st, 3);

		collector = c && *c ? strdup(c) : NULL;
		online = sqlite3_column_int(st, 1);
		checked = now - sqlite3_column_int64(st, 2) < EP_RECHECK;
		snprintf(since, len, "%s", s ? s : "");
	}
	sqlite3_finalize(st);
	if (collector == NULL || checked) {
		free(collector);
		return online;
	}
	{
		struct disco_info d;
		int was = online;

		online = disco_info(o->g, collector, NULL, &d) == 0;
		if (online)
			disco_info_free(&d);
		if (!online && was) {
			time_iso(now_s, 0);
			snprintf(since, len, "%s", now_s);
			log_warnx("endpoint %s is offline (its collector %s "
			    "does not answer); its assessments wait for it",
			    endpoint, collector);
		} else if (online && !was)
			log_info("endpoint %s is back (collector %s)", endpoint,
			    collector);
	}
	if (db_prep(o->db, "UPDATE endpoint SET online = ?, checked = ?, "
	    "offline_since = ? WHERE id = ?", &st) == 0) {
		sqlite3_bind_int(st, 1, online);
		sqlite3_bind_int64(st, 2, now);
		db_bind_text(st, 3, online ? NULL : since);
		db_bind_text(st, 4, endpoint);
		(void)sqlite3_step(st);
		sqlite3_finalize(st);
	}
	free(collector);
	return online;
}

static void
postpone(struct orch *o, const char *id, long deadline)
{
	sqlite3_stmt *st;

	if (db_prep(o->db, "UPDATE assessment SET deadline = ? WHERE id = ?",
	    &st) < 0)
		return;
	sqlite3_bind_int64(st, 1, deadline);
	db_bind_text(st, 2, id);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
}

/* Records, once, that an assessment waits for its endpoint. */
static void
wait_offline(struct orch *o, const char *id, const char *reason,
    const char *since, enum orch_state to)
{
	char why[160];

	if (reason && strncmp(reason, OFFLINE, strlen(OFFLINE)) == 0)
		return;
	snprintf(why, sizeof(why), OFFLINE " since %s: assessed when it "
	    "returns", since);
	(void)orch_move(o, id, to, why);
}

static long
inflight(struct orch *o, const char *full)
{
	char jid[512];
	long n;

	jid_bare(full, jid, sizeof(jid));
	n = db_count(o->db, "SELECT count(*) FROM assessment WHERE state = 3 "
	    "AND evaluator = ?", 1, jid);
	return n < 0 ? 0 : n;
}

static struct orch_evaluator *
pick_evaluator(struct orch *o)
{
	struct orch_evaluator *best = NULL;
	long room = 0;

	for (size_t i = 0; i < o->nev; i++) {
		long r;

		if (!o->ev[i].online)
			continue;
		r = o->ev[i].capacity - inflight(o, o->ev[i].jid);
		if (r > room) {
			room = r;
			best = &o->ev[i];
		}
	}
	return best;
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

static void
set(struct orch *o, const char *id, const char *col, const char *v,
    long deadline, int bump)
{
	sqlite3_stmt *st;
	char sql[256];

	snprintf(sql, sizeof(sql), "UPDATE assessment SET %s = ?, deadline = "
	    "?, attempts = attempts + ? WHERE id = ?", col);
	if (db_prep(o->db, sql, &st) < 0)
		return;
	db_bind_text(st, 1, v);
	sqlite3_bind_int64(st, 2, deadline);
	sqlite3_bind_int(st, 3, bump);
	db_bind_text(st, 4, id);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
}

/* A step's time limit: doubled at each attempt again, up to 8 times. */
static long
backoff(long timeout, int attempts)
{
	return timeout << (attempts < 3 ? attempts : 3);
}

/*
 * Publishes a step's request, item id "<c|e>-<assessment>-<attempt>", and
 * records it in column col (collection, evaluation) with its deadline and
 * one more attempt.  Returns the deadline, or 0 when the broker did not
 * take it (the next tick tries again).
 */
static long
publish_step(struct orch *o, const char *id, const char *node,
    const char *col, const struct buf *b, long timeout, int attempts)
{
	char rid[128];
	long deadline;

	snprintf(rid, sizeof(rid), "%c-%s-%d", col[0], id, attempts + 1);
	if (b->data == NULL || pubsub_publish(o->g, node, rid, b->data, NULL,
	    NULL) < 0) {
		log_warnx("assessment %s: %s request not published: %s "
		    "(later)", id, col, grid_errstr(o->g));
		return 0;
	}
	deadline = (long)time(NULL) + backoff(timeout, attempts);
	set(o, id, col, rid, deadline, 1);
	return deadline;
}

static void
request_collection(struct orch *o, const char *id, const char *policy,
    const char *profile, const char *endpoint, int attempts)
{
	struct buf b;

	buf_init(&b, (size_t)grid_get_conf(o->g)->max_item_size);
	buf_adds(&b, "<collection-request xmlns='" SACM_NS "'");
	if (*profile) {
		buf_adds(&b, " profile='");
		buf_add_xml(&b, profile);
		buf_adds(&b, "'");
	}
	buf_adds(&b, "><endpoint id='");
	buf_add_xml(&b, endpoint);
	buf_adds(&b, "'/>");
	if (announcements(o, policy, &b) < 0) {
		buf_free(&b);
		(void)orch_move(o, id, A_FAILED, "the policy is not known");
		return;
	}
	buf_adds(&b, "</collection-request>");
	if (publish_step(o, id, TOPIC_COLLECTION_REQUESTS, "collection", &b,
	    o->conf.collect_timeout, attempts) > 0)
		(void)orch_move(o, id, A_COLLECTING, NULL);
	buf_free(&b);
}

static void
request_evaluation(struct orch *o, const char *id, const char *policy,
    const char *profile, const char *endpoint, const char *posture,
    int attempts)
{
	struct orch_evaluator *ev = pick_evaluator(o);
	sqlite3_stmt *st;
	struct buf b;
	char jid[512], *host = NULL;
	long deadline;

	if (ev == NULL)
		return;		/* none free: wait */
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
		(void)orch_move(o, id, A_FAILED, "the policy is not known");
		return;
	}
	buf_adds(&b, posture ? posture : "");
	buf_adds(&b, "</evaluation-request>");
	if ((deadline = publish_step(o, id, TOPIC_EVALUATION_REQUESTS,
	    "evaluation", &b, o->conf.evaluate_timeout, attempts)) > 0) {
		set(o, id, "evaluator", jid, deadline, 0);
		(void)orch_move(o, id, A_EVALUATING, NULL);
	}
	buf_free(&b);
}

/* The earlier of a deadline (0: none) and t. */
static time_t
due(long deadline, time_t t)
{
	return deadline > 0 && deadline < t ? (time_t)deadline : t;
}

/* An assessment still in the state it was read in is looked at again at
 * next; one that moved meanwhile is due at once (orch_move). */
static void
reschedule(struct orch *o, const char *id, int state, time_t next)
{
	sqlite3_stmt *st;

	if (db_prep(o->db, "UPDATE assessment SET next_check = ? "
	    "WHERE id = ? AND state = ? AND next_check <= ?", &st) < 0)
		return;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)next);
	db_bind_text(st, 2, id);
	sqlite3_bind_int(st, 3, state);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
}

void
orch_tick(struct orch *o)
{
	sqlite3_stmt *st;
	struct row {
		char	*id, *policy, *profile, *endpoint, *posture, *ev,
			*reason, *evaluation;
		int	 state, attempts;
		long	 deadline;
	} rows[PER_TICK];
	int n = 0;
	time_t now = time(NULL);

	if (grid_state(o->g) != GRID_ONLINE)
		return;
	refresh_evaluators(o);
	orch_assign_tick(o);
	/* Only the assessments due: one that waits (for its endpoint, for
	 * an evaluator's capacity, for its deadline) is looked at again
	 * when due, and never keeps the others from their turn. */
	if (db_prep(o->db, "SELECT id, policy, profile, endpoint, posture, "
	    "evaluator, state, attempts, deadline, reason, evaluation FROM "
	    "assessment WHERE state < 4 AND next_check <= ? "
	    "ORDER BY next_check, updated LIMIT ?", &st) < 0)
		return;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int(st, 2, PER_TICK);
	while (n < PER_TICK && sqlite3_step(st) == SQLITE_ROW) {
		struct row *r = &rows[n++];

		(void)db_columns_dup(st, 0, 6, &r->id, &r->policy,
		    &r->profile, &r->endpoint, &r->posture, &r->ev);
		r->state = sqlite3_column_int(st, 6);
		r->attempts = sqlite3_column_int(st, 7);
		r->deadline = sqlite3_column_int64(st, 8);
		r->reason = db_column_dup(st, 9);
		r->evaluation = db_column_dup(st, 10);
	}
	sqlite3_finalize(st);
	for (int i = 0; i < n; i++) {
		struct row *r = &rows[i];
		int late = r->deadline && now >= r->deadline;
		int more = r->attempts < o->conf.retries;
		/* when to look again if it is still in this state: soon,
		 * by default (a request the broker did not take) */
		time_t next = now + 2;
		char since[32];

		switch (r->state) {
		case A_REQUESTED:
			if (!endpoint_online(o, r->endpoint, since,
			    sizeof(since))) {
				wait_offline(o, r->id, r->reason, since,
				    A_REQUESTED);
				next = now + EP_RECHECK;
			} else
				request_collection(o, r->id, r->policy,
				    r->profile ? r->profile : "", r->endpoint,
				    r->attempts);
			break;
		case A_COLLECTING:
			/* Gone meanwhile: it gets the request when it is
			 * back (catch-up); the clock stops until then. */
			if (!endpoint_online(o, r->endpoint, since,
			    sizeof(since))) {
				if (late)
					postpone(o, r->id, now +
					    o->conf.collect_timeout);
				wait_offline(o, r->id, r->reason, since,
				    A_COLLECTING);
				next = now + EP_RECHECK;
			} else if (!late)
				next = due(r->deadline, now + EP_RECHECK);
			else
				(void)orch_move(o, r->id, more ? A_REQUESTED :
				    A_TIMED_OUT, more ? "no posture in time; "
				    "collecting again" : "no posture in time "
				    "(is the endpoint's collector running?)");
			break;
		case A_COLLECTED:
			/* no evaluator free: again in a second */
			next = now + 1;
			request_evaluation(o, r->id, r->policy, r->profile ?
			    r->profile : "", r->endpoint, r->posture,
			    r->attempts);
			break;
		case A_EVALUATING:
			if (!late && (!r->ev || evaluator_online(o, r->ev))) {
				next = due(r->deadline, now + EP_RECHECK);
				break;
			}
			/* Withdrawn, so that an evaluator coming back does not
			 * evaluate it too (one that does anyway is stored once:
			 * the results repository keeps one per assessment). */
			if (r->evaluation && pubsub_retract(o->g,
			    TOPIC_EVALUATION_REQUESTS, r->evaluation) == 0)
				log_info("assessment %s: request %s withdrawn",
				    r->id, r->evaluation);
			(void)orch_move(o, r->id, more ? A_COLLECTED :
			    A_TIMED_OUT, late ? (more ? "no result in time; "
			    "evaluating again" : "no result in time") : "the "
			    "evaluator is gone; assigning again");
			break;
		}
		/* A move made it due at once; else it waits until next. */
		reschedule(o, r->id, r->state, next);
		free(r->id); free(r->policy); free(r->profile);
		free(r->endpoint); free(r->posture); free(r->ev);
		free(r->reason); free(r->evaluation);
	}
	/* Whatever the broker did not take before. */
	orch_approvals_flush(o);
	if (db_prep(o->db, "SELECT id FROM assessment WHERE published = 0 "
	    "LIMIT ?", &st) == 0) {
		char *ids[PER_TICK];
		int k = 0;

		sqlite3_bind_int(st, 1, PER_TICK);
		while (k < PER_TICK && sqlite3_step(st) == SQLITE_ROW)
			ids[k++] = strdup((const char *)sqlite3_column_text(st,
			    0));
		sqlite3_finalize(st);
		for (int j = 0; j < k; j++) {
			orch_publish(o, ids[j]);
			free(ids[j]);
		}
	}
}
