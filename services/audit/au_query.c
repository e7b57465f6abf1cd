/*
 * au_query.c - what the audit service records, and what it answers.
 *
 * Every publish and retraction on every topic becomes a record: the
 * topic, the item id, the account the broker names as publisher, and the
 * sha256 of the payload.  Catch-up after a reconnect finds items still on
 * the topics; those recorded already are not recorded twice.
 *
 * <iq type='get'><query xmlns='http://sacm-grid.dev/protocol/1/audit'
 * type='...'/></iq>, paged with XEP-0059 like the repositories' queries:
 *   records  [account] [topic] [since]   the records, oldest first
 *   verify                               the chain checked end to end
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>

#include "au.h"
#include "blob.h"
#include "db.h"
#include "log.h"
#include "query.h"
#include "xmlsafe.h"

#define PAGE_DEFAULT	100
#define PAGE_MAX	1000

/*
 * The payload's sha256 over its canonical form (C14N 1.0): a broker may
 * deliver the same item with its attributes in another order (Prosody
 * does, between a notification and a retrieval), and the same content
 * must have the same digest.  What does not parse is hashed as it came.
 */
static void
payload_digest(const struct grid_event *ev, char out[65])
{
	xmlDocPtr doc;
	xmlChar *c14n = NULL;
	char err[256];
	int n;

	if (xmlsafe_parse(ev->payload, ev->payload_len, ev->payload_len, &doc,
	    err, sizeof(err)) < 0) {
		blob_sha256_hex(ev->payload, ev->payload_len, out);
		return;
	}
	n = xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 0, &c14n);
	if (n >= 0 && c14n)
		blob_sha256_hex(c14n, (size_t)n, out);
	else
		blob_sha256_hex(ev->payload, ev->payload_len, out);
	xmlFree(c14n);
	xmlFreeDoc(doc);
}

void
au_on_event(struct grid *g, const struct grid_event *ev, void *arg)
{
	struct au *a = arg;
	char digest[65] = "", pub[512] = "";
	const char *action = ev->retract ? "retract" : "publish";

	(void)g;
	if (ev->node == NULL || ev->item_id == NULL)
		return;
	if (!ev->retract && ev->payload)
		payload_digest(ev, digest);
	if (ev->publisher)
		jid_bare(ev->publisher, pub, sizeof(pub));
	if (ev->catchup && (ev->retract || au_seen(a, ev->node, ev->item_id,
	    digest)))
		return;
	if (au_append(a, ev->node, ev->item_id, action, pub, digest) < 0) {
		a->failed++;
		log_warnx("%s %s %s by %s: not recorded (database)", action,
		    ev->node, ev->item_id, pub[0] ? pub : "?");
		return;
	}
	a->recorded++;
	log_debug("#%lld %s %s %s by %s", a->seq, action, ev->node,
	    ev->item_id, pub[0] ? pub : "?");
}

static const char *const cols[] = { "seq", "at", "topic", "item", "action",
    "publisher", "digest", "prev", "hash" };

static int
records(struct au *a, const char *account, const char *topic,
    const char *since, long max, long offset, struct buf *b)
{
	static const char where[] = " FROM record WHERE (?1 IS NULL OR "
	    "publisher = ?1 COLLATE NOCASE) AND (?2 IS NULL OR topic = ?2) "
	    "AND (?3 IS NULL OR at >= ?3)";
	const char *p[] = { account, topic, since };
	sqlite3_stmt *st;
	long n = 0, total = 0;
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT count(*)%s", where);
	if (db_prep(a->db, sql, &st) < 0)
		return -EIO;
	for (int i = 0; i < 3; i++)
		db_bind_text(st, i + 1, p[i]);
	if (sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	snprintf(sql, sizeof(sql), "SELECT seq, at, topic, item, action, "
	    "publisher, digest, prev, hash%s ORDER BY seq LIMIT ?4 OFFSET ?5",
	    where);
	if (db_prep(a->db, sql, &st) < 0)
		return -EIO;
	for (int i = 0; i < 3; i++)
		db_bind_text(st, i + 1, p[i]);
	sqlite3_bind_int64(st, 4, max);
	sqlite3_bind_int64(st, 5, offset);
	buf_adds(b, "<records>");
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_adds(b, "<record");
		db_row_attrs(b, st, cols, 9);
		buf_adds(b, "/>");
		n++;
	}
	sqlite3_finalize(st);
	buf_adds(b, "</records>");
	query_page_answer(b, offset, n, total);
	return 0;
}

static int
verify(struct au *a, struct buf *b)
{
	const char *why;
	long long n, bad = au_verify(a, &n, &why);

	if (bad < 0) {
		buf_adds(b, why);
		return -EIO;
	}
	buf_printf(b, "<verify records='%lld' ok='%s'", n, bad ? "false" :
	    "true");
	if (bad) {
		buf_printf(b, " bad='%lld'", bad);
		buf_add_attr(b, "reason", why);
		log_warnx("audit trail broken at record %lld: %s", bad, why);
	} else
		buf_add_attr(b, "head", a->head);
	buf_adds(b, "/>");
	return 0;
}

int
au_on_query(struct grid *g, const struct grid_request *req,
    struct buf *reply, void *arg)
{
	struct au *a = arg;
	char *type = NULL, *account = NULL, *topic = NULL, *since = NULL;
	const struct query_attr at[] = {
		{ "type", &type, 1 }, { "account", &account, 0 },
		{ "topic", &topic, 1 }, { "since", &since, 0 },
	};
	long max, offset;
	struct buf b;
	int r;

	(void)g;
	if (!query_allowed(req->from, a->conf.allow)) {
		log_warnx("query from %s refused: not in allow",
		    req->from ? req->from : "?");
		buf_adds(reply, "not allowed to ask the audit service");
		return -EACCES;
	}
	if ((r = query_parse(req, NS_AUDIT, at, 4, PAGE_DEFAULT, PAGE_MAX,
	    &max, &offset, reply)) < 0)
		goto out;
	buf_init(&b, reply->max);
	if (strcmp(type, "records") == 0)
		r = records(a, account, topic, since, max, offset, &b);
	else if (strcmp(type, "verify") == 0)
		r = verify(a, &b);
	else {
		buf_printf(&b, "unknown query type '%.40s'", type);
		r = -EINVAL;
	}
	if (r < 0)
		buf_adds(reply, b.data ? b.data : "error");
	else {
		buf_adds(reply, "<query xmlns='" NS_AUDIT "'");
		buf_add_attr(reply, "type", type);
		buf_adds(reply, ">");
		buf_adds(reply, b.data ? b.data : "");
		if (buf_adds(reply, "</query>") < 0 || reply->data == NULL) {
			buf_free(reply);
			buf_init(reply, 4096);
			buf_adds(reply, "answer too large; ask for a smaller "
			    "page");
			r = -E2BIG;
		}
	}
	buf_free(&b);
	log_info("query %s from %s: %d", type, req->from, r);
out:
	free(type); free(account); free(topic); free(since);
	return r;
}
