/*
 * ev_arf.c - an evaluation's ARF out: its own bytes every time, what it
 * shares with other evaluations of the policy once.
 *
 * The ARF is cut (arfpart.h) into a skeleton and shared parts (the
 * datastream, the OVAL definitions).  The skeleton is uploaded; a part is
 * uploaded only when this evaluator has not uploaded the same bytes in
 * the last PART_TTL seconds, and is otherwise referred to by the blob
 * uploaded then.  The results repository fetches only the parts it does
 * not hold, joins, and checks the whole's digest.  PART_TTL stays far
 * below the upload services' expiry (Prosody's default is a week), so a
 * blob referred to is still there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arfpart.h"
#include "blob.h"
#include "ev.h"
#include "log.h"

#define PART_TTL	3600

/* The cached blob of a part uploaded lately, or NULL. */
static const char *
part_cached(struct ev *e, const char *sha, time_t now)
{
	for (size_t i = 0; i < EV_PARTS_MAX; i++)
		if (e->parts[i].blob && strcmp(e->parts[i].sha256, sha) == 0 &&
		    now - e->parts[i].at < PART_TTL)
			return e->parts[i].blob;
	return NULL;
}

/* Remembers a part uploaded now; its cached blob, NULL (no memory). */
static const char *
part_remember(struct ev *e, const char *sha, const struct blob_ref *ref,
    time_t now)
{
	struct ev_part *slot = &e->parts[0];
	struct buf b;

	/* The same part again, a free slot, else the oldest. */
	for (size_t i = 0; i < EV_PARTS_MAX; i++) {
		struct ev_part *p = &e->parts[i];
		int same = p->blob && strcmp(p->sha256, sha) == 0;

		if (same || p->blob == NULL) {
			slot = p;
			break;
		}
		if (p->at < slot->at)
			slot = p;
	}
	buf_init(&b, 8192);
	if (blob_ref_to_xml(ref, &b) < 0 || b.data == NULL) {
		buf_free(&b);
		return NULL;
	}
	free(slot->blob);
	slot->blob = b.data;
	memcpy(slot->sha256, sha, sizeof(slot->sha256));
	slot->at = now;
	return slot->blob;
}

void
ev_arf_forget(struct ev *e)
{
	for (size_t i = 0; i < EV_PARTS_MAX; i++) {
		free(e->parts[i].blob);
		e->parts[i].blob = NULL;
	}
}

int
ev_arf_put(struct ev *e, const char *arf, size_t len, struct buf *out,
    char *err, size_t errlen)
{
	struct arfpart parts[ARFPART_MAX];
	size_t n = arfpart_split(arf, len, parts, ARFPART_MAX);
	size_t at[ARFPART_MAX], slen, up = 0;
	struct blob_ref ref = { 0 };
	time_t now = time(NULL);
	char sha[65], *skel;
	int r;

	if ((r = arfpart_skeleton(arf, len, parts, n, &skel, &slen, at)) < 0) {
		snprintf(err, errlen, "cutting the ARF: %s", strerror(-r));
		return r;
	}
	r = blob_put(e->g, "arf.xml", skel, slen, "application/xml", 1, &ref);
	free(skel);
	if (r < 0) {
		snprintf(err, errlen, "uploading the ARF: %s",
		    grid_errstr(e->g));
		return r;
	}
	blob_sha256_hex(arf, len, sha);
	buf_printf(out, "<arf sha256='%s' size='%zu'>", sha, len);
	blob_ref_to_xml(&ref, out);
	blob_ref_free(&ref);
	for (size_t i = 0; i < n; i++) {
		const char *p = arf + parts[i].off, *blob;

		blob_sha256_hex(p, parts[i].len, sha);
		if ((blob = part_cached(e, sha, now)) == NULL) {
			if ((r = blob_put(e->g, "arf-part.xml", p, parts[i].len,
			    "application/xml", 1, &ref)) < 0) {
				snprintf(err, errlen, "uploading a part of the "
				    "ARF: %s", grid_errstr(e->g));
				return r;
			}
			blob = part_remember(e, sha, &ref, now);
			blob_ref_free(&ref);
			up++;
			if (blob == NULL) {
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
		}
		buf_printf(out, "<part at='%zu' sha256='%s' size='%zu'>", at[i],
		    sha, parts[i].len);
		buf_adds(out, blob);
		buf_adds(out, "</part>");
	}
	buf_adds(out, "</arf>");
	log_debug("ARF of %zu bytes: %zu shared parts, %zu uploaded now", len,
	    n, up);
	return buf_error(out);
}
