/*
 * ps_store.c - the posture repository's sqlite database.
 *
 * A report row per posture report (its item id is unique, so a report
 * delivered twice is stored once).  Documents are stored once per
 * digest, gzip-compressed: for system characteristics the digest of the
 * posture without the collection's time stamp, so identical posture
 * collected a hundred times is one document.  An inventory's packages
 * are rows, once per inventory digest, for the package questions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob.h"
#include "db.h"
#include "log.h"
#include "ps.h"
#include "topics.h"
#include "xmlutil.h"

const char *const ps_doc_kinds[NDOCS] = { "oval", "cpe-oval", "dpkg" };

static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE endpoint ("
	"  id TEXT PRIMARY KEY,"
	"  hostname TEXT, platform TEXT, collector TEXT, publisher TEXT,"
	"  capabilities TEXT, updated TEXT NOT NULL);"
	"CREATE TABLE doc ("
	"  digest TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  gz BLOB NOT NULL);"
	"CREATE TABLE report ("
	"  id INTEGER PRIMARY KEY,"
	"  item TEXT NOT NULL UNIQUE,"
	"  endpoint TEXT NOT NULL,"
	"  hostname TEXT, platform TEXT, request TEXT,"
	"  policy TEXT, profile TEXT, reason TEXT, state TEXT NOT NULL,"
	"  sequence INTEGER, collected TEXT, duration_ms INTEGER,"
	"  failure TEXT, publisher TEXT,"
	"  received TEXT NOT NULL, received_at INTEGER NOT NULL,"
	"  oval TEXT REFERENCES doc(digest), oval_ref TEXT,"
	"  cpe TEXT REFERENCES doc(digest), cpe_ref TEXT,"
	"  inventory TEXT REFERENCES doc(digest), inventory_ref TEXT,"
	"  packages INTEGER,"
	"  changed INTEGER NOT NULL DEFAULT 1,"
	"  announced INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX report_endpoint ON report(endpoint, policy, profile, id);"
	"CREATE INDEX report_pending ON report(announced) WHERE announced = 0;"
	/* A rowid table: SQLite 3.40's INSERT OR IGNORE into a WITHOUT
	 * ROWID table with a second index leaves it failing
	 * integrity_check when a row is ignored. */
	"CREATE TABLE package ("
	"  inventory TEXT NOT NULL REFERENCES doc(digest),"
	"  name TEXT NOT NULL, version TEXT NOT NULL, arch TEXT NOT NULL,"
	"  PRIMARY KEY (inventory, name, arch));"
	"CREATE INDEX package_name ON package(name);",
	/* 2: the orchestrator's approvals (ps_approve.c) */
	"CREATE TABLE approval ("
	"  endpoint TEXT PRIMARY KEY, account TEXT NOT NULL,"
	"  approval TEXT NOT NULL"
	"    CHECK (approval IN ('pending', 'approved', 'rejected')),"
	"  decided TEXT, by TEXT, updated TEXT NOT NULL);",
};

int
ps_store_open(struct ps *ps)
{
	char err[512];

	if (db_open(ps->conf.db, migrations, sizeof(migrations) /
	    sizeof(migrations[0]), &ps->db, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		return -EIO;
	}
	return 0;
}

void
ps_store_close(struct ps *ps)
{
	db_close(ps->db);
	ps->db = NULL;
}

void
ps_endpoint_free(struct ps_endpoint *e)
{
	free(e->id); free(e->hostname); free(e->platform);
	free(e->collector); free(e->publisher); free(e->capabilities);
	memset(e, 0, sizeof(*e));
}

int
ps_endpoint_get(struct ps *ps, const char *id, struct ps_endpoint *e)
{
	sqlite3_stmt *st;
	int r = -ENOENT;

	memset(e, 0, sizeof(*e));
	if (db_prep(ps->db, "SELECT id, hostname, platform, collector, publisher, "
	    "capabilities FROM endpoint WHERE id = ?", &st) < 0)
		return -EIO;
	db_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		r = db_columns_dup(st, 0, 6, &e->id, &e->hostname,
		    &e->platform, &e->collector, &e->publisher,
		    &e->capabilities);
	}
	sqlite3_finalize(st);
	return r;
}

int
ps_endpoint_put(struct ps *ps, const struct ps_endpoint *e)
{
	sqlite3_stmt *st;
	char now[32];
	int r;

	if (db_prep(ps->db, "INSERT INTO endpoint (id, hostname, platform, collector,"
	    " publisher, capabilities, updated) VALUES (?,?,?,?,?,?,?) "
	    "ON CONFLICT(id) DO UPDATE SET hostname = excluded.hostname, "
	    "platform = excluded.platform, collector = excluded.collector, "
	    "publisher = excluded.publisher, capabilities = "
	    "excluded.capabilities, updated = excluded.updated", &st) < 0)
		return -EIO;
	time_iso(now, 0);
	db_bind_text(st, 1, e->id);
	db_bind_text(st, 2, e->hostname);
	db_bind_text(st, 3, e->platform);
	db_bind_text(st, 4, e->collector);
	db_bind_text(st, 5, e->publisher);
	db_bind_text(st, 6, e->capabilities);
	db_bind_text(st, 7, now);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	if (r < 0)
		log_warnx("sqlite: %s", sqlite3_errmsg(ps->db));
	sqlite3_finalize(st);
	return r;
}

int
ps_report_exists(struct ps *ps, const char *item)
{
	sqlite3_stmt *st;
	int r;

	if (db_prep(ps->db, "SELECT 1 FROM report WHERE item = ?", &st) < 0)
		return -EIO;
	db_bind_text(st, 1, item);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return r;
}

/* Stores a document unless one with that digest is there: 1 new, 0 not. */
static int
doc_put(struct ps *ps, const char *kind, const struct ps_doc *d)
{
	sqlite3_stmt *st;
	char *gz = NULL;
	size_t gzlen;
	int r;

	if (db_prep(ps->db, "SELECT 1 FROM doc WHERE digest = ?", &st) < 0)
		return -EIO;
	db_bind_text(st, 1, d->digest);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (r)
		return 0;
	if (d->stored)		/* remembered, and gone: never deleted */
		return -EIO;
	if (blob_gzip(d->data, d->len, 6, &gz, &gzlen) < 0)
		return -ENOMEM;
	if (db_prep(ps->db, "INSERT INTO doc (digest, kind, size, gz) VALUES "
	    "(?,?,?,?)", &st) < 0) {
		free(gz);
		return -EIO;
	}
	db_bind_text(st, 1, d->digest);
	db_bind_text(st, 2, kind);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)d->len);
	sqlite3_bind_blob(st, 4, gz, (int)gzlen, free);
	r = sqlite3_step(st) == SQLITE_DONE ? 1 : -EIO;
	sqlite3_finalize(st);
	return r;
}

static int
packages_put(struct ps *ps, const struct ps_report *rp)
{
	sqlite3_stmt *st;
	int r = 0;

	if (db_prep(ps->db, "INSERT OR IGNORE INTO package (inventory, name, version,"
	    " arch) VALUES (?,?,?,?)", &st) < 0)
		return -EIO;
	for (size_t i = 0; i < rp->npkgs && r == 0; i++) {
		db_bind_text(st, 1, rp->docs[DOC_INVENTORY].digest);
		db_bind_text(st, 2, rp->pkgs[i].name);
		db_bind_text(st, 3, rp->pkgs[i].version);
		db_bind_text(st, 4, rp->pkgs[i].arch ? rp->pkgs[i].arch : "");
		if (sqlite3_step(st) != SQLITE_DONE)
			r = -EIO;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return r;
}

/* Did the posture change since the endpoint's last report for this
 * policy and profile? */
static int
changed(struct ps *ps, const struct ps_report *rp)
{
	sqlite3_stmt *st;
	int r = 1;

	if (db_prep(ps->db, "SELECT oval, cpe, inventory FROM report WHERE endpoint "
	    "= ? AND policy IS ? AND profile IS ? AND state = 'collected' "
	    "ORDER BY id DESC LIMIT 1", &st) < 0)
		return 1;
	db_bind_text(st, 1, rp->endpoint);
	db_bind_text(st, 2, rp->policy);
	db_bind_text(st, 3, rp->profile);
	if (sqlite3_step(st) == SQLITE_ROW) {
		r = 0;
		for (int i = 0; i < NDOCS; i++) {
			const char *v = (const char *)sqlite3_column_text(st,
			    i);
			const char *w = rp->docs[i].data ? rp->docs[i].digest :
			    NULL;

			if ((v == NULL) != (w == NULL) || (v && strcmp(v, w)))
				r = 1;
		}
	}
	sqlite3_finalize(st);
	return r;
}

int
ps_report_add(struct ps *ps, struct ps_report *rp)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int r = -EIO, newinv = 0;

	if (db_begin(ps->db) < 0)
		return -EIO;
	for (int i = 0; i < NDOCS; i++) {
		int k;

		if (rp->docs[i].data == NULL)
			continue;
		if ((k = doc_put(ps, ps_doc_kinds[i], &rp->docs[i])) < 0)
			goto fail;
		if (i == DOC_INVENTORY)
			newinv = k;
	}
	if (newinv && packages_put(ps, rp) < 0)
		goto fail;
	rp->changed = rp->docs[DOC_OVAL].data ? changed(ps, rp) : 0;
	if (db_prep(ps->db, "INSERT INTO report (item, endpoint, hostname, platform, "
	    "request, policy, profile, reason, state, sequence, collected, "
	    "duration_ms, failure, publisher, received, received_at, oval, "
	    "oval_ref, cpe, cpe_ref, inventory, inventory_ref, packages, "
	    "changed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	    &st) < 0)
		goto fail;
	time_iso(now, 0);
	db_bind_texts(st, 1, 9, rp->item, rp->endpoint, rp->hostname,
	    rp->platform, rp->request, rp->policy, rp->profile, rp->reason,
	    rp->state);
	sqlite3_bind_int64(st, 10, rp->sequence);
	db_bind_text(st, 11, rp->collected);
	sqlite3_bind_int64(st, 12, rp->duration_ms);
	db_bind_text(st, 13, rp->failure);
	db_bind_text(st, 14, rp->publisher);
	db_bind_text(st, 15, now);
	sqlite3_bind_int64(st, 16, (sqlite3_int64)time(NULL));
	for (int i = 0; i < NDOCS; i++) {
		db_bind_text(st, 17 + 2 * i, rp->docs[i].data ?
		    rp->docs[i].digest : NULL);
		db_bind_text(st, 18 + 2 * i, rp->docs[i].data ? rp->docs[i].ref :
		    NULL);
	}
	if (rp->docs[DOC_INVENTORY].data)
		sqlite3_bind_int64(st, 23, (sqlite3_int64)rp->docs[
		    DOC_INVENTORY].packages);
	sqlite3_bind_int(st, 24, rp->changed);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	rp->id = sqlite3_last_insert_rowid(ps->db);
	sqlite3_finalize(st);
	if (db_commit(ps->db) < 0) {
		log_warnx("storing report %s: %s", rp->item,
		    sqlite3_errmsg(ps->db));
		db_rollback(ps->db);
		return -EIO;
	}
	return 0;
fail:
	log_warnx("storing report %s: %s", rp->item, sqlite3_errmsg(ps->db));
	sqlite3_finalize(st);
	db_rollback(ps->db);
	return r;
}

int
ps_unannounced(struct ps *ps, void (*fn)(struct ps *, int64_t))
{
	sqlite3_stmt *st;
	int64_t ids[64];
	int n = 0;

	if (db_prep(ps->db, "SELECT id FROM report WHERE announced = 0 ORDER BY id "
	    "LIMIT 64", &st) < 0)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	for (int i = 0; i < n; i++)
		fn(ps, ids[i]);
	return n;
}

int
ps_mark_announced(struct ps *ps, int64_t id)
{
	sqlite3_stmt *st;
	int r;

	if (db_prep(ps->db, "UPDATE report SET announced = 1 WHERE id = ?", &st) < 0)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	return r;
}

char *
ps_report_item(struct ps *ps, int64_t id)
{
	sqlite3_stmt *st;
	char *item = NULL;

	if (db_prep(ps->db, "SELECT item FROM report WHERE id = ?", &st) < 0)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		item = db_column_dup(st, 0);
	sqlite3_finalize(st);
	return item;
}

int
ps_report_xml(struct ps *ps, int64_t id, const char *name, struct buf *b)
{
	static const char *const names[] = {
		"item", "endpoint", "hostname", "platform", "request",
		"policy", "profile", "reason", "state", "sequence",
		"collected", "duration-ms", "received", "changed", "packages",
	};
	sqlite3_stmt *st;
	const char *fail;
	int r = -ENOENT;

	if (db_prep(ps->db, "SELECT item, endpoint, hostname, platform, request, "
	    "policy, profile, reason, state, sequence, collected, duration_ms,"
	    " received, changed, packages, failure, oval, oval_ref, cpe, "
	    "cpe_ref, inventory, inventory_ref FROM report WHERE id = ?",
	    &st) < 0)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		buf_printf(b, "<%s xmlns='" SACM_NS "' id='%lld'", name,
		    (long long)id);
		for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0]));
		    i++) {
			if (i == 13)	/* changed */
				buf_printf(b, " changed='%s'",
				    sqlite3_column_int(st, i) ? "true" :
				    "false");
			else
				db_column_attr(b, names[i], st, i);
		}
		buf_adds(b, ">");
		if ((fail = (const char *)sqlite3_column_text(st, 15))) {
			buf_adds(b, "<reason>");
			buf_add_xml(b, fail);
			buf_adds(b, "</reason>");
		}
		for (int i = 0; i < NDOCS; i++) {
			const char *dg = (const char *)sqlite3_column_text(st,
			    16 + 2 * i);
			const char *ref = (const char *)sqlite3_column_text(st,
			    17 + 2 * i);
			const char *el = i == DOC_INVENTORY ? "inventory" :
			    "syschar";

			if (dg == NULL)
				continue;
			buf_printf(b, "<%s kind='%s' digest='%s'>%s</%s>", el,
			    ps_doc_kinds[i], dg, ref ? ref : "", el);
		}
		r = buf_printf(b, "</%s>", name) < 0 ? -E2BIG : 0;
	}
	sqlite3_finalize(st);
	return r;
}
