/* Unit tests: the orchestrator's assessment state machine
 * (services/orchestrator/orch_fsm.c): the transition table, the one
 * writer on a real sqlite database, and the migration of version 7's
 * numbered states to names. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "orch.h"
#include "t.h"

static struct orch o;

static void
open_db(const char *path)
{
	memset(&o, 0, sizeof(o));
	o.conf.db = (char *)path;
	if (orch_store_open(&o) < 0 || o.db == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(1);
	}
}

static void
add(const char *id, const char *state)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "INSERT INTO assessment (id, policy, "
	    "endpoint, trigger, key, state, created, updated) VALUES ('%s', "
	    "'p', 'e', 'operator', '%s', '%s', 'now', 'now')", id, id, state);
	if (db_exec(o.db, sql) < 0)
		exit(1);
}

/* One column of an assessment as text ("" for NULL). */
static const char *
col(const char *id, const char *c)
{
	static char v[256];
	sqlite3_stmt *st;
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT %s FROM assessment WHERE id = ?", c);
	v[0] = '\0';
	if (db_prep(o.db, sql, &st) < 0)
		return "?";
	db_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(v, sizeof(v), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* The table, written out again as the documentation draws it: every pair
 * not listed here must be refused. */
static void
test_table(void)
{
	static const struct { int from, ev, to; } valid[] = {
		{ A_REQUESTED, EV_COLLECT_SENT, A_COLLECTING },
		{ A_REQUESTED, EV_POSTURE, A_COLLECTED },
		{ A_REQUESTED, EV_WAIT, A_REQUESTED },
		{ A_REQUESTED, EV_FAIL, A_FAILED },
		{ A_COLLECTING, EV_POSTURE, A_COLLECTED },
		{ A_COLLECTING, EV_RETRY, A_REQUESTED },
		{ A_COLLECTING, EV_SEND_FAILED, A_REQUESTED },
		{ A_COLLECTING, EV_WAIT, A_COLLECTING },
		{ A_COLLECTING, EV_TIMEOUT, A_TIMED_OUT },
		{ A_COLLECTING, EV_FAIL, A_FAILED },
		{ A_COLLECTED, EV_EVAL_SENT, A_EVALUATING },
		{ A_COLLECTED, EV_FAIL, A_FAILED },
		{ A_EVALUATING, EV_RESULT, A_COMPLETE },
		{ A_EVALUATING, EV_RETRY, A_COLLECTED },
		{ A_EVALUATING, EV_SEND_FAILED, A_COLLECTED },
		{ A_EVALUATING, EV_TIMEOUT, A_TIMED_OUT },
		{ A_EVALUATING, EV_FAIL, A_FAILED },
		{ A_REQUESTED, EV_REMEDIATE_SENT, A_REMEDIATING },
		{ A_REMEDIATING, EV_REMEDIATED, A_COLLECTING },
		{ A_REMEDIATING, EV_POSTURE, A_COLLECTED },
		{ A_REMEDIATING, EV_SEND_FAILED, A_REQUESTED },
		{ A_REMEDIATING, EV_WAIT, A_REMEDIATING },
		{ A_REMEDIATING, EV_TIMEOUT, A_TIMED_OUT },
		{ A_REMEDIATING, EV_FAIL, A_FAILED },
	};
	int nvalid = 0;

	for (int s = 0; s < A_NSTATES; s++)
		for (int ev = 0; ev < EV_NEVENTS; ev++) {
			int want = -1;

			for (size_t i = 0; i < sizeof(valid) /
			    sizeof(valid[0]); i++)
				if (valid[i].from == s && valid[i].ev == ev)
					want = valid[i].to;
			if (orch_fsm_next((enum orch_state)s,
			    (enum orch_event)ev) != want)
				T_FAIL("%s on %s: %d, expected %d",
				    orch_event_name((enum orch_event)ev),
				    orch_state_name((enum orch_state)s),
				    orch_fsm_next((enum orch_state)s,
				    (enum orch_event)ev), want);
			nvalid += want >= 0;
		}
	T_EQ(nvalid, 24);
	/* names round-trip, and nothing else parses */
	for (int s = 0; s < A_NSTATES; s++)
		T_EQ(orch_state_parse(orch_state_name((enum orch_state)s)), s);
	T_EQ(orch_state_parse("Requested"), -1);
	T_EQ(orch_state_parse(""), -1);
	T_EQ(orch_state_parse(NULL), -1);
}

/* A whole run, and what each event writes besides the state. */
static void
test_writer(void)
{
	struct orch_transition t;

	open_db(":memory:");
	add("a1", "requested");
	T_STREQ(col("a1", "version"), "1");
	T_STREQ(col("a1", "published"), "0");
	T_EQ(db_exec(o.db, "UPDATE assessment SET next_check = 99"), 0);
	T_EQ(orch_fsm_fire(o.db, "a1", EV_COLLECT_SENT, &(struct orch_change){
	    .request = "c-a1-1", .deadline = 1000 }, &t), 0);
	T_EQ(t.from, A_REQUESTED);
	T_EQ(t.to, A_COLLECTING);
	T_STREQ(col("a1", "state"), "collecting");
	T_STREQ(col("a1", "collection"), "c-a1-1");
	T_STREQ(col("a1", "deadline"), "1000");
	T_STREQ(col("a1", "attempts"), "1");
	T_STREQ(col("a1", "version"), "2");
	T_STREQ(col("a1", "next_check"), "0");	/* due at once */
	/* a wait keeps the state, says why, and may move the deadline */
	T_EQ(orch_fsm_fire(o.db, "a1", EV_WAIT, &(struct orch_change){
	    .reason = "endpoint offline" }, &t), 0);
	T_EQ(t.to, A_COLLECTING);
	T_STREQ(col("a1", "reason"), "endpoint offline");
	T_STREQ(col("a1", "deadline"), "1000");
	T_EQ(orch_fsm_fire(o.db, "a1", EV_WAIT, &(struct orch_change){
	    .reason = "endpoint offline", .deadline = 2000 }, NULL), 0);
	T_STREQ(col("a1", "deadline"), "2000");
	T_EQ(orch_fsm_fire(o.db, "a1", EV_POSTURE, &(struct orch_change){
	    .posture = "<posture-stored/>trailing", .posture_len = 17 },
	    &t), 0);
	T_EQ(t.to, A_COLLECTED);
	T_STREQ(col("a1", "posture"), "<posture-stored/>");
	T_STREQ(col("a1", "attempts"), "0");
	T_STREQ(col("a1", "deadline"), "");
	T_STREQ(col("a1", "reason"), "");	/* cleared */
	T_EQ(orch_fsm_fire(o.db, "a1", EV_EVAL_SENT, &(struct orch_change){
	    .request = "e-a1-1", .evaluator = "evaluator-1@grid.test",
	    .deadline = 3000 }, &t), 0);
	T_STREQ(col("a1", "state"), "evaluating");
	T_STREQ(col("a1", "evaluation"), "e-a1-1");
	T_STREQ(col("a1", "evaluator"), "evaluator-1@grid.test");
	T_STREQ(col("a1", "attempts"), "1");
	T_EQ(orch_fsm_fire(o.db, "a1", EV_RESULT, NULL, &t), 0);
	T_EQ(t.to, A_COMPLETE);
	T_STREQ(col("a1", "version"), "7");
	/* over: nothing moves it again */
	for (int ev = 0; ev < EV_NEVENTS; ev++)
		T_ASSERT(orch_fsm_fire(o.db, "a1", (enum orch_event)ev,
		    &(struct orch_change){ .request = "e-a1-1" }, NULL) < 0);
	T_STREQ(col("a1", "state"), "complete");
	T_STREQ(col("a1", "version"), "7");
	T_EQ(orch_fsm_fire(o.db, "nope", EV_FAIL, NULL, NULL), -ENOENT);
	orch_store_close(&o);
}

/* A remediation: sent once, answered with the script's status, then the
 * collection under the same request id; never sent again by a retry. */
static void
test_remediation(void)
{
	struct orch_transition t;

	open_db(":memory:");
	add("a3", "requested");
	T_EQ(orch_fsm_fire(o.db, "a3", EV_REMEDIATE_SENT, &(struct
	    orch_change){ .request = "r-a3-1", .deadline = 500 }, &t), 0);
	T_EQ(t.to, A_REMEDIATING);
	T_STREQ(col("a3", "collection"), "r-a3-1");
	T_STREQ(col("a3", "attempts"), "1");
	T_EQ(orch_fsm_fire(o.db, "a3", EV_RETRY, NULL, NULL), -EINVAL);
	T_EQ(orch_fsm_fire(o.db, "a3", EV_REMEDIATED, &(struct orch_change){
	    .fix_state = "failed", .fix_exit = 3, .deadline = 900 }, &t), 0);
	T_EQ(t.to, A_COLLECTING);
	T_STREQ(col("a3", "fix_state"), "failed");
	T_STREQ(col("a3", "fix_exit"), "3");
	T_STREQ(col("a3", "deadline"), "900");
	T_STREQ(col("a3", "collection"), "r-a3-1");
	T_EQ(orch_fsm_fire(o.db, "a3", EV_POSTURE, &(struct orch_change){
	    .posture = "<p/>", .posture_len = 4 }, &t), 0);
	T_EQ(t.to, A_COLLECTED);
	/* the answer to a request the broker refused */
	add("a4", "requested");
	T_EQ(orch_fsm_fire(o.db, "a4", EV_REMEDIATE_SENT, &(struct
	    orch_change){ .request = "r-a4-1", .deadline = 500 }, NULL), 0);
	T_EQ(orch_fsm_fire(o.db, "a4", EV_SEND_FAILED, &(struct orch_change){
	    .request = "r-a4-1" }, &t), 0);
	T_EQ(t.to, A_REQUESTED);
	T_STREQ(col("a4", "attempts"), "0");
	orch_store_close(&o);
}

/* A refused event changes nothing; a refused request is undone only if it
 * is still the assessment's current one. */
static void
test_refused(void)
{
	struct orch_transition t;

	open_db(":memory:");
	add("a2", "requested");
	T_EQ(orch_fsm_fire(o.db, "a2", EV_RESULT, NULL, NULL), -EINVAL);
	T_EQ(orch_fsm_fire(o.db, "a2", EV_EVAL_SENT, NULL, NULL), -EINVAL);
	T_STREQ(col("a2", "state"), "requested");
	T_STREQ(col("a2", "version"), "1");
	T_EQ(orch_fsm_fire(o.db, "a2", EV_COLLECT_SENT, &(struct orch_change){
	    .request = "c-a2-1", .deadline = 1 }, NULL), 0);
	/* the answer to an older request comes late */
	T_EQ(orch_fsm_fire(o.db, "a2", EV_SEND_FAILED, &(struct orch_change){
	    .request = "c-a2-0" }, NULL), -ESTALE);
	T_EQ(orch_fsm_fire(o.db, "a2", EV_SEND_FAILED, NULL, NULL), -ESTALE);
	T_STREQ(col("a2", "state"), "collecting");
	T_EQ(orch_fsm_fire(o.db, "a2", EV_SEND_FAILED, &(struct orch_change){
	    .request = "c-a2-1", .reason = "refused" }, &t), 0);
	T_EQ(t.to, A_REQUESTED);
	T_STREQ(col("a2", "attempts"), "0");	/* it did not count */
	T_STREQ(col("a2", "deadline"), "");
	/* the database refuses a state that is not one */
	T_ASSERT(db_exec(o.db, "UPDATE assessment SET state = 'done' WHERE "
	    "id = 'a2'") < 0);
	T_STREQ(col("a2", "state"), "requested");
	orch_store_close(&o);
}

/* A database of version 7 (numbered states) is migrated to names. */
static void
test_migration(void)
{
	static const char *const names[] = { "requested", "collecting",
	    "collected", "evaluating", "complete", "failed", "timed-out" };
	char path[64], id[16];
	sqlite3 *db;

	snprintf(path, sizeof(path), "/tmp/test_orch_fsm.%d.sqlite",
	    (int)getpid());
	unlink(path);
	T_EQ(sqlite3_open(path, &db), SQLITE_OK);
	T_EQ(db_exec(db, "CREATE TABLE assessment (id TEXT PRIMARY KEY,"
	    " policy TEXT NOT NULL, profile TEXT NOT NULL DEFAULT '',"
	    " endpoint TEXT NOT NULL, trigger TEXT NOT NULL, key TEXT NOT NULL,"
	    " state INTEGER NOT NULL DEFAULT 0,"
	    " attempts INTEGER NOT NULL DEFAULT 0,"
	    " collection TEXT, evaluation TEXT, evaluator TEXT,"
	    " posture TEXT, deadline INTEGER, reason TEXT,"
	    " created TEXT NOT NULL, updated TEXT NOT NULL,"
	    " published INTEGER NOT NULL DEFAULT 0,"
	    " next_check INTEGER NOT NULL DEFAULT 0,"
	    " UNIQUE (policy, profile, endpoint, trigger, key));"
	    "CREATE TABLE endpoint (id TEXT PRIMARY KEY, collector TEXT,"
	    " online INTEGER NOT NULL DEFAULT 1,"
	    " approval_published INTEGER NOT NULL DEFAULT 0);"
	    "PRAGMA user_version = 7;"), 0);
	for (int s = 0; s < 7; s++) {
		char sql[256];

		snprintf(sql, sizeof(sql), "INSERT INTO assessment (id, "
		    "policy, endpoint, trigger, key, state, created, updated, "
		    "published) VALUES ('m%d', 'p', 'e', 't', 'k%d', %d, 'x', "
		    "'x', %d)", s, s, s, s % 2);
		T_EQ(db_exec(db, sql), 0);
	}
	sqlite3_close(db);
	open_db(path);
	T_ASSERT(db_version(o.db) >= 8);
	for (int s = 0; s < 7; s++) {
		snprintf(id, sizeof(id), "m%d", s);
		T_STREQ(col(id, "state"), names[s]);
		T_STREQ(col(id, "published"), s % 2 ? "1" : "0");
		T_STREQ(col(id, "version"), "1");
	}
	T_EQ(orch_fsm_fire(o.db, "m3", EV_RESULT, NULL, NULL), 0);
	T_STREQ(col("m3", "state"), "complete");
	orch_store_close(&o);
	unlink(path);
}

int
main(void)
{
	T_RUN(test_table);
	T_RUN(test_writer);
	T_RUN(test_refused);
	T_RUN(test_remediation);
	T_RUN(test_migration);
	return T_DONE();
}
