/* Fuzz target: the results repository's handlers as the grid drives
 * them: evaluation requests (which bind results), results (their ARF
 * links fail at once), retractions and queries, from honest and hostile
 * accounts, on a fresh in-memory database. */
#include <stdlib.h>

#include "buf.h"
#include "fuzz.h"
#include "fuzz_grid.h"
#include "rr.h"
#include "topics.h"

static const char *const topics[] = {
	TOPIC_EVALUATION_REQUESTS, TOPIC_EVALUATION_RESULTS, "#query",
};
static const char *const accounts[] = {
	"orchestrator@grid.test/sacm-orchestrator",
	"evaluator-1@grid.test/sacm-evaluator",
	"collector-1@grid.test/sacm-collector",
	"ctl@grid.test/ctl", "dashboard@grid.test/web",
};

static void
on_event(const struct grid_event *ev, const char *from, void *arg)
{
	struct rr *rr = arg;

	if (ev->node[0] == '#') {
		const struct grid_request req = {
			from ? from : "nobody@grid.test/x", ev->item_id,
			ev->payload ? ev->payload : "", ev->payload_len,
		};
		struct buf reply;

		buf_init(&reply, 1 << 20);
		(void)rr_on_query(rr->g, &req, &reply, rr);
		buf_free(&reply);
		return;
	}
	rr_on_event(rr->g, ev, rr);
}

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
	}
	if (rr_store_open(&rr) < 0)
		abort();
	fuzz_events(data, size, topics, 3, accounts, 5, on_event, &rr);
	rr_flush_pending(&rr);
	rr_store_close(&rr);
	return 0;
}
