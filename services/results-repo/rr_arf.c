/*
 * rr_arf.c - ARFs in, stored compactly, and joined again on demand.
 *
 * A result's <arf> names the whole ARF's sha256 and size and holds either
 * the whole ARF as one blob, or its skeleton as the blob and each shared
 * part (arfpart.h) as <part at=.. sha256=.. size=..><blob/></part>, where
 * sha256 and size are the part's decoded bytes.  A part stored already is
 * not fetched; one that is not is fetched and checked against its digest.
 * The joined ARF must have the digest and size announced.
 *
 * Stored: the skeleton once per ARF (table arf), each shared part once
 * per digest (arf_part) and where it goes back (arf_splice).  The cut is
 * this repository's own (arfpart_split of what was verified), not the
 * evaluator's.  An ARF stored before the parts existed has no splices and
 * is its whole self.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arfpart.h"
#include "blob.h"
#include "db.h"
#include "log.h"
#include "rr.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

static int
hex64(const char *s)
{
	if (s == NULL || strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static int
size_prop(xmlNodePtr n, const char *name, size_t max, size_t *v)
{
	char *s = xml_prop(n, name), *end;
	unsigned long long u;
	int r = -EINVAL;

	if (s && *s >= '0' && *s <= '9') {
		errno = 0;
		u = strtoull(s, &end, 10);
		if (errno == 0 && *end == '\0' && u <= max) {
			*v = (size_t)u;
			r = 0;
		}
	}
	free(s);
	return r;
}

/* A stored part, decoded; -ENOENT when it is not stored. */
static int
part_load(struct rr *rr, const char *sha, size_t max, char **out,
    size_t *len)
{
	sqlite3_stmt *st;
	int r = -ENOENT;

	if (db_prep(rr->db, "SELECT gz FROM arf_part WHERE sha256 = ?", &st) <
	    0)
		return -EIO;
	db_bind_text(st, 1, sha);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = blob_gunzip(sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), max, out, len);
	sqlite3_finalize(st);
	return r;
}

/* ---- parts held in memory ------------------------------------------------ */

static struct rr_hot *
hot_find(struct rr *rr, const char *sha)
{
	for (size_t i = 0; i < RR_HOT_MAX; i++)
		if (rr->hot[i].data && strcmp(rr->hot[i].sha256, sha) == 0) {
			rr->hot[i].used = ++rr->hot_clock;
			return &rr->hot[i];
		}
	return NULL;
}

/* Keeps a verified part (taking data), unless the parts held would then
 * be over RR_HOT_BYTES without evicting one in use: the part held, or
 * NULL (data is still the caller's). */
static struct rr_hot *
hot_keep(struct rr *rr, const char *sha, char *data, size_t len)
{
	struct rr_hot *slot = NULL;
	size_t total = len, pinned = len;

	for (size_t i = 0; i < RR_HOT_MAX; i++) {
		total += rr->hot[i].data ? rr->hot[i].len : 0;
		pinned += rr->hot[i].busy ? rr->hot[i].len : 0;
	}
	if (pinned > RR_HOT_BYTES)	/* would not fit even evicting all */
		return NULL;
	for (;;) {
		slot = NULL;
		for (size_t i = 0; i < RR_HOT_MAX; i++) {
			struct rr_hot *h = &rr->hot[i];

			if (h->busy)
				continue;
			if (h->data == NULL && total <= RR_HOT_BYTES) {
				slot = h;
				break;
			}
			if (h->data && (slot == NULL || h->used < slot->used))
				slot = h;
		}
		if (slot == NULL)
			return NULL;
		if (slot->data == NULL)
			break;
		total -= slot->len;		/* evicted */
		free(slot->data);
		slot->data = NULL;
	}
	memcpy(slot->sha256, sha, sizeof(slot->sha256));
	slot->data = data;
	slot->len = len;
	slot->used = ++rr->hot_clock;
	return slot;
}

void
rr_arf_forget(struct rr *rr)
{
	for (size_t i = 0; i < RR_HOT_MAX; i++) {
		free(rr->hot[i].data);
		memset(&rr->hot[i], 0, sizeof(rr->hot[i]));
	}
}

/* Frees the pieces the hot parts do not hold, and unpins those. */
static void
pieces_free(struct rr *rr, struct arfpiece *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int held = 0;

		for (size_t k = 0; k < RR_HOT_MAX; k++)
			if (rr->hot[k].data && rr->hot[k].data == p[i].data)
				held = 1;
		if (!held)
			free((char *)p[i].data);
	}
	for (size_t k = 0; k < RR_HOT_MAX; k++)
		rr->hot[k].busy = 0;
}

/* One <part>: stored already, or fetched; its digest checked. */
static int
part_in(struct rr *rr, xmlNodePtr n, size_t prev, struct arfpiece *p,
    char named[65], char *err, size_t errlen)
{
	char *sha = xml_prop(n, "sha256"), got[65], why[512];
	size_t max = (size_t)rr->conf.max_arf, len = 0;
	struct blob_ref ref;
	struct rr_hot *h;
	char *data = NULL;
	int r;

	if (!hex64(sha) || size_prop(n, "at", max, &p->off) < 0 ||
	    size_prop(n, "size", max, &len) < 0 || p->off < prev) {
		snprintf(err, errlen, "a part needs at (in order), sha256 and "
		    "size");
		free(sha);
		return -EINVAL;
	}
	if ((h = hot_find(rr, sha)) != NULL && h->len == len) {
		h->busy = 1;		/* verified when it was kept */
		p->data = h->data;
		p->len = h->len;
		memcpy(named, sha, 65);
		free(sha);
		return 0;
	}
	if ((r = part_load(rr, sha, max, &data, &p->len)) == -ENOENT) {
		if (blob_ref_from_xml(xml_child(n, "blob", BLOB_NS), &ref, why,
		    sizeof(why)) < 0) {
			snprintf(err, errlen, "part %.64s: %s", sha, why);
			free(sha);
			return -EINVAL;
		}
		r = blob_get(rr->g, &ref, max, &data, &p->len, why,
		    sizeof(why));
		blob_ref_free(&ref);
		if (r < 0) {
			snprintf(err, errlen, "part %.64s: %s", sha, why);
			free(sha);
			return r;
		}
	} else if (r < 0) {
		snprintf(err, errlen, "part %.64s: the stored copy is "
		    "unreadable", sha);
		free(sha);
		return -EIO;
	}
	blob_sha256_hex(data, p->len, got);
	if (p->len != len || strcmp(got, sha) != 0) {
		snprintf(err, errlen, "part %.64s: its bytes are not the ones "
		    "named", sha);
		free(data);
		free(sha);
		return -EBADMSG;
	}
	/* once per part: the ARF's check reads only the skeleton */
	if ((r = xmlsafe_check_element(data, p->len, max, why,
	    sizeof(why))) < 0) {
		snprintf(err, errlen, "part %.64s: %s", sha, why);
		free(data);
		free(sha);
		return r;
	}
	if ((h = hot_keep(rr, sha, data, p->len)) != NULL)
		h->busy = 1;
	p->data = data;
	memcpy(named, sha, 65);
	free(sha);
	return 0;
}

/* The skeleton with its parts as elements, the root an ARF; what is known
 * of the parts for rr_arf_store. */
static int
check(struct rr *rr, const char *skel, size_t slen,
    const struct arfpiece *pieces, size_t n, struct rr_arf_info *info,
    char *err, size_t errlen)
{
	size_t at[ARFPART_MAX], moved = 0;
	char why[512];
	int r;

	for (size_t i = 0; i < n; i++) {
		at[i] = pieces[i].off;
		info->part[i].off = pieces[i].off + moved;
		info->part[i].len = pieces[i].len;	/* sha256: part_in */
		moved += pieces[i].len;
	}
	info->n = n;
	r = xmlsafe_check_skeleton(skel, slen, at, n, (size_t)rr->conf.max_arf,
	    "asset-report-collection", NS_ARF, why, sizeof(why));
	if (r == -ENOTSUP)		/* the whole is checked instead */
		return 0;
	if (r < 0) {
		snprintf(err, errlen, "ARF: %s", why);
		return r;
	}
	info->checked = 1;
	return 0;
}

int
rr_arf_in(struct rr *rr, xmlNodePtr arf, char **out, size_t *outlen,
    char sha[65], struct rr_arf_info *info, char *err, size_t errlen)
{
	struct arfpiece pieces[ARFPART_MAX];
	size_t n = 0, len = 0, skel_len, max = (size_t)rr->conf.max_arf;
	struct blob_ref ref;
	char *whole = xml_prop(arf, "sha256"), *skel = NULL, why[512];
	int r = 0;

	*out = NULL;
	memset(info, 0, sizeof(*info));
	if (blob_ref_from_xml(xml_child(arf, "blob", BLOB_NS), &ref, why,
	    sizeof(why)) < 0) {
		snprintf(err, errlen, "ARF: %s", why);
		free(whole);
		return -EINVAL;
	}
	if (whole && (!hex64(whole) || size_prop(arf, "size", max, &len) <
	    0)) {
		snprintf(err, errlen, "ARF: sha256 and size are malformed");
		r = -EINVAL;
	}
	for (xmlNodePtr c = arf->children; r == 0 && c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || !xml_is(c, "part",
		    SACM_NS))
			continue;
		if (whole == NULL || n == ARFPART_MAX) {
			snprintf(err, errlen, "ARF: parts need the whole's "
			    "sha256 and size, and %d at most", ARFPART_MAX);
			r = -EINVAL;
		} else if ((r = part_in(rr, c, n ? pieces[n - 1].off : 0,
		    &pieces[n], info->part[n].sha256, err, errlen)) == 0)
			n++;
	}
	if (r == 0 && (r = blob_get(rr->g, &ref, max, &skel, &skel_len, why,
	    sizeof(why))) < 0)
		snprintf(err, errlen, "ARF: %s", why);
	if (r == 0 && (r = arfpart_join(skel, skel_len, pieces, n, max, out,
	    outlen)) < 0)
		snprintf(err, errlen, "ARF: %s", r == -E2BIG ? "over "
		    "max_arf_size" : "parts out of place");
	if (r == 0) {
		blob_sha256_hex(*out, *outlen, sha);
		if (whole && (strcmp(sha, whole) != 0 || *outlen != len)) {
			snprintf(err, errlen, "ARF: the joined bytes are not "
			    "the ones named");
			r = -EBADMSG;
		} else
			r = check(rr, skel, skel_len, pieces, n, info, err,
			    errlen);
		if (r < 0) {
			free(*out);
			*out = NULL;
		}
	}
	pieces_free(rr, pieces, n);
	blob_ref_free(&ref);
	free(skel);
	free(whole);
	return r;
}

/* gzip'ed data into a table of (sha256, size, gz), unless there: the
 * skeleton of an ARF (part 0) or a part (part 1).  A skeleton, one an
 * evaluation (780 KB with SSG's standard profile), at zlib's fastest
 * level: 51 KB in 8 ms where level 6 takes 14 ms for 40 KB; a part is
 * stored once, at level 6. */
static int
put_gz(struct rr *rr, int part, const char *sha, const char *data,
    size_t len)
{
	static const char *const has[] = {
		"SELECT 1 FROM arf WHERE sha256 = ?",
		"SELECT 1 FROM arf_part WHERE sha256 = ?" };
	static const char *const put[] = {
		"INSERT INTO arf (sha256, size, gz) VALUES (?,?,?)",
		"INSERT INTO arf_part (sha256, size, gz) VALUES (?,?,?)" };
	sqlite3_stmt *st;
	char *gz;
	size_t gzlen;
	int have;

	if (db_prep_hot(rr->db, has[part], &st) < 0)
		return -EIO;
	db_bind_text(st, 1, sha);
	have = sqlite3_step(st) == SQLITE_ROW;
	db_finish(st);
	if (have)
		return 1;
	if (blob_gzip(data, len, part ? 6 : 1, &gz, &gzlen) < 0)
		return -ENOMEM;
	if (db_prep_hot(rr->db, put[part], &st) < 0) {
		free(gz);
		return -EIO;
	}
	db_bind_text(st, 1, sha);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
	sqlite3_bind_blob(st, 3, gz, (int)gzlen, free);
	return rr_step_done(rr, st);
}

int
rr_arf_store(struct rr *rr, const char *sha, const char *arf, size_t len,
    const struct rr_arf_info *info)
{
	struct arfpart parts[ARFPART_MAX];
	size_t n = arfpart_split(arf, len, parts, ARFPART_MAX);
	size_t at[ARFPART_MAX], slen;
	sqlite3_stmt *st;
	char *skel, psha[65];
	int r;

	if ((r = arfpart_skeleton(arf, len, parts, n, &skel, &slen, at)) < 0)
		return r;
	/* The row is keyed by the whole's digest; its gz is the skeleton. */
	r = put_gz(rr, 0, sha, skel, slen);
	free(skel);
	if (r != 0)
		return r < 0 ? r : 0;	/* 1: stored already */
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		/* a part verified on the way in is not hashed again */
		while (k < info->n && (info->part[k].off != parts[i].off ||
		    info->part[k].len != parts[i].len))
			k++;
		if (k < info->n)
			memcpy(psha, info->part[k].sha256, sizeof(psha));
		else
			blob_sha256_hex(arf + parts[i].off, parts[i].len,
			    psha);
		if ((r = put_gz(rr, 1, psha, arf + parts[i].off,
		    parts[i].len)) < 0)
			return r;
		if (db_prep_hot(rr->db, "INSERT INTO arf_splice (arf, seq, at, "
		    "part) VALUES (?,?,?,?)", &st) < 0)
			return -EIO;
		db_bind_text(st, 1, sha);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)at[i]);
		db_bind_text(st, 4, psha);
		if ((r = rr_step_done(rr, st)) < 0)
			return r;
	}
	return 0;
}

int
rr_arf_load(struct rr *rr, int64_t eid, char **out, size_t *outlen)
{
	struct arfpiece pieces[ARFPART_MAX];
	size_t n = 0, slen = 0, max = (size_t)rr->conf.max_arf;
	sqlite3_stmt *st;
	char *skel = NULL, *sha = NULL;
	int r = -ENOENT;

	if (db_prep(rr->db, "SELECT a.sha256, a.gz FROM evaluation e JOIN arf a"
	    " ON a.sha256 = e.arf WHERE e.id = ?", &st) < 0)
		return -EIO;
	sqlite3_bind_int64(st, 1, eid);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (sha = strdup((const char *)sqlite3_column_text(st, 0))) != NULL)
		r = blob_gunzip(sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), max, &skel, &slen);
	sqlite3_finalize(st);
	if (r == 0 && db_prep(rr->db, "SELECT at, part FROM arf_splice WHERE "
	    "arf = ? ORDER BY seq", &st) < 0)
		r = -EIO;
	else if (r == 0) {
		db_bind_text(st, 1, sha);
		while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
			char *d;

			if (n == ARFPART_MAX) {
				r = -EINVAL;
				break;
			}
			pieces[n].off = (size_t)sqlite3_column_int64(st, 0);
			if ((r = part_load(rr, (const char *)
			    sqlite3_column_text(st, 1), max, &d,
			    &pieces[n].len)) == 0)
				pieces[n++].data = d;
		}
		sqlite3_finalize(st);
	}
	if (r == 0)
		r = arfpart_join(skel, slen, pieces, n, max, out, outlen);
	pieces_free(rr, pieces, n);
	free(skel);
	free(sha);
	return r;
}
