/*
 * db.c - see db.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "log.h"

int
db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_debug("sqlite: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

/*
 * A batch is a transaction that others nest in: inside it, db_begin()
 * opens a savepoint, which db_commit() releases and db_rollback()
 * undoes alone; the batch's own db_commit() or db_rollback() (none
 * nested open) ends it.  So a thousand approvals are one commit around
 * code that begins and commits its own.  Nesting is only inside a batch
 * declared so: a transaction left open by mistake still makes the next
 * db_begin() fail, loudly.  One batch at a time (the daemons are single
 * threaded).
 */
static sqlite3	*batch;		/* the database a batch is open on */
static int	 nested;	/* savepoints open in it */

int
db_batch_begin(sqlite3 *db)
{
	if (batch != NULL || db_exec(db, "BEGIN IMMEDIATE") < 0)
		return -EIO;
	batch = db;
	nested = 0;
	return 0;
}

int
db_begin(sqlite3 *db)
{
	if (db != batch)
		return db_exec(db, "BEGIN IMMEDIATE");
	if (db_exec(db, "SAVEPOINT nested") < 0)
		return -EIO;
	nested++;
	return 0;
}

int
db_commit(sqlite3 *db)
{
	if (db == batch && nested > 0) {
		nested--;
		return db_exec(db, "RELEASE nested");
	}
	if (db == batch)
		batch = NULL;
	return db_exec(db, "COMMIT");
}

void
db_rollback(sqlite3 *db)
{
	if (db == batch && nested > 0) {
		nested--;
		(void)db_exec(db, "ROLLBACK TO nested");
		(void)db_exec(db, "RELEASE nested");
		return;
	}
	if (db == batch)
		batch = NULL;
	(void)db_exec(db, "ROLLBACK");
}

int
db_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -EIO;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
db_open(const char *path, const char *const *mig, size_t n, sqlite3 **dbp,
    char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int v;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		    db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return -EIO;
	}
	sqlite3_busy_timeout(db, 5000);
	if (db_exec(db, "PRAGMA journal_mode=WAL") < 0 ||
	    db_exec(db, "PRAGMA synchronous=FULL") < 0 ||
	    db_exec(db, "PRAGMA foreign_keys=ON") < 0 ||
	    (v = db_version(db)) < 0) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -EIO;
	}
	if ((size_t)v > n) {
		snprintf(err, errlen, "%s: schema version %d is newer than "
		    "this program's %zu", path, v, n);
		sqlite3_close(db);
		return -EPROTO;
	}
	for (size_t i = (size_t)v; i < n; i++) {
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%zu",
		    i + 1);
		if (db_begin(db) < 0 || db_exec(db, mig[i]) < 0 ||
		    db_exec(db, pragma) < 0 || db_commit(db) < 0) {
			snprintf(err, errlen, "%s: migration to version %zu "
			    "failed: %s", path, i + 1, sqlite3_errmsg(db));
			db_rollback(db);
			sqlite3_close(db);
			return -EIO;
		}
	}
	*dbp = db;
	return 0;
}

/* Statements kept by db_prep_hot(): few, looked up by connection and
 * SQL address (a scan of a few dozen pointers costs nothing next to
 * sqlite's parser, which was a quarter of a results repository's CPU). */
#define HOT_MAX	64
static struct {
	sqlite3		*db;
	const char	*sql;
	sqlite3_stmt	*st;
	int		 busy;
} hot[HOT_MAX];

void
db_close(sqlite3 *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < HOT_MAX; i++)
		if (hot[i].db == db) {
			sqlite3_finalize(hot[i].st);
			memset(&hot[i], 0, sizeof(hot[i]));
		}
	sqlite3_close(db);
}

int
db_prep_hot(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	size_t i, slot = HOT_MAX;

	for (i = 0; i < HOT_MAX; i++) {
		if (hot[i].db == db && hot[i].sql == sql) {
			if (hot[i].busy)	/* nested: one of its own */
				return db_prep(db, sql, st);
			hot[i].busy = 1;
			*st = hot[i].st;
			return 0;
		}
		if (hot[i].db == NULL && slot == HOT_MAX)
			slot = i;
	}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
	    NULL) != SQLITE_OK) {
		log_warnx("sqlite: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	if (slot < HOT_MAX) {		/* else used once, as db_prep's */
		hot[slot].db = db;
		hot[slot].sql = sql;
		hot[slot].st = *st;
		hot[slot].busy = 1;
	}
	return 0;
}

void
db_finish(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < HOT_MAX; i++)
		if (hot[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			hot[i].busy = 0;
			return;
		}
	sqlite3_finalize(st);
}

int
db_prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		log_warnx("sqlite: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

void
db_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void
db_bind_texts_(sqlite3_stmt *st, int first, int n, ...)
{
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		db_bind_text(st, first + i, va_arg(ap, const char *));
	va_end(ap);
}

char *
db_column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return v ? strdup((const char *)v) : NULL;
}

int
db_columns_dup_(sqlite3_stmt *st, int first, int n, ...)
{
	va_list ap;
	int r = 0;

	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		char **out = va_arg(ap, char **);

		*out = db_column_dup(st, first + i);
		if (*out == NULL && sqlite3_column_type(st, first + i) !=
		    SQLITE_NULL)
			r = -ENOMEM;
	}
	va_end(ap);
	return r;
}

long
db_count(sqlite3 *db, const char *sql, int n, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	long v = 0;
	int rc;

	if (db_prep(db, sql, &st) < 0)
		return -EIO;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		db_bind_text(st, i + 1, va_arg(ap, const char *));
	va_end(ap);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE) {
		log_warnx("sqlite: %s", sqlite3_errmsg(db));
		v = -EIO;
	}
	sqlite3_finalize(st);
	return v;
}

int
db_column_attr(struct buf *b, const char *name, sqlite3_stmt *st, int i)
{
	return buf_add_attr(b, name, (const char *)sqlite3_column_text(st, i));
}

int
db_row_attrs(struct buf *b, sqlite3_stmt *st, const char *const *names,
    int n)
{
	for (int i = 0; i < n; i++)
		if (names[i] != NULL)
			db_column_attr(b, names[i], st, i);
	return buf_error(b);
}
