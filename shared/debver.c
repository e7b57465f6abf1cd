/*
 * debver.c - see debver.h.  The comparison follows dpkg's verrevcmp():
 * alternate non-digit and digit runs; in non-digit runs '~' < end <
 * letters < other characters; digit runs compare as numbers.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debver.h"

static int
order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

/* Compares the parts [a, ae) and [b, be). */
static int
verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		int first = 0;

		while ((a < ae && !isdigit((unsigned char)*a)) ||
		    (b < be && !isdigit((unsigned char)*b))) {
			int ac = a < ae ? order((unsigned char)*a) : 0;
			int bc = b < be ? order((unsigned char)*b) : 0;

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && isdigit((unsigned char)*a) &&
		    b < be && isdigit((unsigned char)*b)) {
			if (!first)
				first = *a - *b;
			a++;
			b++;
		}
		if (a < ae && isdigit((unsigned char)*a))
			return 1;
		if (b < be && isdigit((unsigned char)*b))
			return -1;
		if (first)
			return first;
	}
	return 0;
}

struct ver {
	unsigned long	 epoch;
	const char	*up, *upe, *rev, *reve;
};

static void
split(const char *s, struct ver *v)
{
	const char *colon = strchr(s, ':'), *dash, *end = s + strlen(s);
	char *e;

	v->epoch = 0;
	if (colon) {
		v->epoch = strtoul(s, &e, 10);
		if (e != colon)
			v->epoch = 0;
		s = colon + 1;
	}
	dash = strrchr(s, '-');
	v->up = s;
	v->upe = dash ? dash : end;
	v->rev = dash ? dash + 1 : end;
	v->reve = end;
}

int
debver_cmp(const char *a, const char *b)
{
	struct ver x, y;
	int r;

	split(a, &x);
	split(b, &y);
	if (x.epoch != y.epoch)
		return x.epoch < y.epoch ? -1 : 1;
	if ((r = verrevcmp(x.up, x.upe, y.up, y.upe)) != 0)
		return r;
	return verrevcmp(x.rev, x.reve, y.rev, y.reve);
}

enum op { LT, LE, EQ, GE, GT };

/* The next constraint of *s; 1 found, 0 at the end, -EINVAL. */
static int
next(const char **s, enum op *op, char *ver, size_t vlen)
{
	const char *p = *s, *v;
	size_t n;

	while (*p == ',' || isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return 0;
	if (strncmp(p, "<<", 2) == 0 || strncmp(p, ">>", 2) == 0) {
		*op = *p == '<' ? LT : GT;
		p += 2;
	} else if (strncmp(p, "<=", 2) == 0 || strncmp(p, ">=", 2) == 0) {
		*op = *p == '<' ? LE : GE;
		p += 2;
	} else if (*p == '<' || *p == '>') {
		*op = *p == '<' ? LT : GT;
		p++;
	} else if (*p == '=') {
		*op = EQ;
		p += 1 + (p[1] == '=');
	} else
		*op = EQ;
	while (isspace((unsigned char)*p))
		p++;
	v = p;
	while (*p && *p != ',' && !isspace((unsigned char)*p))
		p++;
	if ((n = (size_t)(p - v)) == 0 || n >= vlen)
		return -EINVAL;
	for (const char *q = v; q < p; q++)
		if (!isalnum((unsigned char)*q) && !strchr(".+-~:", *q))
			return -EINVAL;
	memcpy(ver, v, n);
	ver[n] = '\0';
	*s = p;
	return 1;
}

int
debver_range_check(const char *range, char *err, size_t errlen)
{
	char v[256];
	enum op op;
	int r, n = 0;

	while ((r = next(&range, &op, v, sizeof(v))) == 1)
		n++;
	if (r < 0 || n == 0) {
		snprintf(err, errlen, "bad version range near '%.40s' (use "
		    "for example '>=1.2,<<2.0')", range);
		return -EINVAL;
	}
	return 0;
}

int
debver_in_range(const char *version, const char *range)
{
	char v[256];
	enum op op;
	int r, c;

	while ((r = next(&range, &op, v, sizeof(v))) == 1) {
		c = debver_cmp(version, v);
		if ((op == LT && c >= 0) || (op == LE && c > 0) ||
		    (op == EQ && c != 0) || (op == GE && c < 0) ||
		    (op == GT && c <= 0))
			return 0;
	}
	return r == 0;
}
