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

#endif
