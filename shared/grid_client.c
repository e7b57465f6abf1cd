/*
 * grid_client.c - IQ requests we send (grid_iq.h): a bounded table of
 * pending requests, each answered, failed with the connection, or timed
 * out; synchronous (grid_iq) or called back from grid_run_once()
 * (grid_iq_async); error replies mapped to -errno.
 *
 * Answers are matched by id in a table of our own, not with libstrophe's
 * id handlers: libstrophe 0.12 keeps every id ever registered as a key
 * of a 32-bucket hash (a fired or deleted handler leaves its key with no
 * value), so each stanza received walked a list that grew with every
 * request the connection had made, and the keys were never freed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "grid_private.h"
#include "log.h"

/*
 * Is from the entity the request went to?  The same JID; for a request to
 * a bare JID, that account; for a request to the server (no 'to'), no
 * 'from', our own bare JID or our domain (RFC 6120 8.1.2.1).  JIDs are
 * compared without case (their domain parts are case-insensitive, and
 * our services' local parts are lowercase).
 */
static int
answered_by(const struct pending *p, const char *from)
{
	const struct grid *g = p->g;
	size_t n;

	if (p->to == NULL)
		return from == NULL || strcasecmp(from, g->bare) == 0 ||
		    strcasecmp(from, g->domain) == 0;
	if (from == NULL)
		return 0;
	if (strcasecmp(from, p->to) == 0)
		return 1;
	n = strlen(p->to);
	return strchr(p->to, '/') == NULL && strncasecmp(from, p->to, n) == 0
	    && from[n] == '/';
}

/* GRID_MAX_PENDING requests in a power of two of buckets (FNV-1a). */
#define PTAB_SIZE	4096

static struct pending **
bucket(struct grid *g, const char *id)
{
	uint32_t h = 2166136261u;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return &g->ptab[h & (PTAB_SIZE - 1)];
}

/* No longer waiting for an answer: off the table (once). */
static void
unhash(struct grid *g, struct pending *p)
{
	struct pending **pp;

	if (!p->hashed)
		return;
	for (pp = bucket(g, p->id); *pp; pp = &(*pp)->hnext)
		if (*pp == p) {
			*pp = p->hnext;
			break;
		}
	p->hashed = 0;
}

/*
 * An iq result or error (grid_on_iq): the answer to the request of ours
 * with its id, if that request is still waiting and the answer comes from
 * whom we asked.  Anything else is ignored.  Returns 1 (the handler
 * stays).
 */
int
grid_iq_reply(struct grid *g, xmpp_stanza_t *st)
{
	const char *id = xmpp_stanza_get_id(st);
	const char *type = xmpp_stanza_get_type(st);
	const char *from = xmpp_stanza_get_from(st);
	struct pending *p;

	if (id == NULL || g->ptab == NULL)
		return 1;
	for (p = *bucket(g, id); p; p = p->hnext)
		if (strcmp(p->id, id) == 0)
			break;
	if (p == NULL)
		return 1;	/* not ours, or answered already */
	if (!answered_by(p, from)) {
		/* a forged answer: whoever guessed the id is not who we
		 * asked.  Keep waiting for the real one. */
		log_warnx("grid: answer to %s from %s ignored (asked %s)",
		    p->id, from ? from : "the server", p->to ? p->to :
		    "the server");
		return 1;
	}
	unhash(g, p);
	p->done = 1;
	p->reply = xmpp_stanza_clone(st);
	p->status = strcmp(type, "result") == 0 ? 0 : -EPROTO;
	return 1;
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

void
grid_fail_pending(struct grid *g, int err)
{
	for (struct pending *p = g->pending; p; p = p->next)
		if (!p->done) {
			unhash(g, p);
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
	if (g->ptab == NULL && (g->ptab = calloc(PTAB_SIZE,
	    sizeof(*g->ptab))) == NULL)
		return grid_fail(g, -ENOMEM, "out of memory");
	if ((p = calloc(1, sizeof(*p))) == NULL || (to && (p->to =
	    strdup(to)) == NULL)) {
		free(p);
		return grid_fail(g, -ENOMEM, "out of memory");
	}
	p->g = g;
	if (grid_random_hex(p->id, 16) < 0) {
		free(p->to);
		free(p);
		return grid_fail(g, -EIO, "no random numbers for a request id");
	}
	buf_init(&b, (size_t)g->conf.max_item_size + 65536);
	if (buf_printf(&b, "<iq type='%s' id='%s'", type, p->id) < 0 ||
	    (to && (buf_adds(&b, " to='") < 0 || buf_add_xml(&b, to) < 0 ||
	    buf_adds(&b, "'") < 0)) ||
	    buf_adds(&b, ">") < 0 || buf_adds(&b, inner) < 0 ||
	    buf_adds(&b, "</iq>") < 0) {
		buf_free(&b);
		free(p->to);
		free(p);
		return grid_fail(g, -E2BIG, "request larger than "
		    "max_item_size (%ld bytes)", g->conf.max_item_size);
	}
	if (grid_send(g, b.data, b.len) < 0) {
		buf_free(&b);
		free(p->to);
		free(p);
		return grid_fail(g, -EPROTO, "request not well-formed; not "
		    "sent");
	}
	p->deadline = grid_now_ms() + (uint64_t)g->conf.iq_timeout_ms;
	p->hnext = *bucket(g, p->id);
	*bucket(g, p->id) = p;
	p->hashed = 1;
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
		if (!p->done && grid_now_ms() >= p->deadline) {
			unhash(g, p);
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
	free(p->to);
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

/*
 * Calls back the asynchronous requests that are answered or timed out:
 * one pass takes them off the list, then each is called back (a
 * callback may send more).  Thousands in flight (a batch of approvals)
 * cost one walk a loop turn, not one per answer.
 */
void
grid_complete_async(struct grid *g)
{
	uint64_t now = grid_now_ms();
	struct pending *p, **pp, *ready = NULL, **tail = &ready;

	for (pp = &g->pending; (p = *pp) != NULL; ) {
		if (p->fn != NULL && !p->done && now >= p->deadline) {
			unhash(g, p);
			p->done = 1;
			p->status = -ETIMEDOUT;
		}
		if (p->fn == NULL || !p->done) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		g->npending--;
		p->next = NULL;
		*tail = p;
		tail = &p->next;
	}
	while ((p = ready) != NULL) {
		ready = p->next;
		if (p->status == -EPROTO && p->reply)
			p->status = grid_iq_error(g, p->reply);
		p->fn(g, p->status, p->status == 0 ? p->reply : NULL, p->arg);
		if (p->reply)
			xmpp_stanza_release(p->reply);
		free(p->to);
		free(p);
	}
}

void
grid_client_free(struct grid *g)
{
	grid_fail_pending(g, -ENOTCONN);
	while (g->pending) {
		struct pending *p = g->pending;

		g->pending = p->next;
		if (p->reply)
			xmpp_stanza_release(p->reply);
		free(p->to);
		free(p);
	}
	g->npending = 0;
	free(g->ptab);
	g->ptab = NULL;
}
