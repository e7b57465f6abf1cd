/*
 * caps.h - what an entity says it is: its XEP-0030 disco#info (identity,
 * features, one XEP-0128 extended-information form) and the XEP-0115
 * entity-capabilities hash of that, which goes in its presence so that
 * others learn its capabilities without asking.
 */
#ifndef SACM_CAPS_H
#define SACM_CAPS_H

#include <stddef.h>

#include "buf.h"

#define CAPS_NS		"http://jabber.org/protocol/caps"
#define CAPS_NODE	"http://sacm-grid.dev/caps"

struct caps;

/* NULL on OOM.  The features disco#info and caps are always there. */
struct caps	*caps_new(const char *category, const char *type,
		    const char *name);
void		 caps_free(struct caps *);

/* 0 or -ENOMEM; adding a feature twice keeps one. */
int	caps_add_feature(struct caps *, const char *var);
/* A field of the extended-information form of that FORM_TYPE (one form;
 * several values for a var make a multi-value field). */
int	caps_add_field(struct caps *, const char *form_type, const char *var,
	    const char *value);

/* The XEP-0115 verification string (SHA-1, base64) into out[29]. */
int	caps_ver(const struct caps *, char *out, size_t len);

/* Appends <query xmlns='...disco#info' [node='N']>...</query>. */
int	caps_query(const struct caps *, const char *node, struct buf *);
/* Appends <c xmlns='...caps' hash='sha-1' node=... ver=.../>. */
int	caps_element(const struct caps *, struct buf *);

#endif
