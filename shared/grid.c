/*
 * grid.c - the XMPP-Grid connection: see grid.h.
 *
 * Design notes.
 * - XEP-0198 stream management is off.  Loss is covered instead by
 *   bare-JID subscriptions with notification_type=normal (the broker keeps
 *   events for an offline account) plus item retrieval after every
 *   (re)connect.  SM would double the stanza count, keep a copy of every
 *   unacknowledged stanza, and leave hibernating sessions that swallow
 *   offline delivery (reference notes, pitfalls 1 and 2).
 * - Events are queued by the libstrophe handler and dispatched by
 *   grid_run_once() afterwards, so handlers may make synchronous requests.
 * - A short ring of digests of (node, item id, payload) suppresses the
 *   duplicates that catch-up and offline delivery can both bring.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <strophe.h>

#include "backoff.h"
#include "buf.h"
#include "caps.h"
#include "grid.h"
#include "grid_iq.h"
#include "log.h"

#define NS_PUBSUB	"http://jabber.org/protocol/pubsub"
#define NS_EVENT	"http://jabber.org/protocol/pubsub#event"
#define NS_DELAY	"urn:xmpp:delay"
#define NS_STANZAS	"urn:ietf:params:xml:ns:xmpp-stanzas"
#define NS_DISCO_INFO	"http://jabber.org/protocol/disco#info"

#define GRID_MAX_PENDING	4096
#define GRID_MAX_QUEUE		65536
#define GRID_MAX_SUBS		256
#define GRID_DEDUP		4096

#define OFF(f)	offsetof(struct grid_conf, f)
const struct conf_opt grid_conf_opts[] = {
	{ "jid", CONF_STR, OFF(jid), 0, 0, NULL, 1,
	    "this service's XMPP address" },
	{ "password_file", CONF_STR, OFF(password_file), 0, 0, NULL, 0,
	    "file whose first line is the password (SCRAM-SHA-256)" },
	{ "password", CONF_STR, OFF(password), 0, 0, NULL, 0,
	    "the password inline (prefer password_file)" },
	{ "cert", CONF_STR, OFF(cert), 0, 0, NULL, 0,
	    "client certificate (PEM) for SASL EXTERNAL" },
	{ "key", CONF_STR, OFF(key), 0, 0, NULL, 0,
	    "client certificate's private key (PEM)" },
	{ "ca_file", CONF_STR, OFF(ca_file), 0, 0, NULL, 1,
	    "CA certificate that signed the broker's certificate" },
	{ "host", CONF_STR, OFF(host), 0, 0, NULL, 0,
	    "broker address (default: the JID's domain)" },
	{ "port", CONF_INT, OFF(port), 1, 65535, "5222", 0,
	    "broker client port" },
	{ "pubsub", CONF_STR, OFF(pubsub), 0, 0, NULL, 0,
	    "pubsub service (default: pubsub.<domain>)" },
	{ "upload", CONF_STR, OFF(upload), 0, 0, NULL, 0,
	    "HTTP upload service (default: upload.<domain>)" },
	{ "upload_resolve", CONF_STR, OFF(upload_resolve), 0, 0, NULL, 0,
	    "address the upload host name is pinned to (labs without DNS)" },
	{ "connect_timeout_ms", CONF_INT, OFF(connect_timeout_ms), 100,
	    600000, "15000", 0, "time allowed for one connection attempt" },
	{ "iq_timeout_ms", CONF_INT, OFF(iq_timeout_ms), 100, 3600000,
	    "30000", 0, "time allowed for an answer to a request" },
	{ "catchup_items", CONF_INT, OFF(catchup_items), 0, 10000, "50", 0,
	    "newest items retrieved per topic after a (re)connect" },
	{ "max_item_size", CONF_INT, OFF(max_item_size), 1024,
	    16 * 1024 * 1024, "1048576", 0, "largest item payload in bytes" },
	{ "reconnect_max_ms", CONF_INT, OFF(reconnect_max_ms), 100, 3600000,
	    "30000", 0, "longest wait between reconnection attempts" },
	{ "direct_tls", CONF_BOOL, OFF(direct_tls), 0, 0, "no", 0,
	    "TLS from the first byte (XEP-0368) instead of STARTTLS" },
	{ "resource", CONF_STR, OFF(resource), 0, 0, NULL, 0,
	    "resource to bind (default: the program's name for services)" },
	{ "insecure_trust_any_cert", CONF_BOOL, OFF(insecure_trust_any_cert),
	    0, 0, "no", 0, "TESTS ONLY: accept any broker certificate" },
};
const size_t grid_conf_nopts = sizeof(grid_conf_opts) /
    sizeof(grid_conf_opts[0]);

struct pending {
	struct pending	*next;
	char		 id[48];
	grid_iq_fn	*fn;
	void		*arg;
	int		 done;
	int		 status;
	xmpp_stanza_t	*reply;
	uint64_t	 deadline;
};

struct qevent {
	struct qevent	*next;
	char		*node, *item_id, *publisher, *delay, *payload;
	size_t		 payload_len;
	int		 retract, catchup;
};

struct sub {
	char	*node;
	int	 flags;
};

struct qreq {
	struct qreq	*next;
	char		*from, *id, *type, *payload;
	size_t		 len;
	size_t		 handler;
};

#define GRID_MAX_HANDLERS	8
#define GRID_MAX_REQUESTS	256

struct grid {
	struct grid_conf conf;		/* copies of the caller's strings */
	char		*password;
	char		*domain;
	char		*bare;
	char		*pubsub;
	char		*upload;
	xmpp_ctx_t	*ctx;
	xmpp_conn_t	*conn;
	xmpp_log_t	 xlog;
	enum grid_state	 state;
	int		 closing;
	int		 need_resync;
	int		 ever_online;
	int		 auth_failed;
	int		 cert_failed;
	unsigned	 reconnects;
	uint64_t	 retry_at;
	struct backoff	 backoff;
	char		 err[512];
	int		 errcode;
	char		 lasterr[512];	/* last error libstrophe logged */

	struct pending	*pending;
	size_t		 npending;
	unsigned long	 nextid;

	struct qevent	*qhead, *qtail;
	size_t		 qlen;
	int		 dispatching;

	struct sub	 subs[GRID_MAX_SUBS];
	size_t		 nsubs;

	uint64_t	 dedup[GRID_DEDUP];
	size_t		 dedup_pos;

	grid_event_fn	*on_event;
	void		*on_event_arg;

	struct {
		char		*ns;
		grid_request_fn	*fn;
		void		*arg;
	}		 handlers[GRID_MAX_HANDLERS];
	size_t		 nhandlers;
	struct qreq	*rhead, *rtail;
	size_t		 rlen;

	struct caps	*caps;		/* disco#info and XEP-0115 */
};

static const char *const state_names[] = {
	"idle", "connecting", "online", "wait-retry"
};

/* The certfail handler of libstrophe has no user pointer; the process
 * is single-threaded, so the last verification error is kept here. */
static char tls_verify_error[256];

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
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

static int
sockopt_nodelay(xmpp_conn_t *conn, void *sockp)
{
	int fd = *(int *)sockp, one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		return -1;
	return xmpp_sockopt_cb_keepalive(conn, sockp);
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

static char *
dupnull(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void
free_conf(struct grid_conf *c)
{
	free(c->jid); free(c->password_file); free(c->password);
	free(c->cert); free(c->key); free(c->ca_file); free(c->host);
	free(c->pubsub); free(c->upload); free(c->upload_resolve);
	free(c->resource);
}

static void configure_conn(struct grid *);

struct grid *
grid_new(const struct grid_conf *conf, char *err, size_t errlen)
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
	g->conf.jid = dupnull(conf->jid);
	g->conf.password_file = dupnull(conf->password_file);
	g->conf.password = NULL;
	g->conf.cert = dupnull(conf->cert);
	g->conf.key = dupnull(conf->key);
	g->conf.ca_file = dupnull(conf->ca_file);
	g->conf.host = dupnull(conf->host);
	g->conf.pubsub = dupnull(conf->pubsub);
	g->conf.upload = dupnull(conf->upload);
	g->conf.upload_resolve = dupnull(conf->upload_resolve);
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
	if (g->conf.pubsub)
		g->pubsub = strdup(g->conf.pubsub);
	else if (asprintf(&tmp, "pubsub.%s", g->domain) >= 0)
		g->pubsub = tmp;
	if (g->conf.upload)
		g->upload = strdup(g->conf.upload);
	else if (asprintf(&tmp, "upload.%s", g->domain) >= 0)
		g->upload = tmp;
	if (!g->domain || !g->bare || !g->pubsub || !g->upload) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

	xmpp_initialize();
	g->xlog.handler = xlog_handler;
	g->xlog.userdata = g;
	if ((g->ctx = xmpp_ctx_new(NULL, &g->xlog)) == NULL ||
	    (g->conn = xmpp_conn_new(g->ctx)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	configure_conn(g);
	backoff_init(&g->backoff, 250, (unsigned)g->conf.reconnect_max_ms,
	    (unsigned)getpid() ^ (unsigned)now_ms());
	return g;
fail:
	grid_free(g);
	return NULL;
}

static void
free_qevent(struct qevent *e)
{
	free(e->node); free(e->item_id); free(e->publisher); free(e->delay);
	free(e->payload);
	free(e);
}

static void fail_pending(struct grid *, int);
static void free_qreq(struct qreq *);

void
grid_free(struct grid *g)
{
	struct qevent *e;

	if (g == NULL)
		return;
	fail_pending(g, -ENOTCONN);
	while (g->pending) {
		struct pending *p = g->pending;

		g->pending = p->next;
		if (p->reply)
			xmpp_stanza_release(p->reply);
		free(p);
	}
	while ((e = g->qhead) != NULL) {
		g->qhead = e->next;
		free_qevent(e);
	}
	for (size_t i = 0; i < g->nsubs; i++)
		free(g->subs[i].node);
	for (size_t i = 0; i < g->nhandlers; i++)
		free(g->handlers[i].ns);
	caps_free(g->caps);
	while (g->rhead) {
		struct qreq *r = g->rhead;

		g->rhead = r->next;
		free_qreq(r);
	}
	if (g->conn)
		xmpp_conn_release(g->conn);
	if (g->ctx)
		xmpp_ctx_free(g->ctx);
	if (g->password) {
		explicit_bzero(g->password, strlen(g->password));
		free(g->password);
	}
	free(g->domain); free(g->bare); free(g->pubsub); free(g->upload);
	free_conf(&g->conf);
	free(g);
}

/* ---- events ------------------------------------------------------- */

static uint64_t
fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * Duplicate suppression for the recovery paths.  Every delivered event's
 * digest (node, item id, payload) is remembered; an event that arrives by
 * catch-up or late from offline storage is dropped when its digest was
 * delivered already.  A live event is always delivered: publishing the
 * same item again is a real event.
 */
static int
seen_before(struct grid *g, const struct grid_event *ev)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = fnv(h, ev->node, strlen(ev->node) + 1);
	h = fnv(h, ev->item_id, strlen(ev->item_id) + 1);
	h = fnv(h, ev->retract ? "R" : "P", 1);
	h = fnv(h, ev->payload ? ev->payload : "", ev->payload_len);
	if (h == 0)
		h = 1;
	if (ev->catchup || ev->delay)
		for (size_t i = 0; i < GRID_DEDUP; i++)
			if (g->dedup[i] == h)
				return 1;
	g->dedup[g->dedup_pos] = h;
	g->dedup_pos = (g->dedup_pos + 1) % GRID_DEDUP;
	return 0;
}

static void
queue_event(struct grid *g, const struct grid_event *ev)
{
	struct qevent *e;

	if (seen_before(g, ev)) {
		log_debug("grid: duplicate of %s/%s suppressed", ev->node,
		    ev->item_id);
		return;
	}
	if (g->qlen >= GRID_MAX_QUEUE) {
		log_warnx("grid: event queue full (%d); %s/%s dropped, it will "
		    "be retrieved on the next catch-up", GRID_MAX_QUEUE,
		    ev->node, ev->item_id);
		return;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		goto oom;
	e->node = strdup(ev->node);
	e->item_id = strdup(ev->item_id);
	e->publisher = dupnull(ev->publisher);
	e->delay = dupnull(ev->delay);
	if (ev->payload) {
		e->payload = malloc(ev->payload_len + 1);
		if (e->payload) {
			memcpy(e->payload, ev->payload, ev->payload_len);
			e->payload[ev->payload_len] = '\0';
		}
	}
	e->payload_len = ev->payload_len;
	e->retract = ev->retract;
	e->catchup = ev->catchup;
	if (!e->node || !e->item_id || (ev->publisher && !e->publisher) ||
	    (ev->delay && !e->delay) || (ev->payload && !e->payload)) {
		free_qevent(e);
		goto oom;
	}
	if (g->qtail)
		g->qtail->next = e;
	else
		g->qhead = e;
	g->qtail = e;
	g->qlen++;
	return;
oom:
	log_warnx("grid: out of memory; event %s/%s dropped", ev->node,
	    ev->item_id);
}

/*
 * Calls fn with each <item/> and <retract/> of an <items node=.../>
 * element, the payload serialized.  Items over max_item_size are skipped.
 */
int
grid_items_foreach(struct grid *g, xmpp_stanza_t *items, const char *delay,
    int catchup, grid_item_fn *fn, void *arg)
{
	const char *node = xmpp_stanza_get_attribute(items, "node");
	xmpp_stanza_t *it;
	int r = 0;

	if (node == NULL || *node == '\0')
		return 0;
	for (it = xmpp_stanza_get_children(items); it && r == 0;
	    it = xmpp_stanza_get_next(it)) {
		const char *name = xmpp_stanza_get_name(it);
		struct grid_event ev = {
			.node = node, .item_id = xmpp_stanza_get_id(it),
			.delay = delay, .catchup = catchup,
		};
		xmpp_stanza_t *pl;
		char *text = NULL;
		size_t len = 0;

		if (!xmpp_stanza_is_tag(it) || name == NULL ||
		    ev.item_id == NULL)
			continue;
		if (strcmp(name, "retract") == 0) {
			ev.retract = 1;
			r = fn(&ev, arg);
			continue;
		}
		if (strcmp(name, "item") != 0)
			continue;
		for (pl = xmpp_stanza_get_children(it); pl &&
		    !xmpp_stanza_is_tag(pl); pl = xmpp_stanza_get_next(pl))
			;
		if (pl && xmpp_stanza_to_text(pl, &text, &len) != XMPP_EOK) {
			log_warnx("grid: cannot serialize %s/%s", node,
			    ev.item_id);
			continue;
		}
		if (len > (size_t)g->conf.max_item_size) {
			log_warnx("grid: item %s/%s of %zu bytes is over "
			    "max_item_size; ignored", node, ev.item_id, len);
			xmpp_free(g->ctx, text);
			continue;
		}
		ev.publisher = xmpp_stanza_get_attribute(it, "publisher");
		ev.payload = text;
		ev.payload_len = len;
		r = fn(&ev, arg);
		xmpp_free(g->ctx, text);
	}
	return r;
}

static int
queue_one(const struct grid_event *ev, void *arg)
{
	queue_event(arg, ev);
	return 0;
}

static void
queue_items(struct grid *g, xmpp_stanza_t *items, const char *delay,
    int catchup)
{
	(void)grid_items_foreach(g, items, delay, catchup, queue_one, g);
}

static int
same_bare(const char *jid, const char *bare)
{
	size_t n = strlen(bare);

	return jid && strncmp(jid, bare, n) == 0 &&
	    (jid[n] == '\0' || jid[n] == '/');
}

static int
on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct grid *g = ud;
	xmpp_stanza_t *ev, *items, *delay;
	const char *stamp = NULL;

	(void)conn;
	ev = xmpp_stanza_get_child_by_name_and_ns(st, "event", NS_EVENT);
	if (ev == NULL)
		return 1;
	if (!same_bare(xmpp_stanza_get_from(st), g->pubsub)) {
		log_warnx("grid: pubsub event from %s ignored (not %s)",
		    xmpp_stanza_get_from(st) ? xmpp_stanza_get_from(st) : "?",
		    g->pubsub);
		return 1;
	}
	if ((delay = xmpp_stanza_get_child_by_name_and_ns(st, "delay",
	    NS_DELAY)) != NULL)
		stamp = xmpp_stanza_get_attribute(delay, "stamp");
	for (items = xmpp_stanza_get_children(ev); items;
	    items = xmpp_stanza_get_next(items))
		if (xmpp_stanza_is_tag(items) &&
		    strcmp(xmpp_stanza_get_name(items), "items") == 0)
			queue_items(g, items, stamp, 0);
	return 1;
}

int
grid_handle_requests(struct grid *g, const char *ns, grid_request_fn *fn,
    void *arg)
{
	if (g->nhandlers >= GRID_MAX_HANDLERS)
		return -ENOSPC;
	if ((g->handlers[g->nhandlers].ns = strdup(ns)) == NULL)
		return -ENOMEM;
	g->handlers[g->nhandlers].fn = fn;
	g->handlers[g->nhandlers].arg = arg;
	g->nhandlers++;
	return caps_add_feature(g->caps, ns);
}

struct caps *
grid_caps(struct grid *g)
{
	return g->caps;
}

/* Initial presence, with our entity capabilities (XEP-0115). */
static void
send_presence(struct grid *g)
{
	struct buf b;

	buf_init(&b, 4096);
	buf_adds(&b, "<presence>");
	caps_element(g->caps, &b);
	buf_adds(&b, "</presence>");
	xmpp_send_raw_string(g->conn, "%s", b.data ? b.data : "<presence/>");
	buf_free(&b);
}

void
grid_update_presence(struct grid *g)
{
	if (g->state == GRID_ONLINE)
		send_presence(g);
}

static void
free_qreq(struct qreq *r)
{
	free(r->from); free(r->id); free(r->type); free(r->payload);
	free(r);
}

/* Starts an answer: <iq id=.. to=.. type=... */
static void
reply_head(struct buf *b, const char *id, const char *to, const char *type)
{
	buf_adds(b, "<iq id='");
	buf_add_xml(b, id ? id : "");
	if (to) {
		buf_adds(b, "' to='");
		buf_add_xml(b, to);
	}
	buf_printf(b, "' type='%s'", type);
}

static void
reply_error(struct buf *b, const char *cond, const char *text)
{
	buf_printf(b, "><error type='%s'><%s xmlns='" NS_STANZAS "'/>",
	    strcmp(cond, "internal-server-error") == 0 ? "wait" : "cancel",
	    cond);
	if (text && *text) {
		buf_adds(b, "<text xmlns='" NS_STANZAS "'>");
		buf_add_xml(b, text);
		buf_adds(b, "</text>");
	}
	buf_adds(b, "</error></iq>");
}

/* disco#info answers for no node and for our caps node#ver. */
static int
info_node_ok(struct grid *g, const char *node)
{
	char want[128], ver[32];

	if (node == NULL)
		return 1;
	if (caps_ver(g->caps, ver, sizeof(ver)) < 0)
		return 0;
	snprintf(want, sizeof(want), "%s#%s", CAPS_NODE, ver);
	return strcmp(node, want) == 0;
}

/*
 * IQ requests addressed to us (RFC 6120 8.2.3: every get/set gets an
 * answer): XEP-0199 ping and XEP-0030 disco#info are answered here; those
 * in a namespace with a handler are queued for grid_run_once(); anything
 * else is service-unavailable.
 */
static int
on_iq(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct grid *g = ud;
	const char *type = xmpp_stanza_get_type(st);
	const char *id = xmpp_stanza_get_id(st), *from, *ns = NULL;
	xmpp_stanza_t *q;
	struct buf b;

	if (type == NULL || (strcmp(type, "get") && strcmp(type, "set")))
		return 1;
	from = xmpp_stanza_get_from(st);
	q = xmpp_stanza_get_children(st);
	while (q && !xmpp_stanza_is_tag(q))
		q = xmpp_stanza_get_next(q);
	if (q)
		ns = xmpp_stanza_get_ns(q);
	for (size_t i = 0; ns && i < g->nhandlers; i++) {
		struct qreq *r;
		char *text = NULL;
		size_t len = 0;

		if (strcmp(ns, g->handlers[i].ns) != 0)
			continue;
		if (g->rlen >= GRID_MAX_REQUESTS ||
		    (r = calloc(1, sizeof(*r))) == NULL)
			break;	/* answered below as unavailable */
		if (xmpp_stanza_to_text(q, &text, &len) != XMPP_EOK) {
			free(r);
			break;
		}
		r->from = dupnull(from);
		r->id = dupnull(id);
		r->type = strdup(type);
		r->payload = strndup(text, len);
		r->len = len;
		r->handler = i;
		xmpp_free(g->ctx, text);
		if (g->rtail)
			g->rtail->next = r;
		else
			g->rhead = r;
		g->rtail = r;
		g->rlen++;
		return 1;
	}
	buf_init(&b, 65536);
	if (ns && strcmp(type, "get") == 0 &&
	    strcmp(ns, "urn:xmpp:ping") == 0) {
		reply_head(&b, id, from, "result");
		buf_adds(&b, "/>");
	} else if (ns && strcmp(type, "get") == 0 &&
	    strcmp(ns, NS_DISCO_INFO) == 0 && info_node_ok(g,
	    xmpp_stanza_get_attribute(q, "node"))) {
		reply_head(&b, id, from, "result");
		buf_adds(&b, ">");
		caps_query(g->caps, xmpp_stanza_get_attribute(q, "node"), &b);
		buf_adds(&b, "</iq>");
	} else {
		reply_head(&b, id, from, "error");
		reply_error(&b, "service-unavailable", NULL);
	}
	if (b.data)
		xmpp_send_raw(conn, b.data, b.len);
	buf_free(&b);
	return 1;
}

static void
dispatch_requests(struct grid *g)
{
	struct qreq *r;

	while (g->state == GRID_ONLINE && (r = g->rhead) != NULL) {
		struct grid_request req = { r->from, r->type, r->payload,
		    r->len };
		struct buf reply, out;
		int rc;

		g->rhead = r->next;
		if (g->rhead == NULL)
			g->rtail = NULL;
		g->rlen--;
		buf_init(&reply, (size_t)g->conf.max_item_size);
		rc = g->handlers[r->handler].fn(g, &req, &reply,
		    g->handlers[r->handler].arg);
		buf_init(&out, (size_t)g->conf.max_item_size + 4096);
		if (rc == 0) {
			reply_head(&out, r->id, r->from, "result");
			if (reply.len) {
				buf_adds(&out, ">");
				buf_add(&out, reply.data, reply.len);
				buf_adds(&out, "</iq>");
			} else
				buf_adds(&out, "/>");
		} else {
			reply_head(&out, r->id, r->from, "error");
			reply_error(&out, rc == -ENOENT ? "item-not-found" :
			    rc == -EACCES ? "forbidden" : rc == -EINVAL ?
			    "bad-request" : rc == -E2BIG ? "not-acceptable" :
			    "internal-server-error", reply.data);
		}
		if (out.data && g->state == GRID_ONLINE)
			xmpp_send_raw(g->conn, out.data, out.len);
		buf_free(&out);
		buf_free(&reply);
		free_qreq(r);
	}
}

static void
dispatch_events(struct grid *g)
{
	struct qevent *e;

	if (g->dispatching)
		return;
	g->dispatching = 1;
	while ((e = g->qhead) != NULL) {
		struct grid_event ev = {
			.node = e->node, .item_id = e->item_id,
			.publisher = e->publisher, .delay = e->delay,
			.payload = e->payload, .payload_len = e->payload_len,
			.retract = e->retract, .catchup = e->catchup,
		};

		g->qhead = e->next;
		if (g->qhead == NULL)
			g->qtail = NULL;
		g->qlen--;
		if (g->on_event)
			g->on_event(g, &ev, g->on_event_arg);
		free_qevent(e);
	}
	g->dispatching = 0;
}

/* ---- IQ requests -------------------------------------------------- */

static int
on_reply(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct pending *p = ud;
	const char *type = xmpp_stanza_get_type(st);

	(void)conn;
	p->done = 1;
	p->reply = xmpp_stanza_clone(st);
	p->status = (type && strcmp(type, "result") == 0) ? 0 : -EPROTO;
	return 0;
}

static void
unlink_pending(struct grid *g, struct pending *p)
{
	struct pending **pp;

	for (pp = &g->pending; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			g->npending--;
			return;
		}
}

static void
fail_pending(struct grid *g, int err)
{
	for (struct pending *p = g->pending; p; p = p->next)
		if (!p->done) {
			if (g->conn)
				xmpp_id_handler_delete(g->conn, on_reply,
				    p->id);
			p->done = 1;
			p->status = err;
		}
}

static int
send_iq(struct grid *g, const char *to, const char *type, const char *inner,
    struct pending **pp)
{
	struct pending *p;
	struct buf b;

	if (g->state != GRID_ONLINE)
		return grid_fail(g, -ENOTCONN, "not connected to the broker");
	if (g->npending >= GRID_MAX_PENDING)
		return grid_fail(g, -EAGAIN, "too many requests in flight");
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return grid_fail(g, -ENOMEM, "out of memory");
	snprintf(p->id, sizeof(p->id), "g%lx-%lu", (unsigned long)getpid(),
	    ++g->nextid);
	buf_init(&b, (size_t)g->conf.max_item_size + 65536);
	if (buf_printf(&b, "<iq type='%s' id='%s'", type, p->id) < 0 ||
	    (to && (buf_adds(&b, " to='") < 0 || buf_add_xml(&b, to) < 0 ||
	    buf_adds(&b, "'") < 0)) ||
	    buf_adds(&b, ">") < 0 || buf_adds(&b, inner) < 0 ||
	    buf_adds(&b, "</iq>") < 0) {
		buf_free(&b);
		free(p);
		return grid_fail(g, -E2BIG, "request larger than "
		    "max_item_size (%ld bytes)", g->conf.max_item_size);
	}
	p->deadline = now_ms() + (uint64_t)g->conf.iq_timeout_ms;
	xmpp_id_handler_add(g->conn, on_reply, p->id, p);
	xmpp_send_raw(g->conn, b.data, b.len);
	buf_free(&b);
	p->next = g->pending;
	g->pending = p;
	g->npending++;
	*pp = p;
	return 0;
}

static const struct {
	const char	*cond;
	int		 err;
} conditions[] = {
	{ "forbidden", -EACCES }, { "not-authorized", -EACCES },
	{ "not-allowed", -EACCES }, { "registration-required", -EACCES },
	{ "item-not-found", -ENOENT }, { "conflict", -EEXIST },
	{ "bad-request", -EINVAL }, { "not-acceptable", -EINVAL },
	{ "policy-violation", -E2BIG },
	{ "feature-not-implemented", -EOPNOTSUPP },
	{ "service-unavailable", -EOPNOTSUPP },
	{ "resource-constraint", -EAGAIN },
};

int
grid_iq_error(struct grid *g, xmpp_stanza_t *reply)
{
	xmpp_stanza_t *e, *c;
	const char *cond = NULL, *app = NULL;
	char *text = NULL;
	int err = -EPROTO;

	e = reply ? xmpp_stanza_get_child_by_name(reply, "error") : NULL;
	if (e == NULL)
		return grid_fail(g, -EPROTO, "malformed error reply");
	for (c = xmpp_stanza_get_children(e); c; c = xmpp_stanza_get_next(c)) {
		const char *ns = xmpp_stanza_get_ns(c);

		if (!xmpp_stanza_is_tag(c))
			continue;
		if (ns && strcmp(ns, NS_STANZAS) == 0) {
			if (strcmp(xmpp_stanza_get_name(c), "text") == 0)
				text = xmpp_stanza_get_text(c);
			else if (cond == NULL)
				cond = xmpp_stanza_get_name(c);
		} else if (app == NULL)
			app = xmpp_stanza_get_name(c);
	}
	for (size_t i = 0; cond && i < sizeof(conditions) /
	    sizeof(conditions[0]); i++)
		if (strcmp(cond, conditions[i].cond) == 0)
			err = conditions[i].err;
	if (app && (strcmp(app, "payload-too-big") == 0 ||
	    strcmp(app, "file-too-large") == 0))
		err = -E2BIG;
	grid_fail(g, err, "%s%s%s%s%s", cond ? cond : "error",
	    app ? " (" : "", app ? app : "", app ? ")" : "",
	    text ? ": " : "");
	if (text) {
		size_t n = strlen(g->err);

		snprintf(g->err + n, sizeof(g->err) - n, "%s", text);
		xmpp_free(g->ctx, text);
	}
	return err;
}

int
grid_iq(struct grid *g, const char *to, const char *type, const char *inner,
    xmpp_stanza_t **reply)
{
	struct pending *p;
	int st;

	if ((st = send_iq(g, to, type, inner, &p)) < 0)
		return st;
	while (!p->done) {
		xmpp_run_once(g->ctx, 20);
		if (!p->done && now_ms() >= p->deadline) {
			xmpp_id_handler_delete(g->conn, on_reply, p->id);
			p->done = 1;
			p->status = -ETIMEDOUT;
		}
	}
	unlink_pending(g, p);
	st = p->status;
	if (st == -EPROTO && p->reply)
		st = grid_iq_error(g, p->reply);
	else if (st == -ETIMEDOUT)
		grid_fail(g, st, "no answer from %s within %ld ms",
		    to ? to : "the server", g->conf.iq_timeout_ms);
	else if (st == -ENOTCONN)
		grid_fail(g, st, "connection lost before the answer");
	if (st == 0 && reply)
		*reply = p->reply;
	else if (p->reply)
		xmpp_stanza_release(p->reply);
	free(p);
	return st;
}

int
grid_iq_async(struct grid *g, const char *to, const char *type,
    const char *inner, grid_iq_fn *fn, void *arg)
{
	struct pending *p;
	int r;

	if ((r = send_iq(g, to, type, inner, &p)) < 0)
		return r;
	p->fn = fn;
	p->arg = arg;
	return 0;
}

size_t
grid_iq_pending(const struct grid *g)
{
	return g->npending;
}

/* Calls back the asynchronous requests that are answered or timed out. */
static void
complete_async(struct grid *g)
{
	uint64_t now = now_ms();
	struct pending *p, *next;

	for (p = g->pending; p; p = next) {
		next = p->next;
		if (p->fn == NULL)
			continue;
		if (!p->done && now >= p->deadline) {
			xmpp_id_handler_delete(g->conn, on_reply, p->id);
			p->done = 1;
			p->status = -ETIMEDOUT;
		}
		if (!p->done)
			continue;
		unlink_pending(g, p);
		if (p->status == -EPROTO && p->reply)
			p->status = grid_iq_error(g, p->reply);
		p->fn(g, p->status, p->status == 0 ? p->reply : NULL, p->arg);
		if (p->reply)
			xmpp_stanza_release(p->reply);
		free(p);
		next = g->pending;	/* the callback may have changed it */
	}
}

/* ---- subscriptions ------------------------------------------------ */

static int
grid_track_subscription(struct grid *g, const char *node, int flags)
{
	for (size_t i = 0; i < g->nsubs; i++)
		if (strcmp(g->subs[i].node, node) == 0) {
			g->subs[i].flags = flags;
			return 0;
		}
	if (g->nsubs >= GRID_MAX_SUBS)
		return grid_fail(g, -ENOSPC, "more than %d subscriptions",
		    GRID_MAX_SUBS);
	if ((g->subs[g->nsubs].node = strdup(node)) == NULL)
		return -ENOMEM;
	g->subs[g->nsubs++].flags = flags;
	return 0;
}

static void
grid_untrack_subscription(struct grid *g, const char *node)
{
	for (size_t i = 0; i < g->nsubs; i++)
		if (strcmp(g->subs[i].node, node) == 0) {
			free(g->subs[i].node);
			g->subs[i] = g->subs[--g->nsubs];
			return;
		}
}

/* Sends a request about one node: fmt has %s for the escaped node name,
 * then %s for our bare JID or %ld for n. */
static int
iq_node(struct grid *g, const char *type, const char *fmt, const char *node,
    long n, xmpp_stanza_t **reply)
{
	struct buf b, esc;
	int r;

	buf_init(&esc, 4096);
	buf_init(&b, 8192);
	if (buf_add_xml(&esc, node) < 0 || (n < 0 ?
	    buf_printf(&b, fmt, esc.data, g->bare) :
	    buf_printf(&b, fmt, esc.data, n)) < 0)
		r = grid_fail(g, -E2BIG, "node name too long");
	else
		r = grid_iq(g, g->pubsub, type, b.data, reply);
	buf_free(&b);
	buf_free(&esc);
	return r;
}

static int
subscribe_iq(struct grid *g, const char *node)
{
	return iq_node(g, "set", "<pubsub xmlns='" NS_PUBSUB "'><subscribe "
	    "node='%s' jid='%s'/></pubsub>", node, -1, NULL);
}

static int
catchup(struct grid *g, const char *node)
{
	xmpp_stanza_t *reply = NULL, *items;
	int r;

	if ((r = iq_node(g, "get", "<pubsub xmlns='" NS_PUBSUB "'><items "
	    "node='%s' max_items='%ld'/></pubsub>", node,
	    g->conf.catchup_items, &reply)) < 0)
		return r;
	items = xmpp_stanza_get_child_by_path(reply, "iq", "pubsub", "items",
	    NULL);
	if (items)
		queue_items(g, items, NULL, 1);
	xmpp_stanza_release(reply);
	return 0;
}

int
grid_subscribe(struct grid *g, const char *node, int flags)
{
	int r;

	if ((r = subscribe_iq(g, node)) < 0)
		return r;
	if ((r = grid_track_subscription(g, node, flags)) < 0)
		return r;
	if ((flags & GRID_SUB_CATCHUP) && g->conf.catchup_items > 0 &&
	    (r = catchup(g, node)) < 0)
		return r;
	return 0;
}

int
grid_unsubscribe(struct grid *g, const char *node)
{
	grid_untrack_subscription(g, node);
	return iq_node(g, "set", "<pubsub xmlns='" NS_PUBSUB "'><unsubscribe "
	    "node='%s' jid='%s'/></pubsub>", node, -1, NULL);
}

/*
 * After a reconnect: re-subscribe every tracked topic (a broker that lost
 * its state gets the subscriptions back) and retrieve the newest items of
 * the topics that asked for catch-up.
 */
static void
resync(struct grid *g)
{
	g->need_resync = 0;
	for (size_t i = 0; i < g->nsubs && g->state == GRID_ONLINE; i++) {
		const char *node = g->subs[i].node;

		if (subscribe_iq(g, node) < 0)
			log_warnx("grid: re-subscribing to %s failed: %s",
			    node, grid_errstr(g));
		if ((g->subs[i].flags & GRID_SUB_CATCHUP) &&
		    g->conf.catchup_items > 0 && catchup(g, node) < 0)
			log_warnx("grid: catch-up on %s failed: %s", node,
			    grid_errstr(g));
	}
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
		xmpp_handler_add(g->conn, on_message, NULL, "message", NULL, g);
		xmpp_handler_add(g->conn, on_iq, NULL, "iq", NULL, g);
		send_presence(g);
		set_state(g, GRID_ONLINE);
		g->need_resync = 1;
		return;
	}
	if (status == XMPP_CONN_RAW_CONNECT)
		return;

	/* XMPP_CONN_DISCONNECT or XMPP_CONN_FAIL */
	xmpp_handler_delete(g->conn, on_message);
	xmpp_handler_delete(g->conn, on_iq);
	fail_pending(g, -ENOTCONN);
	if (tls_verify_error[0])
		grid_fail(g, -EBADMSG, "broker certificate not trusted: %s",
		    tls_verify_error);
	else if (se && se->type == XMPP_SE_NOT_AUTHORIZED)
		grid_fail(g, -EKEYREJECTED, "authentication failed");
	else if (se)
		grid_fail(g, -ECONNRESET, "stream error from the broker%s%s",
		    se->text ? ": " : "", se->text ? se->text : "");
	else if (error)
		grid_fail(g, -error, "cannot reach the broker at %s:%ld: %s",
		    g->conf.host ? g->conf.host : g->domain, g->conf.port,
		    strerror(error));
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
	g->retry_at = now_ms() + backoff_next(&g->backoff);
	if (g->state == GRID_ONLINE)
		log_warnx("grid %s: %s; reconnecting", g->bare, g->err);
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
	if (g->conf.insecure_trust_any_cert)
		log_warnx("grid %s: INSECURE: the broker's certificate is NOT "
		    "verified (insecure_trust_any_cert); tests only", g->bare);
	set_state(g, GRID_CONNECTING);
	r = xmpp_connect_client(g->conn, g->conf.host ? g->conf.host :
	    g->domain, (unsigned short)g->conf.port, conn_handler, g);
	if (r != XMPP_EOK) {
		grid_fail(g, -ECONNREFUSED, "cannot start a connection to %s",
		    g->conf.host ? g->conf.host : g->domain);
		g->retry_at = now_ms() + backoff_next(&g->backoff);
		set_state(g, GRID_WAIT_RETRY);
	}
}

int
grid_connect(struct grid *g)
{
	uint64_t deadline = now_ms() + (uint64_t)g->conf.connect_timeout_ms;

	g->closing = 0;
	if (g->state == GRID_ONLINE)
		return 0;
	start_connect(g);
	while (g->state == GRID_CONNECTING && now_ms() < deadline)
		xmpp_run_once(g->ctx, 50);
	if (g->state == GRID_ONLINE) {
		if (g->need_resync)
			resync(g);
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
	deadline = now_ms() + 2000;
	while (g->state == GRID_ONLINE && xmpp_conn_send_queue_len(g->conn) >
	    0 && now_ms() < deadline)
		xmpp_run_once(g->ctx, 10);
	xmpp_disconnect(g->conn);
	deadline = now_ms() + 2000;
	while (g->state != GRID_IDLE && now_ms() < deadline)
		xmpp_run_once(g->ctx, 20);
	set_state(g, GRID_IDLE);
}

void
grid_run_once(struct grid *g, unsigned long timeout_ms)
{
	if (g->state == GRID_WAIT_RETRY && now_ms() >= g->retry_at) {
		log_info("grid %s: reconnecting to %s:%ld", g->bare,
		    g->conf.host ? g->conf.host : g->domain, g->conf.port);
		start_connect(g);
	}
	if (g->state == GRID_WAIT_RETRY) {
		uint64_t left = g->retry_at - now_ms();

		if (left < timeout_ms)
			timeout_ms = (unsigned long)left;
		/* Nothing to poll: sleep instead of spinning. */
		if (timeout_ms)
			usleep((useconds_t)timeout_ms * 1000);
	} else if (g->state != GRID_IDLE)
		xmpp_run_once(g->ctx, timeout_ms);
	else if (timeout_ms)
		usleep((useconds_t)timeout_ms * 1000);
	if (g->state == GRID_ONLINE && g->need_resync && !g->dispatching)
		resync(g);
	complete_async(g);
	dispatch_events(g);
	if (!g->dispatching)
		dispatch_requests(g);
}
