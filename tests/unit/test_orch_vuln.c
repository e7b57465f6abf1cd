/* Unit tests: the orchestrator's targeted collections of vulnerability
 * definitions (services/orchestrator/orch_vuln.c) on a real sqlite
 * database, without a broker: once per endpoint and targeted document,
 * the publisher checked, a failed one asked again, a posture taken only
 * for the request it answers. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "orch.h"
#include "t.h"
#include "topics.h"

static struct orch o;

#define REPO	"policy-repo@grid.test/sacm-policy-repo"

static void
endpoint(const char *id, const char *approval)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO endpoint (id, hostname, "
	    "updated, approval) VALUES ('%s', 'h', 'now', '%s')", id,
	    approval);
	if (db_exec(o.db, sql) < 0)
		exit(1);
}

/* Announces definitions id (one hex digit repeated) whose targeted
 * document has digest d (likewise), as publisher. */
static void
announce(char id, char d, const char *publisher)
{
	char ids[65], ds[65], xml[1024];
	struct grid_event ev = { 0 };

	memset(ids, id, 64);
	ids[64] = '\0';
	memset(ds, d, 64);
	ds[64] = '\0';
	snprintf(xml, sizeof(xml), "<vulnerability-definitions xmlns='"
	    SACM_NS "' id='%s' repository='" REPO "'><targeted objects='2' "
	    "digest='%s'><oval_definitions xmlns='http://oval.mitre.org/"
	    "XMLSchema/oval-definitions-5'/></targeted>"
	    "</vulnerability-definitions>", ids, ds);
	ev.node = TOPIC_VULN_DEFS;
	ev.item_id = ids;
	ev.publisher = publisher;
	ev.payload = xml;
	ev.payload_len = strlen(xml);
	orch_vuln_in(&o, &ev);
}

static long
count(const char *where)
{
	char sql[256];
	sqlite3_stmt *st;
	long n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM vuln_targeted%s%s",
	    *where ? " WHERE " : "", where);
	if (db_prep(o.db, sql, &st) == 0 && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
test_once_per_document(void)
{
	/* approved endpoints only */
	T_EQ(count(""), 0);
	announce('a', '1', REPO);
	T_EQ(count(""), 2);
	T_EQ(count("state = 'requested'"), 2);
	T_EQ(count("endpoint = 'e3'"), 0);
	/* another file, the same targeted document: nothing new */
	announce('b', '1', REPO);
	T_EQ(count(""), 2);
	/* another targeted document: asked again */
	announce('c', '2', REPO);
	T_EQ(count(""), 4);
	/* an endpoint approved later gets both */
	db_exec(o.db, "UPDATE endpoint SET approval = 'approved' WHERE id = "
	    "'e3'");
	orch_vuln_welcome(&o, "e3");
	T_EQ(count("endpoint = 'e3'"), 2);
}

static void
test_publisher(void)
{
	long before = count("");

	/* not the repository the announcement names */
	announce('d', '3', "collector-1@grid.test/sacm-collector");
	announce('d', '3', NULL);
	T_EQ(count(""), before);
}

static void
test_posture_and_again(void)
{
	db_exec(o.db, "UPDATE vuln_targeted SET state = 'collecting', "
	    "request = 't-1111111111111111-1-1' WHERE endpoint = 'e1' AND "
	    "digest LIKE '1%'");
	/* another request, another endpoint: not taken */
	T_EQ(orch_vuln_posture(&o, "t-1111111111111111-9-1", "e1",
	    "collected", "e1/x", NULL), 0);
	T_EQ(orch_vuln_posture(&o, "t-1111111111111111-1-1", "e2",
	    "collected", "e2/x", NULL), 0);
	T_EQ(orch_vuln_posture(&o, "c-a-1", "e1", "collected", "e1/x", NULL),
	    0);
	T_EQ(orch_vuln_posture(&o, "t-1111111111111111-1-1", "e1",
	    "collected", "e1/t-1111111111111111-1-1", NULL), 1);
	T_EQ(count("endpoint = 'e1' AND state = 'collected' AND posture = "
	    "'e1/t-1111111111111111-1-1'"), 1);
	/* once only */
	T_EQ(orch_vuln_posture(&o, "t-1111111111111111-1-1", "e1",
	    "collected", "e1/y", NULL), 0);
	/* a failed one is asked again by the next file needing it; a
	 * collected one is not */
	db_exec(o.db, "UPDATE vuln_targeted SET state = 'failed', attempts = "
	    "3 WHERE endpoint = 'e2' AND digest LIKE '1%'");
	/* a file known already (caught up after a restart) changes nothing */
	announce('a', '1', REPO);
	T_EQ(count("endpoint = 'e2' AND digest LIKE '1%' AND state = "
	    "'failed'"), 1);
	announce('e', '1', REPO);
	T_EQ(count("digest LIKE '1%' AND state = 'requested' AND attempts = "
	    "0"), 2);	/* e2 again, and e3's, never sent */
	T_EQ(count("endpoint = 'e1' AND digest LIKE '1%' AND state = "
	    "'collected'"), 1);
}

int
main(void)
{
	char path[] = "/tmp/test_orch_vuln-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);
	memset(&o, 0, sizeof(o));
	o.conf.db = path;
	o.conf.vulnerabilities = 1;
	o.conf.retries = 3;
	if (orch_store_open(&o) < 0)
		return 1;
	endpoint("e1", "approved");
	endpoint("e2", "approved");
	endpoint("e3", "pending");
	T_RUN(test_once_per_document);
	T_RUN(test_publisher);
	T_RUN(test_posture_and_again);
	orch_store_close(&o);
	unlink(path);
	return T_DONE();
}
