/*
 * ps_ingest.c - posture reports in.
 *
 * For each report on sacm/posture: the claim is checked (the item id
 * names the endpoint; the endpoint was announced on sacm/endpoints by the
 * collector that now reports for it), each blob is fetched and verified
 * (size and sha256), each document validated (OVAL system
 * characteristics against the XSD with libopenscap; the inventory as our
 * format), then everything is stored in one transaction and announced on
 * sacm/posture/stored.  Any failure rejects the whole report, logged with
 * the reason; nothing of it is stored.
 *
 * Endpoints are bound to the first collector that announces them (trust
 * on first use): another account announcing the same endpoint id is
 * refused, so one collector cannot report posture for another's endpoint.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "blob.h"
#include "inventory.h"
#include "log.h"
#include "ps.h"
#include "pubsub.h"
#include "scap.h"
#include "syschar.h"
#include "ratelimit.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"


/* ---- endpoints --------------------------------------------------------- */

static int
endpoint_in(struct ps *ps, const struct grid_event *ev)
{
	struct ps_endpoint e = { 0 }, old;
	xmlDocPtr doc;
	xmlNodePtr root;
	char err[512], pub[512], col[512], owner[512];
	const char *bad;
	int r = -EINVAL;

	if (xmlsafe_parse_root(ev->payload, ev->payload_len, 1 << 20,
	    "endpoint", SACM_NS, &doc, err, sizeof(err)) < 0) {
		log_warnx("endpoint %s ignored: %s", ev->item_id, err);
		return -EINVAL;
	}
	root = xmlDocGetRootElement(doc);
	if (!xml_ids_ok(root, xml_id_attrs, &bad)) {
		log_warnx("endpoint %s ignored: %s is not an identifier",
		    ev->item_id, bad);
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	e.id = xml_prop(root, "id");
	e.hostname = xml_prop(root, "hostname");
	e.platform = xml_prop(root, "platform");
	e.collector = xml_prop(root, "collector");
	jid_bare(ev->publisher, pub, sizeof(pub));
	jid_bare(e.collector, col, sizeof(col));
	e.publisher = ev->publisher ? strdup(pub) : NULL;
	e.capabilities = xml_children_text(root, "capability", SACM_NS);
	xmlFreeDoc(doc);

	/* Fail closed: an announcement is taken only when the broker
	 * names its publisher (pubsub#itemreply), that account is the
	 * collector it names, and the endpoint is new or already its. */
	if (e.id == NULL || strcmp(e.id, ev->item_id) != 0)
		log_warnx("endpoint %s ignored: the item id is not the "
		    "endpoint id", ev->item_id);
	else if (ev->publisher == NULL)
		log_warnx("endpoint %s ignored: the broker did not say who "
		    "published it (pubsub#itemreply)", e.id);
	else if (e.collector == NULL || strcasecmp(pub, col) != 0)
		log_warnx("endpoint %s ignored: it names collector %s but %s "
		    "published it", e.id, e.collector ? col : "(none)", pub);
	else if (ps_approval_other(ps, e.id, pub, owner, sizeof(owner)))
		log_warnx("endpoint %s ignored: the orchestrator has it "
		    "for %s, not %s", e.id, owner, pub);
	else if (ps_endpoint_get(ps, e.id, &old) == 0 && (old.publisher ==
	    NULL || strcasecmp(old.publisher, e.publisher) != 0)) {
		log_warnx("endpoint %s ignored: it belongs to %s, not %s",
		    e.id, old.publisher ? old.publisher : "(unknown)",
		    e.publisher);
		ps_endpoint_free(&old);
	} else {
		ps_endpoint_free(&old);
		if ((r = ps_endpoint_put(ps, &e)) == 0)
			log_info("endpoint %s (%s, %s) by %s", e.id,
			    e.hostname ? e.hostname : "?", e.platform ?
			    e.platform : "?", e.publisher ? e.publisher : "?");
		else
			ps_keep(ps, ev);
	}
	ps_endpoint_free(&e);
	return r;
}

static int
endpoint_fetched(const struct grid_event *ev, void *arg)
{
	return endpoint_in(arg, ev) == 0 ? 1 : 0;
}

void
ps_keep(struct ps *ps, const struct grid_event *ev)
{
	if (ps->retry && retry_add(ps->retry, ev->node, ev->item_id) == 0)
		log_warnx("%s/%s not stored (the database refused it); kept, "
		    "to be taken again", ev->node, ev->item_id);
	else
		log_warnx("%s/%s not stored (the database refused it), and too "
		    "many kept already: it stays on the broker", ev->node,
		    ev->item_id);
}

void
ps_endpoint_fetch(struct ps *ps, const char *id)
{
	(void)pubsub_items(ps->g, TOPIC_ENDPOINTS, id, 0, endpoint_fetched, ps);
}

/* The endpoint, asking the broker when we have not heard of it. */
static int
endpoint_known(struct ps *ps, const char *id, struct ps_endpoint *e)
{
	if (ps_endpoint_get(ps, id, e) == 0)
		return 0;
	ps_endpoint_fetch(ps, id);
	return ps_endpoint_get(ps, id, e);
}

/* ---- reports ----------------------------------------------------------- */

static void
report_free(struct ps_report *rp)
{
	free(rp->item); free(rp->endpoint); free(rp->hostname);
	free(rp->platform); free(rp->request); free(rp->policy);
	free(rp->profile); free(rp->reason); free(rp->state);
	free(rp->collected); free(rp->failure); free(rp->publisher);
	for (int i = 0; i < NDOCS; i++) {
		free(rp->docs[i].data);
		free(rp->docs[i].ref);
	}
	for (size_t i = 0; i < rp->npkgs; i++) {
		free(rp->pkgs[i].name);
		free(rp->pkgs[i].version);
		free(rp->pkgs[i].arch);
	}
	free(rp->pkgs);
}

static int
add_pkg(const struct inv_pkg *p, void *arg)
{
	struct ps_report *rp = arg;
	struct ps_pkg *nv;

	if ((nv = reallocarray(rp->pkgs, rp->npkgs + 1, sizeof(*nv))) == NULL)
		return -ENOMEM;
	rp->pkgs = nv;
	nv[rp->npkgs].name = strdup(p->name);
	nv[rp->npkgs].version = strdup(p->version);
	nv[rp->npkgs].arch = strdup(p->arch);
	rp->npkgs++;
	return 0;
}

static struct ps_seen *
seen(struct ps *ps, const char *sha256, size_t size, int kind)
{
	for (size_t i = 0; ps->seen && i < PS_SEEN_MAX; i++)
		if (ps->seen[i].kind == kind && ps->seen[i].size == size &&
		    strcmp(ps->seen[i].sha256, sha256) == 0)
			return &ps->seen[i];
	return NULL;
}

/* The report's documents are stored: each is remembered by its blob. */
static void
seen_add(struct ps *ps, const struct ps_report *rp)
{
	if (ps->seen == NULL && (ps->seen = calloc(PS_SEEN_MAX,
	    sizeof(*ps->seen))) == NULL)
		return;
	for (int kind = 0; kind < NDOCS; kind++) {
		const struct ps_doc *d = &rp->docs[kind];
		struct ps_seen *s;

		if (d->data == NULL || d->stored || seen(ps, d->sha256,
		    d->size, kind))
			continue;
		s = &ps->seen[ps->seen_next++ % PS_SEEN_MAX];
		memcpy(s->sha256, d->sha256, sizeof(s->sha256));
		s->size = d->size;
		s->kind = kind;
		memcpy(s->digest, d->digest, sizeof(s->digest));
		s->packages = d->packages;
	}
}

/* Fetches, verifies and validates one document of the report (or finds
 * it stored already). */
static int
document(struct ps *ps, struct ps_report *rp, int kind, xmlNodePtr blob,
    char *err, size_t errlen)
{
	struct ps_doc *d = &rp->docs[kind];
	const struct ps_seen *s;
	struct blob_ref ref;
	char why[512];
	size_t len;
	int r;

	if (d->data) {
		snprintf(err, errlen, "two %s documents", ps_doc_kinds[kind]);
		return -EINVAL;
	}
	if (blob == NULL || blob_ref_from_xml(blob, &ref, why,
	    sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: bad blob reference: %s",
		    ps_doc_kinds[kind], blob ? why : "none");
		return -EINVAL;
	}
	memcpy(d->sha256, ref.sha256, sizeof(d->sha256));
	d->size = ref.size;
	if ((s = seen(ps, ref.sha256, ref.size, kind)) != NULL) {
		blob_ref_free(&ref);
		if ((d->data = strdup("")) == NULL ||
		    xml_node_text(blob, &d->ref, &len) < 0)
			return -ENOMEM;
		d->len = 0;
		d->stored = 1;
		memcpy(d->digest, s->digest, sizeof(d->digest));
		d->packages = s->packages;
		return 0;
	}
	r = blob_get(ps->g, &ref, (size_t)ps->conf.max_doc, &d->data,
	    &d->len, why, sizeof(why));
	blob_ref_free(&ref);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", ps_doc_kinds[kind], why);
		return r;
	}
	if (xml_node_text(blob, &d->ref, &len) < 0)
		return -ENOMEM;
	if (kind == DOC_INVENTORY) {
		blob_sha256_hex(d->data, d->len, d->digest);
		if ((r = inv_foreach(d->data, d->len, (size_t)ps->conf.max_doc,
		    add_pkg, rp, why, sizeof(why))) < 0)
			snprintf(err, errlen, "inventory: %s", why);
		d->packages = (long)rp->npkgs;
		return r;
	}
	if ((r = syschar_check(d->data, d->len, (size_t)ps->conf.max_doc,
	    d->digest, why, sizeof(why))) < 0)
		snprintf(err, errlen, "%s system characteristics: %s",
		    ps_doc_kinds[kind], why);
	return r;
}

/* The report's claims (attributes); the parsed document stays in *docp. */
static int
parse_head(const struct grid_event *ev, struct ps_report *rp, xmlDocPtr *docp,
    char *err, size_t errlen)
{
	xmlNodePtr root;
	const char *bad;
	char *v;

	if (xmlsafe_parse_root(ev->payload, ev->payload_len, 1 << 20,
	    "posture-report", SACM_NS, docp, err, errlen) < 0)
		return -EINVAL;
	root = xmlDocGetRootElement(*docp);
	if (!xml_ids_ok(root, xml_id_attrs, &bad)) {
		snprintf(err, errlen, "%s is not an identifier", bad);
		return -EINVAL;
	}
	rp->endpoint = xml_prop(root, "endpoint");
	rp->hostname = xml_prop(root, "hostname");
	rp->platform = xml_prop(root, "platform");
	rp->request = xml_prop(root, "request");
	rp->policy = xml_prop(root, "policy");
	rp->profile = xml_prop(root, "profile");
	rp->reason = xml_prop(root, "reason");
	rp->state = xml_prop(root, "state");
	rp->collected = xml_prop(root, "collected");
	if ((v = xml_prop(root, "sequence")) != NULL)
		rp->sequence = strtol(v, NULL, 10);
	free(v);
	if ((v = xml_prop(root, "duration-ms")) != NULL)
		rp->duration_ms = strtol(v, NULL, 10);
	free(v);
	if (rp->profile && *rp->profile == '\0') {
		free(rp->profile);
		rp->profile = NULL;
	}
	if (!rp->endpoint || !rp->request || !rp->state || !rp->policy) {
		snprintf(err, errlen, "endpoint, request, policy and state "
		    "are required");
		return -EINVAL;
	}
	if (strcmp(rp->state, "collected") && strcmp(rp->state, "failed")) {
		snprintf(err, errlen, "unknown state '%.40s'", rp->state);
		return -EINVAL;
	}
	return 0;
}

/* The report's documents: fetched, verified, validated. */
static int
parse_docs(struct ps *ps, xmlDocPtr doc, struct ps_report *rp, char *err,
    size_t errlen)
{
	int r = 0;

	for (xmlNodePtr c = xmlDocGetRootElement(doc)->children; r == 0 && c;
	    c = c->next) {
		char *kind;
		int k = -1;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		kind = xml_prop(c, "kind");
		if (xml_is(c, "syschar", SACM_NS) && kind &&
		    strcmp(kind, "oval") == 0)
			k = DOC_OVAL;
		else if (xml_is(c, "syschar", SACM_NS) && kind &&
		    strcmp(kind, "cpe-oval") == 0)
			k = DOC_CPE;
		else if (xml_is(c, "inventory", SACM_NS))
			k = DOC_INVENTORY;
		else if (xml_is(c, "reason", SACM_NS)) {
			xmlChar *t = xmlNodeGetContent(c);

			free(rp->failure);
			rp->failure = t ? strdup((char *)t) : NULL;
			xmlFree(t);
		}
		free(kind);
		if (k >= 0)
			r = document(ps, rp, k, xml_child(c, "blob", BLOB_NS),
			    err, errlen);
	}
	if (r == 0 && strcmp(rp->state, "collected") == 0 &&
	    rp->docs[DOC_OVAL].data == NULL) {
		snprintf(err, errlen, "a collected report without OVAL system "
		    "characteristics");
		r = -EINVAL;
	}
	return r;
}

/* A report's item id is <endpoint>/<request>, or that and /<suffix>
 * when another account held the first (the collector's publish()). */
static int
item_for(const char *item, const char *want)
{
	size_t n = strlen(want);

	return strncmp(item, want, n) == 0 && (item[n] == '\0' ||
	    (item[n] == '/' && item[n + 1] != '\0' &&
	    strchr(item + n + 1, '/') == NULL));
}

static void
report_in(struct ps *ps, const struct grid_event *ev)
{
	struct ps_report rp = { 0 };
	struct ps_endpoint e = { 0 };
	xmlDocPtr doc = NULL;
	char err[1024] = "", pub[512], want[600];
	int r;

	if (strlen(ev->item_id) > 512) {
		log_warnx("report rejected: item id of %zu bytes",
		    strlen(ev->item_id));
		ps->rejected++;
		return;
	}
	if (ps_report_exists(ps, ev->item_id) == 1) {
		log_debug("report %s stored before", ev->item_id);
		return;
	}
	rp.item = strdup(ev->item_id);
	jid_bare(ev->publisher, pub, sizeof(pub));
	rp.publisher = ev->publisher ? strdup(pub) : NULL;
	/* Who claims what, before fetching anything. */
	if ((r = parse_head(ev, &rp, &doc, err, sizeof(err))) < 0)
		goto reject;
	snprintf(want, sizeof(want), "%s/%s", rp.endpoint, rp.request);
	if (!item_for(ev->item_id, want)) {
		snprintf(err, sizeof(err), "the item id is not "
		    "<endpoint>/<request>[/<suffix>]");
		r = -EINVAL;
		goto reject;
	}
	/* One report per request, whatever item it came in. */
	if (strcmp(want, ev->item_id) != 0 &&
	    ps_report_exists(ps, want) == 1) {
		log_debug("report %s stored before (as %s)", ev->item_id, want);
		goto out;
	}
	free(rp.item);
	if ((rp.item = strdup(want)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		r = -ENOMEM;
		goto reject;
	}
	if (endpoint_known(ps, rp.endpoint, &e) < 0) {
		snprintf(err, sizeof(err), "unknown endpoint %.128s (not "
		    "announced on " TOPIC_ENDPOINTS ")", rp.endpoint);
		r = -EPERM;
		goto reject;
	}
	if (rp.publisher == NULL || e.publisher == NULL ||
	    strcasecmp(e.publisher, rp.publisher) != 0) {
		snprintf(err, sizeof(err), "%s reports for endpoint %.128s, "
		    "which belongs to %s", rp.publisher ? rp.publisher :
		    "an unnamed publisher", rp.endpoint, e.publisher ?
		    e.publisher : "(unknown)");
		r = -EPERM;
		goto reject;
	}
	if ((r = ps_approved(ps, rp.endpoint, rp.publisher, err,
	    sizeof(err))) < 0)
		goto reject;
	if (ps->reports && !ratelimit_allow(ps->reports, rp.endpoint,
	    ratelimit_now())) {
		snprintf(err, sizeof(err), "endpoint %.128s is over "
		    "max_reports_per_minute (%ld)", rp.endpoint,
		    ps->conf.max_reports);
		r = -EBUSY;
		goto reject;
	}
	if ((r = parse_docs(ps, doc, &rp, err, sizeof(err))) < 0)
		goto reject;
	if ((r = ps_report_add(ps, &rp)) < 0) {
		ps_keep(ps, ev);
		goto out;
	}
	ps->stored++;
	seen_add(ps, &rp);
	log_info("report %s stored (%s, %s%s%s)", rp.item, rp.state,
	    rp.changed ? "changed" : "unchanged", rp.docs[DOC_INVENTORY].
	    packages ? ", packages " : "", rp.docs[DOC_INVENTORY].packages ?
	    "listed" : "");
	ps_announce(ps, rp.id);
	goto out;
reject:
	ps->rejected++;
	log_warnx("report %s rejected: %s", ev->item_id, err);
out:
	xmlFreeDoc(doc);
	ps_endpoint_free(&e);
	report_free(&rp);
}

void
ps_on_event(struct grid *g, const struct grid_event *ev, void *arg)
{
	struct ps *ps = arg;

	(void)g;
	if (ev->retract || ev->payload == NULL)
		return;
	if (strcmp(ev->node, TOPIC_ENDPOINTS) == 0)
		(void)endpoint_in(ps, ev);
	else if (strcmp(ev->node, TOPIC_APPROVALS) == 0)
		ps_approval_in(ps, ev);
	else if (strcmp(ev->node, TOPIC_POSTURE) == 0)
		report_in(ps, ev);
}

/* ---- announcements ------------------------------------------------------ */

/* The broker's answer to an announcement. */
struct announce {
	struct ps	*ps;
	int64_t		 id;
};

static void
announced(struct grid *g, int status, void *arg)
{
	struct announce *a = arg;

	(void)g;
	a->ps->announcing--;
	if (status < 0)
		log_warnx("announcing report %lld: %s (later)", (long long)
		    a->id, strerror(-status));
	else if (a->ps->db)
		(void)ps_mark_announced(a->ps, a->id);
	free(a);
}

/* Announces a stored report on sacm/posture/stored without waiting; one
 * the broker does not take is announced again by ps_flush_pending(). */
void
ps_announce(struct ps *ps, int64_t id)
{
	struct announce *a;
	struct buf b;
	char *item = ps_report_item(ps, id);

	buf_init(&b, (size_t)grid_get_conf(ps->g)->max_item_size);
	if (item == NULL || ps_report_xml(ps, id, "posture-stored", &b) < 0 ||
	    !b.data || (a = malloc(sizeof(*a))) == NULL) {
		free(item);
		buf_free(&b);
		return;
	}
	a->ps = ps;
	a->id = id;
	if (pubsub_publish_async(ps->g, TOPIC_POSTURE_STORED, item, b.data,
	    announced, a) == 0)
		ps->announcing++;
	else {
		log_warnx("announcing report %lld: %s (later)", (long long)id,
		    grid_errstr(ps->g));
		free(a);
	}
	free(item);
	buf_free(&b);
}

void
ps_flush_pending(struct ps *ps)
{
	/* not while answers are awaited: those would go twice */
	if (grid_state(ps->g) == GRID_ONLINE && ps->announcing == 0)
		(void)ps_unannounced(ps, ps_announce);
}
