/*
 * col_request.c - collection requests in, jobs out.
 *
 * A request on sacm/collection/requests names the endpoints (none: all),
 * the profile, and the policy (its announcement: id, repository, blob).
 * One on sacm/remediation/requests is the same with a fix to run first
 * (col_fix.c).  A targeted collection names vulnerability definitions
 * instead of a policy and brings the OVAL document of exactly what to
 * collect (<targeted definitions=ID>OVAL</targeted>): the objects the
 * endpoint's inventory does not answer.
 * A request for this endpoint becomes a job (col_job.c).  Requests that
 * come back after a reconnect or a restart are not collected twice: one
 * already in the outbox or answered on sacm/posture is skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "col.h"
#include "log.h"
#include "policy.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define NS_OVAL_DEF	"http://oval.mitre.org/XMLSchema/oval-definitions-5"


void
col_job_free(struct col_job *j)
{
	if (j == NULL)
		return;
	free(j->request);
	free(j->policy);
	free(j->base);
	free(j->policy_id);
	free(j->profile);
	free(j->targeted);
	col_fix_free(j->fix);
	free(j);
}

/* Is the request for this endpoint?  One that names none is for every
 * endpoint, unless named is set (a fix must name its endpoint). */
static int
for_us(struct col *c, xmlNodePtr req, int named)
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
	return !any && !named;
}

/* Answered before (in the outbox, or sent)?  Only what we sent counts:
 * another account may have published under the same id first (to make us
 * think the request was answered), and we cannot read the posture topic
 * anyway (publish-only). */
static int
answered(struct col *c, const char *reqid)
{
	char item[600];

	snprintf(item, sizeof(item), "%.127s/%.400s", c->id, reqid);
	if (col_outbox_has(c, item))
		return 1;
	return c->running && c->running->request &&
	    strcmp(c->running->request, reqid) == 0;
}

/*
 * <targeted definitions=ID><oval_definitions/></targeted>: the request was
 * parsed safely (handle()); its first element must be OVAL definitions
 * before libopenscap sees it.  1 a targeted request (j filled), 0 not
 * one, -1 a bad one.
 */
static int
targeted(xmlNodePtr req, struct col_job *j, const char *reqid)
{
	xmlNodePtr t = xml_child(req, "targeted", SACM_NS), o;
	size_t len;

	if (t == NULL)
		return 0;
	o = xml_child(t, NULL, NULL);
	j->policy_id = xml_prop(t, "definitions");
	if (j->policy_id == NULL || !blob_sha256_ok(j->policy_id) ||
	    !xml_is(o, "oval_definitions", NS_OVAL_DEF) ||
	    xml_node_text(o, &j->targeted, &len) < 0) {
		log_warnx("request %s ignored: a targeted collection needs the "
		    "definitions' id and an OVAL definitions document", reqid);
		return -1;
	}
	return 1;
}

static void
handle(struct col *c, const struct grid_event *ev, const char *root_name)
{
	xmlDocPtr doc;
	xmlNodePtr req;
	struct col_job *j;
	char err[1024];
	const char *bad;
	int r;

	if (strlen(ev->item_id) > 200) {
		log_warnx("request id of %zu bytes ignored",
		    strlen(ev->item_id));
		return;
	}
	if (xmlsafe_parse_root(ev->payload, ev->payload_len, 1 << 20,
	    root_name, SACM_NS, &doc, err, sizeof(err)) < 0) {
		log_warnx("request %s ignored: %s", ev->item_id, err);
		return;
	}
	req = xmlDocGetRootElement(doc);
	if (!xml_ids_ok(req, xml_id_attrs, &bad)) {
		log_warnx("request %s ignored: %s is not an identifier",
		    ev->item_id, bad);
		goto out;
	}
	if (!for_us(c, req, strcmp(root_name, "remediation-request") == 0))
		goto out;
	if (ev->catchup && answered(c, ev->item_id)) {
		log_debug("request %s answered before", ev->item_id);
		goto out;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		goto out;
	if (strcmp(root_name, "remediation-request") == 0 &&
	    col_fix_parse(c, req, ev->item_id, &j->fix) < 0) {
		free(j);
		goto out;
	}
	j->reason = REASON_REQUEST;
	j->request = strdup(ev->item_id);
	j->profile = xml_prop(req, "profile");
	if (j->profile && *j->profile == '\0') {
		free(j->profile);
		j->profile = NULL;
	}
	if (j->fix == NULL && (r = targeted(req, j, ev->item_id)) != 0) {
		if (r < 0 || j->request == NULL) {
			col_job_free(j);
			goto out;
		}
		log_info("request %s queued: targeted collection for "
		    "vulnerability definitions %.12s", j->request,
		    j->policy_id);
		col_enqueue(c, j);
		goto out;
	}
	if (j->request == NULL || policy_from_request(req, &j->policy,
	    &j->base, &j->policy_id) < 0) {
		log_warnx("request %s ignored: no policy (or a tailoring "
		    "without its datastream)", ev->item_id);
		col_job_free(j);
		goto out;
	}
	log_info("%s %s queued: policy %.12s, profile %s", j->fix ?
	    "remediation" : "request", j->request, j->policy_id, j->profile ?
	    j->profile : "(default)");
	col_enqueue(c, j);
out:
	xmlFreeDoc(doc);
}

void
col_on_event(struct grid *g, const struct grid_event *ev, void *arg)
{
	struct col *c = arg;

	(void)g;
	if (ev->retract || ev->payload == NULL)
		return;
	if (strcmp(ev->node, TOPIC_COLLECTION_REQUESTS) == 0)
		handle(c, ev, "collection-request");
	else if (strcmp(ev->node, TOPIC_REMEDIATION_REQUESTS) == 0)
		handle(c, ev, "remediation-request");
}
