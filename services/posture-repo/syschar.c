/*
 * syschar.c - see syschar.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "blob.h"
#include "buf.h"
#include "oscap_util.h"
#include "syschar.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define NS_OVAL_SC	"http://oval.mitre.org/XMLSchema/" \
			"oval-system-characteristics-5"
#define NS_OVAL_COMMON	"http://oval.mitre.org/XMLSchema/oval-common-5"

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

/*
 * The schema of the document's OVAL version (generator/schema_version,
 * without a platform suffix), as libopenscap would pick it: only a plain
 * version number names a file.
 */
static int
schema_of(xmlNodePtr root, char *rel, size_t len, char *err, size_t errlen)
{
	xmlNodePtr gen = xml_child(root, "generator", NS_OVAL_SC), v;
	xmlChar *ver;
	size_t n;
	int ok;

	v = gen ? xml_child(gen, "schema_version", NS_OVAL_COMMON) : NULL;
	if (v == NULL || (ver = xmlNodeGetContent(v)) == NULL) {
		snprintf(err, errlen, "XSD validation failed: no OVAL schema "
		    "version (generator/schema_version)");
		return -EINVAL;
	}
	n = strcspn((char *)ver, ":");
	ok = n > 2 && n < 16 && strspn((char *)ver, "0123456789.") == n &&
	    ver[0] != '.' && ver[n - 1] != '.' && !strstr((char *)ver, "..");
	if (ok)
		snprintf(rel, len, "oval/%.*s/oval-system-characteristics-"
		    "schema.xsd", (int)n, (char *)ver);
	else
		snprintf(err, errlen, "XSD validation failed: not an OVAL "
		    "schema version: %.40s", (char *)ver);
	xmlFree(ver);
	return ok ? 0 : -EINVAL;
}

int
syschar_check(const char *data, size_t len, size_t max,
    char digest[65], char *err, size_t errlen)
{
	xmlDocPtr doc;
	char rel[128];
	int r;

	if ((r = xmlsafe_parse_root(data, len, max,
	    "oval_system_characteristics", NS_OVAL_SC, &doc, err, errlen)) < 0)
		return r;
	/* The schema parsed once, the document not again; validated first
	 * (the digest takes the item ids out). */
	if ((r = schema_of(xmlDocGetRootElement(doc), rel, sizeof(rel), err,
	    errlen)) == 0 && (r = ou_validate_doc(doc, rel, err,
	    errlen)) == 0 && (r = posture_digest(doc, digest)) < 0)
		snprintf(err, errlen, "out of memory");
	xmlFreeDoc(doc);
	return r;
}
