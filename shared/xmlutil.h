/*
 * xmlutil.h - small helpers over libxml2 trees (after a safe parse).
 */
#ifndef SACM_XMLUTIL_H
#define SACM_XMLUTIL_H

#include <time.h>
#include <libxml/tree.h>

/* The attribute's value, allocated (free()), or NULL. */
char		*xml_prop(xmlNodePtr, const char *name);
/* The element's text content, allocated (free()), or NULL. */
char		*xml_text(xmlNodePtr);
/* 1 when n is the element {ns}name (ns NULL: any namespace). */
int		 xml_is(xmlNodePtr n, const char *name, const char *ns);
/* The first child element {ns}name (name NULL: any), or NULL. */
xmlNodePtr	 xml_child(xmlNodePtr, const char *name, const char *ns);

/* The texts of the child elements {ns}name, joined by spaces (a list
 * such as capabilities or idents), to free(); NULL when there are none
 * or memory ran out. */
char		*xml_children_text(xmlNodePtr, const char *name,
		    const char *ns);

/* 1 when every attribute named in names (NULL-terminated), on n and on
 * every element below it, is an identifier (ident.h); else 0, with *bad
 * (may be NULL) the name of the first one that is not. */
int		 xml_ids_ok(xmlNodePtr n, const char *const *names,
		    const char **bad);
/* The attributes of the protocol's messages that carry identifiers
 * (docs/protocol.md, Identifiers), for xml_ids_ok(). */
extern const char *const xml_id_attrs[];

/* The element as text with its namespaces declared and no XML
 * declaration (so it can be embedded), to free().  0 or -ENOMEM. */
int		 xml_node_text(xmlNodePtr, char **out, size_t *len);

/* t (or now, for 0) as 2026-11-23T02:08:51Z. */
void		 time_iso(char out[32], time_t t);

#endif
