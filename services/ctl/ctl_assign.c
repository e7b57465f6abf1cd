/*
 * ctl_assign.c - operators' assignments kept by the orchestrator: assign
 * (a policy and profile to endpoints, once or every DURATION),
 * assignments, unassign; and the IQ they and `assess` share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "ctl.h"
#include "grid_iq.h"
#include "query.h"
#include "xmlsafe.h"
#include "xmlutil.h"

static int
orch_iq(struct ctl *c, const char *what, const char *type,
    const char *query, const char *answer, xmlDocPtr *docp, int again)
{
	xmpp_stanza_t *reply = NULL, *a;
	char to[512], err[1024], *text;
	size_t len;
	int r;

	*docp = NULL;
	query_service_jid(c->g, "orchestrator", "sacm-orchestrator", to,
	    sizeof(to));
	if ((r = grid_iq(c->g, to, type, query, &reply)) == -ETIMEDOUT &&
	    again) {
		fprintf(stderr, "sacmctl: %s: %s; asking again\n", what,
		    grid_errstr(c->g));
		r = grid_iq(c->g, to, type, query, &reply);
	}
	if (r < 0)
		return ctl_fail(what, "%s%s", grid_errstr(c->g), r ==
		    -EOPNOTSUPP || r == -ETIMEDOUT ? " (is sacm-orchestrator "
		    "running?)" : "");
	a = xmpp_stanza_get_child_by_name_and_ns(reply, answer, NS_ORCH);
	if (a == NULL || xmpp_stanza_to_text(a, &text, &len) != XMPP_EOK) {
		xmpp_stanza_release(reply);
		return ctl_fail(what, "malformed answer");
	}
	r = xmlsafe_parse(text, len, 16 << 20, docp, err, sizeof(err));
	xmpp_free(grid_xmpp_ctx(c->g), text);
	xmpp_stanza_release(reply);
	return r < 0 ? ctl_fail(what, "%s", err) : 0;
}

int
ctl_orch_iq(struct ctl *c, const char *what, const char *type,
    const char *query, const char *answer, xmlDocPtr *docp)
{
	return orch_iq(c, what, type, query, answer, docp, 0);
}

int
ctl_orch_iq_again(struct ctl *c, const char *what, const char *type,
    const char *query, const char *answer, xmlDocPtr *docp)
{
	return orch_iq(c, what, type, query, answer, docp, 1);
}

long
ctl_duration(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10), m = 1;

	if (end == s || v <= 0)
		return 0;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': m = 60; break;
	case 'h': m = 3600; break;
	case 'd': m = 86400; break;
	default: return 0;
	}
	if (*end && end[1])
		return 0;
	return v > 365L * 86400 / m ? 0 : v * m;
}

void
ctl_add_endpoints(struct buf *q, const char *list)
{
	char *s = strdup(list ? list : ""), *p, *save = NULL;

	for (p = strtok_r(s, ", ", &save); p; p = strtok_r(NULL, ", ", &save)) {
		buf_adds(q, "<endpoint id='");
		buf_add_xml(q, p);
		buf_adds(q, "'/>");
	}
	free(s);
}

static void
print_assignments(struct ctl *c, xmlDocPtr doc, xmlNodePtr list)
{
	static const char *const cols[] = { "id", "profile", "every", "next",
	    "runs", "endpoints", "policy" };
	static const char *const heads[] = { "ASSIGNMENT", "PROFILE", "EVERY",
	    "NEXT", "RUNS", "ENDPOINTS", "POLICY" };
	struct ctl_rows r = { doc, list, NULL };

	/* endpoints as one attribute, for the table and --json */
	for (xmlNodePtr a = list->children; a; a = a->next) {
		struct buf b;

		if (a->type != XML_ELEMENT_NODE)
			continue;
		buf_init(&b, 1 << 20);
		for (xmlNodePtr e = a->children; e; e = e->next) {
			char *id = xml_prop(e, "id");

			if (id)
				buf_printf(&b, "%s%s", b.len ? "," : "", id);
			free(id);
		}
		xmlSetProp(a, BAD_CAST "endpoints", BAD_CAST(b.data ? b.data :
		    "all"));
		buf_free(&b);
	}
	ctl_print_rows(c, &r, cols, heads, 7, "no assignments");
}

int
ctl_assign(struct ctl *c, int argc, char **argv)
{
	struct buf q;
	xmlDocPtr doc;
	xmlNodePtr a, as;
	long every = 0;
	int r, n = 0;

	if (argc != 1)
		return 2;
	if (c->profile == NULL)
		return ctl_fail("assign", "--profile is required");
	if (c->every && (every = ctl_duration(c->every)) == 0)
		return ctl_fail("assign", "bad duration '%s' (like 90s, 15m, "
		    "6h, 1d)", c->every);
	buf_init(&q, 65536);
	buf_adds(&q, "<assign xmlns='" NS_ORCH "' policy='");
	buf_add_xml(&q, argv[0]);
	buf_adds(&q, "' profile='");
	buf_add_xml(&q, c->profile);
	if (every)
		buf_printf(&q, "' every='%ld", every);
	buf_adds(&q, "'>");
	ctl_add_endpoints(&q, c->endpoint);
	buf_adds(&q, "</assign>");
	r = q.data ? ctl_orch_iq(c, "assign", "set", q.data, "assigned", &doc)
	    : ctl_fail("assign", "request too large");
	buf_free(&q);
	if (r)
		return r;
	a = xml_child(xmlDocGetRootElement(doc), "assignment", NS_ORCH);
	as = xml_child(xmlDocGetRootElement(doc), "assessments", NS_ORCH);
	for (xmlNodePtr e = as ? as->children : NULL; e; e = e->next)
		n += xml_is(e, "assessment", NS_ORCH);
	if (c->json) {
		xmlNodePtr list = xmlNewNode(NULL, BAD_CAST "assignments");

		xmlUnlinkNode(a);
		xmlAddChild(list, a);
		xmlAddChild(xmlDocGetRootElement(doc), list);
		print_assignments(c, doc, list);
	} else {
		char *id = ctl_prop(a, "id"), *next = ctl_prop(a, "next");

		printf("%s: %d assessment(s) now%s%s\n", id, n, every ?
		    ", next run " : "", every ? next : "");
		free(id);
		free(next);
	}
	xmlFreeDoc(doc);
	return 0;
}

int
ctl_assignments(struct ctl *c, int argc, char **argv)
{
	xmlDocPtr doc;
	int r;

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "list") != 0))
		return 2;
	if ((r = ctl_orch_iq(c, "assignments", "get", "<assignments xmlns='"
	    NS_ORCH "'/>", "assignments", &doc)) != 0)
		return r;
	print_assignments(c, doc, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	return 0;
}

int
ctl_unassign(struct ctl *c, int argc, char **argv)
{
	struct buf q;
	xmlDocPtr doc;
	int r;

	if (argc != 1)
		return 2;
	buf_init(&q, 4096);
	buf_adds(&q, "<unassign xmlns='" NS_ORCH "' id='");
	buf_add_xml(&q, argv[0]);
	buf_adds(&q, "'/>");
	r = q.data ? ctl_orch_iq(c, "unassign", "set", q.data, "unassigned",
	    &doc) : 2;
	buf_free(&q);
	if (r)
		return r;
	xmlFreeDoc(doc);
	if (c->json)
		ctl_print_object("id", argv[0], "state", "removed", NULL);
	else
		printf("%s removed\n", argv[0]);
	return 0;
}
