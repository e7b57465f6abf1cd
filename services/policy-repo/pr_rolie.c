/*
 * pr_rolie.c - following ROLIE feeds (RFC 8322).
 *
 * Feeds are configured by items on sacm/policy/feeds (<feed/>, item id =
 * feed id) and kept in the database with their state.  A poll fetches the
 * feed URL (a service document or a feed) with a conditional GET, walks
 * the collections whose information-type is the feed's, follows rel="next"
 * pages, and ingests each new entry's content like a submission.
 *
 * Nothing twice, nothing lost: an entry is recorded (feed, entry id,
 * updated) only once its content has a verdict, and a document's
 * validators (ETag, Last-Modified) are saved only once all its entries
 * were handled; content is stored by digest anyway.  A poll cut short (a
 * restart, the entry cap) is simply redone from the top next time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>

#include "backoff.h"
#include "buf.h"
#include "http.h"
#include "log.h"
#include "pr.h"
#include "pubsub.h"
#include "rolie.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define MAX_DOC		(8u << 20)
#define MAX_PAGES	50
#define MAX_QUEUE	64

struct feed {
	char	*id, *url, *ca_pem, *type;
	long	 interval;
	int	 failures;
	int	 trusted;	/* its content assessed without an operator */
};

struct poll {
	struct pr	*pr;
	struct feed	*f;
	char		*queue[MAX_QUEUE];
	char		*parent[MAX_QUEUE];	/* who linked to it */
	size_t		 nq;
	int		 pages;
	int		 entries, ingested, rejected, skipped;
	int		 capped;
	int		 transient;	/* entries to retry: fetch failed */
	long		 http;
	const char	*doc;		/* the document being read */
	char		 reason[1024];
};

static void
enqueue(struct poll *p, const char *base, const char *u)
{
	for (size_t i = 0; i < p->nq; i++)
		if (strcmp(p->queue[i], u) == 0)
			return;
	if (p->nq >= MAX_QUEUE)
		return;
	p->parent[p->nq] = strdup(base);
	p->queue[p->nq++] = strdup(u);
	/* Known from now on, so that it is polled even when base is
	 * unchanged next time. */
	pr_store_doc_link(p->pr, p->f->id, u, base);
}

/* An unchanged document: what it linked to may have changed all the
 * same (new entries go into the feeds, not the service document). */
static void
enqueue_known(void *arg, const char *url)
{
	struct poll *p = arg;

	enqueue(p, p->doc, url);
}

static void
on_link(void *arg, const char *url)
{
	struct poll *p = arg;

	enqueue(p, p->doc, url);
}

static const char *
base_name(const char *url)
{
	const char *s = strrchr(url, '/');

	return s && s[1] ? s + 1 : url;
}

/* One entry: selected?  seen?  then fetched, ingested, recorded. */
static void
on_entry(void *arg, const struct rolie_entry *e)
{
	struct poll *p = arg;
	struct pr *pr = p->pr;
	struct http_resp resp;
	struct http_req q = { 0 };
	struct pr_origin origin;
	char err[1024], pid[65];
	int v, r;

	p->entries++;
	if (e->id == NULL || strcmp(e->type ? e->type : "", p->f->type) != 0 ||
	    (e->format && strcmp(e->format, strcmp(p->f->type,
	    "vulnerability") == 0 ? ROLIE_FORMAT_OVAL : ROLIE_FORMAT_SDS))) {
		p->skipped++;
		return;
	}
	if (pr_store_entry_seen(pr, p->f->id, e->id, e->updated) == 1)
		return;
	if (p->ingested + p->rejected >= pr->conf.feed_max_entries) {
		p->capped = 1;
		return;
	}
	if (e->content == NULL) {
		pr_store_entry(pr, p->f->id, e->id, e->updated, NULL,
		    "rejected", "entry has no content link");
		p->rejected++;
		return;
	}
	q.url = e->content;
	q.ca_pem = p->f->ca_pem;
	q.ca_file = p->f->ca_pem ? NULL : pr->conf.feed_ca_file;
	q.max = (size_t)(strcmp(p->f->type, "vulnerability") == 0 ?
	    pr->conf.max_vuln_size : pr->conf.max_content_size);
	q.timeout_ms = pr->conf.feed_timeout_ms;
	if ((r = http_get(&q, &resp, err, sizeof(err))) < 0 ||
	    resp.status != 200) {
		if (r == 0) {
			snprintf(err, sizeof(err), "%.900s: HTTP %ld",
			    e->content, resp.status);
			http_resp_free(&resp);
		}
		if (r == -E2BIG) {
			/* Definitive: it will not get smaller. */
			pr_store_entry(pr, p->f->id, e->id, e->updated, NULL,
			    "rejected", err);
			p->rejected++;
		} else {
			snprintf(p->reason, sizeof(p->reason),
			    "entry %.200s: %.800s", e->id, err);
			p->transient++;
		}
		return;
	}
	origin.source = "rolie";
	origin.source_ref = e->id;
	origin.by = p->f->url;
	origin.trusted = p->f->trusted;
	origin.kind = p->f->type;
	v = pr_ingest(pr, resp.body, resp.len, base_name(e->content), &origin,
	    NULL, pid, err, sizeof(err));
	http_resp_free(&resp);
	switch (v) {
	case PR_ACCEPTED:
	case PR_DUPLICATE:
		pr_store_entry(pr, p->f->id, e->id, e->updated, pid,
		    "accepted", NULL);
		p->ingested++;
		break;
	case PR_REJECTED:
		log_warnx("feed %s: entry %s rejected: %s", p->f->id, e->id,
		    err);
		pr_store_entry(pr, p->f->id, e->id, e->updated, NULL,
		    "rejected", err);
		p->rejected++;
		snprintf(p->reason, sizeof(p->reason), "entry %.200s "
		    "rejected: %.800s", e->id, err);
		break;
	default:
		snprintf(p->reason, sizeof(p->reason), "entry %.200s: %.800s",
		    e->id, err);
		p->transient++;
	}
}

/* Fetches and handles one document; -1 ends the poll with p->reason. */
static int
document(struct poll *p, const char *url, const char *parent)
{
	struct pr *pr = p->pr;
	struct http_req q = { 0 };
	struct http_resp resp;
	const struct rolie_reader rd = {
		.type = p->f->type, .link = on_link, .entry = on_entry,
		.arg = p,
	};
	char *etag = NULL, *lm = NULL, err[1024];
	int r, before_cap, before_transient;

	pr_store_doc_get(pr, p->f->id, url, &etag, &lm);
	q.url = url;
	q.ca_pem = p->f->ca_pem;
	q.ca_file = p->f->ca_pem ? NULL : pr->conf.feed_ca_file;
	q.etag = etag;
	q.last_modified = lm;
	q.max = MAX_DOC;
	q.timeout_ms = pr->conf.feed_timeout_ms;
	r = http_get(&q, &resp, err, sizeof(err));
	free(etag);
	free(lm);
	if (r < 0) {
		snprintf(p->reason, sizeof(p->reason), "%.1000s", err);
		return -1;
	}
	if (p->pages == 1)
		p->http = resp.status;
	p->doc = url;
	if (resp.status == 304) {
		http_resp_free(&resp);
		pr_store_doc_children(pr, p->f->id, url, enqueue_known, p);
		return 0;
	}
	if (resp.status != 200) {
		snprintf(p->reason, sizeof(p->reason), "%.900s: HTTP %ld", url,
		    resp.status);
		http_resp_free(&resp);
		return -1;
	}
	before_cap = p->capped;
	before_transient = p->transient;
	if (rolie_read(resp.body, resp.len, MAX_DOC, url, &rd, err,
	    sizeof(err)) < 0) {
		snprintf(p->reason, sizeof(p->reason), "%.500s: %.500s", url,
		    err);
		http_resp_free(&resp);
		return -1;
	}
	/* Remember the validators only when everything here was handled. */
	if (p->capped == before_cap && p->transient == before_transient)
		pr_store_doc_set(pr, p->f->id, url, resp.etag,
		    resp.last_modified, parent);
	http_resp_free(&resp);
	return 0;
}

static void
publish_status(struct pr *pr, const struct feed *f, const struct poll *p,
    const char *state, const char *when)
{
	struct buf b;
	char item[600];

	buf_init(&b, 16384);
	buf_adds(&b, "<feed-status xmlns='" SACM_NS "' feed='");
	buf_add_xml(&b, f->id);
	buf_adds(&b, "' url='");
	buf_add_xml(&b, f->url);
	buf_printf(&b, "' state='%s' last-poll='%s' http='%ld' entries='%d' "
	    "ingested='%d' rejected='%d' total-ingested='%ld'%s>", state, when,
	    p->http, p->entries, p->ingested, p->rejected,
	    pr_store_feed_ingested(pr, f->id), p->capped ?
	    " more='true'" : "");
	if (p->reason[0]) {
		buf_adds(&b, "<reason>");
		buf_add_xml(&b, p->reason);
		buf_adds(&b, "</reason>");
	}
	buf_adds(&b, "</feed-status>");
	snprintf(item, sizeof(item), "%s/status", f->id);
	if (b.data && grid_state(pr->g) == GRID_ONLINE &&
	    pubsub_publish(pr->g, TOPIC_FEEDS, item, b.data, NULL, NULL) < 0)
		log_warnx("feed %s: cannot publish its status: %s", f->id,
		    grid_errstr(pr->g));
	buf_free(&b);
}

static void
poll_feed(struct pr *pr, struct feed *f)
{
	struct poll p;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	long next;

	memset(&p, 0, sizeof(p));
	p.pr = pr;
	p.f = f;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	p.parent[p.nq] = NULL;
	p.queue[p.nq++] = strdup(f->url);
	for (size_t i = 0; i < p.nq && p.pages < MAX_PAGES; i++) {
		p.pages++;
		if (document(&p, p.queue[i], p.parent[i]) < 0)
			break;
	}
	for (size_t i = 0; i < p.nq; i++) {
		free(p.queue[i]);
		free(p.parent[i]);
	}
	if (p.reason[0] && p.ingested == 0 && p.entries == 0) {
		/* The feed itself failed: back off, up to the interval. */
		struct backoff b;
		unsigned d = 0;

		backoff_init(&b, 5000, (unsigned)f->interval * 1000, 1);
		for (int i = 0; i <= f->failures && i < 20; i++)
			d = backoff_next(&b);
		next = now + (long)(d / 1000) + 1;
		f->failures++;
		log_warnx("feed %s: %s (retry in %ld s)", f->id, p.reason,
		    next - now);
	} else {
		f->failures = 0;
		/* More entries waiting: come back soon. */
		next = now + (p.capped ? 1 : f->interval);
		log_info("feed %s: polled, HTTP %ld, %d entries, %d ingested, "
		    "%d rejected%s", f->id, p.http, p.entries, p.ingested,
		    p.rejected, p.capped ? ", more to come" : "");
	}
	pr_store_feed_polled(pr, f->id, when, p.http, p.reason[0] ?
	    (p.ingested || p.entries ? "degraded" : "error") : "ok",
	    p.reason[0] ? p.reason : NULL, f->failures, next);
	publish_status(pr, f, &p, p.reason[0] ? (p.ingested || p.entries ?
	    "degraded" : "error") : "ok", when);
}

void
pr_feeds_tick(struct pr *pr)
{
	struct feed f;

	/* One due feed per tick keeps the event loop turning. */
	memset(&f, 0, sizeof(f));
	if (pr_store_feed_due(pr, (long)time(NULL), &f.id, &f.url, &f.ca_pem,
	    &f.type, &f.interval, &f.failures, &f.trusted) == 1)
		poll_feed(pr, &f);
	free(f.id); free(f.url); free(f.ca_pem); free(f.type);
}

/* <feed url= type= interval=><ca>PEM</ca></feed> and
 * <feed-poll feed=/>, on sacm/policy/feeds. */
void
pr_feeds_on_event(struct pr *pr, const struct grid_event *ev)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	char err[512];
	size_t n = strlen(ev->item_id);

	if (n > 7 && strcmp(ev->item_id + n - 7, "/status") == 0)
		return;
	if (ev->retract) {
		if (pr_store_feed_delete(pr, ev->item_id) == 0)
			log_info("feed %s removed", ev->item_id);
		return;
	}
	if (ev->payload == NULL || xmlsafe_parse(ev->payload, ev->payload_len,
	    256 * 1024, &doc, err, sizeof(err)) < 0)
		return;
	root = xmlDocGetRootElement(doc);
	if (xml_is(root, "feed", SACM_NS)) {
		char *url = xml_prop(root, "url");
		char *type = xml_prop(root, "type");
		char *iv = xml_prop(root, "interval");
		char *tr = xml_prop(root, "trusted");
		int trusted = tr && strcmp(tr, "true") == 0;
		char *ca = xml_text(xml_child(root, "ca", SACM_NS));
		long interval = iv ? strtol(iv, NULL, 10) : 3600;

		if (interval < 10)
			interval = 10;
		if (type && strcmp(type, "configuration") &&
		    strcmp(type, "vulnerability")) {
			log_warnx("feed %s ignored: type %.40s is neither "
			    "configuration nor vulnerability", ev->item_id,
			    type);
		} else if (url && strncmp(url, "https://", 8) == 0 &&
		    n <= 200) {
			if (pr_store_feed_put(pr, ev->item_id, url, ca,
			    type ? type : "configuration", interval,
			    trusted) == 0)
				log_info("feed %s: %s (%s, every %ld s%s)",
				    ev->item_id, url, type ? type :
				    "configuration", interval, trusted ?
				    ", trusted" : "");
		} else
			log_warnx("feed %s ignored: needs an https url",
			    ev->item_id);
		free(url); free(type); free(iv); free(ca); free(tr);
	} else if (xml_is(root, "feed-poll", SACM_NS)) {
		char *id = xml_prop(root, "feed");

		if (id && pr_store_feed_poll_now(pr, id) == 0)
			log_info("feed %s: poll requested", id);
		free(id);
	}
	xmlFreeDoc(doc);
}
