/*
 * test_grid - the grid library against a real broker started by sacm-lab.
 *
 * usage: test_grid LAB_DIR OTHER_CA_CRT
 * The lab must have an account "stranger" without a role.  The restart
 * case runs $SACM_TEST_RESTART (a shell command that stops and starts the
 * broker) when it is set.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <strophe.h>

#include "blob.h"
#include "conf.h"
#include "disco.h"
#include "grid.h"
#include "grid_iq.h"
#include "log.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlsafe.h"
#include "../unit/t.h"
#include "grid_test.h"

static const char *other_ca;

/* ---- cases -------------------------------------------------------- */

static int
find_item(const struct grid_event *ev, void *arg)
{
	struct seen *s = arg;

	collect(NULL, ev, s);
	return 0;
}


/* A client that will not do TLS gets no session. */
static int plain_connected;
static void
plain_handler(xmpp_conn_t *c, xmpp_conn_event_t ev, int e,
    xmpp_stream_error_t *se, void *ud)
{
	(void)c; (void)e; (void)se;
	*(int *)ud = ev == XMPP_CONN_CONNECT ? 1 : -1;
}

static void
test_plaintext_refused(void)
{
	struct grid_conf gc;
	xmpp_ctx_t *ctx;
	xmpp_conn_t *conn;
	char pw[256] = "";
	FILE *f;
	int state = 0;

	if (load_conf("orchestrator", &gc) < 0)
		T_FAIL("conf");
	if ((f = fopen(gc.password_file, "r")) && fgets(pw, sizeof(pw), f))
		pw[strcspn(pw, "\n")] = '\0';
	if (f)
		fclose(f);
	xmpp_initialize();
	ctx = xmpp_ctx_new(NULL, NULL);
	conn = xmpp_conn_new(ctx);
	xmpp_conn_set_flags(conn, XMPP_CONN_FLAG_DISABLE_TLS);
	xmpp_conn_set_jid(conn, gc.jid);
	xmpp_conn_set_pass(conn, pw);
	xmpp_connect_client(conn, gc.host, (unsigned short)gc.port,
	    plain_handler, &state);
	for (int i = 0; i < 200 && state == 0; i++)
		xmpp_run_once(ctx, 25);
	plain_connected = state;
	xmpp_conn_release(conn);
	xmpp_ctx_free(ctx);
	free_conf(&gc);
	T_ASSERT(plain_connected != 1);
}

static void
test_wrong_password_refused(void)
{
	struct grid_conf gc;
	struct grid *g;
	char err[512];
	int r;

	if (load_conf("orchestrator", &gc) < 0)
		T_FAIL("conf");
	free(gc.password_file);
	gc.password_file = NULL;
	gc.password = strdup("not-the-password");
	g = grid_new(&gc, err, sizeof(err));
	free_conf(&gc);
	T_ASSERT(g != NULL);
	r = grid_connect(g);
	printf("     (wrong password: %s)\n", grid_errstr(g));
	T_EQ(r, -EKEYREJECTED);
	T_ASSERT(strstr(grid_errstr(g), "authentication") != NULL);
	T_EQ(grid_state(g), GRID_IDLE);
	grid_free(g);
}

static void
test_other_ca_refused(void)
{
	struct grid_conf gc;
	struct grid *g;
	char err[512];
	int r;

	if (load_conf("orchestrator", &gc) < 0)
		T_FAIL("conf");
	free(gc.ca_file);
	gc.ca_file = strdup(other_ca);
	g = grid_new(&gc, err, sizeof(err));
	free_conf(&gc);
	T_ASSERT(g != NULL);
	r = grid_connect(g);
	printf("     (other CA: %s)\n", grid_errstr(g));
	T_EQ(r, -EBADMSG);
	T_ASSERT(strstr(grid_errstr(g), "certificate") != NULL);
	grid_free(g);
}

static void
test_external_auth(void)
{
	struct grid *g = open_as("dashboard-cert");

	T_ASSERT(g != NULL);
	if (g)
		printf("     (EXTERNAL as %s)\n", grid_jid(g));
	done(g);
}

struct typed {
	struct grid	*g;
	int		 found, typed;
};

static int
check_node(const char *jid, const char *node, const char *name, void *arg)
{
	struct typed *t = arg;
	const struct topic_def *def;
	struct disco_info d;

	(void)name;
	if (node == NULL || (def = topic_find(node)) == NULL)
		return 0;
	t->found++;
	if (disco_info(t->g, jid, node, &d) == 0) {
		const char *type = disco_field(&d, "pubsub#type");

		if (type && strcmp(type, def->type) == 0)
			t->typed++;
		else
			fprintf(stderr, "  %s: pubsub#type %s\n", node,
			    type ? type : "(none)");
		disco_info_free(&d);
	}
	return 0;
}

static void
test_topics_discoverable(void)
{
	struct grid *g = open_as("dashboard");
	struct typed t = { g, 0, 0 };

	if (g == NULL)
		T_FAIL("connect");
	T_EQ(disco_items(g, grid_pubsub_jid(g), NULL, check_node, &t), 0);
	done(g);
	T_EQ(t.found, (long long)topic_ndefs);
	T_EQ(t.typed, (long long)topic_ndefs);
}

static void
test_affiliations_enforced(void)
{
	struct grid *stranger = open_as("stranger");
	struct grid *member = open_as("dashboard");
	struct grid *pub = open_as("results-repo");
	char *id = unique("aff"), *pl = payload(id);

	if (!stranger || !member || !pub) {
		done(stranger); done(member); done(pub);
		T_FAIL("connect");
	}
	/* No affiliation: neither subscribe, read nor publish. */
	T_EQ(grid_subscribe(stranger, "sacm/results", 0), -EACCES);
	T_EQ(pubsub_publish(stranger, "sacm/results", id, pl, NULL, NULL),
	    -EACCES);
	/* Member: subscribe yes, publish no. */
	T_EQ(grid_subscribe(member, "sacm/results", 0), 0);
	T_EQ(pubsub_publish(member, "sacm/results", id, pl, NULL, NULL),
	    -EACCES);
	/* Publisher: yes.  And a collector cannot publish results. */
	T_EQ(pubsub_publish(pub, "sacm/results", id, pl, NULL, NULL), 0);
	T_EQ(grid_unsubscribe(member, "sacm/results"), 0);
	done(stranger);
	done(member);
	done(pub);
	{
		struct grid *col = open_as("collector-1");

		T_ASSERT(col != NULL);
		if (col)
			T_EQ(pubsub_publish(col, "sacm/results", id, pl, NULL,
			    NULL), -EACCES);
		done(col);
	}
	free(id);
	free(pl);
}

static void
test_publish_retrieve_and_bad_payloads(void)
{
	struct grid *pub = open_as("results-repo");
	struct seen s = { 0 };
	char *id = unique("get"), *pl = payload(id), *big;
	size_t n = 2u << 20;

	if (!pub)
		T_FAIL("connect");
	T_EQ(pubsub_publish(pub, "sacm/results", id, pl, NULL, NULL), 0);
	T_EQ(pubsub_items(pub, "sacm/results", id, 0, find_item, &s), 0);
	T_EQ(s.n, 1);
	/* Malformed payloads never reach the broker (which would close the
	 * stream); the connection stays up. */
	T_EQ(pubsub_publish(pub, "sacm/results", "x", "<a><b></a>", NULL,
	    NULL), -EINVAL);
	T_EQ(pubsub_publish(pub, "sacm/results", "x", "<!DOCTYPE a [<!ENTITY "
	    "e 'x'>]><a>&e;</a>", NULL, NULL), -EINVAL);
	big = malloc(n + 64);
	strcpy(big, "<a>");
	memset(big + 3, 'x', n);
	strcpy(big + 3 + n, "</a>");
	T_EQ(pubsub_publish(pub, "sacm/results", "x", big, NULL, NULL),
	    -E2BIG);
	free(big);
	/* Unknown topic: item-not-found (ejabberd) or forbidden (Prosody,
	 * which does not tell non-owners which nodes exist). */
	{
		int r = pubsub_publish(pub, "sacm/no-such-topic", "x", pl,
		    NULL, NULL);

		T_ASSERT(r == -ENOENT || r == -EACCES);
	}
	T_EQ(grid_state(pub), GRID_ONLINE);
	/* publish-options that do not match the node are refused. */
	{
		struct pubsub_node_conf o;

		pubsub_node_conf_init(&o);
		o.access_model = "open";
		o.persist_items = 0;
		o.notification_type = NULL;
		o.send_last_published_item = NULL;
		o.publish_model = NULL;
		T_ASSERT(pubsub_publish(pub, "sacm/results", "x", pl, &o,
		    NULL) < 0);
	}
	done(pub);
	seen_free(&s);
	free(id);
	free(pl);
}

static int
count_all(const struct grid_event *ev, void *arg)
{
	(void)ev;
	(*(long *)arg)++;
	return 0;
}

static int
count_ids(const char *jid, const char *node, const char *name, void *arg)
{
	(void)jid; (void)node;
	if (name && strncmp(name, "page-", 5) == 0)
		(*(long *)arg)++;
	return 0;
}

static void
test_items_newest_and_by_id(void)
{
	struct grid *pub = open_as("results-repo");
	struct grid *rd = open_as("dashboard");
	struct seen s = { 0 };
	char *ids[3];

	if (!pub || !rd) {
		done(pub); done(rd);
		T_FAIL("connect");
	}
	for (int i = 0; i < 3; i++) {
		char *pl;

		ids[i] = unique("newest");
		pl = payload(ids[i]);
		T_EQ(pubsub_publish(pub, "sacm/results", ids[i], pl, NULL,
		    NULL), 0);
		free(pl);
	}
	T_EQ(pubsub_items(rd, "sacm/results", NULL, 2, find_item, &s), 0);
	T_EQ(s.n, 2);
	T_ASSERT(has(&s, ids[2]) && has(&s, ids[1]) && !has(&s, ids[0]));
	seen_free(&s);
	T_EQ(pubsub_items(rd, "sacm/results", ids[0], 0, find_item, &s), 0);
	T_EQ(s.n, 1);
	T_ASSERT(strstr(s.payloads[0], ids[0]) != NULL);
	T_ASSERT(strstr(s.payloads[0], "a &amp; b &lt; c") != NULL);
	seen_free(&s);
	T_EQ(pubsub_items(rd, "sacm/results", "no-such-item", 0, find_item,
	    &s), -ENOENT);
	/* All items: more than one XEP-0059 page (100) where the broker
	 * pages, one answer where it does not. */
	for (int i = 0; i < 230; i++) {
		char iid[64], *pl;
		int r;

		snprintf(iid, sizeof(iid), "page-%d", i);
		pl = payload(iid);
		r = pubsub_publish(pub, "sacm/incidents", iid, pl, NULL, NULL);
		free(pl);
		if (r < 0)
			T_FAIL("publish %s: %s", iid, grid_errstr(pub));
	}
	{
		long count = 0;

		T_EQ(pubsub_items(rd, "sacm/incidents", NULL, 0, count_all,
		    &count), 0);
		T_EQ(count, 230);
	}
	/* Several ids in one request: those there are; none, -ENOENT. */
	{
		const char *want[3] = { ids[1], "no-such-item", ids[2] };
		const char *none[2] = { "no-such-item", "nor-this-one" };

		T_EQ(pubsub_items_ids(rd, "sacm/results", want, 3, find_item,
		    &s), 0);
		T_EQ(s.n, 2);
		T_ASSERT(has(&s, ids[1]) && has(&s, ids[2]));
		seen_free(&s);
		T_EQ(pubsub_items_ids(rd, "sacm/results", none, 2, find_item,
		    &s), -ENOENT);
	}
	/* Every item id of a node in one disco#items answer. */
	{
		long count = 0;

		T_EQ(disco_items_all(rd, grid_pubsub_jid(rd), "sacm/incidents",
		    count_ids, &count), 0);
		T_ASSERT(count >= 230);
	}
	T_EQ(pubsub_retract(pub, "sacm/results", ids[0]), 0);
	T_EQ(pubsub_items(rd, "sacm/results", ids[0], 0, find_item, &s),
	    -ENOENT);
	for (int i = 0; i < 3; i++)
		free(ids[i]);
	done(pub);
	done(rd);
}

static void
test_offline_delivery(void)
{
	struct grid *sub = open_as("orchestrator"), *pub;
	struct seen s = { 0 };
	char *id = unique("offline"), *pl = payload(id);
	int i;

	if (!sub)
		T_FAIL("connect");
	T_EQ(grid_subscribe(sub, "sacm/evaluation/results", 0), 0);
	done(sub);
	pub = open_as("evaluator-1");
	T_ASSERT(pub != NULL);
	if (pub)
		T_EQ(pubsub_publish(pub, "sacm/evaluation/results", id, pl,
		    NULL, NULL), 0);
	done(pub);
	sub = open_as("orchestrator");
	if (!sub)
		T_FAIL("reconnect");
	grid_set_event_handler(sub, collect, &s);
	wait_for(sub, &s, id, 8000);
	i = has(&s, id);
	T_ASSERT(i > 0);
	if (i)
		T_ASSERT(s.delayed[i - 1]);	/* delivered with <delay/> */
	T_EQ(grid_unsubscribe(sub, "sacm/evaluation/results"), 0);
	done(sub);
	seen_free(&s);
	free(id);
	free(pl);
}

/* The end of a case on sacm/evaluation/results: unsubscribed, closed,
 * freed. */
static void
results_case_end(struct grid *sub, struct grid *pub, struct seen *s,
    char *id, char *pl)
{
	T_EQ(grid_unsubscribe(sub, "sacm/evaluation/results"), 0);
	done(sub);
	done(pub);
	seen_free(s);
	free(id);
	free(pl);
}

/*
 * An item larger than libstrophe reads in one turn (4 KB) is handled in
 * the loop turn that received it, not one whole timeout later: the rest
 * of its TLS record is drained (grid.c run_once).
 */
static void
test_large_item_one_turn(void)
{
	struct grid *sub = open_as("orchestrator");
	struct grid *pub = open_as("evaluator-1");
	struct seen s = { 0 };
	struct timespec a, b;
	char *id = unique("large"), *pl;
	long ms;

	if (!sub || !pub) {
		done(sub); done(pub);
		T_FAIL("connect");
	}
	if (asprintf(&pl, "<probe xmlns='urn:test:grid'><id>%s</id><text>%0*d"
	    "</text></probe>", id, 12000, 0) < 0)
		abort();
	grid_set_event_handler(sub, collect, &s);
	T_EQ(grid_subscribe(sub, "sacm/evaluation/results", 0), 0);
	T_EQ(pubsub_publish(pub, "sacm/evaluation/results", id, pl, NULL,
	    NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 4 && !has(&s, id); i++)
		grid_run_once(sub, 3000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	T_ASSERT(has(&s, id));
	printf("     a 12 KB item handled %ld ms after its publish was "
	    "answered (turns of 3 s)\n", ms);
	T_ASSERT(ms < 1500);
	results_case_end(sub, pub, &s, id, pl);
}

/* Publishing the same item twice is two events; catch-up of an item
 * already delivered is none. */
static void
test_republish_delivered(void)
{
	struct grid *sub = open_as("orchestrator"), *pub = open_as("evaluator-1");
	struct seen s = { 0 };
	char *id = unique("again"), *pl = payload(id);
	int n = 0;

	if (!sub || !pub) {
		done(sub); done(pub);
		T_FAIL("connect");
	}
	grid_set_event_handler(sub, collect, &s);
	T_EQ(grid_subscribe(sub, "sacm/evaluation/results", GRID_SUB_CATCHUP),
	    0);
	T_EQ(pubsub_publish(pub, "sacm/evaluation/results", id, pl, NULL,
	    NULL), 0);
	wait_for(sub, &s, id, 5000);
	T_EQ(pubsub_publish(pub, "sacm/evaluation/results", id, pl, NULL,
	    NULL), 0);
	for (int i = 0; i < 100; i++)
		grid_run_once(sub, 20);
	for (int i = 0; i < s.n; i++)
		n += strcmp(s.ids[i], id) == 0;
	T_EQ(n, 2);
	/* A re-subscription with catch-up finds it again: suppressed. */
	T_EQ(grid_subscribe(sub, "sacm/evaluation/results", GRID_SUB_CATCHUP),
	    0);
	for (int i = 0; i < 20; i++)
		grid_run_once(sub, 20);
	n = 0;
	for (int i = 0; i < s.n; i++)
		n += strcmp(s.ids[i], id) == 0;
	T_EQ(n, 2);
	results_case_end(sub, pub, &s, id, pl);
}

static void
test_broker_restart(void)
{
	const char *restart = getenv("SACM_TEST_RESTART");
	struct grid *sub = open_as("orchestrator"), *pub;
	struct seen s = { 0 };
	char *a = unique("before-a"), *b = unique("before-b");
	char *c = unique("after"), *pa = payload(a), *pb = payload(b);
	char *pc = payload(c);

	if (restart == NULL) {
		printf("     (skipped: SACM_TEST_RESTART not set)\n");
		t_skipped++;
		goto out;
	}
	if (!sub)
		T_FAIL("connect");
	grid_set_event_handler(sub, collect, &s);
	T_EQ(grid_subscribe(sub, "sacm/evaluation/results", GRID_SUB_CATCHUP),
	    0);
	pub = open_as("evaluator-1");
	T_ASSERT(pub != NULL);
	T_EQ(pubsub_publish(pub, "sacm/evaluation/results", a, pa, NULL, NULL),
	    0);
	T_EQ(pubsub_publish(pub, "sacm/evaluation/results", b, pb, NULL, NULL),
	    0);
	done(pub);
	/* The broker goes away at once: b may still be in flight to sub. */
	T_EQ(system(restart), 0);
	pub = open_as("evaluator-1");
	T_ASSERT(pub != NULL);
	if (pub)
		T_EQ(pubsub_publish(pub, "sacm/evaluation/results", c, pc,
		    NULL, NULL), 0);
	done(pub);
	wait_for(sub, &s, c, 30000);
	wait_for(sub, &s, a, 2000);
	wait_for(sub, &s, b, 2000);
	printf("     (reconnects: %u, events: %d)\n", grid_reconnects(sub),
	    s.n);
	T_ASSERT(grid_reconnects(sub) >= 1);
	T_ASSERT(has(&s, a));
	T_ASSERT(has(&s, b));
	T_ASSERT(has(&s, c));
	T_EQ(grid_unsubscribe(sub, "sacm/evaluation/results"), 0);
out:
	done(sub);
	seen_free(&s);
	free(a); free(b); free(c); free(pa); free(pb); free(pc);
}

static void
test_blob_round_trip(void)
{
	struct grid *g = open_as("policy-repo");
	struct blob_ref ref;
	size_t n = 15u << 20, got_len = 0;
	char *data, *got = NULL, err[512];
	unsigned x = 12345;

	if (!g)
		T_FAIL("connect");
	/* 15 MB of SCAP-like text: compressible but not trivially. */
	data = malloc(n);
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = "<>abcdefghijklmnopqrstuvwxyz /=\"\n"[(x >> 16) % 33];
	}
	T_EQ(blob_put(g, "test.xml", data, n, "application/xml", 1, &ref), 0);
	T_EQ(blob_get(g, &ref, n, &got, &got_len, err, sizeof(err)), 0);
	T_EQ(got_len, n);
	T_ASSERT(got && memcmp(got, data, n) == 0);
	free(got);
	got = NULL;
	/* Over the caller's limit after decompression. */
	T_EQ(blob_get(g, &ref, n - 1, &got, &got_len, err, sizeof(err)),
	    -E2BIG);
	/* A tampered digest is caught and nothing is returned. */
	ref.sha256[0] = ref.sha256[0] == '0' ? '1' : '0';
	T_EQ(blob_get(g, &ref, n, &got, &got_len, err, sizeof(err)),
	    -EBADMSG);
	T_ASSERT(strstr(err, "sha256") != NULL);
	T_ASSERT(got == NULL);
	ref.sha256[0] = ref.sha256[0] == '0' ? '1' : '0';
	/* A wrong size too. */
	ref.size -= 1;
	T_EQ(blob_get(g, &ref, n, &got, &got_len, err, sizeof(err)),
	    -EBADMSG);
	blob_ref_free(&ref);
	free(data);
	done(g);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_grid LAB_DIR OTHER_CA_CRT\n");
		return 2;
	}
	lab = argv[1];
	other_ca = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("test_grid", getenv("SACM_TEST_DEBUG") ? LOG_LVL_DEBUG :
	    LOG_LVL_WARN, 1);
	T_RUN(test_plaintext_refused);
	T_RUN(test_wrong_password_refused);
	T_RUN(test_other_ca_refused);
	T_RUN(test_external_auth);
	T_RUN(test_topics_discoverable);
	T_RUN(test_affiliations_enforced);
	T_RUN(test_publish_retrieve_and_bad_payloads);
	T_RUN(test_items_newest_and_by_id);
	T_RUN(test_offline_delivery);
	T_RUN(test_large_item_one_turn);
	T_RUN(test_blob_round_trip);
	T_RUN(test_republish_delivered);
	T_RUN(test_broker_restart);
	return T_DONE();
}
