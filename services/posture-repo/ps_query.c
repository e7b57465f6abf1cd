/*
 * ps_query.c - questions about posture, answered over the grid.
 *
 * <iq type='get'><query xmlns='http://sacm-grid.dev/protocol/1/posture'
 * type='...' .../></iq>, paged with XEP-0059 (<set/>: max, and after =
 * the last index of the previous page).  The types (docs/protocol.md):
 *   endpoints                          every endpoint, last report, age
 *   latest   endpoint [policy profile] the newest collected report
 *   history  endpoint [policy profile] its reports, newest first
 *   packages endpoint                  its packages (latest inventory)
 *   package-search package [version]   the endpoints that have it
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "debver.h"
#include "db.h"
#include "log.h"
#include "query.h"
#include "ps.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define PAGE_DEFAULT	100
#define PAGE_MAX	500

struct q {
	char	*type, *endpoint, *policy, *profile, *package, *version;
	long	 max, offset;
};

static void
q_free(struct q *q)
{
	free(q->type); free(q->endpoint); free(q->policy);
	free(q->profile); free(q->package); free(q->version);
}

static int
parse(const struct grid_request *req, struct q *q, struct buf *reply)
{
	const struct query_attr a[] = {
		{ "type", &q->type, 1 }, { "endpoint", &q->endpoint, 1 },
		{ "policy", &q->policy, 1 }, { "profile", &q->profile, 1 },
		{ "package", &q->package, 0 }, { "version", &q->version, 0 },
	};

	return query_parse(req, NS_POSTURE, a, sizeof(a) / sizeof(a[0]),
	    PAGE_DEFAULT, PAGE_MAX, &q->max, &q->offset, reply);
}

static int
q_endpoints(struct ps *ps, const struct q *q, struct buf *b)
{
	sqlite3_stmt *st;
	long n = 0, total = db_count(ps->db, "SELECT count(*) FROM endpoint",
	    0);
	time_t now = time(NULL);

	if (total < 0)
		return -EIO;
	if (db_prep(ps->db, "SELECT e.id, e.hostname, e.platform, e.publisher, "
	    "e.capabilities, r.collected, r.state, r.policy, r.profile, "
	    "r.received_at, (SELECT count(*) FROM report WHERE endpoint = "
	    "e.id) FROM endpoint e LEFT JOIN report r ON r.id = (SELECT "
	    "max(id) FROM report WHERE endpoint = e.id) ORDER BY e.id "
	    "LIMIT ? OFFSET ?", &st) < 0)
		return -EIO;
	sqlite3_bind_int64(st, 1, q->max);
	sqlite3_bind_int64(st, 2, q->offset);
	buf_adds(b, "<endpoints>");
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_adds(b, "<endpoint");
		db_column_attr(b, "id", st, 0);
		db_column_attr(b, "hostname", st, 1);
		db_column_attr(b, "platform", st, 2);
		db_column_attr(b, "collector", st, 3);
		db_column_attr(b, "capabilities", st, 4);
		db_column_attr(b, "last-collected", st, 5);
		db_column_attr(b, "last-state", st, 6);
		db_column_attr(b, "last-policy", st, 7);
		db_column_attr(b, "last-profile", st, 8);
		if (sqlite3_column_type(st, 9) != SQLITE_NULL)
			buf_printf(b, " age-s='%lld'", (long long)(now -
			    sqlite3_column_int64(st, 9)));
		buf_printf(b, " reports='%lld'/>",
		    (long long)sqlite3_column_int64(st, 10));
		n++;
	}
	sqlite3_finalize(st);
	buf_adds(b, "</endpoints>");
	query_page_answer(b, q->offset, n, total);
	return 0;
}

#define WHERE_EP	"WHERE endpoint = ?1 AND (?2 IS NULL OR policy = ?2) " \
			"AND (?3 IS NULL OR profile = ?3)"

static int
q_reports(struct ps *ps, const struct q *q, int latest, struct buf *b)
{
	sqlite3_stmt *st;
	int64_t ids[PAGE_MAX];
	long n = 0, total;

	if (q->endpoint == NULL) {
		buf_adds(b, "endpoint is required");
		return -EINVAL;
	}
	total = latest ? 1 : db_count(ps->db, "SELECT count(*) FROM report "
	    WHERE_EP, 3, q->endpoint, q->policy, q->profile);
	if (total < 0)
		return -EIO;
	if (db_prep(ps->db, latest ? "SELECT id FROM report " WHERE_EP " AND state "
	    "= 'collected' ORDER BY id DESC LIMIT 1" :
	    "SELECT id FROM report " WHERE_EP " ORDER BY id DESC "
	    "LIMIT ?4 OFFSET ?5", &st) < 0)
		return -EIO;
	db_bind_text(st, 1, q->endpoint);
	db_bind_text(st, 2, q->policy);
	db_bind_text(st, 3, q->profile);
	if (!latest) {
		sqlite3_bind_int64(st, 4, q->max);
		sqlite3_bind_int64(st, 5, q->offset);
	}
	while (n < PAGE_MAX && sqlite3_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (latest && n == 0) {
		buf_adds(b, "no posture for that endpoint (and policy)");
		return -ENOENT;
	}
	buf_adds(b, "<reports>");
	for (long i = 0; i < n; i++)
		(void)ps_report_xml(ps, ids[i], "report", b);
	buf_adds(b, "</reports>");
	if (!latest)
		query_page_answer(b, q->offset, n, total);
	return 0;
}

/* The newest report of an endpoint that has an inventory. */
#define LATEST_INV	"(SELECT inventory FROM report WHERE endpoint = ?1 " \
			"AND inventory IS NOT NULL ORDER BY id DESC LIMIT 1)"

static int
q_packages(struct ps *ps, const struct q *q, struct buf *b)
{
	sqlite3_stmt *st;
	long n = 0, total;

	if (q->endpoint == NULL) {
		buf_adds(b, "endpoint is required");
		return -EINVAL;
	}
	total = db_count(ps->db, "SELECT count(*) FROM package WHERE "
	    "inventory = " LATEST_INV, 1, q->endpoint);
	if (total < 0)
		return -EIO;
	if (db_prep(ps->db, "SELECT name, version, arch FROM package WHERE inventory "
	    "= " LATEST_INV " ORDER BY name, arch LIMIT ?2 OFFSET ?3",
	    &st) < 0)
		return -EIO;
	db_bind_text(st, 1, q->endpoint);
	sqlite3_bind_int64(st, 2, q->max);
	sqlite3_bind_int64(st, 3, q->offset);
	buf_adds(b, "<packages>");
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_adds(b, "<package");
		db_column_attr(b, "name", st, 0);
		db_column_attr(b, "version", st, 1);
		db_column_attr(b, "arch", st, 2);
		buf_adds(b, "/>");
		n++;
	}
	sqlite3_finalize(st);
	buf_adds(b, "</packages>");
	query_page_answer(b, q->offset, n, total);
	return 0;
}

static int
q_search(struct ps *ps, const struct q *q, struct buf *b)
{
	sqlite3_stmt *st;
	char err[256];
	long n = 0, k = 0;

	if (q->package == NULL) {
		buf_adds(b, "package is required");
		return -EINVAL;
	}
	if (q->version && debver_range_check(q->version, err,
	    sizeof(err)) < 0) {
		buf_adds(b, err);
		return -EINVAL;
	}
	/* Each endpoint's latest inventory; the range is checked here. */
	if (db_prep(ps->db, "SELECT e.id, e.hostname, p.version, p.arch FROM "
	    "endpoint e JOIN package p ON p.inventory = (SELECT inventory FROM "
	    "report WHERE endpoint = e.id AND inventory IS NOT NULL ORDER BY "
	    "id DESC LIMIT 1) AND p.name = ?1 ORDER BY e.id, p.arch", &st) < 0)
		return -EIO;
	db_bind_text(st, 1, q->package);
	buf_adds(b, "<endpoints>");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 2);

		if (q->version && !debver_in_range(v ? v : "", q->version))
			continue;
		if (k++ < q->offset || n >= q->max)
			continue;
		buf_adds(b, "<endpoint");
		db_column_attr(b, "id", st, 0);
		db_column_attr(b, "hostname", st, 1);
		buf_adds(b, " package='");
		buf_add_xml(b, q->package);
		buf_adds(b, "'");
		db_column_attr(b, "version", st, 2);
		db_column_attr(b, "arch", st, 3);
		buf_adds(b, "/>");
		n++;
	}
	sqlite3_finalize(st);
	buf_adds(b, "</endpoints>");
	query_page_answer(b, q->offset, n, k);
	return 0;
}

int
ps_on_query(struct grid *g, const struct grid_request *req, struct buf *reply,
    void *arg)
{
	struct ps *ps = arg;
	struct q q = { 0 };
	struct buf b;
	int r;

	(void)g;
	if (!query_allowed(req->from, ps->conf.allow)) {
		log_warnx("query from %s refused: not in allow",
		    req->from ? req->from : "?");
		buf_adds(reply, "not allowed to ask the posture repository");
		return -EACCES;
	}
	if ((r = parse(req, &q, reply)) < 0) {
		q_free(&q);
		return r;
	}
	buf_init(&b, reply->max);
	buf_adds(&b, "<query xmlns='" NS_POSTURE "' type='");
	buf_add_xml(&b, q.type);
	buf_adds(&b, "'>");
	if (strcmp(q.type, "endpoints") == 0)
		r = q_endpoints(ps, &q, &b);
	else if (strcmp(q.type, "latest") == 0)
		r = q_reports(ps, &q, 1, &b);
	else if (strcmp(q.type, "history") == 0)
		r = q_reports(ps, &q, 0, &b);
	else if (strcmp(q.type, "packages") == 0)
		r = q_packages(ps, &q, &b);
	else if (strcmp(q.type, "package-search") == 0)
		r = q_search(ps, &q, &b);
	else {
		buf_printf(&b, "unknown query type '%.40s'", q.type);
		r = -EINVAL;
	}
	if (r == 0 && buf_adds(&b, "</query>") == 0 && b.data)
		buf_adds(reply, b.data);
	else if (r == 0) {
		buf_adds(reply, "answer too large; ask for a smaller page");
		r = -E2BIG;
	} else {
		/* the error text follows the opening tag */
		const char *t = b.data ? strchr(b.data, '>') : NULL;

		buf_adds(reply, t ? t + 1 : "error");
	}
	log_debug("query %s from %s: %d", q.type, req->from, r);
	buf_free(&b);
	q_free(&q);
	return r;
}
