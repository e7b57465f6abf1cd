/*
 * au_store.c - the audit trail: append-only and hash-chained.
 *
 * Each record carries the hash of the one before it and its own hash over
 * every field and that link, so changing, removing or inserting a record
 * anywhere breaks the chain from there on (au_verify, `sacmctl audit
 * verify`).  The database refuses UPDATE and DELETE on the records
 * (triggers); someone with the file can drop those, which the chain then
 * shows, unless they rewrite every record after the change: the head hash
 * that verify prints is what an operator keeps elsewhere to rule that out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "au.h"
#include "db.h"
#include "log.h"
#include "xmlutil.h"

/* What the first record links to. */
#define GENESIS	"00000000000000000000000000000000" \
		"00000000000000000000000000000000"

static const char *const migrations[] = {
	"CREATE TABLE record ("
	"  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, topic TEXT NOT NULL,"
	"  item TEXT NOT NULL, action TEXT NOT NULL, publisher TEXT NOT NULL,"
	"  digest TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL);"
	"CREATE INDEX record_item ON record(topic, item);"
	"CREATE INDEX record_publisher ON record(publisher);"
	"CREATE TRIGGER record_no_update BEFORE UPDATE ON record BEGIN "
	"  SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
	"CREATE TRIGGER record_no_delete BEFORE DELETE ON record BEGIN "
	"  SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",
	/* 2: how far the broker's log was read (au_brokerlog.c) */
	"CREATE TABLE follow (path TEXT PRIMARY KEY, ino INTEGER NOT NULL,"
	"  off INTEGER NOT NULL);",
};

void
au_hash(const struct au_record *r, char out[65])
{
	const char *f[] = { r->at, r->topic, r->item, r->action,
	    r->publisher, r->digest, r->prev };
	unsigned char md[32];
	unsigned int mdlen = 0;
	char seq[24];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	snprintf(seq, sizeof(seq), "%lld", r->seq);
	/* Each field with its length: no two records hash alike by moving
	 * text from one field to the next. */
	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
		char len[24];

		EVP_DigestUpdate(ctx, seq, strlen(seq) + 1);
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			const char *v = f[i] ? f[i] : "";

			snprintf(len, sizeof(len), "%zu:", strlen(v));
			EVP_DigestUpdate(ctx, len, strlen(len));
			EVP_DigestUpdate(ctx, v, strlen(v));
		}
		EVP_DigestFinal_ex(ctx, md, &mdlen);
	}
	EVP_MD_CTX_free(ctx);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mdlen == 32 ? md[i] : 0);
}

int
au_store_open(struct au *a)
{
	sqlite3_stmt *st;
	char err[512];

	if (db_open(a->conf.db, migrations, sizeof(migrations) /
	    sizeof(migrations[0]), &a->db, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		return -EIO;
	}
	snprintf(a->head, sizeof(a->head), "%s", GENESIS);
	a->seq = 0;
	if (db_prep(a->db, "SELECT seq, hash FROM record ORDER BY seq DESC "
	    "LIMIT 1", &st) < 0)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		a->seq = sqlite3_column_int64(st, 0);
		snprintf(a->head, sizeof(a->head), "%s",
		    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return 0;
}

void
au_store_close(struct au *a)
{
	db_close(a->db);
	a->db = NULL;
}

int
au_append(struct au *a, const char *topic, const char *item,
    const char *action, const char *publisher, const char *digest)
{
	struct au_record r;
	sqlite3_stmt *st;
	char at[32], hash[65];
	int ok;

	time_iso(at, 0);
	r.seq = a->seq + 1;
	r.at = at;
	r.topic = topic;
	r.item = item;
	r.action = action;
	r.publisher = publisher ? publisher : "";
	r.digest = digest ? digest : "";
	r.prev = a->head;
	au_hash(&r, hash);
	if (db_prep(a->db, "INSERT INTO record (seq, at, topic, item, action, "
	    "publisher, digest, prev, hash) VALUES (?,?,?,?,?,?,?,?,?)",
	    &st) < 0)
		return -EIO;
	sqlite3_bind_int64(st, 1, r.seq);
	db_bind_text(st, 2, r.at);
	db_bind_text(st, 3, r.topic);
	db_bind_text(st, 4, r.item);
	db_bind_text(st, 5, r.action);
	db_bind_text(st, 6, r.publisher);
	db_bind_text(st, 7, r.digest);
	db_bind_text(st, 8, r.prev);
	db_bind_text(st, 9, hash);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	if (!ok)
		return -EIO;
	a->seq = r.seq;
	memcpy(a->head, hash, sizeof(a->head));
	return 0;
}

int
au_seen(struct au *a, const char *topic, const char *item,
    const char *digest)
{
	sqlite3_stmt *st;
	int r;

	if (db_prep(a->db, "SELECT 1 FROM record WHERE topic = ? AND item = ? "
	    "AND digest = ? AND action = 'publish'", &st) < 0)
		return 0;
	db_bind_text(st, 1, topic);
	db_bind_text(st, 2, item);
	db_bind_text(st, 3, digest ? digest : "");
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return r;
}

long long
au_verify(struct au *a, long long *n, const char **why)
{
	sqlite3_stmt *st;
	char prev[65], hash[65];
	long long bad = 0, expect = 1;

	*n = 0;
	*why = NULL;
	snprintf(prev, sizeof(prev), "%s", GENESIS);
	if (db_prep(a->db, "SELECT seq, at, topic, item, action, publisher, "
	    "digest, prev, hash FROM record ORDER BY seq", &st) < 0) {
		*why = "the database cannot be read";
		return -1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct au_record r;
		const char *stored;

#define COL(i) ((const char *)sqlite3_column_text(st, (i)))
		r.seq = sqlite3_column_int64(st, 0);
		r.at = COL(1); r.topic = COL(2); r.item = COL(3);
		r.action = COL(4); r.publisher = COL(5); r.digest = COL(6);
		r.prev = COL(7);
		stored = COL(8);
#undef COL
		(*n)++;
		if (r.seq != expect) {
			*why = "a record is missing before it";
			bad = r.seq;
			break;
		}
		if (r.prev == NULL || strcmp(r.prev, prev) != 0) {
			*why = "it does not link to the record before";
			bad = r.seq;
			break;
		}
		au_hash(&r, hash);
		if (stored == NULL || strcmp(stored, hash) != 0) {
			*why = "its hash does not match its content";
			bad = r.seq;
			break;
		}
		memcpy(prev, hash, sizeof(prev));
		expect++;
	}
	sqlite3_finalize(st);
	return bad;
}
