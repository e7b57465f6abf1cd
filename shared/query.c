/*
 * query.c - see query.h.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "grid_iq.h"
#include "ident.h"
#include "query.h"
#include "xmlsafe.h"
#include "xmlutil.h"

/* Services answer within max_item_size (1 MiB by default). */
#define MAX_ANSWER	(2u << 20)

int
query_get(struct grid *g, const char *to, const char *inner,
    const char *name, const char *ns, xmlDocPtr *doc, char *err,
    size_t errlen)
{
	xmpp_stanza_t *reply = NULL, *a;
	char *text;
	size_t len;
	int r;

	*doc = NULL;
	if ((r = grid_iq(g, to, "get", inner, &reply)) < 0) {
		snprintf(err, errlen, "%s", grid_errstr(g));
		return r;
	}
	a = xmpp_stanza_get_child_by_name_and_ns(reply, name, ns);
	if (a == NULL || xmpp_stanza_to_text(a, &text, &len) != XMPP_EOK) {
		xmpp_stanza_release(reply);
		snprintf(err, errlen, "%s answered without <%s/>", to, name);
		return -EPROTO;
	}
	r = xmlsafe_parse(text, len, MAX_ANSWER, doc, err, errlen);
	xmpp_free(grid_xmpp_ctx(g), text);
	xmpp_stanza_release(reply);
	return r < 0 ? -EPROTO : 0;
}

static long
set_num(xmlNodePtr set, const char *name)
{
	xmlNodePtr n = set ? xml_child(set, name, QUERY_RSM_NS) : NULL;
	xmlChar *v = n ? xmlNodeGetContent(n) : NULL;
	long x = v ? strtol((char *)v, NULL, 10) : -1;

	xmlFree(v);
	return x;
}

int
query_all(struct grid *g, const char *to, const char *head,
    const char *tail, long page,
    long max_pages, const char *name, const char *ns, query_page_fn *fn,
    void *arg, char *err, size_t errlen)
{
	long after = -1;

	for (long p = 0; p < max_pages; p++) {
		char set[160];
		struct buf inner;
		xmlDocPtr doc;
		xmlNodePtr root, s;
		long last, count;
		int r;

		if (after >= 0)
			snprintf(set, sizeof(set), "<set xmlns='" QUERY_RSM_NS
			    "'><max>%ld</max><after>%ld</after></set>", page,
			    after);
		else
			snprintf(set, sizeof(set), "<set xmlns='" QUERY_RSM_NS
			    "'><max>%ld</max></set>", page);
		buf_init(&inner, 1 << 20);
		buf_adds(&inner, head);
		buf_adds(&inner, set);
		buf_adds(&inner, tail);
		r = inner.data ? query_get(g, to, inner.data, name, ns, &doc,
		    err, errlen) : -E2BIG;
		buf_free(&inner);
		if (r < 0)
			return r;
		root = xmlDocGetRootElement(doc);
		s = xml_child(root, "set", QUERY_RSM_NS);
		last = set_num(s, "last");
		count = set_num(s, "count");
		r = fn(root, arg);
		xmlFreeDoc(doc);
		if (r != 0)
			return r < 0 ? r : 0;
		if (last < 0 || (count >= 0 && last + 1 >= count))
			return 0;
		after = last;
	}
	return 0;
}

void
query_service_jid(struct grid *g, const char *account, const char *program,
    char *out, size_t len)
{
	snprintf(out, len, "%s@%s/%s", account, grid_domain(g), program);
}

static long
page_num(xmlNodePtr set, const char *name, long dflt)
{
	xmlNodePtr n = set ? xml_child(set, name, QUERY_RSM_NS) : NULL;
	xmlChar *v;
	char *e;
	long x = dflt;

	if (n && (v = xmlNodeGetContent(n)) != NULL) {
		x = strtol((char *)v, &e, 10);
		if (*v == '\0' || *e || x < 0)
			x = -1;
		xmlFree(v);
	}
	return x;
}

int
query_parse(const struct grid_request *req, const char *ns,
    const struct query_attr *attrs, size_t n, long dflt, long cap,
    long *max, long *offset, struct buf *err)
{
	char why[512];
	xmlDocPtr doc;
	xmlNodePtr root;
	int r;

	if (xmlsafe_parse_root(req->payload, req->payload_len, 65536, "query",
	    ns, &doc, why, sizeof(why)) < 0) {
		buf_adds(err, why);
		return -EINVAL;
	}
	root = xmlDocGetRootElement(doc);
	for (size_t i = 0; i < n; i++)
		*attrs[i].out = xml_prop(root, attrs[i].name);
	r = query_page_request(root, dflt, cap, max, offset);
	xmlFreeDoc(doc);
	if (r < 0) {
		buf_adds(err, "bad <set/>: max and after are numbers");
		return -EINVAL;
	}
	if (n > 0 && *attrs[0].out == NULL) {
		buf_printf(err, "%s is required", attrs[0].name);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (attrs[i].ident && *attrs[i].out &&
		    !ident_ok(*attrs[i].out)) {
			buf_printf(err, "%s is not an identifier (letters, "
			    "digits and ._:/- only, at most %d)", attrs[i].name,
			    IDENT_MAX);
			return -EINVAL;
		}
	return 0;
}

int
query_page_request(xmlNodePtr q, long dflt, long cap, long *max,
    long *offset)
{
	xmlNodePtr set = xml_child(q, "set", QUERY_RSM_NS);
	long after = page_num(set, "after", -2);

	*max = page_num(set, "max", dflt);
	/* after is an index: no table has 10^12 rows, and after + 1 must
	 * not overflow (found by fuzz_query) */
	if (*max < 0 || after == -1 || after > 1000000000000L)
		return -EINVAL;
	if (*max > cap)
		*max = cap;
	*offset = after >= 0 ? after + 1 : 0;
	return 0;
}

void
query_page_answer(struct buf *b, long offset, long n, long count)
{
	buf_adds(b, "<set xmlns='" QUERY_RSM_NS "'>");
	if (n > 0)
		buf_printf(b, "<first index='%ld'>%ld</first><last>%ld</last>",
		    offset, offset, offset + n - 1);
	buf_printf(b, "<count>%ld</count></set>", count);
}

int
query_allowed(const char *from, const char *allow)
{
	char bare[1024], *list, *p, *save = NULL;
	int ok = 0;

	if (from == NULL || allow == NULL)
		return 0;
	jid_bare(from, bare, sizeof(bare));
	if ((list = strdup(allow)) == NULL)
		return 0;
	for (p = strtok_r(list, " \t,", &save); p && !ok;
	    p = strtok_r(NULL, " \t,", &save))
		ok = fnmatch(p, bare, FNM_CASEFOLD) == 0;
	free(list);
	return ok;
}

char *
query_allow_default(struct grid *g, const char *names)
{
	const char *domain = grid_domain(g);
	char *list, *p, *save = NULL;
	struct buf out;

	if ((list = strdup(names)) == NULL)
		return NULL;
	buf_init(&out, 4096);
	for (p = strtok_r(list, " ", &save); p; p = strtok_r(NULL, " ", &save))
		buf_printf(&out, "%s%s@%s", out.len ? " " : "", p, domain);
	free(list);
	return buf_steal(&out, NULL);
}
