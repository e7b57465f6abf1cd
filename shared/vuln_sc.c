/*
 * vuln_sc.c - system characteristics for vulnerability definitions: the
 * inventory's packages as dpkginfo items, merged with what a targeted
 * collection found (vuln.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "inventory.h"
#include "vuln.h"
#include "vuln_impl.h"
#include "xmlsafe.h"
#include "xmlutil.h"

struct pkg {
	char		*name, *version, *arch;
	unsigned long	 item;		/* its item id, 0 until used */
};

struct pkgs {
	struct pkg	*v;
	size_t		 n, cap;
};

static int
add_pkg(const struct inv_pkg *p, void *arg)
{
	struct pkgs *ps = arg;

	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 256;
		struct pkg *v = realloc(ps->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		ps->v = v;
		ps->cap = cap;
	}
	ps->v[ps->n].name = strdup(p->name);
	ps->v[ps->n].version = strdup(p->version);
	ps->v[ps->n].arch = strdup(p->arch ? p->arch : "");
	ps->v[ps->n].item = 0;
	if (!ps->v[ps->n].name || !ps->v[ps->n].version || !ps->v[ps->n].arch)
		return -ENOMEM;
	ps->n++;
	return 0;
}

static void
pkgs_free(struct pkgs *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].name);
		free(ps->v[i].version);
		free(ps->v[i].arch);
	}
	free(ps->v);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct pkg *)a)->name,
	    ((const struct pkg *)b)->name);
}

/* The first package of that name in the sorted list, or NULL. */
static struct pkg *
find(struct pkgs *ps, const char *name)
{
	size_t lo = 0, hi = ps->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(ps->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ps->n && strcmp(ps->v[lo].name, name) == 0 ? &ps->v[lo] :
	    NULL;
}

/* A dpkginfo_item as the probe writes it. */
static void
item(struct buf *b, const struct pkg *p)
{
	const char *colon = strchr(p->version, ':');
	const char *upstream = colon ? colon + 1 : p->version;
	const char *dash = strrchr(upstream, '-');
	char epoch[32];

	snprintf(epoch, sizeof(epoch), "%.*s", colon ? (int)(colon -
	    p->version) : 1, colon ? p->version : "0");
	buf_printf(b, "<lin-sys:dpkginfo_item id='%lu' status='exists'>"
	    "<lin-sys:name>", p->item);
	buf_add_xml(b, p->name);
	buf_adds(b, "</lin-sys:name><lin-sys:arch>");
	buf_add_xml(b, p->arch);
	buf_printf(b, "</lin-sys:arch><lin-sys:epoch>%s</lin-sys:epoch>",
	    epoch);
	if (dash) {
		char *v = strndup(upstream, (size_t)(dash - upstream));

		buf_adds(b, "<lin-sys:release>");
		buf_add_xml(b, dash + 1);
		buf_adds(b, "</lin-sys:release><lin-sys:version>");
		buf_add_xml(b, v ? v : "");
		free(v);
	} else {
		buf_adds(b, "<lin-sys:release/><lin-sys:version>");
		buf_add_xml(b, upstream);
	}
	buf_printf(b, "</lin-sys:version><lin-sys:evr datatype="
	    "'debian_evr_string'>%s:", epoch);
	buf_add_xml(b, upstream);
	buf_adds(b, "</lin-sys:evr></lin-sys:dpkginfo_item>\n");
}

/* The collected document's parts, as text, and its largest item id. */
struct collected {
	xmlDocPtr	 doc;
	xmlNodePtr	 info, objects, data;
	unsigned long	 max_item;
};

static int
load_collected(const char *sc, size_t len, struct collected *c, char *err,
    size_t errlen)
{
	memset(c, 0, sizeof(*c));
	if (sc == NULL)
		return 0;
	if (xmlsafe_parse_root(sc, len, VULN_MAX, "oval_system_characteristics",
	    NS_SC, &c->doc, err, errlen) < 0)
		return -EINVAL;
	c->info = xml_child(xmlDocGetRootElement(c->doc), "system_info", NS_SC);
	c->objects = xml_child(xmlDocGetRootElement(c->doc),
	    "collected_objects", NS_SC);
	c->data = xml_child(xmlDocGetRootElement(c->doc), "system_data",
	    NS_SC);
	for (xmlNodePtr i = c->data ? c->data->children : NULL; i; i = i->next)
		if (vuln_elem(i)) {
			char *id = xml_prop(i, "id");
			unsigned long v = id ? strtoul(id, NULL, 10) : 0;

			if (v > c->max_item)
				c->max_item = v;
			free(id);
		}
	return 0;
}

/* Appends the element children of n (each with its namespaces). */
static int
copy_children(struct buf *b, xmlNodePtr n)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next) {
		char *t;
		size_t tl;

		if (!vuln_elem(c))
			continue;
		if (xml_node_text(c, &t, &tl) < 0)
			return -ENOMEM;
		buf_adds(b, t);
		buf_adds(b, "\n");
		free(t);
	}
	return 0;
}

void
vuln_vobjs_free(struct vobjs *os)
{
	for (size_t i = 0; i < os->n; i++) {
		free(os->v[i].id);
		free(os->v[i].version);
		free(os->v[i].name);
	}
	free(os->v);
	os->v = NULL;
	os->n = 0;
}

int
vuln_vobjs_of(xmlDocPtr doc, struct vobjs *os, char *err, size_t errlen)
{
	xmlNodePtr objs;
	size_t cap = 0;
	int r = 0;

	memset(os, 0, sizeof(*os));
	objs = vuln_section(xmlDocGetRootElement(doc), "objects");
	for (xmlNodePtr o = objs ? objs->children : NULL; o && r == 0;
	    o = o->next) {
		struct vobj *v;

		if (!vuln_elem(o))
			continue;
		if (os->n == cap) {
			struct vobj *nv = realloc(os->v, (cap = cap ? cap * 2 :
			    256) * sizeof(*nv));

			if (nv == NULL) {
				r = -ENOMEM;
				break;
			}
			os->v = nv;
		}
		v = &os->v[os->n++];
		v->id = xml_prop(o, "id");
		v->version = xml_prop(o, "version");
		v->name = vuln_from_inventory(o) ? xml_text(xml_child(o, "name",
		    NS_LDEF)) : NULL;
		if (v->id == NULL)
			r = -EINVAL;
	}
	if (r < 0) {
		vuln_vobjs_free(os);
		snprintf(err, errlen, r == -ENOMEM ? "out of memory" :
		    "an object without an id");
	}
	return r;
}

int
vuln_vobjs_load(const char *defs, size_t len, struct vobjs *os, char *err,
    size_t errlen)
{
	xmlDocPtr doc;
	int r;

	memset(os, 0, sizeof(*os));
	if ((doc = vuln_parse_defs(defs, len, err, errlen)) == NULL)
		return -EINVAL;
	r = vuln_vobjs_of(doc, os, err, errlen);
	xmlFreeDoc(doc);
	return r;
}

static void
object(struct buf *b, const struct vobj *o, const char *flag)
{
	buf_adds(b, "<object");
	buf_add_attr(b, "id", o->id);
	buf_add_attr(b, "version", o->version ? o->version : "1");
	buf_printf(b, " flag='%s'", flag);
}

int
vuln_build_syschar(const struct vobjs *os, const char *inventory, size_t ilen,
    const char *collected, size_t clen, char **sc, size_t *sclen, char *err,
    size_t errlen)
{
	struct pkgs ps = { 0 };
	struct collected col;
	struct buf b, data;
	unsigned long next;
	char when[32];
	int r;

	*sc = NULL;
	*sclen = 0;
	if ((r = inv_foreach(inventory, ilen, VULN_MAX, add_pkg, &ps, err,
	    errlen)) < 0) {
		pkgs_free(&ps);
		return r;
	}
	qsort(ps.v, ps.n, sizeof(*ps.v), by_name);
	if ((r = load_collected(collected, clen, &col, err, errlen)) < 0) {
		pkgs_free(&ps);
		return r;
	}
	next = col.max_item + 1;
	time_iso(when, 0);
	when[19] = '\0';
	buf_init(&b, VULN_MAX);
	buf_init(&data, VULN_MAX);
	buf_adds(&b, "<oval_system_characteristics xmlns='" NS_SC "' "
	    "xmlns:oval='" NS_COM "' xmlns:lin-sys='" NS_LSC "'><generator>"
	    "<oval:product_name>SACM Grid</oval:product_name>"
	    "<oval:schema_version>5.11.2</oval:schema_version>"
	    "<oval:timestamp>");
	buf_adds(&b, when);
	buf_adds(&b, "</oval:timestamp></generator>");
	if (col.info) {
		char *t;
		size_t tl;

		if (xml_node_text(col.info, &t, &tl) == 0) {
			buf_adds(&b, t);
			free(t);
		}
	} else
		buf_adds(&b, "<system_info><os_name>unknown</os_name>"
		    "<os_version>unknown</os_version><architecture>unknown"
		    "</architecture><primary_host_name>unknown"
		    "</primary_host_name><interfaces/></system_info>");
	buf_adds(&b, "<collected_objects>\n");
	/* the line ends matter: libopenscap's reader skips the element
	 * right after an empty one with nothing between */
	for (size_t i = 0; i < os->n; i++) {
		const struct vobj *o = &os->v[i];
		struct pkg *p;

		if (o->name == NULL)
			continue;
		if ((p = find(&ps, o->name)) == NULL) {
			object(&b, o, "does not exist");
			buf_adds(&b, "/>\n");
			continue;
		}
		object(&b, o, "complete");
		buf_adds(&b, ">");
		for (; p < ps.v + ps.n && strcmp(p->name, o->name) == 0; p++) {
			if (p->item == 0) {
				p->item = next++;
				item(&data, p);
			}
			buf_printf(&b, "<reference item_ref='%lu'/>", p->item);
		}
		buf_adds(&b, "</object>\n");
	}
	r = 0;
	if (col.objects)
		r = copy_children(&b, col.objects);
	else	/* not collected: the endpoint was not asked */
		for (size_t i = 0; i < os->n; i++)
			if (os->v[i].name == NULL) {
				object(&b, &os->v[i], "not collected");
				buf_adds(&b, "/>\n");
			}
	buf_adds(&b, "</collected_objects>\n<system_data>\n");
	if (data.data)
		buf_adds(&b, data.data);
	if (r == 0 && col.data)
		r = copy_children(&b, col.data);
	buf_adds(&b, "</system_data></oval_system_characteristics>");
	buf_free(&data);
	xmlFreeDoc(col.doc);
	pkgs_free(&ps);
	if (r < 0 || b.data == NULL) {
		buf_free(&b);
		snprintf(err, errlen, "system characteristics over %u bytes, "
		    "or out of memory", VULN_MAX);
		return -ENOMEM;
	}
	*sc = b.data;
	*sclen = b.len;
	return 0;
}

int
vuln_syschar(const char *defs, size_t len, const char *inventory,
    size_t ilen, const char *collected, size_t clen, char **sc,
    size_t *sclen, char *err, size_t errlen)
{
	struct vobjs os;
	int r;

	*sc = NULL;
	*sclen = 0;
	if ((r = vuln_vobjs_load(defs, len, &os, err, errlen)) < 0)
		return r;
	r = vuln_build_syschar(&os, inventory, ilen, collected, clen, sc, sclen,
	    err, errlen);
	vuln_vobjs_free(&os);
	return r;
}
