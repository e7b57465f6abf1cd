/*
 * oscap_util.c - see oscap_util.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlschemas.h>
#include <openscap/oscap.h>
#include <openscap/oscap_error.h>
#include <openscap/oscap_source.h>
#include <openscap/oval_results.h>

#include "buf.h"
#include "oscap_util.h"

#define MAX_REPORTED	3

const char *
ou_reason(const char *what)
{
	const char *d = oscap_err() ? oscap_err_desc() : NULL;

	return d ? d : what;
}

struct oval_result_system *
ou_first_system(struct oval_results_model *rm)
{
	struct oval_result_system_iterator *it =
	    oval_results_model_get_systems(rm);
	struct oval_result_system *s = oval_result_system_iterator_has_more(it)
	    ? oval_result_system_iterator_next(it) : NULL;

	oval_result_system_iterator_free(it);
	return s;
}

int
ou_tmpfile(char *path, size_t n, const char *what)
{
	int fd;

	snprintf(path, n, "%s/sacm-%s-XXXXXX", getenv("TMPDIR") ?
	    getenv("TMPDIR") : "/tmp", what);
	if ((fd = mkstemp(path)) < 0)
		return -errno;
	close(fd);
	return 0;
}

int
ou_slurp_tmp(const char *path, char **out, size_t *len)
{
	struct buf b;
	int r;

	buf_init(&b, 256u << 20);
	r = buf_read_file(&b, path);
	unlink(path);
	if (r < 0) {
		buf_free(&b);
		return r;
	}
	*out = buf_steal(&b, len);
	return *out ? 0 : -ENOMEM;
}

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

int
ou_validate(struct oscap_source *src, char *err, size_t errlen)
{
	struct report rep;
	int r = 0;

	buf_init(&rep.b, 2048);
	rep.n = 0;
	if (oscap_source_validate(src, xsd_reporter, &rep) != 0) {
		snprintf(err, errlen, "XSD validation failed: %s%s",
		    rep.b.data ? rep.b.data : ou_reason("invalid document"),
		    rep.n > MAX_REPORTED ? " ..." : "");
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = ' ';
		r = -EINVAL;
	}
	buf_free(&rep.b);
	return r;
}

/*
 * Schemas parsed once per process: loading OVAL's (every platform's XSD
 * it imports) takes some 130 ms, validating a collection a few.
 */
#define MAX_SCHEMAS	8
static struct {
	char		*rel;
	xmlSchemaPtr	 schema;
} schemas[MAX_SCHEMAS];

static xmlSchemaPtr
schema_for(const char *rel, char *err, size_t errlen)
{
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaPtr sc;
	char path[4096];
	size_t i;

	for (i = 0; i < MAX_SCHEMAS && schemas[i].rel; i++)
		if (strcmp(schemas[i].rel, rel) == 0)
			return schemas[i].schema;
	snprintf(path, sizeof(path), "%s/%s", oscap_path_to_schemas(), rel);
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "XSD validation failed: no schema %s in "
		    "libopenscap's schemas (%s)", rel, oscap_path_to_schemas());
		return NULL;
	}
	if ((pc = xmlSchemaNewParserCtxt(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sc = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	if (sc == NULL) {
		snprintf(err, errlen, "XSD validation failed: cannot load "
		    "the schema %s", path);
		return NULL;
	}
	if (i < MAX_SCHEMAS && (schemas[i].rel = strdup(rel)) != NULL)
		schemas[i].schema = sc;		/* kept for the process */
	else {
		/* the cache is full: this one is used once */
		snprintf(err, errlen, "too many schemas");
		xmlSchemaFree(sc);
		return NULL;
	}
	return sc;
}

static void
xsd_structured(void *arg, xmlErrorPtr e)
{
	(void)xsd_reporter(NULL, e->line, e->message ? e->message : "?", arg);
}

int
ou_validate_doc(xmlDocPtr doc, const char *rel, char *err, size_t errlen)
{
	xmlSchemaValidCtxtPtr vc;
	xmlSchemaPtr sc;
	struct report rep;
	int r;

	if ((sc = schema_for(rel, err, errlen)) == NULL)
		return -EINVAL;
	if ((vc = xmlSchemaNewValidCtxt(sc)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	buf_init(&rep.b, 2048);
	rep.n = 0;
	xmlSchemaSetValidStructuredErrors(vc, xsd_structured, &rep);
	r = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	if (r != 0) {
		snprintf(err, errlen, "XSD validation failed: %s%s",
		    rep.b.data ? rep.b.data : "invalid document",
		    rep.n > MAX_REPORTED ? " ..." : "");
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = ' ';
		r = -EINVAL;
	}
	buf_free(&rep.b);
	return r;
}
