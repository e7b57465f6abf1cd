/*
 * t.h - a tiny assert header for unit tests (after libstrophe's tests).
 * Each test program is a plain main() that calls T_RUN(fn) per case.
 */
#ifndef T_H
#define T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failed;
static int t_skipped;	/* cases that could not run: exit 77 */

#define T_FAIL(...) do {						\
	fprintf(stderr, "  FAIL %s:%d: ", __FILE__, __LINE__);		\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	t_failed++;							\
	return;								\
} while (0)

#define T_ASSERT(c) do { if (!(c)) T_FAIL("%s", #c); } while (0)
#define T_EQ(a, b) do {							\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) T_FAIL("%s == %lld, expected %lld", #a, _a, _b);	\
} while (0)
#define T_STREQ(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (!_a || !_b || strcmp(_a, _b) != 0)				\
		T_FAIL("%s == \"%s\", expected \"%s\"", #a,		\
		    _a ? _a : "(null)", _b ? _b : "(null)");		\
} while (0)

#define T_RUN(fn) do {							\
	int _before = t_failed;						\
	fn();								\
	printf("%s %s\n", t_failed == _before ? "ok  " : "FAIL", #fn);	\
} while (0)

/* 1 on a failure, else 77 (skipped) when a case could not run, else 0. */
#define T_DONE() (t_failed ? (fprintf(stderr, "%d failure(s)\n",	\
	t_failed), 1) : t_skipped ? (fprintf(stderr, "%d case(s) "	\
	"skipped\n", t_skipped), 77) : 0)

#endif
