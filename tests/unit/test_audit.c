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

int
main(void)
{
	T_RUN(test_chain);
	T_RUN(test_fields);
	return T_DONE();
}
