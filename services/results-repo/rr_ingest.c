/*
 * rr_ingest.c - evaluation results in.
 *
 * Each result on sacm/evaluation/results is stored in one transaction:
 * the evaluation, its rule results (rule titles, severities and
 * identifiers kept once per rule), its ARF (fetched, verified, checked to
 * be an ARF, stored with what it shares with others once: rr_arf.c), the
 * current state of the endpoint for that policy and
 * profile, and incidents: a rule that fails now, at or above
 * incident_severity, and has no open incident gets one; an open incident
 * whose rule no longer fails is closed.  What is stored is then
 * published (the current item on sacm/results, each new incident as an
 * IODEF 2.0 document on sacm/incidents); what could not be published yet
 * is flagged and goes out later, so a broker away loses nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "db.h"
#include "log.h"
#include "pubsub.h"
#include "rr.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"
#include "scap.h"

int
rr_severity_rank(const char *s)
{
	static const char *const order[] = { "unknown", "info", "low",
	    "medium", "high" };

	for (int i = 0; s && i < 5; i++)
		if (strcmp(s, order[i]) == 0)
			return i;
	return 0;
}

void
rr_uuid4(char out[37])
{
	unsigned char r[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r))
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)random();
	if (fd >= 0)
		close(fd);
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
	    r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

/* ---- parsing ------------------------------------------------------------ */

struct ev {
	char	*request, *endpoint, *hostname, *assessment, *policy;
	char	*profile, *evaluator, *state, *evaluated, *reason;
	char	*benchmark;
	char	*score, *max, *duration, *count[SCAP_NRESULTS];
	xmlNodePtr rules;		/* <rule-results/> */
	char	*arf, arf_sha[65];	/* decoded ARF, its sha256 */
	struct rr_arf_info arfinfo;	/* its parts, checked */
	size_t	 arflen;
};

static void
ev_free(struct ev *e)
{
	free(e->request); free(e->endpoint); free(e->hostname);
	free(e->assessment); free(e->policy); free(e->profile);
	free(e->evaluator); free(e->state); free(e->evaluated);
	free(e->reason); free(e->score); free(e->max); free(e->duration);
	free(e->benchmark);
	for (size_t i = 0; i < SCAP_NRESULTS; i++)
		free(e->count[i]);
	free(e->arf);
}

static int
parse(struct rr *rr, xmlNodePtr root, struct ev *e, char *err, size_t errlen)
{
	xmlNodePtr arf, reason;
	char why[512];
	const char *bad;
	int r;

	if (!xml_ids_ok(root, xml_id_attrs, &bad)) {
		snprintf(err, errlen, "%s is not an identifier", bad);
		return -EINVAL;
	}
	e->endpoint = xml_prop(root, "endpoint");
	e->hostname = xml_prop(root, "hostname");
	e->assessment = xml_prop(root, "assessment");
	e->policy = xml_prop(root, "policy");
	e->profile = xml_prop(root, "profile");
	e->evaluator = xml_prop(root, "evaluator");
	e->state = xml_prop(root, "state");
	e->evaluated = xml_prop(root, "evaluated");
	e->score = xml_prop(root, "score");
	e->max = xml_prop(root, "max");
	e->duration = xml_prop(root, "duration-ms");
	for (size_t i = 0; i < SCAP_NRESULTS; i++)
		e->count[i] = xml_prop(root, scap_result_names[i]);
	if ((reason = xml_child(root, "reason", SACM_NS)) != NULL)
		e->reason = (char *)xmlNodeGetContent(reason);
	if (!e->endpoint || !e->policy || !e->state) {
		snprintf(err, errlen, "endpoint, policy and state are "
		    "required");
		return -EINVAL;
	}
	if (strcmp(e->state, "failed") == 0)
		return 0;
	if (strcmp(e->state, "complete") != 0) {
		snprintf(err, errlen, "unknown state '%.40s'", e->state);
		return -EINVAL;
	}
	e->rules = xml_child(root, "rule-results", SACM_NS);
	arf = xml_child(root, "arf", SACM_NS);
	if (e->rules == NULL || arf == NULL) {
		snprintf(err, errlen, "a complete result needs rule results "
		    "and an ARF");
		return -EINVAL;
	}
	if ((r = rr_arf_in(rr, arf, &e->arf, &e->arflen, e->arf_sha,
	    &e->arfinfo, err, errlen)) < 0)
		return r;
	if (!e->arfinfo.checked && xmlsafe_check_root(e->arf, e->arflen,
	    (size_t)rr->conf.max_arf, "asset-report-collection", NS_ARF, why,
	    sizeof(why)) < 0) {
		snprintf(err, errlen, "ARF: %s", why);
		return -EINVAL;
	}
	return 0;
}

/* ---- storing --------------------------------------------------------------- */

static int64_t
rule_id(struct rr *rr, xmlNodePtr rule)
{
	sqlite3_stmt *st;
	char *name = xml_prop(rule, "id"), *title = xml_prop(rule, "title");
	char *sev = xml_prop(rule, "severity");
	char *idents = xml_children_text(rule, "ident", SACM_NS);
	int64_t id = -1;

	if (name && db_prep_hot(rr->db, "INSERT INTO rule (name, title, severity, "
	    "idents) VALUES (?,?,?,?) ON CONFLICT(name) DO UPDATE SET title ="
	    " excluded.title, severity = excluded.severity, idents = "
	    "excluded.idents RETURNING id", &st) == 0) {
		db_bind_text(st, 1, name);
		db_bind_text(st, 2, title);
		db_bind_text(st, 3, sev);
		db_bind_text(st, 4, idents);
		if (sqlite3_step(st) == SQLITE_ROW)
			id = sqlite3_column_int64(st, 0);
		db_finish(st);
	}
	free(idents);
	free(name); free(title); free(sev);
	return id;
}

void
rr_iodef_begin(struct buf *b, const char *uuid, const char *detected)
{
	char when[32];

	time_iso(when, 0);
	buf_adds(b, RR_IODEF_HEAD "<Incident purpose='reporting' "
	    "status='new'><IncidentID name='sacm-grid.dev'>");
	buf_add_xml(b, uuid);
	buf_adds(b, "</IncidentID><DetectTime>");
	buf_add_xml(b, detected ? detected : when);
	buf_printf(b, "</DetectTime><GenerationTime>%s</GenerationTime>",
	    when);
}

void
rr_iodef_target(struct buf *b, const char *hostname, const char *endpoint)
{
	buf_adds(b, "<Contact role='creator' type='organization'>"
	    "<ContactName>SACM Grid results repository</ContactName>"
	    "</Contact><EventData><Flow><System category='target'><Node>"
	    "<DomainData><Name>");
	buf_add_xml(b, hostname ? hostname : endpoint);
	buf_adds(b, "</Name></DomainData></Node><AssetID>");
	buf_add_xml(b, endpoint);
	buf_adds(b, "</AssetID></System></Flow></EventData>");
}

/* The IODEF 2.0 document (RFC 7970) for a newly failing rule. */
static char *
iodef(const char *uuid, const struct ev *e, xmlNodePtr rule)
{
	char *name = xml_prop(rule, "id"), *title = xml_prop(rule, "title");
	char *sev = xml_prop(rule, "severity"), *out;
	const char *isev = rr_severity_rank(sev) >= 4 ? "high" :
	    rr_severity_rank(sev) == 3 ? "medium" : "low";
	struct buf b;

	buf_init(&b, 1 << 20);
	rr_iodef_begin(&b, uuid, e->evaluated);
	buf_adds(&b, "<Description>Configuration rule failing on ");
	buf_add_xml(&b, e->hostname ? e->hostname : e->endpoint);
	buf_adds(&b, ": ");
	buf_add_xml(&b, title ? title : name ? name : "?");
	buf_printf(&b, "</Description><Assessment occurrence='actual'>"
	    "<SystemImpact severity='%s' type='unknown'><Description>", isev);
	buf_adds(&b, "XCCDF rule ");
	buf_add_xml(&b, name ? name : "?");
	buf_adds(&b, " fails (severity ");
	buf_add_xml(&b, sev ? sev : "unknown");
	buf_adds(&b, ")</Description></SystemImpact></Assessment>");
	rr_iodef_target(&b, e->hostname, e->endpoint);
	buf_adds(&b, "<AdditionalData dtype='string' meaning='xccdf-rule'>");
	buf_add_xml(&b, name ? name : "");
	buf_adds(&b, "</AdditionalData>");
	for (xmlNodePtr i = rule->children; i; i = i->next)
		if (xml_is(i, "ident", SACM_NS)) {
			xmlChar *v = xmlNodeGetContent(i);
			char *sys = xml_prop(i, "system");

			buf_adds(&b, "<AdditionalData dtype='string' meaning="
			    "'xccdf-ident' formatid='");
			buf_add_xml(&b, sys ? sys : "");
			buf_adds(&b, "'>");
			buf_add_xml(&b, v ? (char *)v : "");
			buf_adds(&b, "</AdditionalData>");
			xmlFree(v);
			free(sys);
		}
	buf_adds(&b, "<AdditionalData dtype='string' meaning='xccdf-policy'>");
	buf_add_xml(&b, e->policy);
	buf_adds(&b, "</AdditionalData><AdditionalData dtype='string' "
	    "meaning='xccdf-profile'>");
	buf_add_xml(&b, e->profile ? e->profile : "");
	buf_adds(&b, "</AdditionalData></Incident>" RR_IODEF_TAIL);
	out = b.data ? strdup(b.data) : NULL;
	buf_free(&b);
	free(name); free(title); free(sev);
	return out;
}

/* Opens incidents for newly failing rules, closes those that passed. */
static int
incidents(struct rr *rr, const struct ev *e, int64_t eid)
{
	int min = rr_severity_rank(rr->conf.incident_severity);
	const char *prof = e->profile ? e->profile : "";
	sqlite3_stmt *st;
	int r = 0;

	for (xmlNodePtr rule = e->rules->children; rule && r == 0;
	    rule = rule->next) {
		char *res, *sev, *name, uuid[37], *doc;
		int64_t rid, open = 0;

		if (!xml_is(rule, "rule", SACM_NS))
			continue;
		res = xml_prop(rule, "result");
		sev = xml_prop(rule, "severity");
		name = xml_prop(rule, "id");
		rid = rule_id(rr, rule);
		if (rid < 0 || db_prep_hot(rr->db, "SELECT id FROM incident WHERE "
		    "endpoint = ? AND policy = ? AND profile = ? AND rule = ? "
		    "AND closed IS NULL", &st) < 0) {
			free(res); free(sev); free(name);
			return -EIO;
		}
		db_bind_text(st, 1, e->endpoint);
		db_bind_text(st, 2, e->policy);
		db_bind_text(st, 3, prof);
		sqlite3_bind_int64(st, 4, rid);
		if (sqlite3_step(st) == SQLITE_ROW)
			open = sqlite3_column_int64(st, 0);
		db_finish(st);
		if (res && strcmp(res, "fail") == 0) {
			/* a waived failure is accepted: no incident while the
			 * waiver holds (one when it expires) */
			if (!open && rr_severity_rank(sev) >= min &&
			    !rr_waiver_covering(rr, eid, name)) {
				rr_uuid4(uuid);
				if ((doc = iodef(uuid, e, rule)) == NULL ||
				    db_prep(rr->db, "INSERT INTO incident (uuid, "
				    "endpoint, policy, profile, rule, opened, "
				    "document) VALUES (?,?,?,?,?,?,?)", &st) <
				    0)
					r = -EIO;
				else {
					db_bind_text(st, 1, uuid);
					db_bind_text(st, 2, e->endpoint);
					db_bind_text(st, 3, e->policy);
					db_bind_text(st, 4, prof);
					sqlite3_bind_int64(st, 5, rid);
					sqlite3_bind_int64(st, 6, eid);
					db_bind_text(st, 7, doc);
					r = rr_step_done(rr, st);
				}
				free(doc);
			}
		} else if (open && res && strcmp(res, "error") &&
		    strcmp(res, "unknown")) {
			/* It passes (or no longer applies): closed. */
			if (db_prep(rr->db, "UPDATE incident SET closed = ? WHERE "
			    "id = ?", &st) < 0)
				r = -EIO;
			else {
				sqlite3_bind_int64(st, 1, eid);
				sqlite3_bind_int64(st, 2, open);
				r = rr_step_done(rr, st);
			}
		}
		if (r == 0 && db_prep_hot(rr->db, "INSERT INTO result (evaluation, rule,"
		    " result) VALUES (?,?,?)", &st) == 0) {
			sqlite3_bind_int64(st, 1, eid);
			sqlite3_bind_int64(st, 2, rid);
			db_bind_text(st, 3, res ? res : "unknown");
			r = rr_step_done(rr, st);
		}
		free(res);
		free(sev);
		free(name);
	}
	return r;
}

void
rr_incidents_expired(struct rr *rr, int64_t eid, const char *id)
{
	static const char *const sql = "SELECT ru.id, ru.name, ru.title, "
	    "ru.severity, e.endpoint, e.hostname, e.policy, e.profile, "
	    "e.evaluated FROM evaluation e JOIN result r ON r.evaluation = "
	    "e.id AND r.result = 'fail' JOIN rule ru ON ru.id = r.rule JOIN "
	    "waiver_rule wr ON wr.rule = ru.name AND wr.waiver = ?2 WHERE "
	    "e.id = ?1 AND NOT EXISTS (SELECT 1 FROM incident i WHERE "
	    "i.endpoint = e.endpoint AND i.policy = e.policy AND i.profile = "
	    "e.profile AND i.rule = ru.id AND i.closed IS NULL)";
	int min = rr_severity_rank(rr->conf.incident_severity);
	sqlite3_stmt *st, *ins;
	char uuid[37], *doc, now[32];

	if (db_prep(rr->db, sql, &st) < 0)
		return;
	sqlite3_bind_int64(st, 1, eid);
	db_bind_text(st, 2, id);
	time_iso(now, 0);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ev e = { 0 };
		xmlNodePtr rule = xmlNewNode(NULL, BAD_CAST "rule");
		const char *sev = (const char *)sqlite3_column_text(st, 3);

		/* (a rule another waiver still covers raises nothing) */
		if (rule == NULL || rr_severity_rank(sev) < min ||
		    rr_waiver_covering(rr, eid, (const char *)
		    sqlite3_column_text(st, 1)) != NULL) {
			xmlFreeNode(rule);
			continue;
		}
		(void)db_columns_dup(st, 4, 4, &e.endpoint, &e.hostname,
		    &e.policy, &e.profile);
		e.evaluated = strdup(now);	/* failing again from now */
		xmlNewProp(rule, BAD_CAST "id", sqlite3_column_text(st, 1));
		xmlNewProp(rule, BAD_CAST "title", sqlite3_column_text(st, 2));
		xmlNewProp(rule, BAD_CAST "severity", BAD_CAST (sev ? sev :
		    "unknown"));
		rr_uuid4(uuid);
		if (e.endpoint && e.policy && (doc = iodef(uuid, &e, rule)) !=
		    NULL) {
			if (db_prep(rr->db, "INSERT INTO incident (uuid, "
			    "endpoint, policy, profile, rule, opened, "
			    "document) VALUES (?,?,?,?,?,?,?)", &ins) == 0) {
				db_bind_texts(ins, 1, 4, uuid, e.endpoint,
				    e.policy, e.profile ? e.profile : "");
				sqlite3_bind_int64(ins, 5,
				    sqlite3_column_int64(st, 0));
				sqlite3_bind_int64(ins, 6, eid);
				db_bind_text(ins, 7, doc);
				if (rr_step_done(rr, ins) == 0)
					log_info("incident %s: %s fails on %s "
					    "again (waiver %s ended)", uuid,
					    sqlite3_column_text(st, 1),
					    e.endpoint, id);
			}
			free(doc);
		}
		xmlFreeNode(rule);
		ev_free(&e);
	}
	sqlite3_finalize(st);
}

static int
store(struct rr *rr, struct ev *e, int64_t *eidp, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char now[32];
	int64_t eid;
	int r = -EIO;

	if (db_begin(rr->db) < 0)
		return -EIO;
	if (e->arf && rr_arf_store(rr, e->arf_sha, e->arf, e->arflen,
	    &e->arfinfo) < 0)
		goto fail;
	if (db_prep(rr->db, "INSERT INTO evaluation (request, endpoint, hostname, "
	    "assessment, policy, profile, evaluator, state, reason, evaluated,"
	    " duration_ms, received, score, max, pass, fail, error, unknown, "
	    "notapplicable, notchecked, informational, fixed, arf, "
	    "benchmark, wscore, wpass, wfail) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?13,?15,"
	    "?16)", &st) < 0)	/* waived as raw until a waiver applies */
		goto fail;
	time_iso(now, 0);
	db_bind_texts(st, 1, 14, e->request, e->endpoint, e->hostname,
	    e->assessment, e->policy, e->profile ? e->profile : "",
	    e->evaluator, e->state, e->reason, e->evaluated, e->duration, now,
	    e->score, e->max);
	for (size_t i = 0; i < SCAP_NRESULTS; i++)
		db_bind_text(st, 15 + (int)i, e->count[i]);
	db_bind_text(st, 23, e->arf ? e->arf_sha : NULL);
	db_bind_text(st, 24, e->benchmark);
	if (rr_step_done(rr, st) < 0)
		goto fail;
	eid = sqlite3_last_insert_rowid(rr->db);
	if (e->rules) {
		if (incidents(rr, e, eid) < 0)
			goto fail;
		if (db_prep(rr->db, "INSERT INTO current (endpoint, policy, profile,"
		    " evaluation) VALUES (?,?,?,?) ON CONFLICT DO UPDATE SET "
		    "evaluation = excluded.evaluation, published = 0", &st) < 0)
			goto fail;
		db_bind_text(st, 1, e->endpoint);
		db_bind_text(st, 2, e->policy);
		db_bind_text(st, 3, e->profile ? e->profile : "");
		sqlite3_bind_int64(st, 4, eid);
		if (rr_step_done(rr, st) < 0)
			goto fail;
	}
	if (db_commit(rr->db) == 0) {
		*eidp = eid;
		return 0;
	}
fail:
	snprintf(err, errlen, "the database refused it: %s",
	    sqlite3_errmsg(rr->db));
	db_rollback(rr->db);
	return r;
}

/* Has the result's assessment a complete evaluation stored already? */
static int
answered(struct rr *rr, const struct ev *e)
{
	sqlite3_stmt *st;
	int found = 0;

	if (e->assessment == NULL || *e->assessment == '\0' || db_prep(rr->db,
	    "SELECT 1 FROM evaluation WHERE assessment = ? AND endpoint = ? "
	    "AND state = 'complete'", &st) < 0)
		return 0;
	db_bind_text(st, 1, e->assessment);
	db_bind_text(st, 2, e->endpoint);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* What is stored comes from the request, not from the result's claims
 * (which only had to agree); the evaluator is the account that
 * published it. */
static int
take(struct ev *e, const struct rr_request *q, const struct grid_event *gev)
{
	char pub[512];

	jid_bare(gev->publisher, pub, sizeof(pub));
	free(e->endpoint); free(e->policy); free(e->profile);
	free(e->assessment); free(e->evaluator);
	e->endpoint = strdup(q->endpoint);
	e->policy = strdup(q->policy);
	e->profile = q->profile ? strdup(q->profile) : NULL;
	e->assessment = q->assessment ? strdup(q->assessment) : NULL;
	e->evaluator = strdup(pub);
	free(e->benchmark);
	e->benchmark = q->benchmark ? strdup(q->benchmark) : NULL;
	if (q->hostname) {
		free(e->hostname);
		e->hostname = strdup(q->hostname);
	}
	return e->endpoint && e->policy && e->evaluator ? 0 : -ENOMEM;
}

static void
result_in(struct rr *rr, const struct grid_event *gev)
{
	struct rr_request q = { 0 };
	struct ev e = { 0 };
	xmlDocPtr doc = NULL;
	char err[1024] = "", req[513];
	int64_t eid = -1;

	if (strlen(gev->item_id) > 512) {
		log_warnx("result rejected: item id of %zu bytes",
		    strlen(gev->item_id));
		rr->rejected++;
		return;
	}
	/* "<request>" or, when another account held that id,
	 * "<request>/<random>" (docs/protocol.md) */
	snprintf(req, sizeof(req), "%.*s", (int)strcspn(gev->item_id, "/"),
	    gev->item_id);
	if (rr_result_stored(rr, req, strlen(req)) == 1) {
		log_debug("result %s stored before", gev->item_id);
		return;
	}
	e.request = strdup(req);
	if (rr_request_get(rr, req, gev->publisher, &q, err,
	    sizeof(err)) < 0) {
		rr->rejected++;
		log_warnx("result %s rejected: %s", gev->item_id, err);
		ev_free(&e);
		return;
	}
	if (xmlsafe_parse_root(gev->payload, gev->payload_len,
	    (size_t)grid_get_conf(rr->g)->max_item_size,
	    "evaluation-result", SACM_NS, &doc, err, sizeof(err)) < 0 ||
	    parse(rr, xmlDocGetRootElement(doc), &e, err, sizeof(err)) < 0 ||
	    rr_request_agrees(&q, e.endpoint, e.policy, e.profile,
	    e.assessment, err, sizeof(err)) < 0 || take(&e, &q, gev) < 0) {
		rr->rejected++;
		log_warnx("result %s rejected: %s", gev->item_id, err);
	} else if (answered(rr, &e)) {
		/* An evaluation assigned again (its evaluator looked gone)
		 * may be answered twice: the assessment has one result. */
		rr_request_done(rr, e.request);
		log_info("result %s: assessment %s has its result already; "
		    "not stored twice", e.request, e.assessment);
	} else if (store(rr, &e, &eid, err, sizeof(err)) < 0) {
		/* Not the result's fault: taken again later. */
		if (rr->retry && retry_add(rr->retry, gev->node,
		    gev->item_id) == 0)
			log_warnx("result %s not stored (%s); kept, to be taken "
			    "again", gev->item_id, err);
		else
			log_warnx("result %s not stored (%s), and too many kept "
			    "already: it stays on the broker", gev->item_id,
			    err);
	} else {
		rr->stored++;
		rr_request_done(rr, e.request);
		log_info("result %s stored: endpoint %s, %s%s%s", e.request,
		    e.endpoint, e.state, e.score ? ", score " : "",
		    e.score ? e.score : "");
		if (rr_waivers_in_force(rr))
			(void)rr_waiver_apply(rr, eid);
		rr_flush_pending(rr);
	}
	xmlFreeDoc(doc);
	ev_free(&e);
	rr_request_free(&q);
}

void
rr_on_event(struct grid *g, const struct grid_event *gev, void *arg)
{
	(void)g;
	if (strcmp(gev->node, TOPIC_EVALUATION_RESULTS) == 0 && !gev->retract &&
	    gev->payload && strncmp(gev->item_id, "v-", 2) == 0)
		rr_vuln_result(arg, gev);
	else if (strcmp(gev->node, TOPIC_EVALUATION_RESULTS) == 0 &&
	    !gev->retract && gev->payload)
		result_in(arg, gev);
	else if (strcmp(gev->node, TOPIC_WAIVERS) == 0 && (gev->retract ||
	    gev->payload))
		rr_waiver_event(arg, gev);
	else if (strcmp(gev->node, TOPIC_EVALUATION_REQUESTS) == 0)
		rr_request_event(arg, gev);
}
