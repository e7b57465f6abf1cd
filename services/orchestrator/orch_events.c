/*
 * orch_events.c - what starts and advances assessments.
 *
 *   sacm/policy            a new policy: assess every endpoint it applies
 *                          to (its platforms against theirs), with the
 *                          default profile
 *   sacm/endpoints         a new endpoint: assess it for the policies known
 *   sacm/posture/stored    collecting -> collected; an unsolicited report
 *                          whose posture changed: re-evaluate (no new
 *                          collection) what was assessed on that endpoint
 *   sacm/evaluation/results  evaluating -> complete (or failed)
 *   sacm/remediation/results remediating -> collecting (orch_fix.c)
 *   IQ <assess/>           an operator's request; <remediate/> in
 *                          orch_fix.c
 *
 * Every handler is idempotent: an item delivered twice (catch-up after a
 * reconnect or a restart) finds its assessment already moved, or already
 * created, and does nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "log.h"
#include "operation.h"
#include "orch.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

xmlDocPtr
orch_event_doc(const struct grid_event *ev, const char *root, char *err,
    size_t len)
{
	xmlDocPtr doc;

	if (xmlsafe_parse_root(ev->payload, ev->payload_len, 1 << 20, root,
	    SACM_NS, &doc, err, len) < 0)
		return NULL;
	return doc;
}

/* The profile to use when nobody said: the policy's profile whose id is
 * default_profile or ends in "_<default_profile>"; for a tailoring, its
 * first profile. */
static char *
default_profile(struct orch *o, xmlNodePtr pol)
{
	const char *want = o->conf.default_profile;
	char *kind = xml_prop(pol, "kind"), *found = NULL;
	int tailoring = kind && strcmp(kind, "tailoring") == 0;

	free(kind);
	for (xmlNodePtr p = pol->children; p && !found; p = p->next) {
		char *id;
		size_t n, w = want ? strlen(want) : 0;

		if (!xml_is(p, "profile", SACM_NS) ||
		    (id = xml_prop(p, "id")) == NULL)
			continue;
		n = strlen(id);
		if (tailoring || (want && (strcmp(id, want) == 0 || (n > w &&
		    id[n - w - 1] == '_' && strcmp(id + n - w, want) == 0))))
			found = id;
		else
			free(id);
	}
	return found;
}

/* Does an endpoint's platform fall under the policy's platforms? */
static int
applies(xmlNodePtr pol, const char *platform)
{
	int any = 0;

	for (xmlNodePtr p = pol->children; p; p = p->next) {
		char *cpe;
		int ok;

		if (!xml_is(p, "platform", SACM_NS) ||
		    (cpe = xml_prop(p, "cpe")) == NULL)
			continue;
		any = 1;
		ok = platform && strncmp(platform, cpe, strlen(cpe)) == 0;
		free(cpe);
		if (ok)
			return 1;
	}
	return !any;
}

static int
open_for(struct orch *o, const char *policy, const char *profile,
    const char *endpoint)
{
	return db_count(o->db, "SELECT count(*) FROM assessment WHERE "
	    "endpoint = ? AND " ORCH_OPEN_SQL " AND policy = ? AND "
	    "profile = ?", 3, endpoint, policy, profile) > 0;
}

int
orch_assess_policy(struct orch *o, const char *policy, const char *profile,
    char *const *endpoints, size_t n, const char *trigger, const char *key,
    struct buf *ids, const char *only)
{
	sqlite3_stmt *st;
	xmlDocPtr doc = NULL;
	xmlNodePtr pol;
	char err[256], *prof = NULL;
	int count = 0;

	if (db_prep(o->db, "SELECT announcement FROM policy WHERE id = ?", &st) <
	    0)
		return -EIO;
	db_bind_text(st, 1, policy);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);

		(void)xmlsafe_parse_root(a, strlen(a), 1 << 20, "policy",
		    SACM_NS, &doc, err, sizeof(err));
	}
	sqlite3_finalize(st);
	if (doc == NULL)
		return -ENOENT;
	pol = xmlDocGetRootElement(doc);
	if (profile == NULL && (prof = default_profile(o, pol)) == NULL) {
		log_info("policy %.12s: no %s profile; assess it with a profile "
		    "(sacmctl assess)", policy, o->conf.default_profile);
		xmlFreeDoc(doc);
		return 0;
	}
	/* one endpoint (just approved): its row, not all of them (10,000
	 * approvals read 50 million rows that way) */
	if (db_prep(o->db, only ? "SELECT id, platform FROM endpoint WHERE "
	    "id = ? AND approval = 'approved'" : "SELECT id, platform FROM "
	    "endpoint WHERE approval = 'approved' ORDER BY id", &st) < 0) {
		free(prof);
		xmlFreeDoc(doc);
		return -EIO;
	}
	if (only)
		db_bind_text(st, 1, only);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *ep = (const char *)sqlite3_column_text(st, 0);
		const char *plat = (const char *)sqlite3_column_text(st, 1);
		int named = n == 0, made;
		char *id;

		for (size_t i = 0; i < n; i++)
			if (strcmp(endpoints[i], ep) == 0)
				named = 1;
		if (!named || (n == 0 && !applies(pol, plat)) ||
		    (only && strcmp(only, ep) != 0))
			continue;
		/* A scheduled run does not queue behind one still open (an
		 * endpoint offline for days gets one assessment, not one per
		 * run). */
		if (strcmp(trigger, "schedule") == 0 && open_for(o, policy,
		    profile ? profile : prof, ep))
			continue;
		if (count >= o->conf.max_per_trigger) {
			log_warnx("policy %.12s (%s): over "
			    "max_assessments_per_trigger (%ld); the other "
			    "endpoints are not assessed this time", policy,
			    trigger, o->conf.max_per_trigger);
			break;
		}
		made = orch_create(o, policy, profile ? profile : prof, ep,
		    trigger, key, &id);
		if (made >= 0 && id && ids) {
			buf_adds(ids, "<assessment");
			buf_add_attr(ids, "id", id);
			buf_add_attr(ids, "endpoint", ep);
			buf_adds(ids, "/>");
		}
		count += made > 0;
		free(id);
	}
	sqlite3_finalize(st);
	free(prof);
	xmlFreeDoc(doc);
	return count;
}

static void
policy_in(struct orch *o, const struct grid_event *ev)
{
	sqlite3_stmt *st;
	xmlDocPtr doc;
	xmlNodePtr root;
	static const char *const policy_ids[] = { "id", "base", NULL };
	char err[256], now[32], *id, *kind, *base, *source, *trusted_s;
	const char *bad;
	int fresh, trusted;

	if ((doc = orch_event_doc(ev, "policy", err, sizeof(err))) == NULL) {
		log_warnx("policy %s ignored: %s", ev->item_id, err);
		return;
	}
	root = xmlDocGetRootElement(doc);
	if (!xml_ids_ok(root, policy_ids, &bad)) {
		log_warnx("policy %s ignored: %s is not an identifier",
		    ev->item_id, bad);
		xmlFreeDoc(doc);
		return;
	}
	id = xml_prop(root, "id");
	kind = xml_prop(root, "kind");
	base = xml_prop(root, "base");
	source = xml_prop(root, "source");
	trusted_s = xml_prop(root, "trusted");
	xmlFreeDoc(doc);
	/* Content an operator submitted, or from a feed marked trusted, is
	 * assessed at once; other feeds' content waits for an operator. */
	trusted = !(source && strcmp(source, "rolie") == 0) ||
	    (trusted_s && strcmp(trusted_s, "true") == 0);
	if (id == NULL || strcmp(id, ev->item_id) != 0) {
		log_warnx("policy %s ignored: the item id is not its id",
		    ev->item_id);
		goto out;
	}
	if (db_prep(o->db, "INSERT OR IGNORE INTO policy (id, kind, base, "
	    "announcement, received, trusted) VALUES (?,?,?,?,?,?)", &st) < 0)
		goto out;
	time_iso(now, 0);
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, base);
	sqlite3_bind_text(st, 4, ev->payload, (int)ev->payload_len,
	    SQLITE_TRANSIENT);
	db_bind_text(st, 5, now);
	sqlite3_bind_int(st, 6, trusted);
	fresh = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(o->db) > 0;
	sqlite3_finalize(st);
	if (fresh && !trusted)
		log_warnx("policy %.12s came from a feed that is not trusted: "
		    "not assessed until an operator assesses or assigns it "
		    "(sacmctl assess|assign %s), or marks the feed trusted",
		    id, id);
	else if (fresh) {
		log_info("policy %.12s (%s): %d assessment(s) requested", id,
		    kind ? kind : "?", orch_assess_policy(o, id, NULL, NULL, 0,
		    "policy", id, NULL, NULL));
		orch_assign_policy(o, id);
	}
out:
	free(id); free(kind); free(base); free(source); free(trusted_s);
}

/*
 * An endpoint announcement counts only from the collector account it
 * names, as the broker names the publisher (pubsub#itemreply), and only
 * for an endpoint that is new or already that account's: an announcement
 * with a collector JID pointing anywhere else would mark the endpoint
 * offline and stop its assessments.
 */
static int
bound(struct orch *o, const struct grid_event *ev, xmlNodePtr root,
    const char *id)
{
	char pub[512], col[512], was[512] = "";
	char *c = xml_prop(root, "collector"), *approval = NULL;
	sqlite3_stmt *st;
	int ok = 1;

	jid_bare(ev->publisher, pub, sizeof(pub));
	jid_bare(c, col, sizeof(col));
	if (ev->publisher == NULL || c == NULL || strcasecmp(pub, col) != 0) {
		log_warnx("endpoint %s ignored: published by %s, naming "
		    "collector %s", ev->item_id, ev->publisher ? pub : "?",
		    c ? col : "(none)");
		ok = 0;
	} else if (id && db_prep(o->db, "SELECT collector, approval FROM "
	    "endpoint WHERE id = ?", &st) == 0) {
		db_bind_text(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_text(st, 0)) {
			jid_bare((const char *)sqlite3_column_text(st, 0), was,
			    sizeof(was));
			approval = strdup((const char *)
			    sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
		if (was[0] && strcasecmp(was, pub) != 0 && approval &&
		    strcmp(approval, "rejected") == 0) {
			/* A rejected binding does not keep the id from the
			 * account it belongs to: a new one, pending. */
			log_warnx("endpoint %s (rejected for %s) announced by "
			    "%s: pending again", id, was, pub);
			ok = 2;
		} else if (was[0] && strcasecmp(was, pub) != 0) {
			log_warnx("endpoint %s ignored: it belongs to %s, not "
			    "%s", id, was, pub);
			ok = 0;
		}
	}
	free(c);
	free(approval);
	return ok;
}

static void
endpoint_in(struct orch *o, const struct grid_event *ev)
{
	sqlite3_stmt *st;
	xmlDocPtr doc;
	xmlNodePtr root;
	char err[256], now[32], *id, pub[512];
	int b;

	if ((doc = orch_event_doc(ev, "endpoint", err, sizeof(err))) == NULL) {
		log_warnx("endpoint %s ignored: %s", ev->item_id, err);
		return;
	}
	root = xmlDocGetRootElement(doc);
	id = xml_prop(root, "id");
	if (id == NULL || strcmp(id, ev->item_id) != 0) {
		log_warnx("endpoint %s ignored: the item id is not the "
		    "endpoint id", ev->item_id);
		goto out;
	}
	if ((b = bound(o, ev, root, id)) == 0)
		goto out;
	/* After the binding: nobody spends another account's budget. */
	if (o->announcements && !ratelimit_allow(o->announcements, id,
	    ratelimit_now())) {
		log_warnx("endpoint %s: announcement over "
		    "max_announcements_per_minute (%ld); ignored", id,
		    o->conf.max_announcements);
		goto out;
	}
	/* New: pending; a rejected one taken over (b == 2): pending again. */
	if (db_prep(o->db, "INSERT INTO "
	    "endpoint (id, hostname, platform, collector, updated, approval, "
	    "account) VALUES (?,?,?,?,?,'pending',?7) ON CONFLICT(id) DO "
	    "UPDATE SET hostname = excluded.hostname, platform = "
	    "excluded.platform, collector = excluded.collector, account = "
	    "excluded.account, updated = excluded.updated, "
	    "online = 1, checked = 0, answered = 0, offline_since = NULL, "
	    "approval = CASE "
	    "WHEN ?6 THEN 'pending' ELSE approval END", &st) == 0) {
		char *h = xml_prop(root, "hostname"), *p = xml_prop(root,
		    "platform"), *c = xml_prop(root, "collector");

		char acct[512];

		time_iso(now, 0);
		jid_bare(c, acct, sizeof(acct));
		db_bind_text(st, 1, id);
		db_bind_text(st, 2, h);
		db_bind_text(st, 3, p);
		db_bind_text(st, 4, c);
		db_bind_text(st, 5, now);
		sqlite3_bind_int(st, 6, b == 2);
		db_bind_text(st, 7, acct);
		b = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
		free(h); free(p); free(c);
		jid_bare(ev->publisher, pub, sizeof(pub));
		if (b) {
			orch_endpoint_announced(o, id, pub);
			/* Back: what waited for it is due now. */
			orch_endpoints_due(o, id, NULL);
		}
	}
out:
	free(id);
	xmlFreeDoc(doc);
}

/* A change event starts an assessment for an approved endpoint within its
 * rate. */
static int
change_allowed(struct orch *o, const char *ep)
{
	if (!orch_endpoint_approved(o, ep))
		return 0;
	if (o->changes && !ratelimit_allow(o->changes, ep, ratelimit_now())) {
		log_warnx("endpoint %s: change event over "
		    "max_changes_per_minute (%ld); not assessed", ep,
		    o->conf.max_changes);
		return 0;
	}
	return 1;
}

static void
posture_in(struct orch *o, const struct grid_event *ev)
{
	sqlite3_stmt *st;
	xmlDocPtr doc;
	xmlNodePtr root;
	static const char *const posture_ids[] = { "endpoint", "request",
	    "policy", "profile", NULL };
	char err[256], *ep, *req, *state, *changed, *reason_s = NULL;
	char *pol, *prof, *aid = NULL;
	const char *bad;

	if ((doc = orch_event_doc(ev, "posture-stored", err,
	    sizeof(err))) == NULL) {
		log_warnx("stored posture %s ignored: %s", ev->item_id, err);
		return;
	}
	root = xmlDocGetRootElement(doc);
	if (!xml_ids_ok(root, posture_ids, &bad)) {
		log_warnx("stored posture %s ignored: %s is not an identifier",
		    ev->item_id, bad);
		xmlFreeDoc(doc);
		return;
	}
	orch_vulneval_stored(o, root);
	ep = xml_prop(root, "endpoint");
	req = xml_prop(root, "request");
	state = xml_prop(root, "state");
	changed = xml_prop(root, "changed");
	pol = xml_prop(root, "policy");
	prof = xml_prop(root, "profile");
	if (xml_child(root, "reason", SACM_NS))
		reason_s = (char *)xmlNodeGetContent(xml_child(root, "reason",
		    SACM_NS));
	xmlFreeDoc(doc);
	if (!ep || !req || !state)
		goto out;
	/* requested too: a request sent again (its collector came back)
	 * may find the first answer already on its way */
	if (db_prep(o->db, "SELECT id FROM assessment WHERE collection = ? AND "
	    "endpoint = ? AND state IN ('requested', 'collecting', "
	    "'remediating')", &st) ==
	    0) {
		db_bind_text(st, 1, req);
		db_bind_text(st, 2, ep);
		if (sqlite3_step(st) == SQLITE_ROW)
			aid = strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	if (aid) {
		if (strcmp(state, "collected") != 0)
			(void)orch_fire(o, aid, EV_FAIL, &(struct orch_change){
			    .reason = reason_s ? reason_s :
			    "the collection failed" });
		else
			(void)orch_fire(o, aid, EV_POSTURE, &(struct
			    orch_change){ .posture = ev->payload,
			    .posture_len = ev->payload_len });
	} else if (orch_vuln_posture(o, req, ep, state, ev->item_id,
	    reason_s)) {
		/* a targeted collection's */
	} else if (strncmp(req, "change-", 7) == 0 && changed &&
	    strcmp(changed, "true") == 0 && strcmp(state, "collected") == 0 &&
	    pol && db_count(o->db, "SELECT count(*) FROM vuln_defs WHERE id = "
	    "?", 1, pol) == 0 && change_allowed(o, ep)) {
		/* (a targeted collection repeated brought a new inventory:
		 * orch_vulneval_stored took it) */
		/* The endpoint changed: evaluate again what was assessed. */
		char *id = NULL;

		if (orch_create(o, pol, prof, ep, "change", ev->item_id,
		    &id) == 1 && orch_fire(o, id, EV_POSTURE, &(struct
		    orch_change){ .posture = ev->payload,
		    .posture_len = ev->payload_len }) == 0)
			log_info("assessment %s: evaluated again, no new "
			    "collection (posture changed on %s)", id, ep);
		free(id);
	}
out:
	free(ep); free(req); free(state); free(changed); free(aid);
	free(pol); free(prof); xmlFree(reason_s);
}

static void
result_in(struct orch *o, const struct grid_event *ev)
{
	sqlite3_stmt *st;
	xmlDocPtr doc;
	xmlNodePtr root, rn;
	char err[256], *state, *aid = NULL, pub[512], by[512] = "", req[256];
	xmlChar *reason = NULL;

	/* "<request>" or, when another account held that id,
	 * "<request>/<random>" (docs/protocol.md) */
	snprintf(req, sizeof(req), "%.*s", (int)strcspn(ev->item_id, "/"),
	    ev->item_id);
	if (strncmp(req, "v-", 2) == 0) {
		orch_vulneval_result(o, ev);
		return;
	}
	if ((doc = orch_event_doc(ev, "evaluation-result", err,
	    sizeof(err))) == NULL) {
		log_warnx("evaluation result %s ignored: %s", ev->item_id, err);
		return;
	}
	root = xmlDocGetRootElement(doc);
	state = xml_prop(root, "state");
	if ((rn = xml_child(root, "reason", SACM_NS)) != NULL)
		reason = xmlNodeGetContent(rn);
	xmlFreeDoc(doc);
	if (db_prep(o->db, "SELECT id, evaluator FROM assessment WHERE "
	    "evaluation = ? AND state = 'evaluating'", &st) == 0) {
		db_bind_text(st, 1, req);
		if (sqlite3_step(st) == SQLITE_ROW) {
			aid = strdup((const char *)sqlite3_column_text(st, 0));
			if (sqlite3_column_text(st, 1))
				snprintf(by, sizeof(by), "%s", (const char *)
				    sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
	}
	/* Only the evaluator it is assigned to now answers a request (one
	 * it was taken from may still publish; the results repository
	 * refuses that too). */
	jid_bare(ev->publisher ? ev->publisher : "", pub, sizeof(pub));
	if (aid && by[0] && strcasecmp(by, pub) != 0) {
		log_warnx("evaluation result %s ignored: published by %s, "
		    "assigned to %s", ev->item_id, pub[0] ? pub : "nobody",
		    by);
		free(aid);
		aid = NULL;
	}
	if (aid)	/* its evaluator has room for the next */
		orch_collected_due(o, 1);
	if (aid && state && strcmp(state, "complete") == 0)
		(void)orch_fire(o, aid, EV_RESULT, NULL);
	else if (aid) {
		/* A failed evaluation may be passing (an evaluator killed at
		 * its time limit): evaluated again while attempts remain. */
		char why[600];
		int attempts = 0;

		if (db_prep(o->db, "SELECT attempts FROM assessment WHERE id = ?",
		    &st) == 0) {
			db_bind_text(st, 1, aid);
			if (sqlite3_step(st) == SQLITE_ROW)
				attempts = sqlite3_column_int(st, 0);
			sqlite3_finalize(st);
		}
		snprintf(why, sizeof(why), "%.500s%s", reason ? (char *)reason :
		    "the evaluation failed", attempts < o->conf.retries ?
		    "; evaluating again" : "");
		(void)orch_fire(o, aid, attempts < o->conf.retries ?
		    EV_RETRY : EV_FAIL, &(struct orch_change){ .reason = why });
	}
	free(aid);
	free(state);
	xmlFree(reason);
}

void
orch_on_event(struct grid *g, const struct grid_event *ev, void *arg)
{
	struct orch *o = arg;

	(void)g;
	char pub[512];

	if (ev->retract || ev->payload == NULL || strlen(ev->item_id) > 600)
		return;
	/* What a revoked account had queued before it lost the grid. */
	jid_bare(ev->publisher, pub, sizeof(pub));
	if (ev->publisher && orch_account_revoked(o, pub)) {
		log_warnx("%s item %s ignored: %s is revoked", ev->node,
		    ev->item_id, pub);
		return;
	}
	if (strcmp(ev->node, TOPIC_POLICY) == 0)
		policy_in(o, ev);
	else if (strcmp(ev->node, TOPIC_ENDPOINTS) == 0)
		endpoint_in(o, ev);
	else if (strcmp(ev->node, TOPIC_POSTURE_STORED) == 0)
		posture_in(o, ev);
	else if (strcmp(ev->node, TOPIC_EVALUATION_RESULTS) == 0)
		result_in(o, ev);
	else if (strcmp(ev->node, TOPIC_REMEDIATION_RESULTS) == 0)
		orch_fix_result(o, ev);
	else if (strcmp(ev->node, TOPIC_VULN_DEFS) == 0)
		orch_vuln_in(o, ev);
}

/* Is from (a full JID) in the list (bare JIDs)? */
static int
listed(const char *list, const char *from)
{
	const char *p = list;
	size_t n = from ? strcspn(from, "/") : 0;

	while (p && *p && n) {
		size_t w;

		p += strspn(p, " \t,");
		w = strcspn(p, " \t,");
		if (w == n && strncmp(p, from, n) == 0)
			return 1;
		p += w;
	}
	return 0;
}

/* <assess xmlns=NS_ORCH policy='ID' [profile='P']><endpoint id='E'/>
 * ...</assess>: an operator's request; the answer lists the assessments. */
static int
assess(struct orch *o, xmlNodePtr root, const char *from, struct buf *reply)
{
	char *policy, *profile, *eps[64], key[64];
	struct buf ids;
	size_t n = 0;
	int r;

	policy = xml_prop(root, "policy");
	profile = xml_prop(root, "profile");
	for (xmlNodePtr e = root->children; e && n < 64; e = e->next)
		if (xml_is(e, "endpoint", NS_ORCH) &&
		    (eps[n] = xml_prop(e, "id")) != NULL)
			n++;
	/* Each request is new work: the key makes it distinct. */
	snprintf(key, sizeof(key), "request-%ld-%ld", (long)time(NULL),
	    random());
	buf_init(&ids, reply->max);
	r = policy ? orch_assess_policy(o, policy, profile, eps, n,
	    "request", key, &ids, NULL) : -EINVAL;
	if (r == -ENOENT || r == -EINVAL)
		buf_adds(reply, policy ? "no such policy" : "policy is "
		    "required");
	else if (r >= 0) {
		buf_adds(reply, "<assessments xmlns='" NS_ORCH "'>");
		if (ids.data)
			buf_adds(reply, ids.data);
		buf_adds(reply, "</assessments>");
		r = 0;
	}
	log_info("operator %s: assess %.12s: %d", from, policy ? policy :
	    "?", r);
	buf_free(&ids);
	for (size_t i = 0; i < n; i++)
		free(eps[i]);
	free(policy);
	free(profile);
	return r;
}

static void
recorded(struct grid *g, int status, void *arg)
{
	(void)arg;
	if (status < 0)
		log_warnx("an operation was not recorded on %s: %s",
		    TOPIC_OPERATIONS, grid_errstr(g));
}

/* A request that changes something, on sacm/operations (the audit
 * trail's): who asked for what, and how it ended. */
static void
record(struct orch *o, xmlNodePtr root, const char *by, int r)
{
	static const char *const changes[] = { "assess", "assign",
	    "unassign", "approve", "reject", "revoke", "reinstate",
	    "remediate", NULL };
	static const char *const attrs[] = { "policy", "profile", "id",
	    "account", "endpoint", "type", "sha256", "evaluation", NULL };
	const char *name = (const char *)root->name;
	char id[40];
	struct buf b;
	size_t n = 0;
	int change = 0;

	for (size_t i = 0; changes[i]; i++)
		change |= strcmp(name, changes[i]) == 0;
	if (!change)
		return;
	for (xmlNodePtr e = root->children; e; e = e->next)
		n += xml_is(e, "endpoint", NS_ORCH);
	buf_init(&b, 8192);
	op_open(&b, name, by);
	for (size_t i = 0; attrs[i]; i++) {
		char *v = xml_prop(root, attrs[i]);

		if (v && strlen(v) <= 512)
			buf_add_attr(&b, attrs[i], v);
		free(v);
	}
	if (n)
		buf_printf(&b, " endpoints='%zu'", n);
	if (op_close(&b, r == 0 ? "ok" : strerror(-r), id) < 0 ||
	    b.data == NULL || pubsub_publish_async(o->g, TOPIC_OPERATIONS, id,
	    b.data, recorded, NULL) < 0)
		log_warnx("operator %s: %s not recorded on %s", by, name,
		    TOPIC_OPERATIONS);
	buf_free(&b);
}

/* Operators' requests in NS_ORCH: assess (set), assign (set), unassign
 * (set), assignments (get). */
int
orch_on_request(struct grid *g, const struct grid_request *req,
    struct buf *reply, void *arg)
{
	static const char *const ids[] = { "id", "policy", "profile", NULL };
	struct orch *o = arg;
	xmlDocPtr doc;
	xmlNodePtr root;
	char err[256], by[512];
	const char *bad, *name;
	int r, admin, revocation;

	(void)g;
	admin = listed(o->conf.admins, req->from);
	if (!admin && !listed(o->conf.operators, req->from)) {
		buf_adds(reply, "only operators may request assessments");
		log_warnx("request refused: %s is not an operator",
		    req->from ? req->from : "?");
		return -EACCES;
	}
	if (xmlsafe_parse_root(req->payload, req->payload_len, 65536,
	    NULL, NS_ORCH, &doc, err, sizeof(err)) < 0) {
		buf_adds(reply, err);
		return -EINVAL;
	}
	root = xmlDocGetRootElement(doc);
	if (!xml_ids_ok(root, ids, &bad)) {
		buf_printf(reply, "%s is not an identifier", bad);
		log_warnx("request from %s refused: %s is not an identifier",
		    req->from, bad);
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	snprintf(by, sizeof(by), "%.*s", (int)strcspn(req->from, "/"),
	    req->from);
	/* Revoking an account is the administrator's act, and the only
	 * one an administrator asks of the orchestrator. */
	name = (const char *)root->name;
	revocation = strcmp(name, "revoke") == 0 ||
	    strcmp(name, "reinstate") == 0;
	if (revocation ? !admin : !listed(o->conf.operators, req->from)) {
		buf_adds(reply, revocation ? "only grid administrators may "
		    "revoke or reinstate an account" : "only operators may "
		    "request assessments");
		log_warnx("request refused: %s may not ask for %s", by, name);
		xmlFreeDoc(doc);
		return -EACCES;
	}
	if ((r = orch_endpoints_request(o, root, req->type, by, reply)) !=
	    -ENOENT) {
		log_info("%s %s: %s: %d", admin && revocation ?
		    "administrator" : "operator", by, name, r);
	} else if (strcmp((const char *)root->name, "assess") == 0) {
		if (strcmp(req->type, "set") == 0)
			r = assess(o, root, req->from, reply);
		else {
			buf_adds(reply, "assess is an IQ set");
			r = -EINVAL;
		}
	} else if (strcmp(name, "remediate") == 0)
		r = orch_fix_request(o, root, req->type, by, reply);
	else
		r = orch_assign_request(o, root, req->type, by, reply);
	if (strcmp(req->type, "set") == 0)
		record(o, root, by, r);
	xmlFreeDoc(doc);
	return r;
}
