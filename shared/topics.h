/*
 * topics.h - the grid's topics (docs/protocol.md), with who may publish
 * and who may read each, by role.  `sacmctl grid init` turns this table
 * and a roles file (role -> JIDs) into nodes and affiliations.
 */
#ifndef SACM_TOPICS_H
#define SACM_TOPICS_H

#include <stddef.h>

#define SACM_NS		"http://sacm-grid.dev/protocol/1"
#define IODEF_NS	"urn:ietf:params:xml:ns:iodef-2.0"

#define TOPIC_MAX_ROLES	8

struct topic_def {
	const char	*node;
	const char	*type;		/* pubsub#type: payload namespace */
	const char	*title;
	long		 max_items;
	const char	*publishers[TOPIC_MAX_ROLES];	/* NULL-terminated */
	const char	*members[TOPIC_MAX_ROLES];	/* read only */
};

extern const struct topic_def topic_defs[];
extern const size_t topic_ndefs;

/* Roles known to the table (for checking roles files). */
extern const char *const topic_roles[];

const struct topic_def *topic_find(const char *node);
/* "publisher", "member" or NULL: what role gets on the topic. */
const char *topic_affiliation(const struct topic_def *, const char *role);

#endif
