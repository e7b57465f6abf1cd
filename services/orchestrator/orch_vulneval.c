/*
 * orch_vulneval.c - vulnerability definitions evaluated from what is
 * stored: no request goes to the endpoint.
 *
 * The orchestrator keeps each approved endpoint's newest inventory (the
 * <inventory/> reference of its newest stored posture, vuln_inventory)
 * and one row per endpoint and definitions stream (the file's name: a new
 * oval-definitions-bullseye.xml replaces the last one, bookworm's is a
 * stream of its own), vuln_eval:
 *
 *   waiting --sent--> evaluating --result--> done | failed
 *      ^                  |
 *      +-- deadline ------+  (retries attempts, then failed)
 *
 * A row waits again (from done or failed too) when a new file of its
 * stream is announced or the endpoint's inventory changes; it is sent
 * when the endpoint has the definitions' targeted collection (or they
 * need none) and an evaluator has room.  The request carries the
 * definitions' announcement, the inventory and the targeted posture, all
 * by reference; the evaluator answers on sacm/evaluation/results, and
 * only the evaluator it was assigned to counts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "blob.h"
#include "buf.h"
#include "db.h"
#include "grid.h"
#include "log.h"
#include "orch.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlutil.h"

#define EVAL_PER_TICK	64
#define NOT_READY_S	3600	/* woken by the targeted collection */
/* the newest file of each stream */
#define CURRENT_SQL	"SELECT name, max(rowid), id FROM vuln_defs WHERE " \
	"name IS NOT NULL GROUP BY name"
#define EVAL_AGAIN_SQL	"ON CONFLICT (endpoint, name) DO UPDATE SET " \
	"definitions = excluded.definitions, state = 'waiting', " \
	"attempts = 0, next_check = 0, reason = NULL, " \
	"updated = excluded.updated"

void
orch_vulneval_defs(struct orch *o, const char *id, const char *name)
{
	sqlite3_stmt *st;
	char when[32];
	int n;

	time_iso(when, 0);
	if (db_prep(o->db, "INSERT INTO vuln_eval (endpoint, name, "
	    "definitions, updated) SELECT endpoint, ?1, ?2, ?3 FROM "
	    "vuln_inventory WHERE true " EVAL_AGAIN_SQL, &st) < 0)
		return;
	db_bind_texts(st, 1, 3, name, id, when);
	n = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(o->db) : 0;
	sqlite3_finalize(st);
	log_info("vulnerability definitions %.12s (%s): %d endpoint(s) to "
	    "evaluate from their stored inventory", id, name, n);
}

/* The endpoint's rows wait again, one per current stream. */
static void
endpoint_again(struct orch *o, const char *endpoint)
{
	sqlite3_stmt *st;
	char when[32];

	time_iso(when, 0);
	if (db_prep(o->db, "INSERT INTO vuln_eval (endpoint, name, "
	    "definitions, updated) SELECT ?1, name, id, ?2 FROM (" CURRENT_SQL
	    ") WHERE true " EVAL_AGAIN_SQL, &st) < 0)
		return;
	db_bind_texts(st, 1, 2, endpoint, when);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
}

/* The <inventory/> of a stored posture: kept, and when its digest is new
 * the endpoint is evaluated again. */
static void
inventory(struct orch *o, xmlNodePtr root, const char *endpoint)
{
	xmlNodePtr inv = xml_child(root, "inventory", SACM_NS);
	sqlite3_stmt *st;
	char *digest = NULL, *host = NULL, *text = NULL, when[32];
	size_t len;
	int n = 0;

	if (inv == NULL || (digest = xml_prop(inv, "digest")) == NULL ||
	    !blob_sha256_ok(digest) || xml_node_text(inv, &text, &len) < 0)
		goto out;
	host = xml_prop(root, "hostname");
	time_iso(when, 0);
	if (db_prep(o->db, "INSERT INTO vuln_inventory (endpoint, hostname, "
	    "digest, inventory, updated) VALUES (?1, ?2, ?3, ?4, ?5) ON "
	    "CONFLICT (endpoint) DO UPDATE SET hostname = excluded.hostname, "
	    "digest = excluded.digest, inventory = excluded.inventory, "
	    "updated = excluded.updated WHERE vuln_inventory.digest != "
	    "excluded.digest", &st) < 0)
		goto out;
	db_bind_texts(st, 1, 5, endpoint, host, digest, text, when);
	n = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(o->db) : 0;
	sqlite3_finalize(st);
	if (n) {
		log_info("endpoint %s: inventory %.12s; its vulnerabilities "
		    "evaluated again", endpoint, digest);
		endpoint_again(o, endpoint);
	}
out:
	free(digest); free(host); free(text);
}

void
orch_vulneval_stored(struct orch *o, xmlNodePtr root)
{
	char *ep, *state, *req;

	if (!o->conf.vulnerabilities)
		return;
	ep = xml_prop(root, "endpoint");
	state = xml_prop(root, "state");
	req = xml_prop(root, "request");
	if (ep && state && req && strcmp(state, "collected") == 0 &&
	    orch_endpoint_approved(o, ep)) {
		xmlNodePtr sc = xml_child(root, "syschar", SACM_NS);
		char *text = NULL;
		size_t len;
		sqlite3_stmt *st;

		/* a targeted collection's system characteristics, for its
		 * row (orch_vuln_posture moves it) */
		if (strncmp(req, "t-", 2) == 0 && sc && xml_node_text(sc,
		    &text, &len) == 0 && db_prep(o->db, "UPDATE vuln_targeted "
		    "SET syschar = ?1 WHERE request = ?2 AND endpoint = ?3",
		    &st) == 0) {
			db_bind_texts(st, 1, 3, text, req, ep);
			(void)sqlite3_step(st);
			sqlite3_finalize(st);
		}
		free(text);
		inventory(o, root, ep);
	}
	free(ep); free(state); free(req);
}

void
orch_vulneval_wake(struct orch *o, const char *endpoint)
{
	sqlite3_stmt *st;

	if (db_prep(o->db, "UPDATE vuln_eval SET next_check = 0 WHERE "
	    "endpoint = ? AND state = 'waiting'", &st) < 0)
		return;
	db_bind_text(st, 1, endpoint);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
}

static int
move(struct orch *o, long long row, const char *state, const char *request,
    const char *evaluator, long next_check, int attempts, const char *reason)
{
	sqlite3_stmt *st;
	char when[32];
	int r;

	time_iso(when, 0);
	/* a request sent counts in sent, which names the next one */
	if (db_prep(o->db, "UPDATE vuln_eval SET state = ?1, request = "
	    "coalesce(?2, request), evaluator = coalesce(?3, evaluator), "
	    "next_check = ?4, attempts = ?5, reason = ?6, updated = ?7, "
	    "sent = sent + (?2 IS NOT NULL) WHERE rowid = ?8", &st) < 0)
		return -EIO;
	db_bind_texts(st, 1, 3, state, request, evaluator);
	sqlite3_bind_int64(st, 4, next_check);
	sqlite3_bind_int(st, 5, attempts);
	db_bind_texts(st, 6, 2, reason, when);
	sqlite3_bind_int64(st, 8, row);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	return r;
}

struct row {
	long long	 row;
	char		*endpoint, *defs, *state, *name, *digest, *ann;
	char		*host, *inv, *tstate, *tsc;
	int		 attempts;
	long long	 sent;		/* requests sent before */
};

struct sent {
	struct orch	*o;
	long long	 row;
	int		 attempts;
};

static void
sent(struct grid *g, int status, void *arg)
{
	struct sent *s = arg;

	(void)g;
	if (status < 0 && s->o->db)
		(void)move(s->o, s->row, "waiting", NULL, NULL,
		    (long)time(NULL) + 5, s->attempts - 1,
		    "the broker did not take the request");
	free(s);
}

/* Publishes the row's request, item id v-<row>-<requests sent>: every
 * request of a row has an id of its own (a result is stored once per
 * request id). */
static void
request(struct orch *o, const struct row *r)
{
	const char *jid = orch_pick_evaluator(o);
	struct buf b;
	struct sent *s;
	char rid[64], bare[512];

	if (jid == NULL) {
		(void)move(o, r->row, "waiting", NULL, NULL, (long)time(NULL) +
		    2, r->attempts, "no evaluator has room");
		return;
	}
	jid_bare(jid, bare, sizeof(bare));
	snprintf(rid, sizeof(rid), "v-%lld-%lld", r->row, r->sent + 1);
	buf_init(&b, (size_t)grid_get_conf(o->g)->max_item_size);
	buf_adds(&b, "<vulnerability-request xmlns='" SACM_NS "'");
	buf_add_attr(&b, "endpoint", r->endpoint);
	buf_add_attr(&b, "hostname", r->host);
	buf_add_attr(&b, "definitions", r->defs);
	buf_add_attr(&b, "name", r->name);
	buf_add_attr(&b, "evaluator", bare);
	buf_adds(&b, ">");
	buf_adds(&b, r->ann);		/* as the repository published it */
	buf_adds(&b, r->inv);		/* serialized by libxml2 */
	if (r->tsc)
		buf_adds(&b, r->tsc);
	buf_adds(&b, "</vulnerability-request>");
	if (b.data == NULL || (s = malloc(sizeof(*s))) == NULL) {
		buf_free(&b);
		(void)move(o, r->row, "failed", NULL, NULL, 0, r->attempts,
		    "the request is over max_item_size");
		return;
	}
	*s = (struct sent){ o, r->row, r->attempts + 1 };
	if (pubsub_publish_async(o->g, TOPIC_EVALUATION_REQUESTS, rid, b.data,
	    sent, s) < 0) {
		free(s);
		buf_free(&b);
		return;
	}
	buf_free(&b);
	(void)move(o, r->row, "evaluating", rid, bare, (long)time(NULL) +
	    o->conf.evaluate_timeout, r->attempts + 1, NULL);
	log_info("endpoint %s: vulnerabilities under %.12s (%s) requested "
	    "(%s, %s)", r->endpoint, r->defs, r->name, rid, bare);
}

static void
step(struct orch *o, const struct row *r)
{
	long now = (long)time(NULL);

	if (strcmp(r->state, "evaluating") == 0) {
		if (r->attempts >= o->conf.retries) {
			(void)move(o, r->row, "failed", NULL, NULL, 0,
			    r->attempts, "no result in time");
			log_warnx("endpoint %s: vulnerabilities under "
			    "%.12s: no result after %d attempt(s)",
			    r->endpoint, r->defs, r->attempts);
			return;
		}
	} else if (r->digest[0] && (r->tstate == NULL ||
	    strcmp(r->tstate, "collected") != 0 || r->tsc == NULL)) {
		/* the targeted collection first (orch_vuln.c) */
		(void)move(o, r->row, "waiting", NULL, NULL, now + NOT_READY_S,
		    r->attempts, "waiting for the targeted collection");
		return;
	}
	request(o, r);
}

void
orch_vulneval_tick(struct orch *o)
{
	sqlite3_stmt *st;
	struct row r[EVAL_PER_TICK];
	int n = 0;

	if (!o->conf.vulnerabilities || db_prep(o->db, "SELECT e.rowid, "
	    "e.endpoint, e.definitions, e.state, e.name, d.digest, "
	    "d.announcement, i.hostname, i.inventory, t.state, t.syschar, "
	    "e.attempts, e.sent FROM vuln_eval e JOIN vuln_defs d ON d.id = "
	    "e.definitions JOIN vuln_inventory i ON i.endpoint = e.endpoint "
	    "LEFT JOIN vuln_targeted t ON t.endpoint = e.endpoint AND "
	    "t.digest = d.digest WHERE e.state IN ('waiting', 'evaluating') "
	    "AND e.next_check <= ? ORDER BY e.next_check LIMIT ?", &st) < 0)
		return;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_int(st, 2, EVAL_PER_TICK);
	while (n < EVAL_PER_TICK && sqlite3_step(st) == SQLITE_ROW) {
		memset(&r[n], 0, sizeof(r[n]));
		r[n].row = sqlite3_column_int64(st, 0);
		(void)db_columns_dup(st, 1, 10, &r[n].endpoint, &r[n].defs,
		    &r[n].state, &r[n].name, &r[n].digest, &r[n].ann,
		    &r[n].host, &r[n].inv, &r[n].tstate, &r[n].tsc);
		r[n].attempts = sqlite3_column_int(st, 11);
		r[n].sent = sqlite3_column_int64(st, 12);
		n++;
	}
	sqlite3_finalize(st);
	for (int i = 0; i < n; i++) {
		if (r[i].endpoint && r[i].defs && r[i].state && r[i].name &&
		    r[i].digest && r[i].ann && r[i].inv)
			step(o, &r[i]);
		free(r[i].endpoint); free(r[i].defs); free(r[i].state);
		free(r[i].name); free(r[i].digest); free(r[i].ann);
		free(r[i].host); free(r[i].inv); free(r[i].tstate);
		free(r[i].tsc);
	}
}

/*
 * <vulnerability-result request= state= .../> on sacm/evaluation/results:
 * counts only from the evaluator the request was assigned to, for a row
 * still waiting on that request.
 */
void
orch_vulneval_result(struct orch *o, const struct grid_event *ev)
{
	sqlite3_stmt *st;
	xmlDocPtr doc;
	xmlNodePtr root;
	char err[256], pub[512], req[96], *state;
	xmlChar *reason = NULL;
	int n = 0, ok;

	snprintf(req, sizeof(req), "%.*s", (int)strcspn(ev->item_id, "/"),
	    ev->item_id);
	if ((doc = orch_event_doc(ev, "vulnerability-result", err,
	    sizeof(err))) == NULL) {
		log_warnx("vulnerability result %s ignored: %s", ev->item_id,
		    err);
		return;
	}
	root = xmlDocGetRootElement(doc);
	state = xml_prop(root, "state");
	if (xml_child(root, "reason", SACM_NS))
		reason = xmlNodeGetContent(xml_child(root, "reason", SACM_NS));
	xmlFreeDoc(doc);
	ok = state && strcmp(state, "complete") == 0;
	jid_bare(ev->publisher ? ev->publisher : "", pub, sizeof(pub));
	if (db_prep(o->db, "UPDATE vuln_eval SET state = ?1, reason = ?2, "
	    "next_check = 0 WHERE request = ?3 AND evaluator = ?4 AND state = "
	    "'evaluating'", &st) == 0) {
		db_bind_texts(st, 1, 4, ok ? "done" : "failed", ok ? NULL :
		    reason ? (const char *)reason : "the evaluation failed",
		    req, pub);
		n = sqlite3_step(st) == SQLITE_DONE ?
		    sqlite3_changes(o->db) : 0;
		sqlite3_finalize(st);
	}
	if (n == 0)
		log_debug("vulnerability result %s: no evaluation of %s waits "
		    "for it", ev->item_id, pub);
	else
		log_info("vulnerability result %s: %s", req, ok ? "done" :
		    "failed");
	free(state);
	xmlFree(reason);
}
