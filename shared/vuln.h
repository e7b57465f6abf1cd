/*
 * vuln.h - vulnerability OVAL definitions (Debian's security tracker
 * form: dpkginfo tests with evr "less than" states) evaluated from a
 * stored software inventory, without probing the endpoint.
 *
 * An object the inventory answers is a dpkginfo_object naming a package
 * plainly (no operation but equals, no variable): its items are made from
 * the inventory exactly as OpenSCAP's dpkginfo probe writes them (epoch 0
 * when none, version and release split at the last '-', evr
 * "epoch:version[-release]").  Every other object (Debian's release check
 * on /etc/debian_version, uname) needs the endpoint: vuln_targeted() gives
 * an OVAL document of exactly those objects for a targeted collection,
 * and its system characteristics are merged in.
 *
 * The evaluation itself is libopenscap's (oval_results_model_eval), as
 * `oscap oval analyse` does it.
 */
#ifndef SACM_VULN_H
#define SACM_VULN_H

#include <stddef.h>

#define VULN_MAX	(512u << 20)	/* a definitions document */

/* What a definitions document holds. */
struct vuln_info {
	size_t	 definitions;	/* vulnerability or patch class */
	size_t	 objects;
	size_t	 from_inventory;	/* objects the inventory answers */
	/* the generator's (empty when not given) */
	char	 product[128], schema[16], generated[40];
};

/*
 * Checks a definitions document (untrusted): OVAL definitions, every
 * definition of class vulnerability or patch, every test's object and
 * state in the document, and valid against OVAL's XSD (libopenscap's
 * schemas, the version the document names).  0 with info, or -EINVAL
 * with err.
 */
int	vuln_check(const char *defs, size_t len, struct vuln_info *info,
	    char *err, size_t errlen);

/*
 * The objects the inventory does not answer, as an OVAL definitions
 * document of those objects alone (to collect on the endpoint).  0 with
 * *out (NULL when there are none), or -errno with err.
 */
int	vuln_targeted(const char *defs, size_t len, char **out, size_t *outlen,
	    char *err, size_t errlen);

/*
 * System characteristics for defs: the inventory's items for the objects
 * it answers, and the collected document's objects and items (may be
 * NULL: those objects are then "not collected").  0 with *sc, or -errno.
 */
int	vuln_syschar(const char *defs, size_t len, const char *inventory,
	    size_t ilen, const char *collected, size_t clen, char **sc,
	    size_t *sclen, char *err, size_t errlen);

/*
 * What a definition says besides its result (vuln_facts.c): its CVE ids
 * (space-separated), the package and the version that fixes it (of its
 * first criterion the inventory answers: "<package> is earlier than
 * <fixed>"), its severity when the content gives one, and whether it
 * needs objects the inventory does not answer (a targeted collection).
 * Each may be NULL.
 */
struct vuln_fact {
	char	*id, *title, *cves, *package, *fixed, *severity;
	int	 collected;
};

/* One definition's result. */
struct vuln_result {
	const char		*id;		/* definition id */
	const char		*result;	/* true, false, error, ... */
	const struct vuln_fact	*fact;		/* NULL: none known */
};
typedef int vuln_result_fn(const struct vuln_result *, void *);

/*
 * Evaluation with libopenscap (oval_results_model_eval, as `oscap oval
 * analyse` does): the definitions loaded once (most of the time of one
 * endpoint's evaluation is loading them), then each endpoint's system
 * characteristics (vuln_defs_syschar) evaluated against them, fn called
 * for each definition.  *results (may be NULL) gets the OVAL results
 * document.  0 or -errno with err.
 */
struct vuln_defs;
struct vuln_defs *vuln_defs_load(const char *defs, size_t len, char *err,
	    size_t errlen);
/* vuln_syschar() for these definitions. */
int	vuln_defs_syschar(struct vuln_defs *, const char *inventory,
	    size_t ilen, const char *collected, size_t clen, char **sc,
	    size_t *sclen, char *err, size_t errlen);
int	vuln_defs_eval(struct vuln_defs *, const char *sc, size_t sclen,
	    vuln_result_fn *fn, void *arg, char **results, size_t *rlen,
	    char *err, size_t errlen);
void	vuln_defs_free(struct vuln_defs *);

#endif
