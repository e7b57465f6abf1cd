/*
 * caps.c - see caps.h.  The verification string is XEP-0115 section 5.1:
 * identities "category/type/lang/name<" sorted, features "var<" sorted,
 * then each form: FORM_TYPE "<", fields sorted by var, each "var<" and
 * its values sorted, "value<".  SHA-1 of that, base64.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "caps.h"

#define NS_INFO	"http://jabber.org/protocol/disco#info"

struct field {
	char	*var, *value;
};

struct caps {
	char		*category, *type, *name;
	char		**features;
	size_t		 nfeatures;
	char		*form_type;
	struct field	*fields;
	size_t		 nfields;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_field(const void *a, const void *b)
{
	const struct field *x = a, *y = b;
	int r = strcmp(x->var, y->var);

	return r ? r : strcmp(x->value, y->value);
}

struct caps *
caps_new(const char *category, const char *type, const char *name)
{
	struct caps *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->category = strdup(category);
	c->type = strdup(type);
	c->name = strdup(name ? name : "");
	if (!c->category || !c->type || !c->name ||
	    caps_add_feature(c, NS_INFO) < 0 ||
	    caps_add_feature(c, CAPS_NS) < 0) {
		caps_free(c);
		return NULL;
	}
	return c;
}

void
caps_free(struct caps *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nfeatures; i++)
		free(c->features[i]);
	for (size_t i = 0; i < c->nfields; i++) {
		free(c->fields[i].var);
		free(c->fields[i].value);
	}
	free(c->features);
	free(c->fields);
	free(c->form_type);
	free(c->category);
	free(c->type);
	free(c->name);
	free(c);
}

int
caps_add_feature(struct caps *c, const char *var)
{
	char **nv;

	for (size_t i = 0; i < c->nfeatures; i++)
		if (strcmp(c->features[i], var) == 0)
			return 0;
	if ((nv = reallocarray(c->features, c->nfeatures + 1,
	    sizeof(*nv))) == NULL)
		return -ENOMEM;
	c->features = nv;
	if ((nv[c->nfeatures] = strdup(var)) == NULL)
		return -ENOMEM;
	c->nfeatures++;
	qsort(c->features, c->nfeatures, sizeof(*c->features), cmp_str);
	return 0;
}

int
caps_add_field(struct caps *c, const char *form_type, const char *var,
    const char *value)
{
	struct field *nv;

	if (c->form_type == NULL && (c->form_type = strdup(form_type)) == NULL)
		return -ENOMEM;
	if (strcmp(c->form_type, form_type) != 0)
		return -EINVAL;
	if ((nv = reallocarray(c->fields, c->nfields + 1, sizeof(*nv))) ==
	    NULL)
		return -ENOMEM;
	c->fields = nv;
	nv[c->nfields].var = strdup(var);
	nv[c->nfields].value = strdup(value);
	if (!nv[c->nfields].var || !nv[c->nfields].value) {
		free(nv[c->nfields].var);
		free(nv[c->nfields].value);
		return -ENOMEM;
	}
	c->nfields++;
	qsort(c->fields, c->nfields, sizeof(*c->fields), cmp_field);
	return 0;
}

int
caps_ver(const struct caps *c, char *out, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	struct buf s;
	int r = 0;

	if (len < 29)
		return -ENOSPC;
	buf_init(&s, 1 << 20);
	buf_printf(&s, "%s/%s//%s<", c->category, c->type, c->name);
	for (size_t i = 0; i < c->nfeatures; i++)
		buf_printf(&s, "%s<", c->features[i]);
	if (c->form_type) {
		buf_printf(&s, "%s<", c->form_type);
		for (size_t i = 0; i < c->nfields; i++) {
			if (i == 0 || strcmp(c->fields[i].var,
			    c->fields[i - 1].var) != 0)
				buf_printf(&s, "%s<", c->fields[i].var);
			buf_printf(&s, "%s<", c->fields[i].value);
		}
	}
	if (s.data == NULL || EVP_Digest(s.data, s.len, md, &mdlen,
	    EVP_sha1(), NULL) != 1)
		r = -ENOMEM;
	else
		EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
	buf_free(&s);
	return r;
}

int
caps_query(const struct caps *c, const char *node, struct buf *b)
{
	buf_adds(b, "<query xmlns='" NS_INFO "'");
	if (node) {
		buf_adds(b, " node='");
		buf_add_xml(b, node);
		buf_adds(b, "'");
	}
	buf_adds(b, "><identity category='");
	buf_add_xml(b, c->category);
	buf_adds(b, "' type='");
	buf_add_xml(b, c->type);
	buf_adds(b, "' name='");
	buf_add_xml(b, c->name);
	buf_adds(b, "'/>");
	for (size_t i = 0; i < c->nfeatures; i++) {
		buf_adds(b, "<feature var='");
		buf_add_xml(b, c->features[i]);
		buf_adds(b, "'/>");
	}
	if (c->form_type) {
		buf_adds(b, "<x xmlns='jabber:x:data' type='result'><field "
		    "var='FORM_TYPE' type='hidden'><value>");
		buf_add_xml(b, c->form_type);
		buf_adds(b, "</value></field>");
		for (size_t i = 0; i < c->nfields; i++) {
			int first = i == 0 || strcmp(c->fields[i].var,
			    c->fields[i - 1].var) != 0;
			int last = i + 1 == c->nfields ||
			    strcmp(c->fields[i].var, c->fields[i + 1].var) != 0;

			if (first) {
				buf_adds(b, "<field var='");
				buf_add_xml(b, c->fields[i].var);
				buf_adds(b, "'>");
			}
			buf_adds(b, "<value>");
			buf_add_xml(b, c->fields[i].value);
			buf_adds(b, "</value>");
			if (last)
				buf_adds(b, "</field>");
		}
		buf_adds(b, "</x>");
	}
	return buf_adds(b, "</query>");
}

int
caps_element(const struct caps *c, struct buf *b)
{
	char ver[32];
	int r;

	if ((r = caps_ver(c, ver, sizeof(ver))) < 0)
		return r;
	return buf_printf(b, "<c xmlns='" CAPS_NS "' hash='sha-1' node='"
	    CAPS_NODE "' ver='%s'/>", ver);
}
