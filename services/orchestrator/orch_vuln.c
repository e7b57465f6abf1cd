/*
 * orch_vuln.c - vulnerability definitions: the targeted collections.
 *
 * Besides its inventory, which every posture report carries, an endpoint
 * evaluated against vulnerability definitions needs the objects of their
 * <targeted/> collection (for Debian's files: the release and
 * architecture checks).  They are asked for once per endpoint and
 * targeted document, known by the digest the policy repository gives it
 * (of its objects, tests and states): a new file of Debian's, whose checks
 * are the last one's, needs no collection at all.
 *
 * One row per (endpoint, digest), a small state machine of its own:
 *
 *   requested --published--> collecting --posture--> collected
 *       ^                        |  \--failed posture--> failed
 *       +---- deadline, again ---+  (retries attempts, then failed)
 *
 * Endpoints approved later get their rows then (orch_vuln_welcome).  Off
 * unless `vulnerabilities = yes`.  The evaluations that follow are
 * orch_vulneval.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob.h"
#include "buf.h"
#include "db.h"
#include "grid.h"
#include "ident.h"
#include "log.h"
#include "orch.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlutil.h"

#define VULN_PER_TICK	64
#define OPEN_SQL	"state IN ('requested', 'collecting')"
/* after INSERT ... SELECT ... WHERE: a failed row asked again */
#define AGAIN_SQL	"ON CONFLICT (endpoint, digest) DO UPDATE SET " \
	"state = 'requested', attempts = 0, next_check = 0, reason = NULL, " \
	"definitions = excluded.definitions, updated = excluded.updated " \
	"WHERE vuln_targeted.state = 'failed'"

/* Rows for the definitions' targeted document: every approved endpoint
 * (endpoint NULL) or one, unless it has the document already; one whose
 * collection failed (offline all along, say) is asked again. */
static int
rows_for(struct orch *o, const char *digest, const char *defs,
    const char *endpoint)
{
	sqlite3_stmt *st;
	char when[32];
	int n;

	time_iso(when, 0);
	if (endpoint) {
		if (db_prep(o->db, "INSERT INTO vuln_targeted (endpoint, "
		    "digest, definitions, updated) SELECT id, ?1, ?2, ?3 FROM "
		    "endpoint WHERE id = ?4 AND approval = 'approved' "
		    AGAIN_SQL, &st) < 0)
			return -EIO;
		db_bind_text(st, 4, endpoint);
	} else if (db_prep(o->db, "INSERT INTO vuln_targeted (endpoint, "
	    "digest, definitions, updated) SELECT id, ?1, ?2, ?3 FROM "
	    "endpoint WHERE approval = 'approved' " AGAIN_SQL, &st) < 0)
		return -EIO;	/* every endpoint, once per document */
	db_bind_texts(st, 1, 3, digest, defs, when);
	n = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(o->db) : -EIO;
	sqlite3_finalize(st);
	return n;
}

/*
 * <vulnerability-definitions id= repository=><blob/><targeted objects=
 * digest=><oval_definitions/></targeted></vulnerability-definitions>,
 * item id = id, from the repository it names.
 */
void
orch_vuln_in(struct orch *o, const struct grid_event *ev)
{
	sqlite3_stmt *st;
	xmlDocPtr doc;
	xmlNodePtr root, t, oval = NULL;
	char err[256], pub[512], repo[512], when[32];
	char *id = NULL, *rep = NULL, *digest = NULL, *text = NULL;
	char *name = NULL;
	size_t len;
	int n;

	if (!o->conf.vulnerabilities)
		return;
	if ((doc = orch_event_doc(ev, "vulnerability-definitions", err,
	    sizeof(err))) == NULL) {
		log_warnx("vulnerability definitions %s ignored: %s",
		    ev->item_id, err);
		return;
	}
	root = xmlDocGetRootElement(doc);
	id = xml_prop(root, "id");
	rep = xml_prop(root, "repository");
	jid_bare(ev->publisher ? ev->publisher : "", pub, sizeof(pub));
	jid_bare(rep ? rep : "", repo, sizeof(repo));
	if (id == NULL || !blob_sha256_ok(id) || strcmp(id, ev->item_id) ||
	    strcasecmp(pub, repo) != 0) {
		log_warnx("vulnerability definitions %s ignored: not announced "
		    "by the repository it names, under its own id",
		    ev->item_id);
		goto out;
	}
	name = xml_prop(root, "name");
	if (name == NULL || !ident_ok(name)) {
		free(name);	/* the stream is the document itself */
		name = strdup(id);
	}
	if ((t = xml_child(root, "targeted", SACM_NS)) != NULL) {
		oval = xml_child(t, NULL, NULL);
		digest = xml_prop(t, "digest");
		if (digest == NULL || !blob_sha256_ok(digest) || oval == NULL ||
		    xml_node_text(oval, &text, &len) < 0) {
			log_warnx("vulnerability definitions %.12s ignored: a "
			    "targeted collection without its digest or "
			    "document", id);
			goto out;
		}
	}
	time_iso(when, 0);
	if (name == NULL || db_prep(o->db, "INSERT OR IGNORE INTO vuln_defs "
	    "(id, digest, targeted, received, name, announcement) VALUES (?, "
	    "?, ?, ?, ?, ?)", &st) < 0)
		goto out;
	db_bind_texts(st, 1, 6, id, digest ? digest : "", text ? text : "",
	    when, name, ev->payload);
	n = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(o->db) : 0;
	sqlite3_finalize(st);
	if (n == 0) {
		/* known (caught up again after a restart): its rows were made
		 * then, and going over every endpoint again is for nothing */
		log_debug("vulnerability definitions %.12s known", id);
		goto out;
	}
	if (t == NULL)
		log_info("vulnerability definitions %.12s: the inventory "
		    "answers every object; nothing to collect", id);
	else {
		n = rows_for(o, digest, id, NULL);
		log_info("vulnerability definitions %.12s: targeted collection "
		    "%.12s, new for %d endpoint(s)%s", id, digest, n < 0 ? 0 :
		    n, n == 0 ? " (every approved endpoint has it: no "
		    "collection)" : "");
	}
	orch_vulneval_defs(o, id, name);
out:
	xmlFreeDoc(doc);
	free(id); free(rep); free(digest); free(text); free(name);
}

void
orch_vuln_welcome(struct orch *o, const char *endpoint)
{
	sqlite3_stmt *st;

	if (!o->conf.vulnerabilities || db_prep(o->db, "SELECT digest, "
	    "max(id) FROM vuln_defs WHERE digest != '' GROUP BY digest", &st) <
	    0)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		(void)rows_for(o, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), endpoint);
	sqlite3_finalize(st);
}

/* Moves a row; 0 or -EIO. */
static int
move(struct orch *o, long long row, const char *state, const char *request,
    long next_check, int attempts, const char *reason)
{
	sqlite3_stmt *st;
	char when[32];
	int r;

	time_iso(when, 0);
	if (db_prep(o->db, "UPDATE vuln_targeted SET state = ?1, request = "
	    "coalesce(?2, request), next_check = ?3, attempts = ?4, reason = "
	    "?5, updated = ?6 WHERE rowid = ?7", &st) < 0)
		return -EIO;
	db_bind_texts(st, 1, 2, state, request);
	sqlite3_bind_int64(st, 3, next_check);
	sqlite3_bind_int(st, 4, attempts);
	db_bind_texts(st, 5, 2, reason, when);
	sqlite3_bind_int64(st, 7, row);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	return r;
}

struct sent {
	struct orch	*o;
	long long	 row;
	int		 attempts;
};

/* The broker's answer to a request's publication: taken, the deadline
 * runs; not taken, it is sent again soon. */
static void
sent(struct grid *g, int status, void *arg)
{
	struct sent *s = arg;

	(void)g;
	if (status < 0 && s->o->db)
		(void)move(s->o, s->row, "requested", NULL, (long)time(NULL) +
		    5, s->attempts, "the broker did not take the request");
	free(s);
}

/* Publishes row's request, item id t-<digest:16>-<row>-<attempt>. */
static void
request(struct orch *o, long long row, const char *endpoint,
    const char *digest, const char *defs, const char *targeted,
    int attempts)
{
	struct buf b;
	struct sent *s;
	char rid[96];

	snprintf(rid, sizeof(rid), "t-%.16s-%lld-%d", digest, row,
	    attempts + 1);
	buf_init(&b, (size_t)grid_get_conf(o->g)->max_item_size);
	buf_adds(&b, "<collection-request xmlns='" SACM_NS "'><endpoint");
	buf_add_attr(&b, "id", endpoint);
	buf_adds(&b, "/><targeted");
	buf_add_attr(&b, "definitions", defs);
	buf_adds(&b, ">");
	buf_adds(&b, targeted);		/* serialized by libxml2, above */
	buf_adds(&b, "</targeted></collection-request>");
	if (b.data == NULL || (s = malloc(sizeof(*s))) == NULL) {
		buf_free(&b);
		return;
	}
	*s = (struct sent){ o, row, attempts + 1 };
	if (pubsub_publish_async(o->g, TOPIC_COLLECTION_REQUESTS, rid, b.data,
	    sent, s) < 0) {
		free(s);
		buf_free(&b);
		return;
	}
	buf_free(&b);
	(void)move(o, row, "collecting", rid, (long)time(NULL) +
	    o->conf.collect_timeout, attempts + 1, NULL);
	log_info("endpoint %s: targeted collection %.12s requested (%s)",
	    endpoint, digest, rid);
}

void
orch_vuln_tick(struct orch *o)
{
	sqlite3_stmt *st;
	struct {
		long long	 row;
		char		*endpoint, *digest, *defs, *targeted, *state;
		int		 attempts;
	} r[VULN_PER_TICK];
	int n = 0;

	if (!o->conf.vulnerabilities || db_prep(o->db, "SELECT t.rowid, "
	    "t.endpoint, t.digest, t.definitions, d.targeted, t.state, "
	    "t.attempts FROM vuln_targeted t JOIN vuln_defs d ON d.id = "
	    "t.definitions WHERE " OPEN_SQL " AND next_check <= ? ORDER BY "
	    "next_check LIMIT ?", &st) < 0)
		return;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_int(st, 2, VULN_PER_TICK);
	while (n < VULN_PER_TICK && sqlite3_step(st) == SQLITE_ROW) {
		r[n].row = sqlite3_column_int64(st, 0);
		(void)db_columns_dup(st, 1, 5, &r[n].endpoint, &r[n].digest,
		    &r[n].defs, &r[n].targeted, &r[n].state);
		r[n].attempts = sqlite3_column_int(st, 6);
		n++;
	}
	sqlite3_finalize(st);
	orch_vulneval_tick(o);
	for (int i = 0; i < n; i++) {
		if (r[i].state && strcmp(r[i].state, "collecting") == 0 &&
		    r[i].attempts >= o->conf.retries)
			(void)move(o, r[i].row, "failed", NULL, 0,
			    r[i].attempts, "no answer");
		else if (r[i].endpoint && r[i].digest && r[i].defs &&
		    r[i].targeted)
			request(o, r[i].row, r[i].endpoint, r[i].digest,
			    r[i].defs, r[i].targeted, r[i].attempts);
		free(r[i].endpoint); free(r[i].digest); free(r[i].defs);
		free(r[i].targeted); free(r[i].state);
	}
}

int
orch_vuln_posture(struct orch *o, const char *request, const char *endpoint,
    const char *state, const char *item, const char *reason)
{
	sqlite3_stmt *st;
	char when[32];
	int collected = strcmp(state, "collected") == 0, n;

	if (strncmp(request, "t-", 2) != 0)
		return 0;
	time_iso(when, 0);
	if (db_prep(o->db, "UPDATE vuln_targeted SET state = ?1, posture = "
	    "?2, reason = ?3, updated = ?4 WHERE request = ?5 AND endpoint = "
	    "?6 AND state = 'collecting'", &st) < 0)
		return 0;
	db_bind_texts(st, 1, 6, collected ? "collected" : "failed",
	    collected ? item : NULL, collected ? NULL : reason ? reason :
	    "the collection failed", when, request, endpoint);
	n = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(o->db) : 0;
	sqlite3_finalize(st);
	if (n)
		log_info("endpoint %s: targeted collection %s %s", endpoint,
		    request, collected ? "stored" : "failed");
	if (n && collected)
		orch_vulneval_wake(o, endpoint);
	return n > 0;
}
