/*
 * col_request.c - collection requests in, posture reports out.
 *
 * A request on sacm/collection/requests names the endpoints (none: all),
 * the profile, and the policy (its id, the repository that owns it and a
 * blob reference).  The collector fetches the policy (re-shared by the
 * repository if the link expired; checked against the id), collects the
 * main OVAL system characteristics for the profile and the whole CPE-OVAL
 * component, uploads both, and publishes a posture report on sacm/posture
 * (item id "<endpoint>/<request>").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob.h"
#include "buf.h"
#include "col.h"
#include "collect.h"
#include "log.h"
#include "policy.h"
#include "pubsub.h"
#include "scap.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define T_REQUESTS	"sacm/collection/requests"
#define T_POSTURE	"sacm/posture"
#define SEEN_MAX	256

static char *seen[SEEN_MAX];
static size_t seen_pos;

static int
seen_request(const char *id)
{
	for (size_t i = 0; i < SEEN_MAX; i++)
		if (seen[i] && strcmp(seen[i], id) == 0)
			return 1;
	free(seen[seen_pos]);
	seen[seen_pos] = strdup(id);
	seen_pos = (seen_pos + 1) % SEEN_MAX;
	return 0;
}

static int
for_us(struct col *c, xmlNodePtr req)
{
	int any = 0;

	for (xmlNodePtr e = req->children; e; e = e->next) {
		char *id;
		int match;

		if (!xml_is(e, "endpoint", SACM_NS))
			continue;
		any = 1;
		id = xml_prop(e, "id");
		match = id && strcmp(id, c->id) == 0;
		free(id);
		if (match)
			return 1;
	}
	return !any;
}

struct collected {
	char	*sc, *cpe_sc;
	size_t	 sclen, cpe_sclen;
	int	 nrules, ndefs;
};

static int
collect_all(struct col *c, const char *ds, size_t dslen, const char *profile,
    struct collected *out, char *err, size_t errlen)
{
	struct collect_plan p;
	struct scap_info info;
	const char *cpe = NULL;
	char *oval = NULL, *coval = NULL;
	size_t olen, colen;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = collect_plan(ds, dslen, profile, &p, err, errlen)) < 0)
		return r;
	out->nrules = p.nrules;
	out->ndefs = (int)p.ndefs;
	if (p.oval_href == NULL) {
		snprintf(err, errlen, "the profile selects no OVAL checks");
		collect_plan_free(&p);
		return -EINVAL;
	}
	if ((r = collect_component(ds, dslen, p.oval_href, &oval, &olen, err,
	    errlen)) < 0 ||
	    (r = collect_syschar(oval, olen, p.variables, p.variables_len,
	    p.defs, p.ndefs, c->conf.root, &out->sc, &out->sclen, err,
	    errlen)) < 0)
		goto out;
	if ((r = scap_inspect(ds, dslen, (size_t)c->conf.max_content, &info,
	    err, errlen)) < 0)
		goto out;
	for (size_t i = 0; i < info.ncomponents; i++)
		if (strcmp(info.components[i].kind, "cpe-oval") == 0)
			cpe = info.components[i].id;
	if (cpe && (r = collect_component(ds, dslen, cpe, &coval, &colen, err,
	    errlen)) == 0)
		r = collect_syschar(coval, colen, NULL, 0, NULL, 0,
		    c->conf.root, &out->cpe_sc, &out->cpe_sclen, err, errlen);
	scap_info_free(&info);
out:
	free(oval);
	free(coval);
	collect_plan_free(&p);
	return r;
}

static void
report(struct col *c, const char *reqid, const char *policy,
    const char *profile, const struct collected *k, double secs,
    const char *failure)
{
	struct blob_ref main = { 0 }, cpe = { 0 };
	struct buf b;
	char when[32], item[600];
	int r = 0;

	if (failure == NULL) {
		if (blob_put(c->g, "syschar.xml", k->sc, k->sclen,
		    "application/xml", 1, &main) < 0 || (k->cpe_sc &&
		    blob_put(c->g, "cpe-syschar.xml", k->cpe_sc, k->cpe_sclen,
		    "application/xml", 1, &cpe) < 0)) {
			log_warnx("request %s: upload failed: %s", reqid,
			    grid_errstr(c->g));
			blob_ref_free(&main);
			return;
		}
	}
	time_iso(when, 0);
	buf_init(&b, 65536);
	buf_adds(&b, "<posture-report xmlns='" SACM_NS "' endpoint='");
	buf_add_xml(&b, c->id);
	buf_adds(&b, "' hostname='");
	buf_add_xml(&b, c->host);
	buf_adds(&b, "' platform='");
	buf_add_xml(&b, c->os);
	buf_adds(&b, "' request='");
	buf_add_xml(&b, reqid);
	buf_adds(&b, "' policy='");
	buf_add_xml(&b, policy);
	buf_adds(&b, "' profile='");
	buf_add_xml(&b, profile ? profile : "");
	buf_printf(&b, "' reason='request' collected='%s' duration-ms='%ld' "
	    "state='%s'>", when, (long)(secs * 1000), failure ? "failed" :
	    "collected");
	if (failure) {
		buf_adds(&b, "<reason>");
		buf_add_xml(&b, failure);
		buf_adds(&b, "</reason>");
	} else {
		buf_adds(&b, "<syschar kind='oval'>");
		blob_ref_to_xml(&main, &b);
		buf_adds(&b, "</syschar>");
		if (cpe.href) {
			buf_adds(&b, "<syschar kind='cpe-oval'>");
			blob_ref_to_xml(&cpe, &b);
			buf_adds(&b, "</syschar>");
		}
	}
	buf_adds(&b, "</posture-report>");
	snprintf(item, sizeof(item), "%.127s/%.400s", c->id, reqid);
	if (b.data == NULL || (r = pubsub_publish(c->g, T_POSTURE, item, b.data,
	    NULL, NULL)) < 0)
		log_warnx("request %s: publishing the posture report: %s",
		    reqid, grid_errstr(c->g));
	else
		log_info("request %s: posture report %s published (%s, %.2f s)",
		    reqid, item, failure ? "failed" : "collected", secs);
	buf_free(&b);
	blob_ref_free(&main);
	blob_ref_free(&cpe);
}

static void
handle(struct col *c, const char *reqid, const char *payload, size_t len)
{
	xmlDocPtr doc;
	xmlNodePtr req, pol;
	char err[1024], *profile = NULL, *polid = NULL, *ptext = NULL;
	char *ds = NULL;
	size_t ptlen, dslen;
	struct collected k = { 0 };
	struct timespec a, b;
	int r;

	if (xmlsafe_parse_root(payload, len, 1 << 20, "collection-request",
	    SACM_NS, &doc, err, sizeof(err)) < 0) {
		log_warnx("request %s ignored: %s", reqid, err);
		return;
	}
	req = xmlDocGetRootElement(doc);
	if (!for_us(c, req))
		goto out;
	profile = xml_prop(req, "profile");
	pol = xml_child(req, "policy", SACM_NS);
	polid = pol ? xml_prop(pol, "id") : NULL;
	if (polid == NULL || xml_node_text(pol, &ptext, &ptlen) < 0) {
		log_warnx("request %s ignored: no policy", reqid);
		goto out;
	}
	log_info("request %s: policy %.12s, profile %s", reqid, polid,
	    profile ? profile : "(default)");
	clock_gettime(CLOCK_MONOTONIC, &a);
	r = policy_fetch(c->g, ptext, ptlen, (size_t)c->conf.max_content, &ds,
	    &dslen, err, sizeof(err));
	if (r == 0)
		r = collect_all(c, ds, dslen, profile, &k, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &b);
	report(c, reqid, polid, profile, &k, (b.tv_sec - a.tv_sec) +
	    (b.tv_nsec - a.tv_nsec) / 1e9, r < 0 ? err : NULL);
out:
	free(k.sc);
	free(k.cpe_sc);
	free(ds);
	free(ptext);
	free(polid);
	free(profile);
	xmlFreeDoc(doc);
}

void
col_on_event(struct grid *g, const struct grid_event *ev, void *arg)
{
	struct col *c = arg;

	(void)g;
	if (strcmp(ev->node, T_REQUESTS) != 0 || ev->retract ||
	    ev->payload == NULL || seen_request(ev->item_id))
		return;
	handle(c, ev->item_id, ev->payload, ev->payload_len);
}
