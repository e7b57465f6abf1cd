/*
 * json.c - see json.h.
 */
#include <string.h>

#include "json.h"

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s, size_t left)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) { n = 2; cp = s[0] & 0x1f; }
	else if ((s[0] & 0xf0) == 0xe0) { n = 3; cp = s[0] & 0x0f; }
	else if ((s[0] & 0xf8) == 0xf0) { n = 4; cp = s[0] & 0x07; }
	else return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
json_strn(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	int r;

	if ((r = buf_adds(b, "\"")) < 0)
		return r;
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n;

		if (c == '"' || c == '\\') {
			char e[3] = { '\\', (char)c, 0 };
			r = buf_adds(b, e);
			i++;
		} else if (c == '\n') {
			r = buf_adds(b, "\\n"); i++;
		} else if (c == '\t') {
			r = buf_adds(b, "\\t"); i++;
		} else if (c == '\r') {
			r = buf_adds(b, "\\r"); i++;
		} else if (c < 0x20) {
			r = buf_printf(b, "\\u%04x", c); i++;
		} else if ((n = utf8_len(p + i, len - i)) == 0) {
			r = buf_adds(b, "\\ufffd"); i++;
		} else {
			r = buf_add(b, p + i, n); i += n;
		}
		if (r < 0)
			return r;
	}
	return buf_adds(b, "\"");
}

int
json_str(struct buf *b, const char *s)
{
	if (s == NULL)
		return buf_adds(b, "null");
	return json_strn(b, s, strlen(s));
}
