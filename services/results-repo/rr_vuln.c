/*
 * rr_vuln.c - vulnerability results: stored with their history, the
 * current state of each endpoint on sacm/vulnerabilities, an incident
 * for each endpoint newly vulnerable.
 *
 * A <vulnerability-result/> counts only for a <vulnerability-request/>
 * the orchestrator published and assigned to the evaluator that answers
 * (rr_request_fetch), and the endpoint, definitions and stream stored
 * are the request's.  Each result is a scan; a finding is one
 * definition true on one endpoint, open from the scan where it became
 * true until the one where it was not (fixed: the package upgraded, or
 * the definition gone from a newer file).  Its CVE ids are indexed
 * (vuln_finding_cve), so "who has CVE-x" reads only those rows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "buf.h"
#include "db.h"
#include "log.h"
#include "pubsub.h"
#include "query.h"
#include "rr.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define FINDINGS_MAX	100000	/* per scan: more is refused */
#define FINDINGS_BYTES	(64u << 20)	/* a findings blob, decoded */
/* the highest severity of a CVE's findings (the bare column follows the
 * max() in sqlite) */
#define SEV_RANK	"CASE lower(f.severity) WHEN 'critical' THEN 4 " \
	"WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END"

struct scan {
	char	*request, *endpoint, *hostname, *defs, *name, *evaluated;
	char	*evaluator;
	long	 count, other, inv, col;
};

static void
scan_free(struct scan *s)
{
	free(s->request); free(s->endpoint); free(s->hostname); free(s->defs);
	free(s->name); free(s->evaluated); free(s->evaluator);
}

static long
num(xmlNodePtr n, const char *attr)
{
	char *v = xml_prop(n, attr), *end;
	long r = v ? strtol(v, &end, 10) : 0;

	r = v && *end == '\0' && r >= 0 ? r : 0;
	free(v);
	return r;
}

/* One <vulnerable/>: its open finding kept (1 new, 0 known), or -EIO. */
static int
finding(struct rr *rr, const struct scan *s, int64_t sid, xmlNodePtr v,
    const char *when)
{
	static const char *const attrs[] = { "definition", "cves", "package",
	    "installed", "fixed-in", "severity", "from" };
	char *a[7];
	sqlite3_stmt *st;
	int64_t fid = 0;
	int r = -EIO, fresh = 0;

	for (int i = 0; i < 7; i++)
		a[i] = xml_prop(v, attrs[i]);
	if (a[0] == NULL || strlen(a[0]) > 256) {
		r = 0;
		goto out;
	}
	if (db_prep(rr->db, "UPDATE vuln_finding SET last_scan = ?1, "
	    "installed = ?2, fixed_version = ?3, severity = ?4, cves = ?5 "
	    "WHERE endpoint = ?6 AND name = ?7 AND definition = ?8 AND "
	    "fixed_at IS NULL", &st) < 0)
		goto out;
	sqlite3_bind_int64(st, 1, sid);
	db_bind_texts(st, 2, 3, a[3], a[4], a[5]);
	db_bind_texts(st, 5, 4, a[1], s->endpoint, s->name, a[0]);
	if (rr_step_done(rr, st) < 0)
		goto out;
	if (sqlite3_changes(rr->db) == 0) {
		if (db_prep(rr->db, "INSERT INTO vuln_finding (endpoint, name, "
		    "definition, cves, package, installed, fixed_version, "
		    "severity, source, first_scan, first_seen, last_scan) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
		    "?10)", &st) < 0)
			goto out;
		db_bind_texts(st, 1, 2, s->endpoint, s->name);
		db_bind_texts(st, 3, 7, a[0], a[1], a[2], a[3], a[4], a[5],
		    a[6]);
		sqlite3_bind_int64(st, 10, sid);
		db_bind_text(st, 11, when);
		if (rr_step_done(rr, st) < 0)
			goto out;
		fid = sqlite3_last_insert_rowid(rr->db);
		fresh = 1;
	}
	/* its CVE ids, indexed */
	for (char *p = fresh ? a[1] : NULL, *save = NULL, *c; p; p = NULL)
		for (c = strtok_r(p, " ", &save); c; c = strtok_r(NULL, " ",
		    &save)) {
			if (db_prep(rr->db, "INSERT OR IGNORE INTO "
			    "vuln_finding_cve (finding, cve) VALUES (?, ?)",
			    &st) < 0)
				goto out;
			sqlite3_bind_int64(st, 1, fid);
			db_bind_text(st, 2, c);
			if (rr_step_done(rr, st) < 0)
				goto out;
		}
	r = fresh;
out:
	for (int i = 0; i < 7; i++)
		free(a[i]);
	return r;
}

/* The IODEF 2.0 document (RFC 7970) for an endpoint newly vulnerable. */
static char *
iodef(struct rr *rr, const char *uuid, const struct scan *s, int64_t sid)
{
	sqlite3_stmt *st;
	struct buf b;
	char *out;
	long n = 0;

	buf_init(&b, 1 << 20);
	rr_iodef_begin(&b, uuid, s->evaluated);
	buf_adds(&b, "<Description>Newly vulnerable: ");
	buf_add_xml(&b, s->hostname ? s->hostname : s->endpoint);
	buf_adds(&b, "</Description><Assessment occurrence='potential'>"
	    "<SystemImpact severity='high' type='unknown'><Description>"
	    "Vulnerability definitions of ");
	buf_add_xml(&b, s->name);
	buf_adds(&b, " true from the endpoint's software inventory"
	    "</Description></SystemImpact></Assessment>");
	rr_iodef_target(&b, s->hostname, s->endpoint);
	if (db_prep(rr->db, "SELECT definition, cves, package, installed, "
	    "fixed_version FROM vuln_finding WHERE first_scan = ? ORDER BY "
	    "definition LIMIT 1000", &st) == 0) {
		sqlite3_bind_int64(st, 1, sid);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *cves = (const char *)sqlite3_column_text(st,
			    1);

			buf_adds(&b, "<AdditionalData dtype='string' "
			    "meaning='oval-definition' formatid='");
			buf_add_xml(&b, cves ? cves : "");
			buf_adds(&b, "'>");
			for (int i = 0; i < 5; i++) {
				const char *t = (const char *)
				    sqlite3_column_text(st, i);

				if (i)	/* "definition cves package installed
					 * < fixed" */
					buf_add_xml(&b, i == 4 ? " < " : " ");
				buf_add_xml(&b, t ? t : "-");
			}
			buf_adds(&b, "</AdditionalData>");
			n++;
		}
		sqlite3_finalize(st);
	}
	buf_adds(&b, "</Incident>" RR_IODEF_TAIL);
	out = b.data && n ? strdup(b.data) : NULL;
	buf_free(&b);
	return out;
}

/* The current item of (endpoint, name): the last scan and its open
 * findings; NULL when it is over max_item_size. */
static char *
current(struct rr *rr, const struct scan *s, long newly, long fixed)
{
	static const char *const cols[] = { "definition", "cves", "package",
	    "installed", "fixed-in", "severity", "from", "since" };
	size_t max = (size_t)grid_get_conf(rr->g)->max_item_size;
	sqlite3_stmt *st;
	struct buf b, rows;
	char *out;
	long n = 0, listed = 0;

	/* every open finding when the item has room, else the most severe
	 * first, as many as fit (listed < vulnerable) */
	buf_init(&rows, max);
	if (db_prep(rr->db, "SELECT definition, cves, package, installed, "
	    "fixed_version, severity, source, first_seen FROM vuln_finding f "
	    "WHERE endpoint = ? AND name = ? AND fixed_at IS NULL ORDER BY "
	    SEV_RANK " DESC, definition", &st) == 0) {
		db_bind_texts(st, 1, 2, s->endpoint, s->name);
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct buf row;

			buf_init(&row, 64u << 10);
			buf_adds(&row, "<vulnerable");
			db_row_attrs(&row, st, cols, 8);
			buf_adds(&row, "/>");
			if (row.data && rows.len + row.len + 8192 < max) {
				buf_adds(&rows, row.data);
				listed++;
			}
			buf_free(&row);
			n++;
		}
		sqlite3_finalize(st);
	}
	buf_init(&b, max);
	buf_adds(&b, "<vulnerabilities xmlns='" SACM_NS "'");
	buf_add_attr(&b, "endpoint", s->endpoint);
	buf_add_attr(&b, "hostname", s->hostname);
	buf_add_attr(&b, "name", s->name);
	buf_add_attr(&b, "definitions", s->defs);
	buf_add_attr(&b, "request", s->request);
	buf_add_attr(&b, "evaluated", s->evaluated);
	buf_printf(&b, " count='%ld' vulnerable='%ld' listed='%ld' "
	    "newly='%ld' fixed='%ld' other='%ld' from-inventory='%ld' "
	    "needed-collection='%ld'>", s->count, n, listed, newly, fixed,
	    s->other, s->inv, s->col);
	if (rows.data)
		buf_adds(&b, rows.data);
	buf_adds(&b, "</vulnerabilities>");
	out = b.data && !rows.err ? strdup(b.data) : NULL;
	buf_free(&b);
	buf_free(&rows);
	return out;
}

/* Stores the scan and its findings in one transaction: the scan's id,
 * 0 when it was stored before, or -errno. */
static int64_t
store(struct rr *rr, const struct scan *s, xmlNodePtr list, long *newly,
    long *fixed)
{
	sqlite3_stmt *st;
	char when[32];
	int64_t sid;
	long n = 0;

	*newly = *fixed = 0;
	time_iso(when, 0);
	if (db_begin(rr->db) < 0)
		return -EIO;
	if (db_prep(rr->db, "INSERT OR IGNORE INTO vuln_scan (request, "
	    "endpoint, hostname, name, definitions, evaluator, evaluated, "
	    "received, count, other, from_inventory, needed_collection) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	    &st) < 0)
		goto fail;
	db_bind_texts(st, 1, 8, s->request, s->endpoint, s->hostname,
	    s->name, s->defs, s->evaluator, s->evaluated, when);
	sqlite3_bind_int64(st, 9, s->count);
	sqlite3_bind_int64(st, 10, s->other);
	sqlite3_bind_int64(st, 11, s->inv);
	sqlite3_bind_int64(st, 12, s->col);
	if (rr_step_done(rr, st) < 0)
		goto fail;
	if (sqlite3_changes(rr->db) == 0) {
		db_rollback(rr->db);
		return 0;		/* delivered twice */
	}
	sid = sqlite3_last_insert_rowid(rr->db);
	for (xmlNodePtr v = list->children; v; v = v->next) {
		int r;

		if (!xml_is(v, "vulnerable", SACM_NS))
			continue;
		if (++n > FINDINGS_MAX) {
			log_warnx("%s: over %d findings; not stored",
			    s->request, FINDINGS_MAX);
			goto fail;
		}
		if ((r = finding(rr, s, sid, v, when)) < 0)
			goto fail;
		*newly += r;
	}
	/* what was true and is not now: fixed since */
	if (db_prep(rr->db, "UPDATE vuln_finding SET fixed_scan = ?1, "
	    "fixed_at = ?2 WHERE endpoint = ?3 AND name = ?4 AND fixed_at IS "
	    "NULL AND last_scan != ?1", &st) < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, sid);
	db_bind_texts(st, 2, 3, when, s->endpoint, s->name);
	if (rr_step_done(rr, st) < 0)
		goto fail;
	*fixed = sqlite3_changes(rr->db);
	if (db_prep(rr->db, "UPDATE vuln_scan SET vulnerable = ?1, newly = ?2, "
	    "fixed = ?3 WHERE id = ?4", &st) < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, n);
	sqlite3_bind_int64(st, 2, *newly);
	sqlite3_bind_int64(st, 3, *fixed);
	sqlite3_bind_int64(st, 4, sid);
	if (rr_step_done(rr, st) < 0 || db_commit(rr->db) < 0)
		goto fail;
	return sid;
fail:
	db_rollback(rr->db);
	return -EIO;
}

/* Findings the evaluator uploaded (<findings><blob/></findings>): *doc
 * the fetched <findings/>, or NULL when they are inline.  0 or -errno
 * with err. */
static int
findings_of(struct rr *rr, xmlNodePtr root, xmlDocPtr *doc, char *err,
    size_t errlen)
{
	xmlNodePtr f = xml_child(root, "findings", SACM_NS);
	struct blob_ref ref;
	char *data = NULL, why[512];
	size_t len;
	int r;

	*doc = NULL;
	if (f == NULL)
		return 0;
	if (blob_ref_from_xml(xml_child(f, "blob", BLOB_NS), &ref, why,
	    sizeof(why)) < 0) {
		snprintf(err, errlen, "findings: %.400s", why);
		return -EINVAL;
	}
	r = blob_get(rr->g, &ref, FINDINGS_BYTES, &data, &len, why,
	    sizeof(why));
	blob_ref_free(&ref);
	if (r == 0)
		r = xmlsafe_parse_root(data, len, FINDINGS_BYTES, "findings",
		    SACM_NS, doc, why, sizeof(why));
	free(data);
	if (r < 0)
		snprintf(err, errlen, "findings: %.400s", why);
	return r < 0 ? r : 0;
}

void
rr_vuln_result(struct rr *rr, const struct grid_event *gev)
{
	struct scan s = { 0 };
	xmlDocPtr req = NULL, doc = NULL, fdoc = NULL;
	xmlNodePtr q, root;
	char err[512], id[256], uuid[37], *state = NULL, *item, *x;
	long newly, fixed;
	int64_t sid;

	/* "<request>" or "<request>/<random>" */
	snprintf(id, sizeof(id), "%.*s", (int)strcspn(gev->item_id, "/"),
	    gev->item_id);
	if (rr_request_fetch(rr, id, gev->publisher, "vulnerability-request",
	    &req, err, sizeof(err)) < 0 || xmlsafe_parse_root(gev->payload,
	    gev->payload_len, 4u << 20, "vulnerability-result", SACM_NS, &doc,
	    err, sizeof(err)) < 0) {
		rr->rejected++;
		log_warnx("vulnerability result %s rejected: %s", gev->item_id,
		    err);
		goto out;
	}
	q = xmlDocGetRootElement(req);
	root = xmlDocGetRootElement(doc);
	s.request = strdup(id);
	s.endpoint = xml_prop(q, "endpoint");	/* the request's, not the */
	s.hostname = xml_prop(q, "hostname");	/* result's claims */
	s.defs = xml_prop(q, "definitions");
	s.name = xml_prop(q, "name");
	s.evaluator = xml_prop(q, "evaluator");
	s.evaluated = xml_prop(root, "evaluated");
	state = xml_prop(root, "state");
	s.count = num(root, "count");
	s.other = num(root, "other");
	s.inv = num(root, "from-inventory");
	s.col = num(root, "needed-collection");
	x = xml_prop(root, "endpoint");
	if (!s.endpoint || !s.defs || !s.name || !x || strcmp(x, s.endpoint)) {
		log_warnx("vulnerability result %s rejected: its endpoint is "
		    "not the request's", gev->item_id);
		rr->rejected++;
		free(x);
		goto out;
	}
	free(x);
	if (state == NULL || strcmp(state, "complete") != 0) {
		log_info("vulnerability result %s: the evaluation failed; "
		    "nothing stored", gev->item_id);
		goto out;
	}
	if (findings_of(rr, root, &fdoc, err, sizeof(err)) < 0) {
		rr->rejected++;
		log_warnx("vulnerability result %s rejected: %s", gev->item_id,
		    err);
		goto out;
	}
	if ((sid = store(rr, &s, fdoc ? xmlDocGetRootElement(fdoc) : root,
	    &newly, &fixed)) <= 0) {
		if (sid < 0)
			log_warnx("vulnerability result %s: not stored",
			    gev->item_id);
		goto out;
	}
	rr->stored++;
	rr_request_done(rr, id);
	log_info("vulnerability result %s stored: endpoint %s, %s: %ld newly "
	    "vulnerable, %ld fixed", id, s.endpoint, s.name, newly, fixed);
	if (asprintf(&item, "%s/%s", s.endpoint, s.name) > 0) {
		if ((x = current(rr, &s, newly, fixed)) == NULL ||
		    pubsub_publish(rr->g, TOPIC_VULNERABILITIES, item, x, NULL,
		    0) < 0)
			log_warnx("%s: the current vulnerabilities were not "
			    "published: %s", item, x ? grid_errstr(rr->g) :
			    "over max_item_size");
		free(x);
		free(item);
	}
	if (newly > 0) {
		rr_uuid4(uuid);
		if ((x = iodef(rr, uuid, &s, sid)) != NULL &&
		    pubsub_publish(rr->g, TOPIC_INCIDENTS, uuid, x, NULL, 0) ==
		    0) {
			rr->incidents++;
			log_info("incident %s: %s newly vulnerable (%ld)", uuid,
			    s.endpoint, newly);
		} else
			log_warnx("incident for %s newly vulnerable not "
			    "published: %s", s.endpoint, x ? grid_errstr(rr->g)
			    : "no document");
		free(x);
	}
out:
	free(state);
	scan_free(&s);
	xmlFreeDoc(req);
	xmlFreeDoc(doc);
	xmlFreeDoc(fdoc);
}

/* ---- queries ------------------------------------------------------------ */

int
rr_vuln_query(struct rr *rr, const struct rr_vq *q, struct buf *b)
{
	static const char *const fcols[] = { "endpoint", "hostname", "name",
	    "definition", "cves", "package", "installed", "fixed-in",
	    "severity", "from", "since" };
	static const char *const ecols[] = { "endpoint", "hostname", "name",
	    "definitions", "evaluated", "count", "vulnerable", "newly",
	    "fixed", "other", "from-inventory", "needed-collection" };
	static const char *const ccols[] = { "cve", "endpoints", "package",
	    "severity" };
	static const char *const hcols[] = { "request", "name",
	    "definitions", "evaluated", "count", "vulnerable", "newly", "fixed",
	    "other", "from-inventory", "needed-collection" };
#define FINDING	"f.endpoint, s.hostname, f.name, f.definition, f.cves, " \
	"f.package, f.installed, f.fixed_version, f.severity, f.source, " \
	"f.first_seen FROM vuln_finding f JOIN vuln_scan s ON s.id = " \
	"f.last_scan"

	if (strcmp(q->type, "vulns") == 0 && q->endpoint)
		return rr_listing(rr, q->max, q->offset,
		    "SELECT " FINDING " WHERE f.endpoint = ?1 "
		    "AND f.fixed_at IS NULL ORDER BY f.name, f.definition "
		    "LIMIT ?2 OFFSET ?3", "SELECT count(*) FROM vuln_finding "
		    "WHERE endpoint = ?1 AND fixed_at IS NULL",
		    (const char *[]){ q->endpoint }, 1, "findings", "finding",
		    fcols, 11, b);
	if (strcmp(q->type, "vulns") == 0)	/* the estate by endpoint */
		return rr_listing(rr, q->max, q->offset,
		    "SELECT endpoint, hostname, name, "
		    "definitions, evaluated, count, vulnerable, newly, fixed, "
		    "other, from_inventory, needed_collection FROM vuln_scan "
		    "WHERE id IN (SELECT max(id) FROM vuln_scan GROUP BY "
		    "endpoint, name) ORDER BY vulnerable DESC, endpoint LIMIT "
		    "?1 OFFSET ?2", "SELECT count(*) FROM (SELECT 1 FROM "
		    "vuln_scan GROUP BY endpoint, name)", NULL, 0, "endpoints",
		    "endpoint", ecols, 12, b);
	if (strcmp(q->type, "vuln-history") == 0) {
		if (q->endpoint == NULL) {
			buf_adds(b, "vuln-history needs an endpoint");
			return -EINVAL;
		}
		return rr_listing(rr, q->max, q->offset,
		    "SELECT request, name, definitions, evaluated, count, "
		    "vulnerable, newly, fixed, other, from_inventory, "
		    "needed_collection FROM vuln_scan WHERE endpoint = ?1 "
		    "ORDER BY id DESC LIMIT ?2 OFFSET ?3", "SELECT count(*) "
		    "FROM vuln_scan WHERE endpoint = ?1",
		    (const char *[]){ q->endpoint }, 1, "scans", "scan", hcols,
		    11, b);
	}
	if (strcmp(q->type, "vuln-cves") == 0)	/* the estate by CVE */
		return rr_listing(rr, q->max, q->offset,
		    "SELECT c.cve, count(DISTINCT f.endpoint) "
		    "AS n, min(f.package), f.severity, max(" SEV_RANK ") FROM "
		    "vuln_finding_cve c JOIN vuln_finding f ON f.id = "
		    "c.finding WHERE f.fixed_at IS NULL GROUP BY c.cve ORDER "
		    "BY n DESC, c.cve LIMIT ?1 OFFSET ?2", "SELECT count("
		    "DISTINCT c.cve) FROM vuln_finding_cve c JOIN vuln_finding "
		    "f ON f.id = c.finding WHERE f.fixed_at IS NULL", NULL, 0,
		    "cves", "cve", ccols, 4, b);
	if (strcmp(q->type, "vuln-who") == 0) {
		if (q->cve == NULL) {
			buf_adds(b, "vuln-who needs a cve");
			return -EINVAL;
		}
		return rr_listing(rr, q->max, q->offset,
		    "SELECT " FINDING " JOIN vuln_finding_cve "
		    "c ON c.finding = f.id WHERE c.cve = ?1 AND f.fixed_at IS "
		    "NULL ORDER BY f.endpoint LIMIT ?2 OFFSET ?3", "SELECT "
		    "count(*) FROM vuln_finding_cve c JOIN vuln_finding f ON "
		    "f.id = c.finding WHERE c.cve = ?1 AND f.fixed_at IS NULL",
		    (const char *[]){ q->cve }, 1, "findings", "finding",
		    fcols, 11, b);
	}
	return -ENOENT;
#undef FINDING
}
