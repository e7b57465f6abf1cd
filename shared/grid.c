/*
 * grid.c - the XMPP-Grid connection (grid.h): its life cycle and the
 * connection state machine (idle -> connecting -> online -> wait-retry),
 * with the reasons a connection fails (TLS verification, SASL, stream
 * errors) turned into one clear error.  The rest of the handle lives in
 * the files grid_private.h lists.
 *
 * XEP-0198 stream management is off.  Loss is covered instead by bare-JID
 * subscriptions with notification_type=normal (the broker keeps events for
 * an offline account) plus item retrieval after every (re)connect
 * (pubsub_sub.c).  SM would double the stanza count, keep a copy of every
 * unacknowledged stanza, and leave hibernating sessions that swallow
 * offline delivery (reference notes, pitfalls 1 and 2).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "grid_private.h"
#include "log.h"
#include "xmlsafe.h"

static const char *const state_names[] = {
	"idle", "connecting", "online", "wait-retry"
};

/* The certfail handler of libstrophe has no user pointer; the process
 * is single-threaded, so the last verification error is kept here. */
static char tls_verify_error[256];

uint64_t
grid_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
grid_send(struct grid *g, const char *data, size_t len)
{
	xmlDocPtr doc;
	char err[256];

	if (g->state != GRID_ONLINE || g->conn == NULL)
		return -ENOTCONN;
	if (xmlsafe_parse(data, len, len + 1, &doc, err, sizeof(err)) < 0) {
		log_warnx("grid %s: not sending a stanza that is not "
		    "well-formed (%s): %.120s", g->bare, err, data);
		return -EPROTO;
	}
	xmlFreeDoc(doc);
	xmpp_send_raw(g->conn, data, len);
	return 0;
}

void
jid_bare(const char *jid, char *out, size_t len)
{
	snprintf(out, len, "%.*s", (int)strcspn(jid ? jid : "", "/"),
	    jid ? jid : "");
}

int
grid_random_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[64];
	size_t got = 0;

	if (n > sizeof(r))
		return -EINVAL;
	while (got < n) {
		ssize_t k = getrandom(r + got, n - got, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		got += (size_t)k;
	}
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}

const char *
grid_state_name(enum grid_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ?
	    state_names[s] : "?";
}

static void
set_state(struct grid *g, enum grid_state s)
{
	if (g->state == s)
		return;
	log_info("grid %s: %s -> %s", g->bare, state_names[g->state],
	    state_names[s]);
	g->state = s;
}

int
grid_fail(struct grid *g, int err, const char *fmt, ...)
{
	va_list ap;

	g->errcode = err;
	va_start(ap, fmt);
	vsnprintf(g->err, sizeof(g->err), fmt, ap);
	va_end(ap);
	return err;
}

const char *
grid_errstr(const struct grid *g)
{
	return g->err[0] ? g->err : "no error";
}

enum grid_state
grid_state(const struct grid *g)
{
	return g->state;
}

const char *
grid_jid(const struct grid *g)
{
	const char *j = g->conn ? xmpp_conn_get_bound_jid(g->conn) : NULL;

	return j ? j : g->conf.jid;
}

const char *
grid_bare_jid(const struct grid *g)
{
	return g->bare;
}

const char *
grid_pubsub_jid(const struct grid *g)
{
	return g->pubsub;
}

const char *
grid_domain(const struct grid *g)
{
	return g->grid_domain;
}

const char *
grid_upload_jid(const struct grid *g)
{
	return g->upload;
}

const struct grid_conf *
grid_get_conf(const struct grid *g)
{
	return &g->conf;
}

unsigned
grid_reconnects(const struct grid *g)
{
	return g->reconnects;
}

xmpp_ctx_t *
grid_xmpp_ctx(struct grid *g)
{
	return g->ctx;
}

void
grid_set_event_handler(struct grid *g, grid_event_fn *fn, void *arg)
{
	g->on_event = fn;
	g->on_event_arg = arg;
}

/* libstrophe's log: kept at debug, and its errors remembered so that a
 * failed connection can say why (SASL and TLS failures arrive as a plain
 * disconnect otherwise). */
static void
xlog_handler(void *ud, xmpp_log_level_t level, const char *area,
    const char *msg)
{
	struct grid *g = ud;
	int e;

	/* A refused or unreachable TCP connect reaches the connection
	 * handler with no error (libstrophe 0.12 logs it at debug only):
	 * without this a broker that is down reads as a refused login. */
	if (strcmp(area, "xmpp") == 0 &&
	    sscanf(msg, "connection failed, error %d", &e) == 1 && e > 0)
		g->sockerr = e;
	if (level >= XMPP_LEVEL_ERROR || (level >= XMPP_LEVEL_WARN &&
	    (strcmp(area, "tls") == 0 || strcmp(area, "auth") == 0 ||
	    strcmp(area, "xmpp") == 0))) {
		snprintf(g->lasterr, sizeof(g->lasterr), "%s: %s", area, msg);
		if (strcmp(area, "auth") == 0 || strcmp(area, "sasl") == 0)
			g->auth_failed = 1;
	}
	if (log_getlevel() >= LOG_LVL_DEBUG)
		log_debug("strophe %s: %.400s", area, msg);
}

static int
certfail(const xmpp_tlscert_t *cert, const char *const errormsg)
{
	(void)cert;
	snprintf(tls_verify_error, sizeof(tls_verify_error), "%s", errormsg);
	return 0;
}

/*
 * No Nagle, and TCP keepalive as libstrophe's xmpp_sockopt_cb_keepalive
 * sets it (probes after 60 s idle, every 30 s, 3 of them: a dead idle
 * broker is noticed in 150 s), without its TCP_USER_TIMEOUT of 150 s.
 * That one also ends a connection the broker keeps alive but does not
 * read (a zero window): ejabberd's session process does not read while
 * it waits to write to a client that is behind, and at 10,000 endpoints
 * the results repository was behind for longer than 150 s and lost its
 * session every run (docs/architecture.md).  Data unacknowledged by a
 * dead host ends the connection after the kernel's retransmissions
 * (tcp_retries2).
 */
static int
sockopt_nodelay(xmpp_conn_t *conn, void *sockp)
{
	int fd = *(int *)sockp, one = 1, idle = 60, intvl = 30, cnt = 3;

	(void)conn;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
	    sizeof(idle)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof(intvl)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) < 0)
		return -1;
	return 0;
}

static char *
read_first_line(const char *path, char *err, size_t errlen)
{
	char line[1024];
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fgets(line, sizeof(line), f) == NULL) {
		snprintf(err, errlen, "%s: empty", path);
		fclose(f);
		return NULL;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return strdup(line);
}

char *
grid_dupnull(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void
free_conf(struct grid_conf *c)
{
	free(c->jid); free(c->password_file); free(c->password);
	free(c->cert); free(c->key); free(c->ca_file); free(c->host);
	free(c->pubsub); free(c->upload); free(c->upload_resolve);
	free(c->resource); free(c->domain); free(c->presence_allow);
}

static void configure_conn(struct grid *);

/* The i-th address of conf.host (a list: a cluster's nodes), or the
 * domain when there is none. */
static void
set_host(struct grid *g, unsigned i)
{
	const char *p = g->conf.host;
	size_t n;

	g->host_i = i;
	snprintf(g->host, sizeof(g->host), "%s", g->domain);
	for (unsigned k = 0; p && *p; k++) {
		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == 0)
			break;
		if (k == i) {
			snprintf(g->host, sizeof(g->host), "%.*s", (int)n, p);
			return;
		}
		p += n;
	}
}

const char *
grid_host(const struct grid *g)
{
	return g->host;
}

static struct grid *create(const struct grid_conf *, struct grid *share,
    char *, size_t);

struct grid *
grid_new(const struct grid_conf *conf, char *err, size_t errlen)
{
	return create(conf, NULL, err, errlen);
}

struct grid *
grid_new_sibling(struct grid *first, const char *resource, char *err,
    size_t errlen)
{
	struct grid_conf c = first->conf;
	struct grid *g;

	c.jid = first->bare;	/* the account's, another resource */
	c.resource = (char *)resource;
	c.password_file = NULL;	/* read once already */
	c.password = first->password;
	if ((g = create(&c, first, err, errlen)) != NULL)
		g->priority = -1;
	return g;
}

static struct grid *
create(const struct grid_conf *conf, struct grid *share, char *err,
    size_t errlen)
{
	struct grid *g;
	const char *at, *slash;
	char *tmp;
	size_t n;

	if (conf->jid == NULL || (at = strchr(conf->jid, '@')) == NULL ||
	    at == conf->jid || at[1] == '\0' || at[1] == '/') {
		snprintf(err, errlen, "jid: need user@domain");
		return NULL;
	}
	if (conf->ca_file == NULL && !conf->insecure_trust_any_cert) {
		snprintf(err, errlen, "ca_file: the broker's CA is required");
		return NULL;
	}
	if (conf->password_file == NULL && conf->password == NULL &&
	    conf->cert == NULL) {
		snprintf(err, errlen, "need password_file, password or cert");
		return NULL;
	}
	if ((conf->cert == NULL) != (conf->key == NULL)) {
		snprintf(err, errlen, "cert and key go together");
		return NULL;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((g->caps = caps_new("client", "bot", "SACM Grid")) == NULL ||
	    caps_add_feature(g->caps, "urn:xmpp:ping") < 0) {
		caps_free(g->caps);
		free(g);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->conf = *conf;
	g->conf.jid = grid_dupnull(conf->jid);
	g->conf.password_file = grid_dupnull(conf->password_file);
	g->conf.password = NULL;
	g->conf.cert = grid_dupnull(conf->cert);
	g->conf.key = grid_dupnull(conf->key);
	g->conf.ca_file = grid_dupnull(conf->ca_file);
	g->conf.host = grid_dupnull(conf->host);
	g->conf.pubsub = grid_dupnull(conf->pubsub);
	g->conf.domain = grid_dupnull(conf->domain);
	g->conf.upload = grid_dupnull(conf->upload);
	g->conf.upload_resolve = grid_dupnull(conf->upload_resolve);
	g->conf.presence_allow = grid_dupnull(conf->presence_allow);
	g->conf.resource = NULL;
	if (conf->resource && strchr(conf->jid, '/') == NULL) {
		if (asprintf(&tmp, "%s/%s", conf->jid, conf->resource) < 0) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		free(g->conf.jid);
		g->conf.jid = tmp;
	}
	if (conf->port == 0)
		g->conf.port = 5222;
	if (conf->connect_timeout_ms == 0)
		g->conf.connect_timeout_ms = 15000;
	if (conf->iq_timeout_ms == 0)
		g->conf.iq_timeout_ms = 30000;
	if (conf->max_item_size == 0)
		g->conf.max_item_size = 1024 * 1024;
	if (conf->reconnect_max_ms == 0)
		g->conf.reconnect_max_ms = 30000;

	if (conf->password_file) {
		if ((g->password = read_first_line(conf->password_file, err,
		    errlen)) == NULL)
			goto fail;
	} else if (conf->password)
		g->password = strdup(conf->password);

	at = strchr(g->conf.jid, '@');
	slash = strchr(at, '/');
	n = slash ? (size_t)(slash - at - 1) : strlen(at + 1);
	g->domain = strndup(at + 1, n);
	g->bare = strndup(g->conf.jid, (size_t)(at - g->conf.jid) + 1 + n);
	g->grid_domain = strdup(g->conf.domain ? g->conf.domain :
	    g->domain ? g->domain : "");
	if (g->conf.pubsub)
		g->pubsub = strdup(g->conf.pubsub);
	else if (asprintf(&tmp, "pubsub.%s", g->grid_domain) >= 0)
		g->pubsub = tmp;
	if (g->conf.upload)
		g->upload = strdup(g->conf.upload);
	else if (asprintf(&tmp, "upload.%s", g->grid_domain) >= 0)
		g->upload = tmp;
	if (!g->domain || !g->grid_domain || !g->bare || !g->pubsub ||
	    !g->upload) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (const char *p = g->conf.host; p && *p; ) {
		size_t w;

		p += strspn(p, " \t,");
		if ((w = strcspn(p, " \t,")) == 0)
			break;
		if (w >= sizeof(g->host) || ++g->nhosts > 16) {
			snprintf(err, errlen, "host: at most 16 addresses of "
			    "at most %zu characters", sizeof(g->host) - 1);
			goto fail;
		}
		p += w;
	}
	set_host(g, 0);

	xmpp_initialize();
	g->xlog.handler = xlog_handler;
	g->xlog.userdata = g;
	g->ctx_shared = share != NULL;
	if ((g->ctx = share ? share->ctx : xmpp_ctx_new(NULL, &g->xlog)) ==
	    NULL || (g->conn = xmpp_conn_new(g->ctx)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	configure_conn(g);
	backoff_init(&g->backoff, 250, (unsigned)g->conf.reconnect_max_ms,
	    (unsigned)getpid() ^ (unsigned)grid_now_ms());
	return g;
fail:
	grid_free(g);
	return NULL;
}


void
grid_free(struct grid *g)
{
	if (g == NULL)
		return;
	grid_client_free(g);
	grid_events_free(g);
	grid_subs_free(g);
	grid_server_free(g);
	caps_free(g->caps);
	if (g->conn)
		xmpp_conn_release(g->conn);
	if (g->ctx && !g->ctx_shared)
		xmpp_ctx_free(g->ctx);
	if (g->password) {
		explicit_bzero(g->password, strlen(g->password));
		free(g->password);
	}
	free(g->domain); free(g->bare); free(g->pubsub); free(g->upload);
	free(g->grid_domain);
	free_conf(&g->conf);
	free(g);
}

/* ---- connection ----------------------------------------------------- */

static void start_connect(struct grid *);

static void
conn_handler(xmpp_conn_t *conn, xmpp_conn_event_t status, int error,
    xmpp_stream_error_t *se, void *ud)
{
	struct grid *g = ud;

	(void)conn;
	if (status == XMPP_CONN_CONNECT) {
		backoff_reset(&g->backoff);
		if (g->ever_online)
			g->reconnects++;
		g->ever_online = 1;
		g->err[0] = '\0';
		g->told[0] = '\0';
		xmpp_handler_add(g->conn, grid_on_message, NULL, "message",
		    NULL, g);
		xmpp_handler_add(g->conn, grid_on_iq, NULL, "iq", NULL, g);
		xmpp_handler_add(g->conn, grid_on_presence, NULL, "presence",
		    NULL, g);
		set_state(g, GRID_ONLINE);
		/* Who is online is told again after our presence. */
		if (g->on_presence)
			g->on_presence(g, NULL, -1, g->on_presence_arg);
		grid_send_presence(g);
		g->need_resync = 1;
		return;
	}
	if (status == XMPP_CONN_RAW_CONNECT)
		return;

	/* XMPP_CONN_DISCONNECT or XMPP_CONN_FAIL */
	xmpp_handler_delete(g->conn, grid_on_message);
	xmpp_handler_delete(g->conn, grid_on_iq);
	xmpp_handler_delete(g->conn, grid_on_presence);
	grid_fail_pending(g, -ENOTCONN);
	if (tls_verify_error[0])
		grid_fail(g, -EBADMSG, "broker certificate not trusted: %s",
		    tls_verify_error);
	else if (se && se->type == XMPP_SE_NOT_AUTHORIZED)
		grid_fail(g, -EKEYREJECTED, "authentication failed");
	else if (se)
		grid_fail(g, -ECONNRESET, "stream error from the broker%s%s",
		    se->text ? ": " : "", se->text ? se->text : "");
	else if (error || g->sockerr)
		grid_fail(g, -(error ? error : g->sockerr),
		    "cannot reach the broker at %s:%ld: %s",
		    g->host, g->conf.port,
		    strerror(error ? error : g->sockerr));
	else if (g->state == GRID_CONNECTING)
		/* No error and never online: libstrophe closes this way
		 * when SASL fails (reference notes, pitfall 5). */
		grid_fail(g, -EKEYREJECTED, "authentication failed or refused "
		    "by the broker%s%s", g->lasterr[0] ? " (" : "",
		    g->lasterr[0] ? g->lasterr : "");
	else
		grid_fail(g, -ECONNRESET, "connection closed by the broker");
	if (g->closing) {
		set_state(g, GRID_IDLE);
		return;
	}
	g->retry_at = grid_now_ms() + backoff_next(&g->backoff);
	if (g->state == GRID_ONLINE)
		log_warnx("grid %s: %s; reconnecting", g->bare, g->err);
	else if (strcmp(g->told, g->err) != 0) {
		/* Each new reason once (a refused login, a broker down),
		 * not at every retry; info: a one-shot client (sacmctl)
		 * says it once itself. */
		log_info("grid %s: %s; retrying", g->bare, g->err);
		snprintf(g->told, sizeof(g->told), "%s", g->err);
	}
	/* A cluster: the next node, its session as good as this one's. */
	if (g->nhosts > 1) {
		set_host(g, (g->host_i + 1) % g->nhosts);
		log_info("grid %s: next broker node %s", g->bare, g->host);
	}
	set_state(g, GRID_WAIT_RETRY);
}

/* Connection settings, applied once: libstrophe 0.12 leaks the previous
 * CA path when xmpp_conn_set_cafile() is called again on reconnect. */
static void
configure_conn(struct grid *g)
{
	long flags = XMPP_CONN_FLAG_MANDATORY_TLS | XMPP_CONN_FLAG_DISABLE_SM;

	if (g->conf.direct_tls)
		flags |= XMPP_CONN_FLAG_LEGACY_SSL;
	if (g->conf.insecure_trust_any_cert)
		flags |= XMPP_CONN_FLAG_TRUST_TLS;
	xmpp_conn_set_flags(g->conn, flags);
	xmpp_conn_set_jid(g->conn, g->conf.jid);
	if (g->password)
		xmpp_conn_set_pass(g->conn, g->password);
	if (g->conf.cert)
		xmpp_conn_set_client_cert(g->conn, g->conf.cert, g->conf.key);
	if (g->conf.ca_file)
		xmpp_conn_set_cafile(g->conn, g->conf.ca_file);
	xmpp_conn_set_certfail_handler(g->conn, certfail);
	xmpp_conn_set_sockopt_callback(g->conn, sockopt_nodelay);
}

static void
start_connect(struct grid *g)
{
	int r;

	tls_verify_error[0] = '\0';
	g->lasterr[0] = '\0';
	g->sockerr = 0;
	if (g->conf.insecure_trust_any_cert)
		log_warnx("grid %s: INSECURE: the broker's certificate is NOT "
		    "verified (insecure_trust_any_cert); tests only", g->bare);
	set_state(g, GRID_CONNECTING);
	r = xmpp_connect_client(g->conn, g->host, (unsigned short)g->conf.port,
	    conn_handler, g);
	if (r != XMPP_EOK) {
		grid_fail(g, -ECONNREFUSED, "cannot start a connection to %s",
		    g->host);
		if (g->nhosts > 1)
			set_host(g, (g->host_i + 1) % g->nhosts);
		g->retry_at = grid_now_ms() + backoff_next(&g->backoff);
		set_state(g, GRID_WAIT_RETRY);
	}
}

int
grid_connect(struct grid *g)
{
	uint64_t deadline = grid_now_ms() +
	    (uint64_t)g->conf.connect_timeout_ms;

	g->closing = 0;
	if (g->state == GRID_ONLINE)
		return 0;
	start_connect(g);
	while (g->state == GRID_CONNECTING && grid_now_ms() < deadline)
		xmpp_run_once(g->ctx, 50);
	/* A cluster node that is down: the others, each once. */
	for (unsigned i = 1; i < g->nhosts && g->state == GRID_WAIT_RETRY &&
	    g->errcode != -EKEYREJECTED && g->errcode != -EBADMSG; i++) {
		start_connect(g);
		while (g->state == GRID_CONNECTING && grid_now_ms() < deadline)
			xmpp_run_once(g->ctx, 50);
	}
	if (g->state == GRID_ONLINE) {
		if (g->need_resync)
			grid_resync(g);
		return 0;
	}
	if (g->state == GRID_CONNECTING) {
		grid_fail(g, -ETIMEDOUT, "no session with the broker within "
		    "%ld ms", g->conf.connect_timeout_ms);
		g->closing = 1;
		xmpp_disconnect(g->conn);
		for (int i = 0; i < 20 && g->state != GRID_IDLE; i++)
			xmpp_run_once(g->ctx, 50);
		set_state(g, GRID_IDLE);
		return -ETIMEDOUT;
	}
	/* Failed: stay idle, the caller decides. */
	set_state(g, GRID_IDLE);
	return g->errcode ? g->errcode : -ECONNREFUSED;
}

void
grid_close(struct grid *g)
{
	uint64_t deadline;

	if (g->state == GRID_IDLE)
		return;
	g->closing = 1;
	if (g->state == GRID_WAIT_RETRY) {
		set_state(g, GRID_IDLE);
		return;
	}
	/* Let queued stanzas go out before </stream>. */
	deadline = grid_now_ms() + 2000;
	while (g->state == GRID_ONLINE && xmpp_conn_send_queue_len(g->conn) >
	    0 && grid_now_ms() < deadline)
		xmpp_run_once(g->ctx, 10);
	xmpp_disconnect(g->conn);
	deadline = grid_now_ms() + 2000;
	while (g->state != GRID_IDLE && grid_now_ms() < deadline)
		xmpp_run_once(g->ctx, 20);
	set_state(g, GRID_IDLE);
}

/*
 * One turn of libstrophe's loop, and what TLS holds decrypted.  A turn
 * reads at most 4 KB, and selects on the socket before it looks at what
 * TLS has left of a record it read: the rest of a stanza over 4 KB then
 * waited a whole timeout (an evaluation request of 4.2 KB reached the
 * evaluator in 11 ms and was handled 250 ms later).  A turn that ended
 * early read something, so turns of no timeout follow, enough to drain
 * a TLS record (16 KB) left behind; a socket with more to read makes the
 * next turn return at once anyway.
 */
#define DRAIN_TURNS	4

static void
run_once(struct grid *g, unsigned long timeout_ms)
{
	uint64_t t0 = grid_now_ms();

	xmpp_run_once(g->ctx, timeout_ms);
	if (timeout_ms > 0 && grid_now_ms() - t0 < timeout_ms)
		for (int i = 0; i < DRAIN_TURNS; i++)
			xmpp_run_once(g->ctx, 0);
}

void
grid_run_once(struct grid *g, unsigned long timeout_ms)
{
	if (g->state == GRID_WAIT_RETRY && grid_now_ms() >= g->retry_at) {
		log_info("grid %s: reconnecting to %s:%ld", g->bare,
		    g->host, g->conf.port);
		start_connect(g);
	}
	if (g->state == GRID_WAIT_RETRY) {
		uint64_t left = g->retry_at - grid_now_ms();

		if (left < timeout_ms)
			timeout_ms = (unsigned long)left;
		/* Nothing to poll: sleep instead of spinning. */
		if (timeout_ms)
			usleep((useconds_t)timeout_ms * 1000);
	} else if (g->state != GRID_IDLE)
		run_once(g, timeout_ms);
	else if (timeout_ms)
		usleep((useconds_t)timeout_ms * 1000);
	if (g->state == GRID_ONLINE && g->need_resync && !g->dispatching)
		grid_resync(g);
	grid_complete_async(g);
	grid_dispatch_events(g);
	if (!g->dispatching)
		grid_dispatch_requests(g);
}
