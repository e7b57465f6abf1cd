/* Fuzz target: the results repository's handlers as the grid drives
 * them: evaluation requests (which bind results), results (their ARF
 * links fail at once), waivers and their revocation, retractions and
 * queries, from honest and hostile accounts, on a fresh in-memory
 * database. */
#include <stdlib.h>

#include "buf.h"
#include "fuzz.h"
#include "fuzz_grid.h"
#include "rr.h"
#include "topics.h"

static const char *const topics[] = {
	TOPIC_EVALUATION_REQUESTS, TOPIC_EVALUATION_RESULTS, "#request",
	TOPIC_WAIVERS,
};
static const char *const accounts[] = {
	"orchestrator@grid.test/sacm-orchestrator",
	"evaluator-1@grid.test/sacm-evaluator",
	"collector-1@grid.test/sacm-collector",
	"ctl@grid.test/ctl", "dashboard@grid.test/web",
	"approver@grid.test/ctl",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rr rr;

	if (rr.g == NULL) {
		rr.g = fuzz_grid("results-repo@grid.test/sacm-results-repo");
		rr.conf.db = (char *)":memory:";
		rr.conf.max_arf = 1 << 20;
		rr.conf.incident_severity = (char *)"high";
		rr.conf.allow = (char *)"ctl@grid.test dashboard@grid.test";
		rr.conf.evaluators = (char *)"evaluator-*@grid.test";
		rr.conf.orchestrator = (char *)"orchestrator@grid.test";
		rr.conf.approvers = (char *)"approver@grid.test";
	}
	if (rr_store_open(&rr) < 0)
		abort();
	const struct fuzz_daemon d = { rr.g, topics, 4, accounts, 6,
	    rr_on_event, rr_on_query, &rr };

	fuzz_events(data, size, &d);
	rr_waiver_tick(&rr);
	rr_flush_pending(&rr);
	rr_store_close(&rr);
	return 0;
}
