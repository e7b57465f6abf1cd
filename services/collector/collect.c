/*
 * collect.c - see collect.h.
 *
 * The variables follow the profile's values the way a live scan binds
 * them (check-export -> xccdf_policy_get_value_of_item), but for every
 * selected rule, not only the ones applicable on the machine that plans:
 * the collector's target decides applicability, not the planner's host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <limits.h>

#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <openscap/oscap_error.h>
#include <openscap/oscap_source.h>
#include <openscap/oval_agent_api.h>
#include <openscap/oval_definitions.h>
#include <openscap/oval_probe.h>
#include <openscap/oval_results.h>
#include <openscap/oval_system_characteristics.h>
#include <openscap/oval_variables.h>
#include <openscap/xccdf_benchmark.h>
#include <openscap/xccdf_policy.h>
#include <openscap/xccdf_session.h>

#include "buf.h"
#include "collect.h"
#include "ds.h"
#include "oscap_util.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define NS_OVAL_DEFS	"http://oval.mitre.org/XMLSchema/oval-definitions-5"

/* ---- plan ----------------------------------------------------------- */

static oval_datatype_t
oval_type(xccdf_value_type_t t)
{
	switch (t) {
	case XCCDF_TYPE_NUMBER:
		return OVAL_DATATYPE_INTEGER;
	case XCCDF_TYPE_BOOLEAN:
		return OVAL_DATATYPE_BOOLEAN;
	default:
		return OVAL_DATATYPE_STRING;
	}
}

static int
add_def(struct collect_plan *p, const char *id)
{
	char **nd;

	for (size_t i = 0; i < p->ndefs; i++)
		if (strcmp(p->defs[i], id) == 0)
			return 0;
	if ((nd = realloc(p->defs, (p->ndefs + 1) * sizeof(*nd))) == NULL)
		return -ENOMEM;
	p->defs = nd;
	if ((nd[p->ndefs] = strdup(id)) == NULL)
		return -ENOMEM;
	p->ndefs++;
	return 0;
}

struct walk {
	struct collect_plan		*p;
	struct xccdf_policy		*pol;
	struct xccdf_benchmark		*bench;
	struct oval_variable_model	*vm;
	int				 err;
};

static void
walk_check(struct walk *w, struct xccdf_check *chk)
{
	struct xccdf_check_content_ref_iterator *rit;
	struct xccdf_check_export_iterator *eit;

	if (strcmp(xccdf_check_get_system(chk), NS_OVAL_DEFS) != 0)
		return;
	rit = xccdf_check_get_content_refs(chk);
	while (xccdf_check_content_ref_iterator_has_more(rit)) {
		struct xccdf_check_content_ref *r =
		    xccdf_check_content_ref_iterator_next(rit);
		const char *name = xccdf_check_content_ref_get_name(r);
		const char *href = xccdf_check_content_ref_get_href(r);

		if (href && w->p->oval_href == NULL)
			w->p->oval_href = strdup(href);
		if (name && add_def(w->p, name) < 0)
			w->err = -ENOMEM;
	}
	xccdf_check_content_ref_iterator_free(rit);
	eit = xccdf_check_get_exports(chk);
	while (xccdf_check_export_iterator_has_more(eit)) {
		struct xccdf_check_export *ex =
		    xccdf_check_export_iterator_next(eit);
		const char *var = xccdf_check_export_get_name(ex);
		struct xccdf_item *vi = xccdf_benchmark_get_item(w->bench,
		    xccdf_check_export_get_value(ex));
		const char *val;

		if (vi == NULL || var == NULL ||
		    oval_variable_model_has_variable(w->vm, var))
			continue;
		val = xccdf_policy_get_value_of_item(w->pol, vi);
		oval_variable_model_add(w->vm, (char *)var,
		    xccdf_item_get_id(vi),
		    oval_type(xccdf_value_get_type(xccdf_item_to_value(vi))),
		    (char *)(val ? val : ""));
		w->p->nvars++;
	}
	xccdf_check_export_iterator_free(eit);
}

static void
walk_items(struct walk *w, struct xccdf_item_iterator *it)
{
	while (xccdf_item_iterator_has_more(it)) {
		struct xccdf_item *item = xccdf_item_iterator_next(it);
		struct xccdf_check_iterator *cit;

		if (xccdf_item_get_type(item) == XCCDF_GROUP) {
			struct xccdf_item_iterator *sub = xccdf_group_get_content(
			    xccdf_item_to_group(item));

			walk_items(w, sub);
			xccdf_item_iterator_free(sub);
			continue;
		}
		if (xccdf_item_get_type(item) != XCCDF_RULE ||
		    !xccdf_policy_is_item_selected(w->pol,
		    xccdf_item_get_id(item)))
			continue;
		w->p->nrules++;
		cit = xccdf_rule_get_checks(xccdf_item_to_rule(item));
		while (xccdf_check_iterator_has_more(cit))
			walk_check(w, xccdf_check_iterator_next(cit));
		xccdf_check_iterator_free(cit);
	}
}

int
collect_plan(const char *ds, size_t len, const char *tailoring, size_t tlen,
    const char *profile, struct collect_plan *p, char *err, size_t errlen)
{
	struct oscap_source *src;
	struct xccdf_session *s;
	struct xccdf_item_iterator *it;
	struct walk w;
	char path[256], tpath[256] = "", *xccdf;
	size_t xlen;
	int r;

	memset(p, 0, sizeof(*p));
	oscap_clearerr();
	/* The benchmark alone: libopenscap would build the whole datastream
	 * as a tree, which costs several times its size. */
	if ((r = ds_benchmark(ds, len, &xccdf, &xlen, err,
	    errlen)) < 0)
		return r;
	if ((src = oscap_source_new_from_memory(xccdf, xlen,
	    "benchmark.xml")) == NULL) {
		free(xccdf);
		return -ENOMEM;
	}
	if ((s = xccdf_session_new_from_source(src)) == NULL) {
		snprintf(err, errlen, "cannot open the datastream: %s",
		    ou_reason("?"));
		oscap_source_free(src);
		free(xccdf);
		return -EINVAL;
	}
	if (tailoring) {
		FILE *f;

		if (ou_tmpfile(tpath, sizeof(tpath), "tailoring") < 0 ||
		    (f = fopen(tpath, "w")) == NULL ||
		    fwrite(tailoring, 1, tlen, f) != tlen || fclose(f) != 0) {
			snprintf(err, errlen, "cannot write the tailoring");
			xccdf_session_free(s);
			free(xccdf);
			if (tpath[0])
				unlink(tpath);
			return -EIO;
		}
		xccdf_session_set_user_tailoring_file(s, tpath);
	}
	r = xccdf_session_load_xccdf(s);
	if (r == 0 && tailoring)
		r = xccdf_session_load_tailoring(s);
	if (tpath[0])
		unlink(tpath);
	if (r != 0) {
		snprintf(err, errlen, "cannot load the benchmark: %s",
		    ou_reason("?"));
		xccdf_session_free(s);
		free(xccdf);
		return -EINVAL;
	}
	if (profile && !xccdf_session_set_profile_id(s, profile)) {
		snprintf(err, errlen, "no profile %s in the benchmark", profile);
		xccdf_session_free(s);
		free(xccdf);
		return -EINVAL;
	}
	w.p = p;
	w.pol = xccdf_session_get_xccdf_policy(s);
	w.bench = xccdf_policy_model_get_benchmark(
	    xccdf_session_get_policy_model(s));
	w.vm = oval_variable_model_new();
	w.err = 0;
	it = xccdf_benchmark_get_content(w.bench);
	walk_items(&w, it);
	xccdf_item_iterator_free(it);
	r = w.err;
	/* No external variable: no variables document (an empty one would
	 * not import). */
	if (r == 0 && p->nvars > 0 && (r = ou_tmpfile(path, sizeof(path),
	    "vars")) == 0) {
		if (oval_variable_model_export(w.vm, path) < 0) {
			snprintf(err, errlen, "cannot export the variables: %s",
			    ou_reason("?"));
			unlink(path);
			r = -EIO;
		} else
			r = ou_slurp_tmp(path, &p->variables, &p->variables_len);
	}
	oval_variable_model_free(w.vm);
	xccdf_session_free(s);	/* frees src too */
	free(xccdf);
	if (r < 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s", strerror(-r));
		collect_plan_free(p);
	}
	return r;
}

void
collect_plan_free(struct collect_plan *p)
{
	for (size_t i = 0; i < p->ndefs; i++)
		free(p->defs[i]);
	free(p->defs);
	free(p->oval_href);
	free(p->variables);
	memset(p, 0, sizeof(*p));
}

/* ---- collection ------------------------------------------------------- */

int
collect_syschar(const char *oval, size_t len, const char *vars, size_t vlen,
    char *const *defs, size_t ndefs, const char *root, char **sc,
    size_t *sclen, char *err, size_t errlen)
{
	struct oscap_source *src, *vsrc = NULL;
	struct oval_definition_model *dm;
	struct oval_variable_model *vm = NULL;
	oval_agent_session_t *ag;
	struct oval_syschar_model *sm;
	char *old_root = getenv("OSCAP_PROBE_ROOT") ?
	    strdup(getenv("OSCAP_PROBE_ROOT")) : NULL;
	char path[256];
	int r = 0;

	oscap_clearerr();
	src = oscap_source_new_from_memory(oval, len, "oval.xml");
	dm = src ? oval_definition_model_import_source(src) : NULL;
	oscap_source_free(src);
	if (dm == NULL) {
		snprintf(err, errlen, "cannot load the OVAL definitions: %s",
		    ou_reason("?"));
		return -EINVAL;
	}
	if (vars && vlen) {
		vsrc = oscap_source_new_from_memory(vars, vlen, "vars.xml");
		vm = vsrc ? oval_variable_model_import_source(vsrc) : NULL;
		oscap_source_free(vsrc);
		if (vm == NULL ||
		    oval_definition_model_bind_variable_model(dm, vm) != 0) {
			snprintf(err, errlen, "cannot bind the variables: %s",
			    ou_reason("?"));
			oval_variable_model_free(vm);
			oval_definition_model_free(dm);
			return -EINVAL;
		}
	}
	/* The probes read the target under this root (offline mode). */
	if (root)
		setenv("OSCAP_PROBE_ROOT", root, 1);
	ag = oval_agent_new_session(dm, "collect");
	if (ag == NULL) {
		snprintf(err, errlen, "cannot start the OVAL agent: %s",
		    ou_reason("?"));
		r = -EIO;
		goto out;
	}
	if (ndefs == 0)
		oval_agent_eval_system(ag, NULL, NULL);
	for (size_t i = 0; i < ndefs; i++)
		if (oval_agent_eval_definition(ag, defs[i]) == -1) {
			snprintf(err, errlen, "definition %s: %s", defs[i],
			    ou_reason("evaluation failed"));
			r = -EIO;
			break;
		}
	if (r == 0) {
		sm = oval_result_system_get_syschar_model(ou_first_system(
		    oval_agent_get_results_model(ag)));
		if ((r = ou_tmpfile(path, sizeof(path), "syschar")) == 0) {
			if (sm == NULL || oval_syschar_model_export(sm, path) <
			    0) {
				snprintf(err, errlen, "cannot export the system "
				    "characteristics: %s", ou_reason("?"));
				unlink(path);
				r = -EIO;
			} else
				r = ou_slurp_tmp(path, sc, sclen);
		}
	}
	oval_agent_destroy_session(ag);
out:
	if (root) {
		if (old_root)
			setenv("OSCAP_PROBE_ROOT", old_root, 1);
		else
			unsetenv("OSCAP_PROBE_ROOT");
	}
	free(old_root);
	/* The definition model owns the variable model bound to it. */
	oval_definition_model_free(dm);
	return r;
}

/* ---- what to watch ---------------------------------------------------- */

struct paths {
	char	**v;
	size_t	 n, cap;
};

static void
paths_add(struct paths *p, char kind, const char *path, size_t n)
{
	char *s;

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0 || path[0] != '/' || memchr(path, '\n', n) ||
	    memchr(path, '\0', n))
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		char **nv = reallocarray(p->v, cap, sizeof(*nv));

		if (nv == NULL)
			return;
		p->v = nv;
		p->cap = cap;
	}
	if (asprintf(&s, "%c %.*s", kind, (int)n, path) >= 0)
		p->v[p->n++] = s;
}

/* The literal directory a path regex starts with: "^/etc/ssh/x.*" -> /etc/ssh */
static void
pattern_dir(struct paths *p, const char *re)
{
	const char *s = re + (*re == '^'), *e = s, *slash = NULL;

	while (*e && !strchr(".*+?[](){}|\\$^", *e)) {
		if (*e == '/')
			slash = e;
		e++;
	}
	if (slash && slash > s)
		paths_add(p, 'D', s, (size_t)(slash - s));
}

static char *
child_text(xmlNodePtr parent, const char *name, char **op, int *var)
{
	for (xmlNodePtr e = parent->children; e; e = e->next) {
		if (e->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)e->name, name) != 0)
			continue;
		if (op)
			*op = xml_prop(e, "operation");
		if (var)
			*var = xmlHasProp(e, BAD_CAST "var_ref") != NULL;
		return (char *)xmlNodeGetContent(e);
	}
	return NULL;
}

static int
op_equals(const char *op)
{
	return op == NULL || strcmp(op, "equals") == 0;
}

static void
element_paths(struct paths *p, xmlNodePtr el)
{
	char *fpop = NULL, *pop = NULL, *nop = NULL;
	int fvar = 0, pvar = 0, nvar = 0;
	char *fp = child_text(el, "filepath", &fpop, &fvar);
	char *dir = child_text(el, "path", &pop, &pvar);
	char *name = child_text(el, "filename", &nop, &nvar);

	if (fp && !fvar && *fp) {
		if (op_equals(fpop))
			paths_add(p, 'F', fp, strlen(fp));
		else if (strcmp(fpop, "pattern match") == 0)
			pattern_dir(p, fp);
	} else if (dir && !pvar && *dir) {
		if (!op_equals(pop)) {
			if (strcmp(pop, "pattern match") == 0)
				pattern_dir(p, dir);
		} else if (name && !nvar && *name && op_equals(nop)) {
			char *f;

			if (asprintf(&f, "%s/%s", dir, name) >= 0) {
				paths_add(p, 'F', f, strlen(f));
				free(f);
			}
		} else
			paths_add(p, 'D', dir, strlen(dir));
	}
	free(fp); free(dir); free(name);
	free(fpop); free(pop); free(nop);
}

/* The first element called name, anywhere below n (n included). */
static xmlNodePtr
find_section(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr f; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, name) == 0)
			return n;
		if ((f = find_section(n->children, name)) != NULL)
			return f;
	}
	return NULL;
}

/* Was object id collected (listed in the collected_objects)? */
static int
collected(xmlNodePtr objs, const char *id)
{
	for (xmlNodePtr o = objs ? objs->children : NULL; o; o = o->next) {
		char *v;
		int eq;

		if (o->type != XML_ELEMENT_NODE)
			continue;
		v = xml_prop(o, "id");
		eq = v && strcmp(v, id) == 0;
		free(v);
		if (eq)
			return 1;
	}
	return 0;
}

/* Every element in section; with objs, only the objects collected. */
static void
section_paths(struct paths *p, xmlNodePtr section, xmlNodePtr objs)
{
	for (xmlNodePtr e = section ? section->children : NULL; e;
	    e = e->next) {
		char *id;
		int skip = 0;

		if (e->type != XML_ELEMENT_NODE)
			continue;
		if (objs) {
			id = xml_prop(e, "id");
			skip = id == NULL || !collected(objs, id);
			free(id);
		}
		if (!skip)
			element_paths(p, e);
	}
}

static int
cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
collect_watch_paths(const char *oval, size_t olen, const char *sc,
    size_t sclen, struct buf *out, char *err, size_t errlen)
{
	struct paths p = { 0 };
	xmlDocPtr d, s;
	xmlNodePtr objs;
	int r = 0;

	/* The items found, then the objects collected (for the files that
	 * were not there, or not all matched by a pattern). */
	if (xmlsafe_parse(sc, sclen, 512u << 20, &s, err, errlen) < 0)
		return -EINVAL;
	section_paths(&p, find_section(xmlDocGetRootElement(s),
	    "system_data"), NULL);
	objs = find_section(xmlDocGetRootElement(s), "collected_objects");
	if (oval && objs) {
		if (xmlsafe_parse(oval, olen, 512u << 20, &d, err, errlen) < 0)
			r = -EINVAL;
		else {
			section_paths(&p, find_section(xmlDocGetRootElement(d),
			    "objects"), objs);
			xmlFreeDoc(d);
		}
	}
	xmlFreeDoc(s);
	if (p.n)
		qsort(p.v, p.n, sizeof(*p.v), cmp_path);
	for (size_t i = 0; r == 0 && i < p.n; i++)
		if (i == 0 || strcmp(p.v[i], p.v[i - 1]) != 0)
			buf_printf(out, "%s\n", p.v[i]);
	for (size_t i = 0; i < p.n; i++)
		free(p.v[i]);
	free(p.v);
	return r;
}
