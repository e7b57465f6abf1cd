/*
 * orch_presence.c - liveness from presence: the orchestrator subscribes
 * to the presence of each account with an approved endpoint and of each
 * evaluator (their daemons accept it: presence_allow), and the broker
 * tells it when a collector's or an evaluator's session comes or goes
 * (table collector_presence, emptied at each connection: the broker tells
 * it all again).  An endpoint whose collector's presence is known needs
 * no disco#info check; orch_tick.c keeps those for collectors that never
 * sent presence (another client, or one that refused the subscription).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "log.h"
#include "orch.h"
#include "xmlutil.h"

void
orch_presence_watch(struct orch *o, const char *account)
{
	if (account && *account && grid_presence_subscribe(o->g,
	    account) == 0)
		log_debug("presence of %s asked for", account);
}

void
orch_presence_online(struct orch *o)
{
	sqlite3_stmt *st;
	char bare[512];
	long n = 0;

	for (size_t i = 0; i < o->nev; i++) {
		jid_bare(o->ev[i].jid, bare, sizeof(bare));
		orch_presence_watch(o, bare);
	}
	if (db_prep(o->db, "SELECT DISTINCT account FROM endpoint WHERE "
	    "approval = 'approved' AND account IS NOT NULL", &st) < 0)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		orch_presence_watch(o, (const char *)sqlite3_column_text(st,
		    0));
		n++;
	}
	sqlite3_finalize(st);
	log_info("presence asked of %zu evaluators and %ld accounts", o->nev,
	    n);
}

/*
 * An evaluator available again without having gone: a new session whose
 * old one ended unseen (its broker node died), so what it had in hand
 * (a request on its way, a result it could not publish) may be lost.
 * Each is assigned again, the attempt not counted.
 */
static void
evaluator_back(struct orch *o, const char *jid)
{
	char bare[512];
	sqlite3_stmt *st;
	size_t n;

	jid_bare(jid, bare, sizeof(bare));
	if (db_prep(o->db, "SELECT id, evaluation FROM assessment WHERE "
	    "evaluator = ? AND state = 'evaluating' AND evaluation IS NOT "
	    "NULL", &st) < 0)
		return;
	db_bind_text(st, 1, bare);
	n = orch_resend(o, st, "its evaluator is back in a new session; "
	    "assigning again");
	log_info("evaluator %s is back in a new session: its %zu "
	    "evaluation(s) in hand are assigned again", jid, n);
}

/* 1 when from is an evaluator's (its presence is that one's), else 0. */
static int
evaluator_presence(struct orch *o, const char *from, int available)
{
	int found = 0;

	for (size_t i = 0; i < o->nev; i++) {
		struct orch_evaluator *e = &o->ev[i];

		if (strcasecmp(e->jid, from) != 0)
			continue;
		if (available && e->seen)
			evaluator_back(o, e->jid);
		e->seen = available;
		if (e->online != available)
			log_info("evaluator %s %s (presence)", e->jid,
			    available ? "available" : "gone");
		e->online = available;
		e->checked = 0;		/* its capacity: asked again now */
		if (available)		/* what waits for one, at once */
			orch_collected_due(o, (int)(e->capacity *
			    o->conf.evaluator_depth));
		found = 1;
	}
	return found;
}

void
orch_presence(struct grid *g, const char *from, int available, void *arg)
{
	struct orch *o = arg;
	sqlite3_stmt *st;
	char now[32];
	long was, n;

	(void)g;
	if (o->db == NULL)
		return;
	if (available < 0) {	/* reconnected: told again */
		for (size_t i = 0; i < o->nev; i++)
			o->ev[i].seen = 0;
		(void)db_exec(o->db, "DELETE FROM collector_presence");
		return;
	}
	if (evaluator_presence(o, from, available))
		return;
	was = db_count(o->db, "SELECT available + 1 FROM collector_presence "
	    "WHERE jid = ?", 1, from) - 1;	/* -1: not known */
	if (was == available)
		return;
	time_iso(now, 0);
	if (db_prep(o->db, "INSERT INTO collector_presence (jid, available, "
	    "since) VALUES (?, ?, ?) ON CONFLICT(jid) DO UPDATE SET "
	    "available = excluded.available, since = excluded.since",
	    &st) < 0)
		return;
	db_bind_text(st, 1, from);
	sqlite3_bind_int(st, 2, available);
	db_bind_text(st, 3, now);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
	/* Its endpoints, as shown, and what waits for them: due now. */
	n = orch_endpoints_seen(o, NULL, from, available);
	if (available)
		log_info("collector %s is online (presence): %ld endpoint(s)",
		    from, n);
	else
		log_warnx("collector %s is offline (presence): its %ld "
		    "endpoint(s) wait for it", from, n);
}
