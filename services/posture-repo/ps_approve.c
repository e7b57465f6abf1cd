/*
 * ps_approve.c - whose posture counts: the orchestrator's approvals.
 *
 * The orchestrator publishes each endpoint's approval on
 * sacm/endpoints/approvals (docs/protocol.md, "Approval").  Only items
 * the orchestrator's account published count.  With require_approval
 * (the default) a report is stored only for an approved endpoint and only
 * from the account it was approved for; an approval for an account other
 * than the one that first announced the endpoint (an id squatted, then
 * rejected by an operator) moves the endpoint to that account.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "log.h"
#include "ps.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

static int
check(struct ps *ps, const char *endpoint, const char *account, char *err,
    size_t errlen)
{
	sqlite3_stmt *st;
	int r = -EPERM;

	if (db_prep(ps->db, "SELECT account, approval FROM approval WHERE "
	    "endpoint = ?", &st) < 0)
		return -EIO;
	db_bind_text(st, 1, endpoint);
	if (sqlite3_step(st) != SQLITE_ROW)
		snprintf(err, errlen, "endpoint %.128s is not approved (no "
		    "approval on " TOPIC_APPROVALS ")", endpoint);
	else {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		const char *s = (const char *)sqlite3_column_text(st, 1);

		if (strcmp(s, "approved") != 0)
			snprintf(err, errlen, "endpoint %.128s is %s, not "
			    "approved", endpoint, s);
		else if (account == NULL || strcasecmp(a, account) != 0)
			snprintf(err, errlen, "endpoint %.128s is approved for "
			    "%s, not %s", endpoint, a, account ? account :
			    "an unnamed publisher");
		else
			r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int
ps_approval_other(struct ps *ps, const char *endpoint, const char *account,
    char *owner, size_t len)
{
	sqlite3_stmt *st;
	int other = 0;

	if (!ps->conf.require_approval || db_prep(ps->db, "SELECT account FROM "
	    "approval WHERE endpoint = ? AND approval != 'rejected'", &st) < 0)
		return 0;
	db_bind_text(st, 1, endpoint);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);

		other = account == NULL || strcasecmp(a, account) != 0;
		snprintf(owner, len, "%s", a);
	}
	sqlite3_finalize(st);
	return other;
}

static int
fetched(const struct grid_event *ev, void *arg)
{
	ps_approval_in(arg, ev);
	return 1;
}

int
ps_approved(struct ps *ps, const char *endpoint, const char *account,
    char *err, size_t errlen)
{
	if (!ps->conf.require_approval ||
	    check(ps, endpoint, account, err, errlen) == 0)
		return 0;
	/* Missed while away (a restart catches up only the newest items):
	 * the broker has the current one. */
	(void)pubsub_items(ps->g, TOPIC_APPROVALS, endpoint, 0, fetched, ps);
	return check(ps, endpoint, account, err, errlen);
}

static int
store(struct ps *ps, const char *endpoint, const char *account,
    const char *approval, const char *decided, const char *by)
{
	sqlite3_stmt *st;
	char now[32];
	int r;

	if (db_prep(ps->db, "INSERT INTO approval (endpoint, account, "
	    "approval, decided, by, updated) VALUES (?,?,?,?,?,?) ON "
	    "CONFLICT(endpoint) DO UPDATE SET account = excluded.account, "
	    "approval = excluded.approval, decided = excluded.decided, by = "
	    "excluded.by, updated = excluded.updated", &st) < 0)
		return -EIO;
	time_iso(now, 0);
	db_bind_text(st, 1, endpoint);
	db_bind_text(st, 2, account);
	db_bind_text(st, 3, approval);
	db_bind_text(st, 4, decided);
	db_bind_text(st, 5, by);
	db_bind_text(st, 6, now);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	return r;
}

/* The endpoint now belongs to account; 1 when that moved it. */
static int
rebind(struct ps *ps, const char *endpoint, const char *account)
{
	sqlite3_stmt *st;
	int moved = 0;

	if (db_prep(ps->db, "UPDATE endpoint SET publisher = ?1 WHERE id = ?2 "
	    "AND (publisher IS NULL OR lower(publisher) != lower(?1))",
	    &st) < 0)
		return 0;
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, endpoint);
	if (sqlite3_step(st) == SQLITE_DONE)
		moved = sqlite3_changes(ps->db) > 0;
	sqlite3_finalize(st);
	return moved;
}

void
ps_approval_in(struct ps *ps, const struct grid_event *ev)
{
	static const char *const ids[] = { "endpoint", NULL };
	static const char *const states[] = { "pending", "approved",
	    "rejected", NULL };
	char pub[512], err[512], *ep = NULL, *account = NULL, *state = NULL;
	char *decided = NULL, *by = NULL;
	const char *bad;
	xmlDocPtr doc;
	xmlNodePtr root;
	int known = 0;

	jid_bare(ev->publisher, pub, sizeof(pub));
	if (ev->publisher == NULL || strcasecmp(pub,
	    ps->conf.orchestrator) != 0) {
		log_warnx("approval %s ignored: published by %s, not the "
		    "orchestrator (%s)", ev->item_id, ev->publisher ? pub :
		    "an unnamed publisher", ps->conf.orchestrator);
		return;
	}
	if (xmlsafe_parse_root(ev->payload, ev->payload_len, 65536,
	    "endpoint-approval", SACM_NS, &doc, err, sizeof(err)) < 0) {
		log_warnx("approval %s ignored: %s", ev->item_id, err);
		return;
	}
	root = xmlDocGetRootElement(doc);
	if (xml_ids_ok(root, ids, &bad)) {
		ep = xml_prop(root, "endpoint");
		account = xml_prop(root, "account");
		state = xml_prop(root, "approval");
		decided = xml_prop(root, "decided");
		by = xml_prop(root, "by");
	}
	xmlFreeDoc(doc);
	for (size_t i = 0; state && states[i]; i++)
		known |= strcmp(state, states[i]) == 0;
	if (ep == NULL || strcmp(ep, ev->item_id) != 0 || account == NULL ||
	    strchr(account, '@') == NULL || !known)
		log_warnx("approval %s ignored: endpoint (the item id), "
		    "account and approval are required", ev->item_id);
	else if (store(ps, ep, account, state, decided, by) < 0)
		ps_keep(ps, ev);
	else {
		log_info("endpoint %s: %s for %s%s%s", ep, state, account,
		    by ? " by " : "", by ? by : "");
		if (strcmp(state, "approved") == 0 && rebind(ps, ep,
		    account)) {
			log_warnx("endpoint %s now belongs to %s (approved)",
			    ep, account);
			ps_endpoint_fetch(ps, ep);
		}
	}
	free(ep); free(account); free(state); free(decided); free(by);
}
