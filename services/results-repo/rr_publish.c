/*
 * rr_publish.c - what is stored goes out: the current item of an
 * endpoint, policy and profile on sacm/results, and the incidents an
 * evaluation opened on sacm/incidents, all of one evaluation in one
 * IODEF 2.0 document (RFC 7970: one or more Incident), so that a fresh
 * endpoint failing 13 rules costs the broker one publish, not 13.
 *
 * Nothing waits for the broker: at most RR_MARKS_MAX publications are
 * on their way, and the broker's answers are marked published in one
 * transaction a loop turn (rr_marks_write).  What the broker did not
 * take is sent again from there; what was taken but not yet marked when
 * the repository stops is sent again at start (a duplicate, never a
 * loss).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "log.h"
#include "pubsub.h"
#include "rr.h"
#include "topics.h"
#include "xmlutil.h"

/* The current item: the evaluation's summary and its failed rules. */
static char *
current_xml(struct rr *rr, int64_t eid, char **item)
{
	static const char *const cols[] = { "endpoint", "hostname",
	    "assessment", "policy", "profile", "request", "evaluated",
	    "score", "max", "pass", "fail", "error", "unknown",
	    "notapplicable", "notchecked", "informational", "fixed",
	    "waived", "waived-score", "waived-pass", "waived-fail" };
	sqlite3_stmt *st;
	struct buf b;
	char *out = NULL;

	*item = NULL;
	if (db_prep_hot(rr->db, "SELECT endpoint, hostname, assessment, "
	    "policy, profile, request, evaluated, score, max, pass, fail, "
	    "error, unknown, notapplicable, notchecked, informational, fixed, "
	    "waived, wscore, wpass, wfail FROM evaluation WHERE id = ?",
	    &st) < 0)
		return NULL;
	sqlite3_bind_int64(st, 1, eid);
	buf_init(&b, (size_t)grid_get_conf(rr->g)->max_item_size);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *prof = (const char *)sqlite3_column_text(st, 4);

		if (asprintf(item, "%s/%s/%s", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 3), prof && *prof ? prof :
		    "default") < 0)
			*item = NULL;
		buf_adds(&b, "<result xmlns='" SACM_NS "'");
		for (int i = 0; i < 21; i++) {
			const char *v = (const char *)sqlite3_column_text(st,
			    i);

			buf_add_attr(&b, i == 5 ? "evaluation" : cols[i], v);
		}
		buf_adds(&b, ">");
	}
	db_finish(st);
	if (db_prep_hot(rr->db, "SELECT ru.name, ru.severity, ru.title FROM "
	    "result r JOIN rule ru ON ru.id = r.rule WHERE r.evaluation = ? "
	    "AND r.result = 'fail' ORDER BY ru.name", &st) == 0) {
		sqlite3_bind_int64(st, 1, eid);
		while (sqlite3_step(st) == SQLITE_ROW) {
			buf_adds(&b, "<failed rule='");
			buf_add_xml(&b, (const char *)sqlite3_column_text(st,
			    0));
			buf_adds(&b, "' severity='");
			buf_add_xml(&b, sqlite3_column_text(st, 1) ?
			    (const char *)sqlite3_column_text(st, 1) :
			    "unknown");
			buf_adds(&b, "' title='");
			buf_add_xml(&b, sqlite3_column_text(st, 2) ?
			    (const char *)sqlite3_column_text(st, 2) : "");
			buf_adds(&b, "'");
			buf_add_attr(&b, "waiver", rr_waiver_covering(rr, eid,
			    (const char *)sqlite3_column_text(st, 0)));
			buf_adds(&b, "/>");
		}
		db_finish(st);
	}
	if (buf_adds(&b, "</result>") == 0 && b.data && *item)
		out = strdup(b.data);
	buf_free(&b);
	return out;
}

/* A publication under way. */
struct rr_pub {
	struct rr	*rr;
	struct rr_mark	 m;
	char		 what[];	/* for the log */
};

static void
published(struct grid *g, int status, void *arg)
{
	struct rr_pub *p = arg;
	struct rr *rr = p->rr;

	(void)g;
	rr->publishing--;
	if (status < 0) {
		log_warnx("publishing %s: %s (later)", p->what,
		    strerror(-status));
		/* sent again from there */
		if (p->m.incident && p->m.id <= rr->inc_upto)
			rr->inc_upto = p->m.id - 1;
		if (!p->m.incident && p->m.eid <= rr->cur_upto)
			rr->cur_upto = p->m.eid - 1;
	} else if (rr->nmarks < RR_MARKS_MAX) {
		rr->marks[rr->nmarks++] = p->m;
		if (p->m.incident) {
			rr->incidents += (unsigned long)p->m.n;
			log_info("incident %s published%s", p->what,
			    p->m.n > 1 ? " with the evaluation's others" :
			    "");
		}
	}
	free(p);
}

static int
publish(struct rr *rr, const char *node, const char *item, const char *xml,
    const struct rr_mark *m)
{
	struct rr_pub *p;

	if ((p = malloc(sizeof(*p) + strlen(item) + 1)) == NULL)
		return -ENOMEM;
	p->rr = rr;
	p->m = *m;
	memcpy(p->what, item, strlen(item) + 1);
	if (pubsub_publish_async(rr->g, node, item, xml, published, p) < 0) {
		log_warnx("publishing %s: %s (later)", item,
		    grid_errstr(rr->g));
		free(p);
		return -EIO;
	}
	rr->publishing++;
	return 0;
}

void
rr_marks_write(struct rr *rr)
{
	sqlite3_stmt *st;

	if (rr->nmarks == 0 || db_begin(rr->db) < 0)
		return;
	for (size_t i = 0; i < rr->nmarks; i++) {
		const struct rr_mark *m = &rr->marks[i];

		if (db_prep_hot(rr->db, m->incident ? "UPDATE incident SET "
		    "published = 1 WHERE id BETWEEN ? AND ?" : "UPDATE current "
		    "SET published = 1 WHERE rowid = ? AND evaluation = ?",
		    &st) < 0)
			continue;
		sqlite3_bind_int64(st, 1, m->id);
		/* incidents: all in the document; a current row: not a newer
		 * evaluation's since */
		sqlite3_bind_int64(st, 2, m->incident ? m->last : m->eid);
		(void)sqlite3_step(st);
		db_finish(st);
	}
	if (db_commit(rr->db) < 0)
		db_rollback(rr->db);
	else
		rr->nmarks = 0;
}

/* The incidents in b (opened by RR_IODEF_HEAD), as one item: m names
 * them, item is the first one's UUID.  0, or -errno (not sent). */
static int
send_incidents(struct rr *rr, struct buf *b, const char *item,
    struct rr_mark *m)
{
	if (buf_adds(b, RR_IODEF_TAIL) < 0 || b->data == NULL ||
	    publish(rr, TOPIC_INCIDENTS, item, b->data, m) < 0)
		return -EIO;
	rr->inc_upto = m->last;
	return 0;
}

/*
 * Incidents not published, in order: those one evaluation opened (at
 * most RR_INCIDENTS_PER_ITEM) in one IODEF document, whose item id is
 * the first one's UUID.  Sent again after a restart, the same rows make
 * the same item.
 */
static void
publish_incidents(struct rr *rr)
{
	const size_t hl = strlen(RR_IODEF_HEAD), tl = strlen(RR_IODEF_TAIL);
	const size_t max = (size_t)grid_get_conf(rr->g)->max_item_size;
	struct rr_mark m = { .incident = 1 };
	sqlite3_stmt *st;
	struct buf b;
	char item[64] = "";
	int64_t opened = -1;

	if (db_prep(rr->db, "SELECT id, uuid, document, opened FROM incident "
	    "WHERE published = 0 AND id > ? ORDER BY id", &st) < 0)
		return;
	sqlite3_bind_int64(st, 1, rr->inc_upto);
	buf_init(&b, max);
	while (rr->publishing + rr->nmarks < RR_MARKS_MAX &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const char *doc = (const char *)sqlite3_column_text(st, 2);
		const char *uuid = (const char *)sqlite3_column_text(st, 1);
		size_t len = doc ? strlen(doc) : 0;

		if (doc == NULL || uuid == NULL || len < hl + tl ||
		    strncmp(doc, RR_IODEF_HEAD, hl) != 0 ||
		    strcmp(doc + len - tl, RR_IODEF_TAIL) != 0)
			continue;	/* not ours: left unpublished */
		if (m.n > 0 && (sqlite3_column_int64(st, 3) != opened ||
		    m.n == RR_INCIDENTS_PER_ITEM || b.len + len > max / 2)) {
			if (send_incidents(rr, &b, item, &m) < 0)
				goto out;
			m.n = 0;
		}
		if (m.n == 0) {
			buf_reset(&b);
			buf_adds(&b, RR_IODEF_HEAD);
			snprintf(item, sizeof(item), "%s", uuid);
			m.id = sqlite3_column_int64(st, 0);
			opened = sqlite3_column_int64(st, 3);
		}
		buf_add(&b, doc + hl, len - hl - tl);
		m.last = sqlite3_column_int64(st, 0);
		m.n++;
	}
	if (m.n > 0)
		(void)send_incidents(rr, &b, item, &m);
out:
	buf_free(&b);
	sqlite3_finalize(st);
}

void
rr_flush_pending(struct rr *rr)
{
	sqlite3_stmt *st;
	int64_t upto;

	if (grid_state(rr->g) != GRID_ONLINE)
		return;
	rr_marks_write(rr);
	if (rr->publishing == 0 && rr->nmarks == 0)	/* all, again */
		rr->cur_upto = rr->inc_upto = 0;
	if (db_prep(rr->db, "SELECT rowid, evaluation FROM current WHERE "
	    "published = 0 AND evaluation > ?", &st) == 0) {
		sqlite3_bind_int64(st, 1, rr->cur_upto);
		upto = rr->cur_upto;
		while (rr->publishing + rr->nmarks < RR_MARKS_MAX &&
		    sqlite3_step(st) == SQLITE_ROW) {
			struct rr_mark m = { .id = sqlite3_column_int64(st, 0),
			    .eid = sqlite3_column_int64(st, 1) };
			char *item, *x = current_xml(rr, m.eid, &item);

			if (x && item && publish(rr, TOPIC_RESULTS, item, x,
			    &m) == 0) {
				if (m.eid > upto)
					upto = m.eid;
			} else
				upto = INT64_MIN;	/* from the start */
			free(x);
			free(item);
		}
		sqlite3_finalize(st);
		rr->cur_upto = upto == INT64_MIN ? 0 : upto;
	}
	publish_incidents(rr);
}
