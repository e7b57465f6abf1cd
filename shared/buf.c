/*
 * buf.c - see buf.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->data)
		b->data[0] = '\0';
}

int
buf_error(const struct buf *b)
{
	return b->err;
}

/* The first failure: the data goes, the error stays. */
static int
fail(struct buf *b, int err)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = err;
	return err;
}

static int
reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->err)
		return b->err;
	if (extra > b->max || b->len > b->max - extra)
		return fail(b, -E2BIG);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return fail(b, -ENOMEM);
	b->data = p;
	b->cap = cap;
	return 0;
}

int
buf_reserve(struct buf *b, size_t n)
{
	return reserve(b, n);
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	int r;

	if ((r = reserve(b, n)) < 0)
		return r;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return b->err ? b->err : fail(b, -EINVAL);
	if ((r = reserve(b, (size_t)n)) < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int
buf_add_xml(struct buf *b, const char *s)
{
	const char *run = s;
	int r;

	for (; *s; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default: continue;
		}
		if ((r = buf_add(b, run, (size_t)(s - run))) < 0 ||
		    (r = buf_adds(b, rep)) < 0)
			return r;
		run = s + 1;
	}
	return buf_add(b, run, (size_t)(s - run));
}

static int
is_name(const char *s)
{
	if (s == NULL || !(((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z') ||
	    *s == '_' || *s == ':'))
		return 0;
	for (s++; *s; s++)
		if (!(((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr("._:-", *s)))
			return 0;
	return 1;
}

int
buf_add_attr(struct buf *b, const char *name, const char *value)
{
	int r;

	if (b->err)
		return b->err;
	if (!is_name(name))
		return fail(b, -EINVAL);
	if (value == NULL)
		return 0;
	if ((r = buf_adds(b, " ")) < 0 || (r = buf_adds(b, name)) < 0 ||
	    (r = buf_adds(b, "='")) < 0 || (r = buf_add_xml(b, value)) < 0)
		return r;
	return buf_adds(b, "'");
}

int
buf_read_file(struct buf *b, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct stat sb;
	char chunk[65536];
	size_t n;
	int r = 0;

	if (f == NULL)
		return -errno;
	/* a regular file is read in place, into room made once */
	if (f != stdin && fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) &&
	    sb.st_size > 0 && (uintmax_t)sb.st_size < SIZE_MAX / 2 &&
	    reserve(b, (size_t)sb.st_size) == 0) {
		while ((n = fread(b->data + b->len, 1, b->cap - b->len - 1,
		    f)) > 0) {
			b->len += n;
			b->data[b->len] = '\0';
			if (b->len + 1 == b->cap && (r = reserve(b,
			    sizeof(chunk))) < 0)
				break;
		}
	} else while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((r = buf_add(b, chunk, n)) < 0)
			break;
	if (r == 0 && ferror(f))
		r = fail(b, -EIO);
	if (f != stdin)
		fclose(f);
	return r;
}

char *
buf_steal(struct buf *b, size_t *lenp)
{
	char *p = b->data;

	if (b->err)		/* a failed buffer has nothing to hand over */
		return NULL;
	if (p == NULL && (p = calloc(1, 1)) == NULL)
		return NULL;
	if (lenp)
		*lenp = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
