/*
 * evaluate.c - see evaluate.h.
 *
 * The route (learnt from ../shared/reference, rebuilt here): an
 * xccdf_session with a custom OVAL evaluation function that seeds the
 * agent's syschar model with the stored posture on its first call, then
 * lets oval_agent_eval_rule() do the rest; offline CPE applicability from
 * an OVAL results model over the stored CPE-OVAL posture.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/tree.h>
#include <openscap/cpe_dict.h>
#include <openscap/cpe_lang.h>
#include <openscap/cpe_name.h>
#include <openscap/oscap.h>
#include <openscap/oscap_error.h>
#include <openscap/oscap_source.h>
#include <openscap/oval_agent_api.h>
#include <openscap/oval_agent_xccdf_api.h>
#include <openscap/oval_definitions.h>
#include <openscap/oval_results.h>
#include <openscap/oval_system_characteristics.h>
#include <openscap/xccdf_benchmark.h>
#include <openscap/xccdf_policy.h>
#include <openscap/xccdf_session.h>

#include "buf.h"
#include "ds.h"
#include "oscap_util.h"
#include "evaluate.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

/* A platform no CPE matches: what a not-applicable item gets instead. */
#define NOT_APPLICABLE	"cpe:/a:sacm-grid:offline:not-applicable"

struct eval {
	struct xccdf_session		*s;
	struct oval_definition_model	*cpe_defs;
	struct cpe_dict_model		*dict;
	char				*tailoring_path;
};

/* The one evaluation of this process (the engine callbacks see it). */
static struct {
	const struct eval_target	*t;
	struct oval_result_system	*cpe;
	struct cpe_dict_model		*dicts[2];
	size_t				 ndicts;
	struct cpe_lang_model		*lang;
	struct oscap_stringlist		*applicable;
	struct oval_syschar_model	*main_sm;	/* seeded */
	int				 seed_failed;
} cur;

static struct oscap_source *
source(const char *data, size_t len, const char *name)
{
	return oscap_source_new_from_memory(data, len, name);
}

/* ---- seeding the OVAL agents ------------------------------------------ */

/* Every object the posture does not have becomes "not collected", so
 * that nothing can ever trigger a probe here. */
static void
fence(struct oval_definition_model *dm, struct oval_syschar_model *sm)
{
	struct oval_object_iterator *it = oval_definition_model_get_objects(dm);

	while (oval_object_iterator_has_more(it)) {
		struct oval_object *o = oval_object_iterator_next(it);

		if (oval_syschar_model_get_syschar(sm, oval_object_get_id(o)) ==
		    NULL)
			oval_syschar_set_flag(oval_syschar_new(sm, o),
			    SYSCHAR_FLAG_NOT_COLLECTED);
	}
	oval_object_iterator_free(it);
}

static int
seed(oval_agent_session_t *ag)
{
	struct oval_syschar_model *sm = oval_result_system_get_syschar_model(
	    ou_first_system(oval_agent_get_results_model(ag)));
	struct oscap_source *src;
	int r;

	if (sm == NULL || (src = source(cur.t->sc, cur.t->sclen,
	    "syschar.xml")) == NULL)
		return -1;
	r = oval_syschar_model_import_source(sm, src);
	oscap_source_free(src);
	fence(oval_agent_get_definition_model(ag), sm);
	if (cur.main_sm == NULL)
		cur.main_sm = sm;
	return r;
}

/* The session's OVAL engine: seed the agent once, then evaluate. */
static xccdf_test_result_type_t
seeded_eval(struct xccdf_policy *policy, const char *rule_id, const char *id,
    const char *href, struct xccdf_value_binding_iterator *vals,
    struct xccdf_check_import_iterator *imports, void *usr)
{
	static oval_agent_session_t *seeded[8];
	oval_agent_session_t *ag = usr;
	size_t i;

	for (i = 0; i < 8 && seeded[i] && seeded[i] != ag; i++)
		;
	if (i < 8 && seeded[i] == NULL) {
		if (cur.t == NULL || seed(ag) != 0) {
			cur.seed_failed = 1;
			return XCCDF_RESULT_ERROR;
		}
		seeded[i] = ag;
	}
	return oval_agent_eval_rule(policy, rule_id, id, href, vals, imports,
	    usr);
}

int
eval_load(const char *ds, size_t dslen, const char *tailoring, size_t tlen,
    const char *profile, const char *workdir, struct eval **ep, char *err,
    size_t errlen)
{
	struct eval *e;
	struct oscap_source *src;
	char *doc = NULL;
	size_t len;
	int r;

	*ep = NULL;
	oscap_clearerr();
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -ENOMEM;
	/* The CPE-OVAL definitions and the CPE dictionary, for offline
	 * applicability. */
	if ((r = ds_cpe_oval(ds, dslen, &doc, &len, err, errlen)) < 0)
		goto fail;
	src = source(doc, len, "cpe-oval.xml");
	e->cpe_defs = src ? oval_definition_model_import_source(src) : NULL;
	oscap_source_free(src);
	free(doc);
	doc = NULL;
	if (e->cpe_defs == NULL) {
		snprintf(err, errlen, "CPE-OVAL: %s", ou_reason("cannot load"));
		r = -EINVAL;
		goto fail;
	}
	if ((r = ds_cpe_dict(ds, dslen, &doc, &len, err, errlen)) == 0) {
		src = source(doc, len, "cpe-dictionary.xml");
		e->dict = src ? cpe_dict_model_import_source(src) : NULL;
		oscap_source_free(src);
		free(doc);
		doc = NULL;
	} else if (r != -ENOENT)
		goto fail;

	if ((src = source(ds, dslen, "ds.xml")) == NULL ||
	    (e->s = xccdf_session_new_from_source(src)) == NULL) {
		oscap_source_free(src);
		snprintf(err, errlen, "cannot open the datastream: %s",
		    ou_reason("?"));
		r = -EINVAL;
		goto fail;
	}
	xccdf_session_set_validation(e->s, false, false);
	xccdf_session_set_custom_oval_eval_fn(e->s, seeded_eval);
	if (tailoring) {
		FILE *f = NULL;
		int fd;

		if (asprintf(&e->tailoring_path, "%s/.tailoring-XXXXXX",
		    workdir) < 0 || (fd = mkstemp(e->tailoring_path)) < 0 ||
		    (f = fdopen(fd, "w")) == NULL || fwrite(tailoring, 1, tlen,
		    f) != tlen || fclose(f) != 0) {
			snprintf(err, errlen, "cannot write the tailoring in "
			    "%s", workdir);
			r = -EIO;
			goto fail;
		}
		xccdf_session_set_user_tailoring_file(e->s, e->tailoring_path);
	}
	if (xccdf_session_load(e->s) != 0) {
		snprintf(err, errlen, "cannot load the policy: %s",
		    ou_reason("?"));
		r = -EINVAL;
		goto fail;
	}
	/* The profile after loading (a tailored one exists only then). */
	if (profile && !xccdf_session_set_profile_id(e->s, profile)) {
		snprintf(err, errlen, "no profile %s in the policy", profile);
		r = -EINVAL;
		goto fail;
	}
	*ep = e;
	return 0;
fail:
	eval_free(e);
	return r;
}

void
eval_free(struct eval *e)
{
	if (e == NULL)
		return;
	if (e->s)
		xccdf_session_free(e->s);
	if (e->cpe_defs)
		oval_definition_model_free(e->cpe_defs);
	if (e->dict)
		cpe_dict_model_free(e->dict);
	if (e->tailoring_path) {
		unlink(e->tailoring_path);
		free(e->tailoring_path);
	}
	free(e);
}

/* ---- applicability from the stored CPE-OVAL posture -------------------- */

static bool
cpe_check(const char *sys, const char *href, const char *name, void *usr)
{
	struct oval_result_definition *rd;

	(void)sys; (void)href; (void)usr;
	if (cur.cpe == NULL || oval_result_system_eval_definition(cur.cpe,
	    name) != 0)
		return false;
	rd = oval_result_system_get_definition(cur.cpe, name);
	return rd && oval_result_definition_get_result(rd) == OVAL_RESULT_TRUE;
}

static bool
dict_check(const struct cpe_name *name, void *usr)
{
	for (size_t i = 0; i < cur.ndicts; i++)
		if (cpe_name_applicable_dict((struct cpe_name *)name,
		    cur.dicts[i], cpe_check, usr))
			return true;
	return false;
}

static bool
applicable(const char *p)
{
	bool ok = false;

	if (cur.lang && cpe_platform_applicable_lang_model(p[0] == '#' ?
	    p + 1 : p, cur.lang, cpe_check, dict_check, NULL))
		ok = true;
	if (!ok && cpe_name_check(p)) {
		struct cpe_name *n = cpe_name_new(p);

		ok = n && dict_check(n, NULL);
		cpe_name_free(n);
	}
	return ok;
}

static void
note_applicable(const char *p)
{
	struct oscap_string_iterator *it = oscap_stringlist_get_strings(
	    cur.applicable);
	int seen = 0;

	while (oscap_string_iterator_has_more(it))
		if (strcmp(oscap_string_iterator_next(it), p) == 0)
			seen = 1;
	oscap_string_iterator_free(it);
	if (!seen)
		oscap_stringlist_add_string(cur.applicable, p);
}

/* Replaces an item's platforms by what they come to on this endpoint:
 * none (applicable) or one that matches nothing. */
static void
rewrite_platforms(struct xccdf_item *item)
{
	struct oscap_string_iterator *it = xccdf_item_get_platforms(item);
	bool any = false, app = false;

	while (oscap_string_iterator_has_more(it)) {
		const char *p = oscap_string_iterator_next(it);

		any = true;
		if (applicable(p)) {
			app = true;
			note_applicable(p);
		}
	}
	if (any) {
		oscap_string_iterator_reset(it);
		while (oscap_string_iterator_has_more(it)) {
			oscap_string_iterator_next(it);
			oscap_string_iterator_remove(it);
		}
	}
	oscap_string_iterator_free(it);
	if (any && !app)
		xccdf_item_add_platform(item, NOT_APPLICABLE);
}

static void
rewrite_tree(struct xccdf_item_iterator *it)
{
	while (xccdf_item_iterator_has_more(it)) {
		struct xccdf_item *item = xccdf_item_iterator_next(it);
		xccdf_type_t type = xccdf_item_get_type(item);

		if (type == XCCDF_GROUP) {
			struct xccdf_item_iterator *sub;

			rewrite_platforms(item);
			sub = xccdf_group_get_content(xccdf_item_to_group(item));
			rewrite_tree(sub);
			xccdf_item_iterator_free(sub);
		} else if (type == XCCDF_RULE)
			rewrite_platforms(item);
	}
}

/* ---- the TestResult names the endpoint ---------------------------------- */

static void
fact(struct xccdf_result *res, const char *name, const char *val)
{
	struct xccdf_target_fact *f;

	if (val == NULL || (f = xccdf_target_fact_new()) == NULL)
		return;
	xccdf_target_fact_set_name(f, name);
	xccdf_target_fact_set_string(f, val);
	xccdf_result_add_target_fact(res, f);
}

static void
retarget(struct xccdf_result *res, struct oval_sysinfo *si)
{
	struct oscap_string_iterator *ti;
	struct xccdf_target_fact_iterator *fi;
	struct oscap_string_iterator *pi;
	const char *host = cur.t->hostname;

	if (host == NULL && si)
		host = oval_sysinfo_get_primary_host_name(si);
	ti = xccdf_result_get_targets(res);
	while (oscap_string_iterator_has_more(ti)) {
		oscap_string_iterator_next(ti);
		oscap_string_iterator_remove(ti);
	}
	oscap_string_iterator_free(ti);
	ti = xccdf_result_get_target_addresses(res);
	while (oscap_string_iterator_has_more(ti)) {
		oscap_string_iterator_next(ti);
		oscap_string_iterator_remove(ti);
	}
	oscap_string_iterator_free(ti);
	fi = xccdf_result_get_target_facts(res);
	while (xccdf_target_fact_iterator_has_more(fi)) {
		xccdf_target_fact_iterator_next(fi);
		xccdf_target_fact_iterator_remove(fi);
	}
	xccdf_target_fact_iterator_free(fi);

	xccdf_result_add_target(res, host ? host : "unknown");
	fact(res, "urn:xccdf:fact:scanner:name", "SACM Grid evaluator "
	    "(OpenSCAP, offline)");
	fact(res, "urn:xccdf:fact:scanner:version", oscap_get_version());
	fact(res, "urn:xccdf:fact:asset:identifier:host_name", host);
	fact(res, "urn:xccdf:fact:identifier", cur.t->endpoint);
	if (si) {
		struct oval_sysint_iterator *ii = oval_sysinfo_get_interfaces(si);

		fact(res, "urn:xccdf:fact:asset:identifier:os_name",
		    oval_sysinfo_get_os_name(si));
		fact(res, "urn:xccdf:fact:asset:identifier:os_version",
		    oval_sysinfo_get_os_version(si));
		while (oval_sysint_iterator_has_more(ii)) {
			struct oval_sysint *sy = oval_sysint_iterator_next(ii);
			const char *ip = oval_sysint_get_ip_address(sy);

			if (ip == NULL)
				continue;
			xccdf_result_add_target_address(res, ip);
			fact(res, strchr(ip, ':') ?
			    "urn:xccdf:fact:asset:identifier:ipv6" :
			    "urn:xccdf:fact:asset:identifier:ipv4", ip);
			fact(res, "urn:xccdf:fact:asset:identifier:mac",
			    oval_sysint_get_mac_address(sy));
		}
		oval_sysint_iterator_free(ii);
	}
	pi = oscap_stringlist_get_strings(cur.applicable);
	while (oscap_string_iterator_has_more(pi))
		xccdf_result_add_applicable_platform(res,
		    oscap_string_iterator_next(pi));
	oscap_string_iterator_free(pi);
}

int
eval_run(struct eval *e, const struct eval_target *t, const char *dir,
    char *err, size_t errlen)
{
	struct oval_syschar_model *csm = NULL;
	struct oval_syschar_model *csms[2] = { NULL, NULL };
	struct oval_results_model *crm = NULL;
	struct oscap_source *src;
	struct xccdf_benchmark *b;
	struct xccdf_item_iterator *it;
	struct xccdf_policy *pol;
	struct xccdf_result *res;
	char xccdf[4096], arf[4096];
	int r = -EINVAL;

	oscap_clearerr();
	memset(&cur, 0, sizeof(cur));
	cur.t = t;
	cur.applicable = oscap_stringlist_new();
	/* 1. the CPE-OVAL posture, evaluated offline */
	csm = oval_syschar_model_new(e->cpe_defs);
	if (t->cpe_sc) {
		if ((src = source(t->cpe_sc, t->cpe_sclen, "cpe-syschar.xml")) ==
		    NULL || oval_syschar_model_import_source(csm, src) != 0) {
			oscap_source_free(src);
			snprintf(err, errlen, "the CPE-OVAL posture: %s",
			    ou_reason("cannot load"));
			goto out;
		}
		oscap_source_free(src);
	}
	fence(e->cpe_defs, csm);
	csms[0] = csm;
	crm = oval_results_model_new(e->cpe_defs, csms);
	cur.cpe = ou_first_system(crm);

	/* 2. platforms: computed here, written into the benchmark */
	b = xccdf_policy_model_get_benchmark(xccdf_session_get_policy_model(
	    e->s));
	cur.lang = xccdf_benchmark_get_cpe_lang_model(b);
	if (xccdf_benchmark_get_cpe_list(b))
		cur.dicts[cur.ndicts++] = xccdf_benchmark_get_cpe_list(b);
	if (e->dict)
		cur.dicts[cur.ndicts++] = e->dict;
	rewrite_platforms((struct xccdf_item *)b);
	it = xccdf_benchmark_get_content(b);
	rewrite_tree(it);
	xccdf_item_iterator_free(it);

	/* 3. evaluate; the agents are seeded on their first rule */
	if (xccdf_session_evaluate(e->s) != 0 || cur.seed_failed) {
		snprintf(err, errlen, "evaluation failed: %s", cur.seed_failed ?
		    "the posture does not fit the policy's OVAL" :
		    ou_reason("?"));
		goto out;
	}
	pol = xccdf_session_get_xccdf_policy(e->s);
	if ((res = xccdf_policy_get_result_by_id(pol,
	    xccdf_session_get_result_id(e->s))) == NULL) {
		snprintf(err, errlen, "no TestResult");
		goto out;
	}
	/* the main posture's system_info describes the endpoint */
	retarget(res, cur.main_sm ? oval_syschar_model_get_sysinfo(
	    cur.main_sm) : NULL);

	/* 4. export: OVAL results first (the ARF needs them) */
	snprintf(xccdf, sizeof(xccdf), "%s/xccdf.xml", dir);
	snprintf(arf, sizeof(arf), "%s/arf.xml", dir);
	if (!xccdf_session_set_xccdf_export(e->s, xccdf) ||
	    !xccdf_session_set_arf_export(e->s, arf) ||
	    xccdf_session_export_oval(e->s) != 0 ||
	    xccdf_session_export_xccdf(e->s) != 0 ||
	    xccdf_session_export_arf(e->s) != 0) {
		snprintf(err, errlen, "export failed: %s", ou_reason("?"));
		goto out;
	}
	r = 0;
out:
	if (crm)
		oval_results_model_free(crm);
	if (csm)
		oval_syschar_model_free(csm);
	oscap_stringlist_free(cur.applicable);
	memset(&cur, 0, sizeof(cur));
	return r;
}

/* ---- rule results --------------------------------------------------------- */

#define NS_XCCDF12	"http://checklists.nist.gov/xccdf/1.2"

struct titles {
	char	**id, **title;
	size_t	 n;
};

static void
collect_titles(xmlNodePtr n, struct titles *t)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xml_is(n, "Rule", NS_XCCDF12)) {
			xmlNodePtr ti = xml_child(n, "title", NS_XCCDF12);
			char **a = reallocarray(t->id, t->n + 1, sizeof(*a));
			char **b;

			if (a == NULL)
				return;
			t->id = a;
			if ((b = reallocarray(t->title, t->n + 1,
			    sizeof(*b))) == NULL)
				return;
			t->title = b;
			t->id[t->n] = xml_prop(n, "id");
			t->title[t->n] = ti ? (char *)xmlNodeGetContent(ti) :
			    NULL;
			t->n++;
		} else if (xml_is(n, "Group", NS_XCCDF12) ||
		    xml_is(n, "Benchmark", NS_XCCDF12))
			collect_titles(n->children, t);
	}
}

static const char *
title_of(const struct titles *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->id[i] && strcmp(t->id[i], id) == 0)
			return t->title[i];
	return NULL;
}

int
eval_rule_results(const char *xml, size_t len, struct buf *out, char *err,
    size_t errlen)
{
	struct titles t = { 0 };
	xmlDocPtr doc;
	xmlNodePtr root, tr = NULL, score;
	char *v;

	if (xmlsafe_parse_root(xml, len, 1u << 30, "Benchmark", NS_XCCDF12,
	    &doc, err, errlen) < 0)
		return -EINVAL;
	root = xmlDocGetRootElement(doc);
	for (xmlNodePtr n = root->children; n; n = n->next)
		if (xml_is(n, "TestResult", NS_XCCDF12))
			tr = n;
	if (tr == NULL) {
		snprintf(err, errlen, "no TestResult");
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	collect_titles(root->children, &t);
	buf_adds(out, "<rule-results xmlns='" SACM_NS "'");
	v = xml_prop(tr, "id");
	buf_add_attr(out, "test-result", v);
	free(v);
	if ((score = xml_child(tr, "score", NS_XCCDF12)) != NULL) {
		xmlChar *sv = xmlNodeGetContent(score);

		buf_add_attr(out, "score", (char *)sv);
		xmlFree(sv);
		v = xml_prop(score, "maximum");
		buf_add_attr(out, "max", v);
		free(v);
	}
	buf_adds(out, ">");
	for (xmlNodePtr rr = tr->children; rr; rr = rr->next) {
		xmlNodePtr res;
		xmlChar *rv;
		char *id, *sev;

		if (!xml_is(rr, "rule-result", NS_XCCDF12))
			continue;
		res = xml_child(rr, "result", NS_XCCDF12);
		rv = res ? xmlNodeGetContent(res) : NULL;
		if (rv && strcmp((char *)rv, "notselected") == 0) {
			xmlFree(rv);
			continue;	/* not part of this evaluation */
		}
		id = xml_prop(rr, "idref");
		sev = xml_prop(rr, "severity");
		buf_adds(out, "<rule");
		buf_add_attr(out, "id", id);
		buf_add_attr(out, "result", (char *)rv);
		buf_add_attr(out, "severity", sev);
		buf_add_attr(out, "title", id ? title_of(&t, id) : NULL);
		buf_adds(out, ">");
		for (xmlNodePtr c = rr->children; c; c = c->next) {
			xmlChar *iv;

			if (!xml_is(c, "ident", NS_XCCDF12))
				continue;
			v = xml_prop(c, "system");
			iv = xmlNodeGetContent(c);
			buf_adds(out, "<ident");
			buf_add_attr(out, "system", v);
			buf_adds(out, ">");
			buf_add_xml(out, (char *)iv);
			buf_adds(out, "</ident>");
			free(v);
			xmlFree(iv);
		}
		buf_adds(out, "</rule>");
		free(id);
		free(sev);
		xmlFree(rv);
	}
	buf_adds(out, "</rule-results>");
	for (size_t i = 0; i < t.n; i++) {
		free(t.id[i]);
		xmlFree(t.title[i]);
	}
	free(t.id);
	free(t.title);
	xmlFreeDoc(doc);
	if (out->data == NULL) {
		snprintf(err, errlen, "rule results over the size limit");
		return -E2BIG;
	}
	return 0;
}
