/*
 * bench_grid - publish-to-event latency and throughput through the grid
 * library, and the same through a bare libstrophe client, on a real broker.
 *
 * usage: bench_grid grid|bare LAB_DIR [N_LATENCY] [N_THROUGHPUT]
 * prints: MODE p50_ms p99_ms events_per_s
 *
 * usage: bench_grid grid-iq|bare-iq LAB_DIR [N]
 * prints: MODE first_us last_us first_per_s last_per_s peak_rss_kb
 * N pings to the server on one connection (account orchestrator), 256 in
 * flight; the client's CPU time a request, and requests a second, over
 * the first and over the last tenth.  A client that keeps something per
 * request it ever made slows down as N grows (libstrophe's id handlers
 * do; the grid library matches answers in a table of its own).
 *
 * A forked subscriber (account orchestrator) receives events on
 * sacm/results and measures each one against the CLOCK_MONOTONIC stamp
 * the publisher (account results-repo) put in the 1 KB payload.  Latency:
 * one publish every 3 ms.  Throughput: N items with 50 requests in flight,
 * first to last event at the subscriber.  Both clients use TCP_NODELAY and
 * no stream management, so the difference is the library's own cost.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <strophe.h>

#include "conf.h"
#include "grid.h"
#include "grid_iq.h"
#include "log.h"
#include "pubsub.h"

#define NODE	"sacm/results"
#define WINDOW	50

static int nlat = 300, nthr = 3000, bare_mode;
static const char *lab;

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t
now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static void
load(const char *account, struct grid_conf *gc, char *pw, size_t pwlen)
{
	char path[1024], err[512];
	struct conf_table t = { grid_conf_opts, grid_conf_nopts, gc };
	FILE *f;

	memset(gc, 0, sizeof(*gc));
	snprintf(path, sizeof(path), "%s/accounts/%s.conf", lab, account);
	if (conf_load(path, &t, 1, err, sizeof(err)) < 0)
		fatalx("%s", err);
	if ((f = fopen(gc->password_file, "r")) == NULL ||
	    fgets(pw, (int)pwlen, f) == NULL)
		fatal("%s", gc->password_file);
	fclose(f);
	pw[strcspn(pw, "\n")] = '\0';
}

/* ---- the measurements --------------------------------------------- */

struct stats {
	uint64_t	*lat;
	int		 nl;
	int		 nt;
	uint64_t	 first, last;
};

static void
record(struct stats *s, const char *payload)
{
	const char *p = strstr(payload, "t=");
	uint64_t t, now = now_ns();

	if (p == NULL)
		return;
	t = strtoull(p + 3, NULL, 10);
	if (strstr(payload, "ph=\"L\"") || strstr(payload, "ph='L'")) {
		if (s->nl < nlat)
			s->lat[s->nl++] = now - t;
	} else {
		if (s->nt == 0)
			s->first = now;
		s->last = now;
		s->nt++;
	}
}

static char *
make_payload(char phase, int seq)
{
	static char buf[1200];
	char pad[1025];

	memset(pad, 'x', 960);
	pad[960] = '\0';
	snprintf(buf, sizeof(buf), "<b xmlns='urn:bench' ph='%c' seq='%d' "
	    "t='%llu'>%s</b>", phase, seq, (unsigned long long)now_ns(), pad);
	return buf;
}

/* ---- bare libstrophe ------------------------------------------------ */

struct bare {
	xmpp_ctx_t	*ctx;
	xmpp_conn_t	*conn;
	int		 state;		/* 0 connecting, 1 up, -1 failed */
	int		 inflight;
	int		 acked;
	struct stats	*st;
};

static int
nodelay(xmpp_conn_t *c, void *sock)
{
	int one = 1;

	(void)c;
	return setsockopt(*(int *)sock, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one));
}

static void
bare_conn(xmpp_conn_t *c, xmpp_conn_event_t ev, int e,
    xmpp_stream_error_t *se, void *ud)
{
	struct bare *b = ud;

	(void)c; (void)e; (void)se;
	b->state = ev == XMPP_CONN_CONNECT ? 1 : -1;
}

static void
bare_open(struct bare *b, const char *account)
{
	struct grid_conf gc;
	char pw[256];

	load(account, &gc, pw, sizeof(pw));
	xmpp_initialize();
	b->ctx = xmpp_ctx_new(NULL, NULL);
	b->conn = xmpp_conn_new(b->ctx);
	xmpp_conn_set_flags(b->conn, XMPP_CONN_FLAG_MANDATORY_TLS |
	    XMPP_CONN_FLAG_DISABLE_SM);
	xmpp_conn_set_cafile(b->conn, gc.ca_file);
	xmpp_conn_set_jid(b->conn, gc.jid);
	xmpp_conn_set_pass(b->conn, pw);
	xmpp_conn_set_sockopt_callback(b->conn, nodelay);
	xmpp_connect_client(b->conn, gc.host, (unsigned short)gc.port,
	    bare_conn, b);
	while (b->state == 0)
		xmpp_run_once(b->ctx, 50);
	if (b->state < 0)
		fatalx("bare connect failed");
	xmpp_send_raw_string(b->conn, "<presence/>");
}

/* ---- either client -------------------------------------------------- */

/* The grid library logged in as account; exits on failure. */
static struct grid *
grid_open(const char *account)
{
	struct grid_conf gc;
	struct grid *g;
	char pw[256], err[256];

	load(account, &gc, pw, sizeof(pw));
	if ((g = grid_new(&gc, err, sizeof(err))) == NULL ||
	    grid_connect(g) < 0)
		fatalx("%s: %s", account, g ? grid_errstr(g) : err);
	return g;
}

/* One turn of the client's loop: the grid library's, or bare b's. */
static void
turn(struct bare *b, struct grid *g, int ms)
{
	if (g)
		grid_run_once(g, ms);
	else
		xmpp_run_once(b->ctx, ms);
}

static void
client_close(struct bare *b, struct grid *g)
{
	if (g) {
		grid_close(g);
		grid_free(g);
		return;
	}
	xmpp_disconnect(b->conn);
	for (int i = 0; i < 20; i++)
		xmpp_run_once(b->ctx, 20);
}

static int
bare_ack(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
	struct bare *b = ud;

	(void)c; (void)st;
	b->inflight--;
	b->acked++;
	return 0;
}

static void
bare_iq(struct bare *b, const char *inner)
{
	static unsigned long n;
	char id[32];

	snprintf(id, sizeof(id), "b%lu", ++n);
	xmpp_id_handler_add(b->conn, bare_ack, id, b);
	xmpp_send_raw_string(b->conn, "<iq type='set' id='%s' "
	    "to='pubsub.grid.test'>%s</iq>", id, inner);
	b->inflight++;
}

static void
bare_publish(struct bare *b, const char *payload)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf), "<pubsub xmlns='http://jabber.org/"
	    "protocol/pubsub'><publish node='" NODE "'><item>%s</item>"
	    "</publish></pubsub>", payload);
	bare_iq(b, buf);
}

static int
bare_msg(xmpp_conn_t *c, xmpp_stanza_t *st, void *ud)
{
	struct bare *b = ud;
	xmpp_stanza_t *pl;
	const char *t, *ph;
	char fake[128];

	(void)c;
	pl = xmpp_stanza_get_child_by_path(st, "message", "event", "items",
	    "item", "b", NULL);
	if (pl == NULL)
		return 1;
	t = xmpp_stanza_get_attribute(pl, "t");
	ph = xmpp_stanza_get_attribute(pl, "ph");
	if (t && ph) {
		snprintf(fake, sizeof(fake), "ph='%s' t='%s'", ph, t);
		record(b->st, fake);
	}
	return 1;
}

/* ---- the two roles ---------------------------------------------------- */

static void
on_event(struct grid *g, const struct grid_event *ev, void *arg)
{
	(void)g;
	if (ev->payload)
		record(arg, ev->payload);
}

static void
subscriber(int wfd)
{
	struct stats st = { 0 };
	uint64_t deadline;
	struct grid *g = NULL;
	struct bare b = { 0 };
	char out[256];

	st.lat = calloc((size_t)nlat, sizeof(*st.lat));
	if (bare_mode) {
		b.st = &st;
		bare_open(&b, "orchestrator");
		xmpp_handler_add(b.conn, bare_msg, NULL, "message", NULL, &b);
		bare_iq(&b, "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
		    "<subscribe node='" NODE "' jid='orchestrator@grid.test'/>"
		    "</pubsub>");
		while (b.inflight)
			xmpp_run_once(b.ctx, 10);
	} else {
		g = grid_open("orchestrator");
		if (grid_subscribe(g, NODE, 0) < 0)
			fatalx("subscriber: %s", grid_errstr(g));
		grid_set_event_handler(g, on_event, &st);
	}
	if (write(wfd, "R", 1) != 1)
		fatal("pipe");
	deadline = now_ns() + 120ull * 1000000000ull;
	while ((st.nl < nlat || st.nt < nthr) && now_ns() < deadline)
		turn(&b, g, 10);
	snprintf(out, sizeof(out), "%d %d %llu", st.nl, st.nt,
	    (unsigned long long)(st.last - st.first));
	/* A header line, then one latency (ns) per line. */
	dprintf(wfd, "%s\n", out);
	for (int i = 0; i < st.nl; i++)
		dprintf(wfd, "%llu\n", (unsigned long long)st.lat[i]);
	if (g)
		grid_unsubscribe(g, NODE);
	client_close(&b, g);
	_exit(0);
}

static void
grid_acked(struct grid *g, int status, void *arg)
{
	(void)g;
	if (status < 0)
		fatalx("publish failed: %d", status);
	(*(int *)arg)--;
}

static void
publisher(void)
{
	struct grid *g = NULL;
	struct bare b = { 0 };
	int inflight = 0;

	if (bare_mode)
		bare_open(&b, "results-repo");
	else
		g = grid_open("results-repo");
#define PUB(ph, i) do {							\
	if (bare_mode)							\
		bare_publish(&b, make_payload(ph, i));			\
	else {								\
		if (pubsub_publish_async(g, NODE, NULL,			\
		    make_payload(ph, i), grid_acked, &inflight) < 0)	\
			fatalx("publish: %s", grid_errstr(g));		\
		inflight++;						\
	}								\
} while (0)
#define INFLIGHT (bare_mode ? b.inflight : inflight)

	for (int i = 0; i < nlat; i++) {
		uint64_t next = now_ns() + 3000000ull;

		PUB('L', i);
		while (now_ns() < next)
			turn(&b, g, 1);
	}
	while (INFLIGHT > 0)
		turn(&b, g, 5);
	for (int i = 0; i < nthr; i++) {
		while (INFLIGHT >= WINDOW)
			turn(&b, g, 5);
		PUB('T', i);
	}
	while (INFLIGHT > 0)
		turn(&b, g, 5);
	client_close(&b, g);
}

/* ---- requests on one connection ---------------------------------- */

#define IQ_WINDOW	256
#define PING		"<ping xmlns='urn:xmpp:ping'/>"

static void
iq_done(struct grid *g, int status, xmpp_stanza_t *reply, void *arg)
{
	(void)g; (void)reply;
	if (status < 0)
		fatalx("ping failed: %d", status);
	(*(int *)arg)--;
}

static void
bare_ping(struct bare *b)
{
	static unsigned long n;
	char id[32];

	snprintf(id, sizeof(id), "p%lu", ++n);
	xmpp_id_handler_add(b->conn, bare_ack, id, b);
	xmpp_send_raw_string(b->conn, "<iq type='get' id='%s'>" PING "</iq>",
	    id);
	b->inflight++;
}

static int
requests(int bare, int n)
{
	struct grid *g = NULL;
	struct bare b = { 0 };
	int inflight = 0, tenth = n / 10, sent = 0;
	uint64_t cpu[4], wall[4];
	struct rusage ru;

	if (bare)
		bare_open(&b, "orchestrator");
	else
		g = grid_open("orchestrator");
	for (int w = 0; w < 4; w++) {
		/* windows: [0, tenth) and [n - tenth, n) */
		int until = w == 0 ? 0 : w == 1 ? tenth : w == 2 ?
		    n - tenth : n;

		while (sent < until) {
			while ((bare ? b.inflight : inflight) >= IQ_WINDOW)
				turn(&b, g, 5);
			if (bare)
				bare_ping(&b);
			else if (grid_iq_async(g, NULL, "get", PING, iq_done,
			    &inflight) < 0)
				fatalx("ping: %s", grid_errstr(g));
			else
				inflight++;
			sent++;
		}
		cpu[w] = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		wall[w] = now_ns();
	}
	while ((bare ? b.inflight : inflight) > 0)
		turn(&b, g, 5);
	getrusage(RUSAGE_SELF, &ru);
	printf("%s %.1f %.1f %.0f %.0f %ld\n", bare ? "bare-iq" : "grid-iq",
	    (cpu[1] - cpu[0]) / 1e3 / tenth, (cpu[3] - cpu[2]) / 1e3 / tenth,
	    tenth / ((wall[1] - wall[0]) / 1e9),
	    tenth / ((wall[3] - wall[2]) / 1e9), ru.ru_maxrss);
	client_close(&b, g);
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int fds[2], status;
	pid_t pid;
	char c;
	FILE *in;
	int nl, nt;
	unsigned long long span;
	uint64_t *lat;

	if (argc >= 3 && (strcmp(argv[1], "grid-iq") == 0 ||
	    strcmp(argv[1], "bare-iq") == 0)) {
		lab = argv[2];
		log_init("bench_grid", LOG_LVL_WARN, 0);
		return requests(argv[1][0] == 'b', argc > 3 ?
		    atoi(argv[3]) : 40000);
	}
	if (argc < 3 || (strcmp(argv[1], "grid") && strcmp(argv[1], "bare"))) {
		fprintf(stderr, "usage: bench_grid grid|bare LAB_DIR "
		    "[N_LATENCY] [N_THROUGHPUT]\n"
		    "       bench_grid grid-iq|bare-iq LAB_DIR [N]\n");
		return 2;
	}
	bare_mode = strcmp(argv[1], "bare") == 0;
	lab = argv[2];
	if (argc > 3)
		nlat = atoi(argv[3]);
	if (argc > 4)
		nthr = atoi(argv[4]);
	log_init("bench_grid", LOG_LVL_WARN, 0);
	if (pipe(fds) < 0)
		fatal("pipe");
	if ((pid = fork()) == 0) {
		close(fds[0]);
		subscriber(fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		fatalx("subscriber did not start");
	publisher();
	in = fdopen(fds[0], "r");
	if (fscanf(in, "%d %d %llu", &nl, &nt, &span) != 3)
		fatalx("no result from the subscriber");
	lat = calloc((size_t)nl + 1, sizeof(*lat));
	for (int i = 0; i < nl; i++)
		if (fscanf(in, "%llu", (unsigned long long *)&lat[i]) != 1)
			fatalx("short result");
	waitpid(pid, &status, 0);
	if (nl < nlat || nt < nthr)
		fatalx("lost events: latency %d/%d, throughput %d/%d", nl,
		    nlat, nt, nthr);
	qsort(lat, (size_t)nl, sizeof(*lat), cmp_u64);
	printf("%s %.3f %.3f %.0f\n", argv[1], lat[nl / 2] / 1e6,
	    lat[(nl * 99) / 100] / 1e6,
	    span ? (nt - 1) / (span / 1e9) : 0.0);
	free(lat);
	return 0;
}
