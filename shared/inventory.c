/*
 * inventory.c - see inventory.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define MAX_STATUS	(256u << 20)

struct pkg {
	char	*name, *version, *arch;
};

static int
pkg_cmp(const void *a, const void *b)
{
	const struct pkg *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r ? r : strcmp(x->arch, y->arch);
}

/* A field's value in [p, e): copied without the leading blanks. */
static char *
value(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	return strndup(p, (size_t)(e - p));
}

static int
installed(const char *status)
{
	const char *w = status ? strrchr(status, ' ') : NULL;

	return w && strcmp(w + 1, "installed") == 0;
}

struct pkgs {
	struct pkg	*v;
	size_t		 n, cap;
};

/* Ends a paragraph: keeps the package if it is installed. */
static int
flush(struct pkgs *l, struct pkg *cur, char **status)
{
	int r = 0;

	if (cur->name && cur->version && installed(*status)) {
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 512;
			struct pkg *nv = reallocarray(l->v, cap, sizeof(*nv));

			if (nv == NULL)
				r = -ENOMEM;
			else {
				l->v = nv;
				l->cap = cap;
			}
		}
		if (r == 0 && cur->arch == NULL &&
		    (cur->arch = strdup("")) == NULL)
			r = -ENOMEM;
		if (r == 0) {
			l->v[l->n++] = *cur;
			memset(cur, 0, sizeof(*cur));
		}
	}
	free(cur->name);
	free(cur->version);
	free(cur->arch);
	memset(cur, 0, sizeof(*cur));
	free(*status);
	*status = NULL;
	return r;
}

int
inv_dpkg_text(const char *s, size_t len, struct buf *out, char *err,
    size_t errlen)
{
	const char *p = s, *end = s + len;
	struct pkgs l = { 0 };
	struct pkg cur = { 0 };
	char *status = NULL;
	int r = 0;

	while (p < end && r == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *colon;

		if (le == p || (le == p + 1 && *p == '\r'))
			r = flush(&l, &cur, &status);
		else if (*p != ' ' && *p != '\t' &&
		    (colon = memchr(p, ':', (size_t)(le - p))) != NULL) {
			size_t k = (size_t)(colon - p);
			char **dst = NULL;

			if (k == 7 && strncmp(p, "Package", k) == 0)
				dst = &cur.name;
			else if (k == 7 && strncmp(p, "Version", k) == 0)
				dst = &cur.version;
			else if (k == 12 && strncmp(p, "Architecture", k) == 0)
				dst = &cur.arch;
			else if (k == 6 && strncmp(p, "Status", k) == 0)
				dst = &status;
			if (dst) {
				free(*dst);
				*dst = value(colon + 1, le);
			}
		}
		p = le + 1;
	}
	if (r == 0)
		r = flush(&l, &cur, &status);
	else
		(void)flush(&l, &cur, &status);
	if (r == 0) {
		qsort(l.v, l.n, sizeof(*l.v), pkg_cmp);
		buf_printf(out, "<inventory xmlns='" SACM_NS "' format='dpkg' "
		    "count='%zu'>", l.n);
		for (size_t i = 0; i < l.n; i++) {
			buf_adds(out, "<package name='");
			buf_add_xml(out, l.v[i].name);
			buf_adds(out, "' version='");
			buf_add_xml(out, l.v[i].version);
			buf_adds(out, "' arch='");
			buf_add_xml(out, l.v[i].arch);
			buf_adds(out, "'/>");
		}
		if (buf_adds(out, "</inventory>") < 0 || out->data == NULL) {
			snprintf(err, errlen, "inventory over the size limit");
			r = -E2BIG;
		}
	} else
		snprintf(err, errlen, "out of memory");
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].name);
		free(l.v[i].version);
		free(l.v[i].arch);
	}
	free(l.v);
	return r;
}

int
inv_dpkg(const char *root, struct buf *out, char *err, size_t errlen)
{
	char path[4096];
	struct buf s;
	int r;

	snprintf(path, sizeof(path), "%s/var/lib/dpkg/status", root ? root :
	    "");
	buf_init(&s, MAX_STATUS);
	if ((r = buf_read_file(&s, path)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		buf_free(&s);
		return r;
	}
	r = inv_dpkg_text(s.data ? s.data : "", s.len, out, err, errlen);
	buf_free(&s);
	return r;
}

int
inv_foreach(const char *xml, size_t len, size_t max, inv_fn *fn, void *arg,
    char *err, size_t errlen)
{
	xmlDocPtr doc;
	int r = 0;

	if (xmlsafe_parse_root(xml, len, max, "inventory", SACM_NS, &doc, err,
	    errlen) < 0)
		return -EINVAL;
	for (xmlNodePtr e = xmlDocGetRootElement(doc)->children; e && r == 0;
	    e = e->next) {
		struct inv_pkg p;
		char *name, *ver, *arch;

		if (!xml_is(e, "package", SACM_NS))
			continue;
		name = xml_prop(e, "name");
		ver = xml_prop(e, "version");
		arch = xml_prop(e, "arch");
		if (name == NULL || ver == NULL || *name == '\0') {
			snprintf(err, errlen, "a package without name or "
			    "version");
			r = -EINVAL;
		} else {
			p.name = name;
			p.version = ver;
			p.arch = arch ? arch : "";
			r = fn(&p, arg);
		}
		free(name);
		free(ver);
		free(arch);
	}
	xmlFreeDoc(doc);
	return r;
}
