/*
 * xmlutil.c - see xmlutil.h.
 */
#include <stdlib.h>
#include <string.h>

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

void
time_iso(char out[32], time_t t)
{
	struct tm tm;

	if (t == 0)
		t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
