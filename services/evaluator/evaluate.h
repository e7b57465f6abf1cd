/*
 * evaluate.h - evaluating a SCAP policy against stored posture, offline.
 *
 * The XCCDF benchmark of a datastream is evaluated with libopenscap's
 * own xccdf_session, but nothing is probed: each OVAL agent is seeded
 * with the endpoint's stored system characteristics (objects absent from
 * them are fenced as "not collected"), platform applicability is computed
 * from the stored CPE-OVAL posture and written into the benchmark in place
 * of its platforms (so libopenscap's live CPE checks never run), and the
 * profile's values reach the OVAL external variables through the
 * session's own check-export binding.  The results are those `oscap xccdf
 * eval` gives live on the endpoint (docs/architecture.md).
 *
 * A loaded policy (eval_load) is the expensive part and is meant to be
 * kept; eval_run() changes it (platforms, seeded models), so it runs in a
 * child process forked from the one that loaded it, once.
 */
#ifndef SACM_EVALUATE_H
#define SACM_EVALUATE_H

#include <stddef.h>

struct eval;

/*
 * Loads datastream ds (and a tailoring document, may be NULL) for
 * profile (NULL: the benchmark's defaults; a tailored profile id with a
 * tailoring).  0, -EINVAL with err.
 */
int	eval_load(const char *ds, size_t dslen, const char *tailoring,
	    size_t tlen, const char *profile, const char *workdir,
	    struct eval **, char *err, size_t errlen);
void	eval_free(struct eval *);

struct eval_target {
	const char	*sc, *cpe_sc;		/* the posture (documents) */
	size_t		 sclen, cpe_sclen;
	const char	*hostname;		/* the endpoint's */
	const char	*endpoint;		/* its id (a target fact) */
};

/*
 * Evaluates; writes DIR/xccdf.xml (the benchmark with its TestResult)
 * and DIR/arf.xml (ARF 1.1).  0 or -errno with err.
 */
int	eval_run(struct eval *, const struct eval_target *, const char *dir,
	    char *err, size_t errlen);

/*
 * The rule results of an exported XCCDF document (xccdf.xml) as
 *   <rule-results xmlns=SACM_NS test-result=.. score=.. max=..>
 *     <rule id=.. result=.. severity=.. title=..><ident system=..>..</ident>
 *   </rule-results>
 * for every rule the evaluation selected (notselected ones are left
 * out), appended to out.  0 or -EINVAL.
 */
struct buf;
int	eval_rule_results(const char *xccdf, size_t len, struct buf *out,
	    char *err, size_t errlen);

#endif
