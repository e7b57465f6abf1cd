/*
 * grid_server.c - IQ requests addressed to us (RFC 6120 8.2.3: every get
 * and set gets an answer): XEP-0199 ping and XEP-0030 disco#info here,
 * the services' own namespaces through their handlers (queued, answered
 * from grid_run_once()); and our presence with entity capabilities
 * (XEP-0115).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "grid_private.h"
#include "log.h"

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
void
grid_send_presence(struct grid *g)
{
	struct buf b;

	buf_init(&b, 4096);
	for (int caps = 1; caps >= 0; caps--) {	/* else without caps */
		buf_reset(&b);
		buf_adds(&b, "<presence>");
		/* a sibling's keeps it out of the bare JID's messages */
		if (g->priority)
			buf_printf(&b, "<priority>%d</priority>", g->priority);
		if (caps)
			caps_element(g->caps, &b);
		buf_adds(&b, "</presence>");
		if (buf_error(&b) == 0 && grid_send(g, b.data, b.len) == 0)
			break;
	}
	buf_free(&b);
}

void
grid_update_presence(struct grid *g)
{
	if (g->state == GRID_ONLINE)
		grid_send_presence(g);
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
int
grid_on_iq(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct grid *g = ud;
	const char *type = xmpp_stanza_get_type(st);
	const char *id = xmpp_stanza_get_id(st), *from, *ns = NULL;
	xmpp_stanza_t *q;
	struct buf b;

	if (type && (strcmp(type, "result") == 0 ||
	    strcmp(type, "error") == 0))
		return grid_iq_reply(g, st);	/* to a request of ours */
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
		r->from = grid_dupnull(from);
		r->id = grid_dupnull(id);
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
	(void)conn;
	if (buf_error(&b) == 0)
		(void)grid_send(g, b.data, b.len);
	buf_free(&b);
	return 1;
}

void
grid_dispatch_requests(struct grid *g)
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
		if (buf_error(&reply) < 0) {
			/* an answer that did not fit is an error, never a
			 * truncated result */
			log_warnx("grid: answer to %s from %s failed (%s)",
			    g->handlers[r->handler].ns, r->from ? r->from :
			    "?", strerror(-buf_error(&reply)));
			rc = rc < 0 ? rc : buf_error(&reply) == -E2BIG ?
			    -E2BIG : -ENOMEM;
			buf_reset(&reply);
			buf_adds(&reply, rc == -E2BIG ? "answer too large; ask "
			    "for fewer rows" : "out of memory");
		}
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
		if (buf_error(&out) < 0)
			log_warnx("grid: answer to %s not sent: %s", r->from ?
			    r->from : "?", strerror(-buf_error(&out)));
		else
			(void)grid_send(g, out.data, out.len);
		buf_free(&out);
		buf_free(&reply);
		free_qreq(r);
	}
}

void
grid_server_free(struct grid *g)
{
	for (size_t i = 0; i < g->nhandlers; i++)
		free(g->handlers[i].ns);
	g->nhandlers = 0;
	while (g->rhead) {
		struct qreq *r = g->rhead;

		g->rhead = r->next;
		free_qreq(r);
	}
	g->rtail = NULL;
	g->rlen = 0;
}
