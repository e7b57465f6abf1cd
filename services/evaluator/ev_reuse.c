/*
 * ev_reuse.c - an evaluation is not done twice.
 *
 * What an evaluation gives depends on the policy, the profile and the
 * posture, and on nothing else but the endpoint it names.  The posture
 * repository gives each document of a posture a digest that leaves out
 * what is not posture (the generator's time stamp, item ids, access
 * times) and stores one document per digest; endpoints built from one
 * image, and an endpoint collected again unchanged, have the same
 * digests.  So the evaluator keeps its last EV_REUSE_MAX evaluations by
 * (policy, profile, OVAL digest, CPE-OVAL digest): the rule results in
 * memory, the ARF in its state directory.  A request with the same key
 * gets the same rule results and that ARF retargeted to its endpoint (its
 * hostname in the asset and in the TestResult's target and host-name
 * fact, its id in the identifier fact), and its result names the request
 * that was evaluated (`reused`).
 *
 * The retargeting works on the bytes libopenscap wrote (no parse, so
 * everything else stays byte for byte): each of the four places must be
 * found exactly once where ARF 1.1 puts it, or nothing is reused and the
 * posture is evaluated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "buf.h"
#include "ev.h"
#include "log.h"

static int
is_hex64(const char *s)
{
	size_t n = 0;

	for (; s && s[n]; n++)
		if (!strchr("0123456789abcdef", s[n]))
			return 0;
	return n == 64;
}

int
ev_reuse_key(const char *policy_id, const char *profile, const char *sc,
    const char *cpe, char key[65])
{
	struct buf b;

	key[0] = '\0';
	if (!policy_id || !is_hex64(sc) || (cpe && !is_hex64(cpe)))
		return -EINVAL;
	buf_init(&b, 4096);
	buf_printf(&b, "%s\n%s\n%s\n%s", policy_id, profile ? profile : "",
	    sc, cpe ? cpe : "");
	if (buf_error(&b) < 0) {
		buf_free(&b);
		return -EINVAL;
	}
	blob_sha256_hex(b.data, b.len, key);
	buf_free(&b);
	return 0;
}

void
ev_reuse_path(const struct ev *e, const char *key, char *p, size_t n)
{
	snprintf(p, n, "%.2000s/reuse-%s.arf", e->conf.state_dir, key);
}

static void
drop(struct ev *e, struct ev_done *d)
{
	char p[2200];

	if (d->rules == NULL)
		return;
	ev_reuse_path(e, d->key, p, sizeof(p));
	(void)unlink(p);
	free(d->rules);
	free(d->request);
	memset(d, 0, sizeof(*d));
}

const struct ev_done *
ev_reuse_find(struct ev *e, const char *key)
{
	for (size_t i = 0; key[0] && i < EV_REUSE_MAX; i++)
		if (e->reuse[i].rules && strcmp(e->reuse[i].key, key) == 0) {
			e->reuse[i].used = ++e->reuse_clock;
			return &e->reuse[i];
		}
	return NULL;
}

void
ev_reuse_keep(struct ev *e, const char *key, const char *request,
    const char *rules, size_t rlen, const char *arf_file)
{
	struct ev_done *slot = &e->reuse[0];
	char p[2200];

	if (key[0] == '\0' || ev_reuse_find(e, key))
		return;
	/* a free slot, else the one used least lately */
	for (size_t i = 0; i < EV_REUSE_MAX; i++) {
		struct ev_done *d = &e->reuse[i];

		if (d->rules == NULL || (slot->rules && d->used < slot->used))
			slot = d;
	}
	drop(e, slot);
	ev_reuse_path(e, key, p, sizeof(p));
	if ((slot->rules = malloc(rlen + 1)) == NULL ||
	    (slot->request = strdup(request)) == NULL ||
	    rename(arf_file, p) < 0) {
		if (slot->rules && slot->request)
			log_warnx("%s: the ARF is not kept for reuse: %s",
			    request, strerror(errno));
		free(slot->rules);
		free(slot->request);
		memset(slot, 0, sizeof(*slot));
		return;
	}
	memcpy(slot->rules, rules, rlen);
	slot->rules[rlen] = '\0';
	slot->rlen = rlen;
	memcpy(slot->key, key, sizeof(slot->key));
	slot->used = ++e->reuse_clock;
}

void
ev_reuse_forget(struct ev *e)
{
	for (size_t i = 0; i < EV_REUSE_MAX; i++)
		drop(e, &e->reuse[i]);
}

/* ---- retargeting ------------------------------------------------------ */

/* The one occurrence of needle in [s, end), or NULL (none, or two). */
static const char *
once(const char *s, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	const char *a, *b;

	if (s == NULL || end == NULL || s >= end)
		return NULL;
	if ((a = memmem(s, (size_t)(end - s), needle, n)) == NULL)
		return NULL;
	b = memmem(a + n, (size_t)(end - a - n), needle, n);
	return b ? NULL : a;
}

static const char *
find(const char *s, const char *end, const char *needle)
{
	if (s == NULL || end == NULL || s >= end)
		return NULL;
	return memmem(s, (size_t)(end - s), needle, strlen(needle));
}

struct spot {
	const char	*open, *close;	/* what is between them is replaced */
	const char	*value;
	const char	*at, *to;	/* found: the old text */
};

int
ev_reuse_retarget(const char *arf, size_t len, const char *hostname,
    const char *endpoint, struct buf *out, char *err, size_t errlen)
{
	const char *end = arf + len, *assets, *assets_end, *tr, *tr_end;
	struct spot s[] = {
		{ "<ai:hostname>", "</ai:hostname>", hostname, 0, 0 },
		{ "<target>", "</target>", hostname, 0, 0 },
		{ "<fact name=\"urn:xccdf:fact:asset:identifier:host_name\" "
		  "type=\"string\">", "</fact>", hostname, 0, 0 },
		{ "<fact name=\"urn:xccdf:fact:identifier\" type=\"string\">",
		  "</fact>", endpoint, 0, 0 },
	};
	const char *from = arf;

	/* the assets, then the first TestResult after them */
	assets = find(find(arf, end, "</arf:report-requests>"), end,
	    "<arf:assets>");
	assets_end = find(assets, end, "</arf:assets>");
	tr = find(assets_end, end, "<TestResult ");
	tr_end = find(tr, end, "</TestResult>");
	if (!assets_end || !tr_end) {
		snprintf(err, errlen, "no assets or no TestResult where ARF "
		    "1.1 puts them");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		const char *lo = i == 0 ? assets : tr;
		const char *hi = i == 0 ? assets_end : tr_end;

		if ((s[i].at = once(lo, hi, s[i].open)) == NULL ||
		    (s[i].to = find(s[i].at, hi, s[i].close)) == NULL ||
		    s[i].value == NULL) {
			snprintf(err, errlen, "%s: not found once", s[i].open);
			return -EINVAL;
		}
		s[i].at += strlen(s[i].open);
		if (memchr(s[i].at, '<', (size_t)(s[i].to - s[i].at))) {
			snprintf(err, errlen, "%s: not text", s[i].open);
			return -EINVAL;
		}
	}
	/* in the order of the document: asset, target, facts */
	(void)buf_reserve(out, len + 4096);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		if (s[i].at < from) {
			snprintf(err, errlen, "%s: out of order", s[i].open);
			return -EINVAL;
		}
		buf_add(out, from, (size_t)(s[i].at - from));
		buf_add_xml(out, s[i].value);
		from = s[i].to;
	}
	buf_add(out, from, (size_t)(end - from));
	if (buf_error(out) < 0) {
		snprintf(err, errlen, "the ARF is too large");
		return -ENOMEM;
	}
	return 0;
}
