/*
 * ds.c - see ds.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include "buf.h"
#include "ds.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define NS_DS		"http://scap.nist.gov/schema/scap/source/1.2"
#define NS_CAT		"urn:oasis:names:tc:entity:xmlns:xml:catalog"
#define NS_XLINK	"http://www.w3.org/1999/xlink"

/*
 * Components are read from the datastream with a streaming reader: only
 * the component wanted is ever built as a tree, so extracting a 4 MB
 * OVAL component from a 6 MB datastream costs the component, not the
 * datastream.  The data-stream (its component-refs and their catalogs)
 * comes before the components, so one pass resolves the name and finds
 * the component.
 */
struct cref {
	char	*id, *href;
	int	 checklist;	/* in ds:checklists (the XCCDF) */
	int	 dictionary;	/* in ds:dictionaries (CPE) */
};
struct catentry {
	char	*name, *uri;
	int	 dictionary;	/* in a catalog of ds:dictionaries */
};
struct index {
	struct cref	*crefs;
	size_t		 ncrefs;
	struct catentry	*cat;
	size_t		 ncat;
};

static void
index_free(struct index *x)
{
	for (size_t i = 0; i < x->ncrefs; i++) {
		free(x->crefs[i].id);
		free(x->crefs[i].href);
	}
	for (size_t i = 0; i < x->ncat; i++) {
		free(x->cat[i].name);
		free(x->cat[i].uri);
	}
	free(x->crefs);
	free(x->cat);
}

static char *
rd_attr(xmlTextReaderPtr rd, const char *name, const char *ns)
{
	xmlChar *v = ns ? xmlTextReaderGetAttributeNs(rd, BAD_CAST name,
	    BAD_CAST ns) : xmlTextReaderGetAttribute(rd, BAD_CAST name);
	char *r = v ? strdup((char *)v) : NULL;

	xmlFree(v);
	return r;
}

/* The component id wanted: the checklist's, or name resolved through
 * the catalogs, or name itself. */
static char *
resolve(const struct index *x, const char *name)
{
	const char *cref = NULL;

	if (name == NULL) {
		for (size_t i = 0; i < x->ncrefs; i++)
			if (x->crefs[i].checklist && x->crefs[i].href &&
			    x->crefs[i].href[0] == '#')
				return strdup(x->crefs[i].href + 1);
		return NULL;
	}
	for (size_t i = 0; i < x->ncat && !cref; i++)
		if (x->cat[i].name && x->cat[i].uri && x->cat[i].uri[0] == '#' &&
		    strcmp(x->cat[i].name, name) == 0)
			cref = x->cat[i].uri + 1;
	for (size_t i = 0; cref && i < x->ncrefs; i++)
		if (x->crefs[i].id && strcmp(x->crefs[i].id, cref) == 0 &&
		    x->crefs[i].href && x->crefs[i].href[0] == '#')
			return strdup(x->crefs[i].href + 1);
	return strdup(name);
}

static int
is_el(xmlTextReaderPtr rd, const char *name, const char *ns)
{
	const xmlChar *ln = xmlTextReaderConstLocalName(rd);
	const xmlChar *uri = xmlTextReaderConstNamespaceUri(rd);

	return ln && uri && strcmp((const char *)ln, name) == 0 &&
	    strcmp((const char *)uri, ns) == 0;
}

/* Is component id one that a dictionary's catalog points at? */
static int
in_dictionary(const struct index *x, const char *id)
{
	for (size_t i = 0; i < x->ncat; i++) {
		if (!x->cat[i].dictionary || !x->cat[i].uri ||
		    x->cat[i].uri[0] != '#')
			continue;
		for (size_t k = 0; k < x->ncrefs; k++)
			if (x->crefs[k].id && x->crefs[k].href &&
			    strcmp(x->crefs[k].id, x->cat[i].uri + 1) == 0 &&
			    strcmp(x->crefs[k].href + 1, id) == 0)
				return 1;
	}
	return 0;
}

#define CPE_OVAL	((const char *)1)	/* name: the CPE-OVAL component */
#define CPE_DICT	((const char *)2)	/* name: the CPE dictionary */

/* Is component id one that a component-ref in ds:dictionaries is? */
static int
dictionary_ref(const struct index *x, const char *id)
{
	for (size_t k = 0; k < x->ncrefs; k++)
		if (x->crefs[k].dictionary && x->crefs[k].href &&
		    x->crefs[k].href[0] == '#' &&
		    strcmp(x->crefs[k].href + 1, id) == 0)
			return 1;
	return 0;
}

/*
 * name NULL: the XCCDF benchmark the data-stream's checklist refers to;
 * CPE_OVAL: the OVAL definitions a dictionary's catalog refers to.
 */
static int
stream_component(const char *ds, size_t len, const char *name, char **out,
    size_t *outlen, char *err, size_t errlen)
{
	xmlTextReaderPtr rd;
	struct index x = { 0 };
	char *want = NULL;
	int ret, r = -ENOENT, in_checklists = 0, in_dicts = 0, resolved = 0;

	/* Its errors are ours to report (err), not libxml2's on stderr. */
	if (len > INT_MAX || (rd = xmlReaderForMemory(ds, (int)len, "ds.xml",
	    NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING)) == NULL) {
		snprintf(err, errlen, "cannot read the datastream");
		return -EINVAL;
	}
	ret = xmlTextReaderRead(rd);
	while (ret == 1 && r == -ENOENT) {
		int type = xmlTextReaderNodeType(rd);

		if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
			snprintf(err, errlen, "the datastream has a DOCTYPE");
			r = -EPERM;
			break;
		}
		if (type == XML_READER_TYPE_END_ELEMENT &&
		    is_el(rd, "checklists", NS_DS))
			in_checklists = 0;
		if (type == XML_READER_TYPE_END_ELEMENT &&
		    is_el(rd, "dictionaries", NS_DS))
			in_dicts = 0;
		if (type != XML_READER_TYPE_ELEMENT) {
			ret = xmlTextReaderRead(rd);
			continue;
		}
		if (is_el(rd, "checklists", NS_DS))
			in_checklists = !xmlTextReaderIsEmptyElement(rd);
		else if (is_el(rd, "dictionaries", NS_DS))
			in_dicts = !xmlTextReaderIsEmptyElement(rd);
		else if (is_el(rd, "component-ref", NS_DS)) {
			struct cref *nv = reallocarray(x.crefs, x.ncrefs + 1,
			    sizeof(*nv));

			if (nv == NULL) {
				r = -ENOMEM;
				break;
			}
			x.crefs = nv;
			nv[x.ncrefs].id = rd_attr(rd, "id", NULL);
			nv[x.ncrefs].href = rd_attr(rd, "href", NS_XLINK);
			nv[x.ncrefs].checklist = in_checklists;
			nv[x.ncrefs].dictionary = in_dicts;
			x.ncrefs++;
		} else if (is_el(rd, "uri", NS_CAT)) {
			struct catentry *nv = reallocarray(x.cat, x.ncat + 1,
			    sizeof(*nv));

			if (nv == NULL) {
				r = -ENOMEM;
				break;
			}
			x.cat = nv;
			nv[x.ncat].name = rd_attr(rd, "name", NULL);
			nv[x.ncat].uri = rd_attr(rd, "uri", NULL);
			nv[x.ncat].dictionary = in_dicts;
			x.ncat++;
		} else if (is_el(rd, "component", NS_DS)) {
			char *id = rd_attr(rd, "id", NULL);
			xmlNodePtr n, body;

			if (!resolved && name != CPE_OVAL && name != CPE_DICT) {
				want = resolve(&x, name);
				resolved = 1;
			}
			if (id && name == CPE_DICT && dictionary_ref(&x, id)) {
				if ((n = xmlTextReaderExpand(rd)) != NULL &&
				    (body = xml_child(n, NULL, NULL)) != NULL &&
				    strcmp((const char *)body->name,
				    "cpe-list") == 0) {
					free(id);
					r = xml_node_text(body, out, outlen);
					break;
				}
			} else if (id && name == CPE_OVAL && in_dictionary(&x, id)) {
				if ((n = xmlTextReaderExpand(rd)) != NULL &&
				    (body = xml_child(n, NULL, NULL)) != NULL &&
				    strcmp((const char *)body->name,
				    "oval_definitions") == 0) {
					free(id);
					r = xml_node_text(body, out, outlen);
					break;
				}
			} else if (id && want && strcmp(id, want) == 0) {
				free(id);
				if ((n = xmlTextReaderExpand(rd)) == NULL ||
				    (body = xml_child(n, NULL, NULL)) == NULL) {
					snprintf(err, errlen, "component %s is "
					    "empty or malformed", want);
					r = -EINVAL;
				} else
					r = xml_node_text(body, out, outlen);
				break;
			}
			free(id);
			ret = xmlTextReaderNext(rd);	/* skip it whole */
			continue;
		}
		ret = xmlTextReaderRead(rd);
	}
	if (ret < 0 && r == -ENOENT) {
		const xmlError *e = xmlGetLastError();

		snprintf(err, errlen, "the datastream is not well-formed: %s",
		    e && e->message ? e->message : "?");
		r = -EINVAL;
	} else if (r == -ENOENT)
		snprintf(err, errlen, "no component %s in the datastream",
		    name == CPE_OVAL ? "(CPE-OVAL)" : name == CPE_DICT ?
		    "(CPE dictionary)" : name ? name :
		    "(checklist)");
	xmlFreeTextReader(rd);
	index_free(&x);
	free(want);
	return r;
}

int
ds_component(const char *ds, size_t len, const char *name, char **out,
    size_t *outlen, char *err, size_t errlen)
{
	return stream_component(ds, len, name, out, outlen, err, errlen);
}

int
ds_cpe_oval(const char *ds, size_t len, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	return stream_component(ds, len, CPE_OVAL, out, outlen, err, errlen);
}

int
ds_cpe_dict(const char *ds, size_t len, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	return stream_component(ds, len, CPE_DICT, out, outlen, err, errlen);
}

int
ds_benchmark(const char *ds, size_t len, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	return stream_component(ds, len, NULL, out, outlen, err, errlen);
}

