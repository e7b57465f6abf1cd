/*
 * orch_fix.c - remediation: an operator approves a fix for one endpoint,
 * its collector applies it and collects again, and the assessment goes
 * on to a new evaluation (docs/protocol.md, Remediation).
 *
 *   IQ <remediate/>                 an operator approves a script by its
 *                                   sha256: a new assessment (trigger
 *                                   remediation) that carries the fix
 *   sacm/remediation/requests       the tick publishes it once, instead of
 *                                   a collection request (orch_tick.c)
 *   sacm/remediation/results        the endpoint's own collector says how
 *                                   the script ran: remediating ->
 *                                   collecting, or failed if it refused
 *
 * A remediation is never sent twice: the collector runs a request at most
 * once, and a late or lost answer times the assessment out rather than
 * run the script again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "blob.h"
#include "db.h"
#include "log.h"
#include "orch.h"
#include "topics.h"
#include "xmlutil.h"

static int
policy_known(struct orch *o, const char *policy)
{
	return db_count(o->db, "SELECT count(*) FROM policy WHERE id = ?", 1,
	    policy) > 0;
}

/* <remediate xmlns=NS_ORCH endpoint= policy= [profile=] type='bash'
 * sha256= [evaluation=]><blob/></remediate> (an IQ set) */
int
orch_fix_request(struct orch *o, xmlNodePtr root, const char *type,
    const char *by, struct buf *reply)
{
	struct blob_ref ref;
	sqlite3_stmt *st;
	struct buf blob;
	char *ep, *pol, *prof, *ftype, *sha, *from, *id = NULL, key[64];
	char err[256];
	int r = -EINVAL;

	if (strcmp(type, "set") != 0) {
		buf_adds(reply, "remediate is an IQ set");
		return -EINVAL;
	}
	memset(&ref, 0, sizeof(ref));
	buf_init(&blob, 8192);
	ep = xml_prop(root, "endpoint");
	pol = xml_prop(root, "policy");
	prof = xml_prop(root, "profile");
	ftype = xml_prop(root, "type");
	sha = xml_prop(root, "sha256");
	from = xml_prop(root, "evaluation");
	if (ep == NULL || pol == NULL)
		buf_adds(reply, "endpoint and policy are required");
	else if (ftype == NULL || strcmp(ftype, "bash") != 0)
		buf_adds(reply, "a collector applies bash fixes only (type "
		    "'bash'); ansible and puppet fixes are for download");
	else if (!blob_sha256_ok(sha))
		buf_adds(reply, "sha256 must be 64 lowercase hex digits");
	else if (blob_ref_from_xml(xml_child(root, "blob", BLOB_NS), &ref,
	    err, sizeof(err)) < 0)
		buf_printf(reply, "the script's blob: %s", err);
	else if (!orch_endpoint_approved(o, ep)) {
		buf_adds(reply, "no such approved endpoint");
		r = -ENOENT;
	} else if (!policy_known(o, pol)) {
		buf_adds(reply, "no such policy");
		r = -ENOENT;
	} else
		r = 0;
	if (r < 0)
		goto out;
	(void)blob_ref_to_xml(&ref, &blob);
	snprintf(key, sizeof(key), "fix-%ld-%ld", (long)time(NULL), random());
	if ((r = orch_create(o, pol, prof && *prof ? prof : NULL, ep,
	    "remediation", key, &id)) < 0 || id == NULL || blob.data ==
	    NULL) {
		buf_adds(reply, "the assessment could not be stored");
		r = r < 0 ? r : -EIO;
		goto out;
	}
	r = -EIO;
	if (db_prep(o->db, "UPDATE assessment SET fix_blob = ?, fix_sha256 = ?,"
	    " fix_type = ?, fix_from = ?, fix_by = ?, version = version + 1 "
	    "WHERE id = ?", &st) == 0) {
		db_bind_text(st, 1, blob.data);
		db_bind_text(st, 2, sha);
		db_bind_text(st, 3, ftype);
		db_bind_text(st, 4, from);
		db_bind_text(st, 5, by);
		db_bind_text(st, 6, id);
		r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
		sqlite3_finalize(st);
	}
	if (r < 0) {
		(void)orch_fire(o, id, EV_FAIL, &(struct orch_change){
		    .reason = "the approved fix could not be stored" });
		buf_adds(reply, "the approved fix could not be stored");
		goto out;
	}
	log_info("assessment %s: %s approved a %s fix for %s (sha256 %.16s...)",
	    id, by, ftype, ep, sha);
	orch_publish_soon(o, id);
	buf_adds(reply, "<assessments xmlns='" NS_ORCH "'><assessment");
	buf_add_attr(reply, "id", id);
	buf_add_attr(reply, "endpoint", ep);
	buf_adds(reply, "/></assessments>");
out:
	blob_ref_free(&ref);
	buf_free(&blob);
	free(ep); free(pol); free(prof); free(ftype); free(sha); free(from);
	free(id);
	return r;
}

/* The approved fix of an assessment, as the remediation request carries
 * it: attributes into b (type, sha256, approved-by, evaluation) and the
 * blob element into blob.  0, or -ENOENT if it has none. */
int
orch_fix_of(struct orch *o, const char *id, struct buf *attrs,
    struct buf *blob)
{
	static const char *const names[] = { "type", "sha256", "approved-by",
	    "evaluation" };
	sqlite3_stmt *st;
	int r = -ENOENT;

	if (db_prep(o->db, "SELECT fix_type, fix_sha256, fix_by, fix_from, "
	    "fix_blob FROM assessment WHERE id = ? AND fix_blob IS NOT NULL",
	    &st) < 0)
		return -EIO;
	db_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < 4; i++)
			buf_add_attr(attrs, names[i], (const char *)
			    sqlite3_column_text(st, i));
		buf_adds(blob, (const char *)sqlite3_column_text(st, 4));
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

/* The account (bare JID) that announced the endpoint. */
/*
 * <remediation-result xmlns=SACM_NS endpoint= request= state=
 * [exit-code=] .../> on sacm/remediation/results, item id
 * "<endpoint>/<request>" (or "<endpoint>/<request>/<random>" when another
 * account held that id).  Taken only from the account that owns the
 * endpoint, and only for the request the assessment is waiting on.
 */
void
orch_fix_result(struct orch *o, const struct grid_event *ev)
{
	static const char *const ids[] = { "endpoint", "request", NULL };
	sqlite3_stmt *st;
	xmlDocPtr doc;
	xmlNodePtr root, rn;
	char err[256], pub[512], why[700], *ep = NULL, *req = NULL;
	char *state = NULL, *code = NULL, *aid = NULL, *reason = NULL;
	char *acct = NULL;
	const char *bad;
	size_t n;

	if ((doc = orch_event_doc(ev, "remediation-result", err,
	    sizeof(err))) == NULL) {
		log_warnx("remediation result %s ignored: %s", ev->item_id,
		    err);
		return;
	}
	root = xmlDocGetRootElement(doc);
	if (!xml_ids_ok(root, ids, &bad)) {
		log_warnx("remediation result %s ignored: %s is not an "
		    "identifier", ev->item_id, bad);
		goto out;
	}
	ep = xml_prop(root, "endpoint");
	req = xml_prop(root, "request");
	state = xml_prop(root, "state");
	code = xml_prop(root, "exit-code");
	if ((rn = xml_child(root, "reason", SACM_NS)) != NULL)
		reason = xml_text(rn);
	if (!ep || !req || !state || (strcmp(state, "applied") &&
	    strcmp(state, "failed") && strcmp(state, "refused"))) {
		log_warnx("remediation result %s ignored: endpoint, request "
		    "or state missing", ev->item_id);
		goto out;
	}
	/* the item id names the endpoint and the request it answers */
	n = strlen(ep);
	if (strncmp(ev->item_id, ep, n) != 0 || ev->item_id[n] != '/' ||
	    strncmp(ev->item_id + n + 1, req, strlen(req)) != 0 ||
	    !strchr("/", ev->item_id[n + 1 + strlen(req)])) {
		log_warnx("remediation result %s ignored: its id is not "
		    "<endpoint>/<request>", ev->item_id);
		goto out;
	}
	jid_bare(ev->publisher ? ev->publisher : "", pub, sizeof(pub));
	acct = orch_endpoint_account(o, ep);
	if (acct == NULL || strcasecmp(acct, pub)) {
		log_warnx("remediation result %s ignored: published by %s, "
		    "not by the account of endpoint %s", ev->item_id,
		    pub[0] ? pub : "nobody", ep);
		goto out;
	}
	/* how it went, whatever the state (the posture may have come
	 * first) */
	if (db_prep(o->db, "UPDATE assessment SET fix_state = ?, fix_exit = ?"
	    " WHERE collection = ? AND endpoint = ? AND fix_blob IS NOT NULL "
	    "AND fix_state IS NULL", &st) == 0) {
		db_bind_text(st, 1, state);
		if (code)
			sqlite3_bind_int(st, 2, atoi(code));
		db_bind_text(st, 3, req);
		db_bind_text(st, 4, ep);
		(void)sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (db_prep(o->db, "SELECT id FROM assessment WHERE collection = ? AND "
	    "endpoint = ? AND state = 'remediating'", &st) == 0) {
		db_bind_text(st, 1, req);
		db_bind_text(st, 2, ep);
		if (sqlite3_step(st) == SQLITE_ROW)
			aid = db_column_dup(st, 0);
		sqlite3_finalize(st);
	}
	if (aid == NULL)
		goto out;
	if (strcmp(state, "refused") == 0) {
		snprintf(why, sizeof(why), "the collector refused the fix: "
		    "%.600s", reason ? reason : "no reason given");
		(void)orch_fire(o, aid, EV_FAIL, &(struct orch_change){
		    .reason = why });
		goto out;
	}
	snprintf(why, sizeof(why), "the fix %s (exit status %s); collecting "
	    "again", strcmp(state, "applied") == 0 ? "ran" : "failed",
	    code ? code : "?");
	(void)orch_fire(o, aid, EV_REMEDIATED, &(struct orch_change){
	    .reason = why, .fix_state = state, .fix_exit = code ? atoi(code) :
	    -1, .deadline = (long)time(NULL) + o->conf.collect_timeout });
out:
	xmlFreeDoc(doc);
	free(ep); free(req); free(state); free(code); free(aid); free(reason);
	free(acct);
}
