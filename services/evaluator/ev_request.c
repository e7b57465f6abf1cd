/*
 * ev_request.c - evaluation requests in, jobs out.
 *
 * A request on sacm/evaluation/requests names the endpoint, the profile,
 * the assessment, the evaluator it is assigned to (none: any), and
 * carries the policy's announcement and the posture's stored
 * announcement (docs/protocol.md).  A request assigned to another
 * evaluator is left alone; one answered before (a result on
 * sacm/evaluation/results) is not evaluated again after a restart.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ev.h"
#include "grid.h"
#include "log.h"
#include "policy.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"


void
ev_job_free(struct ev_job *j)
{
	if (j == NULL)
		return;
	free(j->request); free(j->endpoint); free(j->hostname);
	free(j->assessment); free(j->profile); free(j->policy); free(j->base);
	free(j->policy_id); free(j->posture); free(j->targeted);
	free(j);
}

struct answered {
	const struct ev	*e;
	int		 seen;
};

/* A result under the request's id counts only when this evaluator's
 * account published it: another account may have taken the id first. */
static int
found(const struct grid_event *ev, void *arg)
{
	struct answered *a = arg;
	char pub[512];

	jid_bare(ev->publisher, pub, sizeof(pub));
	if (ev->publisher && strcasecmp(pub, a->e->bare) == 0)
		a->seen = 1;
	return 1;
}

static int
for_us(struct ev *e, const char *assigned)
{
	size_t n;

	if (assigned == NULL || *assigned == '\0')
		return 1;
	n = strcspn(assigned, "/");
	return strlen(e->bare) == n && strncmp(assigned, e->bare, n) == 0;
}

/*
 * The request's reuse key, from the digests the posture repository gave
 * its documents; "" when the request has none to give.
 */
static void
posture_key(xmlNodePtr post, const struct ev_job *j, char key[65])
{
	char *sc = NULL, *cpe = NULL;

	key[0] = '\0';
	for (xmlNodePtr c = post ? post->children : NULL; c; c = c->next) {
		char *kind;

		if (!xml_is(c, "syschar", SACM_NS))
			continue;
		kind = xml_prop(c, "kind");
		if (kind && strcmp(kind, "oval") == 0 && sc == NULL)
			sc = xml_prop(c, "digest");
		else if (kind && strcmp(kind, "cpe-oval") == 0 && cpe == NULL)
			cpe = xml_prop(c, "digest");
		free(kind);
	}
	(void)ev_reuse_key(j->policy_id, j->profile, sc, cpe, key);
	free(sc);
	free(cpe);
}

static void
handle(struct ev *e, const struct grid_event *gev)
{
	xmlDocPtr doc;
	xmlNodePtr req, post;
	struct ev_job *j;
	char err[1024], *assigned;
	const char *bad;
	size_t len;

	if (strlen(gev->item_id) > 200) {
		log_warnx("request id of %zu bytes ignored",
		    strlen(gev->item_id));
		return;
	}
	if (strncmp(gev->item_id, "v-", 2) == 0) {
		struct answered a = { e, 0 };

		if (ev_busy(e, gev->item_id))
			return;
		if (gev->catchup)
			(void)pubsub_items(e->g, TOPIC_EVALUATION_RESULTS,
			    gev->item_id, 0, found, &a);
		ev_vuln_request(e, gev, a.seen);
		return;
	}
	if (xmlsafe_parse_root(gev->payload, gev->payload_len, 1 << 20,
	    "evaluation-request", SACM_NS, &doc, err, sizeof(err)) < 0) {
		log_warnx("request %s ignored: %s", gev->item_id, err);
		return;
	}
	req = xmlDocGetRootElement(doc);
	if (!xml_ids_ok(req, xml_id_attrs, &bad)) {
		log_warnx("request %s ignored: %s is not an identifier",
		    gev->item_id, bad);
		goto out;
	}
	assigned = xml_prop(req, "evaluator");
	if (!for_us(e, assigned)) {
		log_debug("request %s is for %s", gev->item_id, assigned);
		free(assigned);
		goto out;
	}
	free(assigned);
	if (ev_busy(e, gev->item_id))
		goto out;
	if (gev->catchup) {
		struct answered a = { e, 0 };

		(void)pubsub_items(e->g, TOPIC_EVALUATION_RESULTS,
		    gev->item_id, 0, found, &a);
		if (a.seen) {
			log_debug("request %s answered before", gev->item_id);
			goto out;
		}
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		goto out;
	j->request = strdup(gev->item_id);
	j->endpoint = xml_prop(req, "endpoint");
	j->hostname = xml_prop(req, "hostname");
	j->assessment = xml_prop(req, "assessment");
	j->profile = xml_prop(req, "profile");
	if (j->profile && *j->profile == '\0') {
		free(j->profile);
		j->profile = NULL;
	}
	post = xml_child(req, "posture-stored", SACM_NS);
	(void)policy_from_request(req, &j->policy, &j->base, &j->policy_id);
	if (post)
		(void)xml_node_text(post, &j->posture, &len);
	if (e->conf.reuse)
		posture_key(post, j, j->key);
	/* Even a request we cannot use gets a (failed) result. */
	log_info("request %s queued: endpoint %s, policy %.12s, profile %s",
	    j->request, j->endpoint ? j->endpoint : "?", j->policy_id ?
	    j->policy_id : "?", j->profile ? j->profile : "(default)");
	ev_enqueue(e, j);
out:
	xmlFreeDoc(doc);
}

/*
 * A collection request: its evaluation follows once the posture is in,
 * so the policy is loaded now, while the collector collects (a request
 * caught up at start, long done, is not).  The request names the
 * evaluator the orchestrator expects to give it to (`evaluator`): the
 * others leave the cores to the collection, and load the policy if
 * their first evaluation of it comes after all.
 */
static void
collection(struct ev *e, const struct grid_event *gev)
{
	char err[256], *ann = NULL, *base = NULL, *id = NULL, *profile, *ours;
	xmlDocPtr doc;
	xmlNodePtr req;
	const char *bad;

	if (gev->catchup || xmlsafe_parse_root(gev->payload, gev->payload_len,
	    1 << 20, "collection-request", SACM_NS, &doc, err,
	    sizeof(err)) < 0)
		return;
	req = xmlDocGetRootElement(doc);
	profile = xml_prop(req, "profile");
	ours = xml_prop(req, "evaluator");
	if (xml_ids_ok(req, xml_id_attrs, &bad) && for_us(e, ours) &&
	    policy_from_request(req, &ann, &base, &id) == 0)
		(void)ev_preload(e, ann, base, id, profile && *profile ?
		    profile : NULL);
	free(ann); free(base); free(id); free(profile); free(ours);
	xmlFreeDoc(doc);
}

void
ev_on_event(struct grid *g, const struct grid_event *gev, void *arg)
{
	(void)g;
	if (gev->retract || gev->payload == NULL)
		return;
	if (strcmp(gev->node, TOPIC_EVALUATION_REQUESTS) == 0)
		handle(arg, gev);
	else if (strcmp(gev->node, TOPIC_COLLECTION_REQUESTS) == 0)
		collection(arg, gev);
	else if (strcmp(gev->node, TOPIC_VULN_DEFS) == 0)
		ev_vuln_announced(arg, gev);
}
