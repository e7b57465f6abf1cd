/*
 * xmlsafe.c - see xmlsafe.h.
 *
 * The DOCTYPE is caught with a SAX internalSubset hook that stops the
 * parser at once, before any entity declaration is read: a document that
 * carries one is refused whatever it declares.  The SCAP, OVAL, XCCDF,
 * ARF and IODEF documents this system exchanges never need a DTD.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "xmlsafe.h"

struct guard {
	int	saw_doctype;
};

static void
on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *eid,
    const xmlChar *sid)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct guard *g = ctxt->_private;

	(void)name; (void)eid; (void)sid;
	g->saw_doctype = 1;
	xmlStopParser(ctxt);
}

static void
silent(void *ctx, const char *msg, ...)
{
	(void)ctx; (void)msg;
}

int
xmlsafe_parse(const char *data, size_t len, size_t max, xmlDocPtr *docp,
    char *err, size_t errlen)
{
	xmlParserCtxtPtr ctxt;
	struct guard g = { 0 };
	xmlDocPtr doc;
	int opts;

	if (len > max) {
		snprintf(err, errlen, "document of %zu bytes is over the "
		    "limit of %zu", len, max);
		return -E2BIG;
	}
	if (len > (size_t)0x7fffffff) {
		snprintf(err, errlen, "document too large");
		return -E2BIG;
	}
	if ((ctxt = xmlNewParserCtxt()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ctxt->_private = &g;
	ctxt->sax->internalSubset = on_internal_subset;
	ctxt->sax->externalSubset = NULL;
	ctxt->sax->error = silent;
	ctxt->sax->warning = silent;
	ctxt->vctxt.error = silent;
	ctxt->vctxt.warning = silent;
	/* No NOENT (no substitution), no DTDLOAD, no network; XML_PARSE_HUGE
	 * stays off so libxml2's depth and text-size limits apply. */
	opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_NOCDATA;
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, "untrusted.xml", NULL,
	    opts);
	if (g.saw_doctype) {
		snprintf(err, errlen, "DOCTYPE not allowed (no DTDs or entity "
		    "declarations are accepted)");
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return -EPERM;
	}
	if (doc == NULL || !ctxt->wellFormed) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);

		if (e && e->message)
			snprintf(err, errlen, "not well-formed XML, line %d: "
			    "%.*s", e->line,
			    (int)strcspn(e->message, "\n"), e->message);
		else
			snprintf(err, errlen, "not well-formed XML");
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return -EINVAL;
	}
	xmlFreeParserCtxt(ctxt);
	*docp = doc;
	return 0;
}

int
xmlsafe_parse_root(const char *data, size_t len, size_t max,
    const char *root, const char *ns, xmlDocPtr *docp, char *err,
    size_t errlen)
{
	xmlDocPtr doc;
	xmlNodePtr r;
	int rc;

	if ((rc = xmlsafe_parse(data, len, max, &doc, err, errlen)) < 0)
		return rc;
	r = xmlDocGetRootElement(doc);
	if (r == NULL || (root && strcmp((const char *)r->name, root) != 0) ||
	    (ns && (r->ns == NULL ||
	    strcmp((const char *)r->ns->href, ns) != 0))) {
		snprintf(err, errlen, "root element is not {%s}%s",
		    ns ? ns : "", root ? root : "*");
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	*docp = doc;
	return 0;
}
