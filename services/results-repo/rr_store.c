/*
 * rr_store.c - the results repository's sqlite database.
 *
 * One row per evaluation (its request id is unique: a result delivered
 * twice is stored once), one row per rule result, rule metadata once per
 * rule, the ARF once per digest (its skeleton gzip'ed, the parts it
 * shares with other evaluations once per digest: rr_arf.c), and
 * incidents: open from the evaluation where a rule started failing until
 * the one where it stopped.  The current state of each endpoint, policy
 * and profile is a row too, with a flag for whether sacm/results has it.
 */
#include <errno.h>
#include <stdio.h>

#include "db.h"
#include "log.h"
#include "rr.h"

static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE arf ("
	"  sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, gz BLOB NOT NULL);"
	"CREATE TABLE evaluation ("
	"  id INTEGER PRIMARY KEY,"
	"  request TEXT NOT NULL UNIQUE,"
	"  endpoint TEXT NOT NULL, hostname TEXT, assessment TEXT,"
	"  policy TEXT NOT NULL, profile TEXT NOT NULL DEFAULT '',"
	"  evaluator TEXT, state TEXT NOT NULL, reason TEXT,"
	"  evaluated TEXT, duration_ms INTEGER, received TEXT NOT NULL,"
	"  score REAL, max REAL,"
	"  pass INTEGER, fail INTEGER, error INTEGER, unknown INTEGER,"
	"  notapplicable INTEGER, notchecked INTEGER, informational INTEGER,"
	"  fixed INTEGER,"
	"  arf TEXT REFERENCES arf(sha256), arf_ref TEXT);"
	"CREATE INDEX evaluation_target ON evaluation(endpoint, policy, "
	"  profile, id);"
	"CREATE TABLE rule ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, title TEXT,"
	"  severity TEXT, idents TEXT);"
	"CREATE TABLE result ("
	"  evaluation INTEGER NOT NULL REFERENCES evaluation(id),"
	"  rule INTEGER NOT NULL REFERENCES rule(id),"
	"  result TEXT NOT NULL,"
	"  PRIMARY KEY (evaluation, rule));"
	"CREATE INDEX result_rule ON result(rule, result);"
	"CREATE TABLE current ("
	"  endpoint TEXT NOT NULL, policy TEXT NOT NULL, profile TEXT NOT NULL,"
	"  evaluation INTEGER NOT NULL REFERENCES evaluation(id),"
	"  published INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (endpoint, policy, profile));"
	"CREATE TABLE incident ("
	"  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
	"  endpoint TEXT NOT NULL, policy TEXT NOT NULL, profile TEXT NOT NULL,"
	"  rule INTEGER NOT NULL REFERENCES rule(id),"
	"  opened INTEGER NOT NULL REFERENCES evaluation(id),"
	"  closed INTEGER REFERENCES evaluation(id),"
	"  document TEXT NOT NULL, published INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX incident_open ON incident(endpoint, policy, profile, "
	"  rule) WHERE closed IS NULL;",
	/* 2: one result per assessment (rr_ingest.c answered()) */
	"CREATE INDEX evaluation_assessment ON evaluation(assessment) "
	"  WHERE assessment IS NOT NULL;",
	/* 3: what is still to publish, without reading every endpoint's
	 * current result or every incident at each turn (fleet scale) */
	"CREATE INDEX current_unpublished ON current(published) "
	"  WHERE published = 0;"
	"CREATE INDEX incident_unpublished ON incident(published) "
	"  WHERE published = 0;",
	/* 4: an ARF's shared parts once (rr_arf.c): the datastream and the
	 * OVAL definitions are most of every ARF (fleet scale) */
	"CREATE TABLE arf_part ("
	"  sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, gz BLOB NOT NULL);"
	"CREATE TABLE arf_splice ("
	"  arf TEXT NOT NULL REFERENCES arf(sha256), seq INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  part TEXT NOT NULL REFERENCES arf_part(sha256),"
	"  PRIMARY KEY (arf, seq));",
	/* 5: waivers (rr_waiver.c): a failed rule accepted, by whom, why
	 * and until when; each evaluation's counts and score with the
	 * waivers in force applied beside its own */
	"CREATE TABLE waiver ("
	"  id TEXT PRIMARY KEY, publisher TEXT NOT NULL,"
	"  policy TEXT, benchmark TEXT, profile TEXT,"
	"  all_endpoints INTEGER NOT NULL, reason TEXT NOT NULL, ticket TEXT,"
	"  granted TEXT NOT NULL, expires TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('active', 'expired', "
	"  'revoked')), changed TEXT NOT NULL, digest TEXT NOT NULL,"
	"  CHECK ((policy IS NULL) != (benchmark IS NULL)));"
	"CREATE INDEX waiver_due ON waiver(expires) WHERE state = 'active';"
	"CREATE TABLE waiver_rule ("
	"  waiver TEXT NOT NULL REFERENCES waiver(id), rule TEXT NOT NULL,"
	"  PRIMARY KEY (waiver, rule));"
	"CREATE INDEX waiver_rule_rule ON waiver_rule(rule);"
	"CREATE TABLE waiver_endpoint ("
	"  waiver TEXT NOT NULL REFERENCES waiver(id), endpoint TEXT NOT NULL,"
	"  PRIMARY KEY (waiver, endpoint));"
	"CREATE INDEX waiver_endpoint_endpoint ON waiver_endpoint(endpoint);"
	"CREATE TABLE waived_score ("
	"  key TEXT PRIMARY KEY, score REAL NOT NULL, max REAL NOT NULL);"
	"CREATE INDEX current_evaluation ON current(evaluation);"
	"ALTER TABLE evaluation ADD COLUMN benchmark TEXT;"
	"ALTER TABLE evaluation ADD COLUMN waived INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE evaluation ADD COLUMN wscore REAL;"
	"ALTER TABLE evaluation ADD COLUMN wpass INTEGER;"
	"ALTER TABLE evaluation ADD COLUMN wfail INTEGER;",
	/* 6: vulnerability results (rr_vuln.c): each result a scan, each
	 * definition true on an endpoint a finding, open until a scan
	 * where it is not; CVE ids indexed */
	"CREATE TABLE vuln_scan ("
	"  id INTEGER PRIMARY KEY, request TEXT NOT NULL UNIQUE,"
	"  endpoint TEXT NOT NULL, hostname TEXT, name TEXT NOT NULL,"
	"  definitions TEXT NOT NULL, evaluator TEXT, evaluated TEXT,"
	"  received TEXT NOT NULL, count INTEGER, vulnerable INTEGER,"
	"  newly INTEGER, fixed INTEGER, other INTEGER,"
	"  from_inventory INTEGER, needed_collection INTEGER);"
	"CREATE INDEX vuln_scan_endpoint ON vuln_scan(endpoint, name, id);"
	"CREATE TABLE vuln_finding ("
	"  id INTEGER PRIMARY KEY, endpoint TEXT NOT NULL, name TEXT NOT NULL,"
	"  definition TEXT NOT NULL, cves TEXT, package TEXT, installed TEXT,"
	"  fixed_version TEXT, severity TEXT, source TEXT,"
	"  first_scan INTEGER NOT NULL REFERENCES vuln_scan(id),"
	"  first_seen TEXT NOT NULL,"
	"  last_scan INTEGER NOT NULL REFERENCES vuln_scan(id),"
	"  fixed_scan INTEGER, fixed_at TEXT);"
	"CREATE UNIQUE INDEX vuln_finding_open ON vuln_finding(endpoint, name,"
	"  definition) WHERE fixed_at IS NULL;"
	"CREATE INDEX vuln_finding_first ON vuln_finding(first_scan);"
	"CREATE TABLE vuln_finding_cve ("
	"  finding INTEGER NOT NULL REFERENCES vuln_finding(id),"
	"  cve TEXT NOT NULL, PRIMARY KEY (cve, finding));",
	/* 7: evaluation requests as they came (rr_request.c), until their
	 * result is stored or a day has passed */
	"CREATE TABLE request ("
	"  id TEXT PRIMARY KEY, publisher TEXT NOT NULL,"
	"  payload TEXT NOT NULL, received INTEGER NOT NULL);"
	"CREATE INDEX request_received ON request(received);",
};

int
rr_store_open(struct rr *rr)
{
	char err[512];

	if (db_open(rr->conf.db, migrations, sizeof(migrations) /
	    sizeof(migrations[0]), &rr->db, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		return -EIO;
	}
	return 0;
}

/* Asked for every result notified and every id a recovery lists (10,000
 * of them at once). */
int
rr_result_stored(struct rr *rr, const char *request, size_t len)
{
	sqlite3_stmt *st;
	int r;

	if (db_prep_hot(rr->db, "SELECT 1 FROM evaluation WHERE request = ?1 "
	    "UNION ALL SELECT 1 FROM vuln_scan WHERE request = ?1", &st) < 0)
		return -EIO;
	sqlite3_bind_text(st, 1, request, (int)len, SQLITE_TRANSIENT);
	r = sqlite3_step(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		log_warnx("sqlite: %s", sqlite3_errmsg(rr->db));
	db_finish(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -EIO;
}

void
rr_store_close(struct rr *rr)
{
	db_close(rr->db);
	rr->db = NULL;
}

int
rr_step_done(struct rr *rr, sqlite3_stmt *st)
{
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;

	if (r < 0)
		log_warnx("sqlite: %s", sqlite3_errmsg(rr->db));
	db_finish(st);
	return r;
}
