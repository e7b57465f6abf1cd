/*
 * ctl_results.c - results, history/diff, report, arf, incidents: the
 * results repository's queries (docs/protocol.md) and sacm/incidents.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "blob.h"
#include "buf.h"
#include "ctl.h"
#include "json.h"
#include "pubsub.h"
#include "query.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"


void
ctl_results_repo(struct ctl *c, char *to, size_t len)
{
	if (c->results_repo)
		snprintf(to, len, "%s", c->results_repo);
	else
		query_service_jid(c->g, "results-repo", "sacm-results-repo",
		    to, len);
}

static int
rows(struct ctl *c, struct buf *h, const char *list, struct ctl_rows *r)
{
	char to[512];
	int rc;

	ctl_results_repo(c, to, sizeof(to));
	buf_adds(h, ">");
	rc = h->data ? ctl_query_rows(c, "results", to, NS_RESULTS, h->data,
	    list, r) : 2;
	buf_free(h);
	return rc;
}

int
ctl_results(struct ctl *c, int argc, char **argv)
{
	struct ctl_rows r;
	struct buf h;

	buf_init(&h, 65536);
	buf_adds(&h, "<query xmlns='" NS_RESULTS "'");
	if (argc == 0) {
		static const char *const cols[] = { "endpoint", "hostname",
		    "profile", "score", "waived-score", "pass", "fail",
		    "waived", "notapplicable", "evaluated" };
		static const char *const heads[] = { "ENDPOINT", "HOSTNAME",
		    "PROFILE", "SCORE", "WAIVED SCORE", "PASS", "FAIL",
		    "WAIVED", "N/A", "EVALUATED" };

		buf_adds(&h, " type='state'");
		buf_add_attr(&h, "endpoint", c->endpoint);
		buf_add_attr(&h, "policy", c->policy);
		if (rows(c, &h, "results", &r) != 0)
			return 1;
		ctl_print_rows(c, &r, cols, heads, 10, "no results yet");
	} else if (strcmp(argv[0], "history") == 0 && argc == 2) {
		static const char *const cols[] = { "id", "assessment",
		    "evaluated", "state", "score", "pass", "fail" };
		static const char *const heads[] = { "EVALUATION",
		    "ASSESSMENT", "EVALUATED", "STATE", "SCORE", "PASS",
		    "FAIL" };

		buf_adds(&h, " type='history'");
		buf_add_attr(&h, "endpoint", argv[1]);
		buf_add_attr(&h, "policy", c->policy);
		buf_add_attr(&h, "profile", c->profile);
		if (rows(c, &h, "evaluations", &r) != 0)
			return 1;
		ctl_print_rows(c, &r, cols, heads, 7, "no evaluations");
	} else if (strcmp(argv[0], "diff") == 0 && (argc == 2 || argc == 4)) {
		static const char *const cols[] = { "change", "id", "severity",
		    "before", "after" };
		static const char *const heads[] = { "CHANGE", "RULE",
		    "SEVERITY", "BEFORE", "AFTER" };

		buf_adds(&h, " type='diff'");
		buf_add_attr(&h, "endpoint", argv[1]);
		if (argc == 4) {
			buf_add_attr(&h, "from", argv[2]);
			buf_add_attr(&h, "to", argv[3]);
		}
		if (rows(c, &h, "diff", &r) != 0)
			return 1;
		ctl_print_rows(c, &r, cols, heads, 5, "no change");
	} else if (strcmp(argv[0], "rules") == 0 && (argc == 2 ||
	    (argc == 1 && c->id))) {
		static const char *const cols[] = { "result", "severity",
		    "id", "waiver", "title" };
		static const char *const heads[] = { "RESULT", "SEVERITY",
		    "RULE", "WAIVER", "TITLE" };

		buf_adds(&h, " type='rules'");
		/* an endpoint (its latest), or an evaluation by request id */
		buf_add_attr(&h, "endpoint", argc == 2 ? argv[1] : NULL);
		buf_add_attr(&h, "evaluation", c->id);
		buf_add_attr(&h, "policy", c->policy);
		buf_add_attr(&h, "profile", c->profile);
		if (rows(c, &h, "rules", &r) != 0)
			return 1;
		ctl_print_rows(c, &r, cols, heads, 5, "no rule results");
	} else if (strcmp(argv[0], "failing") == 0 && argc == 2) {
		static const char *const cols[] = { "id", "hostname",
		    "profile", "evaluation", "evaluated" };
		static const char *const heads[] = { "ENDPOINT", "HOSTNAME",
		    "PROFILE", "EVALUATION", "EVALUATED" };

		buf_adds(&h, " type='failing'");
		buf_add_attr(&h, "rule", argv[1]);
		buf_add_attr(&h, "policy", c->policy);
		if (rows(c, &h, "endpoints", &r) != 0)
			return 1;
		ctl_print_rows(c, &r, cols, heads, 5, "no endpoint fails it");
	} else {
		buf_free(&h);
		return 2;
	}
	xmlFreeDoc(r.doc);
	return 0;
}

xmlDocPtr
ctl_results_blob(struct ctl *c, const char *what, struct buf *query,
    const char *child, xmlNodePtr *elem, char **data, size_t *len,
    struct blob_ref *refout)
{
	struct blob_ref ref;
	xmlDocPtr doc;
	char to[512], err[1024];
	int r;

	ctl_results_repo(c, to, sizeof(to));
	r = query->data ? query_get(c->g, to, query->data, "query", NS_RESULTS,
	    &doc, err, sizeof(err)) : -E2BIG;
	if (r == -E2BIG)
		snprintf(err, sizeof(err), "the query is too long");
	if (r < 0) {
		ctl_fail(what, "%s", err);
		return NULL;
	}
	*elem = xml_child(xmlDocGetRootElement(doc), child, NULL);
	if (*elem == NULL || blob_ref_from_xml(xml_child(*elem, "blob",
	    BLOB_NS), &ref, err, sizeof(err)) < 0) {
		xmlFreeDoc(doc);
		ctl_fail(what, "the answer has no %s", child);
		return NULL;
	}
	r = blob_get(c->g, &ref, 1u << 30, data, len, err, sizeof(err));
	if (r == 0 && refout)
		*refout = ref;
	else
		blob_ref_free(&ref);
	if (r < 0) {
		xmlFreeDoc(doc);
		ctl_fail(what, "%s", err);
		return NULL;
	}
	return doc;
}

/* The HTML report (what "report") or the ARF (what "arf"), as a blob. */
static int
fetch_doc(struct ctl *c, const char *what, int argc, char **argv)
{
	struct buf h;
	xmlDocPtr doc;
	xmlNodePtr rep;
	char *html = NULL;
	size_t len;
	FILE *f;

	if (argc != 1 || c->out == NULL)
		return 2;
	buf_init(&h, 65536);
	buf_adds(&h, "<query xmlns='" NS_RESULTS "'");
	buf_add_attr(&h, "type", what);
	buf_add_attr(&h, "endpoint", argv[0]);
	buf_add_attr(&h, "assessment", c->assessment);
	buf_add_attr(&h, "policy", c->policy);
	buf_add_attr(&h, "profile", c->profile);
	if (c->raw)
		buf_adds(&h, " raw='true'");
	buf_adds(&h, "/>");
	doc = ctl_results_blob(c, what, &h, what, &rep, &html, &len, NULL);
	buf_free(&h);
	if (doc == NULL)
		return 1;
	xmlFreeDoc(doc);
	if ((f = fopen(c->out, "w")) == NULL || fwrite(html, 1, len, f) !=
	    len || fclose(f) != 0) {
		free(html);
		return ctl_fail(what, "%s: %s", c->out, strerror(errno));
	}
	free(html);
	if (c->json) {
		char n[32];

		snprintf(n, sizeof(n), "%zu", len);
		ctl_print_object("file", c->out, "size", n, NULL);
	} else
		printf("%s (%zu bytes)\n", c->out, len);
	return 0;
}

int
ctl_report(struct ctl *c, int argc, char **argv)
{
	return fetch_doc(c, "report", argc, argv);
}

int
ctl_arf(struct ctl *c, int argc, char **argv)
{
	return fetch_doc(c, "arf", argc, argv);
}

/* incidents: the IODEF documents on sacm/incidents, newest first. */
struct inc {
	struct ctl	*c;
	struct buf	 out;
	int		 n;
};

static char *
text_of(xmlNodePtr root, const char *name, const char *meaning)
{
	for (xmlNodePtr n = root; n; n = n->next) {
		char *m, *r;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, name) == 0) {
			m = meaning ? xml_prop(n, "meaning") : NULL;
			if (meaning == NULL || (m && strcmp(m, meaning) == 0)) {
				xmlChar *v = xmlNodeGetContent(n);

				free(m);
				r = v ? strdup((char *)v) : NULL;
				xmlFree(v);
				return r;
			}
			free(m);
		}
		if ((r = text_of(n->children, name, meaning)) != NULL)
			return r;
	}
	return NULL;
}

static xmlNodePtr
find_el(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr f; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, name) == 0)
			return n;
		if ((f = find_el(n->children, name)) != NULL)
			return f;
	}
	return NULL;
}

/* One <Incident/> of a document: its id (IncidentID, else the item's),
 * when, where, which rule, how severe. */
static void
one_incident(struct inc *in, xmlNodePtr i, const char *item)
{
	char *id = text_of(i->children, "IncidentID", NULL);
	char *when = text_of(i->children, "DetectTime", NULL);
	char *host = text_of(i->children, "Name", NULL);
	char *rule = text_of(i->children, "AdditionalData", "xccdf-rule");
	char *sev = NULL;
	xmlNodePtr imp;

	if ((imp = find_el(i->children, "SystemImpact")) != NULL)
		sev = xml_prop(imp, "severity");
	if (in->c->json) {
		buf_adds(&in->out, in->n ? ",\n {\"id\":" : "{\"id\":");
		json_str(&in->out, id ? id : item);
		buf_adds(&in->out, ",\"detected\":");
		json_str(&in->out, when);
		buf_adds(&in->out, ",\"host\":");
		json_str(&in->out, host);
		buf_adds(&in->out, ",\"rule\":");
		json_str(&in->out, rule);
		buf_adds(&in->out, ",\"severity\":");
		json_str(&in->out, sev);
		buf_adds(&in->out, "}");
	} else
		buf_printf(&in->out, "%-36s  %-20s  %-20s  %-6s  %s\n",
		    id ? id : item, when ? when : "-", host ? host : "-",
		    sev ? sev : "-", rule ? rule : "-");
	in->n++;
	free(id); free(when); free(host); free(rule); free(sev);
}

/* An item: an IODEF document of one incident or more (those one
 * evaluation opened). */
static int
incident(const struct grid_event *ev, void *arg)
{
	char err[256];
	xmlDocPtr doc;

	if (ev->payload == NULL || xmlsafe_parse_root(ev->payload,
	    ev->payload_len, 1 << 20, "IODEF-Document", IODEF_NS, &doc, err,
	    sizeof(err)) < 0)
		return 0;
	for (xmlNodePtr i = xmlDocGetRootElement(doc)->children; i;
	    i = i->next)
		if (xml_is(i, "Incident", IODEF_NS))
			one_incident(arg, i, ev->item_id);
	xmlFreeDoc(doc);
	return 0;
}

int
ctl_incidents(struct ctl *c, int argc, char **argv)
{
	struct inc in = { .c = c };
	int r;

	(void)argv;
	if (argc != 0)
		return 2;
	buf_init(&in.out, 256u << 20);
	if (c->json)
		buf_adds(&in.out, "[");
	else
		buf_printf(&in.out, "%-36s  %-20s  %-20s  %-6s  %s\n",
		    "INCIDENT", "DETECTED", "HOST", "SEV", "RULE");
	if ((r = pubsub_items(c->g, TOPIC_INCIDENTS, NULL, c->n_set ? c->n :
	    0, incident, &in)) < 0) {
		buf_free(&in.out);
		return ctl_fail("incidents", "%s", grid_errstr(c->g));
	}
	if (c->json)
		buf_adds(&in.out, "]\n");
	fputs(in.out.data ? in.out.data : "", stdout);
	buf_free(&in.out);
	return 0;
}
