/*
 * rr_request.c - a result counts only for a request the orchestrator
 * made.
 *
 * An evaluation result names its endpoint, policy, profile and
 * assessment, and any account that can publish results could claim any
 * of them: a compromised evaluator, or a collector that gained the role,
 * could make another endpoint look compliant.  So the repository takes a
 * result only from an evaluator account (allow-listed), only for an
 * evaluation request that is on sacm/evaluation/requests, published by
 * the orchestrator, assigned to that evaluator (when assigned), and
 * whose endpoint, policy, profile and assessment the result repeats;
 * and it stores the request's values, never the result's own claims.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "log.h"
#include "policy.h"
#include "pubsub.h"
#include "query.h"
#include "rr.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

struct fetched {
	char	*payload;
	char	 publisher[512];
	int	 found;
};

static int
grab(const struct grid_event *ev, void *arg)
{
	struct fetched *f = arg;

	if (ev->payload == NULL || ev->retract)
		return 0;
	f->found = 1;
	f->payload = strndup(ev->payload, ev->payload_len);
	jid_bare(ev->publisher, f->publisher, sizeof(f->publisher));
	return 1;
}

void
rr_request_free(struct rr_request *q)
{
	free(q->endpoint); free(q->hostname); free(q->assessment);
	free(q->policy); free(q->profile); free(q->evaluator);
	free(q->benchmark);
	memset(q, 0, sizeof(*q));
}

int
rr_request_fetch(struct rr *rr, const char *id, const char *publisher,
    const char *root, xmlDocPtr *out, char *err, size_t errlen)
{
	struct fetched f = { 0 };
	char pub[512], *assigned;
	const char *bad;
	xmlDocPtr doc;
	xmlNodePtr top;
	int r;

	*out = NULL;
	jid_bare(publisher, pub, sizeof(pub));
	if (publisher == NULL ||
	    !query_allowed(publisher, rr->conf.evaluators)) {
		snprintf(err, errlen, "%s is not an evaluator", publisher ?
		    pub : "an unnamed publisher");
		return -EPERM;
	}
	if ((r = pubsub_items(rr->g, TOPIC_EVALUATION_REQUESTS, id, 0, grab,
	    &f)) < 0 || !f.found) {
		free(f.payload);
		snprintf(err, errlen, "no evaluation request %.200s (%s)", id,
		    r < 0 ? grid_errstr(rr->g) : "not on "
		    TOPIC_EVALUATION_REQUESTS);
		return -ENOENT;
	}
	if (strcasecmp(f.publisher, rr->conf.orchestrator) != 0) {
		snprintf(err, errlen, "request %.200s was published by %s, not "
		    "the orchestrator", id, f.publisher[0] ? f.publisher : "?");
		free(f.payload);
		return -EPERM;
	}
	r = xmlsafe_parse_root(f.payload, strlen(f.payload), 1 << 20, root,
	    SACM_NS, &doc, err, errlen);
	free(f.payload);
	if (r < 0)
		return -EINVAL;
	top = xmlDocGetRootElement(doc);
	if (!xml_ids_ok(top, xml_id_attrs, &bad)) {
		snprintf(err, errlen, "request %.200s: %s is not an identifier",
		    id, bad);
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	assigned = xml_prop(top, "evaluator");
	if (assigned && *assigned) {
		char want[512];

		jid_bare(assigned, want, sizeof(want));
		if (strcasecmp(want, pub) != 0) {
			snprintf(err, errlen, "request %.200s was assigned to "
			    "%s, not %s", id, want, pub);
			free(assigned);
			xmlFreeDoc(doc);
			return -EPERM;
		}
	}
	free(assigned);
	*out = doc;
	return 0;
}

int
rr_request_get(struct rr *rr, const char *id, const char *publisher,
    struct rr_request *q, char *err, size_t errlen)
{
	char *ann = NULL, *base = NULL;
	xmlDocPtr doc;
	xmlNodePtr root;
	int r;

	memset(q, 0, sizeof(*q));
	if ((r = rr_request_fetch(rr, id, publisher, "evaluation-request",
	    &doc, err, errlen)) < 0)
		return r;
	root = xmlDocGetRootElement(doc);
	q->endpoint = xml_prop(root, "endpoint");
	q->hostname = xml_prop(root, "hostname");
	q->assessment = xml_prop(root, "assessment");
	q->profile = xml_prop(root, "profile");
	q->evaluator = xml_prop(root, "evaluator");
	q->benchmark = xml_prop(xml_child(root, "policy", SACM_NS),
	    "benchmark");
	r = policy_from_request(root, &ann, &base, &q->policy);
	free(ann);
	free(base);
	xmlFreeDoc(doc);
	if (r < 0 || q->endpoint == NULL || q->policy == NULL) {
		snprintf(err, errlen, "request %.200s names no endpoint or "
		    "policy", id);
		rr_request_free(q);
		return -EINVAL;
	}
	return 0;
}

/* A claim that is absent or "" agrees with an absent or "" value. */
static int
same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

int
rr_request_agrees(const struct rr_request *q, const char *endpoint,
    const char *policy, const char *profile, const char *assessment,
    char *err, size_t errlen)
{
	const char *what = !same(endpoint, q->endpoint) ? "endpoint" :
	    !same(policy, q->policy) ? "policy" :
	    !same(profile, q->profile) ? "profile" :
	    (assessment && !same(assessment, q->assessment)) ? "assessment" :
	    NULL;

	if (what == NULL)
		return 0;
	snprintf(err, errlen, "its %s is not the request's", what);
	return -EPERM;
}
