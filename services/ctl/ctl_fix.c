/*
 * ctl_fix.c - remediation: the fix for an evaluation's failed rules, to
 * read (remediation ENDPOINT) or to apply (remediation apply ENDPOINT).
 *
 * Applying is an operator's approval of one script, by its sha256: the
 * orchestrator asks the endpoint's collector to run it (if its
 * configuration allows), then collect and evaluate again; --wait shows
 * how the script ran and which rules it fixed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "blob.h"
#include "buf.h"
#include "ctl.h"
#include "json.h"
#include "pubsub.h"
#include "query.h"
#include "topics.h"
#include "xmlutil.h"


struct fix {
	char		*script;
	size_t		 len;
	char		 sha256[65];
	char		*evaluation, *policy, *profile;
	struct blob_ref	 ref;
};

static void
fix_free(struct fix *f)
{
	free(f->script);
	free(f->evaluation);
	free(f->policy);
	free(f->profile);
	blob_ref_free(&f->ref);
}

/* The fix from the results repository, its sha256 checked.  0, or 1 with
 * the reason printed. */
static int
fetch(struct ctl *c, const char *what, const char *endpoint, struct fix *f)
{
	struct buf h;
	xmlDocPtr doc;
	xmlNodePtr rem;
	char *want;
	int r = 0;

	memset(f, 0, sizeof(*f));
	buf_init(&h, 65536);
	buf_adds(&h, "<query xmlns='" NS_RESULTS "' type='remediation'");
	buf_add_attr(&h, "endpoint", endpoint);
	buf_add_attr(&h, "evaluation", c->id);
	buf_add_attr(&h, "policy", c->policy);
	buf_add_attr(&h, "profile", c->profile);
	buf_add_attr(&h, "fix-type", c->type ? c->type : "bash");
	buf_adds(&h, "/>");
	doc = ctl_results_blob(c, what, &h, "remediation", &rem, &f->script,
	    &f->len, &f->ref);
	buf_free(&h);
	if (doc == NULL)
		return 1;
	want = xml_prop(rem, "sha256");
	f->evaluation = xml_prop(rem, "evaluation");
	f->policy = xml_prop(rem, "policy");
	f->profile = xml_prop(rem, "profile");
	xmlFreeDoc(doc);
	blob_sha256_hex(f->script, f->len, f->sha256);
	if (want == NULL || strcmp(f->sha256, want) != 0)
		r = -EBADMSG;
	free(want);
	if (r < 0) {
		fix_free(f);
		return ctl_fail(what, "the script's sha256 is not the one the "
		    "answer names");
	}
	return 0;
}

/* remediation ENDPOINT | --id EVALUATION: to FILE (-o) or stdout, its
 * sha256 said on stderr. */
static int
show(struct ctl *c, int argc, char **argv)
{
	struct fix f;
	FILE *fp;
	int ok;

	if (!(argc == 1 || (argc == 0 && c->id)))
		return 2;
	if (fetch(c, "remediation", argc ? argv[0] : NULL, &f))
		return 1;
	if (c->out == NULL)
		fp = stdout;
	else if ((fp = fopen(c->out, "w")) == NULL) {
		fix_free(&f);
		return ctl_fail("remediation", "%s: %s", c->out,
		    strerror(errno));
	}
	ok = fwrite(f.script, 1, f.len, fp) == f.len;
	ok = (fp == stdout ? fflush(fp) : fclose(fp)) == 0 && ok;
	if (!ok) {
		fix_free(&f);
		return ctl_fail("remediation", "%s: %s", c->out ? c->out :
		    "stdout", strerror(errno));
	}
	if (c->out && c->json) {
		char n[32];

		snprintf(n, sizeof(n), "%zu", f.len);
		ctl_print_object("file", c->out, "size", n, "sha256", f.sha256,
		    "evaluation", f.evaluation ? f.evaluation : "", NULL);
	} else
		fprintf(c->out ? stdout : stderr, "%s%s%zu bytes, sha256 %s, "
		    "evaluation %s\n", c->out ? c->out : "",
		    c->out ? ": " : "", f.len, f.sha256, f.evaluation ?
		    f.evaluation : "?");
	fix_free(&f);
	return 0;
}

/* The assessment item's root attributes (and reason) we report. */
struct outcome {
	char	*evaluation, *fix, *exit, *reason;
};

/* How the assessment ended: its evaluation, the fix's state and exit
 * status, the reason it failed. */
static void
outcome(struct ctl *c, const char *id, struct outcome *o)
{
	xmlDocPtr doc;
	xmlNodePtr a, why;

	memset(o, 0, sizeof(*o));
	if ((doc = ctl_assessment(c, id)) == NULL)
		return;
	a = xmlDocGetRootElement(doc);
	o->evaluation = xml_prop(a, "evaluation");
	o->fix = xml_prop(a, "remediation");
	o->exit = xml_prop(a, "remediation-exit");
	if ((why = xml_child(a, "reason", SACM_NS)) != NULL)
		o->reason = xml_text(why);
	xmlFreeDoc(doc);
}

/* Before and after: the rules the fix turned to pass, those it did not,
 * and any it broke. */
static int
compare(struct ctl *c, const char *endpoint, const char *before,
    const char *after)
{
	static const char *const cols[] = { "change", "id", "before",
	    "after" };
	static const char *const heads[] = { "CHANGE", "RULE", "BEFORE",
	    "AFTER" };
	struct ctl_rows d, now;
	struct buf h;
	char to[512];
	int fixed = 0, broke = 0, still = 0, rc;

	ctl_results_repo(c, to, sizeof(to));
	buf_init(&h, 4096);
	buf_adds(&h, "<query xmlns='" NS_RESULTS "' type='diff'");
	buf_add_attr(&h, "endpoint", endpoint);
	buf_add_attr(&h, "from", before);
	buf_add_attr(&h, "to", after);
	buf_adds(&h, ">");
	rc = h.data ? ctl_query_rows(c, "remediation apply", to, NS_RESULTS,
	    h.data, "diff", &d) : 1;
	buf_free(&h);
	if (rc)
		return rc;
	buf_init(&h, 4096);
	buf_adds(&h, "<query xmlns='" NS_RESULTS "' type='rules'");
	buf_add_attr(&h, "evaluation", after);
	buf_adds(&h, ">");
	rc = h.data ? ctl_query_rows(c, "remediation apply", to, NS_RESULTS,
	    h.data, "rules", &now) : 1;
	buf_free(&h);
	if (rc) {
		xmlFreeDoc(d.doc);
		return rc;
	}
	for (xmlNodePtr e = d.root->children; e; e = e->next) {
		char *ch = xml_prop(e, "change");

		fixed += ch && strcmp(ch, "newly-passing") == 0;
		broke += ch && strcmp(ch, "newly-failing") == 0;
		free(ch);
	}
	for (xmlNodePtr e = now.root->children; e; e = e->next) {
		char *res = xml_prop(e, "result");

		still += res && strcmp(res, "fail") == 0;
		free(res);
	}
	if (!c->json) {
		printf("%d rule(s) fixed, %d still failing, %d newly failing "
		    "(evaluation %s -> %s)\n", fixed, still, broke, before,
		    after);
		ctl_print_rows(c, &d, cols, heads, 4, "no rule changed");
	} else
		ctl_print_rows(c, &d, cols, heads, 4, "");
	xmlFreeDoc(now.doc);
	return 0;
}

/* remediation apply ENDPOINT [--policy --profile | --id EVALUATION]
 * [--type bash] [--wait] */
static int
apply(struct ctl *c, int argc, char **argv)
{
	const char *what = "remediation apply";
	struct outcome o = { 0 };
	struct fix f;
	struct buf q;
	xmlDocPtr doc;
	xmlNodePtr a;
	char *id = NULL;
	int r;

	if (argc != 1)
		return 2;
	if (c->type && strcmp(c->type, "bash") != 0)
		return ctl_fail(what, "collectors apply bash fixes only; "
		    "%s fixes are for download (sacmctl remediation)",
		    c->type);
	if (fetch(c, what, argv[0], &f))
		return 1;
	if (f.len == 0 || memmem(f.script, f.len, "# BEGIN fix", 11) == NULL) {
		fix_free(&f);
		return ctl_fail(what, "nothing to fix: the evaluation has no "
		    "failed rule with a fix");
	}
	buf_init(&q, 65536);
	buf_adds(&q, "<remediate xmlns='" NS_ORCH "'");
	buf_add_attr(&q, "endpoint", argv[0]);
	buf_add_attr(&q, "policy", f.policy);
	if (f.profile && *f.profile)
		buf_add_attr(&q, "profile", f.profile);
	buf_add_attr(&q, "type", "bash");
	buf_add_attr(&q, "sha256", f.sha256);
	buf_add_attr(&q, "evaluation", f.evaluation);
	buf_adds(&q, ">");
	blob_ref_to_xml(&f.ref, &q);
	buf_adds(&q, "</remediate>");
	r = q.data ? ctl_orch_iq(c, what, "set", q.data, "assessments", &doc) :
	    ctl_fail(what, "request too large");
	buf_free(&q);
	if (r) {
		fix_free(&f);
		return r;
	}
	a = xml_child(xmlDocGetRootElement(doc), "assessment", NULL);
	id = a ? xml_prop(a, "id") : NULL;
	xmlFreeDoc(doc);
	if (id == NULL) {
		fix_free(&f);
		return ctl_fail(what, "the orchestrator named no assessment");
	}
	if (!c->json)
		printf("%s: %zu-byte fix (sha256 %s) of evaluation %s approved "
		    "for %s\n", id, f.len, f.sha256, f.evaluation, argv[0]);
	if (c->wait) {
		r = ctl_wait_assessments(c, what, &id, 1);
		outcome(c, id, &o);
		if (!c->json && o.fix)
			printf("the fix %s on the endpoint (exit status %s)\n",
			    strcmp(o.fix, "applied") == 0 ? "ran" : o.fix,
			    o.exit ? o.exit : "?");
		if (r && o.reason)
			fprintf(stderr, "sacmctl: %s: %s\n", what, o.reason);
		if (r == 0 && o.evaluation)
			r = compare(c, argv[0], f.evaluation, o.evaluation);
	}
	if (c->json && !c->wait)
		ctl_print_object("assessment", id, "sha256", f.sha256,
		    "evaluation", f.evaluation ? f.evaluation : "", NULL);
	free(o.evaluation); free(o.fix); free(o.exit);
	free(o.reason);
	free(id);
	fix_free(&f);
	return r;
}

int
ctl_remediation(struct ctl *c, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "apply") == 0)
		return apply(c, argc - 1, argv + 1);
	return show(c, argc, argv);
}
