/*
 * orch_tick.c - what each open assessment needs next.
 *
 *   requested   publish a collection request for the endpoint (the
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
#include "log.h"
#include "orch.h"
#include "pubsub.h"
#include "topics.h"

#define PER_TICK	32
#define EVAL_RECHECK	15	/* seconds between evaluator checks */

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

/* An evaluator's bare JID (what assessments record). */
static void
bare(const char *jid, char *out, size_t len)
{
	snprintf(out, len, "%.*s", (int)strcspn(jid, "/"), jid);
}

static long
inflight(struct orch *o, const char *full)
{
	sqlite3_stmt *st;
	char jid[512];
	long n = 0;

	bare(full, jid, sizeof(jid));
	if (orch_prep(o, "SELECT count(*) FROM assessment WHERE state = 3 AND "
	    "evaluator = ?", &st) == 0) {
		orch_bind(st, 1, jid);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return n;
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
		bare(o->ev[i].jid, b, sizeof(b));
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

	if (orch_prep(o, "SELECT announcement, base FROM policy WHERE id = ?",
	    &st) < 0)
		return -EIO;
	orch_bind(st, 1, policy);
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
	if (orch_prep(o, sql, &st) < 0)
		return;
	orch_bind(st, 1, v);
	sqlite3_bind_int64(st, 2, deadline);
	sqlite3_bind_int(st, 3, bump);
	orch_bind(st, 4, id);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
}

static void
request_collection(struct orch *o, const char *id, const char *policy,
    const char *profile, const char *endpoint, int attempts)
{
	struct buf b;
	char rid[128];

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
	snprintf(rid, sizeof(rid), "c-%s-%d", id, attempts + 1);
	if (b.data && pubsub_publish(o->g, "sacm/collection/requests", rid,
	    b.data, NULL, NULL) == 0) {
		set(o, id, "collection", rid, time(NULL) +
		    o->conf.collect_timeout, 1);
		(void)orch_move(o, id, A_COLLECTING, NULL);
	} else
		log_warnx("assessment %s: collection request not published: "
		    "%s (later)", id, grid_errstr(o->g));
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
	char rid[128], jid[512], *host = NULL;

	if (ev == NULL)
		return;		/* none free: wait */
	bare(ev->jid, jid, sizeof(jid));
	if (orch_prep(o, "SELECT hostname FROM endpoint WHERE id = ?", &st) ==
	    0) {
		orch_bind(st, 1, endpoint);
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
	snprintf(rid, sizeof(rid), "e-%s-%d", id, attempts + 1);
	if (b.data && pubsub_publish(o->g, "sacm/evaluation/requests", rid,
	    b.data, NULL, NULL) == 0) {
		set(o, id, "evaluation", rid, time(NULL) +
		    o->conf.evaluate_timeout, 1);
		set(o, id, "evaluator", jid, time(NULL) +
		    o->conf.evaluate_timeout, 0);
		(void)orch_move(o, id, A_EVALUATING, NULL);
	} else
		log_warnx("assessment %s: evaluation request not published: "
		    "%s (later)", id, grid_errstr(o->g));
	buf_free(&b);
}

static char *
dup_col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return v ? strdup(v) : NULL;
}

void
orch_tick(struct orch *o)
{
	sqlite3_stmt *st;
	struct row {
		char	*id, *policy, *profile, *endpoint, *posture, *ev;
		int	 state, attempts;
		long	 deadline;
	} rows[PER_TICK];
	int n = 0;
	time_t now = time(NULL);

	if (grid_state(o->g) != GRID_ONLINE)
		return;
	refresh_evaluators(o);
	if (orch_prep(o, "SELECT id, policy, profile, endpoint, posture, "
	    "evaluator, state, attempts, deadline FROM assessment WHERE state "
	    "< 4 ORDER BY updated LIMIT ?", &st) < 0)
		return;
	sqlite3_bind_int(st, 1, PER_TICK);
	while (n < PER_TICK && sqlite3_step(st) == SQLITE_ROW) {
		struct row *r = &rows[n++];

		r->id = dup_col(st, 0);
		r->policy = dup_col(st, 1);
		r->profile = dup_col(st, 2);
		r->endpoint = dup_col(st, 3);
		r->posture = dup_col(st, 4);
		r->ev = dup_col(st, 5);
		r->state = sqlite3_column_int(st, 6);
		r->attempts = sqlite3_column_int(st, 7);
		r->deadline = sqlite3_column_int64(st, 8);
	}
	sqlite3_finalize(st);
	for (int i = 0; i < n; i++) {
		struct row *r = &rows[i];
		int late = r->deadline && now >= r->deadline;
		int more = r->attempts < o->conf.retries;

		switch (r->state) {
		case A_REQUESTED:
			request_collection(o, r->id, r->policy, r->profile ?
			    r->profile : "", r->endpoint, r->attempts);
			break;
		case A_COLLECTING:
			if (late)
				(void)orch_move(o, r->id, more ? A_REQUESTED :
				    A_TIMED_OUT, more ? "no posture in time; "
				    "collecting again" : "no posture in time "
				    "(is the endpoint's collector running?)");
			break;
		case A_COLLECTED:
			request_evaluation(o, r->id, r->policy, r->profile ?
			    r->profile : "", r->endpoint, r->posture,
			    r->attempts);
			break;
		case A_EVALUATING:
			if (late || (r->ev && !evaluator_online(o, r->ev)))
				(void)orch_move(o, r->id, more ? A_COLLECTED :
				    A_TIMED_OUT, late ? (more ? "no result in "
				    "time; evaluating again" : "no result in "
				    "time") : "the evaluator is gone; "
				    "assigning again");
			break;
		}
		free(r->id); free(r->policy); free(r->profile);
		free(r->endpoint); free(r->posture); free(r->ev);
	}
	/* Whatever the broker did not take before. */
	if (orch_prep(o, "SELECT id FROM assessment WHERE published = 0 "
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
