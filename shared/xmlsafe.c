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
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "xmlsafe.h"

struct guard {
	int	 saw_doctype;
	int	 check;		/* no tree: only the root noted */
	char	 root[128], ns[512];
	const char *mark;	/* placeholders' name, counted in marks */
	size_t	 marks;
};

/* xmlsafe_check_root's SAX: the first element noted, nothing built. */
static void
on_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **nss, int nattrs,
    int ndefaulted, const xmlChar **attrs)
{
	struct guard *g = ((xmlParserCtxtPtr)ctx)->_private;

	(void)prefix; (void)nns; (void)nss; (void)nattrs; (void)ndefaulted;
	(void)attrs;
	if (g->mark && strcmp((const char *)local, g->mark) == 0)
		g->marks++;
	if (g->root[0] == '\0') {
		snprintf(g->root, sizeof(g->root), "%s", (const char *)local);
		snprintf(g->ns, sizeof(g->ns), "%s", uri ? (const char *)uri :
		    "");
	}
}

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

/* Where the terminator t ends after p, or end. */
static const char *
past(const char *p, const char *end, const char *t)
{
	const char *q = memmem(p, (size_t)(end - p), t, strlen(t));

	return q ? q + strlen(t) : end;
}

/*
 * libxml2 (2.9) looks for duplicate attributes in quadratic time: one
 * element with 100,000 attributes keeps it busy for minutes.  A linear
 * scan first: no start tag may carry more than XMLSAFE_MAX_ATTRS
 * (counting the '=' outside quotes; comments, CDATA sections and
 * processing instructions skipped).  0, or the offending tag's offset + 1.
 */
static size_t
too_many_attrs(const char *p, size_t len)
{
	const char *start = p, *end = p + len, *lt;

	while ((lt = memchr(p, '<', (size_t)(end - p))) != NULL) {
		int n = 0;
		char q = 0;

		p = lt + 1;
		if (end - p >= 3 && memcmp(p, "!--", 3) == 0) {
			p = past(p + 3, end, "-->");
			continue;
		}
		if (end - p >= 8 && memcmp(p, "![CDATA[", 8) == 0) {
			p = past(p + 8, end, "]]>");
			continue;
		}
		if (p < end && *p == '?') {
			p = past(p + 1, end, "?>");
			continue;
		}
		for (; p < end; p++) {
			if (q) {
				if (*p == q)
					q = 0;
			} else if (*p == '"' || *p == '\'')
				q = *p;
			else if (*p == '>')
				break;
			else if (*p == '=' && ++n > XMLSAFE_MAX_ATTRS)
				return (size_t)(lt - start) + 1;
		}
	}
	return 0;
}

static void
silent(void *ctx, const char *msg, ...)
{
	(void)ctx; (void)msg;
}

static int
parse(const char *data, size_t len, size_t max, struct guard *gp,
    xmlDocPtr *docp, char *err, size_t errlen)
{
	xmlParserCtxtPtr ctxt;
	struct guard g = *gp;
	xmlGenericErrorFunc old_fn;
	void *old_ctx;
	xmlDocPtr doc;
	size_t at;
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
	if ((at = too_many_attrs(data, len)) != 0) {
		snprintf(err, errlen, "an element at byte %zu has more than %d "
		    "attributes", at - 1, XMLSAFE_MAX_ATTRS);
		return -EINVAL;
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
	if (g.check) {		/* well-formedness only: no tree */
		xmlSAXHandlerPtr sax = ctxt->sax;

		sax->startDocument = NULL;
		sax->endDocument = NULL;
		sax->startElementNs = on_start;
		sax->endElementNs = NULL;
		sax->startElement = NULL;
		sax->endElement = NULL;
		sax->characters = NULL;
		sax->ignorableWhitespace = NULL;
		sax->cdataBlock = NULL;
		sax->comment = NULL;
		sax->processingInstruction = NULL;
		sax->reference = NULL;
	}
	/* No NOENT (no substitution), no DTDLOAD, no network; XML_PARSE_HUGE
	 * stays off so libxml2's depth and text-size limits apply. */
	opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_NOCDATA;
	/* libxml2 reports some errors (encoding conversion) through its
	 * generic handler, to stderr: not for bytes from the wire. */
	old_fn = xmlGenericError;
	old_ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, silent);
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, "untrusted.xml", NULL,
	    opts);
	xmlSetGenericErrorFunc(old_ctx, old_fn);
	if (g.saw_doctype) {
		snprintf(err, errlen, "DOCTYPE not allowed (no DTDs or entity "
		    "declarations are accepted)");
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return -EPERM;
	}
	if ((doc == NULL && !g.check) || !ctxt->wellFormed) {
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
	*gp = g;
	if (docp)
		*docp = doc;
	else
		xmlFreeDoc(doc);
	return 0;
}

int
xmlsafe_parse(const char *data, size_t len, size_t max, xmlDocPtr *docp,
    char *err, size_t errlen)
{
	struct guard g = { 0 };

	return parse(data, len, max, &g, docp, err, errlen);
}

/* The root element the check noted is {ns}root (NULL: any). */
static int
root_is(const struct guard *g, const char *root, const char *ns, char *err,
    size_t errlen)
{
	if (g->root[0] == '\0' || (root && strcmp(g->root, root) != 0) ||
	    (ns && strcmp(g->ns, ns) != 0)) {
		snprintf(err, errlen, "root element is not {%s}%s",
		    ns ? ns : "", root ? root : "*");
		return -EINVAL;
	}
	return 0;
}

int
xmlsafe_check_root(const char *data, size_t len, size_t max,
    const char *root, const char *ns, char *err, size_t errlen)
{
	struct guard g = { .check = 1 };
	int rc;

	if ((rc = parse(data, len, max, &g, NULL, err, errlen)) < 0)
		return rc;
	return root_is(&g, root, ns, err, errlen);
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

int
xmlsafe_check_element(const char *data, size_t len, size_t max, char *err,
    size_t errlen)
{
	unsigned char c = len > 1 ? (unsigned char)data[1] : 0;

	/* a name's first character: not "<?" (a declaration), not "<!" */
	if (len < 2 || data[0] != '<' || !(c == '_' || c == ':' || c >= 0x80 ||
	    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
		snprintf(err, errlen, "does not start with a start tag");
		return -EINVAL;
	}
	return xmlsafe_check_root(data, len, max, NULL, NULL, err, errlen);
}

/* UTF-8: no BOM of another encoding, and the XML declaration, if any,
 * names no encoding or UTF-8. */
static int
utf8(const char *s, size_t len)
{
	const char *end, *e;
	size_t n;

	if (len >= 2 && ((unsigned char)s[0] == 0xfe || (unsigned char)s[0] ==
	    0xff || s[0] == '\0' || s[1] == '\0'))
		return 0;		/* UTF-16 or UCS-4 */
	if (len < 5 || memcmp(s, "<?xml", 5) != 0 ||
	    (end = memmem(s, len, "?>", 2)) == NULL ||
	    (e = memmem(s, (size_t)(end - s), "encoding", 8)) == NULL)
		return 1;
	for (e += 8; e < end && (*e == ' ' || *e == '=' || *e == '\'' ||
	    *e == '"' || *e == '\t' || *e == '\r' || *e == '\n'); e++)
		;
	for (n = 0; e + n < end && e[n] != '\'' && e[n] != '"'; n++)
		;
	return n == 5 && strncasecmp(e, "UTF-8", 5) == 0;
}

int
xmlsafe_check_skeleton(const char *skel, size_t slen, const size_t *at,
    size_t n, size_t max, const char *root, const char *ns, char *err,
    size_t errlen)
{
	struct guard g = { .check = 1 };
	unsigned char rnd[8];
	char name[32], tag[40], *doc, *p;
	size_t tlen, from = 0;
	int rc;

	if (!utf8(skel, slen))
		return -ENOTSUP;
	arc4random_buf(rnd, sizeof(rnd));
	snprintf(name, sizeof(name), "sacm-part-%02x%02x%02x%02x%02x%02x%02x"
	    "%02x", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
	    rnd[7]);
	tlen = (size_t)snprintf(tag, sizeof(tag), "<%s/>", name);
	if (n > (max - slen) / tlen) {
		snprintf(err, errlen, "document over the limit of %zu", max);
		return -E2BIG;
	}
	if ((doc = p = malloc(slen + n * tlen + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (at[i] < from || at[i] > slen) {
			free(doc);
			snprintf(err, errlen, "parts out of place");
			return -EINVAL;
		}
		memcpy(p, skel + from, at[i] - from);
		p += at[i] - from;
		memcpy(p, tag, tlen);
		p += tlen;
		from = at[i];
	}
	memcpy(p, skel + from, slen - from);
	p += slen - from;
	*p = '\0';
	g.mark = name;
	rc = parse(doc, (size_t)(p - doc), max, &g, NULL, err, errlen);
	free(doc);
	if (rc < 0)
		return rc;
	if (g.marks != n) {
		snprintf(err, errlen, "a part is not where an element can be");
		return -EINVAL;
	}
	return root_is(&g, root, ns, err, errlen);
}
