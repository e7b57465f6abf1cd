/* Unit tests: the audit trail's chain (services/audit/au_store.c); the
 * service is tried on both brokers by tests/integration/test_audit.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "au.h"
#include "t.h"

static char path[64];

static void
open_trail(struct au *a)
{
	memset(a, 0, sizeof(*a));
	a->conf.db = path;
	T_EQ(au_store_open(a), 0);
}

static void
test_chain(void)
{
	struct au a;
	long long n;
	const char *why;

	snprintf(path, sizeof(path), "/tmp/test_audit.%d.sqlite",
	    (int)getpid());
	unlink(path);
	open_trail(&a);
	T_EQ(a.seq, 0);
	T_EQ(au_append(&a, "sacm/posture", "e1/r1", "publish",
	    "collector-1@grid.test", "aa"), 0);
	T_EQ(au_append(&a, "sacm/posture", "e1/r1", "retract", "", ""), 0);
	T_EQ(au_append(&a, "sacm/results", "e1/p", "publish",
	    "results-repo@grid.test", "bb"), 0);
	T_EQ(au_verify(&a, &n, &why), 0);
	T_EQ(n, 3);
	T_ASSERT(au_seen(&a, "sacm/results", "e1/p", "bb"));
	T_ASSERT(!au_seen(&a, "sacm/results", "e1/p", "cc"));
	au_store_close(&a);

	/* Reopened, the trail goes on from its head. */
	open_trail(&a);
	T_EQ(a.seq, 3);
	T_EQ(au_append(&a, "sacm/policy", "p1", "publish",
	    "policy-repo@grid.test", "dd"), 0);
	T_EQ(au_verify(&a, &n, &why), 0);
	T_EQ(n, 4);
	/* The database refuses to change a record ... */
	T_ASSERT(sqlite3_exec(a.db, "UPDATE record SET publisher = 'x' "
	    "WHERE seq = 2", NULL, NULL, NULL) != SQLITE_OK);
	/* ... and the chain shows one changed behind its back. */
	T_EQ(sqlite3_exec(a.db, "DROP TRIGGER record_no_update; UPDATE record "
	    "SET publisher = 'x' WHERE seq = 2", NULL, NULL, NULL),
	    SQLITE_OK);
	T_EQ(au_verify(&a, &n, &why), 2);
	T_ASSERT(why && strstr(why, "hash"));
	au_store_close(&a);
	unlink(path);
}

/* No two records hash alike by moving text between fields. */
static void
test_fields(void)
{
	struct au_record r1 = { 1, "t", "ab", "c", "publish", "", "", "0" };
	struct au_record r2 = { 1, "t", "a", "bc", "publish", "", "", "0" };
	char h1[65], h2[65];

	au_hash(&r1, h1);
	au_hash(&r2, h2);
	T_ASSERT(strcmp(h1, h2) != 0);
	T_EQ(strlen(h1), 64);
}

/* The brokers' denial lines, as they log them (ejabberd 23.01; Prosody
 * 0.12 with the lab's modules), and lines that are not denials. */
static void
test_denials(void)
{
	static const struct {
		const char *line, *what, *account;
	} c[] = {
		{ "2026-12-02 00:57:44.108481+00:00 [warning] <0.593.0>@"
		  "ejabberd_c2s:process_auth_result/3:280 (tls|<0.593.0>) "
		  "Failed c2s SCRAM-SHA-256 authentication for ctl@grid.test "
		  "from 127.0.0.1: Invalid username or password",
		  "login", "ctl@grid.test" },
		{ "2026-12-02 00:57:55.877302+00:00 [warning] <0.601.0>@"
		  "ejabberd_c2s:bind/2:455 (tls|<0.601.0>) Forbidden c2s "
		  "session for collector-2@grid.test/9722864602281868447",
		  "login", "collector-2@grid.test" },
		{ "... Failed c2s EXTERNAL authentication from 127.0.0.1: "
		  "Certificate revoked", "login", "" },
		{ "Dec 02 01:10:00 grid.test:auth_hashed_ccert\twarn\tdenied: "
		  "login by collector-1@grid.test (not-authorized)",
		  "login", "collector-1@grid.test" },
		{ "Dec 02 01:10:00 pubsub.grid.test:pubsub_own_items\twarn\t"
		  "denied: publish on sacm/policy by collector-1@grid.test "
		  "(forbidden)", "publish on sacm/policy",
		  "collector-1@grid.test" },
		/* the account is the last " by " */
		{ "x\tdenied: publish on a by admin@grid.test by c@grid.test "
		  "(forbidden)", "publish on a by admin@grid.test",
		  "c@grid.test" },
		/* a name that is not a plain JID is not taken */
		{ "x\tdenied: login by <script>@x (not-authorized)",
		  "login", "" },
		{ "x\tdenied: publish on sacm/\x01p by a@b (forbidden)",
		  NULL, NULL },
		{ "Dec 02 00:55:38 c2s558f15e79900\tinfo\tAuthenticated as "
		  "ctl@grid.test", NULL, NULL },
		{ "denied: login by ctl@grid.test (no tab before)",
		  NULL, NULL },
		{ "", NULL, NULL },
	};
	char what[128], account[512];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int r = au_denial(c[i].line, what, sizeof(what), account,
		    sizeof(account));

		T_EQ(r, c[i].what != NULL);
		if (c[i].what) {
			T_STREQ(what, c[i].what);
			T_STREQ(account, c[i].account);
		}
	}
}

/* Appends text to the followed log, then polls it at once. */
static void
append_poll(struct au *a, FILE *f, const char *text)
{
	fputs(text, f);
	fflush(f);
	a->log_polled = 0;
	au_brokerlog_poll(a);
}

/* A followed log: denials recorded once, across a restart; a line still
 * being written waits for its newline; a rotated log is read anew. */
static void
test_follow(void)
{
	struct au a;
	char logpath[64];
	FILE *f;
	long long n;
	const char *why;

	snprintf(path, sizeof(path), "/tmp/test_audit.%d.sqlite",
	    (int)getpid());
	snprintf(logpath, sizeof(logpath), "/tmp/test_audit.%d.log",
	    (int)getpid());
	unlink(path);
	unlink(logpath);
	open_trail(&a);
	a.conf.broker_log = logpath;
	au_brokerlog_poll(&a);		/* no log yet: nothing, no harm */
	T_EQ(a.seq, 0);
	f = fopen(logpath, "w");
	T_ASSERT(f != NULL);
	append_poll(&a, f, "a\tinfo\tAuthenticated as ctl@grid.test\n"
	    "a\twarn\tdenied: login by c1@grid.test (not-authorized)\n"
	    "a\twarn\tdenied: publish on sacm/policy by c1@gr");
	T_EQ(a.seq, 1);
	append_poll(&a, f, "id.test (forbidden)\n");
	T_EQ(a.seq, 2);
	au_store_close(&a);

	/* Restarted: nothing again, then what is new. */
	open_trail(&a);
	a.conf.broker_log = logpath;
	au_brokerlog_poll(&a);
	T_EQ(a.seq, 2);
	append_poll(&a, f,
	    "a\twarn\tdenied: login by c2@grid.test (not-authorized)\n");
	fclose(f);
	T_EQ(a.seq, 3);

	/* Rotated: a new file from its start. */
	unlink(logpath);
	f = fopen(logpath, "w");
	T_ASSERT(f != NULL);
	append_poll(&a, f,
	    "b\twarn\tdenied: login by c3@grid.test (not-authorized)\n");
	fclose(f);
	T_EQ(a.seq, 4);
	T_EQ(au_verify(&a, &n, &why), 0);
	T_EQ(n, 4);
	au_store_close(&a);
	unlink(path);
	unlink(logpath);
}

int
main(void)
{
	T_RUN(test_chain);
	T_RUN(test_fields);
	T_RUN(test_denials);
	T_RUN(test_follow);
	return T_DONE();
}
