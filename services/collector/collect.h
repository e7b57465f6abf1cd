/*
 * collect.h - collecting OVAL system characteristics with libopenscap.
 *
 * The collector's core, in-process: what to collect for a profile (the
 * OVAL definitions its selected rules refer to, and the OVAL external
 * variables bound from the profile's values), and the collection itself
 * with libopenscap's probes, optionally under a target root
 * (OSCAP_PROBE_ROOT, as oscap-chroot does).
 */
#ifndef SACM_COLLECT_H
#define SACM_COLLECT_H

#include <stddef.h>

struct collect_plan {
	char	*oval_href;	/* catalog name of the main OVAL component */
	char	**defs;		/* definition ids the selected rules check */
	size_t	 ndefs;
	char	*variables;	/* OVAL variables document (XML text) */
	size_t	 variables_len;
	int	 nrules;	/* selected rules */
	int	 nvars;
};

/*
 * Plans collection for profile (NULL: the benchmark's default selection)
 * of datastream ds, with an XCCDF tailoring (NULL: none) whose profiles
 * may be named.  0, or -EINVAL (unknown profile, no benchmark).
 */
int	collect_plan(const char *ds, size_t len, const char *tailoring,
	    size_t tlen, const char *profile, struct collect_plan *,
	    char *err, size_t errlen);
void	collect_plan_free(struct collect_plan *);

/*
 * Collects the system characteristics of the OVAL document oval for the
 * definitions defs (ndefs 0: every object), with the variables document
 * (may be NULL), probing the system under root (NULL: this host).
 * *sc gets the system-characteristics document.  0 or -errno.
 */
int	collect_syschar(const char *oval, size_t len, const char *variables,
	    size_t vlen, char *const *defs, size_t ndefs, const char *root,
	    char **sc, size_t *sclen, char *err, size_t errlen);

/*
 * What a collection read, for watching it: appends one line per path,
 * "F /path" (a file: watch it, in its directory) or "D /dir" (any change
 * in the directory), sorted and unique.  From the items of the system
 * characteristics (the files found) and the OVAL objects that were
 * collected (paths given literally, or the literal directory before a
 * pattern: files that were not there yet).  0 or -EINVAL.
 */
struct buf;
int	collect_watch_paths(const char *oval, size_t olen, const char *sc,
	    size_t sclen, struct buf *out, char *err, size_t errlen);

#endif
