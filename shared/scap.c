/*
 * scap.c - see scap.h.
 *
 * The document is parsed twice: once by xmlsafe (the untrusted parse, which
 * also gives the component map), and then by libopenscap for validation and
 * the benchmark model.  The first parse is what makes the second safe:
 * libopenscap never sees a DOCTYPE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openscap/ds_sds_session.h>
#include <openscap/oscap.h>
#include <openscap/oscap_error.h>
#include <openscap/oscap_source.h>
#include <openscap/oscap_text.h>
#include <openscap/scap_ds.h>
#include <openscap/xccdf_benchmark.h>
#include <openscap/xccdf_policy.h>

#include "blob.h"
#include "buf.h"
#include "oscap_util.h"
#include "scap.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define NS_DS		"http://scap.nist.gov/schema/scap/source/1.2"
#define NS_XCCDF12	"http://checklists.nist.gov/xccdf/1.2"
#define NS_CAT		"urn:oasis:names:tc:entity:xmlns:xml:catalog"
#define NS_XLINK	"http://www.w3.org/1999/xlink"

const char *const scap_result_names[SCAP_NRESULTS] = {
	"pass", "fail", "error", "unknown", "notapplicable", "notchecked",
	"informational", "fixed",
};

void
scap_init(void)
{
	oscap_init();
}

static void
free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
scap_info_free(struct scap_info *s)
{
	free(s->scap_version); free(s->datastream_id); free(s->benchmark_id);
	free(s->benchmark_version); free(s->title); free(s->tailoring_id);
	free_strv(s->platforms, s->nplatforms);
	for (size_t i = 0; i < s->nprofiles; i++) {
		free(s->profiles[i].id);
		free(s->profiles[i].title);
	}
	free(s->profiles);
	for (size_t i = 0; i < s->ncomponents; i++) {
		free(s->components[i].id);
		free(s->components[i].name);
		free(s->components[i].kind);
	}
	free(s->components);
	memset(s, 0, sizeof(*s));
}

static char *
dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *
prop(xmlNodePtr n, const char *name, const char *ns)
{
	xmlChar *v = ns ? xmlGetNsProp(n, (const xmlChar *)name,
	    (const xmlChar *)ns) : xmlGetProp(n, (const xmlChar *)name);
	char *s = v ? strdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

/* ---- components, from the safe parse -------------------------------- */

struct cref {
	char	*id;		/* component-ref id */
	char	*target;	/* component id it points to */
	char	*name;		/* catalog name, when a catalog names it */
	int	 in_dictionary;	/* a CPE dictionary's catalog points here */
};

static void
crefs_free(struct cref *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].id);
		free(c[i].target);
		free(c[i].name);
	}
	free(c);
}

/* Walks the first data-stream: component-refs, and the catalogs of the
 * dictionaries (whose targets are the CPE-OVAL checks) and checklists
 * (whose names the XCCDF uses). */
static int
read_crefs(xmlNodePtr ds, struct cref **out, size_t *nout)
{
	struct cref *c = NULL;
	size_t n = 0;

	for (xmlNodePtr sec = xml_child(ds, NULL, NULL); sec; sec = sec->next) {
		int dict;

		if (sec->type != XML_ELEMENT_NODE)
			continue;
		dict = xml_is(sec, "dictionaries", NS_DS);
		for (xmlNodePtr r = xml_child(sec, NULL, NULL); r; r = r->next) {
			char *href;

			if (!xml_is(r, "component-ref", NS_DS))
				continue;
			href = prop(r, "href", NS_XLINK);
			if (href == NULL)
				continue;
			struct cref *nc = realloc(c, (n + 1) * sizeof(*c));
			if (nc == NULL) {
				free(href);
				crefs_free(c, n);
				return -ENOMEM;
			}
			c = nc;
			memset(&c[n], 0, sizeof(c[n]));
			c[n].id = prop(r, "id", NULL);
			c[n].target = strdup(href[0] == '#' ? href + 1 : href);
			free(href);
			n++;
			/* Catalog: <cat:catalog><cat:uri name= uri='#cref'/> */
			for (xmlNodePtr cat = xml_child(r, NULL, NULL); cat; cat = cat->next)
				for (xmlNodePtr u = xml_is(cat, "catalog", NS_CAT) ?
				    xml_child(cat, NULL, NULL) : NULL; u; u = u->next) {
					char *uri, *name;

					if (!xml_is(u, "uri", NS_CAT))
						continue;
					uri = prop(u, "uri", NULL);
					name = prop(u, "name", NULL);
					if (uri && name && uri[0] == '#') {
						/* Marks the cref it names,
						 * seen now or later. */
						struct cref *nc2 = realloc(c,
						    (n + 1) * sizeof(*c));
						if (nc2) {
							c = nc2;
							memset(&c[n], 0,
							    sizeof(c[n]));
							c[n].id = NULL;
							c[n].target =
							    strdup(uri + 1);
							c[n].name = name;
							name = NULL;
							c[n].in_dictionary =
							    dict;
							n++;
						}
					}
					free(uri);
					free(name);
				}
		}
	}
	*out = c;
	*nout = n;
	return 0;
}

static int
add_component(struct scap_info *s, const char *id, const char *name,
    const char *kind)
{
	struct scap_component *nc = realloc(s->components,
	    (s->ncomponents + 1) * sizeof(*nc));

	if (nc == NULL)
		return -ENOMEM;
	s->components = nc;
	nc[s->ncomponents].id = dup0(id);
	nc[s->ncomponents].name = dup0(name);
	nc[s->ncomponents].kind = dup0(kind);
	s->ncomponents++;
	return 0;
}

static int
read_components(xmlNodePtr root, struct scap_info *s)
{
	xmlNodePtr ds = NULL;
	struct cref *c = NULL;
	size_t n = 0;
	int r;

	for (xmlNodePtr x = xml_child(root, NULL, NULL); x; x = x->next)
		if (xml_is(x, "data-stream", NS_DS)) {
			ds = x;
			break;
		}
	if (ds == NULL)
		return 0;
	s->datastream_id = prop(ds, "id", NULL);
	s->scap_version = prop(ds, "scap-version", NULL);
	if ((r = read_crefs(ds, &c, &n)) < 0)
		return r;
	for (xmlNodePtr comp = xml_child(root, NULL, NULL); comp; comp = comp->next) {
		char *id;
		const char *kind = "other", *name = NULL;
		xmlNodePtr body;
		int cpe = 0;

		if (!xml_is(comp, "component", NS_DS))
			continue;
		id = prop(comp, "id", NULL);
		body = xml_child(comp, NULL, NULL);
		/* The component-refs that point at this component, and the
		 * catalog entries that point at those. */
		for (size_t i = 0; id && i < n; i++) {
			if (c[i].id == NULL || strcmp(c[i].target, id) != 0)
				continue;
			for (size_t j = 0; j < n; j++) {
				if (c[j].id != NULL ||
				    strcmp(c[j].target, c[i].id) != 0)
					continue;
				if (c[j].in_dictionary)
					cpe = 1;
				else if (name == NULL)
					name = c[j].name;
			}
		}
		if (body && strcmp((const char *)body->name,
		    "oval_definitions") == 0)
			kind = cpe ? "cpe-oval" : "oval";
		else if (body && strcmp((const char *)body->name,
		    "Benchmark") == 0)
			kind = "xccdf";
		else if (body && strcmp((const char *)body->name,
		    "cpe-list") == 0)
			kind = "cpe-dictionary";
		else if (body && strcmp((const char *)body->name,
		    "ocil") == 0)
			kind = "ocil";
		r = id ? add_component(s, id, name, kind) : 0;
		free(id);
		if (r < 0)
			break;
	}
	crefs_free(c, n);
	return r;
}

/* ---- libopenscap ---------------------------------------------------- */

/* The preferred text of a list (allocated), freeing the iterator. */
static char *
text_of(struct oscap_text_iterator *it)
{
	char *t = it ? oscap_textlist_get_preferred_plaintext(it, "en-US") :
	    NULL;

	if (it)
		oscap_text_iterator_free(it);
	return t;
}

static int
read_benchmark(struct oscap_source *src, struct scap_info *s, char *err,
    size_t errlen)
{
	struct ds_sds_session *sess;
	struct oscap_source *xs;
	struct xccdf_benchmark *bench;
	struct xccdf_policy_model *model;
	struct xccdf_profile_iterator *pit;
	struct oscap_string_iterator *plat;
	int r = 0;

	if ((sess = ds_sds_session_new_from_source(src)) == NULL) {
		snprintf(err, errlen, "cannot open the datastream: %s",
		    ou_reason("unknown error"));
		return -EINVAL;
	}
	xs = ds_sds_session_select_checklist(sess, NULL, NULL, NULL);
	bench = xs ? xccdf_benchmark_import_source(xs) : NULL;
	if (bench == NULL) {
		snprintf(err, errlen, "no XCCDF benchmark in the datastream: %s",
		    ou_reason("none found"));
		ds_sds_session_free(sess);
		return -EINVAL;
	}
	s->benchmark_id = dup0(xccdf_benchmark_get_id(bench));
	s->benchmark_version = dup0(xccdf_benchmark_get_version(bench));
	s->title = text_of(xccdf_benchmark_get_title(bench));
	plat = xccdf_benchmark_get_platforms(bench);
	while (plat && oscap_string_iterator_has_more(plat)) {
		const char *p = oscap_string_iterator_next(plat);
		char **nv = realloc(s->platforms, (s->nplatforms + 1) *
		    sizeof(*nv));

		if (nv == NULL) {
			r = -ENOMEM;
			break;
		}
		s->platforms = nv;
		nv[s->nplatforms++] = strdup(p);
	}
	oscap_string_iterator_free(plat);

	model = xccdf_policy_model_new(bench);	/* owns bench now */
	pit = xccdf_benchmark_get_profiles(bench);
	while (r == 0 && xccdf_profile_iterator_has_more(pit)) {
		struct xccdf_profile *p = xccdf_profile_iterator_next(pit);
		struct xccdf_policy *pol;
		struct scap_profile *np;

		if (xccdf_profile_get_abstract(p))
			continue;
		np = realloc(s->profiles, (s->nprofiles + 1) * sizeof(*np));
		if (np == NULL) {
			r = -ENOMEM;
			break;
		}
		s->profiles = np;
		np += s->nprofiles++;
		np->id = dup0(xccdf_profile_get_id(p));
		np->title = text_of(xccdf_profile_get_title(p));
		pol = xccdf_policy_model_get_policy_by_id(model, np->id);
		np->rules = pol ? xccdf_policy_get_selected_rules_count(pol) :
		    -1;
	}
	xccdf_profile_iterator_free(pit);
	xccdf_policy_model_free(model);
	ds_sds_session_free(sess);
	if (r < 0)
		snprintf(err, errlen, "out of memory");
	return r;
}

/* Tailoring: its id, the benchmark it refers to, its profiles. */
static int
read_tailoring(xmlNodePtr root, struct scap_info *s)
{
	s->tailoring_id = prop(root, "id", NULL);
	for (xmlNodePtr x = xml_child(root, NULL, NULL); x; x = x->next) {
		/* One of each by the schema: a second is ignored. */
		if (xml_is(x, "benchmark", NS_XCCDF12)) {
			if (s->benchmark_id == NULL)
				s->benchmark_id = prop(x, "href", NULL);
		} else if (xml_is(x, "version", NS_XCCDF12) &&
		    s->benchmark_version == NULL) {
			xmlChar *v = xmlNodeGetContent(x);

			s->benchmark_version = v ? strdup((char *)v) : NULL;
			xmlFree(v);
		} else if (xml_is(x, "Profile", NS_XCCDF12)) {
			struct scap_profile *np = realloc(s->profiles,
			    (s->nprofiles + 1) * sizeof(*np));

			if (np == NULL)
				return -ENOMEM;
			s->profiles = np;
			np += s->nprofiles++;
			np->id = prop(x, "id", NULL);
			np->title = NULL;
			np->rules = -1;	/* known once bound to a benchmark */
			for (xmlNodePtr t = xml_child(x, NULL, NULL); t; t = t->next)
				if (xml_is(t, "title", NS_XCCDF12)) {
					xmlChar *v = xmlNodeGetContent(t);

					np->title = v ? strdup((char *)v) :
					    NULL;
					xmlFree(v);
					break;
				}
		}
	}
	return 0;
}

/*
 * A source datastream of SCAP 1.2 or 1.3 validated on the tree already
 * parsed, against the schema libopenscap 1.3.7 picks for it by its
 * `schematron-version` (oscap_source_validate: xmlSchemaValidateDoc too),
 * that schema parsed once per process: neither it (0.17 s) nor the
 * document (0.1 s for SSG's Debian 11) is parsed again for each
 * submission.  1 validated, 0 not ours to validate (libopenscap does;
 * another version fails there), or < 0 with err.
 */
static int
validate_sds(xmlDocPtr doc, const struct scap_info *s, char *err,
    size_t errlen)
{
	const char *rel = NULL;
	char *v;
	int r;

	if (s->kind != SCAP_DATASTREAM || (v = prop(xmlDocGetRootElement(doc),
	    "schematron-version", NULL)) == NULL)
		return 0;
	if (strcmp(v, "1.2") == 0)
		rel = "sds/1.2/scap-source-data-stream_1.2.xsd";
	else if (strcmp(v, "1.3") == 0)
		rel = "sds/1.3/scap-source-data-stream_1.3.xsd";
	free(v);
	if (rel == NULL)
		return 0;
	return (r = ou_validate_doc(doc, rel, err, errlen)) < 0 ? r : 1;
}

int
scap_inspect(const char *data, size_t len, size_t max, struct scap_info *s,
    char *err, size_t errlen)
{
	struct oscap_source *src = NULL;
	xmlDocPtr doc;
	xmlNodePtr root;
	int r, validated;

	memset(s, 0, sizeof(*s));
	oscap_clearerr();
	if ((r = xmlsafe_parse(data, len, max, &doc, err, errlen)) < 0)
		return r;
	root = xmlDocGetRootElement(doc);
	if (xml_is(root, "data-stream-collection", NS_DS))
		s->kind = SCAP_DATASTREAM;
	else if (xml_is(root, "Tailoring", NS_XCCDF12))
		s->kind = SCAP_TAILORING;
	else {
		snprintf(err, errlen, "not a SCAP source datastream or XCCDF "
		    "1.2 tailoring: root element is {%s}%s",
		    root && root->ns ? (const char *)root->ns->href : "",
		    root ? (const char *)root->name : "?");
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	r = s->kind == SCAP_DATASTREAM ? read_components(root, s) :
	    read_tailoring(root, s);
	if (r < 0) {
		xmlFreeDoc(doc);
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	validated = validate_sds(doc, s, err, errlen);
	xmlFreeDoc(doc);
	if (validated < 0) {
		r = validated;
		goto fail;
	}
	if (s->kind == SCAP_DATASTREAM && s->datastream_id == NULL) {
		snprintf(err, errlen, "datastream collection without a "
		    "data-stream");
		r = -EINVAL;
		goto fail;
	}

	src = oscap_source_new_from_memory(data, len, "submission.xml");
	if (src == NULL) {
		snprintf(err, errlen, "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	if (!validated && (r = ou_validate(src, err, errlen)) < 0)
		goto fail;
	if (s->kind == SCAP_DATASTREAM &&
	    (r = read_benchmark(src, s, err, errlen)) < 0)
		goto fail;
	oscap_source_free(src);
	return 0;
fail:
	oscap_source_free(src);
	scap_info_free(s);
	return r;
}

int
scap_tailor(const char *ds, size_t dslen, const char *tailoring, size_t tlen,
    struct scap_info *t, char *err, size_t errlen)
{
	struct oscap_source *src, *tsrc;
	struct ds_sds_session *sess;
	struct oscap_source *xs;
	struct xccdf_benchmark *bench;
	struct xccdf_policy_model *model;
	struct xccdf_tailoring *tl;
	int r = 0;

	oscap_clearerr();
	if ((src = oscap_source_new_from_memory(ds, dslen, "base.xml")) ==
	    NULL)
		return -ENOMEM;
	if ((sess = ds_sds_session_new_from_source(src)) == NULL) {
		oscap_source_free(src);
		snprintf(err, errlen, "cannot open the base datastream");
		return -EINVAL;
	}
	xs = ds_sds_session_select_checklist(sess, NULL, NULL, NULL);
	if ((bench = xs ? xccdf_benchmark_import_source(xs) : NULL) == NULL) {
		snprintf(err, errlen, "no benchmark in the base datastream");
		ds_sds_session_free(sess);
		oscap_source_free(src);
		return -EINVAL;
	}
	tsrc = oscap_source_new_from_memory(tailoring, tlen, "tailoring.xml");
	tl = tsrc ? xccdf_tailoring_import_source(tsrc, bench) : NULL;
	model = xccdf_policy_model_new(bench);
	if (tl == NULL || !xccdf_policy_model_set_tailoring(model, tl)) {
		snprintf(err, errlen, "the tailoring does not apply to the "
		    "benchmark: %s", ou_reason("import failed"));
		if (tl && !xccdf_policy_model_get_tailoring(model))
			xccdf_tailoring_free(tl);
		r = -EINVAL;
	}
	for (size_t i = 0; r == 0 && i < t->nprofiles; i++) {
		struct xccdf_policy *pol = xccdf_policy_model_get_policy_by_id(
		    model, t->profiles[i].id);

		if (pol == NULL) {
			snprintf(err, errlen, "tailored profile %s does not "
			    "resolve against the benchmark (%s)",
			    t->profiles[i].id, ou_reason("unknown base "
			    "profile or rule"));
			r = -EINVAL;
			break;
		}
		t->profiles[i].rules =
		    xccdf_policy_get_selected_rules_count(pol);
	}
	xccdf_policy_model_free(model);
	ds_sds_session_free(sess);
	oscap_source_free(src);
	oscap_source_free(tsrc);
	return r;
}
