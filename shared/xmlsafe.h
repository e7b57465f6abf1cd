/*
 * xmlsafe.h - parse untrusted XML with libxml2.
 *
 * Everything that arrives from the network goes through here: the size is
 * checked before parsing, any DOCTYPE is refused (so no entity declaration,
 * no DTD loading, no billion laughs, no external entity), the network is
 * never used, and libxml2's own depth and size limits stay in force.
 */
#ifndef SACM_XMLSAFE_H
#define SACM_XMLSAFE_H

#include <stddef.h>
#include <libxml/tree.h>

/* Attributes one element may carry (libxml2 checks them for duplicates
 * in quadratic time). */
#define XMLSAFE_MAX_ATTRS	256

/*
 * Parses len bytes into *docp.  Returns 0, -E2BIG (larger than max),
 * -EPERM (a DOCTYPE: DTDs and entities are not accepted), or -EINVAL
 * (not well-formed, or an element with over XMLSAFE_MAX_ATTRS
 * attributes).  err gets a one-line reason with the line number.
 */
int	xmlsafe_parse(const char *data, size_t len, size_t max,
	    xmlDocPtr *docp, char *err, size_t errlen);

/* The same with a root element check: its local name (any if NULL) and
 * namespace (any if NULL). */
int	xmlsafe_parse_root(const char *data, size_t len, size_t max,
	    const char *root, const char *ns, xmlDocPtr *docp, char *err,
	    size_t errlen);

/* The same checks without building a tree (large documents that are
 * stored, not read): well-formed, and the root element as above. */
int	xmlsafe_check_root(const char *data, size_t len, size_t max,
	    const char *root, const char *ns, char *err, size_t errlen);

/*
 * One element on its own, to be put back into a skeleton: it starts with
 * its start tag (so no XML declaration), it is well-formed, and nothing
 * but comments, processing instructions and white space follows it.  The
 * same limits as xmlsafe_parse.  0, -E2BIG, -EPERM or -EINVAL.
 */
int	xmlsafe_check_element(const char *data, size_t len, size_t max,
	    char *err, size_t errlen);

/*
 * xmlsafe_check_root of the document made of skeleton skel and n elements
 * put back in it at offsets at[] (not decreasing), each checked with
 * xmlsafe_check_element, without reading the elements again: the
 * skeleton is checked with an empty element of a random name at each
 * offset, and each must come out as an element.  An element can stand
 * where an empty element does (XML 1.0 [43] content), so the whole is
 * well-formed.  -ENOTSUP: the skeleton is not UTF-8 (check the whole).
 */
int	xmlsafe_check_skeleton(const char *skel, size_t slen, const size_t *at,
	    size_t n, size_t max, const char *root, const char *ns,
	    char *err, size_t errlen);

#endif
