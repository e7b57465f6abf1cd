/*
 * topics.c - the topic table of DESIGN.md, least privilege.
 *
 * The grid administrator creates the topics and owns them (it has no
 * role here: sacmctl grid init runs as it).  The operator reads every
 * topic and publishes where operators publish; the auditor (sacm-audit)
 * reads every topic and publishes on none.  An approver grants waivers;
 * an operator is not one unless the administrator makes it one too.
 */
#include <string.h>

#include "topics.h"

const char *const topic_roles[] = {
	"operator", "policy-repo", "orchestrator", "collector", "posture-repo",
	"evaluator", "results-repo", "dashboard", "siem", "auditor",
	"approver", NULL
};

const struct topic_def topic_defs[] = {
	{ TOPIC_SUBMISSIONS, SACM_NS, "Policy submissions", 1000,
	    { "operator", "policy-repo", NULL },
	    { "auditor", NULL }, { NULL } },
	{ TOPIC_FEEDS, SACM_NS, "ROLIE feeds followed, and their "
	    "status", 1000, { "operator", "policy-repo", NULL },
	    { "dashboard", "auditor", NULL }, { NULL } },
	{ TOPIC_POLICY, SACM_NS, "Policy announcements", 10000,
	    { "policy-repo", NULL },
	    { "operator", "orchestrator", "evaluator", "dashboard", "auditor",
	    NULL }, { NULL } },
	/* Collectors publish endpoints and posture and read neither: one
	 * endpoint learns nothing of the others. */
	{ TOPIC_ENDPOINTS, SACM_NS, "Endpoint identities and capabilities",
	    10000, { NULL },
	    { "operator", "orchestrator", "posture-repo", "dashboard",
	    "auditor", NULL }, { "collector", NULL } },
	{ TOPIC_APPROVALS, SACM_NS, "Endpoint approvals: which account "
	    "owns an endpoint, and whether an operator approved it", 10000,
	    { "orchestrator", NULL },
	    { "operator", "posture-repo", "dashboard", "auditor", NULL },
	    { NULL } },
	{ TOPIC_ASSESSMENTS, SACM_NS, "Assessment state", 10000,
	    { "orchestrator", NULL },
	    { "operator", "dashboard", "auditor", NULL }, { NULL } },
	{ TOPIC_COLLECTION_REQUESTS, SACM_NS, "Collection requests", 1000,
	    { "orchestrator", NULL },
	    /* evaluators load the policy while the collector collects */
	    { "operator", "collector", "evaluator", "auditor", NULL },
	    { NULL } },
	{ TOPIC_POSTURE, SACM_NS, "Posture reports", 1000,
	    { NULL },
	    { "operator", "posture-repo", "auditor", NULL },
	    { "collector", NULL } },
	{ TOPIC_POSTURE_STORED, SACM_NS, "Posture stored", 10000,
	    { "posture-repo", NULL },
	    { "operator", "orchestrator", "dashboard", "auditor", NULL },
	    { NULL } },
	/* Both keep as many as a fleet's round can leave a repository
	 * behind by: it takes again from them what it missed
	 * (rr_recover.c). */
	{ TOPIC_EVALUATION_REQUESTS, SACM_NS, "Evaluation requests", 10000,
	    { "orchestrator", NULL },
	    /* the results repository checks each result against its
	     * request */
	    { "operator", "evaluator", "results-repo", "auditor", NULL },
	    { NULL } },
	{ TOPIC_EVALUATION_RESULTS, SACM_NS, "Evaluation results", 10000,
	    { "evaluator", NULL },
	    { "operator", "results-repo", "orchestrator", "auditor", NULL },
	    { NULL } },
	{ TOPIC_RESULTS, SACM_NS, "Current results per endpoint and policy",
	    10000, { "results-repo", NULL },
	    { "operator", "orchestrator", "dashboard", "auditor", NULL },
	    { NULL } },
	{ TOPIC_INCIDENTS, IODEF_NS, "Incidents (IODEF 2.0)", 10000,
	    { "results-repo", NULL },
	    { "operator", "siem", "dashboard", "auditor", NULL }, { NULL } },
	/* Who asked for what: the administrator's grants and revocations,
	 * the operators' requests the orchestrator answered. */
	{ TOPIC_OPERATIONS, SACM_NS, "Operations: who asked for what",
	    10000, { "operator", "orchestrator", NULL },
	    { "auditor", NULL }, { NULL } },
	/* Exceptions: only approvers grant or revoke them; the results
	 * repository applies them. */
	{ TOPIC_WAIVERS, SACM_NS, "Waivers: failed rules accepted, by whom, "
	    "why and until when", 10000, { "approver", NULL },
	    { "operator", "results-repo", "dashboard", "auditor", NULL },
	    { NULL } },
	/* Remediation: the orchestrator asks for a fix an operator approved
	 * (by its sha256); the endpoint's collector answers, publish-only
	 * as for posture, with the script's exit status and output. */
	{ TOPIC_REMEDIATION_REQUESTS, SACM_NS, "Remediation requests: fixes "
	    "operators approved, by sha256", 1000, { "orchestrator", NULL },
	    { "operator", "collector", "auditor", NULL }, { NULL } },
	{ TOPIC_REMEDIATION_RESULTS, SACM_NS, "Remediation results: exit "
	    "status and output of each fix applied", 1000, { NULL },
	    { "operator", "orchestrator", "dashboard", "auditor", NULL },
	    { "collector", NULL } },
	/* Vulnerability definitions (OVAL, class vulnerability or patch),
	 * checked and stored by the policy repository: item id = sha256 of
	 * the content. */
	{ TOPIC_VULN_DEFS, SACM_NS, "Vulnerability definitions announced",
	    1000, { "policy-repo", NULL },
	    { "operator", "orchestrator", "evaluator", "results-repo",
	    "dashboard", "auditor", NULL }, { NULL } },
	/* What each endpoint is vulnerable to now, per definitions stream
	 * (item id <endpoint>/<stream>), as the results repository stored
	 * it. */
	{ TOPIC_VULNERABILITIES, SACM_NS, "Current vulnerabilities per "
	    "endpoint", 10000, { "results-repo", NULL },
	    { "operator", "dashboard", "siem", "auditor", NULL }, { NULL } },
};
const size_t topic_ndefs = sizeof(topic_defs) / sizeof(topic_defs[0]);

const struct topic_def *
topic_find(const char *node)
{
	for (size_t i = 0; i < topic_ndefs; i++)
		if (strcmp(topic_defs[i].node, node) == 0)
			return &topic_defs[i];
	return NULL;
}

static int
listed(const char *const *roles, const char *role)
{
	for (size_t i = 0; i < TOPIC_MAX_ROLES && roles[i]; i++)
		if (strcmp(roles[i], role) == 0)
			return 1;
	return 0;
}

const char *
topic_affiliation(const struct topic_def *t, const char *role)
{
	if (listed(t->publishers, role))
		return "publisher";
	if (listed(t->members, role))
		return "member";
	if (listed(t->writers, role))
		return "publish-only";
	return NULL;
}
