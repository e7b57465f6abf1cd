/*
 * pr_submit.c - submissions in, policies announced.
 *
 * For each item on sacm/policy/submissions (a <submission/> with a blob
 * reference): fetch and verify the blob, inspect and validate it, store it
 * once by sha256, announce it on sacm/policy (item id = policy id =
 * sha256 of the content), and publish the verdict as the item
 * "<submission id>/status" on the submissions topic, where sacmctl looks
 * for it.  What is stored is published; what is published is marked, so a
 * restart in between publishes the rest (pr_flush_pending).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob.h"
#include "buf.h"
#include "log.h"
#include "pr.h"
#include "query.h"
#include "pubsub.h"
#include "topics.h"
#include "unpack.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define STATUS_SUFFIX	"/status"

void
pr_add_origin(struct buf *b, const struct pr_origin *o)
{
	char when[32];

	time_iso(when, 0);
	buf_add_attr(b, "received", when);
	buf_add_attr(b, "source", o->source);
	buf_add_attr(b, "source-ref", o->source_ref);
	buf_add_attr(b, "submitted-by", o->by);
}

/* The announcement: everything a consumer needs to decide and to fetch. */
static char *
announcement(const char *id, const struct scap_info *s, const char *name,
    const struct pr_origin *o, const struct blob_ref *ref,
    const char *repository, const char *base)
{
	struct buf b;

	buf_init(&b, 512 * 1024);
	buf_adds(&b, "<policy xmlns='" SACM_NS "'");
	buf_add_attr(&b, "id", id);
	buf_add_attr(&b, "kind", s->kind == SCAP_DATASTREAM ? "datastream" :
	    "tailoring");
	buf_add_attr(&b, "name", name);
	buf_add_attr(&b, "scap-version", s->scap_version);
	buf_add_attr(&b, "benchmark", s->benchmark_id);
	buf_add_attr(&b, "version", s->benchmark_version);
	pr_add_origin(&b, o);
	buf_add_attr(&b, "trusted", o->trusted ? "true" : "false");
	buf_add_attr(&b, "repository", repository);
	buf_add_attr(&b, "base", base);
	buf_adds(&b, ">");
	if (s->title) {
		buf_adds(&b, "<title>");
		buf_add_xml(&b, s->title);
		buf_adds(&b, "</title>");
	}
	if (s->datastream_id) {
		buf_adds(&b, "<datastream");
		buf_add_attr(&b, "id", s->datastream_id);
		buf_adds(&b, "/>");
	}
	for (size_t i = 0; i < s->nplatforms; i++) {
		buf_adds(&b, "<platform");
		buf_add_attr(&b, "cpe", s->platforms[i]);
		buf_adds(&b, "/>");
	}
	for (size_t i = 0; i < s->nprofiles; i++) {
		buf_adds(&b, "<profile");
		buf_add_attr(&b, "id", s->profiles[i].id);
		if (s->profiles[i].rules >= 0)
			buf_printf(&b, " rules='%d'", s->profiles[i].rules);
		buf_adds(&b, ">");
		if (s->profiles[i].title)
			buf_add_xml(&b, s->profiles[i].title);
		buf_adds(&b, "</profile>");
	}
	for (size_t i = 0; i < s->ncomponents; i++) {
		buf_adds(&b, "<component");
		buf_add_attr(&b, "id", s->components[i].id);
		buf_add_attr(&b, "kind", s->components[i].kind);
		buf_add_attr(&b, "name", s->components[i].name);
		buf_adds(&b, "/>");
	}
	blob_ref_to_xml(ref, &b);
	if (buf_adds(&b, "</policy>") < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

/* An accepted submission names what it became: a policy, or a
 * vulnerability definitions document (vuln). */
static char *
status_xml(const char *subid, const char *state, const char *policy,
    int vuln, int duplicate, const char *reason)
{
	struct buf b;

	buf_init(&b, 16384);
	buf_adds(&b, "<submission-status xmlns='" SACM_NS "'");
	buf_add_attr(&b, "submission", subid);
	buf_add_attr(&b, "state", state);
	buf_add_attr(&b, vuln ? "definitions" : "policy", policy);
	if (duplicate)
		buf_adds(&b, " duplicate='true'");
	buf_adds(&b, ">");
	if (reason) {
		buf_adds(&b, "<reason>");
		buf_add_xml(&b, reason);
		buf_adds(&b, "</reason>");
	}
	if (buf_adds(&b, "</submission-status>") < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

static int
publish_pending(struct pr *pr, const char *kind, const char *id,
    const char *xml)
{
	char item[600];

	if (strcmp(kind, "policy") == 0) {
		if (pubsub_publish(pr->g, TOPIC_POLICY, id, xml, NULL, NULL) < 0) {
			log_warnx("announcing policy %s: %s", id,
			    grid_errstr(pr->g));
			return -EAGAIN;
		}
		log_info("policy %s announced on " TOPIC_POLICY, id);
		pr_store_mark(pr, "policy", id, "announced");
		return 0;
	}
	if (strcmp(kind, "vulnerability") == 0) {
		if (pubsub_publish(pr->g, TOPIC_VULN_DEFS, id, xml, NULL,
		    NULL) < 0) {
			log_warnx("announcing vulnerability definitions %s: "
			    "%s", id, grid_errstr(pr->g));
			return -EAGAIN;
		}
		log_info("vulnerability definitions %s announced on "
		    TOPIC_VULN_DEFS, id);
		pr_store_mark(pr, "vuln_defs", id, "announced");
		return 0;
	}
	snprintf(item, sizeof(item), "%s" STATUS_SUFFIX, id);
	if (pubsub_publish(pr->g, TOPIC_SUBMISSIONS, item, xml, NULL, NULL) < 0) {
		log_warnx("publishing the status of %s: %s", id,
		    grid_errstr(pr->g));
		return -EAGAIN;
	}
	pr_store_mark(pr, "submission", id, "published");
	return 0;
}

void
pr_flush_pending(struct pr *pr)
{
	if (grid_state(pr->g) == GRID_ONLINE)
		(void)pr_store_pending(pr, publish_pending);
}

/* Records the verdict, then publishes what is pending. */
static void
verdict(struct pr *pr, const char *subid, const char *state,
    const char *policy, int vuln, int duplicate, const char *reason,
    const char *by)
{
	char *st = status_xml(subid, state, policy, vuln, duplicate, reason);

	if (strcmp(state, "rejected") == 0)
		log_warnx("submission %s rejected: %s", subid, reason);
	else
		log_info("submission %s accepted: %s %s%s", subid, vuln ?
		    "vulnerability definitions" : "policy", policy,
		    duplicate ? " (already stored)" : "");
	if (st == NULL ||
	    pr_store_submission(pr, subid, state, reason, policy, by, st) < 0)
		log_warnx("submission %s: cannot record the verdict", subid);
	free(st);
	pr_flush_pending(pr);
}

/*
 * A tailoring is bound to a stored datastream: the one named by the
 * submission (base-policy), else the newest one whose name is the file
 * name in the tailoring's <benchmark href/>.  Its announcement carries the
 * datastream's metadata, the tailored profiles and base='ID'.
 */
static int
bind_tailoring(struct pr *pr, const char *tcontent, size_t tlen,
    struct scap_info *t, const char *base_hint, char base[65],
    struct scap_info *merged, char *err, size_t errlen)
{
	const char *href = t->benchmark_id, *file;
	char *ds = NULL;
	size_t dslen;
	int r;

	file = href ? strrchr(href, '/') : NULL;
	file = file ? file + 1 : href;
	if (pr_store_find_base(pr, base_hint, file, base) != 1) {
		snprintf(err, errlen, "tailoring for an unknown benchmark: no "
		    "stored datastream %s%.200s (submit the datastream first%s)",
		    base_hint ? "with id " : "named ", base_hint ? base_hint :
		    file ? file : "(no benchmark href)", base_hint ? "" :
		    ", or name it as the base");
		return PR_REJECTED;
	}
	if ((r = pr_store_content(pr, base, &ds, &dslen)) < 0) {
		snprintf(err, errlen, "cannot read the base datastream");
		return PR_RETRY;
	}
	if (scap_tailor(ds, dslen, tcontent, tlen, t, err, errlen) < 0 ||
	    scap_inspect(ds, dslen, (size_t)pr->conf.max_content_size, merged,
	    err, errlen) < 0) {
		free(ds);
		return PR_REJECTED;
	}
	free(ds);
	/* The base's metadata with the tailored profiles. */
	for (size_t i = 0; i < merged->nprofiles; i++) {
		free(merged->profiles[i].id);
		free(merged->profiles[i].title);
	}
	free(merged->profiles);
	merged->profiles = t->profiles;
	merged->nprofiles = t->nprofiles;
	t->profiles = NULL;
	t->nprofiles = 0;
	merged->kind = SCAP_TAILORING;
	return PR_ACCEPTED;
}

static int
ingest_scap(struct pr *pr, const char *content, size_t clen,
    const char *name, const struct pr_origin *o, const char *base_hint,
    char id[65], char *err, size_t errlen)
{
	const char *source = o->source, *source_ref = o->source_ref;
	const char *by = o->by;
	struct blob_ref own = { 0 };
	struct scap_info info, merged;
	char *ann = NULL, base[65] = "";
	int v;

	blob_sha256_hex(content, clen, id);
	if (pr_store_has_policy(pr, id) == 1)
		return PR_DUPLICATE;
	log_info("%s %s: %zu bytes, inspecting", source, source_ref, clen);
	if (scap_inspect(content, clen, (size_t)pr->conf.max_content_size,
	    &info, err, errlen) < 0)
		return PR_REJECTED;
	if (info.kind == SCAP_TAILORING) {
		v = bind_tailoring(pr, content, clen, &info, base_hint, base,
		    &merged, err, errlen);
		scap_info_free(&info);
		if (v != PR_ACCEPTED)
			return v;
		info = merged;
	}
	/* The repository serves its own copy: it owns that link. */
	if (blob_put(pr->g, name ? name : "policy.xml", content, clen,
	    "application/xml", 1, &own) < 0) {
		snprintf(err, errlen, "upload failed: %s", grid_errstr(pr->g));
		scap_info_free(&info);
		return PR_RETRY;
	}
	ann = announcement(id, &info, name, o, &own, grid_jid(pr->g),
	    base[0] ? base : NULL);
	if (ann == NULL || pr_store_policy(pr, id, content, clen, &info, name,
	    source, source_ref, by, ann, base[0] ? base : NULL) < 0) {
		snprintf(err, errlen, "internal error: cannot store the "
		    "policy");
		v = PR_RETRY;
	} else {
		log_info("policy %s stored: %s%s %s %s, %zu profiles", id,
		    base[0] ? "tailoring of " : "",
		    info.benchmark_id ? info.benchmark_id : "?",
		    info.benchmark_version ? info.benchmark_version : "",
		    base[0] ? base : "", info.nprofiles);
		v = PR_ACCEPTED;
	}
	free(ann);
	blob_ref_free(&own);
	scap_info_free(&info);
	return v;
}

int
pr_ingest(struct pr *pr, const char *raw, size_t rawlen, const char *name,
    const struct pr_origin *o, const char *base_hint, char id[65], char *err,
    size_t errlen)
{
	int vuln = o->kind && strcmp(o->kind, "vulnerability") == 0;
	size_t max = (size_t)(vuln ? pr->conf.max_vuln_size :
	    pr->conf.max_content_size), clen, n;
	const char *fmt;
	char *content, *plain = NULL;
	int v;

	if ((v = unpack(raw, rawlen, max, &content, &clen, &fmt, err,
	    errlen)) < 0)
		return v == -ENOMEM ? PR_RETRY : PR_REJECTED;
	if (strcmp(fmt, "plain") != 0) {
		log_info("%s %s: %s, %zu bytes decoded", o->source,
		    o->source_ref ? o->source_ref : "", fmt, clen);
		/* oval-definitions-bullseye.xml.bz2 is stored as .xml */
		n = name ? strlen(name) : 0;
		if (n > 4 && (strcmp(name + n - 4, ".bz2") == 0 ||
		    strcmp(name + n - 3, ".gz") == 0))
			plain = strndup(name, n - (name[n - 1] == '2' ? 4 : 3));
	}
	v = vuln ? pr_ingest_vuln(pr, content, clen, plain ? plain : name, o,
	    id, err, errlen) : ingest_scap(pr, content, clen, plain ? plain :
	    name, o, base_hint, id, err, errlen);
	free(plain);
	free(content);
	return v;
}

/* Returns 0 when a verdict was reached (accepted or rejected), -EAGAIN
 * when the submission should be tried again later (grid trouble). */
static int
handle(struct pr *pr, const char *subid, const char *payload, size_t len,
    const char *by)
{
	struct blob_ref ref = { 0 };
	struct pr_origin origin;
	xmlDocPtr doc = NULL;
	xmlNodePtr root, c;
	char err[1024], id[65], *name = NULL, *content = NULL, *base = NULL;
	char *kind = NULL;
	size_t clen = 0;
	int r = 0, vuln;

	if (xmlsafe_parse_root(payload, len, 65536, "submission", SACM_NS,
	    &doc, err, sizeof(err)) < 0) {
		verdict(pr, subid, "rejected", NULL, 0, 0, err, by);
		return 0;
	}
	root = xmlDocGetRootElement(doc);
	name = xml_prop(root, "name");
	base = xml_prop(root, "base-policy");
	kind = xml_prop(root, "kind");
	vuln = kind && strcmp(kind, "vulnerability") == 0;
	if (kind && !vuln) {
		snprintf(err, sizeof(err), "unknown kind of content \"%.100s\" "
		    "(vulnerability, or none for SCAP content)", kind);
		verdict(pr, subid, "rejected", NULL, 0, 0, err, by);
		goto out;
	}
	for (c = root->children; c && c->type != XML_ELEMENT_NODE; c = c->next)
		;
	if (blob_ref_from_xml(c, &ref, err, sizeof(err)) < 0) {
		verdict(pr, subid, "rejected", NULL, 0, 0, err, by);
		goto out;
	}
	/* definitions are larger: Debian's are some 100 MB uncompressed */
	r = blob_get(pr->g, &ref, (size_t)(vuln ? pr->conf.max_vuln_size :
	    pr->conf.max_content_size), &content,
	    &clen, err, sizeof(err));
	if (r == -EIO || r == -ENOMEM) {
		/* The link may come back; the submission is not lost. */
		log_warnx("submission %s: %s; will retry", subid, err);
		r = -EAGAIN;
		goto out;
	}
	if (r < 0) {
		verdict(pr, subid, "rejected", NULL, 0, 0, err, by);
		r = 0;
		goto out;
	}
	/* An operator submitted it: assessed like any operator's policy. */
	origin.source = "submission";
	origin.source_ref = subid;
	origin.by = by;
	origin.trusted = 1;
	origin.kind = kind;
	switch (pr_ingest(pr, content, clen, name, &origin, base, id, err,
	    sizeof(err))) {
	case PR_ACCEPTED:
		verdict(pr, subid, "accepted", id, vuln, 0, NULL, by);
		break;
	case PR_DUPLICATE:
		verdict(pr, subid, "accepted", id, vuln, 1, NULL, by);
		break;
	case PR_REJECTED:
		verdict(pr, subid, "rejected", NULL, 0, 0, err, by);
		break;
	default:
		log_warnx("submission %s: %s; will retry", subid, err);
		r = -EAGAIN;
	}
out:
	blob_ref_free(&ref);
	xmlFreeDoc(doc);
	free(name);
	free(base);
	free(kind);
	free(content);
	return r;
}

static void retry_add(const char *, const char *, const char *);

void
pr_on_event(struct grid *g, const struct grid_event *ev, void *arg)
{
	struct pr *pr = arg;
	size_t n = strlen(ev->item_id);

	(void)g;
	if (strcmp(ev->node, TOPIC_FEEDS) == 0) {
		pr_feeds_on_event(pr, ev);
		return;
	}
	if (strcmp(ev->node, TOPIC_SUBMISSIONS) != 0 || ev->retract ||
	    ev->payload == NULL)
		return;
	/* Our own verdicts come back on the same topic. */
	if (n >= strlen(STATUS_SUFFIX) &&
	    strcmp(ev->item_id + n - strlen(STATUS_SUFFIX), STATUS_SUFFIX) == 0)
		return;
	if (n > 512) {
		log_warnx("submission id of %zu bytes ignored", n);
		return;
	}
	if (pr_store_submission_seen(pr, ev->item_id) == 1) {
		log_debug("submission %s seen before", ev->item_id);
		return;
	}
	log_info("submission %s from %s", ev->item_id,
	    ev->publisher ? ev->publisher : "?");
	if (handle(pr, ev->item_id, ev->payload, ev->payload_len,
	    ev->publisher) == -EAGAIN)
		retry_add(ev->item_id, ev->payload, ev->publisher);
}

/*
 * Submissions that could not be handled for a passing reason (the blob's
 * server or the broker away) are tried again with backoff, up to
 * RETRY_MAX times, then rejected with the last reason.  The submission
 * item stays on the broker, so after a restart catch-up brings it back.
 */
#define RETRY_SLOTS	64
#define RETRY_MAX	12

static struct retry {
	char	*id, *payload, *by;
	time_t	 next;
	int	 attempts;
} retries[RETRY_SLOTS];

static void
retry_free(struct retry *r)
{
	free(r->id); free(r->payload); free(r->by);
	memset(r, 0, sizeof(*r));
}

static void
retry_add(const char *id, const char *payload, const char *by)
{
	for (size_t i = 0; i < RETRY_SLOTS; i++) {
		struct retry *r = &retries[i];

		if (r->id && strcmp(r->id, id) == 0)
			return;
		if (r->id)
			continue;
		r->id = strdup(id);
		r->payload = strdup(payload);
		r->by = by ? strdup(by) : NULL;
		r->attempts = 1;
		r->next = time(NULL) + 5;
		if (!r->id || !r->payload)
			retry_free(r);
		return;
	}
	log_warnx("submission %s: too many waiting for a retry; it will be "
	    "retried after the next reconnect", id);
}

void
pr_retry_tick(struct pr *pr)
{
	time_t now = time(NULL);

	if (grid_state(pr->g) != GRID_ONLINE)
		return;
	for (size_t i = 0; i < RETRY_SLOTS; i++) {
		struct retry *r = &retries[i];
		int rc;

		if (r->id == NULL || r->next > now)
			continue;
		log_info("submission %s: attempt %d", r->id, r->attempts + 1);
		rc = handle(pr, r->id, r->payload, strlen(r->payload), r->by);
		if (rc != -EAGAIN) {
			retry_free(r);
			continue;
		}
		if (++r->attempts >= RETRY_MAX) {
			verdict(pr, r->id, "rejected", NULL, 0, 0, "the "
			    "content could not be fetched after repeated "
			    "attempts", r->by);
			retry_free(r);
			continue;
		}
		/* 5 s, 10 s, 20 s, ... up to 10 minutes. */
		r->next = now + (5L << (r->attempts < 8 ? r->attempts : 7));
		if (r->next > now + 600)
			r->next = now + 600;
	}
}

/*
 * <reshare policy='ID'/>: the content's link no longer works for someone;
 * upload our copy again and answer with the new blob reference.
 */
int
pr_on_reshare(struct grid *g, const struct grid_request *req,
    struct buf *reply, void *arg)
{
	struct pr *pr = arg;
	struct blob_ref ref;
	xmlDocPtr doc;
	char err[512], *id, *content = NULL;
	size_t len = 0;
	int r;

	if (!query_allowed(req->from, pr->conf.allow)) {
		log_warnx("re-share for %s refused: not in allow",
		    req->from ? req->from : "?");
		buf_adds(reply, "not allowed to ask for a re-share");
		return -EACCES;
	}
	if (xmlsafe_parse_root(req->payload, req->payload_len, 4096,
	    "reshare", SACM_NS, &doc, err, sizeof(err)) < 0) {
		buf_adds(reply, err);
		return -EINVAL;
	}
	id = xml_prop(xmlDocGetRootElement(doc), "policy");
	xmlFreeDoc(doc);
	if (id == NULL || strlen(id) != 64) {
		free(id);
		buf_adds(reply, "policy must be a 64-digit policy id");
		return -EINVAL;
	}
	if ((r = pr_store_content(pr, id, &content, &len)) < 0) {
		buf_printf(reply, "no policy %s", id);
		free(id);
		return r == -ENOENT ? -ENOENT : -EIO;
	}
	r = blob_put(g, "policy.xml", content, len, "application/xml", 1,
	    &ref);
	free(content);
	if (r < 0) {
		buf_printf(reply, "upload failed: %s", grid_errstr(g));
		free(id);
		return -EIO;
	}
	log_info("policy %s shared again for %s", id,
	    req->from ? req->from : "?");
	blob_ref_to_xml(&ref, reply);
	blob_ref_free(&ref);
	free(id);
	return 0;
}
