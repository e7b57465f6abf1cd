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

/* The topics' names: use these, never the string. */
#define TOPIC_SUBMISSIONS	"sacm/policy/submissions"
#define TOPIC_FEEDS		"sacm/policy/feeds"
#define TOPIC_POLICY		"sacm/policy"
#define TOPIC_ENDPOINTS		"sacm/endpoints"
#define TOPIC_APPROVALS		"sacm/endpoints/approvals"
#define TOPIC_ASSESSMENTS	"sacm/assessments"
#define TOPIC_COLLECTION_REQUESTS	"sacm/collection/requests"
#define TOPIC_POSTURE		"sacm/posture"
#define TOPIC_POSTURE_STORED	"sacm/posture/stored"
#define TOPIC_EVALUATION_REQUESTS	"sacm/evaluation/requests"
#define TOPIC_EVALUATION_RESULTS	"sacm/evaluation/results"
#define TOPIC_RESULTS		"sacm/results"
#define TOPIC_INCIDENTS		"sacm/incidents"
#define TOPIC_OPERATIONS	"sacm/operations"
#define TOPIC_WAIVERS		"sacm/waivers"
#define TOPIC_REMEDIATION_REQUESTS	"sacm/remediation/requests"
#define TOPIC_REMEDIATION_RESULTS	"sacm/remediation/results"
#define TOPIC_VULN_DEFS		"sacm/vulnerability/definitions"
#define TOPIC_VULNERABILITIES	"sacm/vulnerabilities"

#define TOPIC_MAX_ROLES	8

struct topic_def {
	const char	*node;
	const char	*type;		/* pubsub#type: payload namespace */
	const char	*title;
	long		 max_items;
	const char	*publishers[TOPIC_MAX_ROLES];	/* NULL-terminated */
	const char	*members[TOPIC_MAX_ROLES];	/* read only */
	const char	*writers[TOPIC_MAX_ROLES];	/* publish only */
};

extern const struct topic_def topic_defs[];
extern const size_t topic_ndefs;

/* Roles known to the table (for checking roles files). */
extern const char *const topic_roles[];

const struct topic_def *topic_find(const char *node);
/* "publisher", "member", "publish-only" (publish and replace its own
 * items, nothing else) or NULL: what role gets on the topic. */
const char *topic_affiliation(const struct topic_def *, const char *role);

#endif
