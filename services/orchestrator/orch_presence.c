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

static void
evaluator_presence(struct orch *o, const char *from, int available)
{
	for (size_t i = 0; i < o->nev; i++) {
		struct orch_evaluator *e = &o->ev[i];

		if (strcasecmp(e->jid, from) != 0)
			continue;
		if (e->online != available)
			log_info("evaluator %s %s (presence)", e->jid,
			    available ? "available" : "gone");
		e->online = available;
		e->checked = 0;		/* its capacity: asked again now */
	}
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
		(void)db_exec(o->db, "DELETE FROM collector_presence");
		return;
	}
	evaluator_presence(o, from, available);
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
