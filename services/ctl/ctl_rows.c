/*
 * ctl_rows.c - the services' list queries (paged over XEP-0059) as rows,
 * printed as a table or as JSON.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "ctl.h"
#include "json.h"
#include "query.h"
#include "xmlutil.h"

#define PAGE		200
#define MAX_PAGES	1000

/* gather: copies each page's rows into r->root. */
static int
gather(xmlNodePtr answer, void *arg)
{
	struct ctl_rows *r = arg;
	xmlNodePtr l = xml_child(answer, r->list, NULL);

	for (xmlNodePtr e = l ? l->children : NULL; e; e = e->next)
		if (e->type == XML_ELEMENT_NODE)
			xmlAddChild(r->root, xmlDocCopyNode(e, r->doc, 1));
	return 0;
}

int
ctl_query_rows(struct ctl *c, const char *what, const char *to,
    const char *ns, const char *head, const char *list, struct ctl_rows *r)
{
	char err[1024];
	int rc;

	r->doc = xmlNewDoc(BAD_CAST "1.0");
	r->root = xmlNewNode(NULL, BAD_CAST "rows");
	xmlDocSetRootElement(r->doc, r->root);
	r->list = list;
	rc = query_all(c->g, to, head, "</query>", PAGE, MAX_PAGES, "query",
	    ns, gather, r, err, sizeof(err));
	if (rc < 0) {
		xmlFreeDoc(r->doc);
		return ctl_fail(what, "%s%s%s", err, rc == -EOPNOTSUPP ||
		    rc == -ETIMEDOUT ? "; is this running? " : "",
		    rc == -EOPNOTSUPP || rc == -ETIMEDOUT ? to : "");
	}
	return 0;
}

/*
 * The attributes that are numbers in the protocol (docs/protocol.md):
 * --json prints them as JSON numbers.  By name, not by looks: an
 * endpoint id of digits stays a string.
 */
static const char *const numeric[] = {
	"age-s", "attempts", "bad", "count", "definitions", "duration-ms",
	"error", "every", "fail", "fixed", "from-inventory",
	"informational", "interval", "items", "max", "needed-collection",
	"newly", "notapplicable", "notchecked", "objects", "other",
	"packages", "pass", "records", "reports", "runs", "score", "seq",
	"sequence", "size", "step", "steps", "unknown", "vulnerable",
	"waived", "waived-fail", "waived-pass", "waived-score",
};

static int
is_number(const char *name, const char *v)
{
	char *end;

	for (size_t i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++)
		if (strcmp(name, numeric[i]) == 0) {
			/* JSON's grammar, not strtod's: no hex, inf, nan, +,
			 * leading dot or trailing dot */
			if (v[0] == '\0' || v[0] == '+' || v[0] == '.' ||
			    strpbrk(v, "xXiInN") != NULL)
				return 0;
			(void)strtod(v, &end);
			return *end == '\0' && end[-1] != '.';
		}
	return 0;
}

void
ctl_json_attrs(struct buf *b, xmlNodePtr e)
{
	buf_adds(b, "{");
	for (xmlAttrPtr a = e->properties; a; a = a->next) {
		xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
		const char *s = v ? (const char *)v : "";

		if (a != e->properties)
			buf_adds(b, ",");
		json_str(b, (const char *)a->name);
		buf_adds(b, ":");
		if (is_number((const char *)a->name, s))
			buf_adds(b, s);
		else
			json_str(b, s);
		xmlFree(v);
	}
	buf_adds(b, "}");
}

void
ctl_print_object(const char *key, ...)
{
	xmlNodePtr e = xmlNewNode(NULL, BAD_CAST "o");
	struct buf b;
	va_list ap;

	va_start(ap, key);
	for (const char *k = key; k; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);

		if (v)
			xmlSetProp(e, BAD_CAST k, BAD_CAST v);
	}
	va_end(ap);
	buf_init(&b, 1 << 20);
	ctl_json_attrs(&b, e);
	buf_adds(&b, "\n");
	fputs(b.data ? b.data : "{}\n", stdout);
	buf_free(&b);
	xmlFreeNode(e);
}

char *
ctl_prop(xmlNodePtr e, const char *name)
{
	char *v = xml_prop(e, name);

	return v ? v : strdup("-");
}

/* Prints the rows as a table of the given columns, or all attributes as
 * JSON objects. */
void
ctl_print_rows(struct ctl *c, struct ctl_rows *r, const char *const *cols,
    const char *const *heads, size_t ncols, const char *empty)
{
	size_t w[16] = { 0 }, n = 0;
	struct buf b;

	if (c->json) {
		buf_init(&b, 256u << 20);
		buf_adds(&b, "[");
		for (xmlNodePtr e = r->root->children; e; e = e->next) {
			if (e->type != XML_ELEMENT_NODE)
				continue;
			buf_adds(&b, n++ ? ",\n " : "");
			ctl_json_attrs(&b, e);
		}
		buf_adds(&b, "]\n");
		fputs(b.data ? b.data : "[]\n", stdout);
		buf_free(&b);
		return;
	}
	for (size_t i = 0; i < ncols; i++)
		w[i] = strlen(heads[i]);
	for (xmlNodePtr e = r->root->children; e; e = e->next, n++)
		for (size_t i = 0; i < ncols; i++) {
			char *v = ctl_prop(e, cols[i]);

			if (strlen(v) > w[i])
				w[i] = strlen(v);
			free(v);
		}
	if (n == 0) {
		printf("%s\n", empty);
		return;
	}
	for (size_t i = 0; i < ncols; i++)
		printf("%-*s%s", (int)w[i], heads[i], i + 1 < ncols ? "  " :
		    "\n");
	for (xmlNodePtr e = r->root->children; e; e = e->next)
		for (size_t i = 0; i < ncols; i++) {
			char *v = ctl_prop(e, cols[i]);

			printf("%-*s%s", (int)w[i], v, i + 1 < ncols ? "  " :
			    "\n");
			free(v);
		}
}

