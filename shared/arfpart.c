/*
 * arfpart.c - an ARF cut into shared parts and a skeleton, and joined
 * back (see arfpart.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arfpart.h"

static const char *const shared_names[] = {
	"data-stream-collection", "oval_definitions",
};

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	    c == ':';
}

/* At s (just after a '<'): the length of a qualified name whose local
 * part is one of shared_names and which a start tag goes on from, or 0. */
static size_t
shared_start(const char *s, size_t left)
{
	size_t q = 0, local = 0;

	while (q < left && q < 256 && name_char(s[q])) {
		if (s[q] == ':')
			local = q + 1;
		q++;
	}
	if (q == left || q == 256 || (s[q] != '>' && s[q] != ' ' &&
	    s[q] != '\t' && s[q] != '\n' && s[q] != '\r'))
		return 0;
	for (size_t i = 0; i < sizeof(shared_names) / sizeof(*shared_names);
	    i++)
		if (q - local == strlen(shared_names[i]) &&
		    memcmp(s + local, shared_names[i], q - local) == 0)
			return q;
	return 0;
}

/* Past a comment or CDATA section opening at arf + p, or NULL. */
static const char *
skip(const char *arf, size_t len, size_t p)
{
	static const struct { const char *open, *close; } s[] = {
		{ "!--", "-->" }, { "![CDATA[", "]]>" },
	};
	const char *c;

	for (size_t i = 0; i < 2; i++) {
		size_t o = strlen(s[i].open);

		if (len - p < o || memcmp(arf + p, s[i].open, o) != 0)
			continue;
		c = memmem(arf + p + o, len - p - o, s[i].close, 3);
		return c ? c + 3 : arf + len;
	}
	return NULL;
}

size_t
arfpart_split(const char *arf, size_t len, struct arfpart *parts, size_t max)
{
	size_t n = 0, p = 0;
	const char *lt;

	while (n < max && p < len && (lt = memchr(arf + p, '<', len - p))) {
		size_t at = (size_t)(lt - arf), q, end;
		char close[262];
		const char *c;

		p = at + 1;
		if ((c = skip(arf, len, p)) != NULL) {
			p = (size_t)(c - arf);
			continue;
		}
		if ((q = shared_start(arf + p, len - p)) == 0)
			continue;
		close[0] = '<';
		close[1] = '/';
		memcpy(close + 2, arf + p, q);
		close[q + 2] = '>';
		c = memmem(arf + p + q, len - p - q, close, q + 3);
		if (c == NULL)
			continue;
		end = (size_t)(c - arf) + q + 3;
		if (end - at >= ARFPART_MIN) {
			parts[n].off = at;
			parts[n].len = end - at;
			n++;
		}
		p = end;
	}
	return n;
}

int
arfpart_skeleton(const char *arf, size_t len, const struct arfpart *parts,
    size_t n, char **skel, size_t *slen, size_t *at)
{
	size_t from = 0, cut = 0, o = 0;
	char *s;

	for (size_t i = 0; i < n; i++) {
		if (parts[i].off < from || parts[i].len > len ||
		    parts[i].off > len - parts[i].len)
			return -EINVAL;
		from = parts[i].off + parts[i].len;
		cut += parts[i].len;
	}
	if ((s = malloc(len - cut + 1)) == NULL)
		return -ENOMEM;
	from = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(s + o, arf + from, parts[i].off - from);
		o += parts[i].off - from;
		at[i] = o;
		from = parts[i].off + parts[i].len;
	}
	memcpy(s + o, arf + from, len - from);
	o += len - from;
	s[o] = '\0';
	*skel = s;
	*slen = o;
	return 0;
}

int
arfpart_join(const char *skel, size_t slen, const struct arfpiece *pieces,
    size_t n, size_t max, char **out, size_t *outlen)
{
	size_t total = slen, from = 0, o = 0;
	char *s;

	for (size_t i = 0; i < n; i++) {
		if (pieces[i].off < from || pieces[i].off > slen)
			return -EINVAL;
		from = pieces[i].off;
		if (pieces[i].len > max || total > max - pieces[i].len)
			return -E2BIG;
		total += pieces[i].len;
	}
	if (total > max)
		return -E2BIG;
	if ((s = malloc(total + 1)) == NULL)
		return -ENOMEM;
	from = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(s + o, skel + from, pieces[i].off - from);
		o += pieces[i].off - from;
		memcpy(s + o, pieces[i].data, pieces[i].len);
		o += pieces[i].len;
		from = pieces[i].off;
	}
	memcpy(s + o, skel + from, slen - from);
	o += slen - from;
	s[o] = '\0';
	*out = s;
	*outlen = o;
	return 0;
}
