/*
 * rr_waiver.c - waivers: a failed rule accepted, by whom, why and until
 * when (docs/protocol.md, "Waiver").
 *
 * Approvers publish waivers on sacm/waivers (the broker lets no other
 * role publish there, and this repository takes them only from its
 * approvers).  An evaluation keeps its raw results; beside them it gets
 * its counts and score with the waivers in force applied: each waived
 * failure counted as a pass, the score libopenscap computes for the
 * TestResult with those rule results overridden (rr_fix.c), kept by the
 * digest of the results it was computed for, so that endpoints with the
 * same results are scored once.  Granting, revoking or the expiry of a
 * waiver re-scores the current results it covers, without collection or
 * evaluation; an expired waiver's rules fail again, with an incident.
 *
 *   <waiver xmlns='http://sacm-grid.dev/protocol/1'
 *       policy='ID' | benchmark='ID' [profile='ID'] [all='true']
 *       expires='2027-01-31T00:00:00Z' [ticket='TEXT']>
 *     <rule id='RULE'/>...  <endpoint id='E'/>...  <reason>TEXT</reason>
 *   </waiver>
 *   <revoked-waiver xmlns='...'/>       (over the waiver's own item)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "blob.h"
#include "buf.h"
#include "db.h"
#include "ident.h"
#include "log.h"
#include "query.h"
#include "rr.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define WAIVER_RULES_MAX	1000
#define WAIVER_ENDPOINTS_MAX	10000
#define WAIVER_REASON_MAX	2000

/* Waivers in force for evaluation ?1, one row per waived failed rule:
 * the rule, the waiver. */
#define WAIVED_SQL \
	"SELECT ru.name, min(w.id) FROM evaluation e " \
	"JOIN result r ON r.evaluation = e.id AND r.result = 'fail' " \
	"JOIN rule ru ON ru.id = r.rule " \
	"JOIN waiver_rule wr ON wr.rule = ru.name " \
	"JOIN waiver w ON w.id = wr.waiver AND w.state = 'active' " \
	"WHERE e.id = ?1 AND " RR_WAIVER_COVERS " " \
	"GROUP BY ru.name ORDER BY ru.name"

/* 1 when s is YYYY-MM-DDTHH:MM:SSZ (what time_iso writes). */
static int
is_utc(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";

	if (s == NULL || strlen(s) != sizeof(pat) - 1)
		return 0;
	for (size_t i = 0; pat[i]; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return 0;
	return 1;
}

const char *
rr_waiver_covering(struct rr *rr, int64_t eid, const char *rule)
{
	static char id[IDENT_MAX + 1];
	sqlite3_stmt *st;
	int found = 0;

	if (db_prep_hot(rr->db, "SELECT min(w.id) FROM evaluation e "
	    "JOIN waiver_rule wr ON wr.rule = ?2 "
	    "JOIN waiver w ON w.id = wr.waiver AND w.state = 'active' "
	    "WHERE e.id = ?1 AND " RR_WAIVER_COVERS, &st) < 0)
		return NULL;
	sqlite3_bind_int64(st, 1, eid);
	db_bind_text(st, 2, rule);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		snprintf(id, sizeof(id), "%s", sqlite3_column_text(st, 0));
		found = 1;
	}
	db_finish(st);
	return found ? id : NULL;
}

int
rr_waivers_in_force(struct rr *rr)
{
	return db_count(rr->db, "SELECT count(*) FROM (SELECT 1 FROM waiver "
	    "WHERE state = 'active' LIMIT 1)", 0) != 0;	/* error: apply */
}

/* ---- scoring ------------------------------------------------------------- */

/* The waived score of eid, whose waived rules are rules[0..n): from the
 * scores kept, else computed by libopenscap on its ARF and kept. */
static int
waived_score(struct rr *rr, int64_t eid, char *const *rules, size_t n,
    double *score, double *max)
{
	sqlite3_stmt *st;
	struct buf b;
	char key[65], err[512], *arf = NULL;
	size_t len, k = 0;
	int r;

	/* the key: the results as they are once waived */
	buf_init(&b, 1u << 24);
	if (db_prep(rr->db, "SELECT e.policy, e.profile, ru.name, r.result "
	    "FROM evaluation e JOIN result r ON r.evaluation = e.id JOIN rule "
	    "ru ON ru.id = r.rule WHERE e.id = ? ORDER BY ru.name", &st) < 0) {
		buf_free(&b);
		return -EIO;
	}
	sqlite3_bind_int64(st, 1, eid);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 2);
		int waived = k < n && strcmp(rules[k], name) == 0;

		if (b.len == 0)
			buf_printf(&b, "%s\n%s\n", sqlite3_column_text(st, 0),
			    sqlite3_column_text(st, 1));
		buf_printf(&b, "%s=%s\n", name, waived ? "pass" :
		    (const char *)sqlite3_column_text(st, 3));
		k += waived;
	}
	sqlite3_finalize(st);
	if (buf_error(&b) < 0 || b.data == NULL) {
		buf_free(&b);
		return -ENOMEM;
	}
	blob_sha256_hex(b.data, b.len, key);
	buf_free(&b);
	if (db_prep(rr->db, "SELECT score, max FROM waived_score WHERE key = ?",
	    &st) < 0)
		return -EIO;
	db_bind_text(st, 1, key);
	if ((r = sqlite3_step(st) == SQLITE_ROW) != 0) {
		*score = sqlite3_column_double(st, 0);
		*max = sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	if (r)
		return 0;
	if ((r = rr_arf_load(rr, eid, &arf, &len)) < 0)
		return r;
	r = rr_fix_score(arf, len, (const char *const *)rules, n, score, max,
	    err, sizeof(err));
	free(arf);
	if (r < 0) {
		log_warnx("waived score of evaluation %lld: %s", (long long)eid,
		    err);
		return r;
	}
	if (db_prep(rr->db, "INSERT OR REPLACE INTO waived_score (key, score, "
	    "max) VALUES (?,?,?)", &st) == 0) {
		db_bind_text(st, 1, key);
		sqlite3_bind_double(st, 2, *score);
		sqlite3_bind_double(st, 3, *max);
		(void)rr_step_done(rr, st);
	}
	return 0;
}

int
rr_waiver_apply(struct rr *rr, int64_t eid)
{
	sqlite3_stmt *st;
	char *rules[WAIVER_RULES_MAX];
	size_t n = 0;
	double score = 0, max = 0;
	int r = 0;

	if (db_prep(rr->db, WAIVED_SQL, &st) < 0)
		return -EIO;
	sqlite3_bind_int64(st, 1, eid);
	while (n < WAIVER_RULES_MAX && sqlite3_step(st) == SQLITE_ROW)
		if ((rules[n] = db_column_dup(st, 0)) != NULL)
			n++;
	sqlite3_finalize(st);
	if (n > 0 && (r = waived_score(rr, eid, rules, n, &score, &max)) < 0)
		log_warnx("evaluation %lld: %zu rules waived, its waived score "
		    "unknown", (long long)eid, n);
	if (db_prep(rr->db, n == 0 ? "UPDATE evaluation SET waived = 0, "
	    "wscore = score, wpass = pass, wfail = fail WHERE id = ?1" :
	    "UPDATE evaluation SET waived = ?2, wscore = ?3, wpass = pass + "
	    "?2, wfail = fail - ?2 WHERE id = ?1", &st) == 0) {
		sqlite3_bind_int64(st, 1, eid);
		if (n > 0) {
			sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
			if (r == 0)
				sqlite3_bind_double(st, 3, score);
		}
		(void)rr_step_done(rr, st);
	}
	if (db_prep(rr->db, "UPDATE current SET published = 0 WHERE "
	    "evaluation = ?", &st) == 0) {
		sqlite3_bind_int64(st, 1, eid);
		(void)rr_step_done(rr, st);
	}
	/* a waived failure is accepted: its incident is closed (a new one
	 * opens if the waiver ends while it still fails) */
	for (size_t i = 0; i < n; i++) {
		if (db_prep(rr->db, "UPDATE incident SET closed = ?1 WHERE "
		    "closed IS NULL AND rule = (SELECT id FROM rule WHERE "
		    "name = ?2) AND (endpoint, policy, profile) = (SELECT "
		    "endpoint, policy, profile FROM evaluation WHERE id = ?1)",
		    &st) == 0) {
			sqlite3_bind_int64(st, 1, eid);
			db_bind_text(st, 2, rules[i]);
			(void)rr_step_done(rr, st);
		}
		free(rules[i]);
	}
	return r;
}

/* The current results waiver id covers (as stored now), added to *eids
 * (*n of them, *cap allocated; an id may be there twice). */
static void
covered(struct rr *rr, const char *id, int64_t **eids, size_t *n,
    size_t *cap)
{
	sqlite3_stmt *st;

	if (db_prep(rr->db, "SELECT c.evaluation FROM waiver w JOIN current c "
	    "JOIN evaluation e ON e.id = c.evaluation WHERE w.id = ?1 AND "
	    RR_WAIVER_COVERS, &st) < 0)
		return;
	db_bind_text(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t *m;

		if (*n == *cap) {
			if ((m = realloc(*eids, (*cap ? 2 * *cap : 64) *
			    sizeof(*m))) == NULL)
				break;
			*eids = m;
			*cap = *cap ? 2 * *cap : 64;
		}
		(*eids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
}

static int
by_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Applies the waivers in force again to eids[0..n) (freed); with
 * incidents == 1 (waiver id expired, or was revoked), its rules that
 * still fail there raise an incident each. */
static void
apply_all(struct rr *rr, const char *id, int64_t *eids, size_t n,
    int incidents)
{
	size_t done = 0;

	if (n > 1)
		qsort(eids, n, sizeof(*eids), by_id);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && eids[i] == eids[i - 1])
			continue;	/* covered before and after */
		(void)rr_waiver_apply(rr, eids[i]);
		if (incidents)
			rr_incidents_expired(rr, eids[i], id);
		done++;
	}
	log_info("waiver %s: %zu current results scored again", id, done);
	free(eids);
	rr_flush_pending(rr);
}

/* The same, for what waiver id covers. */
static void
apply_covered(struct rr *rr, const char *id, int incidents)
{
	int64_t *eids = NULL;
	size_t n = 0, cap = 0;

	covered(rr, id, &eids, &n, &cap);
	apply_all(rr, id, eids, n, incidents);
}

/* ---- waivers in ---------------------------------------------------------- */

static int
set_state(struct rr *rr, const char *id, const char *state)
{
	sqlite3_stmt *st;
	char now[32];

	time_iso(now, 0);
	if (db_prep(rr->db, "UPDATE waiver SET state = ?2, changed = ?3 WHERE "
	    "id = ?1 AND state != ?2", &st) < 0)
		return -EIO;
	db_bind_texts(st, 1, 3, id, state, now);
	if (rr_step_done(rr, st) < 0)
		return -EIO;
	return sqlite3_changes(rr->db) > 0;
}

/* Checks a waiver element; NULL, or why not. */
static const char *
bad_waiver(xmlNodePtr w, char *why, size_t len)
{
	char *policy = xml_prop(w, "policy"), *bench = xml_prop(w, "benchmark");
	char *expires = xml_prop(w, "expires"), *all = xml_prop(w, "all");
	char *reason = xml_text(xml_child(w, "reason", SACM_NS));
	size_t rules = 0, endpoints = 0;
	const char *bad = NULL;

	for (xmlNodePtr c = w->children; c; c = c->next) {
		rules += xml_is(c, "rule", SACM_NS);
		endpoints += xml_is(c, "endpoint", SACM_NS);
	}
	if (!xml_ids_ok(w, xml_id_attrs, &bad))
		snprintf(why, len, "%s is not an identifier", bad);
	else if (bench && !ident_ok(bench))
		snprintf(why, len, "benchmark is not an identifier");
	else if ((policy == NULL) == (bench == NULL))
		snprintf(why, len, "it names neither a policy nor a benchmark, "
		    "or both");
	else if (rules == 0 || rules > WAIVER_RULES_MAX)
		snprintf(why, len, "it waives %zu rules (1 to %d)", rules,
		    WAIVER_RULES_MAX);
	else if ((all && strcmp(all, "true") == 0) == (endpoints > 0) ||
	    endpoints > WAIVER_ENDPOINTS_MAX)
		snprintf(why, len, "it must name its endpoints (1 to %d) or "
		    "all='true', not both", WAIVER_ENDPOINTS_MAX);
	else if (!is_utc(expires))
		snprintf(why, len, "expires is not a UTC time "
		    "(YYYY-MM-DDTHH:MM:SSZ)");
	else if (reason == NULL || *reason == '\0' ||
	    strlen(reason) > WAIVER_REASON_MAX)
		snprintf(why, len, "it needs a reason (at most %d bytes)",
		    WAIVER_REASON_MAX);
	else
		why = NULL;
	free(policy); free(bench); free(expires); free(all); free(reason);
	return why;
}

/* Stores waiver w as item id from publisher (replacing what it was):
 * 1 changed, 0 the same as stored, -1 failed. */
static int
store(struct rr *rr, const char *id, const char *publisher, xmlNodePtr w,
    const char *digest)
{
	sqlite3_stmt *st;
	char now[32], *v[7];
	char *reason = xml_text(xml_child(w, "reason", SACM_NS));
	static const char *const attrs[] = { "policy", "benchmark", "profile",
	    "expires", "ticket", "all" };
	int same = 0;

	if (db_prep(rr->db, "SELECT 1 FROM waiver WHERE id = ? AND digest = ?",
	    &st) == 0) {
		db_bind_texts(st, 1, 2, id, digest);
		same = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	if (same) {
		free(reason);
		return 0;
	}
	for (size_t i = 0; i < 6; i++)
		v[i] = xml_prop(w, attrs[i]);
	time_iso(now, 0);
	if (db_begin(rr->db) < 0)
		goto fail;
	if (db_prep(rr->db, "DELETE FROM waiver_rule WHERE waiver = ?", &st) <
	    0)
		goto fail;
	db_bind_text(st, 1, id);
	if (rr_step_done(rr, st) < 0 || db_prep(rr->db, "DELETE FROM "
	    "waiver_endpoint WHERE waiver = ?", &st) < 0)
		goto fail;
	db_bind_text(st, 1, id);
	if (rr_step_done(rr, st) < 0 || db_prep(rr->db, "INSERT OR REPLACE "
	    "INTO waiver (id, publisher, policy, benchmark, profile, "
	    "all_endpoints, reason, ticket, granted, expires, state, changed, "
	    "digest) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,CASE WHEN ?10 <= "
	    "?9 THEN 'expired' ELSE 'active' END,?9,?11)", &st) < 0)
		goto fail;
	db_bind_texts(st, 1, 5, id, publisher, v[0], v[1], v[2]);
	sqlite3_bind_int(st, 6, v[5] && strcmp(v[5], "true") == 0);
	db_bind_texts(st, 7, 5, reason, v[4], now, v[3], digest);
	if (rr_step_done(rr, st) < 0)
		goto fail;
	for (xmlNodePtr c = w->children; c; c = c->next) {
		int rule = xml_is(c, "rule", SACM_NS);
		char *cid;

		if (!rule && !xml_is(c, "endpoint", SACM_NS))
			continue;
		cid = xml_prop(c, "id");
		if (db_prep(rr->db, rule ? "INSERT OR IGNORE INTO waiver_rule "
		    "(waiver, rule) VALUES (?,?)" : "INSERT OR IGNORE INTO "
		    "waiver_endpoint (waiver, endpoint) VALUES (?,?)", &st) <
		    0) {
			free(cid);
			goto fail;
		}
		db_bind_texts(st, 1, 2, id, cid);
		free(cid);
		if (rr_step_done(rr, st) < 0)
			goto fail;
	}
	if (db_commit(rr->db) < 0)
		goto fail;
	for (size_t i = 0; i < 6; i++)
		free(v[i]);
	free(reason);
	return 1;
fail:
	db_rollback(rr->db);
	for (size_t i = 0; i < 6; i++)
		free(v[i]);
	free(reason);
	return -1;
}

void
rr_waiver_event(struct rr *rr, const struct grid_event *gev)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	char pub[512], why[300], digest[65];
	const char *bad;
	int r;

	if (!ident_ok(gev->item_id)) {
		log_warnx("waiver item ignored: its id is not an identifier");
		return;
	}
	if (gev->retract) {
		/* only the topic's owner may retract another's item */
		if (set_state(rr, gev->item_id, "revoked") > 0) {
			log_info("waiver %s revoked (retracted)", gev->item_id);
			apply_covered(rr, gev->item_id, 1);
		}
		return;
	}
	jid_bare(gev->publisher, pub, sizeof(pub));
	if (gev->publisher == NULL || !query_allowed(gev->publisher,
	    rr->conf.approvers)) {
		log_warnx("waiver %s refused: %s is not an approver",
		    gev->item_id, gev->publisher ? pub :
		    "an unnamed publisher");
		return;
	}
	if (xmlsafe_parse(gev->payload, gev->payload_len, 1 << 22, &doc, why,
	    sizeof(why)) < 0) {
		log_warnx("waiver %s refused: %s", gev->item_id, why);
		return;
	}
	root = xmlDocGetRootElement(doc);
	if (xml_is(root, "revoked-waiver", SACM_NS)) {
		if (set_state(rr, gev->item_id, "revoked") > 0) {
			log_info("waiver %s revoked by %s", gev->item_id, pub);
			apply_covered(rr, gev->item_id, 1);
		}
	} else if (!xml_is(root, "waiver", SACM_NS))
		log_warnx("waiver %s refused: neither a waiver nor a "
		    "revoked-waiver", gev->item_id);
	else if ((bad = bad_waiver(root, why, sizeof(why))) != NULL)
		log_warnx("waiver %s refused: %s", gev->item_id, bad);
	else {
		int64_t *eids = NULL;
		size_t n = 0, cap = 0;

		/* what it covered before (a waiver replaced may cover less)
		 * and what it covers now are both scored again */
		blob_sha256_hex(gev->payload, gev->payload_len, digest);
		covered(rr, gev->item_id, &eids, &n, &cap);
		if ((r = store(rr, gev->item_id, pub, root, digest)) < 0)
			log_warnx("waiver %s not stored: %s", gev->item_id,
			    sqlite3_errmsg(rr->db));
		else if (r > 0) {
			log_info("waiver %s granted by %s", gev->item_id, pub);
			covered(rr, gev->item_id, &eids, &n, &cap);
			apply_all(rr, gev->item_id, eids, n, 0);
			eids = NULL;
		}
		free(eids);
	}
	xmlFreeDoc(doc);
}

void
rr_waiver_tick(struct rr *rr)
{
	sqlite3_stmt *st;
	char now[32], *due[64];
	size_t n = 0;

	time_iso(now, 0);
	if (db_prep(rr->db, "SELECT id FROM waiver WHERE state = 'active' AND "
	    "expires <= ? ORDER BY expires LIMIT 64", &st) < 0)
		return;
	db_bind_text(st, 1, now);
	while (n < 64 && sqlite3_step(st) == SQLITE_ROW)
		if ((due[n] = db_column_dup(st, 0)) != NULL)
			n++;
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		if (set_state(rr, due[i], "expired") > 0) {
			log_info("waiver %s expired", due[i]);
			apply_covered(rr, due[i], 1);
		}
		free(due[i]);
	}
}

/* ---- the ARF with its waivers -------------------------------------------- */

/* The first occurrence of needle in [s, end), or NULL. */
static const char *
find(const char *s, const char *end, const char *needle)
{
	if (s == NULL || s >= end)
		return NULL;
	return memmem(s, (size_t)(end - s), needle, strlen(needle));
}

/* A waived rule's failure in the ARF, and the override that replaces it. */
struct edit {
	const char	*at;		/* its <result>fail</result> */
	char		*override;
};

static int
by_offset(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/* <result>pass</result><override ...>: the waiver of the row. */
static char *
override_xml(sqlite3_stmt *st)
{
	struct buf b;

	buf_init(&b, 16384);
	buf_adds(&b, "<result>pass</result><override");
	buf_add_attr(&b, "time", (const char *)sqlite3_column_text(st, 3));
	buf_add_attr(&b, "authority", (const char *)sqlite3_column_text(st,
	    2));
	buf_adds(&b, "><old-result>fail</old-result><new-result>pass"
	    "</new-result><remark>");
	buf_add_xml(&b, (const char *)sqlite3_column_text(st, 4));
	buf_adds(&b, " (waiver ");
	buf_add_xml(&b, (const char *)sqlite3_column_text(st, 1));
	if (sqlite3_column_text(st, 5)) {
		buf_adds(&b, ", ticket ");
		buf_add_xml(&b, (const char *)sqlite3_column_text(st, 5));
	}
	buf_adds(&b, ", until ");
	buf_add_xml(&b, (const char *)sqlite3_column_text(st, 6));
	buf_adds(&b, ")</remark></override>");
	return buf_steal(&b, NULL);
}

int
rr_waiver_arf(struct rr *rr, int64_t eid, char **arf, size_t *len)
{
	static const char fail_s[] = "<result>fail</result>";
	struct edit ed[WAIVER_RULES_MAX];
	sqlite3_stmt *st;
	struct buf b;
	const char *p, *end = *arf + *len, *tr, *sc, *v, *ve;
	double wscore = -1;
	size_t n = 0;
	int waived = 0, r = 0;

	if (db_prep(rr->db, "SELECT waived, wscore FROM evaluation WHERE "
	    "id = ?", &st) < 0)
		return -EIO;
	sqlite3_bind_int64(st, 1, eid);
	if (sqlite3_step(st) == SQLITE_ROW) {
		waived = sqlite3_column_int(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			wscore = sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	if (waived == 0 || (tr = find(*arf, end, "<TestResult ")) == NULL)
		return 0;
	if (db_prep(rr->db, "SELECT ru.name, w.id, w.publisher, w.granted, "
	    "w.reason, w.ticket, w.expires FROM evaluation e JOIN result r ON "
	    "r.evaluation = e.id AND r.result = 'fail' JOIN rule ru ON ru.id = "
	    "r.rule JOIN waiver w ON w.id = (SELECT min(w.id) FROM waiver_rule "
	    "wr JOIN waiver w ON w.id = wr.waiver AND w.state = 'active' WHERE "
	    "wr.rule = ru.name AND " RR_WAIVER_COVERS ") WHERE e.id = ?1",
	    &st) < 0)
		return -EIO;
	sqlite3_bind_int64(st, 1, eid);
	while (r == 0 && n < WAIVER_RULES_MAX && sqlite3_step(st) ==
	    SQLITE_ROW) {
		char open[IDENT_MAX + 32];
		const char *at, *close;

		snprintf(open, sizeof(open), "<rule-result idref=\"%s\"",
		    sqlite3_column_text(st, 0));
		if ((at = find(tr, end, open)) == NULL ||
		    (close = find(at, end, "</rule-result>")) == NULL ||
		    (ed[n].at = find(at, close, fail_s)) == NULL)
			r = -ENOENT;
		else if ((ed[n].override = override_xml(st)) == NULL)
			r = -ENOMEM;
		else
			n++;
	}
	sqlite3_finalize(st);
	qsort(ed, n, sizeof(ed[0]), by_offset);
	buf_init(&b, *len + (1u << 20));
	p = *arf;
	for (size_t i = 0; i < n; i++) {
		buf_add(&b, p, (size_t)(ed[i].at - p));
		buf_adds(&b, ed[i].override);
		p = ed[i].at + sizeof(fail_s) - 1;
	}
	/* the TestResult's default score: the waived one */
	if (wscore >= 0 && (sc = find(p, end, "<score system=\"urn:xccdf:"
	    "scoring:default\"")) != NULL && (v = find(sc, end, ">")) !=
	    NULL && (ve = find(v, end, "</score>")) != NULL) {
		buf_add(&b, p, (size_t)(v + 1 - p));
		buf_printf(&b, "%f", wscore);
		p = ve;
	}
	buf_add(&b, p, (size_t)(end - p));
	for (size_t i = 0; i < n; i++)
		free(ed[i].override);
	if (r < 0 || buf_error(&b) < 0 || b.data == NULL) {
		buf_free(&b);
		log_warnx("evaluation %lld: its ARF is served without its "
		    "waivers (%s)", (long long)eid, r == -ENOENT ? "a waived "
		    "rule's result is not in it" : "out of memory");
		return r < 0 ? r : -ENOMEM;
	}
	free(*arf);
	*len = b.len;
	*arf = buf_steal(&b, NULL);
	return 0;
}
