/* Unit tests: the orchestrator's vulnerability evaluations
 * (services/orchestrator/orch_vulneval.c) on a real sqlite database,
 * without a broker: a row per endpoint and stream from the stored
 * inventory, evaluated again on a new file or a new inventory only,
 * waiting for the targeted collection, and a result taken only from the
 * evaluator assigned, once. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "db.h"
#include "orch.h"
#include "t.h"
#include "topics.h"

static struct orch o;

#define REPO	"policy-repo@grid.test/sacm-policy-repo"
#define BLOB	"<blob xmlns='http://sacm-grid.dev/protocol/1' " \
		"href='https://u/x' sha256='%s' size='1'/>"

static void
hex(char out[65], char c)
{
	memset(out, c, 64);
	out[64] = '\0';
}

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

/* Definitions id (one hex digit repeated) of stream name, whose targeted
 * document has digest d (0: none). */
static void
announce(char id, const char *name, char d)
{
	char ids[65], ds[65], xml[2048], t[512] = "";
	struct grid_event ev = { 0 };

	hex(ids, id);
	hex(ds, d);
	if (d)
		snprintf(t, sizeof(t), "<targeted objects='2' digest='%s'>"
		    "<oval_definitions xmlns='http://oval.mitre.org/XMLSchema"
		    "/oval-definitions-5'/></targeted>", ds);
	snprintf(xml, sizeof(xml), "<vulnerability-definitions xmlns='"
	    SACM_NS "' id='%s' name='%s' repository='" REPO "'>%s"
	    "</vulnerability-definitions>", ids, name, t);
	ev.node = TOPIC_VULN_DEFS;
	ev.item_id = ids;
	ev.publisher = REPO;
	ev.payload = xml;
	ev.payload_len = strlen(xml);
	orch_vuln_in(&o, &ev);
}

/* A stored posture of endpoint ep for request req with inventory digest
 * inv (one hex digit repeated) and, when sc, an OVAL syschar. */
static void
stored(const char *ep, const char *req, char inv, int sc)
{
	char is[65], xml[2048], b1[256], b2[256];
	xmlDocPtr doc;

	hex(is, inv);
	snprintf(b1, sizeof(b1), BLOB, is);
	snprintf(b2, sizeof(b2), BLOB, is);
	snprintf(xml, sizeof(xml), "<posture-stored xmlns='" SACM_NS "' "
	    "endpoint='%s' request='%s' state='collected' hostname='h'>"
	    "%s%s%s<inventory kind='dpkg' digest='%s'>%s</inventory>"
	    "</posture-stored>", ep, req, sc ? "<syschar kind='oval' digest='"
	    "5555555555555555555555555555555555555555555555555555555555555555"
	    "'>" : "", sc ? b2 : "", sc ? "</syschar>" : "", is, b1);
	doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
	if (doc == NULL)
		exit(1);
	orch_vulneval_stored(&o, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
}

static void
result(const char *req, const char *publisher, const char *state)
{
	char xml[512];
	struct grid_event ev = { 0 };

	snprintf(xml, sizeof(xml), "<vulnerability-result xmlns='" SACM_NS
	    "' request='%s' state='%s'/>", req, state);
	ev.node = TOPIC_EVALUATION_RESULTS;
	ev.item_id = req;
	ev.publisher = publisher;
	ev.payload = xml;
	ev.payload_len = strlen(xml);
	orch_vulneval_result(&o, &ev);
}

static long
count(const char *where)
{
	char sql[512];
	sqlite3_stmt *st;
	long n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM vuln_eval%s%s",
	    *where ? " WHERE " : "", where);
	if (db_prep(o.db, sql, &st) == 0 && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
test_rows_from_inventory(void)
{
	announce('a', "bullseye.xml", '1');
	/* no endpoint has an inventory yet */
	T_EQ(count(""), 0);
	stored("e1", "change-1", '7', 0);
	stored("e3", "change-1", '7', 0);	/* not approved */
	T_EQ(count(""), 1);
	T_EQ(count("endpoint = 'e1' AND name = 'bullseye.xml' AND "
	    "definitions LIKE 'a%' AND state = 'waiting'"), 1);
	T_EQ(db_count(o.db, "SELECT count(*) FROM vuln_inventory", 0), 1);
	/* a document without a targeted collection, of another stream */
	announce('b', "bookworm.xml", 0);
	T_EQ(count("endpoint = 'e1'"), 2);
	T_EQ(db_count(o.db, "SELECT count(*) FROM vuln_targeted WHERE "
	    "digest = ''", 0), 0);
}

static void
test_again_only_when_new(void)
{
	db_exec(o.db, "UPDATE vuln_eval SET state = 'done'");
	/* the same inventory again: nothing to do */
	stored("e1", "c-a-1", '7', 0);
	T_EQ(count("state = 'done'"), 2);
	/* a new one: both streams again */
	stored("e1", "change-2", '8', 0);
	T_EQ(count("state = 'waiting'"), 2);
	db_exec(o.db, "UPDATE vuln_eval SET state = 'done'");
	/* a new file of a stream: that stream's row, with the new file */
	announce('c', "bullseye.xml", '1');
	T_EQ(count("state = 'waiting' AND name = 'bullseye.xml' AND "
	    "definitions LIKE 'c%'"), 1);
	T_EQ(count("state = 'done' AND name = 'bookworm.xml'"), 1);
	/* the same file caught up again after a restart: nothing */
	db_exec(o.db, "UPDATE vuln_eval SET state = 'done'");
	announce('c', "bullseye.xml", '1');
	T_EQ(count("state = 'done'"), 2);
}

static void
test_waits_for_targeted(void)
{
	char d1[65];

	hex(d1, '1');
	db_exec(o.db, "UPDATE vuln_eval SET state = 'waiting', next_check = 0");
	/* no evaluator online: the document without a targeted collection
	 * waits for one; the other waits for its collection first */
	orch_vulneval_tick(&o);
	T_EQ(count("name = 'bookworm.xml' AND reason = 'no evaluator has "
	    "room'"), 1);
	T_EQ(count("name = 'bullseye.xml' AND reason = 'waiting for the "
	    "targeted collection' AND next_check > 0"), 1);
	/* the targeted collection is stored: the row is due at once */
	db_exec(o.db, "UPDATE vuln_targeted SET state = 'collecting', request "
	    "= 't-1-1-1' WHERE endpoint = 'e1'");
	stored("e1", "t-1-1-1", '8', 1);
	T_EQ(orch_vuln_posture(&o, "t-1-1-1", "e1", "collected", "e1/t-1-1-1",
	    NULL), 1);
	T_EQ(db_count(o.db, "SELECT count(*) FROM vuln_targeted WHERE "
	    "endpoint = 'e1' AND syschar LIKE '<syschar%'", 0), 1);
	T_EQ(count("name = 'bullseye.xml' AND next_check = 0"), 1);
	orch_vulneval_tick(&o);
	T_EQ(count("reason = 'no evaluator has room'"), 2);
}

static void
test_result_from_the_assigned(void)
{
	db_exec(o.db, "UPDATE vuln_eval SET state = 'evaluating', request = "
	    "'v-1-1', evaluator = 'evaluator-1@grid.test' WHERE name = "
	    "'bullseye.xml'");
	result("v-1-1", "evaluator-2@grid.test/sacm-evaluator", "complete");
	T_EQ(count("state = 'evaluating'"), 1);
	result("v-9-1", "evaluator-1@grid.test/sacm-evaluator", "complete");
	T_EQ(count("state = 'evaluating'"), 1);
	result("v-1-1/abcd", "evaluator-1@grid.test/sacm-evaluator",
	    "complete");
	T_EQ(count("name = 'bullseye.xml' AND state = 'done'"), 1);
	/* once */
	result("v-1-1", "evaluator-1@grid.test/sacm-evaluator", "failed");
	T_EQ(count("name = 'bullseye.xml' AND state = 'done'"), 1);
	/* a failed evaluation says why */
	db_exec(o.db, "UPDATE vuln_eval SET state = 'evaluating', request = "
	    "'v-1-2' WHERE name = 'bullseye.xml'");
	result("v-1-2", "evaluator-1@grid.test/sacm-evaluator", "failed");
	T_EQ(count("state = 'failed' AND reason = 'the evaluation failed'"),
	    1);
}

int
main(void)
{
	char path[] = "/tmp/test_orch_vulneval-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);
	memset(&o, 0, sizeof(o));
	o.conf.db = path;
	o.conf.vulnerabilities = 1;
	o.conf.retries = 3;
	o.conf.evaluate_timeout = 60;
	if (orch_store_open(&o) < 0)
		return 1;
	endpoint("e1", "approved");
	endpoint("e3", "pending");
	T_RUN(test_rows_from_inventory);
	T_RUN(test_again_only_when_new);
	T_RUN(test_waits_for_targeted);
	T_RUN(test_result_from_the_assigned);
	orch_store_close(&o);
	unlink(path);
	return T_DONE();
}
