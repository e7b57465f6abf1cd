/*
 * arfpart.h - an ARF cut into what every evaluation of a policy shares
 * and what is the evaluation's own.
 *
 * An ARF from oscap repeats the content it was evaluated against: the
 * whole datastream in its report-request (5.9 of 8.3 MB for SSG's
 * standard profile) and the OVAL definitions in each OVAL results report
 * (1.7 MB more).  Those parts are the same bytes for every evaluation of
 * one policy.  What is the evaluation's own (the TestResult, the OVAL
 * results and system characteristics, the assets) is about 700 KB, 34 KB
 * gzip'ed.  So the evaluator uploads a shared part once and the results
 * repository stores it once, by digest.
 *
 * The cut is made on bytes (comments and CDATA sections skipped), not on
 * a parse: the skeleton (what is left)
 * and the parts join back to exactly the bytes that were cut, whatever
 * they hold.  A wrong guess about where an element ends costs sharing,
 * never content; whoever joins verifies the whole's digest.
 */
#ifndef SACM_ARFPART_H
#define SACM_ARFPART_H

#include <stddef.h>

#define ARFPART_MAX	16		/* parts in one ARF, at most */
#define ARFPART_MIN	4096		/* smaller elements are not cut */

/* A shared part: its range in the whole ARF. */
struct arfpart {
	size_t	off, len;
};

/*
 * The shared parts of arf, in order and not overlapping: each
 * data-stream-collection and oval_definitions element (any prefix) of at
 * least ARFPART_MIN bytes, at most max of them.  Returns how many.
 */
size_t	arfpart_split(const char *arf, size_t len, struct arfpart *,
	    size_t max);

/* A part to put back: at offset off of the skeleton. */
struct arfpiece {
	size_t		 off;
	const char	*data;
	size_t		 len;
};

/*
 * The skeleton of arf without the n parts (*skel to free, NUL-terminated)
 * and, in at[i], the offset in the skeleton where part i goes back.
 * 0 or -ENOMEM; -EINVAL when the parts are out of order or out of range.
 */
int	arfpart_skeleton(const char *arf, size_t len, const struct arfpart *,
	    size_t n, char **skel, size_t *slen, size_t *at);

/*
 * The skeleton with the n pieces put back (*out to free, NUL-terminated).
 * Offsets must not decrease and must lie in the skeleton: -EINVAL; a
 * whole of more than max bytes: -E2BIG; -ENOMEM.
 */
int	arfpart_join(const char *skel, size_t slen, const struct arfpiece *,
	    size_t n, size_t max, char **out, size_t *outlen);

#endif
