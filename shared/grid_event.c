/*
 * grid_event.c - pubsub events (XEP-0060 <message><event/>): parsed from
 * the stanza, checked to come from our pubsub service, de-duplicated,
 * queued by the libstrophe handler and dispatched by grid_run_once()
 * afterwards, so that handlers may make synchronous requests.
 *
 * A short ring of digests of (node, item id, payload) suppresses the
 * duplicates that catch-up and offline delivery can both bring.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grid_private.h"
#include "ident.h"
#include "log.h"

static void
free_qevent(struct qevent *e)
{
	free(e->node); free(e->item_id); free(e->publisher); free(e->delay);
	free(e->payload);
	free(e);
}

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
	e->publisher = grid_dupnull(ev->publisher);
	e->delay = grid_dupnull(ev->delay);
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
		if (!ident_ok(ev.item_id)) {
			/* item ids are identifiers (ident.h): anything
			 * else is refused here, for every service */
			log_warnx("grid: item on %s with an id that is not an "
			    "identifier ignored", node);
			continue;
		}
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

void
grid_queue_items(struct grid *g, xmpp_stanza_t *items, const char *delay,
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

int
grid_on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
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
			grid_queue_items(g, items, stamp, 0);
	return 1;
}


void
grid_dispatch_events(struct grid *g)
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

void
grid_events_free(struct grid *g)
{
	struct qevent *e;

	while ((e = g->qhead) != NULL) {
		g->qhead = e->next;
		free_qevent(e);
	}
	g->qtail = NULL;
	g->qlen = 0;
}
