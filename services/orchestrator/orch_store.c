/*
 * orch_store.c - the orchestrator's sqlite database: endpoints and
 * policies as announced, and the assessments with their state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "orch.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlutil.h"

static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE endpoint ("
	"  id TEXT PRIMARY KEY, hostname TEXT, platform TEXT,"
	"  collector TEXT, updated TEXT NOT NULL);"
	"CREATE TABLE policy ("
	"  id TEXT PRIMARY KEY, kind TEXT, base TEXT,"
	"  announcement TEXT NOT NULL, received TEXT NOT NULL);"
	"CREATE TABLE assessment ("
	"  id TEXT PRIMARY KEY,"
	"  policy TEXT NOT NULL, profile TEXT NOT NULL DEFAULT '',"
	"  endpoint TEXT NOT NULL, trigger TEXT NOT NULL, key TEXT NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  collection TEXT, evaluation TEXT, evaluator TEXT,"
	"  posture TEXT, deadline INTEGER, reason TEXT,"
	"  created TEXT NOT NULL, updated TEXT NOT NULL,"
	"  published INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (policy, profile, endpoint, trigger, key));"
	"CREATE INDEX assessment_open ON assessment(state) WHERE state < 4;",
	/* 2: operators' assignments; whether an endpoint's collector answers */
	"CREATE TABLE assignment ("
	"  id TEXT PRIMARY KEY, policy TEXT NOT NULL, profile TEXT NOT NULL,"
	"  endpoints TEXT NOT NULL DEFAULT '', benchmark TEXT,"
	"  every INTEGER NOT NULL DEFAULT 0, next INTEGER NOT NULL DEFAULT 0,"
	"  runs INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL, by TEXT);"
	"ALTER TABLE endpoint ADD COLUMN online INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE endpoint ADD COLUMN checked INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE endpoint ADD COLUMN offline_since TEXT;",
	/* 3: approval (endpoints known before it were in use: approved) */
	"ALTER TABLE endpoint ADD COLUMN approval TEXT NOT NULL DEFAULT "
	"  'approved' CHECK (approval IN ('pending', 'approved', 'rejected'));"
	"ALTER TABLE endpoint ADD COLUMN decided TEXT;"
	"ALTER TABLE endpoint ADD COLUMN decided_by TEXT;"
	"ALTER TABLE endpoint ADD COLUMN approval_published INTEGER NOT NULL "
	"  DEFAULT 0;",
	/* 4: content from a feed nobody marked trusted waits for an
	 * operator's assess or assign */
	"ALTER TABLE policy ADD COLUMN trusted INTEGER NOT NULL DEFAULT 1;",
	/* 5: accounts an administrator revoked (sacmctl grid revoke) */
	"CREATE TABLE revoked_account ("
	"  account TEXT PRIMARY KEY COLLATE NOCASE, revoked TEXT NOT NULL,"
	"  by TEXT);",
	/* 6: the account that announced an endpoint (the collector's bare
	 * JID), indexed: an account's endpoints without a scan */
	"ALTER TABLE endpoint ADD COLUMN account TEXT COLLATE NOCASE;"
	"UPDATE endpoint SET account = CASE WHEN instr(collector, '/') > 0 "
	"  THEN substr(collector, 1, instr(collector, '/') - 1) "
	"  ELSE collector END;"
	"CREATE INDEX endpoint_account ON endpoint(account, approval);",
	/* 7: when the tick looks at an open assessment again (orch_tick.c:
	 * due-time scheduling, so that assessments that wait do not starve
	 * the others); a move makes it due at once */
	"ALTER TABLE assessment ADD COLUMN next_check INTEGER NOT NULL "
	"  DEFAULT 0;"
	"CREATE INDEX assessment_due ON assessment(next_check) "
	"  WHERE state < 4;",
	/* 8: states by name, checked (orch_fsm.c); a version per write, so
	 * that an answer to an asynchronous publish marks only what it
	 * published; indexes for every lookup on a hot path */
	"CREATE TABLE assessment8 ("
	"  id TEXT PRIMARY KEY,"
	"  policy TEXT NOT NULL, profile TEXT NOT NULL DEFAULT '',"
	"  endpoint TEXT NOT NULL, trigger TEXT NOT NULL, key TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ("
	"    'requested', 'collecting', 'collected', 'evaluating',"
	"    'complete', 'failed', 'timed-out')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  collection TEXT, evaluation TEXT, evaluator TEXT,"
	"  posture TEXT, deadline INTEGER, reason TEXT,"
	"  created TEXT NOT NULL, updated TEXT NOT NULL,"
	"  version INTEGER NOT NULL DEFAULT 1,"
	"  published INTEGER NOT NULL DEFAULT 0,"
	"  next_check INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (policy, profile, endpoint, trigger, key));"
	"INSERT INTO assessment8 (id, policy, profile, endpoint, trigger, key,"
	"  state, attempts, collection, evaluation, evaluator, posture,"
	"  deadline, reason, created, updated, version, published,"
	"  next_check) SELECT id, policy, profile, endpoint, trigger, key,"
	"  CASE state WHEN 0 THEN 'requested' WHEN 1 THEN 'collecting'"
	"  WHEN 2 THEN 'collected' WHEN 3 THEN 'evaluating'"
	"  WHEN 4 THEN 'complete' WHEN 5 THEN 'failed' ELSE 'timed-out' END,"
	"  attempts, collection, evaluation, evaluator, posture, deadline,"
	"  reason, created, updated, 1, published != 0, next_check"
	"  FROM assessment;"
	"DROP TABLE assessment;"
	"ALTER TABLE assessment8 RENAME TO assessment;"
	"CREATE INDEX assessment_due ON assessment(next_check) WHERE "
	ORCH_OPEN_SQL ";"
	"CREATE INDEX assessment_endpoint ON assessment(endpoint, state);"
	"CREATE INDEX assessment_collection ON assessment(collection) "
	"  WHERE collection IS NOT NULL;"
	"CREATE INDEX assessment_evaluation ON assessment(evaluation) "
	"  WHERE evaluation IS NOT NULL;"
	"CREATE INDEX assessment_evaluator ON assessment(evaluator) "
	"  WHERE state = 'evaluating';"
	"CREATE INDEX assessment_unpublished ON assessment(id) "
	"  WHERE published < version;"
	/* whether its collector ever answered a liveness check */
	"ALTER TABLE endpoint ADD COLUMN answered INTEGER NOT NULL "
	"  DEFAULT 0;"
	/* approvals are published without waiting too: a version each */
	"ALTER TABLE endpoint ADD COLUMN approval_version INTEGER NOT NULL "
	"  DEFAULT 1;"
	"CREATE INDEX endpoint_unpublished ON endpoint(id) "
	"  WHERE approval_published < approval_version;",
	/* 9: liveness from presence (orch_presence.c): the collectors'
	 * sessions the broker told us of since we connected; endpoints by
	 * collector */
	"CREATE TABLE collector_presence ("
	"  jid TEXT PRIMARY KEY, available INTEGER NOT NULL,"
	"  since TEXT NOT NULL);"
	"CREATE INDEX endpoint_collector ON endpoint(collector);",
	/* 10: remediation (orch_fix.c): a state of its own, and the fix an
	 * operator approved (its script's blob, sha256 and type, the
	 * evaluation it fixes, who approved it) and how it went */
	"CREATE TABLE assessment10 ("
	"  id TEXT PRIMARY KEY,"
	"  policy TEXT NOT NULL, profile TEXT NOT NULL DEFAULT '',"
	"  endpoint TEXT NOT NULL, trigger TEXT NOT NULL, key TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ("
	"    'requested', 'collecting', 'collected', 'evaluating',"
	"    'complete', 'failed', 'timed-out', 'remediating')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  collection TEXT, evaluation TEXT, evaluator TEXT,"
	"  posture TEXT, deadline INTEGER, reason TEXT,"
	"  created TEXT NOT NULL, updated TEXT NOT NULL,"
	"  version INTEGER NOT NULL DEFAULT 1,"
	"  published INTEGER NOT NULL DEFAULT 0,"
	"  next_check INTEGER NOT NULL DEFAULT 0,"
	"  fix_blob TEXT, fix_sha256 TEXT, fix_type TEXT, fix_from TEXT,"
	"  fix_by TEXT, fix_state TEXT, fix_exit INTEGER,"
	"  UNIQUE (policy, profile, endpoint, trigger, key));"
	"INSERT INTO assessment10 (id, policy, profile, endpoint, trigger, key,"
	"  state, attempts, collection, evaluation, evaluator, posture,"
	"  deadline, reason, created, updated, version, published,"
	"  next_check) SELECT id, policy, profile, endpoint, trigger, key,"
	"  state, attempts, collection, evaluation, evaluator, posture,"
	"  deadline, reason, created, updated, version, published,"
	"  next_check FROM assessment;"
	"DROP TABLE assessment;"
	"ALTER TABLE assessment10 RENAME TO assessment;"
	"CREATE INDEX assessment_due ON assessment(next_check) WHERE "
	ORCH_OPEN_SQL ";"
	"CREATE INDEX assessment_endpoint ON assessment(endpoint, state);"
	"CREATE INDEX assessment_collection ON assessment(collection) "
	"  WHERE collection IS NOT NULL;"
	"CREATE INDEX assessment_evaluation ON assessment(evaluation) "
	"  WHERE evaluation IS NOT NULL;"
	"CREATE INDEX assessment_evaluator ON assessment(evaluator) "
	"  WHERE state = 'evaluating';"
	"CREATE INDEX assessment_unpublished ON assessment(id) "
	"  WHERE published < version;",
	/* 11: vulnerability definitions' targeted collections
	 * (orch_vuln.c), once per endpoint and targeted document */
	"CREATE TABLE vuln_defs ("
	"  id TEXT PRIMARY KEY, digest TEXT NOT NULL, targeted TEXT NOT NULL,"
	"  received TEXT NOT NULL);"
	"CREATE TABLE vuln_targeted ("
	"  endpoint TEXT NOT NULL, digest TEXT NOT NULL,"
	"  definitions TEXT NOT NULL REFERENCES vuln_defs(id),"
	"  state TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ("
	"    'requested', 'collecting', 'collected', 'failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0, request TEXT, posture TEXT,"
	"  reason TEXT, next_check INTEGER NOT NULL DEFAULT 0,"
	"  updated TEXT NOT NULL,"
	"  PRIMARY KEY (endpoint, digest));"
	"CREATE INDEX vuln_targeted_due ON vuln_targeted(next_check) "
	"  WHERE state IN ('requested', 'collecting');"
	"CREATE INDEX vuln_targeted_request ON vuln_targeted(request) "
	"  WHERE request IS NOT NULL;",
	/* 12: vulnerabilities evaluated from the stored inventory
	 * (orch_vulneval.c); a document without a targeted collection has
	 * digest '' */
	"ALTER TABLE vuln_defs ADD COLUMN name TEXT;"
	"ALTER TABLE vuln_defs ADD COLUMN announcement TEXT;"
	"ALTER TABLE vuln_targeted ADD COLUMN syschar TEXT;"
	"CREATE TABLE vuln_inventory ("
	"  endpoint TEXT PRIMARY KEY, hostname TEXT, digest TEXT NOT NULL,"
	"  inventory TEXT NOT NULL, updated TEXT NOT NULL);"
	"CREATE TABLE vuln_eval ("
	"  endpoint TEXT NOT NULL, name TEXT NOT NULL,"
	"  definitions TEXT NOT NULL REFERENCES vuln_defs(id),"
	"  state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ("
	"    'waiting', 'evaluating', 'done', 'failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0, request TEXT, evaluator TEXT,"
	"  reason TEXT, next_check INTEGER NOT NULL DEFAULT 0,"
	"  sent INTEGER NOT NULL DEFAULT 0, updated TEXT NOT NULL,"
	"  PRIMARY KEY (endpoint, name));"
	"CREATE INDEX vuln_eval_due ON vuln_eval(next_check) "
	"  WHERE state IN ('waiting', 'evaluating');"
	"CREATE INDEX vuln_eval_request ON vuln_eval(request) "
	"  WHERE request IS NOT NULL;",
};

int
orch_store_open(struct orch *o)
{
	char err[512];

	if (db_open(o->conf.db, migrations, sizeof(migrations) /
	    sizeof(migrations[0]), &o->db, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		return -EIO;
	}
	return 0;
}

void
orch_store_close(struct orch *o)
{
	db_close(o->db);
	o->db = NULL;
}

int
orch_create(struct orch *o, const char *policy, const char *profile,
    const char *endpoint, const char *trigger, const char *key, char **id)
{
	sqlite3_stmt *st;
	char now[32], rnd[17];
	int r;

	*id = NULL;
	if (db_prep(o->db, "SELECT id FROM assessment WHERE policy = ? AND "
	    "profile = ? AND endpoint = ? AND trigger = ? AND key = ?", &st) <
	    0)
		return -EIO;
	db_bind_text(st, 1, policy);
	db_bind_text(st, 2, profile ? profile : "");
	db_bind_text(st, 3, endpoint);
	db_bind_text(st, 4, trigger);
	db_bind_text(st, 5, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		*id = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (*id)
		return 0;
	if (grid_random_hex(rnd, 8) < 0 || asprintf(id, "a-%s", rnd) < 0) {
		*id = NULL;
		return -ENOMEM;
	}
	if (db_prep(o->db, "INSERT INTO assessment (id, policy, profile, "
	    "endpoint, trigger, key, created, updated) VALUES "
	    "(?,?,?,?,?,?,?,?)", &st) < 0)
		return -EIO;
	time_iso(now, 0);
	db_bind_text(st, 1, *id);
	db_bind_text(st, 2, policy);
	db_bind_text(st, 3, profile ? profile : "");
	db_bind_text(st, 4, endpoint);
	db_bind_text(st, 5, trigger);
	db_bind_text(st, 6, key);
	db_bind_text(st, 7, now);
	db_bind_text(st, 8, now);
	r = sqlite3_step(st) == SQLITE_DONE ? 1 : -EIO;
	sqlite3_finalize(st);
	if (r == 1) {
		log_info("assessment %s: requested (%s), policy %.12s, profile "
		    "%s, endpoint %s", *id, trigger, policy, profile ? profile :
		    "(default)", endpoint);
		orch_publish_soon(o, *id);
	}
	return r;
}

int
orch_fire(struct orch *o, const char *id, enum orch_event ev,
    const struct orch_change *c)
{
	struct orch_transition t;
	const char *why = c && c->reason ? c->reason : NULL;
	int r;

	if ((r = orch_fsm_fire(o->db, id, ev, c, &t)) == -EINVAL)
		log_warnx("assessment %s: event %s is not valid in its state; "
		    "ignored", id, orch_event_name(ev));
	if (r < 0)
		return r;
	if (t.from != t.to)
		log_info("assessment %s: %s -> %s%s%s", id, orch_state_name(
		    t.from), orch_state_name(t.to), why ? ": " : "",
		    why ? why : "");
	else
		log_info("assessment %s: %s%s%s", id, orch_state_name(t.to),
		    why ? ": " : "", why ? why : "");
	orch_publish_soon(o, id);
	return 0;
}

/* An asynchronous publish of a row's version. */
struct pub {
	struct orch	*o;
	long long	 version;
	const char	*mark, *what;	/* static */
	char		 id[];
};

static void
published(struct grid *g, int status, void *arg)
{
	struct pub *p = arg;
	sqlite3_stmt *st;

	(void)g;
	p->o->publishing--;
	if (status < 0)
		log_warnx("%s %s: not published (%s); again later", p->what,
		    p->id, strerror(-status));
	else if (p->o->db && db_prep(p->o->db, p->mark, &st) == 0) {
		sqlite3_bind_int64(st, 1, p->version);
		db_bind_text(st, 2, p->id);
		(void)sqlite3_step(st);
		sqlite3_finalize(st);
	}
	free(p);
}

void
orch_publish_version(struct orch *o, const char *node, const char *id,
    const char *xml, long long version, const char *mark, const char *what)
{
	struct pub *p;

	if (xml == NULL || (p = malloc(sizeof(*p) + strlen(id) + 1)) == NULL)
		return;
	p->o = o;
	p->version = version;
	p->mark = mark;
	p->what = what;
	memcpy(p->id, id, strlen(id) + 1);
	if (pubsub_publish_async(o->g, node, id, xml, published, p) == 0)
		o->publishing++;
	else
		free(p);
}

/*
 * Publishes the assessment as it is now on sacm/assessments without
 * waiting: the answer marks that version published; one the broker did
 * not take stays unpublished and orch_tick() sends it again.
 */
void
orch_publish(struct orch *o, const char *id)
{
	static const char *const cols[] = { "policy", "profile", "endpoint",
	    "trigger", "attempts", "collection", "evaluation", "evaluator",
	    "created", "updated", "remediation-sha256", "remediation-type",
	    "remediation-of", "approved-by", "remediation",
	    "remediation-exit" };
	/* the steps of an assessment, and of one that starts with a fix */
	static const int step[A_NSTATES] = { [A_COLLECTING] = 1,
	    [A_COLLECTED] = 2, [A_EVALUATING] = 3, [A_COMPLETE] = 4,
	    [A_FAILED] = 4, [A_TIMED_OUT] = 4 };
	sqlite3_stmt *st;
	long long version = -1;
	struct buf b;

	if (db_prep(o->db, "SELECT policy, profile, endpoint, trigger, attempts,"
	    " collection, evaluation, evaluator, created, updated, fix_sha256,"
	    " fix_type, fix_from, fix_by, fix_state, fix_exit, state, reason, "
	    "version FROM assessment WHERE id = ?", &st) < 0)
		return;
	db_bind_text(st, 1, id);
	buf_init(&b, 65536);
	if (sqlite3_step(st) == SQLITE_ROW) {
		int state = orch_state_parse((const char *)
		    sqlite3_column_text(st, 16));
		const char *reason = (const char *)sqlite3_column_text(st, 17);
		int fix = sqlite3_column_type(st, 10) != SQLITE_NULL;

		buf_adds(&b, "<assessment xmlns='" SACM_NS "' id='");
		buf_add_xml(&b, id);
		buf_printf(&b, "' state='%s' step='%d' steps='%d'",
		    orch_state_name((enum orch_state)state), state < 0 ? 0 :
		    step[state] == 4 ? 4 + fix : step[state] + (fix &&
		    state != A_REQUESTED), fix ? 5 : 4);
		for (int i = 0; i < 16; i++) {
			const char *v = (const char *)sqlite3_column_text(st,
			    i);

			if (v != NULL && *v != '\0')
				buf_add_attr(&b, cols[i], v);
		}
		buf_adds(&b, ">");
		if (reason) {
			buf_adds(&b, "<reason>");
			buf_add_xml(&b, reason);
			buf_adds(&b, "</reason>");
		}
		buf_adds(&b, "</assessment>");
		version = sqlite3_column_int64(st, 18);
	}
	sqlite3_finalize(st);
	if (version >= 0)
		orch_publish_version(o, TOPIC_ASSESSMENTS, id, b.data, version,
		    "UPDATE assessment SET published = max(published, ?1) "
		    "WHERE id = ?2", "assessment");
	buf_free(&b);
}

/*
 * Each row of st (prepared and bound: assessment id, request id) is sent
 * again, the attempt not counted (EV_SEND_FAILED): the request is
 * published anew as the newest item, or assigned again.  The rows are
 * read first, then fired (a transition writes the table read).  The
 * number fired.
 */
size_t
orch_resend(struct orch *o, sqlite3_stmt *st, const char *reason)
{
	char **ids = NULL, **reqs = NULL;
	size_t n = 0, cap = 0, fired = 0;

	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			size_t c = cap ? cap * 2 : 16;
			char **a = realloc(ids, c * sizeof(*a));
			char **b = a ? realloc(reqs, c * sizeof(*b)) : NULL;

			if (a)
				ids = a;
			if (b == NULL)
				break;
			reqs = b;
			cap = c;
		}
		ids[n] = strdup((const char *)sqlite3_column_text(st, 0));
		reqs[n] = sqlite3_column_text(st, 1) ? strdup((const char *)
		    sqlite3_column_text(st, 1)) : NULL;
		n++;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		if (ids[i] && reqs[i] && orch_fire(o, ids[i], EV_SEND_FAILED,
		    &(struct orch_change){ .request = reqs[i],
		    .reason = reason }) == 0)
			fired++;
		free(ids[i]);
		free(reqs[i]);
	}
	free(ids);
	free(reqs);
	return fired;
}

/*
 * A collector back may have missed the collection requests sent while it
 * was away (a catch-up brings back only the newest items): each of its
 * endpoints' collections under way is requested again.
 */
static void
resend_collections(struct orch *o, const char *endpoint,
    const char *collector)
{
	int by = endpoint == NULL;
	sqlite3_stmt *st;

	/* literals in the calls: tests/scripts/test_query_plans.sh */
	if ((by ? db_prep(o->db, "SELECT id, collection FROM assessment "
	    "WHERE state = 'collecting' AND endpoint IN (SELECT id FROM "
	    "endpoint WHERE collector = ?)", &st) : db_prep(o->db, "SELECT "
	    "id, collection FROM assessment WHERE endpoint = ? AND state = "
	    "'collecting'", &st)) < 0)
		return;
	db_bind_text(st, 1, by ? collector : endpoint);
	(void)orch_resend(o, st, "its collector is back: the collection "
	    "request is sent again");
}

/*
 * One endpoint (by id), or every endpoint of a collector JID, seen online
 * or offline as of now; and the open assessments of those endpoints made
 * due, whatever they wait for.  Returns how many endpoints it names.
 */
long
orch_endpoints_seen(struct orch *o, const char *endpoint,
    const char *collector, int online)
{
	int by = endpoint == NULL;
	sqlite3_stmt *st;
	char now[32];
	long n = 0;

	time_iso(now, 0);
	if (online >= 0 && (by ? db_prep(o->db, "UPDATE endpoint SET online "
	    "= ?1, answered = 1, offline_since = CASE WHEN ?1 THEN NULL ELSE "
	    "?2 END WHERE collector = ?3", &st) : db_prep(o->db, "UPDATE "
	    "endpoint SET online = ?1, answered = 1, offline_since = CASE "
	    "WHEN ?1 THEN NULL ELSE ?2 END WHERE id = ?3", &st)) == 0) {
		sqlite3_bind_int(st, 1, online);
		db_bind_text(st, 2, now);
		db_bind_text(st, 3, by ? collector : endpoint);
		(void)sqlite3_step(st);
		n = sqlite3_changes(o->db);
		sqlite3_finalize(st);
	}
	if (online == 1)
		resend_collections(o, endpoint, collector);
	orch_endpoints_due(o, endpoint, collector);
	return n;
}

void
orch_endpoints_due(struct orch *o, const char *endpoint,
    const char *collector)
{
	int by = endpoint == NULL;
	sqlite3_stmt *st;

	if ((by ? db_prep(o->db, "UPDATE assessment SET next_check = 0 WHERE "
	    ORCH_OPEN_SQL " AND endpoint IN (SELECT id FROM endpoint WHERE "
	    "collector = ?)", &st) : db_prep(o->db, "UPDATE assessment SET "
	    "next_check = 0 WHERE endpoint = ? AND " ORCH_OPEN_SQL, &st)) < 0)
		return;
	db_bind_text(st, 1, by ? collector : endpoint);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
}

void
orch_collected_due(struct orch *o, int n)
{
	sqlite3_stmt *st;

	if (db_prep(o->db, "UPDATE assessment SET next_check = 0 WHERE id IN "
	    "(SELECT id FROM assessment WHERE " ORCH_OPEN_SQL " AND "
	    "next_check > 0 AND state = 'collected' ORDER BY next_check "
	    "LIMIT ?)", &st) < 0)
		return;
	sqlite3_bind_int(st, 1, n);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
}
