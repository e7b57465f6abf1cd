/*
 * debver.h - Debian package versions: comparison as dpkg does it
 * (deb-version(7): epoch, upstream version, revision; '~' sorts before
 * everything, letters before other characters) and version ranges for
 * inventory queries.
 */
#ifndef SACM_DEBVER_H
#define SACM_DEBVER_H

#include <stddef.h>

/* <0, 0, >0 like strcmp, for two version strings. */
int	debver_cmp(const char *a, const char *b);

/*
 * A range is one or more constraints separated by commas or spaces, each
 * an operator and a version: ">=1.2,<<2" or "= 3.0-1".  Operators: <<, <,
 * <=, =, >=, >, >> (< and > mean << and >> here, not dpkg's deprecated
 * meaning).  A bare version means "=".  0 if well-formed, -EINVAL (with
 * err) if not.
 */
int	debver_range_check(const char *range, char *err, size_t errlen);
/* 1 if version satisfies every constraint of a well-formed range. */
int	debver_in_range(const char *version, const char *range);

#endif
