/*
 * rr_query.c - questions about results, answered over the grid.
 *
 * <iq type='get'><query xmlns='http://sacm-grid.dev/protocol/1/results'
 * type='...'/></iq>, paged with XEP-0059 like the posture queries:
 *   state    [endpoint] [policy]        the current result of each
 *   history  endpoint [policy] [profile] its evaluations, newest first
 *   diff     endpoint [from] [to]       rule changes between two
 *                                       evaluations (default: the last two)
 *   failing  rule [policy]              the endpoints failing it now
 *   report   evaluation | endpoint [assessment]
 *                                       the HTML report, as a blob
 *   arf      evaluation | endpoint [assessment]
 *                                       the ARF, joined again, as a blob
 *   remediation evaluation | endpoint [policy] [profile]; fix-type
 *                                       the fix for its failed rules
 *   waivers  [state]                    the waivers, newest first
 *   vulns    [endpoint]                 the estate by endpoint, or one
 *                                       endpoint's open findings
 *   vuln-history endpoint               its results over time
 *   vuln-cves                           the estate by CVE
 *   vuln-who cve                        the endpoints vulnerable to it
 *                                       (rr_vuln.c answers these four)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <libxslt/transform.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>
#include <openscap/oscap.h>

#include "blob.h"
#include "db.h"
#include "log.h"
#include "query.h"
#include "rr.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define PAGE_DEFAULT	100
#define PAGE_MAX	500
#define REPORT_XSL	"/usr/share/openscap/xsl/xccdf-report.xsl"

struct q {
	char	*type, *endpoint, *policy, *profile, *rule, *from, *to;
	char	*evaluation, *assessment, *inline_, *fix_type, *state, *raw;
	char	*cve;
	long	 max, offset;
};

static void
q_free(struct q *q)
{
	free(q->type); free(q->endpoint); free(q->policy); free(q->profile);
	free(q->rule); free(q->from); free(q->to); free(q->evaluation);
	free(q->assessment); free(q->inline_); free(q->fix_type);
	free(q->state); free(q->raw); free(q->cve);
}

static int
parse(const struct grid_request *req, struct q *q, struct buf *err)
{
	const struct query_attr a[] = {
		{ "type", &q->type, 1 }, { "endpoint", &q->endpoint, 1 },
		{ "policy", &q->policy, 1 }, { "profile", &q->profile, 1 },
		{ "rule", &q->rule, 1 }, { "from", &q->from, 1 },
		{ "to", &q->to, 1 }, { "evaluation", &q->evaluation, 1 },
		{ "assessment", &q->assessment, 1 },
		{ "inline", &q->inline_, 0 },
		{ "fix-type", &q->fix_type, 1 },
		{ "state", &q->state, 1 },
		{ "raw", &q->raw, 1 },
		{ "cve", &q->cve, 1 },
	};

	return query_parse(req, NS_RESULTS, a, sizeof(a) / sizeof(a[0]),
	    PAGE_DEFAULT, PAGE_MAX, &q->max, &q->offset, err);
}

int
rr_listing(struct rr *rr, long max, long offset, const char *sql,
    const char *count_sql, const char *const *params, int nparams,
    const char *list, const char *el, const char *const *names, int ncols,
    struct buf *b)
{
	sqlite3_stmt *st;
	long n = 0, total = 0;

	if (db_prep(rr->db, count_sql, &st) < 0)
		return -EIO;
	for (int i = 0; i < nparams; i++)
		db_bind_text(st, i + 1, params[i]);
	if (sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (db_prep(rr->db, sql, &st) < 0)
		return -EIO;
	for (int i = 0; i < nparams; i++)
		db_bind_text(st, i + 1, params[i]);
	sqlite3_bind_int64(st, nparams + 1, max);
	sqlite3_bind_int64(st, nparams + 2, offset);
	buf_printf(b, "<%s>", list);
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_printf(b, "<%s", el);
		db_row_attrs(b, st, names, ncols);
		buf_adds(b, "/>");
		n++;
	}
	sqlite3_finalize(st);
	buf_printf(b, "</%s>", list);
	query_page_answer(b, offset, n, total);
	return 0;
}

/* An evaluation is named by one id everywhere: its request id (the
 * sqlite rowid stays inside). */
#define SUMMARY	"e.request, e.endpoint, e.hostname, e.assessment, " \
		"e.policy, e.profile, e.state, e.evaluated, e.score, e.max, " \
		"e.pass, e.fail, e.error, e.unknown, e.notapplicable, " \
		"e.notchecked, e.informational, e.fixed, e.reason, e.waived, " \
		"e.wscore, e.wpass, e.wfail"
static const char *const summary[] = { "id", "endpoint",
    "hostname", "assessment", "policy", "profile", "state", "evaluated",
    "score", "max", "pass", "fail", "error", "unknown", "notapplicable",
    "notchecked", "informational", "fixed", "reason", "waived",
    "waived-score", "waived-pass", "waived-fail" };
#define NSUMMARY	23

static int
q_state(struct rr *rr, const struct q *q, struct buf *b)
{
	const char *p[] = { q->endpoint, q->policy };

	return rr_listing(rr, q->max, q->offset,
	    "SELECT " SUMMARY " FROM current c JOIN "
	    "evaluation e ON e.id = c.evaluation WHERE (?1 IS NULL OR "
	    "c.endpoint = ?1) AND (?2 IS NULL OR c.policy = ?2) ORDER BY "
	    "c.endpoint, c.policy, c.profile LIMIT ?3 OFFSET ?4",
	    "SELECT count(*) FROM current c WHERE (?1 IS NULL OR c.endpoint = "
	    "?1) AND (?2 IS NULL OR c.policy = ?2)", p, 2, "results", "result",
	    summary, NSUMMARY, b);
}

static int
q_history(struct rr *rr, const struct q *q, struct buf *b)
{
	const char *p[] = { q->endpoint, q->policy, q->profile };

	if (q->endpoint == NULL) {
		buf_adds(b, "endpoint is required");
		return -EINVAL;
	}
	return rr_listing(rr, q->max, q->offset,
	    "SELECT " SUMMARY " FROM evaluation e WHERE "
	    "e.endpoint = ?1 AND (?2 IS NULL OR e.policy = ?2) AND (?3 IS "
	    "NULL OR e.profile = ?3) ORDER BY e.id DESC LIMIT ?4 OFFSET ?5",
	    "SELECT count(*) FROM evaluation e WHERE e.endpoint = ?1 AND (?2 "
	    "IS NULL OR e.policy = ?2) AND (?3 IS NULL OR e.profile = ?3)",
	    p, 3, "evaluations", "evaluation", summary, NSUMMARY, b);
}

static int
q_failing(struct rr *rr, const struct q *q, struct buf *b)
{
	static const char *const names[] = { "id", "hostname", "policy",
	    "profile", "evaluation", "evaluated" };
	const char *p[] = { q->rule, q->policy };

	if (q->rule == NULL) {
		buf_adds(b, "rule is required");
		return -EINVAL;
	}
	return rr_listing(rr, q->max, q->offset,
	    "SELECT c.endpoint, e.hostname, c.policy, "
	    "c.profile, e.request, e.evaluated FROM current c JOIN evaluation e"
	    " ON e.id = c.evaluation JOIN result r ON r.evaluation = e.id JOIN "
	    "rule ru ON ru.id = r.rule WHERE ru.name = ?1 AND r.result = "
	    "'fail' AND (?2 IS NULL OR c.policy = ?2) ORDER BY c.endpoint "
	    "LIMIT ?3 OFFSET ?4",
	    "SELECT count(*) FROM current c JOIN result r ON r.evaluation = "
	    "c.evaluation JOIN rule ru ON ru.id = r.rule WHERE ru.name = ?1 "
	    "AND r.result = 'fail' AND (?2 IS NULL OR c.policy = ?2)", p, 2,
	    "endpoints", "endpoint", names, 6, b);
}

/* An evaluation id: given by request id, or the endpoint's latest
 * complete one (n = 0) or the one before (n = 1), for the policy and
 * profile of its latest when those are not given. */
static int64_t
pick(struct rr *rr, const char *request, const char *endpoint,
    const char *policy, const char *profile, int n)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if (request) {
		if (db_prep(rr->db, "SELECT id FROM evaluation WHERE request = ? "
		    "AND state = 'complete'", &st) < 0)
			return -1;
		db_bind_text(st, 1, request);
	} else {
		if (db_prep(rr->db, "SELECT id FROM evaluation WHERE endpoint = ?1"
		    " AND state = 'complete' AND policy = coalesce(?2, (SELECT "
		    "policy FROM evaluation WHERE endpoint = ?1 AND state = "
		    "'complete' ORDER BY id DESC LIMIT 1)) AND profile = "
		    "coalesce(?3, (SELECT profile FROM evaluation WHERE endpoint "
		    "= ?1 AND state = 'complete' ORDER BY id DESC LIMIT 1)) "
		    "ORDER BY id DESC LIMIT 1 OFFSET ?4", &st) < 0)
			return -1;
		db_bind_text(st, 1, endpoint);
		db_bind_text(st, 2, policy);
		db_bind_text(st, 3, profile);
		sqlite3_bind_int(st, 4, n);
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* One evaluation's rule results (by request id, or the endpoint's latest
 * for the policy and profile), with each rule's title and severity. */
static int
q_rules(struct rr *rr, const struct q *q, struct buf *b)
{
	static const char *const names[] = { "id", "title", "severity",
	    "result", "idents", "waiver" };
	int64_t eid = pick(rr, q->evaluation, q->endpoint, q->policy,
	    q->profile, 0);
	char id[32];
	const char *params[1] = { id };

	if (eid < 0 || (!q->evaluation && !q->endpoint)) {
		buf_adds(b, "no such evaluation (evaluation, or endpoint)");
		return -ENOENT;
	}
	snprintf(id, sizeof(id), "%lld", (long long)eid);
	return rr_listing(rr, q->max, q->offset,
	    "SELECT u.name, u.title, u.severity, r.result, "
	    "u.idents, CASE WHEN r.result = 'fail' THEN (SELECT min(w.id) "
	    "FROM evaluation e JOIN waiver_rule wr ON wr.rule = u.name JOIN "
	    "waiver w ON w.id = wr.waiver AND w.state = 'active' WHERE e.id = "
	    "r.evaluation AND " RR_WAIVER_COVERS ") END FROM result r JOIN "
	    "rule u ON u.id = r.rule WHERE r.evaluation = ? ORDER BY u.name "
	    "LIMIT ? OFFSET ?",
	    "SELECT count(*) FROM result WHERE evaluation = ?", params, 1,
	    "rules", "rule", names, 6, b);
}

static int
q_diff(struct rr *rr, const struct q *q, struct buf *b)
{
	sqlite3_stmt *st;
	int64_t to, from;
	long n = 0;

	if (q->endpoint == NULL && (q->from == NULL || q->to == NULL)) {
		buf_adds(b, "endpoint, or from and to, are required");
		return -EINVAL;
	}
	to = q->to ? pick(rr, q->to, NULL, NULL, NULL, 0) : pick(rr, NULL,
	    q->endpoint, q->policy, q->profile, 0);
	from = q->from ? pick(rr, q->from, NULL, NULL, NULL, 0) : pick(rr,
	    NULL, q->endpoint, q->policy, q->profile, 1);
	if (to < 0 || from < 0) {
		buf_adds(b, "no two complete evaluations to compare");
		return -ENOENT;
	}
	if (db_prep(rr->db, "SELECT ru.name, ru.title, ru.severity, a.result, "
	    "b.result FROM rule ru LEFT JOIN result a ON a.rule = ru.id AND "
	    "a.evaluation = ?1 LEFT JOIN result b ON b.rule = ru.id AND "
	    "b.evaluation = ?2 WHERE (a.result IS NOT NULL OR b.result IS NOT "
	    "NULL) AND a.result IS NOT b.result ORDER BY ru.name", &st) < 0)
		return -EIO;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	buf_adds(b, "<diff");
	{
		sqlite3_stmt *r;

		if (db_prep(rr->db, "SELECT (SELECT request FROM evaluation WHERE "
		    "id = ?1), (SELECT request FROM evaluation WHERE id = ?2)",
		    &r) == 0) {
			static const char *const names[] = { "from", "to" };

			sqlite3_bind_int64(r, 1, from);
			sqlite3_bind_int64(r, 2, to);
			if (sqlite3_step(r) == SQLITE_ROW)
				db_row_attrs(b, r, names, 2);
			sqlite3_finalize(r);
		}
	}
	buf_adds(b, ">");
	while (sqlite3_step(st) == SQLITE_ROW) {
		static const char *const names[] = { "id", "title",
		    "severity", "before", "after" };
		const char *a = (const char *)sqlite3_column_text(st, 3);
		const char *z = (const char *)sqlite3_column_text(st, 4);
		int af = a && strcmp(a, "fail") == 0;
		int zf = z && strcmp(z, "fail") == 0;

		buf_adds(b, "<rule");
		db_row_attrs(b, st, names, 5);
		buf_printf(b, " change='%s'/>", zf && !af ? "newly-failing" :
		    af && z && strcmp(z, "pass") == 0 ? "newly-passing" :
		    "changed");
		n++;
	}
	sqlite3_finalize(st);
	buf_adds(b, "</diff>");
	return 0;
}

/* The HTML report of a stored evaluation, as oscap xccdf generate report
 * renders it: OpenSCAP's XSL over the ARF, with libxslt. */
static int
render(struct rr *rr, int64_t eid, struct buf *html, char *err, size_t elen)
{
	static xsltStylesheetPtr xsl;
	xmlDocPtr arf = NULL, out = NULL;
	xmlChar *text = NULL;
	char *data = NULL, ver[64];
	size_t len = 0;
	int n = 0, r = -ENOENT;
	const char *params[] = { "oscap-version", ver, "pwd", "'/'", NULL };

	if ((r = rr_arf_load(rr, eid, &data, &len)) < 0) {
		snprintf(err, elen, "no ARF stored for that evaluation");
		return r;
	}
	(void)rr_waiver_arf(rr, eid, &data, &len);	/* shown waived */
	if (xsl == NULL && (xsl = xsltParseStylesheetFile(BAD_CAST
	    REPORT_XSL)) == NULL) {
		snprintf(err, elen, "cannot load %s", REPORT_XSL);
		free(data);
		return -EIO;
	}
	snprintf(ver, sizeof(ver), "'%s'", oscap_get_version());
	if ((r = xmlsafe_parse(data, len, (size_t)rr->conf.max_arf, &arf, err,
	    elen)) == 0) {
		if ((out = xsltApplyStylesheet(xsl, arf, params)) == NULL ||
		    xsltSaveResultToString(&text, &n, out, xsl) < 0 ||
		    text == NULL) {
			snprintf(err, elen, "the report did not render");
			r = -EIO;
		} else
			r = buf_add(html, text, (size_t)n);
	}
	xmlFree(text);
	xmlFreeDoc(out);
	xmlFreeDoc(arf);
	free(data);
	return r;
}

/* The document gzip'ed, then base64'ed (*out to free). */
static int
inline_doc(const char *doc, size_t len, char **out)
{
	char *gz;
	size_t gzlen;
	unsigned char *b64;

	if (blob_gzip(doc, len, 6, &gz, &gzlen) < 0)
		return -ENOMEM;
	if ((b64 = malloc(4 * ((gzlen + 2) / 3) + 1)) == NULL) {
		free(gz);
		return -ENOMEM;
	}
	EVP_EncodeBlock(b64, (const unsigned char *)gz, (int)gzlen);
	free(gz);
	*out = (char *)b64;
	return 0;
}

/* The HTML report (arf 0) or the ARF (arf 1) of an evaluation. */
static int
q_report(struct rr *rr, const struct q *q, int arf, struct buf *b)
{
	static const char *const what[] = { "report", "arf" };
	static const char *const file[] = { "report.html", "arf.xml" };
	static const char *const type[] = { "text/html", "application/xml" };
	struct blob_ref ref = { 0 };
	struct buf html;
	sqlite3_stmt *st;
	char err[512], *b64 = NULL, *data = NULL;
	size_t len = 0;
	int64_t eid = -1;
	int r;

	if (q->evaluation)
		eid = pick(rr, q->evaluation, NULL, NULL, NULL, 0);
	else if (q->endpoint && q->assessment) {
		if (db_prep(rr->db, "SELECT id FROM evaluation WHERE endpoint = ? "
		    "AND assessment = ? AND state = 'complete' ORDER BY id DESC "
		    "LIMIT 1", &st) < 0)
			return -EIO;
		db_bind_text(st, 1, q->endpoint);
		db_bind_text(st, 2, q->assessment);
		if (sqlite3_step(st) == SQLITE_ROW)
			eid = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	} else if (q->endpoint)
		eid = pick(rr, NULL, q->endpoint, q->policy, q->profile, 0);
	if (eid < 0) {
		buf_adds(b, "no such evaluation");
		return -ENOENT;
	}
	buf_init(&html, 256u << 20);
	if (arf) {
		if ((r = rr_arf_load(rr, eid, &data, &len)) < 0)
			snprintf(err, sizeof(err), "no ARF stored for that "
			    "evaluation");
		else if (!q->raw || strcmp(q->raw, "true") != 0)
			(void)rr_waiver_arf(rr, eid, &data, &len);
	} else if ((r = render(rr, eid, &html, err, sizeof(err))) == 0) {
		data = html.data;
		len = html.len;
	}
	if (r < 0) {
		buf_free(&html);
		buf_adds(b, err);
		return r;
	}
	if (q->inline_ && strcmp(q->inline_, "true") == 0) {
		/* In the answer itself (a browser cannot resolve the lab's
		 * upload host): gzip, then base64. */
		r = inline_doc(data, len, &b64);
	} else if ((r = blob_put(rr->g, file[arf], data, len, type[arf], 1,
	    &ref)) < 0)
		buf_printf(b, "uploading the %s: %s", what[arf],
		    grid_errstr(rr->g));
	if (arf)
		free(data);
	buf_free(&html);
	if (r < 0) {
		if (b->len == 0)
			buf_adds(b, "out of memory");
		return -EIO;
	}
	if (db_prep(rr->db, "SELECT request FROM evaluation WHERE id = ?",
	    &st) == 0) {
		static const char *const names[] = { "evaluation" };

		sqlite3_bind_int64(st, 1, eid);
		buf_printf(b, "<%s", what[arf]);
		if (sqlite3_step(st) == SQLITE_ROW)
			db_row_attrs(b, st, names, 1);
		sqlite3_finalize(st);
		buf_adds(b, ">");
		if (b64) {
			buf_printf(b, "<%s encoding='gzip+base64'>", arf ?
			    "xml" : "html");
			buf_adds(b, b64);
			buf_printf(b, "</%s>", arf ? "xml" : "html");
		} else
			blob_ref_to_xml(&ref, b);
		buf_printf(b, "</%s>", what[arf]);
	}
	blob_ref_free(&ref);
	free(b64);
	return 0;
}

/* The waivers (in a state), newest first. */
static int
q_waivers(struct rr *rr, const struct q *q, struct buf *b)
{
	static const char *const names[] = { "id", "state", "granted-by",
	    "policy", "benchmark", "profile", "endpoints", "rules", "reason",
	    "ticket", "granted", "expires", "changed" };
	const char *p[] = { q->state };

	return rr_listing(rr, q->max, q->offset,
	    "SELECT w.id, w.state, w.publisher, w.policy, "
	    "w.benchmark, w.profile, CASE WHEN w.all_endpoints THEN 'all' "
	    "ELSE (SELECT group_concat(endpoint, ' ') FROM waiver_endpoint "
	    "WHERE waiver = w.id) END, (SELECT group_concat(rule, ' ') FROM "
	    "waiver_rule WHERE waiver = w.id), w.reason, w.ticket, w.granted, "
	    "w.expires, w.changed FROM waiver w WHERE (?1 IS NULL OR w.state "
	    "= ?1) ORDER BY w.granted DESC, w.id LIMIT ?2 OFFSET ?3",
	    "SELECT count(*) FROM waiver w WHERE (?1 IS NULL OR w.state = ?1)",
	    p, 1, "waivers", "waiver", names, 13, b);
}

/* The fix for the failed rules of an evaluation, generated from its ARF;
 * with its sha256 (what an operator approves to apply). */
static int
q_remediation(struct rr *rr, const struct q *q, struct buf *b)
{
	static const char *const names[] = { "evaluation", "endpoint",
	    "policy", "profile", "failed" };
	struct blob_ref ref = { 0 };
	sqlite3_stmt *st;
	char err[512], sha[65], *arf = NULL, *fix = NULL, *b64 = NULL;
	size_t len = 0, flen = 0;
	int64_t eid = pick(rr, q->evaluation, q->endpoint, q->policy,
	    q->profile, 0);
	int r;

	if (eid < 0) {
		buf_adds(b, "no such evaluation (a complete one)");
		return -ENOENT;
	}
	if (rr_arf_load(rr, eid, &arf, &len) < 0) {
		buf_adds(b, "no ARF stored for that evaluation");
		return -ENOENT;
	}
	/* a waived failure is accepted: not fixed */
	(void)rr_waiver_arf(rr, eid, &arf, &len);
	r = rr_fix(arf, len, q->fix_type ? q->fix_type : "bash", &fix, &flen,
	    err, sizeof(err));
	free(arf);
	if (r < 0) {
		log_warnx("remediation of evaluation %lld: %s", (long long)eid,
		    err);
		buf_adds(b, err);
		return r;
	}
	blob_sha256_hex(fix, flen, sha);
	if (q->inline_ && strcmp(q->inline_, "true") == 0)
		r = inline_doc(fix, flen, &b64);
	else if ((r = blob_put(rr->g, "remediation.txt", fix, flen,
	    "text/plain", 1, &ref)) < 0)
		buf_printf(b, "uploading the fix: %s", grid_errstr(rr->g));
	free(fix);
	if (r < 0) {
		if (b->len == 0)
			buf_adds(b, "out of memory");
		return -EIO;
	}
	if (db_prep(rr->db, "SELECT request, endpoint, policy, profile, fail "
	    "FROM evaluation WHERE id = ?", &st) == 0) {
		sqlite3_bind_int64(st, 1, eid);
		buf_adds(b, "<remediation");
		if (sqlite3_step(st) == SQLITE_ROW)
			db_row_attrs(b, st, names, 5);
		sqlite3_finalize(st);
		buf_add_attr(b, "fix-type", q->fix_type ? q->fix_type : "bash");
		buf_add_attr(b, "sha256", sha);
		buf_printf(b, " size='%zu'>", flen);
		if (b64) {
			buf_adds(b, "<script encoding='gzip+base64'>");
			buf_adds(b, b64);
			buf_adds(b, "</script>");
		} else
			blob_ref_to_xml(&ref, b);
		buf_adds(b, "</remediation>");
	}
	blob_ref_free(&ref);
	free(b64);
	return 0;
}

int
rr_on_query(struct grid *g, const struct grid_request *req, struct buf *reply,
    void *arg)
{
	struct rr *rr = arg;
	struct q q = { 0 };
	struct buf b;
	int r;

	(void)g;
	if (!query_allowed(req->from, rr->conf.allow)) {
		log_warnx("query from %s refused: not in allow",
		    req->from ? req->from : "?");
		buf_adds(reply, "not allowed to ask the results repository");
		return -EACCES;
	}
	if ((r = parse(req, &q, reply)) < 0) {
		q_free(&q);
		return r;
	}
	buf_init(&b, reply->max);
	if (strcmp(q.type, "state") == 0)
		r = q_state(rr, &q, &b);
	else if (strcmp(q.type, "history") == 0)
		r = q_history(rr, &q, &b);
	else if (strcmp(q.type, "diff") == 0)
		r = q_diff(rr, &q, &b);
	else if (strcmp(q.type, "failing") == 0)
		r = q_failing(rr, &q, &b);
	else if (strcmp(q.type, "report") == 0)
		r = q_report(rr, &q, 0, &b);
	else if (strcmp(q.type, "arf") == 0)
		r = q_report(rr, &q, 1, &b);
	else if (strcmp(q.type, "rules") == 0)
		r = q_rules(rr, &q, &b);
	else if (strcmp(q.type, "remediation") == 0)
		r = q_remediation(rr, &q, &b);
	else if (strcmp(q.type, "waivers") == 0)
		r = q_waivers(rr, &q, &b);
	else if ((r = rr_vuln_query(rr, &(struct rr_vq){ q.type, q.endpoint,
	    q.cve, q.max, q.offset }, &b)) != -ENOENT)
		;	/* vulns, vuln-cves, vuln-who */
	else {
		buf_printf(&b, "unknown query type '%.40s'", q.type);
		r = -EINVAL;
	}
	if (r < 0)
		buf_adds(reply, b.data ? b.data : "error");
	else {
		buf_adds(reply, "<query xmlns='" NS_RESULTS "' type='");
		buf_add_xml(reply, q.type);
		buf_adds(reply, "'>");
		if (b.data)
			buf_adds(reply, b.data);
		if (buf_adds(reply, "</query>") < 0 || reply->data == NULL) {
			buf_free(reply);
			buf_init(reply, 4096);
			buf_adds(reply, "answer too large; ask for a smaller "
			    "page");
			r = -E2BIG;
		}
	}
	log_debug("query %s from %s: %d", q.type, req->from, r);
	buf_free(&b);
	q_free(&q);
	return r;
}
