/*
 * rolie.c - see rolie.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/tree.h>

#include "rolie.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define NS_ATOM		"http://www.w3.org/2005/Atom"
#define NS_APP		"http://www.w3.org/2007/app"
#define NS_ROLIE	"urn:ietf:params:xml:ns:rolie-1.0"
#define INFO_TYPE	"urn:ietf:params:rolie:category:information-type"

char *
rolie_resolve(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *out = NULL, *copy;

	if (u == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK)
		curl_url_get(u, CURLUPART_URL, &out, 0);
	curl_url_cleanup(u);
	copy = out ? strdup(out) : NULL;
	curl_free(out);
	return copy;
}

/* The information-type term of the element's categories, or NULL. */
static char *
info_type(xmlNodePtr n)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next) {
		char *scheme, *term;

		if (!xml_is(c, "category", NS_ATOM))
			continue;
		scheme = xml_prop(c, "scheme");
		term = xml_prop(c, "term");
		if (scheme && term && strcmp(scheme, INFO_TYPE) == 0) {
			free(scheme);
			return term;
		}
		free(scheme);
		free(term);
	}
	return NULL;
}

static void
link_to(const struct rolie_reader *r, const char *base, const char *ref)
{
	char *u = rolie_resolve(base, ref);

	if (u)
		r->link(r->arg, u);
	free(u);
}

/* Where an entry's content is: content@src, else an enclosure or
 * alternate link. */
static char *
content_ref(xmlNodePtr e)
{
	xmlNodePtr c = xml_child(e, "content", NS_ATOM);
	char *src = c ? xml_prop(c, "src") : NULL;
	static const char *const rels[] = { "enclosure", "alternate" };

	if (src)
		return src;
	for (size_t i = 0; i < 2; i++)
		for (xmlNodePtr l = e->children; l; l = l->next) {
			char *rel, *href;

			if (!xml_is(l, "link", NS_ATOM))
				continue;
			rel = xml_prop(l, "rel");
			if (strcmp(rel ? rel : "alternate", rels[i]) == 0 &&
			    (href = xml_prop(l, "href")) != NULL) {
				free(rel);
				return href;
			}
			free(rel);
		}
	return NULL;
}

static void
entry(const struct rolie_reader *r, const char *url, xmlNodePtr e,
    const char *feedtype)
{
	xmlNodePtr fe = xml_child(e, "format", NS_ROLIE);
	char *id = xml_text(xml_child(e, "id", NS_ATOM));
	char *updated = xml_text(xml_child(e, "updated", NS_ATOM));
	char *type = info_type(e), *fmt = fe ? xml_prop(fe, "ns") : NULL;
	char *ref = content_ref(e);
	char *content = ref ? rolie_resolve(url, ref) : NULL;
	struct rolie_entry re = {
		.id = id, .updated = updated,
		.type = type ? type : feedtype, .format = fmt,
		.content = content,
	};

	r->entry(r->arg, &re);
	free(id); free(updated); free(type); free(fmt); free(ref);
	free(content);
}

static void
service(const struct rolie_reader *r, const char *url, xmlNodePtr root)
{
	for (xmlNodePtr w = root->children; w; w = w->next)
		for (xmlNodePtr c = xml_is(w, "workspace", NS_APP) ?
		    w->children : NULL; c; c = c->next) {
			char *t, *href;

			if (!xml_is(c, "collection", NS_APP))
				continue;
			t = info_type(c);
			href = xml_prop(c, "href");
			if (href && (t == NULL || strcmp(t, r->type) == 0))
				link_to(r, url, href);
			free(t);
			free(href);
		}
}

static void
feed(const struct rolie_reader *r, const char *url, xmlNodePtr root)
{
	char *ft = info_type(root);

	for (xmlNodePtr e = root->children; e; e = e->next) {
		if (xml_is(e, "entry", NS_ATOM))
			entry(r, url, e, ft);
		else if (xml_is(e, "link", NS_ATOM)) {
			char *rel = xml_prop(e, "rel");
			char *href = xml_prop(e, "href");

			if (rel && href && strcmp(rel, "next") == 0)
				link_to(r, url, href);
			free(rel);
			free(href);
		}
	}
	free(ft);
}

int
rolie_read(const char *body, size_t len, size_t max, const char *url,
    const struct rolie_reader *r, char *err, size_t errlen)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	char why[512];

	if (xmlsafe_parse(body, len, max, &doc, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "malformed Atom: %s", why);
		return -EINVAL;
	}
	root = xmlDocGetRootElement(doc);
	if (xml_is(root, "service", NS_APP))
		service(r, url, root);
	else if (xml_is(root, "feed", NS_ATOM))
		feed(r, url, root);
	else if (xml_is(root, "entry", NS_ATOM))
		entry(r, url, root, NULL);
	else {
		snprintf(err, errlen, "not an Atom feed, entry or service "
		    "document (root is %.100s)",
		    root ? (const char *)root->name : "?");
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	xmlFreeDoc(doc);
	return 0;
}
