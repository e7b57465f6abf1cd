/*
 * ident.h - the one grammar of identifiers from the wire
 * (docs/protocol.md, "Identifiers"): endpoint, policy, profile, request,
 * assessment, evaluation, feed and rule ids, and item ids (which join
 * such ids with '/').
 *
 *   identifier = 1*255( ALPHA / DIGIT / "." / "_" / ":" / "/" / "-" )
 *
 * Nothing else reaches a query, a database key or an outgoing stanza: no
 * quote, no angle bracket, no ampersand, no space, no control character,
 * nothing longer.  Checked where the wire is read, and refused there.
 */
#ifndef SACM_IDENT_H
#define SACM_IDENT_H

#define IDENT_MAX	255

/* 1 when s is an identifier, 0 when not (NULL is not). */
int	ident_ok(const char *s);

#endif
