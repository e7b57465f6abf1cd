/*
 * ctl_audit.c - sacmctl audit [--account A] [--topic T] [--since TIME] |
 * audit verify: the audit service's trail (sacm-audit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "ctl.h"
#include "json.h"
#include "query.h"
#include "xmlutil.h"

#define NS_AUDIT	"http://sacm-grid.dev/protocol/1/audit"

static void
service(struct ctl *c, char *to, size_t len)
{
	query_service_jid(c->g, "audit", "sacm-audit", to, len);
}

static int
records(struct ctl *c)
{
	static const char *const cols[] = { "seq", "at", "action",
	    "publisher", "topic", "item" };
	static const char *const heads[] = { "SEQ", "AT", "ACTION",
	    "ACCOUNT", "TOPIC", "ITEM" };
	struct ctl_rows r;
	struct buf h;
	char to[512];
	int rc;

	service(c, to, sizeof(to));
	buf_init(&h, 65536);
	buf_adds(&h, "<query xmlns='" NS_AUDIT "' type='records'");
	buf_add_attr(&h, "account", c->account);
	buf_add_attr(&h, "topic", c->topic);
	buf_add_attr(&h, "since", c->since);
	buf_adds(&h, ">");
	rc = h.data ? ctl_query_rows(c, "audit", to, NS_AUDIT, h.data,
	    "records", &r) : 2;
	buf_free(&h);
	if (rc)
		return rc;
	ctl_print_rows(c, &r, cols, heads, 6, "no records");
	xmlFreeDoc(r.doc);
	return 0;
}

static int
verify(struct ctl *c)
{
	xmlDocPtr doc;
	xmlNodePtr v = NULL;
	char to[512], err[1024], *ok = NULL, *n = NULL, *head = NULL;
	char *bad = NULL, *why = NULL;
	int rc;

	service(c, to, sizeof(to));
	if (query_get(c->g, to, "<query xmlns='" NS_AUDIT "' type='verify'/>",
	    "query", NS_AUDIT, &doc, err, sizeof(err)) < 0)
		return ctl_fail("audit verify", "%s", err);
	for (xmlNodePtr e = xmlDocGetRootElement(doc)->children; e;
	    e = e->next)
		if (e->type == XML_ELEMENT_NODE)
			v = e;
	if (v == NULL) {
		xmlFreeDoc(doc);
		return ctl_fail("audit verify", "the answer has no verdict");
	}
	ok = xml_prop(v, "ok");
	n = xml_prop(v, "records");
	head = xml_prop(v, "head");
	bad = xml_prop(v, "bad");
	why = xml_prop(v, "reason");
	rc = ok && strcmp(ok, "true") == 0 ? 0 : 1;
	if (c->json) {
		struct buf b;

		buf_init(&b, 4096);
		buf_printf(&b, "{\"records\":%lld,\"ok\":%s", n ?
		    atoll(n) : 0, rc == 0 ? "true" : "false");
		if (rc == 0) {
			buf_adds(&b, ",\"head\":");
			json_str(&b, head);
		} else {
			buf_printf(&b, ",\"bad\":%lld,\"reason\":", bad ?
			    atoll(bad) : 0);
			json_str(&b, why);
		}
		buf_adds(&b, "}\n");
		fputs(b.data ? b.data : "{}\n", stdout);
		buf_free(&b);
	} else if (rc == 0)
		printf("the audit trail holds: %s records, head %s\n",
		    n ? n : "?", head ? head : "?");
	else
		printf("the audit trail is BROKEN at record %s: %s (%s "
		    "records)\n", bad ? bad : "?", why ? why : "?",
		    n ? n : "?");
	free(ok); free(n); free(head); free(bad); free(why);
	xmlFreeDoc(doc);
	return rc;
}

int
ctl_audit(struct ctl *c, int argc, char **argv)
{
	if (argc == 0)
		return records(c);
	if (argc == 1 && strcmp(argv[0], "verify") == 0)
		return verify(c);
	return 2;
}
