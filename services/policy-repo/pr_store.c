/*
 * pr_store.c - the policy repository's sqlite database.
 *
 * Content is stored once per sha256 (gzip-compressed); a policy row holds
 * its metadata and the announcement exactly as published, with a flag that
 * says whether the announcement went out, so that a restart finishes what
 * a crash interrupted.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob.h"
#include "db.h"
#include "log.h"
#include "pr.h"
#include "xmlutil.h"

static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE content ("
	"  sha256 TEXT PRIMARY KEY,"
	"  size INTEGER NOT NULL,"
	"  gz BLOB NOT NULL,"
	"  stored TEXT NOT NULL);"
	"CREATE TABLE policy ("
	"  id TEXT PRIMARY KEY REFERENCES content(sha256),"
	"  kind TEXT NOT NULL,"
	"  name TEXT,"
	"  scap_version TEXT,"
	"  datastream_id TEXT,"
	"  benchmark_id TEXT,"
	"  benchmark_version TEXT,"
	"  title TEXT,"
	"  source TEXT NOT NULL,"
	"  source_ref TEXT,"
	"  submitted_by TEXT,"
	"  received TEXT NOT NULL,"
	"  announcement TEXT NOT NULL,"
	"  announced INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE profile ("
	"  policy_id TEXT NOT NULL REFERENCES policy(id),"
	"  id TEXT NOT NULL, title TEXT, rules INTEGER,"
	"  PRIMARY KEY (policy_id, id));"
	"CREATE TABLE platform ("
	"  policy_id TEXT NOT NULL REFERENCES policy(id),"
	"  cpe TEXT NOT NULL, PRIMARY KEY (policy_id, cpe));"
	"CREATE TABLE component ("
	"  policy_id TEXT NOT NULL REFERENCES policy(id),"
	"  id TEXT NOT NULL, name TEXT, kind TEXT NOT NULL,"
	"  PRIMARY KEY (policy_id, id));"
	"CREATE TABLE submission ("
	"  id TEXT PRIMARY KEY,"
	"  state TEXT NOT NULL,"
	"  reason TEXT,"
	"  policy_id TEXT,"
	"  submitted_by TEXT,"
	"  received TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  published INTEGER NOT NULL DEFAULT 0);",
	/* 2: ROLIE feeds */
	"CREATE TABLE feed ("
	"  id TEXT PRIMARY KEY,"
	"  url TEXT NOT NULL,"
	"  ca_pem TEXT,"
	"  type TEXT NOT NULL,"
	"  interval INTEGER NOT NULL,"
	"  next_poll INTEGER NOT NULL DEFAULT 0,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  last_poll TEXT, last_http INTEGER, state TEXT NOT NULL DEFAULT 'new',"
	"  reason TEXT);"
	"CREATE TABLE feed_doc ("
	"  feed_id TEXT NOT NULL, url TEXT NOT NULL, etag TEXT,"
	"  last_modified TEXT, parent TEXT,"
	"  PRIMARY KEY (feed_id, url));"
	"CREATE TABLE feed_entry ("
	"  feed_id TEXT NOT NULL, entry_id TEXT NOT NULL,"
	"  updated TEXT NOT NULL DEFAULT '', policy_id TEXT,"
	"  state TEXT NOT NULL, reason TEXT, seen TEXT NOT NULL,"
	"  PRIMARY KEY (feed_id, entry_id, updated));",
	/* 3: tailorings name their datastream */
	"ALTER TABLE policy ADD COLUMN base_id TEXT REFERENCES policy(id);",
	/* 4: feeds whose content is assessed without an operator */
	"ALTER TABLE feed ADD COLUMN trusted INTEGER NOT NULL DEFAULT 0;",
	/* 5: vulnerability definitions (their content in content) */
	"CREATE TABLE vuln_defs ("
	"  id TEXT PRIMARY KEY REFERENCES content(sha256),"
	"  name TEXT,"
	"  source TEXT NOT NULL,"
	"  source_ref TEXT,"
	"  submitted_by TEXT,"
	"  received TEXT NOT NULL,"
	"  announcement TEXT NOT NULL,"
	"  announced INTEGER NOT NULL DEFAULT 0);",
};

int
pr_store_open(struct pr *pr)
{
	char err[512];
	int r;

	r = db_open(pr->conf.db, migrations, sizeof(migrations) /
	    sizeof(migrations[0]), &pr->db, err, sizeof(err));
	if (r < 0)
		log_warnx("%s", err);
	return r;
}

void
pr_store_close(struct pr *pr)
{
	db_close(pr->db);
	pr->db = NULL;
}

static int
exists(struct pr *pr, const char *sql, const char *key)
{
	sqlite3_stmt *st;
	int found;

	if (sqlite3_prepare_v2(pr->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int
pr_store_submission_seen(struct pr *pr, const char *subid)
{
	return exists(pr, "SELECT 1 FROM submission WHERE id = ?", subid);
}

int
pr_store_has_policy(struct pr *pr, const char *id)
{
	return exists(pr, "SELECT 1 FROM policy WHERE id = ?", id);
}

int
pr_store_has_vuln(struct pr *pr, const char *id)
{
	return exists(pr, "SELECT 1 FROM vuln_defs WHERE id = ?", id);
}

/* Runs one INSERT with text parameters (NULL binds NULL). */
static int
insert(struct pr *pr, const char *sql, int n, const char *const *v)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(pr->db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_warnx("sqlite: %s", sqlite3_errmsg(pr->db));
		return -EIO;
	}
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("sqlite: %s", sqlite3_errmsg(pr->db));
		return -EIO;
	}
	return 0;
}

/* The content, gzip'ed, once per sha256 (in the caller's transaction). */
static int
put_content(struct pr *pr, const char *id, const char *content, size_t len,
    const char *when)
{
	sqlite3_stmt *st;
	char *gz;
	size_t gzlen;
	int r;

	if ((r = blob_gzip(content, len, 6, &gz, &gzlen)) < 0)
		return r;
	if (gzlen > INT_MAX || sqlite3_prepare_v2(pr->db, "INSERT OR IGNORE "
	    "INTO content (sha256, size, gz, stored) VALUES (?, ?, ?, ?)", -1,
	    &st, NULL) != SQLITE_OK) {
		free(gz);
		return -EIO;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
	sqlite3_bind_blob(st, 3, gz, (int)gzlen, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, when, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	free(gz);
	return r;
}

int
pr_store_vuln(struct pr *pr, const char *id, const char *content,
    size_t len, const char *name, const struct pr_origin *o,
    const char *announcement)
{
	char when[32];
	const char *v[] = { id, name, o->source, o->source_ref, o->by, when,
	    announcement };

	time_iso(when, 0);
	if (db_begin(pr->db) < 0)
		return -EIO;
	if (put_content(pr, id, content, len, when) < 0 ||
	    insert(pr, "INSERT INTO vuln_defs (id, name, source, source_ref, "
	    "submitted_by, received, announcement) VALUES (?, ?, ?, ?, ?, ?, "
	    "?)", 7, v) < 0 || db_commit(pr->db) < 0) {
		log_warnx("storing vulnerability definitions %s failed: %s", id,
		    sqlite3_errmsg(pr->db));
		db_rollback(pr->db);
		return -EIO;
	}
	return 0;
}

int
pr_store_policy(struct pr *pr, const char *id, const char *content,
    size_t len, const struct scap_info *s, const char *name,
    const char *source, const char *source_ref, const char *by,
    const char *announcement, const char *base)
{
	char when[32];
	int r;

	time_iso(when, 0);
	if ((r = db_begin(pr->db)) < 0)
		return r;
	if (put_content(pr, id, content, len, when) < 0)
		goto fail;
	{
		const char *v[] = { id, s->kind == SCAP_DATASTREAM ?
		    "datastream" : "tailoring", name, s->scap_version,
		    s->datastream_id, s->benchmark_id, s->benchmark_version,
		    s->title, source, source_ref, by, when, announcement,
		    base };

		if (insert(pr, "INSERT INTO policy (id, kind, name, "
		    "scap_version, datastream_id, benchmark_id, "
		    "benchmark_version, title, source, source_ref, "
		    "submitted_by, received, announcement, base_id) VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", 14, v) < 0)
			goto fail;
	}
	for (size_t i = 0; i < s->nprofiles; i++) {
		char rules[24];
		const char *v[] = { id, s->profiles[i].id, s->profiles[i].title,
		    rules };

		snprintf(rules, sizeof(rules), "%d", s->profiles[i].rules);
		if (insert(pr, "INSERT OR IGNORE INTO profile (policy_id, id, "
		    "title, rules) VALUES (?, ?, ?, ?)", 4, v) < 0)
			goto fail;
	}
	for (size_t i = 0; i < s->nplatforms; i++) {
		const char *v[] = { id, s->platforms[i] };

		if (insert(pr, "INSERT OR IGNORE INTO platform (policy_id, "
		    "cpe) VALUES (?, ?)", 2, v) < 0)
			goto fail;
	}
	for (size_t i = 0; i < s->ncomponents; i++) {
		const char *v[] = { id, s->components[i].id,
		    s->components[i].name, s->components[i].kind };

		if (insert(pr, "INSERT OR IGNORE INTO component (policy_id, "
		    "id, name, kind) VALUES (?, ?, ?, ?)", 4, v) < 0)
			goto fail;
	}
	if (db_commit(pr->db) == 0)
		return 0;
fail:
	log_warnx("storing policy %s failed: %s", id, sqlite3_errmsg(pr->db));
	db_rollback(pr->db);
	return -EIO;
}

int
pr_store_submission(struct pr *pr, const char *subid, const char *state,
    const char *reason, const char *policy_id, const char *by,
    const char *status)
{
	char when[32];
	const char *v[7];

	time_iso(when, 0);
	v[0] = subid; v[1] = state; v[2] = reason; v[3] = policy_id;
	v[4] = by; v[5] = when; v[6] = status;
	return insert(pr, "INSERT OR IGNORE INTO submission (id, state, "
	    "reason, policy_id, submitted_by, received, status) VALUES (?, "
	    "?, ?, ?, ?, ?, ?)", 7, v);
}

int
pr_store_mark(struct pr *pr, const char *table, const char *id,
    const char *column)
{
	char sql[128];
	const char *v[] = { id };

	/* table and column are constants from this program. */
	snprintf(sql, sizeof(sql), "UPDATE %s SET %s = 1 WHERE id = ?", table,
	    column);
	return insert(pr, sql, 1, v);
}

int
pr_store_pending(struct pr *pr, int (*fn)(struct pr *, const char *,
    const char *, const char *))
{
	static const struct {
		const char *kind, *sql;
	} q[] = {
		{ "policy", "SELECT id, announcement FROM policy WHERE "
		    "announced = 0 ORDER BY received" },
		{ "vulnerability", "SELECT id, announcement FROM vuln_defs "
		    "WHERE announced = 0 ORDER BY received" },
		{ "submission", "SELECT id, status FROM submission WHERE "
		    "published = 0 AND status != '' ORDER BY received" },
	};
	int r = 0;

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]) && r == 0; i++) {
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(pr->db, q[i].sql, -1, &st, NULL) !=
		    SQLITE_OK)
			return -EIO;
		while (r == 0 && sqlite3_step(st) == SQLITE_ROW)
			r = fn(pr, q[i].kind,
			    (const char *)sqlite3_column_text(st, 0),
			    (const char *)sqlite3_column_text(st, 1));
		sqlite3_finalize(st);
	}
	return r;
}

/* ---- feeds ---------------------------------------------------------- */

/* Runs sql with text parameters (NULL binds NULL); for UPDATE/DELETE. */
static int
run(struct pr *pr, const char *sql, int n, const char *const *v)
{
	return insert(pr, sql, n, v);
}

int
pr_store_feed_put(struct pr *pr, const char *id, const char *url,
    const char *ca_pem, const char *type, long interval, int trusted)
{
	char iv[24];
	const char *v[] = { id, url, ca_pem, type, iv, trusted ? "1" : "0" };

	snprintf(iv, sizeof(iv), "%ld", interval);
	/* A changed feed is polled again at once and forgets validators. */
	if (run(pr, "DELETE FROM feed_doc WHERE feed_id = ?", 1, v) < 0)
		return -EIO;
	return run(pr, "INSERT INTO feed (id, url, ca_pem, type, interval, "
	    "trusted, next_poll) VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT(id) "
	    "DO UPDATE SET url = excluded.url, ca_pem = excluded.ca_pem, type "
	    "= excluded.type, interval = excluded.interval, trusted = "
	    "excluded.trusted, next_poll = 0, failures = 0", 6, v);
}

int
pr_store_feed_delete(struct pr *pr, const char *id)
{
	const char *v[] = { id };

	if (exists(pr, "SELECT 1 FROM feed WHERE id = ?", id) != 1)
		return -ENOENT;
	if (run(pr, "DELETE FROM feed_doc WHERE feed_id = ?", 1, v) < 0)
		return -EIO;
	return run(pr, "DELETE FROM feed WHERE id = ?", 1, v);
}

int
pr_store_feed_poll_now(struct pr *pr, const char *id)
{
	const char *v[] = { id };

	if (exists(pr, "SELECT 1 FROM feed WHERE id = ?", id) != 1)
		return -ENOENT;
	return run(pr, "UPDATE feed SET next_poll = 0 WHERE id = ?", 1, v);
}

static char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

int
pr_store_feed_due(struct pr *pr, long now, char **id, char **url,
    char **ca_pem, char **type, long *interval, int *failures, int *trusted)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(pr->db, "SELECT id, url, ca_pem, type, "
	    "interval, failures, trusted FROM feed WHERE next_poll <= ? ORDER "
	    "BY next_poll LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = col(st, 0);
		*url = col(st, 1);
		*ca_pem = col(st, 2);
		*type = col(st, 3);
		*interval = (long)sqlite3_column_int64(st, 4);
		*failures = sqlite3_column_int(st, 5);
		*trusted = sqlite3_column_int(st, 6);
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

int
pr_store_feed_polled(struct pr *pr, const char *id, const char *when,
    long http, const char *state, const char *reason, int failures,
    long next)
{
	char h[24], f[24], n[24];
	const char *v[] = { when, h, state, reason, f, n, id };

	snprintf(h, sizeof(h), "%ld", http);
	snprintf(f, sizeof(f), "%d", failures);
	snprintf(n, sizeof(n), "%ld", next);
	return run(pr, "UPDATE feed SET last_poll = ?, last_http = ?, state "
	    "= ?, reason = ?, failures = ?, next_poll = ? WHERE id = ?", 7, v);
}

long
pr_store_feed_ingested(struct pr *pr, const char *id)
{
	long n = db_count(pr->db, "SELECT count(*) FROM feed_entry WHERE "
	    "feed_id = ? AND state = 'accepted'", 1, id);

	return n < 0 ? 0 : n;
}

void
pr_store_doc_get(struct pr *pr, const char *feed, const char *url,
    char **etag, char **lm)
{
	sqlite3_stmt *st;

	*etag = *lm = NULL;
	if (sqlite3_prepare_v2(pr->db, "SELECT etag, last_modified FROM "
	    "feed_doc WHERE feed_id = ? AND url = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, feed, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*etag = col(st, 0);
		*lm = col(st, 1);
	}
	sqlite3_finalize(st);
}

int
pr_store_doc_set(struct pr *pr, const char *feed, const char *url,
    const char *etag, const char *lm, const char *parent)
{
	const char *v[] = { feed, url, etag, lm, parent };

	return run(pr, "INSERT INTO feed_doc (feed_id, url, etag, "
	    "last_modified, parent) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
	    "(feed_id, url) DO UPDATE SET etag = excluded.etag, "
	    "last_modified = excluded.last_modified, parent = "
	    "coalesce(excluded.parent, feed_doc.parent)", 5, v);
}

int
pr_store_doc_link(struct pr *pr, const char *feed, const char *url,
    const char *parent)
{
	const char *v[] = { feed, url, parent };

	return run(pr, "INSERT INTO feed_doc (feed_id, url, parent) VALUES "
	    "(?, ?, ?) ON CONFLICT (feed_id, url) DO UPDATE SET parent = "
	    "excluded.parent", 3, v);
}

void
pr_store_doc_children(struct pr *pr, const char *feed, const char *url,
    void (*fn)(void *, const char *), void *arg)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(pr->db, "SELECT url FROM feed_doc WHERE "
	    "feed_id = ? AND parent = ? ORDER BY rowid", -1, &st, NULL) !=
	    SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, feed, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

int
pr_store_entry_seen(struct pr *pr, const char *feed, const char *entry,
    const char *updated)
{
	sqlite3_stmt *st;
	int found;

	if (sqlite3_prepare_v2(pr->db, "SELECT 1 FROM feed_entry WHERE "
	    "feed_id = ? AND entry_id = ? AND updated = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, feed, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, entry, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, updated ? updated : "", -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int
pr_store_entry(struct pr *pr, const char *feed, const char *entry,
    const char *updated, const char *policy, const char *state,
    const char *reason)
{
	char when[32];
	const char *v[7];

	time_iso(when, 0);
	v[0] = feed; v[1] = entry; v[2] = updated ? updated : "";
	v[3] = policy; v[4] = state; v[5] = reason; v[6] = when;
	return run(pr, "INSERT OR REPLACE INTO feed_entry (feed_id, entry_id, "
	    "updated, policy_id, state, reason, seen) VALUES (?, ?, ?, ?, ?, "
	    "?, ?)", 7, v);
}

int
pr_store_content(struct pr *pr, const char *id, char **data, size_t *len)
{
	sqlite3_stmt *st;
	int r = -ENOENT;

	if (sqlite3_prepare_v2(pr->db, "SELECT gz FROM content WHERE sha256 "
	    "= ?", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = blob_gunzip(sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0),
		    (size_t)pr->conf.max_content_size, data, len);
	sqlite3_finalize(st);
	return r;
}

int
pr_store_find_base(struct pr *pr, const char *id, const char *name,
    char out[65])
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(pr->db, id ? "SELECT id FROM policy WHERE "
	    "kind = 'datastream' AND id = ?" : "SELECT id FROM policy WHERE "
	    "kind = 'datastream' AND name = ? ORDER BY received DESC, rowid "
	    "DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, id ? id : name ? name : "", -1,
	    SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, 65, "%s", sqlite3_column_text(st, 0));
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}
