/*
 * orch_approve.c - which endpoints the orchestrator acts on.
 *
 * An endpoint is approved, not trusted on first use.  A new endpoint, or
 * one that another account announces after its binding was rejected,
 * waits as "pending" until an operator approves or rejects it (sacmctl
 * endpoints approve|reject); the orchestrator assesses only approved
 * endpoints.  With auto_approve (the lab's convenience) an account's
 * first endpoint is approved at once; a second endpoint of the same
 * account always waits, so one account owns several endpoints only when
 * an operator said so (an agentless scanner, the fleet simulator), and an
 * endpoint an operator rejected once is never approved automatically.
 *
 * An administrator who revokes an account (sacmctl grid revoke) tells the
 * orchestrator too: the account's endpoints are rejected, their open
 * assessments fail, and whatever the account published before it lost
 * the grid is ignored.  Reinstating it leaves its endpoints pending, for
 * an operator to approve again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "grid.h"
#include "log.h"
#include "orch.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlutil.h"

#define MAX_IDS	256	/* endpoints per approve/reject request */

int
orch_endpoint_approved(struct orch *o, const char *id)
{
	sqlite3_stmt *st;
	int ok = 0;

	if (db_prep(o->db, "SELECT 1 FROM endpoint WHERE id = ? AND "
	    "approval = 'approved'", &st) < 0)
		return 0;
	db_bind_text(st, 1, id);
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return ok;
}

/*
 * The endpoint's approval on sacm/endpoints/approvals (item id: the
 * endpoint), for the posture repository and the dashboard, without
 * waiting: each publish is a new version, the broker's answer marks it
 * published, and one it did not take is published again
 * (orch_approvals_flush).
 */
static void
publish(struct orch *o, const char *id)
{
	static const char *const cols[] = { "endpoint", "account",
	    "approval", "decided", "by" };
	sqlite3_stmt *st;
	long long version = -1;
	struct buf b;
	char account[512];

	if (db_prep(o->db, "UPDATE endpoint SET approval_version = "
	    "approval_version + 1 WHERE id = ?", &st) < 0)
		return;
	db_bind_text(st, 1, id);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
	if (db_prep(o->db, "SELECT id, collector, approval, decided, "
	    "decided_by, approval_version FROM endpoint WHERE id = ?", &st) < 0)
		return;
	db_bind_text(st, 1, id);
	buf_init(&b, 8192);
	if (sqlite3_step(st) == SQLITE_ROW) {
		buf_adds(&b, "<endpoint-approval xmlns='" SACM_NS "'");
		for (int i = 0; i < 5; i++) {
			const char *v = (const char *)sqlite3_column_text(st,
			    i);

			if (i == 1) {	/* the account, not its resource */
				jid_bare(v, account, sizeof(account));
				v = account;
			}
			if (v && *v)
				buf_add_attr(&b, cols[i], v);
		}
		buf_adds(&b, "/>");
		version = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (version >= 0)
		orch_publish_version(o, TOPIC_APPROVALS, id, b.data, version,
		    "UPDATE endpoint SET approval_published = "
		    "max(approval_published, ?1) WHERE id = ?2",
		    "endpoint approval");
	buf_free(&b);
}

void
orch_approvals_flush(struct orch *o)
{
	sqlite3_stmt *st;
	char *ids[32];
	int k = 0;

	if (o->publishing > 0 || db_prep(o->db, "SELECT id FROM endpoint "
	    "WHERE approval_published < approval_version LIMIT 32", &st) < 0)
		return;
	while (k < 32 && sqlite3_step(st) == SQLITE_ROW)
		if ((ids[k] = db_column_dup(st, 0)) != NULL)
			k++;
	sqlite3_finalize(st);
	for (int i = 0; i < k; i++) {
		publish(o, ids[i]);
		free(ids[i]);
	}
}

char *
orch_endpoint_account(struct orch *o, const char *id)
{
	sqlite3_stmt *st;
	char *account = NULL;

	if (db_prep(o->db, "SELECT account FROM endpoint WHERE id = ?",
	    &st) < 0)
		return NULL;
	db_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		account = db_column_dup(st, 0);
	sqlite3_finalize(st);
	return account;
}

/* An endpoint approved just now: the datastream policies known apply to
 * it, and the assignments that cover it. */
static void
welcome(struct orch *o, const char *id)
{
	sqlite3_stmt *pl;
	char *account;

	/* its collector's presence, from now on */
	if ((account = orch_endpoint_account(o, id)) != NULL) {
		orch_presence_watch(o, account);
		free(account);
	}
	orch_vuln_welcome(o, id);

	if (db_prep(o->db, "SELECT id FROM policy WHERE kind = 'datastream' "
	    "AND trusted = 1", &pl) == 0) {
		while (sqlite3_step(pl) == SQLITE_ROW) {
			const char *pid = (const char *)
			    sqlite3_column_text(pl, 0);

			(void)orch_assess_policy(o, pid, NULL, NULL, 0,
			    "policy", pid, NULL, id);
		}
		sqlite3_finalize(pl);
	}
	orch_assign_endpoint(o, id);
}

/* Open assessments of a rejected endpoint end as failed. */
static void
fail_open(struct orch *o, const char *id, const char *why)
{
	sqlite3_stmt *st;
	char *v[64];
	size_t n = 0;

	if (db_prep(o->db, "SELECT id FROM assessment WHERE endpoint = ? AND "
	    ORCH_OPEN_SQL " LIMIT 64", &st) < 0)
		return;
	db_bind_text(st, 1, id);
	while (n < 64 && sqlite3_step(st) == SQLITE_ROW)
		v[n++] = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		if (v[i])
			(void)orch_fire(o, v[i], EV_FAIL,
			    &(struct orch_change){ .reason = why });
		free(v[i]);
	}
}

/* Sets the decision; 1 when it changed, 0 when it was so already,
 * -ENOENT for an unknown endpoint. */
static int
decide(struct orch *o, const char *id, const char *approval, const char *by)
{
	sqlite3_stmt *st;
	char now[32];
	int r;

	if (db_prep(o->db, "UPDATE endpoint SET approval = ?, decided = ?, "
	    "decided_by = ? WHERE id = ? AND approval != ?1", &st) < 0)
		return -EIO;
	time_iso(now, 0);
	db_bind_text(st, 1, approval);
	db_bind_text(st, 2, now);
	db_bind_text(st, 3, by);
	db_bind_text(st, 4, id);
	r = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(o->db) : -EIO;
	sqlite3_finalize(st);
	if (r == 0 && db_prep(o->db, "SELECT 1 FROM endpoint WHERE id = ?",
	    &st) == 0) {
		db_bind_text(st, 1, id);
		if (sqlite3_step(st) != SQLITE_ROW)
			r = -ENOENT;
		sqlite3_finalize(st);
	}
	if (r == 1) {
		log_info("endpoint %s %s by %s", id, approval, by);
		publish(o, id);
		if (strcmp(approval, "approved") == 0)
			welcome(o, id);
		else if (strcmp(approval, "rejected") == 0) {
			char why[600];

			snprintf(why, sizeof(why), "endpoint rejected by %s",
			    by);
			fail_open(o, id, why);
		}
	}
	return r;
}

/* How many endpoints the account (bare JID) has approved, but id. */
static int
owned(struct orch *o, const char *account, const char *id)
{
	sqlite3_stmt *st;
	int n = 1;

	if (db_prep(o->db, "SELECT count(*) FROM endpoint WHERE account = ? "
	    "AND approval = 'approved' AND id != ?", &st) < 0)
		return 1;
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

void
orch_endpoint_announced(struct orch *o, const char *id, const char *account)
{
	sqlite3_stmt *st;
	char *approval = NULL;
	int decided = 0;

	if (db_prep(o->db, "SELECT approval, decided_by IS NOT NULL FROM "
	    "endpoint WHERE id = ?", &st) < 0)
		return;
	db_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		approval = strdup((const char *)sqlite3_column_text(st, 0));
		decided = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (approval == NULL || strcmp(approval, "pending") != 0) {
		if (approval && strcmp(approval, "rejected") == 0)
			log_debug("endpoint %s: rejected; announcement from "
			    "%s ignored", id, account);
		free(approval);
		return;
	}
	free(approval);
	/* An operator who decided on this id once decides again. */
	if (o->conf.auto_approve && !decided && owned(o, account, id) == 0) {
		(void)decide(o, id, "approved", "auto_approve");
		return;
	}
	publish(o, id);
	log_warnx("endpoint %s announced by %s waits for an operator "
	    "(sacmctl endpoints approve %s)%s", id, account, id,
	    !o->conf.auto_approve ? "" : decided ? ": an operator decided "
	    "on it before" : ": the account has an approved endpoint "
	    "already");
}

int
orch_account_revoked(struct orch *o, const char *account)
{
	sqlite3_stmt *st;
	int r;

	if (db_prep(o->db, "SELECT 1 FROM revoked_account WHERE account = ?",
	    &st) < 0)
		return 1;	/* fail closed */
	db_bind_text(st, 1, account);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return r;
}

/* The endpoints whose collector is the account (bare JID), but those
 * with the given approval already. */
static size_t
endpoints_of(struct orch *o, const char *account, const char *approval,
    char **ids, size_t max)
{
	sqlite3_stmt *st;
	size_t n = 0;

	if (db_prep(o->db, "SELECT id FROM endpoint WHERE account = ? AND "
	    "approval != ? LIMIT ?", &st) < 0)
		return 0;
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, approval);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	while (n < max && sqlite3_step(st) == SQLITE_ROW)
		if ((ids[n] = strdup((const char *)sqlite3_column_text(st,
		    0))) != NULL)
			n++;
	sqlite3_finalize(st);
	return n;
}

/* <revoke account='JID'/> and <reinstate account='JID'/>: the answer
 * <account jid endpoints='N'/> counts the endpoints it changed. */
static int
revoke(struct orch *o, xmlNodePtr root, int on, const char *by,
    struct buf *reply)
{
	char *account = xml_prop(root, "account"), *ids[MAX_IDS], now[32];
	const char *approval = on ? "rejected" : "pending";
	char why[600];
	sqlite3_stmt *st;
	size_t n, changed = 0;

	if (account == NULL || strchr(account, '@') == NULL ||
	    strchr(account, '/') != NULL || strlen(account) > 500) {
		buf_adds(reply, "account='user@domain' is required");
		free(account);
		return -EINVAL;
	}
	if (db_prep(o->db, on ? "INSERT OR IGNORE INTO revoked_account "
	    "(account, revoked, by) VALUES (?, ?, ?)" : "DELETE FROM "
	    "revoked_account WHERE account = ?", &st) < 0) {
		free(account);
		return -EIO;
	}
	time_iso(now, 0);
	db_bind_text(st, 1, account);
	if (on) {
		db_bind_text(st, 2, now);
		db_bind_text(st, 3, by);
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		free(account);
		return -EIO;
	}
	sqlite3_finalize(st);
	snprintf(why, sizeof(why), "%s (account %s %s)", by, account,
	    on ? "revoked" : "reinstated");
	/* In rounds: an agentless scanner's account has many endpoints. */
	while ((n = endpoints_of(o, account, approval, ids, MAX_IDS)) > 0) {
		size_t round = 0;

		for (size_t i = 0; i < n; i++) {
			round += decide(o, ids[i], approval, why) == 1;
			free(ids[i]);
		}
		changed += round;
		if (round == 0)
			break;
	}
	log_warnx("account %s %s by %s: %zu endpoints %s", account,
	    on ? "revoked" : "reinstated", by, changed,
	    on ? "rejected" : "pending again");
	buf_adds(reply, "<account xmlns='" NS_ORCH "'");
	buf_add_attr(reply, "jid", account);
	buf_printf(reply, " endpoints='%zu'/>", changed);
	free(account);
	return 0;
}

/* <endpoints [approval='pending|approved|rejected']/>: the list. */
static int
list(struct orch *o, xmlNodePtr root, struct buf *reply)
{
	static const char *const cols[] = { "id", "hostname", "platform",
	    "collector", "approval", "decided", "decided_by", "updated" };
	char *which = xml_prop(root, "approval");
	sqlite3_stmt *st;

	if (db_prep(o->db, "SELECT id, hostname, platform, collector, "
	    "approval, decided, decided_by, updated FROM endpoint WHERE "
	    "?1 IS NULL OR approval = ?1 ORDER BY updated LIMIT 10000",
	    &st) < 0) {
		free(which);
		return -EIO;
	}
	db_bind_text(st, 1, which);
	buf_adds(reply, "<endpoints xmlns='" NS_ORCH "'>");
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_adds(reply, "<endpoint");
		db_row_attrs(reply, st, cols, 8);
		buf_adds(reply, "/>");
	}
	buf_adds(reply, "</endpoints>");
	sqlite3_finalize(st);
	free(which);
	return 0;
}

/* <approve><endpoint id/>...</approve> and <reject>...: each endpoint
 * with its approval afterwards (or error='unknown'). */
static int
set(struct orch *o, xmlNodePtr root, const char *approval, const char *by,
    struct buf *reply)
{
	size_t n = 0;
	int tx;

	if (xml_child(root, "endpoint", NS_ORCH) == NULL) {
		buf_adds(reply, "name the endpoints: <endpoint id=.../>");
		return -EINVAL;
	}
	for (xmlNodePtr e = root->children; e; e = e->next)
		n += xml_is(e, "endpoint", NS_ORCH);
	if (n > MAX_IDS) {
		buf_printf(reply, "at most %d endpoints in one request",
		    MAX_IDS);
		return -EINVAL;
	}
	n = 0;
	/* One commit for the batch: each decision's writes (the endpoint,
	 * its approval's version, its assessments) nest in it. */
	tx = db_batch_begin(o->db) == 0;
	buf_adds(reply, "<endpoints xmlns='" NS_ORCH "'>");
	for (xmlNodePtr e = root->children; e && n < MAX_IDS; e = e->next) {
		char *id;
		int r;

		if (!xml_is(e, "endpoint", NS_ORCH) ||
		    (id = xml_prop(e, "id")) == NULL)
			continue;
		n++;
		r = decide(o, id, approval, by);
		buf_adds(reply, "<endpoint");
		buf_add_attr(reply, "id", id);
		if (r < 0)
			buf_add_attr(reply, "error", r == -ENOENT ? "unknown" :
			    "internal");
		else
			buf_add_attr(reply, "approval", approval);
		buf_adds(reply, "/>");
		free(id);
	}
	buf_adds(reply, "</endpoints>");
	if (tx && db_commit(o->db) < 0) {
		db_rollback(o->db);
		/* what went out on sacm/endpoints/approvals is put right */
		for (xmlNodePtr e = root->children; e; e = e->next) {
			char *id = xml_is(e, "endpoint", NS_ORCH) ?
			    xml_prop(e, "id") : NULL;

			if (id)
				publish(o, id);
			free(id);
		}
		buf_reset(reply);
		buf_adds(reply, "the database refused the decisions; none "
		    "was made");
		return -EIO;
	}
	return 0;
}

int
orch_endpoints_request(struct orch *o, xmlNodePtr root, const char *type,
    const char *by, struct buf *reply)
{
	const char *name = (const char *)root->name;
	int s = strcmp(type, "set") == 0;

	if (strcmp(name, "endpoints") == 0 && !s)
		return list(o, root, reply);
	if (strcmp(name, "approve") == 0 && s)
		return set(o, root, "approved", by, reply);
	if (strcmp(name, "reject") == 0 && s)
		return set(o, root, "rejected", by, reply);
	if (strcmp(name, "revoke") == 0 && s)
		return revoke(o, root, 1, by, reply);
	if (strcmp(name, "reinstate") == 0 && s)
		return revoke(o, root, 0, by, reply);
	return -ENOENT;
}
