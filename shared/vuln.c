/*
 * vuln.c - vulnerability definitions from a stored inventory: see vuln.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>
#include <openscap/oscap_error.h>
#include <openscap/oscap_source.h>
#include <openscap/oval_definitions.h>
#include <openscap/oval_results.h>
#include <openscap/oval_system_characteristics.h>

#include "buf.h"
#include "inventory.h"
#include "oscap_util.h"
#include "vuln.h"
#include "vuln_impl.h"
#include "xmlsafe.h"
#include "xmlutil.h"


xmlDocPtr
vuln_parse_defs(const char *defs, size_t len, char *err, size_t errlen)
{
	xmlDocPtr doc;

	if (xmlsafe_parse_root(defs, len, VULN_MAX, "oval_definitions", NS_DEF,
	    &doc, err, errlen) < 0)
		return NULL;
	return doc;
}

int
vuln_elem(xmlNodePtr n)
{
	return n->type == XML_ELEMENT_NODE;
}

/* Does the inventory answer this object?  A dpkginfo_object with only a
 * <name> compared for equality with a literal. */
int
vuln_from_inventory(xmlNodePtr obj)
{
	xmlNodePtr name = NULL;

	if (!xml_is(obj, "dpkginfo_object", NS_LDEF))
		return 0;
	for (xmlNodePtr c = obj->children; c; c = c->next) {
		char *op, *var;
		int plain;

		if (!vuln_elem(c))
			continue;
		if (!xml_is(c, "name", NS_LDEF) || name)
			return 0;	/* a filter, a set, behaviors... */
		name = c;
		op = xml_prop(c, "operation");
		var = xml_prop(c, "var_ref");
		plain = (op == NULL || strcmp(op, "equals") == 0) &&
		    var == NULL;
		free(op);
		free(var);
		if (!plain)
			return 0;
	}
	return name != NULL;
}

xmlNodePtr
vuln_section(xmlNodePtr root, const char *name)
{
	return xml_child(root, name, NS_DEF);
}

static int
by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids of a section's elements, sorted (to free). */
static char **
ids_of(xmlNodePtr sec, size_t *n)
{
	size_t cap = 0;
	char **v = NULL;

	*n = 0;
	for (xmlNodePtr e = sec ? sec->children : NULL; e; e = e->next) {
		if (!vuln_elem(e))
			continue;
		if (*n == cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 64) *
			    sizeof(*v));

			if (nv == NULL)
				break;
			v = nv;
		}
		if ((v[*n] = xml_prop(e, "id")) != NULL)
			(*n)++;
	}
	if (v)
		qsort(v, *n, sizeof(*v), by_str);
	return v;
}

static int
has(char **v, size_t n, const char *id)
{
	return v && id && bsearch(&id, v, n, sizeof(*v), by_str) != NULL;
}

static void
ids_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Every test's object and states are in the document. */
static int
refs_ok(xmlNodePtr root, char *err, size_t errlen)
{
	size_t no, ns;
	char **objs = ids_of(vuln_section(root, "objects"), &no);
	char **states = ids_of(vuln_section(root, "states"), &ns);
	xmlNodePtr tests = vuln_section(root, "tests");
	int r = 0;

	for (xmlNodePtr t = tests ? tests->children : NULL; t && r == 0;
	    t = t->next) {
		if (!vuln_elem(t))
			continue;
		for (xmlNodePtr c = t->children; c && r == 0; c = c->next) {
			int o = vuln_elem(c) && strcmp((const char *)c->name,
			    "object") == 0;
			int st = vuln_elem(c) && strcmp((const char *)c->name,
			    "state") == 0;
			char *ref = o ? xml_prop(c, "object_ref") : st ?
			    xml_prop(c, "state_ref") : NULL;

			if ((o || st) && !has(o ? objs : states, o ? no : ns,
			    ref)) {
				char *id = xml_prop(t, "id");

				snprintf(err, errlen, "test %.200s refers to "
				    "%s %.200s, which is not in the document",
				    id ? id : "?", o ? "object" : "state",
				    ref ? ref : "(none)");
				free(id);
				r = -EINVAL;
			}
			free(ref);
		}
	}
	ids_free(objs, no);
	ids_free(states, ns);
	return r;
}

int
vuln_check(const char *defs, size_t len, struct vuln_info *info, char *err,
    size_t errlen)
{
	xmlDocPtr doc;
	xmlNodePtr root, s;
	int r = 0;

	memset(info, 0, sizeof(*info));
	if ((doc = vuln_parse_defs(defs, len, err, errlen)) == NULL)
		return -EINVAL;
	root = xmlDocGetRootElement(doc);
	if ((s = vuln_section(root, "definitions")) != NULL)
		for (xmlNodePtr d = s->children; d && r == 0; d = d->next) {
			char *class, *id;

			if (!vuln_elem(d))
				continue;
			class = xml_prop(d, "class");
			id = xml_prop(d, "id");
			if (class == NULL || (strcmp(class, "vulnerability") &&
			    strcmp(class, "patch"))) {
				snprintf(err, errlen, "definition %.200s is of "
				    "class %.40s, not vulnerability or patch",
				    id ? id : "?", class ? class : "(none)");
				r = -EINVAL;
			}
			info->definitions++;
			free(class);
			free(id);
		}
	if (r == 0 && info->definitions == 0) {
		snprintf(err, errlen, "no definitions");
		r = -EINVAL;
	}
	if ((s = vuln_section(root, "objects")) != NULL)
		for (xmlNodePtr o = s->children; o; o = o->next)
			if (vuln_elem(o)) {
				info->objects++;
				info->from_inventory += vuln_from_inventory(o);
			}
	if (r == 0)
		r = refs_ok(root, err, errlen);
	if (r == 0 && (s = xml_child(root, "generator", NS_DEF)) != NULL) {
		static const struct {
			const char *name;
			size_t off, len;
		} g[] = {
			{ "product_name", offsetof(struct vuln_info, product),
			    sizeof(info->product) },
			{ "schema_version", offsetof(struct vuln_info, schema),
			    sizeof(info->schema) },
			{ "timestamp", offsetof(struct vuln_info, generated),
			    sizeof(info->generated) },
		};

		for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
			char *t = xml_text(xml_child(s, g[i].name, NS_COM));

			snprintf((char *)info + g[i].off, g[i].len, "%s",
			    t ? t : "");
			free(t);
		}
	}
	xmlFreeDoc(doc);
	/* The schema last: the checks above say more, and sooner. */
	if (r == 0) {
		struct oscap_source *src = oscap_source_new_from_memory(defs,
		    len, "definitions.xml");

		r = src ? ou_validate(src, err, errlen) : -ENOMEM;
		if (src)
			oscap_source_free(src);
	}
	return r;
}

/* The element's object_ref or state_ref children's values. */
static char *
ref_of(xmlNodePtr test, const char *what, const char *attr)
{
	for (xmlNodePtr c = test->children; c; c = c->next)
		if (vuln_elem(c) && strcmp((const char *)c->name, what) == 0)
			return xml_prop(c, attr);
	return NULL;
}

static int
add_node(struct buf *b, xmlNodePtr n)
{
	char *t;
	size_t tl;

	if (xml_node_text(n, &t, &tl) < 0)
		return -ENOMEM;
	buf_adds(b, t);
	free(t);
	return 0;
}

/*
 * The objects the inventory does not answer, and for libopenscap to
 * collect them, the tests that use them (with their states) under one
 * definition each, and the variables.
 */
int
vuln_targeted(const char *defs, size_t len, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	xmlDocPtr doc;
	xmlNodePtr root, objs, tests, states, vars;
	struct buf b, tb, sb;
	char when[32], **want = NULL, **used = NULL;
	size_t nwant = 0, cap = 0, nused = 0, ucap = 0, ntests = 0;
	int r = 0;

	*out = NULL;
	*outlen = 0;
	if ((doc = vuln_parse_defs(defs, len, err, errlen)) == NULL)
		return -EINVAL;
	root = xmlDocGetRootElement(doc);
	objs = vuln_section(root, "objects");
	tests = vuln_section(root, "tests");
	states = vuln_section(root, "states");
	vars = vuln_section(root, "variables");
	buf_init(&b, VULN_MAX);
	buf_init(&tb, VULN_MAX);
	buf_init(&sb, VULN_MAX);
	buf_adds(&b, "<objects>");
	for (xmlNodePtr o = objs ? objs->children : NULL; o && r == 0;
	    o = o->next) {
		if (!vuln_elem(o) || vuln_from_inventory(o))
			continue;
		if (nwant == cap) {
			char **v = realloc(want, (cap = cap ? cap * 2 : 16) *
			    sizeof(*v));

			if (v == NULL) {
				r = -ENOMEM;
				break;
			}
			want = v;
		}
		if ((want[nwant] = xml_prop(o, "id")) != NULL)
			nwant++;
		r = add_node(&b, o);
	}
	buf_adds(&b, "</objects>");
	if (want)
		qsort(want, nwant, sizeof(*want), by_str);
	for (xmlNodePtr t = tests ? tests->children : NULL; t && r == 0 &&
	    nwant; t = t->next) {
		char *obj, *st, *id;

		if (!vuln_elem(t) || (obj = ref_of(t, "object",
		    "object_ref")) == NULL)
			continue;
		if (has(want, nwant, obj) && (id = xml_prop(t, "id")) != NULL) {
			r = add_node(&tb, t);
			ntests++;
			/* one definition per test, written below */
			if (nused == ucap) {
				char **v = realloc(used, (ucap = ucap ? ucap *
				    2 : 16) * sizeof(*v));

				if (v == NULL) {
					free(id);
					free(obj);
					r = -ENOMEM;
					break;
				}
				used = v;
			}
			used[nused++] = id;
			if ((st = ref_of(t, "state", "state_ref")) != NULL) {
				for (xmlNodePtr s2 = states ? states->children :
				    NULL; s2; s2 = s2->next) {
					char *sid = vuln_elem(s2) ? xml_prop(s2,
					    "id") : NULL;

					if (sid && strcmp(sid, st) == 0)
						r = add_node(&sb, s2);
					free(sid);
				}
				free(st);
			}
		}
		free(obj);
	}
	if (r == 0 && nwant) {
		struct buf d;

		time_iso(when, 0);
		when[19] = '\0';	/* xsd:dateTime without the Z */
		buf_init(&d, VULN_MAX);
		buf_adds(&d, "<oval_definitions xmlns='" NS_DEF "' xmlns:oval='"
		    NS_COM "'><generator><oval:product_name>SACM Grid"
		    "</oval:product_name><oval:schema_version>5.11.2"
		    "</oval:schema_version><oval:timestamp>");
		buf_adds(&d, when);
		buf_adds(&d, "</oval:timestamp></generator>");
		if (nused) {
			buf_adds(&d, "<definitions>");
			for (size_t i = 0; i < nused; i++) {
				buf_printf(&d, "<definition class='inventory' "
				    "id='oval:dev.sacm-grid.targeted:def:%zu' "
				    "version='1'><metadata><title>collects "
				    "what a vulnerability test needs"
				    "</title><description/></metadata>"
				    "<criteria><criterion test_ref='", i + 1);
				buf_add_xml(&d, used[i]);
				buf_adds(&d, "'/></criteria></definition>");
			}
			buf_adds(&d, "</definitions><tests>");
			buf_adds(&d, tb.data ? tb.data : "");
			buf_adds(&d, "</tests>");
		}
		buf_adds(&d, b.data ? b.data : "");
		if (sb.len) {
			buf_adds(&d, "<states>");
			buf_adds(&d, sb.data);
			buf_adds(&d, "</states>");
		}
		if (vars)
			r = add_node(&d, vars);
		buf_adds(&d, "</oval_definitions>");
		if (r == 0 && (d.data == NULL || b.data == NULL ||
		    (tb.len && tb.data == NULL))) {
			r = -ENOMEM;
			buf_free(&d);
		} else if (r == 0) {
			*out = d.data;
			*outlen = d.len;
		} else
			buf_free(&d);
	}
	if (r < 0)
		snprintf(err, errlen, "the targeted collection's document: "
		    "over %u bytes, or out of memory", VULN_MAX);
	ids_free(want, nwant);
	ids_free(used, nused);
	buf_free(&b);
	buf_free(&tb);
	buf_free(&sb);
	xmlFreeDoc(doc);
	return r;
}

/* ---- evaluation -------------------------------------------------------- */

static void
oscap_why(char *err, size_t errlen, const char *what)
{
	char *e = oscap_err_get_full_error();

	snprintf(err, errlen, "%s: %.400s", what, e ? e : "libopenscap failed");
	free(e);
}

struct vuln_defs {
	struct oscap_source		*src;
	struct oval_definition_model	*dm;
	struct vobjs			 objs;
	struct vuln_facts		 facts;
};

struct vuln_defs *
vuln_defs_load(const char *defs, size_t len, char *err, size_t errlen)
{
	struct vuln_defs *vd = calloc(1, sizeof(*vd));
	xmlDocPtr doc;

	err[0] = '\0';
	if (vd == NULL || (vd->src = oscap_source_new_from_memory(defs, len,
	    "definitions.xml")) == NULL) {
		snprintf(err, errlen, "out of memory");
		vuln_defs_free(vd);
		return NULL;
	}
	if ((vd->dm = oval_definition_model_import_source(vd->src)) == NULL) {
		oscap_why(err, errlen, "the definitions");
		vuln_defs_free(vd);
		return NULL;
	}
	/* ours parsed once: the objects and every definition's facts */
	if ((doc = vuln_parse_defs(defs, len, err, errlen)) == NULL ||
	    vuln_vobjs_of(doc, &vd->objs, err, errlen) < 0 ||
	    vuln_facts_build(doc, &vd->objs, &vd->facts) < 0) {
		if (doc && err[0] == '\0')
			snprintf(err, errlen, "out of memory");
		xmlFreeDoc(doc);
		vuln_defs_free(vd);
		return NULL;
	}
	xmlFreeDoc(doc);
	return vd;
}

int
vuln_defs_syschar(struct vuln_defs *vd, const char *inventory, size_t ilen,
    const char *collected, size_t clen, char **sc, size_t *sclen, char *err,
    size_t errlen)
{
	return vuln_build_syschar(&vd->objs, inventory, ilen, collected, clen,
	    sc, sclen, err, errlen);
}

void
vuln_defs_free(struct vuln_defs *vd)
{
	if (vd == NULL)
		return;
	if (vd->dm)
		oval_definition_model_free(vd->dm);
	if (vd->src)
		oscap_source_free(vd->src);
	vuln_vobjs_free(&vd->objs);
	vuln_facts_free(&vd->facts);
	free(vd);
}

int
vuln_defs_eval(struct vuln_defs *vd, const char *sc, size_t sclen,
    vuln_result_fn *fn, void *arg, char **results, size_t *rlen, char *err,
    size_t errlen)
{
	struct oscap_source *ss;
	struct oval_syschar_model *sm = NULL;
	struct oval_results_model *rm = NULL;
	struct oval_result_system_iterator *si;
	int r = -EINVAL;

	err[0] = '\0';
	if (results)
		*results = NULL;
	if ((ss = oscap_source_new_from_memory(sc, sclen, "syschar.xml")) ==
	    NULL)
		goto out;
	sm = oval_syschar_model_new(vd->dm);
	if (sm == NULL || oval_syschar_model_import_source(sm, ss) != 0) {
		oscap_why(err, errlen, "the system characteristics");
		goto out;
	}
	rm = oval_results_model_new(vd->dm, (struct oval_syschar_model *[]){
	    sm, NULL });
	if (rm == NULL || oval_results_model_eval(rm) != 0) {
		oscap_why(err, errlen, "the evaluation");
		goto out;
	}
	r = 0;
	si = oval_results_model_get_systems(rm);
	while (r == 0 && oval_result_system_iterator_has_more(si)) {
		struct oval_result_system *sys =
		    oval_result_system_iterator_next(si);
		struct oval_result_definition_iterator *di =
		    oval_result_system_get_definitions(sys);

		while (r == 0 && oval_result_definition_iterator_has_more(di)) {
			struct oval_result_definition *d =
			    oval_result_definition_iterator_next(di);
			struct vuln_result vr = {
				oval_result_definition_get_id(d),
				oval_result_get_text(
				    oval_result_definition_get_result(d)),
				NULL };

			vr.fact = vuln_facts_find(&vd->facts, vr.id);

			if (fn)
				r = fn(&vr, arg);
		}
		oval_result_definition_iterator_free(di);
	}
	oval_result_system_iterator_free(si);
	if (r == 0 && results) {
		struct oscap_source *out = oval_results_model_export_source(rm,
		    NULL, "results.xml");

		/* the buffer is the caller's (the source does not keep it) */
		if (out == NULL || oscap_source_get_raw_memory(out, results,
		    rlen) != 0) {
			snprintf(err, errlen, "exporting the results");
			r = -ENOMEM;
		}
		if (out)
			oscap_source_free(out);
	}
out:
	if (r == -EINVAL && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	if (rm)
		oval_results_model_free(rm);
	if (sm)
		oval_syschar_model_free(sm);
	if (ss)
		oscap_source_free(ss);
	return r;
}
