/*
 * ctl_approve.c - endpoints waiting for an operator: sacmctl endpoints
 * pending | approved | rejected | approve ID... | reject ID...
 * (the orchestrator's approvals; plain `sacmctl endpoints` lists the
 * posture repository's endpoints).
 */
#include <stdio.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "ctl.h"
#include "xmlutil.h"

static const char *const cols[] = { "id", "hostname", "collector",
    "approval", "decided", "decided_by", "updated" };
static const char *const heads[] = { "ENDPOINT", "HOSTNAME", "COLLECTOR",
    "APPROVAL", "DECIDED", "BY", "ANNOUNCED" };

static int
list(struct ctl *c, const char *approval)
{
	struct buf q;
	xmlDocPtr doc;
	struct ctl_rows r;
	char none[64];
	int rc;

	buf_init(&q, 4096);
	buf_adds(&q, "<endpoints xmlns='" NS_ORCH "'");
	buf_add_attr(&q, "approval", approval);
	buf_adds(&q, "/>");
	rc = q.data ? ctl_orch_iq(c, "endpoints", "get", q.data, "endpoints",
	    &doc) : 2;
	buf_free(&q);
	if (rc)
		return rc;
	r.doc = doc;
	r.root = xmlDocGetRootElement(doc);
	r.list = "endpoints";
	snprintf(none, sizeof(none), "no %s endpoints", approval);
	ctl_print_rows(c, &r, cols, heads, 7, none);
	xmlFreeDoc(doc);
	return 0;
}

/* Endpoints per request: the orchestrator takes at most this many. */
#define BATCH	256

static int decide_batch(struct ctl *, const char *, int, char **);

/* Any number of endpoints, BATCH at a time. */
static int
decide(struct ctl *c, const char *verb, int argc, char **argv)
{
	int rc = 0;

	if (argc < 1)
		return 2;
	for (int i = 0; i < argc && rc != 2; i += BATCH) {
		int r = decide_batch(c, verb, argc - i < BATCH ? argc - i :
		    BATCH, argv + i);

		if (r > rc)
			rc = r;
	}
	return rc;
}

static int
decide_batch(struct ctl *c, const char *verb, int argc, char **argv)
{
	struct buf q;
	xmlDocPtr doc;
	int rc, bad = 0;

	buf_init(&q, 1 << 20);
	buf_printf(&q, "<%s xmlns='" NS_ORCH "'>", verb);
	for (int i = 0; i < argc; i++) {
		buf_adds(&q, "<endpoint");
		buf_add_attr(&q, "id", argv[i]);
		buf_adds(&q, "/>");
	}
	buf_printf(&q, "</%s>", verb);
	rc = q.data ? ctl_orch_iq_again(c, verb, "set", q.data, "endpoints",
	    &doc) :
	    ctl_fail(verb, "request too large");
	buf_free(&q);
	if (rc)
		return rc;
	for (xmlNodePtr e = xmlDocGetRootElement(doc)->children; e;
	    e = e->next) {
		char *id = xml_prop(e, "id"), *err = xml_prop(e, "error");
		char *a = xml_prop(e, "approval");

		if (e->type != XML_ELEMENT_NODE) {
			free(id); free(err); free(a);
			continue;
		}
		bad += err != NULL;
		if (c->json)
			ctl_print_object("id", id ? id : "", err ? "error" :
			    "approval", err ? err : a ? a : "", NULL);
		else if (err)
			fprintf(stderr, "sacmctl: %s: %s endpoint\n", id ? id :
			    "?", err);
		else
			printf("%s %s\n", id ? id : "?", a ? a : "?");
		free(id); free(err); free(a);
	}
	xmlFreeDoc(doc);
	return bad ? 1 : 0;
}

int
ctl_approvals(struct ctl *c, int argc, char **argv)
{
	if (strcmp(argv[0], "pending") == 0 || strcmp(argv[0],
	    "approved") == 0 || strcmp(argv[0], "rejected") == 0)
		return argc == 1 ? list(c, argv[0]) : 2;
	if (strcmp(argv[0], "approve") == 0)
		return decide(c, "approve", argc - 1, argv + 1);
	if (strcmp(argv[0], "reject") == 0)
		return decide(c, "reject", argc - 1, argv + 1);
	return 2;
}
