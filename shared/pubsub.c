/*
 * pubsub.c - XEP-0060 requests: see pubsub.h.
 *
 * Requests are written as text; the one escaping function (buf_add_xml)
 * is used for every attribute and value that comes from outside.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "grid_iq.h"
#include "pubsub.h"
#include "xmlsafe.h"

#define NS_PUBSUB	"http://jabber.org/protocol/pubsub"
#define NS_OWNER	"http://jabber.org/protocol/pubsub#owner"
#define NS_RSM		"http://jabber.org/protocol/rsm"
#define RSM_PAGE	100
#define MAX_PAGES	10000

void
pubsub_node_conf_init(struct pubsub_node_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->access_model = "whitelist";
	c->publish_model = "publishers";
	c->persist_items = 1;
	c->notification_type = "normal";
	c->send_last_published_item = "never";
	c->itemreply = "publisher";
}

static int
field(struct buf *b, const char *var, const char *val)
{
	if (val == NULL)
		return 0;
	if (buf_printf(b, "<field var='%s'><value>", var) < 0 ||
	    buf_add_xml(b, val) < 0 || buf_adds(b, "</value></field>") < 0)
		return -E2BIG;
	return 0;
}

/* A jabber:x:data submit form of FORM_TYPE with the node options. */
static int
form(struct buf *b, const char *formtype, const struct pubsub_node_conf *c)
{
	char n[32];

	if (buf_adds(b, "<x xmlns='jabber:x:data' type='submit'>"
	    "<field var='FORM_TYPE' type='hidden'><value>") < 0 ||
	    buf_adds(b, formtype) < 0 || buf_adds(b, "</value></field>") < 0)
		return -E2BIG;
	snprintf(n, sizeof(n), "%ld", c->max_items);
	if (field(b, "pubsub#type", c->type) < 0 ||
	    field(b, "pubsub#title", c->title) < 0 ||
	    field(b, "pubsub#access_model", c->access_model) < 0 ||
	    field(b, "pubsub#publish_model", c->publish_model) < 0 ||
	    field(b, "pubsub#max_items", c->max_items > 0 ? n : NULL) < 0 ||
	    field(b, "pubsub#persist_items", c->persist_items == 0 ? NULL :
	    c->persist_items > 0 ? "1" : "0") < 0 ||
	    field(b, "pubsub#notification_type", c->notification_type) < 0 ||
	    field(b, "pubsub#send_last_published_item",
	    c->send_last_published_item) < 0 ||
	    field(b, "pubsub#itemreply", c->itemreply) < 0 ||
	    buf_adds(b, "</x>") < 0)
		return -E2BIG;
	return 0;
}

static int
node_attr(struct buf *b, const char *node)
{
	if (buf_adds(b, " node='") < 0 || buf_add_xml(b, node) < 0 ||
	    buf_adds(b, "'") < 0)
		return -E2BIG;
	return 0;
}

static int
request(struct grid *g, const char *type, struct buf *b, xmpp_stanza_t **r)
{
	int rc;

	if (b->data == NULL)
		return grid_fail(g, -E2BIG, "request too large");
	rc = grid_iq(g, grid_pubsub_jid(g), type, b->data, r);
	buf_free(b);
	return rc;
}

int
pubsub_configure(struct grid *g, const char *node,
    const struct pubsub_node_conf *c)
{
	struct buf b;

	buf_init(&b, 65536);
	if (buf_adds(&b, "<pubsub xmlns='" NS_OWNER "'><configure") < 0 ||
	    node_attr(&b, node) < 0 || buf_adds(&b, ">") < 0 ||
	    form(&b, NS_PUBSUB "#node_config", c) < 0 ||
	    buf_adds(&b, "</configure></pubsub>") < 0)
		buf_free(&b);
	return request(g, "set", &b, NULL);
}

int
pubsub_create(struct grid *g, const char *node,
    const struct pubsub_node_conf *c, int *created)
{
	struct buf b;
	int r;

	buf_init(&b, 65536);
	if (buf_adds(&b, "<pubsub xmlns='" NS_PUBSUB "'><create") < 0 ||
	    node_attr(&b, node) < 0 || buf_adds(&b, "/><configure>") < 0 ||
	    form(&b, NS_PUBSUB "#node_config", c) < 0 ||
	    buf_adds(&b, "</configure></pubsub>") < 0)
		buf_free(&b);
	r = request(g, "set", &b, NULL);
	if (r == -EEXIST) {
		if (created)
			*created = 0;
		return pubsub_configure(g, node, c);
	}
	if (r == 0 && created)
		*created = 1;
	return r;
}

int
pubsub_delete(struct grid *g, const char *node)
{
	struct buf b;

	buf_init(&b, 8192);
	if (buf_adds(&b, "<pubsub xmlns='" NS_OWNER "'><delete") < 0 ||
	    node_attr(&b, node) < 0 || buf_adds(&b, "/></pubsub>") < 0)
		buf_free(&b);
	return request(g, "set", &b, NULL);
}

void
pubsub_affiliations_free(struct pubsub_affiliation *a, size_t n)
{
	for (size_t i = 0; a && i < n; i++) {
		free(a[i].jid);
		free(a[i].affiliation);
	}
	free(a);
}

/*
 * An owner's list of a node (XEP-0060 8.8 subscriptions, 8.9
 * affiliations): each child's jid and the value of its attribute attr
 * (dflt when absent; a child without it is skipped when dflt is NULL).
 */
static int
owner_list(struct grid *g, const char *node, const char *list,
    const char *attr, const char *dflt, struct pubsub_affiliation **out,
    size_t *nout)
{
	struct pubsub_affiliation *a = NULL;
	xmpp_stanza_t *reply = NULL, *l, *c;
	size_t n = 0;
	struct buf b;
	int r;

	buf_init(&b, 8192);
	if (buf_printf(&b, "<pubsub xmlns='" NS_OWNER "'><%s", list) < 0 ||
	    node_attr(&b, node) < 0 || buf_adds(&b, "/></pubsub>") < 0)
		buf_free(&b);
	if ((r = request(g, "get", &b, &reply)) < 0)
		return r;
	l = xmpp_stanza_get_child_by_path(reply, "iq", "pubsub", list, NULL);
	for (c = l ? xmpp_stanza_get_children(l) : NULL; c;
	    c = xmpp_stanza_get_next(c)) {
		const char *jid = xmpp_stanza_get_attribute(c, "jid");
		const char *v = xmpp_stanza_get_attribute(c, attr);
		struct pubsub_affiliation *na;

		if (v == NULL)
			v = dflt;
		if (!xmpp_stanza_is_tag(c) || !jid || !v)
			continue;
		if ((na = realloc(a, (n + 1) * sizeof(*a))) == NULL)
			goto oom;
		a = na;
		a[n].jid = strdup(jid);
		a[n].affiliation = strdup(v);
		n++;
		if (!a[n - 1].jid || !a[n - 1].affiliation)
			goto oom;
	}
	xmpp_stanza_release(reply);
	*out = a;
	*nout = n;
	return 0;
oom:
	xmpp_stanza_release(reply);
	pubsub_affiliations_free(a, n);
	return grid_fail(g, -ENOMEM, "out of memory");
}

int
pubsub_affiliations_get(struct grid *g, const char *node,
    struct pubsub_affiliation **out, size_t *nout)
{
	return owner_list(g, node, "affiliations", "affiliation", NULL, out,
	    nout);
}

int
pubsub_affiliations_set(struct grid *g, const char *node,
    const struct pubsub_affiliation *a, size_t n)
{
	struct buf b;

	if (n == 0)
		return 0;
	buf_init(&b, 1024 * 1024);
	if (buf_adds(&b, "<pubsub xmlns='" NS_OWNER "'><affiliations") < 0 ||
	    node_attr(&b, node) < 0 || buf_adds(&b, ">") < 0)
		buf_free(&b);
	for (size_t i = 0; i < n && b.data; i++)
		if (buf_adds(&b, "<affiliation jid='") < 0 ||
		    buf_add_xml(&b, a[i].jid) < 0 ||
		    buf_adds(&b, "' affiliation='") < 0 ||
		    buf_add_xml(&b, a[i].affiliation) < 0 ||
		    buf_adds(&b, "'/>") < 0)
			buf_free(&b);
	if (b.data && buf_adds(&b, "</affiliations></pubsub>") < 0)
		buf_free(&b);
	return request(g, "set", &b, NULL);
}

int
pubsub_subscriptions_get(struct grid *g, const char *node,
    struct pubsub_affiliation **out, size_t *nout)
{
	return owner_list(g, node, "subscriptions", "subscription",
	    "subscribed", out, nout);
}

int
pubsub_subscription_cancel(struct grid *g, const char *node, const char *jid)
{
	struct buf b;

	buf_init(&b, 8192);
	if (buf_adds(&b, "<pubsub xmlns='" NS_OWNER "'><subscriptions") < 0 ||
	    node_attr(&b, node) < 0 || buf_adds(&b, "><subscription jid='")
	    < 0 || buf_add_xml(&b, jid) < 0 || buf_adds(&b, "' subscription="
	    "'none'/></subscriptions></pubsub>") < 0)
		buf_free(&b);
	return request(g, "set", &b, NULL);
}

/* Checks that the payload is one well-formed element within the limit. */
static int
check_payload(struct grid *g, const char *payload)
{
	size_t len = strlen(payload);
	xmlDocPtr doc;
	char err[256];
	int r;

	if (len > (size_t)grid_get_conf(g)->max_item_size)
		return grid_fail(g, -E2BIG, "payload of %zu bytes is over "
		    "max_item_size (%ld); move it as a blob", len,
		    grid_get_conf(g)->max_item_size);
	if ((r = xmlsafe_parse(payload, len, len, &doc, err, sizeof(err))) <
	    0)
		return grid_fail(g, r == -E2BIG ? -E2BIG : -EINVAL,
		    "payload rejected: %s", err);
	xmlFreeDoc(doc);
	return 0;
}

static int
publish_request(struct grid *g, struct buf *b, const char *node,
    const char *id, const char *payload, const struct pubsub_node_conf *opts)
{
	int r;

	if ((r = check_payload(g, payload)) < 0)
		return r;
	buf_init(b, (size_t)grid_get_conf(g)->max_item_size + 65536);
	if (buf_adds(b, "<pubsub xmlns='" NS_PUBSUB "'><publish") < 0 ||
	    node_attr(b, node) < 0 || buf_adds(b, "><item") < 0 ||
	    (id && (buf_adds(b, " id='") < 0 || buf_add_xml(b, id) < 0 ||
	    buf_adds(b, "'") < 0)) ||
	    buf_adds(b, ">") < 0 || buf_adds(b, payload) < 0 ||
	    buf_adds(b, "</item></publish>") < 0 ||
	    (opts && (buf_adds(b, "<publish-options>") < 0 ||
	    form(b, NS_PUBSUB "#publish-options", opts) < 0 ||
	    buf_adds(b, "</publish-options>") < 0)) ||
	    buf_adds(b, "</pubsub>") < 0) {
		buf_free(b);
		return grid_fail(g, -E2BIG, "publish request too large");
	}
	return 0;
}

int
pubsub_publish(struct grid *g, const char *node, const char *id,
    const char *payload, const struct pubsub_node_conf *opts, char **idp)
{
	xmpp_stanza_t *reply = NULL, *item;
	struct buf b;
	int r;

	if ((r = publish_request(g, &b, node, id, payload, opts)) < 0)
		return r;
	if ((r = request(g, "set", &b, idp ? &reply : NULL)) < 0)
		return r;
	if (idp) {
		const char *got = NULL;

		item = xmpp_stanza_get_child_by_path(reply, "iq", "pubsub",
		    "publish", "item", NULL);
		if (item)
			got = xmpp_stanza_get_id(item);
		if (got == NULL)
			got = id;
		*idp = got ? strdup(got) : NULL;
		if (reply)
			xmpp_stanza_release(reply);
	}
	return 0;
}

/* Our own id for an item whose id another account holds:
 * "<id>/<16 random hex digits>" in out.  0 or -errno. */
static int
own_id(const char *id, char *out, size_t outlen)
{
	char hex[17];
	int r;

	if ((r = grid_random_hex(hex, 8)) < 0)
		return r;
	if ((size_t)snprintf(out, outlen, "%s/%s", id, hex) >= outlen) {
		out[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

int
pubsub_publish_own(struct grid *g, const char *node, const char *id,
    const char *payload, char *used, size_t usedlen)
{
	int r;

	used[0] = '\0';
	if ((r = pubsub_publish(g, node, id, payload, NULL, NULL)) == 0)
		snprintf(used, usedlen, "%s", id);
	if (r != -EACCES)
		return r;
	if ((r = own_id(id, used, usedlen)) < 0)
		return r;
	if ((r = pubsub_publish(g, node, used, payload, NULL, NULL)) < 0)
		used[0] = '\0';
	return r;
}

struct async_ctx {
	pubsub_done_fn	*fn;
	void		*arg;
};

static void
publish_done(struct grid *g, int status, xmpp_stanza_t *reply, void *arg)
{
	struct async_ctx a = *(struct async_ctx *)arg;

	(void)reply;
	free(arg);
	if (a.fn)
		a.fn(g, status, a.arg);
}

/* Sends the request in b (freed) to the pubsub service without waiting;
 * fn(g, status, arg) later from the loop. */
static int
request_async(struct grid *g, struct buf *b, pubsub_done_fn *fn, void *arg)
{
	struct async_ctx *a;
	int r;

	if (b->data == NULL)
		return grid_fail(g, -E2BIG, "request too large");
	if ((a = malloc(sizeof(*a))) == NULL) {
		buf_free(b);
		return grid_fail(g, -ENOMEM, "out of memory");
	}
	a->fn = fn;
	a->arg = arg;
	r = grid_iq_async(g, grid_pubsub_jid(g), "set", b->data, publish_done,
	    a);
	buf_free(b);
	if (r < 0)
		free(a);
	return r;
}

int
pubsub_publish_async(struct grid *g, const char *node, const char *id,
    const char *payload, pubsub_done_fn *fn, void *arg)
{
	struct buf b;
	int r;

	if ((r = publish_request(g, &b, node, id, payload, NULL)) < 0)
		return r;
	return request_async(g, &b, fn, arg);
}

/* A publish under our own id on its way: the second try, if the first
 * id is another account's, goes under own_id(). */
struct own {
	pubsub_own_fn	*fn;
	void		*arg;
	char		*node, *payload, *id;
	int		 second;
	size_t		 usedlen;
	char		 used[];	/* the id tried now */
};

static void
own_free(struct own *o)
{
	free(o->node);
	free(o->payload);
	free(o->id);
	free(o);
}

static void
own_done(struct grid *g, int status, void *arg)
{
	struct own *o = arg;

	if (status == -EACCES && !o->second) {
		o->second = 1;
		if ((status = own_id(o->id, o->used, o->usedlen)) == 0 &&
		    (status = pubsub_publish_async(g, o->node, o->used,
		    o->payload, own_done, o)) == 0)
			return;
	}
	if (o->fn)
		o->fn(g, status, status == 0 ? o->used : "", o->arg);
	own_free(o);
}

int
pubsub_publish_own_async(struct grid *g, const char *node, const char *id,
    const char *payload, pubsub_own_fn *fn, void *arg)
{
	size_t usedlen = strlen(id) + 18;	/* "<id>/<16 hex digits>" */
	struct own *o;
	int r;

	if ((o = calloc(1, sizeof(*o) + usedlen)) == NULL)
		return -ENOMEM;
	o->fn = fn;
	o->arg = arg;
	o->usedlen = usedlen;
	memcpy(o->used, id, strlen(id) + 1);
	if ((o->node = strdup(node)) == NULL || (o->payload =
	    strdup(payload)) == NULL || (o->id = strdup(id)) == NULL) {
		own_free(o);
		return -ENOMEM;
	}
	if ((r = pubsub_publish_async(g, node, id, payload, own_done, o)) < 0)
		own_free(o);
	return r;
}

static void
retract_request(struct buf *b, const char *node, const char *id)
{
	buf_init(b, 8192);
	if (buf_adds(b, "<pubsub xmlns='" NS_PUBSUB "'><retract") < 0 ||
	    node_attr(b, node) < 0 || buf_adds(b, " notify='1'><item id='") <
	    0 || buf_add_xml(b, id) < 0 || buf_adds(b, "'/></retract>"
	    "</pubsub>") < 0)
		buf_free(b);
}

int
pubsub_retract(struct grid *g, const char *node, const char *id)
{
	struct buf b;

	retract_request(&b, node, id);
	return request(g, "set", &b, NULL);
}

int
pubsub_retract_async(struct grid *g, const char *node, const char *id,
    pubsub_done_fn *fn, void *arg)
{
	struct buf b;

	retract_request(&b, node, id);
	return request_async(g, &b, fn, arg);
}

/* The <items/> of a reply, each item through fn; how many there were in
 * *found (may be NULL). */
static int
each_item(struct grid *g, xmpp_stanza_t *reply, pubsub_item_fn *fn,
    void *arg, int *found)
{
	xmpp_stanza_t *items = xmpp_stanza_get_child_by_path(reply, "iq",
	    "pubsub", "items", NULL);

	if (items == NULL)
		return 0;
	for (xmpp_stanza_t *c = xmpp_stanza_get_children(items); c && found;
	    c = xmpp_stanza_get_next(c))
		if (xmpp_stanza_is_tag(c))
			(*found)++;
	return grid_items_foreach(g, items, NULL, 0, fn, arg);
}

int
pubsub_items_ids(struct grid *g, const char *node, const char *const *ids,
    size_t n, pubsub_item_fn *fn, void *arg)
{
	xmpp_stanza_t *reply = NULL;
	struct buf b;
	int r, found = 0;

	buf_init(&b, 16384 + n * 1024);
	if (buf_adds(&b, "<pubsub xmlns='" NS_PUBSUB "'><items") < 0 ||
	    node_attr(&b, node) < 0 || buf_adds(&b, ">") < 0)
		buf_free(&b);
	for (size_t i = 0; i < n; i++)
		if (buf_adds(&b, "<item id='") < 0 ||
		    buf_add_xml(&b, ids[i]) < 0 || buf_adds(&b, "'/>") < 0)
			buf_free(&b);
	if (buf_adds(&b, "</items></pubsub>") < 0)
		buf_free(&b);
	/* -ENOENT: item-not-found, the broker has none of them */
	if ((r = request(g, "get", &b, &reply)) < 0)
		return r;
	r = each_item(g, reply, fn, arg, &found);
	xmpp_stanza_release(reply);
	if (r == 0 && found == 0)
		return grid_fail(g, -ENOENT, "no item %s%s on %s", n ? ids[0] :
		    "", n > 1 ? " or the others asked for" : "", node);
	return r < 0 ? r : 0;
}

int
pubsub_items(struct grid *g, const char *node, const char *id, long max,
    pubsub_item_fn *fn, void *arg)
{
	char *after = NULL;
	int r = 0;

	if (id)
		return pubsub_items_ids(g, node, &id, 1, fn, arg);
	for (int page = 0; page < MAX_PAGES; page++) {
		xmpp_stanza_t *reply = NULL, *set, *last;
		struct buf b;

		buf_init(&b, 16384);
		if (buf_adds(&b, "<pubsub xmlns='" NS_PUBSUB "'><items") < 0 ||
		    node_attr(&b, node) < 0)
			buf_free(&b);
		if (max > 0) {
			if (buf_printf(&b, " max_items='%ld'/></pubsub>", max) <
			    0)
				buf_free(&b);
		} else {
			/* XEP-0059: a broker without RSM ignores <set/> and
			 * answers with every item, which ends the loop. */
			if (buf_printf(&b, "/><set xmlns='" NS_RSM "'><max>%d"
			    "</max>", RSM_PAGE) < 0 || (after &&
			    (buf_adds(&b, "<after>") < 0 ||
			    buf_add_xml(&b, after) < 0 ||
			    buf_adds(&b, "</after>") < 0)) ||
			    buf_adds(&b, "</set></pubsub>") < 0)
				buf_free(&b);
		}
		if ((r = request(g, "get", &b, &reply)) < 0)
			break;
		r = each_item(g, reply, fn, arg, NULL);
		set = xmpp_stanza_get_child_by_path(reply, "iq", "pubsub",
		    "set", NULL);
		last = set ? xmpp_stanza_get_child_by_name(set, "last") : NULL;
		free(after);
		after = last ? xmpp_stanza_get_text(last) : NULL;
		if (after) {
			char *copy = strdup(after);

			xmpp_free(grid_xmpp_ctx(g), after);
			after = copy;
		}
		xmpp_stanza_release(reply);
		if (r != 0 || max > 0 || after == NULL)
			break;
	}
	free(after);
	return r < 0 ? r : 0;
}
