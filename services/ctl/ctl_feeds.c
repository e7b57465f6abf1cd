/*
 * ctl_feeds.c - feeds add / list / poll / remove.
 *
 * A feed is an item on sacm/policy/feeds (<feed/>, item id = feed id);
 * the policy repository follows it and publishes "<feed id>/status".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>

#include "blob.h"
#include "buf.h"
#include "ctl.h"
#include "json.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"


/* One feed per URL and type: one service document may be followed for
 * its configuration collections and, as another feed, for its
 * vulnerability ones. */
static void
feed_id(const char *url, const char *type, char out[24])
{
	char hex[65], *s = NULL;

	if (type && strcmp(type, "configuration") != 0 &&
	    asprintf(&s, "%s %s", type, url) < 0)
		s = NULL;
	blob_sha256_hex(s ? s : url, strlen(s ? s : url), hex);
	free(s);
	snprintf(out, 24, "feed-%.12s", hex);
}

static int
feeds_add(struct ctl *c, const char *url)
{
	struct buf b;
	char id[24], *ca = NULL;
	size_t len;
	int r;

	if (strncmp(url, "https://", 8) != 0)
		return ctl_fail("feeds add", "%s: feeds are fetched over https "
		    "only", url);
	if (c->ca && (r = ctl_read_file(c->ca, 1 << 20, &ca, &len)) < 0)
		return ctl_fail("feeds add", "%s: %s", c->ca, strerror(-r));
	if (ca && strstr(ca, "-----BEGIN CERTIFICATE-----") == NULL) {
		free(ca);
		return ctl_fail("feeds add", "%s: no PEM certificate", c->ca);
	}
	if (c->type && strcmp(c->type, "configuration") &&
	    strcmp(c->type, "vulnerability")) {
		free(ca);
		return ctl_fail("feeds add", "--type %s: a feed is of "
		    "configuration (the default) or vulnerability content",
		    c->type);
	}
	feed_id(url, c->type, id);
	buf_init(&b, 2 << 20);
	buf_adds(&b, "<feed xmlns='" SACM_NS "' url='");
	buf_add_xml(&b, url);
	buf_adds(&b, "' type='");
	buf_add_xml(&b, c->type ? c->type : "configuration");
	buf_printf(&b, "' interval='%ld'", c->interval ? c->interval : 3600);
	buf_add_attr(&b, "trusted", c->trusted ? "true" : "false");
	buf_adds(&b, ">");
	if (ca) {
		buf_adds(&b, "<ca>");
		buf_add_xml(&b, ca);
		buf_adds(&b, "</ca>");
	}
	buf_adds(&b, "</feed>");
	free(ca);
	r = pubsub_publish(c->g, TOPIC_FEEDS, id, b.data, NULL, NULL);
	buf_free(&b);
	if (r < 0)
		return ctl_fail("feeds add", "%s", grid_errstr(c->g));
	if (c->json)
		ctl_print_object("id", id, "url", url, NULL);
	else
		printf("%s\n", id);
	return 0;
}

struct feedrow {
	char	*id, *url, *type, *interval, *trusted;
	char	*state, *last, *http, *ingested, *reason;
};

struct feedlist {
	struct feedrow	*rows;
	size_t		 n;
};

static struct feedrow *
row(struct feedlist *l, const char *id)
{
	struct feedrow *nr;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->rows[i].id, id) == 0)
			return &l->rows[i];
	if ((nr = realloc(l->rows, (l->n + 1) * sizeof(*nr))) == NULL)
		return NULL;
	l->rows = nr;
	memset(&nr[l->n], 0, sizeof(nr[0]));
	nr[l->n].id = strdup(id);
	return &nr[l->n++];
}

static int
collect(const struct grid_event *ev, void *arg)
{
	struct feedlist *l = arg;
	xmlDocPtr doc;
	xmlNodePtr root;
	char err[256], id[512];
	struct feedrow *r;

	if (ev->payload == NULL || xmlsafe_parse(ev->payload, ev->payload_len,
	    2 << 20, &doc, err, sizeof(err)) < 0)
		return 0;
	root = xmlDocGetRootElement(doc);
	snprintf(id, sizeof(id), "%s", ev->item_id);
	if (strcmp((const char *)root->name, "feed") == 0 &&
	    (r = row(l, id)) != NULL) {
		r->url = xml_prop(root, "url");
		r->type = xml_prop(root, "type");
		r->interval = xml_prop(root, "interval");
		r->trusted = xml_prop(root, "trusted");
	} else if (strcmp((const char *)root->name, "feed-status") == 0) {
		char *f = xml_prop(root, "feed");

		if (f && (r = row(l, f)) != NULL) {
			xmlNodePtr rn;

			r->state = xml_prop(root, "state");
			r->last = xml_prop(root, "last-poll");
			r->http = xml_prop(root, "http");
			r->ingested = xml_prop(root, "total-ingested");
			for (rn = root->children; rn; rn = rn->next)
				if (rn->type == XML_ELEMENT_NODE) {
					xmlChar *t = xmlNodeGetContent(rn);

					r->reason = t ? strdup((char *)t) :
					    NULL;
					xmlFree(t);
				}
		}
		free(f);
	}
	xmlFreeDoc(doc);
	return 0;
}

static int
feeds_list(struct ctl *c)
{
	struct feedlist l = { NULL, 0 };
	struct buf out;

	if (pubsub_items(c->g, TOPIC_FEEDS, NULL, 0, collect, &l) < 0)
		return ctl_fail("feeds list", "%s", grid_errstr(c->g));
	buf_init(&out, 16 << 20);
	if (c->json)
		buf_adds(&out, "[");
	else
		buf_printf(&out, "%-17s %-13s %-8s %-20s %4s %5s %s\n",
		    "FEED", "TYPE", "STATE", "LAST POLL", "HTTP", "INGST",
		    "URL / REASON");
	for (size_t i = 0, k = 0; i < l.n; i++) {
		struct feedrow *r = &l.rows[i];

		if (r->url == NULL)	/* status of a removed feed */
			goto next;
		if (c->json) {
			buf_adds(&out, k++ ? ",{\"id\":" : "{\"id\":");
			json_str(&out, r->id);
			buf_adds(&out, ",\"url\":");
			json_str(&out, r->url);
			buf_adds(&out, ",\"type\":");
			json_str(&out, r->type);
			buf_printf(&out, ",\"interval\":%s,\"trusted\":%s,"
			    "\"state\":", r->interval ? r->interval : "null",
			    r->trusted && strcmp(r->trusted, "true") == 0 ?
			    "true" : "false");
			json_str(&out, r->state ? r->state : "new");
			buf_adds(&out, ",\"last_poll\":");
			json_str(&out, r->last);
			buf_printf(&out, ",\"http\":%s,\"ingested\":%s,"
			    "\"reason\":", r->http ? r->http : "null",
			    r->ingested ? r->ingested : "0");
			json_str(&out, r->reason);
			buf_adds(&out, "}");
		} else {
			buf_printf(&out, "%-17s %-13s %-8s %-20s %4s %5s %s\n",
			    r->id, r->type ? r->type : "configuration",
			    r->state ? r->state : "new", r->last ? r->last :
			    "-", r->http ? r->http : "-", r->ingested ?
			    r->ingested : "0", r->url);
			if (r->reason)
				buf_printf(&out, "%69s %s\n", "", r->reason);
		}
next:
		free(r->id); free(r->url); free(r->type); free(r->interval);
		free(r->trusted);
		free(r->state); free(r->last); free(r->http);
		free(r->ingested); free(r->reason);
	}
	if (c->json)
		buf_adds(&out, "]\n");
	fputs(out.data, stdout);
	buf_free(&out);
	free(l.rows);
	return 0;
}

static int
feeds_poll(struct ctl *c, const char *id)
{
	char item[600], xml[700];

	snprintf(item, sizeof(item), "%s/poll", id);
	snprintf(xml, sizeof(xml), "<feed-poll xmlns='" SACM_NS "' "
	    "feed='%.500s'/>", id);
	if (strpbrk(id, "<>&'\"") != NULL)
		return ctl_fail("feeds poll", "bad feed id");
	if (pubsub_publish(c->g, TOPIC_FEEDS, item, xml, NULL, NULL) < 0)
		return ctl_fail("feeds poll", "%s", grid_errstr(c->g));
	if (c->json)
		ctl_print_object("id", id, "state", "poll requested", NULL);
	return 0;
}

int
ctl_feeds(struct ctl *c, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[0], "add") == 0)
		return feeds_add(c, argv[1]);
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return feeds_list(c);
	if (argc == 2 && strcmp(argv[0], "poll") == 0)
		return feeds_poll(c, argv[1]);
	if (argc == 2 && strcmp(argv[0], "remove") == 0) {
		if (pubsub_retract(c->g, TOPIC_FEEDS, argv[1]) < 0)
			return ctl_fail("feeds remove", "%s",
			    grid_errstr(c->g));
		if (c->json)
			ctl_print_object("id", argv[1], "state", "removed",
			    NULL);
		return 0;
	}
	return ctl_fail("feeds", "usage: sacmctl feeds add URL [--ca FILE] "
	    "[--type TYPE] [--interval S] [--trusted] | list | poll ID | "
	    "remove ID");
}
