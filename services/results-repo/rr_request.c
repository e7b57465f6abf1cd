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
 *
 * The repository reads that topic, and keeps each request the
 * orchestrator publishes as it comes (until its result is stored, or a
 * day): the broker keeps only the last 10,000, and a repository behind
 * its evaluators by more than that would otherwise reject valid results
 * (with 1,000 kept, 10,000 endpoints did).  A request not kept (one
 * published while the repository was away, or dropped with its session)
 * is fetched from the topic.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libxml/tree.h>

#include "db.h"
#include "ident.h"
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

/* ---- requests kept as they came ---------------------------------------- */

#define KEEP_SECS	86400	/* a request unanswered for a day: dropped */
#define REQUEST_MAX	(1 << 20)	/* the largest request taken */

static void
op_free(struct rr_req_op *op)
{
	free(op->id); free(op->publisher); free(op->payload);
	memset(op, 0, sizeof(*op));
}

static void
queue(struct rr *rr, const char *id, const char *publisher,
    const char *payload, size_t len)
{
	struct rr_req_op *op;

	if (rr->nreqs == RR_REQS_MAX)
		rr_requests_write(rr);
	if (rr->nreqs == RR_REQS_MAX)	/* the database refused: the */
		return;			/* broker still has the last 10,000 */
	op = &rr->reqs[rr->nreqs];
	op->id = strdup(id);
	op->publisher = publisher ? strdup(publisher) : NULL;
	op->payload = payload ? strndup(payload, len) : NULL;
	if (op->id == NULL || (publisher && op->publisher == NULL) ||
	    (payload && op->payload == NULL)) {
		op_free(op);
		return;
	}
	rr->nreqs++;
}

void
rr_request_event(struct rr *rr, const struct grid_event *gev)
{
	char pub[512];

	if (gev->item_id == NULL || !ident_ok(gev->item_id))
		return;		/* no result can name it */
	if (gev->retract) {
		queue(rr, gev->item_id, NULL, NULL, 0);
		return;
	}
	jid_bare(gev->publisher, pub, sizeof(pub));
	if (gev->publisher == NULL || strcasecmp(pub,
	    rr->conf.orchestrator) != 0) {
		log_warnx("evaluation request %s not kept: published by %s, "
		    "not the orchestrator", gev->item_id, gev->publisher ?
		    pub : "an unnamed publisher");
		return;
	}
	if (gev->payload == NULL || gev->payload_len > REQUEST_MAX)
		return;		/* checked when a result names it */
	queue(rr, gev->item_id, pub, gev->payload, gev->payload_len);
}

void
rr_request_done(struct rr *rr, const char *id)
{
	queue(rr, id, NULL, NULL, 0);
}

void
rr_requests_write(struct rr *rr)
{
	sqlite3_stmt *st;
	time_t now = time(NULL);
	int prune = now - rr->reqs_pruned >= 3600;

	if ((rr->nreqs == 0 && !prune) || db_begin(rr->db) < 0)
		return;
	for (size_t i = 0; i < rr->nreqs; i++) {
		const struct rr_req_op *op = &rr->reqs[i];

		if (db_prep(rr->db, op->payload ? "INSERT OR REPLACE INTO "
		    "request (id, publisher, payload, received) VALUES "
		    "(?,?,?,?)" : "DELETE FROM request WHERE id = ?", &st) < 0)
			goto fail;
		db_bind_text(st, 1, op->id);
		if (op->payload) {
			db_bind_text(st, 2, op->publisher);
			db_bind_text(st, 3, op->payload);
			sqlite3_bind_int64(st, 4, (int64_t)now);
		}
		if (rr_step_done(rr, st) < 0)
			goto fail;
	}
	if (prune) {
		if (db_prep(rr->db, "DELETE FROM request WHERE received < ?",
		    &st) < 0)
			goto fail;
		sqlite3_bind_int64(st, 1, (int64_t)(now - KEEP_SECS));
		if (rr_step_done(rr, st) < 0)
			goto fail;
	}
	if (db_commit(rr->db) < 0)
		goto fail;
	rr_requests_free(rr);
	if (prune)
		rr->reqs_pruned = now;
	return;
fail:
	db_rollback(rr->db);
}

void
rr_requests_free(struct rr *rr)
{
	for (size_t i = 0; i < rr->nreqs; i++)
		op_free(&rr->reqs[i]);
	rr->nreqs = 0;
}

/*
 * Request id as kept: 1 (f filled), 0 when not kept, -ENOENT when it was
 * withdrawn since it came.
 */
static int
kept(struct rr *rr, const char *id, struct fetched *f)
{
	sqlite3_stmt *st;
	int r = 0;

	for (size_t i = rr->nreqs; i-- > 0; ) {
		const struct rr_req_op *op = &rr->reqs[i];

		if (strcmp(op->id, id) != 0)
			continue;
		if (op->payload == NULL)
			return -ENOENT;
		f->payload = strdup(op->payload);
		snprintf(f->publisher, sizeof(f->publisher), "%s",
		    op->publisher);
		return f->payload ? 1 : 0;
	}
	if (db_prep(rr->db, "SELECT publisher, payload FROM request WHERE "
	    "id = ?", &st) < 0)
		return 0;
	db_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 1);

		snprintf(f->publisher, sizeof(f->publisher), "%s",
		    (const char *)sqlite3_column_text(st, 0));
		if (p && (f->payload = strdup(p)) != NULL)
			r = 1;
	}
	sqlite3_finalize(st);
	return r;
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
	if ((r = kept(rr, id, &f)) <= 0 && (r < 0 || (r = pubsub_items(rr->g,
	    TOPIC_EVALUATION_REQUESTS, id, 0, grab, &f)) < 0 || !f.found)) {
		free(f.payload);
		snprintf(err, errlen, "no evaluation request %.200s (%s)", id,
		    r == -ENOENT ? "withdrawn" : r < 0 ? grid_errstr(rr->g) :
		    "not on " TOPIC_EVALUATION_REQUESTS);
		return -ENOENT;
	}
	if (strcasecmp(f.publisher, rr->conf.orchestrator) != 0) {
		snprintf(err, errlen, "request %.200s was published by %s, not "
		    "the orchestrator", id, f.publisher[0] ? f.publisher : "?");
		free(f.payload);
		return -EPERM;
	}
	r = xmlsafe_parse_root(f.payload, strlen(f.payload), REQUEST_MAX, root,
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
