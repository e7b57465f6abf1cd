/*
 * oscap_util.c - see oscap_util.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openscap/oscap_error.h>
#include <openscap/oscap_source.h>
#include <openscap/oval_results.h>

#include "buf.h"
#include "oscap_util.h"

#define MAX_REPORTED	3

const char *
ou_reason(const char *what)
{
	const char *d = oscap_err() ? oscap_err_desc() : NULL;

	return d ? d : what;
}

struct oval_result_system *
ou_first_system(struct oval_results_model *rm)
{
	struct oval_result_system_iterator *it =
	    oval_results_model_get_systems(rm);
	struct oval_result_system *s = oval_result_system_iterator_has_more(it)
	    ? oval_result_system_iterator_next(it) : NULL;

	oval_result_system_iterator_free(it);
	return s;
}

int
ou_tmpfile(char *path, size_t n, const char *what)
{
	int fd;

	snprintf(path, n, "%s/sacm-%s-XXXXXX", getenv("TMPDIR") ?
	    getenv("TMPDIR") : "/tmp", what);
	if ((fd = mkstemp(path)) < 0)
		return -errno;
	close(fd);
	return 0;
}

int
ou_slurp_tmp(const char *path, char **out, size_t *len)
{
	struct buf b;
	int r;

	buf_init(&b, 256u << 20);
	r = buf_read_file(&b, path);
	unlink(path);
	if (r < 0) {
		buf_free(&b);
		return r;
	}
	*out = buf_steal(&b, len);
	return *out ? 0 : -ENOMEM;
}

struct report {
	struct buf	b;
	int		n;
};

static int
xsd_reporter(const char *file, int line, const char *msg, void *arg)
{
	struct report *rep = arg;

	(void)file;
	if (rep->n++ < MAX_REPORTED)
		buf_printf(&rep->b, "%sline %d: %.*s", rep->n > 1 ? "; " : "",
		    line, (int)strcspn(msg, "\n"), msg);
	return 0;
}

int
ou_validate(struct oscap_source *src, char *err, size_t errlen)
{
	struct report rep;
	int r = 0;

	buf_init(&rep.b, 2048);
	rep.n = 0;
	if (oscap_source_validate(src, xsd_reporter, &rep) != 0) {
		snprintf(err, errlen, "XSD validation failed: %s%s",
		    rep.b.data ? rep.b.data : ou_reason("invalid document"),
		    rep.n > MAX_REPORTED ? " ..." : "");
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = ' ';
		r = -EINVAL;
	}
	buf_free(&rep.b);
	return r;
}
