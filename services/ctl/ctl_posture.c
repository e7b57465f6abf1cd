/*
 * ctl_posture.c - endpoints, posture show, inventory show / search: the
 * posture repository's queries (docs/protocol.md), as tables or JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "ctl.h"
#include "debver.h"
#include "json.h"
#include "query.h"
#include "xmlutil.h"

#define NS_POSTURE	"http://sacm-grid.dev/protocol/1/posture"

static int
run(struct ctl *c, const char *what, const char *head, const char *list,
    struct ctl_rows *r)
{
	char to[512];

	if (c->posture_repo)
		snprintf(to, sizeof(to), "%s", c->posture_repo);
	else
		query_service_jid(c->g, "posture-repo", "sacm-posture-repo",
		    to, sizeof(to));
	return ctl_query_rows(c, what, to, NS_POSTURE, head, list, r);
}

int
ctl_endpoints(struct ctl *c, int argc, char **argv)
{
	static const char *const cols[] = { "id", "hostname", "platform",
	    "last-collected", "last-state", "age-s", "reports" };
	static const char *const heads[] = { "ENDPOINT", "HOSTNAME",
	    "PLATFORM", "LAST COLLECTED", "STATE", "AGE(S)", "REPORTS" };
	struct ctl_rows r;

	if (argc > 0)
		return ctl_approvals(c, argc, argv);
	if (run(c, "endpoints", "<query xmlns='" NS_POSTURE "' type="
	    "'endpoints'>", "endpoints", &r) != 0)
		return 1;
	ctl_print_rows(c, &r, cols, heads, 7, "no endpoints yet");
	xmlFreeDoc(r.doc);
	return 0;
}

static int
posture_query(struct ctl *c, const char *type, const char *ep,
    const char *list, struct ctl_rows *r)
{
	struct buf h;
	int rc;

	buf_init(&h, 65536);
	buf_printf(&h, "<query xmlns='" NS_POSTURE "' type='%s'", type);
	buf_add_attr(&h, "endpoint", ep);
	buf_add_attr(&h, "policy", c->policy);
	buf_add_attr(&h, "profile", c->profile);
	buf_adds(&h, ">");
	rc = h.data ? run(c, "posture", h.data, list, r) : 2;
	buf_free(&h);
	return rc;
}

int
ctl_posture(struct ctl *c, int argc, char **argv)
{
	static const char *const cols[] = { "id", "collected", "reason",
	    "state", "changed", "packages", "policy", "request" };
	static const char *const heads[] = { "REPORT", "COLLECTED", "REASON",
	    "STATE", "CHANGED", "PACKAGES", "POLICY", "REQUEST" };
	struct ctl_rows r;
	xmlNodePtr e;

	if (argc != 2 || strcmp(argv[0], "show") != 0)
		return 2;
	if (c->history) {
		if (posture_query(c, "history", argv[1], "reports", &r) != 0)
			return 1;
		ctl_print_rows(c, &r, cols, heads, 8, "no reports");
		xmlFreeDoc(r.doc);
		return 0;
	}
	if (posture_query(c, "latest", argv[1], "reports", &r) != 0)
		return 1;
	if ((e = xml_child(r.root, "report", NULL)) == NULL) {
		xmlFreeDoc(r.doc);
		return ctl_fail("posture", "no posture for %s", argv[1]);
	}
	if (c->json) {
		ctl_print_rows(c, &r, cols, heads, 8, "");
	} else {
		static const char *const f[] = { "endpoint", "hostname",
		    "platform", "policy", "profile", "request", "reason",
		    "state", "collected", "duration-ms", "received",
		    "changed", "packages" };

		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			char *v = ctl_prop(e, f[i]);

			printf("%-12s %s\n", f[i], v);
			free(v);
		}
		for (xmlNodePtr d = e->children; d; d = d->next) {
			char *k, *dg;

			if (d->type != XML_ELEMENT_NODE)
				continue;
			k = ctl_prop(d, "kind");
			dg = ctl_prop(d, "digest");
			printf("%-12s %s %s\n", (const char *)d->name, k, dg);
			free(k);
			free(dg);
		}
	}
	xmlFreeDoc(r.doc);
	return 0;
}

int
ctl_inventory(struct ctl *c, int argc, char **argv)
{
	struct ctl_rows r;
	struct buf h;
	char err[256];
	int rc;

	if (argc != 2)
		return 2;
	buf_init(&h, 65536);
	if (strcmp(argv[0], "show") == 0) {
		static const char *const cols[] = { "name", "version", "arch" };
		static const char *const heads[] = { "PACKAGE", "VERSION",
		    "ARCH" };

		buf_adds(&h, "<query xmlns='" NS_POSTURE "' type='packages'");
		buf_add_attr(&h, "endpoint", argv[1]);
		buf_adds(&h, ">");
		rc = run(c, "inventory", h.data, "packages", &r);
		buf_free(&h);
		if (rc != 0)
			return 1;
		ctl_print_rows(c, &r, cols, heads, 3, "no inventory for that "
		    "endpoint");
	} else if (strcmp(argv[0], "search") == 0) {
		static const char *const cols[] = { "id", "hostname",
		    "version", "arch" };
		static const char *const heads[] = { "ENDPOINT", "HOSTNAME",
		    "VERSION", "ARCH" };

		if (c->range && debver_range_check(c->range, err,
		    sizeof(err)) < 0) {
			buf_free(&h);
			return ctl_fail("inventory", "%s", err);
		}
		buf_adds(&h, "<query xmlns='" NS_POSTURE "' type="
		    "'package-search'");
		buf_add_attr(&h, "package", argv[1]);
		buf_add_attr(&h, "version", c->range);
		buf_adds(&h, ">");
		rc = run(c, "inventory", h.data, "endpoints", &r);
		buf_free(&h);
		if (rc != 0)
			return 1;
		ctl_print_rows(c, &r, cols, heads, 4, "no endpoint has it");
	} else {
		buf_free(&h);
		return 2;
	}
	xmlFreeDoc(r.doc);
	return 0;
}
