/*
 * orch_assign.c - operators' assignments: a policy and profile for some
 * endpoints (or every endpoint the policy applies to), assessed when made,
 * again every `every` seconds when scheduled, on each endpoint that appears
 * later, and on each update of the policy (a new datastream with the same
 * benchmark: the assignment follows it).
 *
 * Assessments made for an assignment have trigger "assign" (when made, for
 * a new endpoint, for a policy update) or "schedule", and key
 * "<assignment>#<run>", so a run never makes two for one endpoint.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "orch.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define MAX_EPS		64

struct assignment {
	char	*id, *policy, *profile, *endpoints;
	long	 every, next, runs;
};

static void
assignment_free(struct assignment *a)
{
	free(a->id); free(a->policy); free(a->profile); free(a->endpoints);
	memset(a, 0, sizeof(*a));
}

static char *
col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return strdup(v ? v : "");
}

static void
row(sqlite3_stmt *st, struct assignment *a)
{
	a->id = col(st, 0);
	a->policy = col(st, 1);
	a->profile = col(st, 2);
	a->endpoints = col(st, 3);
	a->every = (long)sqlite3_column_int64(st, 4);
	a->next = (long)sqlite3_column_int64(st, 5);
	a->runs = (long)sqlite3_column_int64(st, 6);
}

#define SELECT_A "SELECT id, policy, profile, endpoints, every, next, runs " \
	"FROM assignment "

/* Splits a space-separated list in place; returns the count. */
static size_t
split(char *s, char **v, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *p = strtok_r(s, " ", &save); p && n < max;
	    p = strtok_r(NULL, " ", &save))
		v[n++] = p;
	return n;
}

/* One run of an assignment: its assessments (on endpoint if given, else
 * on every endpoint of the assignment). */
static int
run(struct orch *o, const struct assignment *a, const char *trigger,
    long runno, const char *endpoint, struct buf *ids)
{
	char key[160], *list = strdup(a->endpoints), *eps[MAX_EPS];
	size_t n = list ? split(list, eps, MAX_EPS) : 0;
	int r;

	snprintf(key, sizeof(key), "%s#%ld", a->id, runno);
	if (endpoint) {
		int named = n == 0;

		for (size_t i = 0; i < n; i++)
			named |= strcmp(eps[i], endpoint) == 0;
		free(list);
		if (!named)
			return 0;
		eps[0] = (char *)endpoint;
		/* For every endpoint, the policy's platforms decide. */
		return orch_assess_policy(o, a->policy, a->profile, n ? eps :
		    NULL, n ? 1 : 0, trigger, key, ids, endpoint);
	}
	r = orch_assess_policy(o, a->policy, a->profile, eps, n, trigger, key,
	    ids, NULL);
	free(list);
	return r;
}

static void
xml_assignment(struct buf *b, const struct assignment *a)
{
	char t[32];

	buf_adds(b, "<assignment id='");
	buf_add_xml(b, a->id);
	buf_adds(b, "' policy='");
	buf_add_xml(b, a->policy);
	buf_adds(b, "' profile='");
	buf_add_xml(b, a->profile);
	buf_printf(b, "' runs='%ld'", a->runs);
	if (a->every > 0) {
		time_iso(t, (time_t)a->next);
		buf_printf(b, " every='%ld' next='%s'", a->every, t);
	}
	buf_adds(b, ">");
	if (*a->endpoints) {
		char *list = strdup(a->endpoints), *eps[MAX_EPS];
		size_t n = list ? split(list, eps, MAX_EPS) : 0;

		for (size_t i = 0; i < n; i++) {
			buf_adds(b, "<endpoint id='");
			buf_add_xml(b, eps[i]);
			buf_adds(b, "'/>");
		}
		free(list);
	}
	buf_adds(b, "</assignment>");
}

static int
has_profile(xmlNodePtr pol, const char *profile)
{
	for (xmlNodePtr p = pol->children; p; p = p->next) {
		char *id;
		int same;

		if (!xml_is(p, "profile", SACM_NS) ||
		    (id = xml_prop(p, "id")) == NULL)
			continue;
		same = strcmp(id, profile) == 0;
		free(id);
		if (same)
			return 1;
	}
	return 0;
}

/* A policy's announcement, parsed (NULL if unknown). */
static xmlDocPtr
announcement(struct orch *o, const char *policy)
{
	sqlite3_stmt *st;
	xmlDocPtr doc = NULL;
	char err[128];

	if (db_prep(o->db, "SELECT announcement FROM policy WHERE id = ?", &st) <
	    0)
		return NULL;
	db_bind_text(st, 1, policy);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *x = (const char *)sqlite3_column_text(st, 0);

		(void)xmlsafe_parse_root(x, strlen(x), 1 << 22, "policy",
		    SACM_NS, &doc, err, sizeof(err));
	}
	sqlite3_finalize(st);
	return doc;
}

/* <assign policy= profile= [every=]><endpoint id=/>...</assign> */
static int
assign(struct orch *o, xmlNodePtr root, const char *by, struct buf *reply)
{
	struct assignment a;
	sqlite3_stmt *st;
	struct buf eps, ids;
	xmlDocPtr pol;
	char rnd[17], now[32], *every = xml_prop(root, "every"), *bench = NULL;
	int r = 0, made;

	memset(&a, 0, sizeof(a));
	a.policy = xml_prop(root, "policy");
	a.profile = xml_prop(root, "profile");
	a.every = every ? strtol(every, NULL, 10) : 0;
	free(every);
	if (!a.policy || !a.profile) {
		buf_adds(reply, "policy and profile are required");
		r = -EINVAL;
		goto out;
	}
	if (a.every < 0 || (a.every > 0 && a.every < 10)) {
		buf_adds(reply, "every must be at least 10 seconds");
		r = -EINVAL;
		goto out;
	}
	if ((pol = announcement(o, a.policy)) == NULL) {
		buf_adds(reply, "no such policy");
		r = -ENOENT;
		goto out;
	}
	made = has_profile(xmlDocGetRootElement(pol), a.profile);
	bench = xml_prop(xmlDocGetRootElement(pol), "benchmark");
	xmlFreeDoc(pol);
	if (!made) {
		buf_adds(reply, "the policy has no such profile");
		r = -ENOENT;
		goto out;
	}
	buf_init(&eps, 65536);
	for (xmlNodePtr e = root->children; e; e = e->next) {
		char *id;

		if (!xml_is(e, "endpoint", NS_ORCH) ||
		    (id = xml_prop(e, "id")) == NULL)
			continue;
		if (strchr(id, ' ') == NULL && *id)
			buf_printf(&eps, "%s%s", eps.len ? " " : "", id);
		free(id);
	}
	a.endpoints = strdup(eps.data ? eps.data : "");
	buf_free(&eps);
	if (grid_random_hex(rnd, 4) < 0 || asprintf(&a.id, "asg-%s", rnd) <
	    0) {
		a.id = NULL;
		r = -ENOMEM;
		goto out;
	}
	a.next = a.every > 0 ? (long)time(NULL) + a.every : 0;
	time_iso(now, 0);
	if (db_prep(o->db, "INSERT INTO assignment (id, policy, profile, "
	    "endpoints, benchmark, every, next, runs, created, by) VALUES "
	    "(?,?,?,?,?,?,?,0,?,?)", &st) < 0) {
		r = -EIO;
		goto out;
	}
	db_bind_text(st, 1, a.id);
	db_bind_text(st, 2, a.policy);
	db_bind_text(st, 3, a.profile);
	db_bind_text(st, 4, a.endpoints);
	db_bind_text(st, 5, bench);
	sqlite3_bind_int64(st, 6, a.every);
	sqlite3_bind_int64(st, 7, a.next);
	db_bind_text(st, 8, now);
	db_bind_text(st, 9, by);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	if (r < 0)
		goto out;
	log_info("assignment %s by %s: policy %.12s, profile %s, %s, %s", a.id,
	    by, a.policy, a.profile, *a.endpoints ? a.endpoints :
	    "every endpoint it applies to", a.every ? "scheduled" : "once");
	buf_init(&ids, reply->max);
	made = run(o, &a, "assign", 0, NULL, &ids);
	buf_adds(reply, "<assigned xmlns='" NS_ORCH "'>");
	xml_assignment(reply, &a);
	buf_adds(reply, "<assessments>");
	if (ids.data)
		buf_adds(reply, ids.data);
	buf_adds(reply, "</assessments></assigned>");
	buf_free(&ids);
	(void)made;
out:
	free(bench);
	assignment_free(&a);
	return r;
}

static int
list(struct orch *o, struct buf *reply)
{
	sqlite3_stmt *st;
	struct assignment a;

	if (db_prep(o->db, SELECT_A "ORDER BY created, id", &st) < 0)
		return -EIO;
	buf_adds(reply, "<assignments xmlns='" NS_ORCH "'>");
	while (sqlite3_step(st) == SQLITE_ROW) {
		row(st, &a);
		xml_assignment(reply, &a);
		assignment_free(&a);
	}
	sqlite3_finalize(st);
	buf_adds(reply, "</assignments>");
	return 0;
}

static int
unassign(struct orch *o, xmlNodePtr root, const char *by, struct buf *reply)
{
	sqlite3_stmt *st;
	char *id = xml_prop(root, "id");
	int gone = 0;

	if (id && db_prep(o->db, "DELETE FROM assignment WHERE id = ?", &st) ==
	    0) {
		db_bind_text(st, 1, id);
		gone = sqlite3_step(st) == SQLITE_DONE &&
		    sqlite3_changes(o->db) > 0;
		sqlite3_finalize(st);
	}
	if (gone) {
		log_info("assignment %s removed by %s", id, by);
		buf_adds(reply, "<unassigned xmlns='" NS_ORCH "'/>");
	} else
		buf_adds(reply, "no such assignment");
	free(id);
	return gone ? 0 : -ENOENT;
}

int
orch_assign_request(struct orch *o, xmlNodePtr root, const char *type,
    const char *by, struct buf *reply)
{
	const char *name = (const char *)root->name;
	int set = strcmp(type, "set") == 0;

	if (strcmp(name, "assign") == 0 && set)
		return assign(o, root, by, reply);
	if (strcmp(name, "unassign") == 0 && set)
		return unassign(o, root, by, reply);
	if (strcmp(name, "assignments") == 0 && !set)
		return list(o, reply);
	buf_adds(reply, "unknown request");
	return -EINVAL;
}

/* Scheduled assignments that are due: their next run. */
void
orch_assign_tick(struct orch *o)
{
	sqlite3_stmt *st, *up;
	struct assignment due[16];
	long now = (long)time(NULL);
	int n = 0;

	if (db_prep(o->db, SELECT_A "WHERE every > 0 AND next <= ? ORDER BY "
	    "next LIMIT 16", &st) < 0)
		return;
	sqlite3_bind_int64(st, 1, now);
	while (n < 16 && sqlite3_step(st) == SQLITE_ROW)
		row(st, &due[n++]);
	sqlite3_finalize(st);
	for (int i = 0; i < n; i++) {
		struct assignment *a = &due[i];
		long next = a->next + a->every;
		int made;

		if (next <= now)	/* we were away: no catching up */
			next = now + a->every;
		a->runs++;
		/* Recorded before the assessments: a crash in between skips
		 * a run rather than making it twice. */
		if (db_prep(o->db, "UPDATE assignment SET next = ?, runs = ? "
		    "WHERE id = ?", &up) == 0) {
			sqlite3_bind_int64(up, 1, next);
			sqlite3_bind_int64(up, 2, a->runs);
			db_bind_text(up, 3, a->id);
			(void)sqlite3_step(up);
			sqlite3_finalize(up);
		}
		made = run(o, a, "schedule", a->runs, NULL, NULL);
		log_info("assignment %s: scheduled run %ld, %d assessment(s)",
		    a->id, a->runs, made);
		assignment_free(a);
	}
}

/* A new endpoint: every assignment that covers it. */
void
orch_assign_endpoint(struct orch *o, const char *endpoint)
{
	sqlite3_stmt *st;
	struct assignment a;

	if (db_prep(o->db, SELECT_A "ORDER BY id", &st) < 0)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		row(st, &a);
		if (run(o, &a, "assign", a.runs, endpoint, NULL) > 0)
			log_info("assignment %s: new endpoint %s", a.id,
			    endpoint);
		assignment_free(&a);
	}
	sqlite3_finalize(st);
}

/* A new datastream: assignments of an earlier one with the same benchmark
 * (and a profile it still has) follow it, and are assessed with it. */
void
orch_assign_policy(struct orch *o, const char *policy)
{
	sqlite3_stmt *st, *up;
	struct assignment a[16];
	xmlDocPtr pol = announcement(o, policy);
	xmlNodePtr root;
	char *bench, *kind;
	int n = 0;

	if (pol == NULL)
		return;
	root = xmlDocGetRootElement(pol);
	bench = xml_prop(root, "benchmark");
	kind = xml_prop(root, "kind");
	if (bench && kind && strcmp(kind, "datastream") == 0 && db_prep(o->db,
	    SELECT_A "WHERE benchmark = ? AND policy != ? AND policy IN "
	    "(SELECT id FROM policy WHERE kind = 'datastream') LIMIT 16",
	    &st) == 0) {
		db_bind_text(st, 1, bench);
		db_bind_text(st, 2, policy);
		while (n < 16 && sqlite3_step(st) == SQLITE_ROW)
			row(st, &a[n++]);
		sqlite3_finalize(st);
	}
	for (int i = 0; i < n; i++) {
		if (!has_profile(root, a[i].profile)) {
			log_warnx("assignment %s: policy %.12s updates %.12s "
			    "but has no profile %s; the assignment stays",
			    a[i].id, policy, a[i].policy, a[i].profile);
		} else if (db_prep(o->db, "UPDATE assignment SET policy = ?, "
		    "runs = runs + 1 WHERE id = ?", &up) == 0) {
			db_bind_text(up, 1, policy);
			db_bind_text(up, 2, a[i].id);
			(void)sqlite3_step(up);
			sqlite3_finalize(up);
			log_info("assignment %s follows the policy update "
			    "%.12s -> %.12s", a[i].id, a[i].policy, policy);
			free(a[i].policy);
			a[i].policy = strdup(policy);
			(void)run(o, &a[i], "assign", a[i].runs + 1, NULL,
			    NULL);
		}
		assignment_free(&a[i]);
	}
	free(bench);
	free(kind);
	xmlFreeDoc(pol);
}
