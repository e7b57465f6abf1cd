/* Fuzz target: the orchestrator's handlers as the grid drives them:
 * policy announcements, endpoint announcements, posture and results
 * events, retractions, operators' assess/assign/unassign/remediate
 * requests, remediation results, and a tick after them, from honest and hostile accounts, on a fresh
 * in-memory database.  Every answer it builds must be well-formed. */
#include <stdlib.h>

#include "buf.h"
#include "fuzz.h"
#include "fuzz_grid.h"
#include "orch.h"
#include "topics.h"
#include "xmlsafe.h"

static const char *const topics[] = {
	TOPIC_POLICY, TOPIC_ENDPOINTS, TOPIC_POSTURE_STORED,
	TOPIC_EVALUATION_RESULTS, "#request", TOPIC_REMEDIATION_RESULTS,
	TOPIC_VULN_DEFS,
};
static const char *const accounts[] = {
	"policy-repo@grid.test/sacm-policy-repo",
	"collector-1@grid.test/sacm-collector",
	"collector-2@grid.test/sacm-collector",
	"posture-repo@grid.test/sacm-posture-repo",
	"evaluator-1@grid.test/sacm-evaluator",
	"ctl@grid.test/ctl",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct orch o;

	if (o.g == NULL) {
		o.g = fuzz_grid("orchestrator@grid.test/sacm-orchestrator");
		o.conf.db = (char *)":memory:";
		o.conf.default_profile = (char *)"standard";
		o.conf.operators = (char *)"ctl@grid.test";
		o.conf.collect_timeout = 900;
		o.conf.evaluate_timeout = 600;
		o.conf.remediate_timeout = 1200;
		o.conf.retries = 3;
		o.conf.auto_approve = 1;
		o.conf.vulnerabilities = 1;
		o.conf.max_per_trigger = 1000;
		/* the daemon's limiters, so that their paths are fuzzed too */
		o.announcements = ratelimit_new(1000, 1024);
		o.changes = ratelimit_new(1000, 1024);
		o.ev[0].jid = (char *)"evaluator-1@grid.test/sacm-evaluator";
		o.nev = 1;
	}
	if (orch_store_open(&o) < 0)
		abort();
	const struct fuzz_daemon d = { o.g, topics, 7, accounts, 6,
	    orch_on_event, orch_on_request, &o };

	fuzz_events(data, size, &d);
	orch_tick(&o);
	orch_store_close(&o);
	return 0;
}
