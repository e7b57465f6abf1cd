/*
 * ctl_assess.c - assess (an operator's request to the orchestrator, with
 * progress) and assessments (sacm/assessments).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>

#include "buf.h"
#include "ctl.h"
#include "grid_iq.h"
#include "json.h"
#include "pubsub.h"
#include "query.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"


xmlDocPtr
ctl_assessment(struct ctl *c, const char *id)
{
	xmlDocPtr doc;
	char err[128], *payload;

	if ((payload = ctl_item(c, TOPIC_ASSESSMENTS, id, NULL)) == NULL)
		return NULL;
	if (xmlsafe_parse_root(payload, strlen(payload), 1 << 20,
	    "assessment", SACM_NS, &doc, err, sizeof(err)) < 0)
		doc = NULL;
	free(payload);
	return doc;
}

static int
terminal(const char *s)
{
	return s && (!strcmp(s, "complete") || !strcmp(s, "failed") ||
	    !strcmp(s, "timed-out"));
}

/* Waits (--timeout, default 30 min) until the assessments are over,
 * with progress on stderr.  0, or 1 with the reason printed. */
int
ctl_wait_assessments(struct ctl *c, const char *what, char *const *ids,
    size_t n)
{
	time_t end = time(NULL) + (c->timeout ? c->timeout : 1800);
	size_t done = 0;
	int bad = 0;

	while (!ctl_quit && time(NULL) < end) {
		char step[64] = "";

		done = 0;
		bad = 0;
		for (size_t i = 0; i < n; i++) {
			xmlDocPtr doc = ctl_assessment(c, ids[i]);
			char *state = doc ? xml_prop(xmlDocGetRootElement(doc),
			    "state") : NULL;

			if (terminal(state)) {
				done++;
				bad += strcmp(state, "complete") != 0;
			} else if (state && !step[0])
				snprintf(step, sizeof(step), "%s", state);
			free(state);
			xmlFreeDoc(doc);
		}
		if (!c->json)
			fprintf(stderr, "\r%zu/%zu done%s%s   ", done, n,
			    step[0] ? ", now " : "", step);
		if (done == n)
			break;
		grid_run_once(c->g, 250);
	}
	if (!c->json)
		fputc('\n', stderr);
	if (done < n)
		return ctl_fail(what, "%zu of %zu assessments still open",
		    n - done, n);
	if (bad)
		return ctl_fail(what, "%d assessment(s) did not complete "
		    "(sacmctl assessments show ID)", bad);
	return 0;
}

int
ctl_assess(struct ctl *c, int argc, char **argv)
{
	struct buf q;
	xmlDocPtr doc;
	xmlNodePtr root;
	char *ids[1024];
	size_t n = 0;
	int r;

	if (argc != 1)
		return 2;
	buf_init(&q, 65536);
	buf_adds(&q, "<assess xmlns='" NS_ORCH "' policy='");
	buf_add_xml(&q, argv[0]);
	buf_adds(&q, "'");
	if (c->profile) {
		buf_adds(&q, " profile='");
		buf_add_xml(&q, c->profile);
		buf_adds(&q, "'");
	}
	buf_adds(&q, ">");
	ctl_add_endpoints(&q, c->endpoint);
	buf_adds(&q, "</assess>");
	r = q.data ? ctl_orch_iq(c, "assess", "set", q.data, "assessments",
	    &doc) : ctl_fail("assess", "request too large");
	buf_free(&q);
	if (r)
		return r;
	root = xmlDocGetRootElement(doc);
	for (xmlNodePtr e = root->children; e && n < 1024; e = e->next)
		if (xml_is(e, "assessment", NS_ORCH) &&
		    (ids[n] = xml_prop(e, "id")) != NULL)
			n++;
	xmlFreeDoc(doc);
	if (n == 0) {
		printf("%s\n", c->json ? "[]" : "no endpoint to assess (none "
		    "applies, or none is known yet)");
		return 0;
	}
	for (size_t i = 0; i < n && !c->json; i++)
		printf("%s\n", ids[i]);
	if (c->wait)
		r = ctl_wait_assessments(c, "assess", ids, n);
	if (c->json) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s\"%s\"", i ? "," : "", ids[i]);
		printf("]\n");
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	return r < 0 ? 1 : r;
}

/* An assessment item as a row: its attributes, and its reason (why it
 * is where it is: waiting for an offline endpoint, a retry, a failure)
 * as the attribute "note". */
static int
row(const struct grid_event *ev, void *arg)
{
	struct ctl_rows *r = arg;
	xmlDocPtr doc;
	xmlNodePtr a, copy, why;
	char err[128];

	if (ev->payload == NULL || xmlsafe_parse_root(ev->payload,
	    ev->payload_len, 1 << 20, "assessment", SACM_NS, &doc, err,
	    sizeof(err)) < 0)
		return 0;
	a = xmlDocGetRootElement(doc);
	copy = xmlDocCopyNode(a, r->doc, 2);	/* attributes only */
	if ((why = xml_child(a, "reason", SACM_NS)) != NULL) {
		char *t = xml_text(why);

		if (t)
			xmlSetProp(copy, BAD_CAST "note", BAD_CAST t);
		free(t);
	}
	xmlAddChild(r->root, copy);
	xmlFreeDoc(doc);
	return 0;
}

int
ctl_assessments(struct ctl *c, int argc, char **argv)
{
	static const char *const cols[] = { "id", "state", "endpoint",
	    "trigger", "updated", "note" };
	static const char *const heads[] = { "ASSESSMENT", "STATE",
	    "ENDPOINT", "TRIGGER", "UPDATED", "NOTE" };
	struct ctl_rows r;
	int show = argc == 2 && strcmp(argv[0], "show") == 0;

	if (!show && (argc > 1 || (argc == 1 && strcmp(argv[0], "list") !=
	    0)))
		return 2;
	if (show && !c->json) {
		char *payload = ctl_item(c, TOPIC_ASSESSMENTS, argv[1], NULL);

		if (payload == NULL)
			return ctl_fail("assessments", "no assessment %s",
			    argv[1]);
		printf("%s\n", payload);
		free(payload);
		return 0;
	}
	r.doc = xmlNewDoc(BAD_CAST "1.0");
	r.root = xmlNewNode(NULL, BAD_CAST "rows");
	r.list = NULL;
	xmlDocSetRootElement(r.doc, r.root);
	if (pubsub_items(c->g, TOPIC_ASSESSMENTS, show ? argv[1] : NULL,
	    show ? 0 : c->n_set ? c->n : 0, row, &r) < 0) {
		xmlFreeDoc(r.doc);
		return show ? ctl_fail("assessments", "no assessment %s",
		    argv[1]) : ctl_fail("assessments", "%s",
		    grid_errstr(c->g));
	}
	if (show) {
		struct buf b;

		if (r.root->children == NULL) {
			xmlFreeDoc(r.doc);
			return ctl_fail("assessments", "no assessment %s",
			    argv[1]);
		}
		buf_init(&b, 1 << 20);
		ctl_json_attrs(&b, r.root->children);
		printf("%s\n", b.data ? b.data : "{}");
		buf_free(&b);
	} else
		ctl_print_rows(c, &r, cols, heads, 6, "no assessments");
	xmlFreeDoc(r.doc);
	return 0;
}
