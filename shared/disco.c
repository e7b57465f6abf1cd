/*
 * disco.c - XEP-0030 queries: see disco.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "disco.h"
#include "grid_iq.h"

#define NS_INFO		"http://jabber.org/protocol/disco#info"
#define NS_ITEMS	"http://jabber.org/protocol/disco#items"
#define NS_RSM		"http://jabber.org/protocol/rsm"
#define NS_DATA		"jabber:x:data"
#define RSM_PAGE	200
#define MAX_PAGES	1000

/* The <query/> of a request into b; 0 or -E2BIG. */
static int
query_text(struct buf *b, const char *ns, const char *node,
    const char *rsm_after, int rsm)
{
	buf_init(b, 16384);
	if (buf_printf(b, "<query xmlns='%s'", ns) < 0 ||
	    (node && (buf_adds(b, " node='") < 0 ||
	    buf_add_xml(b, node) < 0 || buf_adds(b, "'") < 0)))
		goto big;
	if (rsm) {
		if (buf_printf(b, "><set xmlns='" NS_RSM "'><max>%d</max>",
		    RSM_PAGE) < 0 || (rsm_after &&
		    (buf_adds(b, "<after>") < 0 ||
		    buf_add_xml(b, rsm_after) < 0 ||
		    buf_adds(b, "</after>") < 0)) ||
		    buf_adds(b, "</set></query>") < 0)
			goto big;
	} else if (buf_adds(b, "/>") < 0)
		goto big;
	return 0;
big:
	buf_free(b);
	return -E2BIG;
}

static int
query(struct grid *g, const char *jid, const char *ns, const char *node,
    const char *rsm_after, int rsm, xmpp_stanza_t **reply)
{
	struct buf b;
	int r;

	if (query_text(&b, ns, node, rsm_after, rsm) < 0)
		return grid_fail(g, -E2BIG, "node name too long");
	r = grid_iq(g, jid, "get", b.data, reply);
	buf_free(&b);
	return r;
}

void
disco_info_free(struct disco_info *d)
{
	free(d->category); free(d->type); free(d->name);
	for (size_t i = 0; i < d->nfeatures; i++)
		free(d->features[i]);
	free(d->features);
	for (size_t i = 0; i < d->nfields; i++) {
		free(d->fields[i].var);
		free(d->fields[i].value);
	}
	free(d->fields);
	memset(d, 0, sizeof(*d));
}

static char *
field_value(xmpp_ctx_t *ctx, xmpp_stanza_t *f)
{
	struct buf b;
	char *v;

	buf_init(&b, 65536);
	for (xmpp_stanza_t *c = xmpp_stanza_get_children(f); c;
	    c = xmpp_stanza_get_next(c)) {
		if (!xmpp_stanza_is_tag(c) ||
		    strcmp(xmpp_stanza_get_name(c), "value") != 0)
			continue;
		if ((v = xmpp_stanza_get_text(c)) == NULL)
			continue;
		if ((b.len && buf_adds(&b, ",") < 0) || buf_adds(&b, v) < 0) {
			xmpp_free(ctx, v);
			break;
		}
		xmpp_free(ctx, v);
	}
	return buf_steal(&b, NULL);
}

static int
add_string(char ***arr, size_t *n, const char *s)
{
	char **na = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (na == NULL)
		return -ENOMEM;
	*arr = na;
	if ((na[*n] = strdup(s)) == NULL)
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* A disco#info answer into d; 0 or -ENOMEM (d freed). */
static int
parse_info(struct grid *g, xmpp_stanza_t *reply, struct disco_info *d)
{
	xmpp_stanza_t *q, *c;
	int form_done = 0;

	memset(d, 0, sizeof(*d));
	q = xmpp_stanza_get_child_by_name_and_ns(reply, "query", NS_INFO);
	for (c = q ? xmpp_stanza_get_children(q) : NULL; c;
	    c = xmpp_stanza_get_next(c)) {
		const char *name = xmpp_stanza_get_name(c);

		if (!xmpp_stanza_is_tag(c))
			continue;
		if (strcmp(name, "identity") == 0 && d->category == NULL) {
			const char *cat = xmpp_stanza_get_attribute(c,
			    "category");
			const char *ty = xmpp_stanza_get_attribute(c, "type");
			const char *nm = xmpp_stanza_get_attribute(c, "name");

			d->category = cat ? strdup(cat) : NULL;
			d->type = ty ? strdup(ty) : NULL;
			d->name = nm ? strdup(nm) : NULL;
		} else if (strcmp(name, "feature") == 0) {
			const char *var = xmpp_stanza_get_attribute(c, "var");

			if (var && add_string(&d->features, &d->nfeatures,
			    var) < 0)
				goto oom;
		} else if (strcmp(name, "x") == 0 && !form_done &&
		    xmpp_stanza_get_ns(c) &&
		    strcmp(xmpp_stanza_get_ns(c), NS_DATA) == 0) {
			form_done = 1;
			for (xmpp_stanza_t *f = xmpp_stanza_get_children(c); f;
			    f = xmpp_stanza_get_next(f)) {
				const char *var;
				struct disco_field *nf;

				if (!xmpp_stanza_is_tag(f) ||
				    (var = xmpp_stanza_get_attribute(f,
				    "var")) == NULL)
					continue;
				nf = realloc(d->fields, (d->nfields + 1) *
				    sizeof(*nf));
				if (nf == NULL)
					goto oom;
				d->fields = nf;
				nf[d->nfields].var = strdup(var);
				nf[d->nfields].value = field_value(
				    grid_xmpp_ctx(g), f);
				d->nfields++;
				if (!nf[d->nfields - 1].var ||
				    !nf[d->nfields - 1].value)
					goto oom;
			}
		}
	}
	return 0;
oom:
	disco_info_free(d);
	return grid_fail(g, -ENOMEM, "out of memory");
}

int
disco_info(struct grid *g, const char *jid, const char *node,
    struct disco_info *d)
{
	xmpp_stanza_t *reply = NULL;
	int r;

	memset(d, 0, sizeof(*d));
	if ((r = query(g, jid, NS_INFO, node, NULL, 0, &reply)) < 0)
		return r;
	r = parse_info(g, reply, d);
	xmpp_stanza_release(reply);
	return r;
}

struct info_async {
	disco_info_fn	*fn;
	void		*arg;
};

static void
info_done(struct grid *g, int status, xmpp_stanza_t *reply, void *arg)
{
	struct info_async a = *(struct info_async *)arg;
	struct disco_info d;

	free(arg);
	if (status == 0 && (status = parse_info(g, reply, &d)) == 0) {
		a.fn(g, 0, &d, a.arg);
		disco_info_free(&d);
	} else
		a.fn(g, status, NULL, a.arg);
}

int
disco_info_async(struct grid *g, const char *jid, const char *node,
    disco_info_fn *fn, void *arg)
{
	struct info_async *a;
	struct buf b;
	int r;

	if (query_text(&b, NS_INFO, node, NULL, 0) < 0)
		return grid_fail(g, -E2BIG, "node name too long");
	if ((a = malloc(sizeof(*a))) == NULL) {
		buf_free(&b);
		return grid_fail(g, -ENOMEM, "out of memory");
	}
	a->fn = fn;
	a->arg = arg;
	if ((r = grid_iq_async(g, jid, "get", b.data, info_done, a)) < 0)
		free(a);
	buf_free(&b);
	return r;
}

int
disco_has_feature(const struct disco_info *d, const char *var)
{
	for (size_t i = 0; i < d->nfeatures; i++)
		if (strcmp(d->features[i], var) == 0)
			return 1;
	return 0;
}

const char *
disco_field(const struct disco_info *d, const char *var)
{
	for (size_t i = 0; i < d->nfields; i++)
		if (strcmp(d->fields[i].var, var) == 0)
			return d->fields[i].value;
	return NULL;
}

static int
items(struct grid *g, const char *jid, const char *node, int rsm,
    disco_item_fn *fn, void *arg)
{
	char *after = NULL;
	int r = 0;

	for (int page = 0; page < MAX_PAGES && r == 0; page++) {
		xmpp_stanza_t *reply = NULL, *q, *c, *set, *last;
		int n = 0;

		if ((r = query(g, jid, NS_ITEMS, node, after, rsm, &reply)) < 0)
			break;
		q = xmpp_stanza_get_child_by_name_and_ns(reply, "query",
		    NS_ITEMS);
		for (c = q ? xmpp_stanza_get_children(q) : NULL; c && r == 0;
		    c = xmpp_stanza_get_next(c)) {
			if (!xmpp_stanza_is_tag(c) ||
			    strcmp(xmpp_stanza_get_name(c), "item") != 0)
				continue;
			n++;
			r = fn(xmpp_stanza_get_attribute(c, "jid"),
			    xmpp_stanza_get_attribute(c, "node"),
			    xmpp_stanza_get_attribute(c, "name"), arg);
		}
		set = q ? xmpp_stanza_get_child_by_name_and_ns(q, "set",
		    NS_RSM) : NULL;
		last = set ? xmpp_stanza_get_child_by_name(set, "last") : NULL;
		free(after);
		after = NULL;
		if (last && n > 0) {
			char *t = xmpp_stanza_get_text(last);

			if (t) {
				after = strdup(t);
				xmpp_free(grid_xmpp_ctx(g), t);
			}
		}
		xmpp_stanza_release(reply);
		if (after == NULL)
			break;
	}
	free(after);
	return r < 0 ? r : 0;
}

int
disco_items(struct grid *g, const char *jid, const char *node,
    disco_item_fn *fn, void *arg)
{
	return items(g, jid, node, 1, fn, arg);
}

int
disco_items_all(struct grid *g, const char *jid, const char *node,
    disco_item_fn *fn, void *arg)
{
	return items(g, jid, node, 0, fn, arg);
}
