/*
 * rr_fix.c - libopenscap on a stored ARF, in a child:
 *  - the remediation of an evaluation: the fix for its failed rules,
 *    generated exactly as `oscap xccdf generate fix --fix-type T
 *    --result-id ID ARF` generates it (the TestResult's policy,
 *    xccdf_policy_generate_fix);
 *  - its score with waived rules overridden to pass (XCCDF override,
 *    xccdf_policy_recalculate_score): what a waiver does to the score.
 *
 * libopenscap runs in a child with a time limit (shared/child.c): it
 * takes about 200 MB for SSG's datastream and a second, and what it
 * allocates, or leaks, goes with the child.  The script and the child's
 * error come back through two memfds, so nothing touches the disk.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openscap/oscap.h>
#include <openscap/oscap_error.h>
#include <openscap/oscap_source.h>
#include <openscap/ds_rds_session.h>
#include <openscap/xccdf_policy.h>
#include <openscap/xccdf_session.h>

#include "child.h"
#include "rr.h"

#define FIX_TIMEOUT	120		/* seconds */
#define FIX_MAX		(64u << 20)	/* the largest script returned */

/* What `oscap xccdf generate fix --fix-type` names each template. */
static const struct {
	const char	*type, *tmpl;
} types[] = {
	{ "bash",	"urn:xccdf:fix:script:sh" },
	{ "ansible",	"urn:xccdf:fix:script:ansible" },
	{ "puppet",	"urn:xccdf:fix:script:puppet" },
};

const char *
rr_fix_types(void)
{
	return "bash, ansible or puppet";
}

static const char *
template_of(const char *type)
{
	for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].type, type) == 0)
			return types[i].tmpl;
	return NULL;
}

struct fix_arg {
	const char	*arf, *tmpl;
	size_t		 len;
	int		 out, err;
	const char *const *waived;	/* scoring: the rules to pass */
	size_t		 nwaived;
};

static int
child_err(int fd, const char *what)
{
	const char *why = oscap_err() ? oscap_err_desc() : NULL;

	dprintf(fd, "%s%s%s\n", what, why ? ": " : "", why ? why : "");
	return 1;
}

/* The waived rules overridden to pass, the scores computed again; the
 * default model's score and maximum written out. */
static int
score_child(struct fix_arg *a, struct xccdf_policy *policy,
    struct xccdf_result *result)
{
	struct xccdf_rule_result_iterator *it;
	struct xccdf_score_iterator *sc;
	size_t done = 0;
	int found = 0;

	it = xccdf_result_get_rule_results(result);
	while (xccdf_rule_result_iterator_has_more(it)) {
		struct xccdf_rule_result *rr =
		    xccdf_rule_result_iterator_next(it);
		const char *id = xccdf_rule_result_get_idref(rr);

		for (size_t i = 0; id && i < a->nwaived; i++)
			if (strcmp(a->waived[i], id) == 0 &&
			    xccdf_rule_result_get_result(rr) ==
			    XCCDF_RESULT_FAIL) {
				if (!xccdf_rule_result_override(rr,
				    XCCDF_RESULT_PASS, "1970-01-01T00:00:00Z",
				    "sacm-grid", NULL))
					return child_err(a->err, "overriding "
					    "a rule result");
				done++;
				break;
			}
	}
	xccdf_rule_result_iterator_free(it);
	if (done != a->nwaived)
		return child_err(a->err, "a waived rule does not fail in the "
		    "ARF's TestResult");
	if (xccdf_policy_recalculate_score(policy, result) != 0)
		return child_err(a->err, "scoring");
	sc = xccdf_result_get_scores(result);
	while (!found && xccdf_score_iterator_has_more(sc)) {
		struct xccdf_score *x = xccdf_score_iterator_next(sc);
		const char *sys = xccdf_score_get_system(x);

		if (sys == NULL ||
		    strcmp(sys, "urn:xccdf:scoring:default") == 0) {
			dprintf(a->out, "%f %f\n", xccdf_score_get_score(x),
			    xccdf_score_get_maximum(x));
			found = 1;
		}
	}
	xccdf_score_iterator_free(sc);
	return found ? 0 : child_err(a->err, "no default score");
}

static int
fix_child(void *argp)
{
	struct fix_arg *a = argp;
	struct oscap_source *src, *rep, *req;
	struct ds_rds_session *rds;
	struct xccdf_session *s;
	struct xccdf_policy *policy;
	struct xccdf_result *result;

	/* the source frees its buffer: a copy of the parent's (COW) ARF */
	char *copy = malloc(a->len);

	if (copy == NULL)
		return child_err(a->err, "out of memory");
	memcpy(copy, a->arf, a->len);
	if ((src = oscap_source_new_from_memory(copy, a->len,
	    "arf.xml")) == NULL || (rds = ds_rds_session_new_from_source(
	    src)) == NULL)
		return child_err(a->err, "the stored ARF does not load");
	if ((rep = ds_rds_session_select_report(rds, NULL)) == NULL ||
	    (req = ds_rds_session_select_report_request(rds, NULL)) == NULL)
		return child_err(a->err, "the stored ARF has no report or "
		    "report request");
	if ((s = xccdf_session_new_from_source(oscap_source_clone(req))) ==
	    NULL || xccdf_session_add_report_from_source(s,
	    oscap_source_clone(rep)) != 0)
		return child_err(a->err, "the ARF's datastream does not load");
	xccdf_session_set_validation(s, false, false);
	xccdf_session_set_loading_flags(s, XCCDF_SESSION_LOAD_XCCDF);
	if (xccdf_session_load(s) != 0)
		return child_err(a->err, "the ARF's benchmark does not load");
	if (xccdf_session_build_policy_from_testresult(s, NULL) != 0)
		return child_err(a->err, "the ARF's TestResult names no "
		    "policy");
	policy = xccdf_session_get_xccdf_policy(s);
	result = xccdf_policy_get_result_by_id(policy,
	    xccdf_session_get_result_id(s));
	if (result == NULL)
		return child_err(a->err, "the ARF has no TestResult");
	if (a->tmpl == NULL)
		return score_child(a, policy, result);
	if (xccdf_policy_generate_fix(policy, result, a->tmpl, a->out) != 0)
		return child_err(a->err, "generating the fix");
	return 0;
}

/* The whole of a memfd (*out to free), at most max bytes. */
static int
slurp(int fd, size_t max, char **out, size_t *len)
{
	struct stat sb;
	ssize_t n;

	*out = NULL;
	*len = 0;
	if (fstat(fd, &sb) < 0)
		return -errno;
	if ((size_t)sb.st_size > max)
		return -E2BIG;
	if ((*out = malloc((size_t)sb.st_size + 1)) == NULL)
		return -ENOMEM;
	if ((n = pread(fd, *out, (size_t)sb.st_size, 0)) != sb.st_size) {
		free(*out);
		*out = NULL;
		return n < 0 ? -errno : -EIO;
	}
	(*out)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

/* Runs the child on a; its output in *out (to free). */
static int
run(struct fix_arg *ap, char **out, size_t *outlen, char *err,
    size_t errlen)
{
	struct fix_arg a = *ap;
	struct child c;
	struct rusage ru;
	int r, status = 0;

	*out = NULL;
	*outlen = 0;
	a.out = a.err = -1;
	if ((a.out = memfd_create("sacm-fix", MFD_CLOEXEC)) < 0 ||
	    (a.err = memfd_create("sacm-fix-err", MFD_CLOEXEC)) < 0) {
		r = -errno;
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		goto out;
	}
	if ((r = child_start(&c, FIX_TIMEOUT, 0, fix_child, &a)) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(-r));
		goto out;
	}
	while ((r = child_poll(&c, &status, &ru)) == 0)
		(void)poll(NULL, 0, 20);
	if (r < 0) {
		snprintf(err, errlen, "the fix generator was lost");
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *why = NULL;
		size_t n;

		if (WIFEXITED(status) && slurp(a.err, 2048, &why, &n) == 0 &&
		    n > 0) {
			why[strcspn(why, "\n")] = '\0';
			snprintf(err, errlen, "%s", why);
		} else
			child_failure(&c, status, NULL, FIX_TIMEOUT, err,
			    errlen);
		free(why);
		r = -EIO;
		goto out;
	}
	if ((r = slurp(a.out, FIX_MAX, out, outlen)) < 0)
		snprintf(err, errlen, "reading the fix: %s", strerror(-r));
out:
	if (a.out >= 0)
		close(a.out);
	if (a.err >= 0)
		close(a.err);
	return r;
}

int
rr_fix(const char *arf, size_t len, const char *type, char **out,
    size_t *outlen, char *err, size_t errlen)
{
	struct fix_arg a = { .arf = arf, .len = len };

	*out = NULL;
	*outlen = 0;
	if ((a.tmpl = template_of(type)) == NULL) {
		snprintf(err, errlen, "unknown fix type '%.40s' (%s)",
		    type ? type : "", rr_fix_types());
		return -EINVAL;
	}
	return run(&a, out, outlen, err, errlen);
}

int
rr_fix_score(const char *arf, size_t len, const char *const *waived,
    size_t n, double *score, double *max, char *err, size_t errlen)
{
	struct fix_arg a = { .arf = arf, .len = len, .waived = waived,
	    .nwaived = n };
	char *out;
	size_t olen;
	int r;

	if ((r = run(&a, &out, &olen, err, errlen)) < 0)
		return r;
	if (sscanf(out, "%lf %lf", score, max) != 2) {
		snprintf(err, errlen, "the scorer wrote no score");
		r = -EIO;
	}
	free(out);
	return r;
}
