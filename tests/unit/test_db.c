/* Unit tests: sqlite helpers (db.c) on a real file. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "grid.h"
#include "query.h"
#include "t.h"

static const char *const v2[] = {
	"CREATE TABLE a (x INTEGER)",
	"ALTER TABLE a ADD COLUMN y TEXT",
};
static const char *const bad[] = {
	"CREATE TABLE a (x INTEGER)",
	"ALTER TABLE a ADD COLUMN y TEXT",
	"CREATE TABLE b (oops",
};

static void
remove_db(const char *path)
{
	char p[256];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static void
test_migrations(void)
{
	char path[] = "/tmp/sacm-test-db-XXXXXX", err[256];
	sqlite3 *db;
	int fd = mkstemp(path);

	close(fd);
	T_EQ(db_open(path, v2, 1, &db, err, sizeof(err)), 0);
	T_EQ(db_version(db), 1);
	db_close(db);
	T_EQ(db_open(path, v2, 2, &db, err, sizeof(err)), 0);
	T_EQ(db_version(db), 2);
	T_EQ(db_exec(db, "INSERT INTO a (x, y) VALUES (1, 'one')"), 0);
	db_close(db);
	/* A failing migration leaves the previous version intact. */
	T_EQ(db_open(path, bad, 3, &db, err, sizeof(err)), -EIO);
	T_ASSERT(strstr(err, "version 3") != NULL);
	T_EQ(db_open(path, v2, 2, &db, err, sizeof(err)), 0);
	T_EQ(db_version(db), 2);
	db_close(db);
	/* A database newer than the program is refused. */
	T_EQ(db_open(path, v2, 1, &db, err, sizeof(err)), -EPROTO);
	remove_db(path);
}

static void
test_transactions(void)
{
	char path[] = "/tmp/sacm-test-db-XXXXXX", err[256];
	sqlite3 *db;
	sqlite3_stmt *st;
	int fd = mkstemp(path), n = -1;

	close(fd);
	T_EQ(db_open(path, v2, 2, &db, err, sizeof(err)), 0);
	T_EQ(db_begin(db), 0);
	T_EQ(db_exec(db, "INSERT INTO a (x) VALUES (1)"), 0);
	db_rollback(db);
	T_EQ(db_begin(db), 0);
	T_EQ(db_exec(db, "INSERT INTO a (x) VALUES (2)"), 0);
	T_EQ(db_commit(db), 0);
	sqlite3_prepare_v2(db, "SELECT count(*) FROM a", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	T_EQ(n, 1);
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
	sqlite3_step(st);
	T_STREQ((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	db_close(db);
	remove_db(path);
}

static int
count_a(sqlite3 *db)
{
	return db_count(db, "SELECT count(*) FROM a", 0);
}

/* A batch: a transaction begun in it is a savepoint, committed with the
 * batch, undone alone by its rollback, undone with the batch's.  Outside
 * a batch, a transaction left open still makes the next begin fail. */
static void
test_nested(void)
{
	char path[] = "/tmp/sacm-test-db-XXXXXX", err[256];
	sqlite3 *db;
	int fd = mkstemp(path);

	close(fd);
	T_EQ(db_open(path, v2, 2, &db, err, sizeof(err)), 0);
	T_EQ(db_begin(db), 0);			/* not a batch: no nesting */
	T_EQ(db_begin(db), -EIO);
	db_rollback(db);
	T_EQ(db_batch_begin(db), 0);
	T_EQ(db_batch_begin(db), -EIO);		/* one at a time */
	T_EQ(db_exec(db, "INSERT INTO a (x) VALUES (1)"), 0);
	T_EQ(db_begin(db), 0);			/* nested: committed ... */
	T_EQ(db_exec(db, "INSERT INTO a (x) VALUES (2)"), 0);
	T_EQ(db_commit(db), 0);
	T_EQ(sqlite3_get_autocommit(db), 0);	/* ... with the batch */
	T_EQ(db_begin(db), 0);			/* nested: undone alone */
	T_EQ(db_exec(db, "INSERT INTO a (x) VALUES (3)"), 0);
	T_EQ(db_begin(db), 0);			/* two deep */
	T_EQ(db_exec(db, "INSERT INTO a (x) VALUES (4)"), 0);
	T_EQ(db_commit(db), 0);
	db_rollback(db);
	T_EQ(count_a(db), 2);
	T_EQ(sqlite3_get_autocommit(db), 0);
	T_EQ(db_commit(db), 0);			/* the batch */
	T_EQ(sqlite3_get_autocommit(db), 1);
	T_EQ(count_a(db), 2);
	T_EQ(db_batch_begin(db), 0);		/* the batch undone: all */
	T_EQ(db_begin(db), 0);
	T_EQ(db_exec(db, "INSERT INTO a (x) VALUES (5)"), 0);
	T_EQ(db_commit(db), 0);
	db_rollback(db);
	T_EQ(sqlite3_get_autocommit(db), 1);
	T_EQ(count_a(db), 2);
	T_EQ(db_begin(db), 0);			/* and no batch after it */
	T_EQ(db_begin(db), -EIO);
	db_rollback(db);
	db_close(db);
	remove_db(path);
}

/* The helpers that replaced the services' copies: bind many, copy many
 * columns, count, rows as escaped attributes. */
static void
test_row_helpers(void)
{
	char path[] = "/tmp/sacm-test-db-XXXXXX";
	static const char *const schema[] = {
		"CREATE TABLE t (a TEXT, b TEXT, c TEXT)",
	};
	static const char *const names[] = { "a", NULL, "c" };
	char err[256], *a = NULL, *b = NULL, *c = NULL;
	sqlite3 *db;
	sqlite3_stmt *st;
	struct buf out;

	/* a name of its own: two runs at once (CI's and a developer's)
	 * once shared a fixed one */
	close(mkstemp(path));
	T_EQ(db_open(path, schema, 1, &db, err, sizeof(err)), 0);
	T_EQ(db_prep(db, "INSERT INTO t VALUES (?, ?, ?)", &st), 0);
	db_bind_texts(st, 1, 3, "x'<y", NULL, "z");
	T_EQ(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	T_EQ(db_count(db, "SELECT count(*) FROM t WHERE a = ?", 1, "x'<y"), 1);
	T_EQ(db_count(db, "SELECT count(*) FROM t WHERE b IS ?", 1, NULL), 1);
	T_EQ(db_count(db, "SELECT count(*) FROM t WHERE c = ?", 1, "nope"), 0);
	T_EQ(db_count(db, "SELECT count(*) FROM no_such_table", 0), -EIO);
	T_EQ(db_prep(db, "SELECT a, b, c FROM t", &st), 0);
	T_EQ(sqlite3_step(st), SQLITE_ROW);
	T_EQ(db_columns_dup(st, 0, 3, &a, &b, &c), 0);
	T_STREQ(a, "x'<y");
	T_ASSERT(b == NULL);
	T_STREQ(c, "z");
	buf_init(&out, 1024);
	T_EQ(db_row_attrs(&out, st, names, 3), 0);
	T_STREQ(out.data, " a='x&apos;&lt;y' c='z'");
	buf_free(&out);
	sqlite3_finalize(st);
	free(a); free(b); free(c);
	db_close(db);
	remove_db(path);
}

/* The answering side of a query: attributes, paging, the type required,
 * hostile input refused. */
static void
test_query_parse(void)
{
	static const char ok[] = "<query xmlns='urn:q' type='history' "
	    "endpoint='e1'><set xmlns='" QUERY_RSM_NS "'><max>7</max>"
	    "<after>13</after></set></query>";
	static const char notype[] = "<query xmlns='urn:q' endpoint='e1'/>";
	static const char doctype[] = "<!DOCTYPE q [<!ENTITY x 'y'>]>"
	    "<query xmlns='urn:q' type='&x;'/>";
	static const char otherns[] = "<query xmlns='urn:other' type='a'/>";
	static const char overflow[] = "<query xmlns='urn:q' type='a'><set "
	    "xmlns='" QUERY_RSM_NS "'><after>9223372036854775807</after>"
	    "</set></query>";
	static const char hostile[] = "<query xmlns='urn:q' type='rules' "
	    "endpoint=\"x'/&gt;&lt;iq type='set'\"/>";
	struct grid_request req = { "a@b/c", "get", ok, sizeof(ok) - 1 };
	char *type = NULL, *ep = NULL;
	const struct query_attr at[] = { { "type", &type, 1 },
	    { "endpoint", &ep, 1 } };
	long max = 0, off = 0;
	struct buf err;

	buf_init(&err, 1024);
	T_EQ(query_parse(&req, "urn:q", at, 2, 100, 500, &max, &off, &err), 0);
	T_STREQ(type, "history");
	T_STREQ(ep, "e1");
	T_EQ(max, 7);
	T_EQ(off, 14);
	free(type); free(ep);
	req.payload = notype;
	req.payload_len = sizeof(notype) - 1;
	T_EQ(query_parse(&req, "urn:q", at, 2, 100, 500, &max, &off, &err),
	    -EINVAL);
	T_STREQ(err.data, "type is required");
	free(type); free(ep);
	buf_reset(&err);
	req.payload = doctype;
	req.payload_len = sizeof(doctype) - 1;
	type = ep = NULL;
	T_EQ(query_parse(&req, "urn:q", at, 2, 100, 500, &max, &off, &err),
	    -EINVAL);
	T_ASSERT(type == NULL);
	buf_reset(&err);
	req.payload = otherns;
	req.payload_len = sizeof(otherns) - 1;
	T_EQ(query_parse(&req, "urn:q", at, 2, 100, 500, &max, &off, &err),
	    -EINVAL);
	buf_reset(&err);
	/* an index that would overflow (found by fuzz_query) */
	req.payload = overflow;
	req.payload_len = sizeof(overflow) - 1;
	type = ep = NULL;
	T_EQ(query_parse(&req, "urn:q", at, 2, 100, 500, &max, &off, &err),
	    -EINVAL);
	free(type); free(ep);
	buf_reset(&err);
	/* an id that is not an identifier is refused, whatever it holds */
	req.payload = hostile;
	req.payload_len = sizeof(hostile) - 1;
	type = ep = NULL;
	T_EQ(query_parse(&req, "urn:q", at, 2, 100, 500, &max, &off, &err),
	    -EINVAL);
	T_ASSERT(err.data && strstr(err.data, "endpoint is not an "
	    "identifier") != NULL);
	free(type); free(ep);
	buf_free(&err);
}

static void
test_query_allowed(void)
{
	const char *allow = "ctl@grid.test collector-*@grid.test";

	T_ASSERT(query_allowed("ctl@grid.test/sacmctl", allow));
	T_ASSERT(query_allowed("CTL@Grid.Test", allow));
	T_ASSERT(query_allowed("collector-12@grid.test/sacm-collector",
	    allow));
	T_ASSERT(!query_allowed("dashboard@grid.test/web", allow));
	T_ASSERT(!query_allowed("ctl@evil.test/x", allow));
	T_ASSERT(!query_allowed("ctlx@grid.test/x", allow));
	T_ASSERT(!query_allowed(NULL, allow));
	T_ASSERT(!query_allowed("ctl@grid.test", NULL));
}

static const char hot_sel[] = "SELECT count(*) FROM h WHERE x = ?";

/* count(*) for x through the kept statement, or -1. */
static int
hot_count(sqlite3 *db, int x)
{
	sqlite3_stmt *st;
	int n = -1;

	if (db_prep_hot(db, hot_sel, &st) < 0)
		return -1;
	sqlite3_bind_int(st, 1, x);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	db_finish(st);
	return n;
}

/* Kept statements: the same one again, reset and unbound; a nested
 * one of its own; a schema change under it; gone with the connection. */
static void
test_hot(void)
{
	const char *sel = hot_sel;
	char path[] = "/tmp/sacm-test-db-XXXXXX", err[256];
	sqlite3_stmt *a, *b, *c;
	sqlite3 *db;
	int fd = mkstemp(path);

	close(fd);
	T_EQ(db_open(path, NULL, 0, &db, err, sizeof(err)), 0);
	T_EQ(db_exec(db, "CREATE TABLE h (x INTEGER); INSERT INTO h VALUES "
	    "(1), (1), (2)"), 0);
	T_EQ(db_prep_hot(db, sel, &a), 0);
	sqlite3_bind_int(a, 1, 1);
	T_EQ(sqlite3_step(a), SQLITE_ROW);	/* left mid-way */
	T_EQ(sqlite3_column_int(a, 0), 2);
	/* in use: another statement, finalized by db_finish */
	T_EQ(db_prep_hot(db, sel, &b), 0);
	T_ASSERT(b != a);
	sqlite3_bind_int(b, 1, 2);
	T_EQ(sqlite3_step(b), SQLITE_ROW);
	T_EQ(sqlite3_column_int(b, 0), 1);
	db_finish(b);
	db_finish(a);
	/* the kept one again: reset, its binding cleared (NULL: no row) */
	T_EQ(db_prep_hot(db, sel, &c), 0);
	T_ASSERT(c == a);
	T_EQ(sqlite3_step(c), SQLITE_ROW);
	T_EQ(sqlite3_column_int(c, 0), 0);
	db_finish(c);
	/* a write commits with kept statements reset; the schema may
	 * change under them */
	T_EQ(db_begin(db), 0);
	T_EQ(db_exec(db, "INSERT INTO h VALUES (2)"), 0);
	T_EQ(db_commit(db), 0);
	T_EQ(db_exec(db, "ALTER TABLE h ADD COLUMN y TEXT"), 0);
	T_EQ(hot_count(db, 2), 2);
	db_finish(NULL);
	/* db_close finalizes the kept one: one left would fail
	 * sqlite3_close and leak the connection (ASan's leak check) */
	db_close(db);
	T_EQ(db_open(path, NULL, 0, &db, err, sizeof(err)), 0);
	T_EQ(hot_count(db, 1), 2);
	db_close(db);
	remove_db(path);
}

int
main(void)
{
	T_RUN(test_migrations);
	T_RUN(test_transactions);
	T_RUN(test_nested);
	T_RUN(test_hot);
	T_RUN(test_row_helpers);
	T_RUN(test_query_parse);
	T_RUN(test_query_allowed);
	return T_DONE();
}
