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
#include "scap.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define NS_DS		"http://scap.nist.gov/schema/scap/source/1.2"
#define NS_XCCDF12	"http://checklists.nist.gov/xccdf/1.2"
#define NS_CAT		"urn:oasis:names:tc:entity:xmlns:xml:catalog"
#define NS_XLINK	"http://www.w3.org/1999/xlink"
#define MAX_REPORTED	3
#define NS_OVAL_SC	"http://oval.mitre.org/XMLSchema/" \
			"oval-system-characteristics-5"

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

struct report {
	struct buf	b;
	int		n;
};

static int
xsd_reporter(const char *file, int line, const char *msg, void *arg)
{
	struct report *rep = arg;

	(void)file;
	if (rep->n++ < MAX_REPORTED)
		buf_printf(&rep->b, "%sline %d: %.*s", rep->n > 1 ? "; " : "",
		    line, (int)strcspn(msg, "\n"), msg);
	return 0;
}

/* The last libopenscap error, or what. */
static const char *
oscap_reason(const char *what)
{
	const char *d = oscap_err() ? oscap_err_desc() : NULL;

	return d ? d : what;
}

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
		    oscap_reason("unknown error"));
		return -EINVAL;
	}
	xs = ds_sds_session_select_checklist(sess, NULL, NULL, NULL);
	bench = xs ? xccdf_benchmark_import_source(xs) : NULL;
	if (bench == NULL) {
		snprintf(err, errlen, "no XCCDF benchmark in the datastream: %s",
		    oscap_reason("none found"));
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
		if (xml_is(x, "benchmark", NS_XCCDF12)) {
			s->benchmark_id = prop(x, "href", NULL);
		} else if (xml_is(x, "version", NS_XCCDF12)) {
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

int
scap_inspect(const char *data, size_t len, size_t max, struct scap_info *s,
    char *err, size_t errlen)
{
	struct oscap_source *src = NULL;
	struct report rep;
	xmlDocPtr doc;
	xmlNodePtr root;
	int r, v;

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
	xmlFreeDoc(doc);
	if (r < 0) {
		snprintf(err, errlen, "out of memory");
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
	buf_init(&rep.b, 2048);
	rep.n = 0;
	v = oscap_source_validate(src, xsd_reporter, &rep);
	if (v != 0) {
		snprintf(err, errlen, "XSD validation failed: %s%s",
		    rep.b.data ? rep.b.data :
		    oscap_reason("invalid document"),
		    rep.n > MAX_REPORTED ? " ..." : "");
		buf_free(&rep.b);
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = ' ';
		r = -EINVAL;
		goto fail;
	}
	buf_free(&rep.b);
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
		    "benchmark: %s", oscap_reason("import failed"));
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
			    t->profiles[i].id, oscap_reason("unknown base "
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

/*
 * The posture digest.  Two collections of the same system differ in the
 * generator's time stamp, in the item ids (numbered afresh by each run)
 * and in file access times (reading a file may set them); none of that
 * is posture.  So: each item is hashed without its id and a_time; each
 * collected object becomes a line of its id, version, variable instance,
 * flag, variable values and the sorted hashes of its items; the digest
 * is the SHA-256 of the sorted lines and the system_info.
 */
struct item_hash {
	char	*id;
	char	 hex[65];
};

static int
cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct item_hash *)a)->id,
	    ((const struct item_hash *)b)->id);
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
dump_hash(xmlDocPtr doc, xmlNodePtr n, char hex[65])
{
	xmlBufferPtr xb = xmlBufferCreate();

	if (xb && xmlNodeDump(xb, doc, n, 0, 0) >= 0)
		blob_sha256_hex(xmlBufferContent(xb),
		    (size_t)xmlBufferLength(xb), hex);
	else
		memset(hex, '0', 64), hex[64] = '\0';
	if (xb)
		xmlBufferFree(xb);
}

struct strv {
	char	**v;
	size_t	 n;
};

static int
strv_add(struct strv *s, char *str)
{
	char **nv;

	if (str == NULL || (nv = reallocarray(s->v, s->n + 1,
	    sizeof(*nv))) == NULL) {
		free(str);
		return -ENOMEM;
	}
	s->v = nv;
	s->v[s->n++] = str;
	return 0;
}

static void
strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static int
posture_digest(xmlDocPtr doc, char digest[65])
{
	xmlNodePtr root = xmlDocGetRootElement(doc), data, objs, info;
	struct item_hash *items = NULL;
	struct strv lines = { 0 };
	size_t nitems = 0;
	struct buf all;
	int r = 0;

	data = xml_child(root, "system_data", NS_OVAL_SC);
	for (xmlNodePtr it = data ? data->children : NULL; it && r == 0;
	    it = it->next) {
		struct item_hash *nv;
		xmlNodePtr next;

		if (it->type != XML_ELEMENT_NODE)
			continue;
		if ((nv = reallocarray(items, nitems + 1, sizeof(*nv))) ==
		    NULL) {
			r = -ENOMEM;
			break;
		}
		items = nv;
		items[nitems].id = xml_prop(it, "id");
		xmlUnsetProp(it, BAD_CAST "id");
		for (xmlNodePtr c = it->children; c; c = next) {
			next = c->next;
			if (c->type == XML_ELEMENT_NODE &&
			    strcmp((const char *)c->name, "a_time") == 0) {
				xmlUnlinkNode(c);
				xmlFreeNode(c);
			}
		}
		dump_hash(doc, it, items[nitems].hex);
		if (items[nitems].id == NULL)
			items[nitems].id = strdup("");
		nitems++;
	}
	if (nitems)
		qsort(items, nitems, sizeof(*items), cmp_item);
	objs = xml_child(root, "collected_objects", NS_OVAL_SC);
	for (xmlNodePtr o = objs ? objs->children : NULL; o && r == 0;
	    o = o->next) {
		struct strv parts = { 0 };
		struct buf line;
		char *id, *ver, *vi, *flag;

		if (o->type != XML_ELEMENT_NODE)
			continue;
		for (xmlNodePtr c = o->children; c && r == 0; c = c->next) {
			char *t = NULL;

			if (c->type != XML_ELEMENT_NODE)
				continue;
			if (strcmp((const char *)c->name, "reference") == 0) {
				struct item_hash key, *f;

				key.id = xml_prop(c, "item_ref");
				f = key.id ? bsearch(&key, items, nitems,
				    sizeof(*items), cmp_item) : NULL;
				t = strdup(f ? f->hex : "dangling");
				free(key.id);
			} else {
				char hex[65];

				dump_hash(doc, c, hex);
				t = strdup(hex);
			}
			r = strv_add(&parts, t);
		}
		if (parts.n)
			qsort(parts.v, parts.n, sizeof(*parts.v), cmp_strp);
		id = xml_prop(o, "id");
		ver = xml_prop(o, "version");
		vi = xml_prop(o, "variable_instance");
		flag = xml_prop(o, "flag");
		buf_init(&line, 64u << 20);
		buf_printf(&line, "%s|%s|%s|%s", id ? id : "", ver ? ver : "",
		    vi ? vi : "", flag ? flag : "");
		for (size_t i = 0; i < parts.n; i++)
			buf_printf(&line, "|%s", parts.v[i]);
		free(id); free(ver); free(vi); free(flag);
		strv_free(&parts);
		if (r == 0)
			r = strv_add(&lines, buf_steal(&line, NULL));
		buf_free(&line);
	}
	if (lines.n)
		qsort(lines.v, lines.n, sizeof(*lines.v), cmp_strp);
	buf_init(&all, 1u << 30);
	if ((info = xml_child(root, "system_info", NS_OVAL_SC)) != NULL) {
		char hex[65];

		dump_hash(doc, info, hex);
		buf_printf(&all, "%s\n", hex);
	}
	for (size_t i = 0; i < lines.n; i++)
		buf_printf(&all, "%s\n", lines.v[i]);
	if (r == 0 && all.len > 0 && all.data == NULL)
		r = -ENOMEM;
	if (r == 0)
		blob_sha256_hex(all.data ? all.data : "", all.len, digest);
	buf_free(&all);
	strv_free(&lines);
	for (size_t i = 0; i < nitems; i++)
		free(items[i].id);
	free(items);
	return r;
}

int
scap_check_syschar(const char *data, size_t len, size_t max,
    char digest[65], char *err, size_t errlen)
{
	struct oscap_source *src;
	struct report rep;
	xmlDocPtr doc;
	int r;

	oscap_clearerr();
	if ((r = xmlsafe_parse_root(data, len, max, "oval_system_characteristics",
	    NS_OVAL_SC, &doc, err, errlen)) < 0)
		return r;
	r = posture_digest(doc, digest);
	xmlFreeDoc(doc);
	if (r < 0) {
		snprintf(err, errlen, "out of memory");
		return r;
	}

	if ((src = oscap_source_new_from_memory(data, len, "syschar.xml")) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	buf_init(&rep.b, 2048);
	rep.n = 0;
	if (oscap_source_get_scap_type(src) != OSCAP_DOCUMENT_OVAL_SYSCHAR) {
		snprintf(err, errlen, "not OVAL system characteristics");
		r = -EINVAL;
	} else if (oscap_source_validate(src, xsd_reporter, &rep) != 0) {
		snprintf(err, errlen, "XSD validation failed: %s%s",
		    rep.b.data ? rep.b.data :
		    oscap_reason("invalid document"),
		    rep.n > MAX_REPORTED ? " ..." : "");
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = ' ';
		r = -EINVAL;
	}
	buf_free(&rep.b);
	oscap_source_free(src);
	return r;
}
