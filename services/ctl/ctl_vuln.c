/*
 * ctl_vuln.c - vuln publish FILE | vuln list: vulnerability definitions
 * (OVAL, class vulnerability or patch; plain, gzip or bzip2) submitted to
 * the policy repository, and those it announced on
 * sacm/vulnerability/definitions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "ctl.h"
#include "ident.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

static xmlDocPtr
parse(const char *payload, size_t len)
{
	xmlDocPtr doc;
	char err[128];

	if (xmlsafe_parse_root(payload, len, 1 << 20,
	    "vulnerability-definitions", SACM_NS, &doc, err, sizeof(err)) < 0)
		return NULL;
	return doc;
}

int
ctl_vuln_show(struct ctl *c, const char *payload)
{
	xmlDocPtr doc = parse(payload, strlen(payload));
	xmlNodePtr v;
	struct buf b;
	static const char *const keys[] = { "id", "name", "definitions",
	    "objects", "from-inventory", "product", "generated", "received",
	    "source", "submitted-by" };

	if (doc == NULL)
		return ctl_fail("vuln", "malformed announcement");
	v = xmlDocGetRootElement(doc);
	buf_init(&b, 1 << 20);
	if (c->json) {
		ctl_json_attrs(&b, v);
		buf_adds(&b, "\n");
	} else
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			char *val = xml_prop(v, keys[i]);

			if (val)
				buf_printf(&b, "  %-15s %s\n", keys[i], val);
			free(val);
		}
	fputs(b.data ? b.data : "", stdout);
	buf_free(&b);
	xmlFreeDoc(doc);
	return 0;
}

static int
row(const struct grid_event *ev, void *arg)
{
	struct ctl_rows *r = arg;
	xmlDocPtr doc;

	if (ev->payload == NULL || (doc = parse(ev->payload,
	    ev->payload_len)) == NULL)
		return 0;
	xmlAddChild(r->root, xmlDocCopyNode(xmlDocGetRootElement(doc), r->doc,
	    2));
	xmlFreeDoc(doc);
	return 0;
}

static int
list(struct ctl *c)
{
	static const char *const cols[] = { "id", "name", "definitions",
	    "from-inventory", "received", "source" };
	static const char *const heads[] = { "ID", "NAME", "DEFINITIONS",
	    "FROM-INVENTORY", "RECEIVED", "SOURCE" };
	struct ctl_rows r;

	r.doc = xmlNewDoc(BAD_CAST "1.0");
	r.root = xmlNewNode(NULL, BAD_CAST "rows");
	r.list = NULL;
	xmlDocSetRootElement(r.doc, r.root);
	if (pubsub_items(c->g, TOPIC_VULN_DEFS, NULL, 0, row, &r) < 0) {
		xmlFreeDoc(r.doc);
		return ctl_fail("vuln list", "%s", grid_errstr(c->g));
	}
	ctl_print_rows(c, &r, cols, heads, sizeof(cols) / sizeof(cols[0]),
	    "no vulnerability definitions (sacmctl vuln publish FILE)");
	xmlFreeDoc(r.doc);
	return 0;
}

int
ctl_vuln(struct ctl *c, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[0], "publish") == 0)
		return ctl_submit(c, argv[1], "vulnerability", NULL, NULL);
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return list(c);
	return 2;
}

/*
 * vulns [ENDPOINT] | vulns history ENDPOINT | vulns cves | vulns who CVE:
 * the results repository's vulnerability findings (rr_vuln.c): the estate
 * by endpoint, one endpoint's open findings or its results over time
 * (newly vulnerable, fixed since), the estate by CVE, who has a CVE.
 */
int
ctl_vulns(struct ctl *c, int argc, char **argv)
{
	static const char *const ecols[] = { "endpoint", "hostname", "name",
	    "vulnerable", "newly", "fixed", "count", "evaluated" };
	static const char *const eheads[] = { "ENDPOINT", "HOSTNAME",
	    "DEFINITIONS", "VULNERABLE", "NEW", "FIXED", "OF", "EVALUATED" };
	static const char *const fcols[] = { "hostname", "cves", "package",
	    "installed", "fixed-in", "severity", "from", "since" };
	static const char *const fheads[] = { "HOSTNAME", "CVE", "PACKAGE",
	    "INSTALLED", "FIXED IN", "SEVERITY", "DECIDED FROM", "SINCE" };
	static const char *const ccols[] = { "cve", "endpoints", "package",
	    "severity" };
	static const char *const cheads[] = { "CVE", "ENDPOINTS", "PACKAGE",
	    "SEVERITY" };
	static const char *const hcols[] = { "evaluated", "name", "vulnerable",
	    "newly", "fixed", "count", "definitions" };
	static const char *const hheads[] = { "EVALUATED", "DEFINITIONS",
	    "VULNERABLE", "NEW", "FIXED", "OF", "ID" };
	const char *type = "vulns", *attr = NULL, *val = NULL, *list;
	const char *const *cols = ecols, *const *heads = eheads;
	size_t ncols = 8;
	struct ctl_rows rows;
	struct buf h;
	char to[512];

	if (argc == 1 && strcmp(argv[0], "cves") == 0) {
		type = "vuln-cves";
		cols = ccols, heads = cheads, ncols = 4;
	} else if (argc == 2 && strcmp(argv[0], "history") == 0) {
		type = "vuln-history", attr = "endpoint", val = argv[1];
		cols = hcols, heads = hheads, ncols = 7;
	} else if (argc == 2 && strcmp(argv[0], "who") == 0) {
		type = "vuln-who", attr = "cve", val = argv[1];
		cols = fcols, heads = fheads;
	} else if (argc == 1) {
		attr = "endpoint", val = argv[0];
		cols = fcols, heads = fheads;
	} else if (argc != 0)
		return 2;
	if (val && !ident_ok(val))
		return ctl_fail("vulns", "'%.60s' is not an identifier", val);
	list = strcmp(type, "vuln-cves") == 0 ? "cves" :
	    strcmp(type, "vuln-history") == 0 ? "scans" : val ? "findings" :
	    "endpoints";
	ctl_results_repo(c, to, sizeof(to));
	buf_init(&h, 4096);
	buf_adds(&h, "<query xmlns='" NS_RESULTS "'");
	buf_add_attr(&h, "type", type);
	if (attr)
		buf_add_attr(&h, attr, val);
	buf_adds(&h, ">");
	if (h.data == NULL || ctl_query_rows(c, "vulns", to, NS_RESULTS,
	    h.data, list, &rows) != 0) {
		buf_free(&h);
		return 1;
	}
	buf_free(&h);
	ctl_print_rows(c, &rows, cols, heads, ncols, val ? "no open "
	    "findings" : "no vulnerability results yet");
	xmlFreeDoc(rows.doc);
	return 0;
}
