/*
 * pr_store.c - the policy repository's sqlite database.
 *
 * Content is stored once per sha256 (gzip-compressed); a policy row holds
 * its metadata and the announcement exactly as published, with a flag that
 * says whether the announcement went out, so that a restart finishes what
 * a crash interrupted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob.h"
#include "db.h"
#include "log.h"
#include "pr.h"

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
};

static void
now_iso(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

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

int
pr_store_policy(struct pr *pr, const char *id, const char *content,
    size_t len, const struct scap_info *s, const char *name,
    const char *source, const char *source_ref, const char *by,
    const char *announcement)
{
	sqlite3_stmt *st = NULL;
	char when[32], *gz = NULL;
	size_t gzlen;
	int r;

	now_iso(when);
	if ((r = blob_gzip(content, len, &gz, &gzlen)) < 0)
		return r;
	if ((r = db_begin(pr->db)) < 0)
		goto out;
	r = -EIO;
	if (sqlite3_prepare_v2(pr->db, "INSERT OR IGNORE INTO content "
	    "(sha256, size, gz, stored) VALUES (?, ?, ?, ?)", -1, &st,
	    NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
	sqlite3_bind_blob(st, 3, gz, (int)gzlen, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, when, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	{
		const char *v[] = { id, s->kind == SCAP_DATASTREAM ?
		    "datastream" : "tailoring", name, s->scap_version,
		    s->datastream_id, s->benchmark_id, s->benchmark_version,
		    s->title, source, source_ref, by, when, announcement };

		if (insert(pr, "INSERT INTO policy (id, kind, name, "
		    "scap_version, datastream_id, benchmark_id, "
		    "benchmark_version, title, source, source_ref, "
		    "submitted_by, received, announcement) VALUES (?, ?, ?, "
		    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", 13, v) < 0)
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
	if ((r = db_commit(pr->db)) < 0)
		goto fail;
	r = 0;
	goto out;
fail:
	log_warnx("storing policy %s failed: %s", id, sqlite3_errmsg(pr->db));
	db_rollback(pr->db);
	r = -EIO;
out:
	sqlite3_finalize(st);
	free(gz);
	return r;
}

int
pr_store_submission(struct pr *pr, const char *subid, const char *state,
    const char *reason, const char *policy_id, const char *by,
    const char *status)
{
	char when[32];
	const char *v[7];

	now_iso(when);
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
		{ "submission", "SELECT id, status FROM submission WHERE "
		    "published = 0 AND status != '' ORDER BY received" },
	};
	int r = 0;

	for (size_t i = 0; i < 2 && r == 0; i++) {
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
