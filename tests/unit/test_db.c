/* Unit tests: sqlite helpers (db.c) on a real file. */
#include <errno.h>
#include <unistd.h>

#include "db.h"
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

int
main(void)
{
	T_RUN(test_migrations);
	T_RUN(test_transactions);
	return T_DONE();
}
