/*
 * pubsub_sub.c - the subscriptions a grid keeps (grid_subscribe): bare-JID
 * subscriptions with notification_type=normal, so the broker keeps events
 * for us while we are away, remembered here and re-made after every
 * (re)connect, with the newest items retrieved (catch-up) for the topics
 * that ask for it.  That recovery replaces XEP-0198 stream management
 * (reference notes, pitfalls 1 and 2).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "grid_private.h"
#include "log.h"

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
		grid_queue_items(g, items, NULL, 1);
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
void
grid_resync(struct grid *g)
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

void
grid_subs_free(struct grid *g)
{
	for (size_t i = 0; i < g->nsubs; i++)
		free(g->subs[i].node);
	g->nsubs = 0;
}
