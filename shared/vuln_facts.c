/*
 * vuln_facts.c - what a result says of each definition besides true or
 * false: its CVE ids, the package it is about, the version that fixes
 * it, its severity when the content gives one, and whether it needs
 * objects the inventory does not answer (vuln.h, struct vuln_fact).
 *
 * Read once, from the document vuln_defs_load parsed already: the
 * definition's metadata (title, <reference source='CVE'/>, the first
 * <severity/> anywhere in it, as Ubuntu's and Red Hat's <advisory/>
 * carry it) and its criteria, followed to their tests, objects and
 * states.  The package and fixed version are those of the first
 * criterion whose object the inventory answers (Debian's "<package> is
 * earlier than <fixed>" test, evr less than).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "vuln.h"
#include "vuln_impl.h"
#include "xmlutil.h"

#define CVES_MAX	1024	/* bytes of CVE ids kept per definition */

struct ref {
	const xmlChar	*id;
	xmlNodePtr	 n;
};

static int
by_ref(const void *a, const void *b)
{
	return strcmp((const char *)((const struct ref *)a)->id,
	    (const char *)((const struct ref *)b)->id);
}

static int
by_fact(const void *a, const void *b)
{
	return strcmp(((const struct vuln_fact *)a)->id,
	    ((const struct vuln_fact *)b)->id);
}

static int
by_obj(const void *a, const void *b)
{
	return strcmp((*(const struct vobj *const *)a)->id,
	    (*(const struct vobj *const *)b)->id);
}

/* The section's elements by id, sorted; NULL with *n 0 when empty. */
static struct ref *
index_of(xmlNodePtr root, const char *section, size_t *n)
{
	xmlNodePtr sec = vuln_section(root, section);
	struct ref *v;
	size_t cap = 0;

	*n = 0;
	for (xmlNodePtr c = sec ? sec->children : NULL; c; c = c->next)
		cap += vuln_elem(c);
	if (cap == 0 || (v = calloc(cap, sizeof(*v))) == NULL)
		return NULL;
	for (xmlNodePtr c = sec->children; c; c = c->next) {
		xmlAttrPtr id = vuln_elem(c) ? xmlHasProp(c, (const xmlChar *)
		    "id") : NULL;

		if (id && id->children && id->children->content) {
			v[*n].id = id->children->content;	/* the tree's */
			v[(*n)++].n = c;
		}
	}
	qsort(v, *n, sizeof(*v), by_ref);
	return v;
}

static xmlNodePtr
lookup(const struct ref *v, size_t n, const char *id)
{
	struct ref key = { (const xmlChar *)id, NULL }, *r;

	if (id == NULL || v == NULL)
		return NULL;
	r = bsearch(&key, v, n, sizeof(*v), by_ref);
	return r ? r->n : NULL;
}

struct ctx {
	struct ref	 *tests, *states;
	size_t		  ntests, nstates;
	struct vobj	**objs;		/* sorted by id */
	size_t		  nobjs;
};

static const struct vobj *
object_of(const struct ctx *x, const char *id)
{
	struct vobj key = { (char *)id, NULL, NULL }, *kp = &key, **r;

	if (id == NULL)
		return NULL;
	r = bsearch(&kp, x->objs, x->nobjs, sizeof(*x->objs), by_obj);
	return r ? *r : NULL;
}

/* A ref attribute of the test's first child element named what. */
static char *
test_ref(xmlNodePtr test, const char *what, const char *attr)
{
	for (xmlNodePtr c = test->children; c; c = c->next)
		if (vuln_elem(c) && strcmp((const char *)c->name, what) == 0)
			return xml_prop(c, attr);
	return NULL;
}

/* The criteria below n, depth first: the package, the fixed version and
 * whether a collection is needed. */
static void
criteria(const struct ctx *x, xmlNodePtr n, struct vuln_fact *f, int depth)
{
	for (xmlNodePtr c = n->children; c && depth < 64; c = c->next) {
		xmlNodePtr test, state;
		const struct vobj *o;
		char *tref, *oref, *sref;

		if (!vuln_elem(c))
			continue;
		if (xml_is(c, "criteria", NS_DEF)) {
			criteria(x, c, f, depth + 1);
			continue;
		}
		if (!xml_is(c, "criterion", NS_DEF))
			continue;
		tref = xml_prop(c, "test_ref");
		test = lookup(x->tests, x->ntests, tref);
		free(tref);
		if (test == NULL)
			continue;
		oref = test_ref(test, "object", "object_ref");
		o = object_of(x, oref);
		free(oref);
		if (o == NULL || o->name == NULL) {
			f->collected = 1;
			continue;
		}
		if (f->package)
			continue;
		f->package = strdup(o->name);
		sref = test_ref(test, "state", "state_ref");
		state = lookup(x->states, x->nstates, sref);
		free(sref);
		if (state) {
			xmlNodePtr evr = xml_child(state, "evr", NULL);

			f->fixed = evr ? xml_text(evr) : NULL;
		}
	}
}

/* The first <severity/> below n. */
static char *
severity(xmlNodePtr n, int depth)
{
	for (xmlNodePtr c = n->children; c && depth < 8; c = c->next) {
		char *s;

		if (!vuln_elem(c))
			continue;
		if (strcmp((const char *)c->name, "severity") == 0)
			return xml_text(c);
		if ((s = severity(c, depth + 1)) != NULL)
			return s;
	}
	return NULL;
}

static void
metadata(xmlNodePtr md, struct vuln_fact *f)
{
	char cves[CVES_MAX] = "";
	size_t used = 0;

	f->title = xml_text(xml_child(md, "title", NS_DEF));
	f->severity = severity(md, 0);
	if (f->severity && (strlen(f->severity) > 32 || !*f->severity)) {
		free(f->severity);
		f->severity = NULL;
	}
	for (xmlNodePtr c = md->children; c; c = c->next) {
		char *src, *id;

		if (!xml_is(c, "reference", NS_DEF))
			continue;
		src = xml_prop(c, "source");
		id = xml_prop(c, "ref_id");
		if (src && id && strcmp(src, "CVE") == 0 && *id && !strchr(id,
		    ' ') && used + strlen(id) + 2 < sizeof(cves)) {
			if (used)
				cves[used++] = ' ';
			memcpy(cves + used, id, strlen(id) + 1);
			used += strlen(id);
		}
		free(src);
		free(id);
	}
	f->cves = used ? strdup(cves) : NULL;
}

void
vuln_facts_free(struct vuln_facts *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct vuln_fact *f = &fs->v[i];

		free(f->id); free(f->title); free(f->cves);
		free(f->package); free(f->fixed); free(f->severity);
	}
	free(fs->v);
	fs->v = NULL;
	fs->n = 0;
}

int
vuln_facts_build(xmlDocPtr doc, const struct vobjs *os, struct vuln_facts *fs)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	xmlNodePtr defs = vuln_section(root, "definitions");
	struct ctx x = { 0 };
	size_t cap = 0;
	int r = 0;

	memset(fs, 0, sizeof(*fs));
	for (xmlNodePtr c = defs ? defs->children : NULL; c; c = c->next)
		cap += vuln_elem(c);
	if (cap == 0)
		return 0;
	x.tests = index_of(root, "tests", &x.ntests);
	x.states = index_of(root, "states", &x.nstates);
	if ((x.objs = calloc(os->n + 1, sizeof(*x.objs))) == NULL ||
	    (fs->v = calloc(cap, sizeof(*fs->v))) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < os->n; i++)
		x.objs[x.nobjs++] = &os->v[i];
	qsort(x.objs, x.nobjs, sizeof(*x.objs), by_obj);
	for (xmlNodePtr c = defs->children; c; c = c->next) {
		struct vuln_fact *f;
		xmlNodePtr crit;

		if (!vuln_elem(c))
			continue;
		f = &fs->v[fs->n];
		if ((f->id = xml_prop(c, "id")) == NULL)
			continue;
		fs->n++;
		metadata(xml_child(c, "metadata", NS_DEF), f);
		if ((crit = xml_child(c, "criteria", NS_DEF)) != NULL)
			criteria(&x, crit, f, 0);
	}
	qsort(fs->v, fs->n, sizeof(*fs->v), by_fact);
out:
	free(x.tests);
	free(x.states);
	free(x.objs);
	if (r < 0)
		vuln_facts_free(fs);
	return r;
}

const struct vuln_fact *
vuln_facts_find(const struct vuln_facts *fs, const char *id)
{
	struct vuln_fact key = { 0 };

	if (id == NULL || fs->n == 0)
		return NULL;
	key.id = (char *)id;
	return bsearch(&key, fs->v, fs->n, sizeof(*fs->v), by_fact);
}
