/*
 * xmlutil.c - see xmlutil.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ident.h"
#include "xmlutil.h"

char *
xml_prop(xmlNodePtr n, const char *name)
{
	xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;
	char *s = v ? strdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

char *
xml_text(xmlNodePtr n)
{
	xmlChar *v = n ? xmlNodeGetContent(n) : NULL;
	char *s = v ? strdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

int
xml_is(xmlNodePtr n, const char *name, const char *ns)
{
	return n && n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0 && (ns == NULL ||
	    (n->ns && strcmp((const char *)n->ns->href, ns) == 0));
}

xmlNodePtr
xml_child(xmlNodePtr n, const char *name, const char *ns)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    (name == NULL || xml_is(n, name, ns)))
			return n;
	return NULL;
}

int
xml_node_text(xmlNodePtr n, char **out, size_t *len)
{
	xmlDocPtr d = xmlNewDoc((const xmlChar *)"1.0");
	xmlBufferPtr xb = xmlBufferCreate();
	xmlNodePtr copy;
	int r = -ENOMEM;

	*out = NULL;
	if (d && xb && (copy = xmlDocCopyNode(n, d, 1)) != NULL) {
		/* A document of its own, so that the namespaces it uses are
		 * declared on it; dumped without an XML declaration so that
		 * the text can be embedded. */
		xmlDocSetRootElement(d, copy);
		xmlReconciliateNs(d, copy);
		if (xmlNodeDump(xb, d, copy, 0, 0) >= 0 &&
		    (*out = strdup((const char *)xmlBufferContent(xb))) !=
		    NULL) {
			*len = strlen(*out);
			r = 0;
		}
	}
	if (xb)
		xmlBufferFree(xb);
	xmlFreeDoc(d);
	return r;
}

void
time_iso(char out[32], time_t t)
{
	struct tm tm;

	if (t == 0)
		t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *
xml_children_text(xmlNodePtr parent, const char *name, const char *ns)
{
	struct buf b;
	char *out;

	buf_init(&b, 1 << 20);
	for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
		if (xml_is(c, name, ns)) {
			xmlChar *v = xmlNodeGetContent(c);

			if (b.len)
				buf_adds(&b, " ");
			buf_adds(&b, v ? (const char *)v : "");
			xmlFree(v);
		}
	out = b.len ? buf_steal(&b, NULL) : NULL;
	buf_free(&b);
	return out;
}

const char *const xml_id_attrs[] = {
	"id", "endpoint", "request", "policy", "profile", "assessment",
	"evaluation", "base", "feed", NULL
};

static int
attrs_ok(xmlNodePtr n, const char *const *names, const char **bad)
{
	for (xmlAttrPtr a = n->properties; a; a = a->next)
		for (size_t i = 0; names[i]; i++) {
			xmlChar *v;
			int ok;

			if (strcmp((const char *)a->name, names[i]) != 0)
				continue;
			v = xmlNodeGetContent((xmlNodePtr)a);
			ok = ident_ok((const char *)v);
			xmlFree(v);
			if (!ok) {
				if (bad)
					*bad = names[i];
				return 0;
			}
		}
	return 1;
}

int
xml_ids_ok(xmlNodePtr n, const char *const *names, const char **bad)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return 1;
	if (!attrs_ok(n, names, bad))
		return 0;
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (!xml_ids_ok(c, names, bad))
			return 0;
	return 1;
}
