/* Fuzz target: the posture repository's handlers as the grid drives
 * them: endpoint announcements, posture reports (the blob links fail at
 * once: their documents have fuzz_syschar), retractions and queries,
 * from honest and hostile accounts, on a fresh in-memory database. */
#include <stdlib.h>

#include "buf.h"
#include "fuzz.h"
#include "fuzz_grid.h"
#include "ps.h"
#include "topics.h"

static const char *const topics[] = {
	TOPIC_ENDPOINTS, TOPIC_POSTURE, "#request", TOPIC_APPROVALS,
};
static const char *const accounts[] = {
	"collector-1@grid.test/sacm-collector",
	"collector-2@grid.test/sacm-collector",
	"ctl@grid.test/ctl", "dashboard@grid.test/web",
	"orchestrator@grid.test/sacm-orchestrator",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ps ps;

	if (ps.g == NULL) {
		ps.g = fuzz_grid("posture-repo@grid.test/sacm-posture-repo");
		ps.conf.db = (char *)":memory:";
		ps.conf.max_doc = 1 << 20;
		ps.conf.allow = (char *)"ctl@grid.test dashboard@grid.test";
		ps.conf.require_approval = 1;
		ps.reports = ratelimit_new(1000, 1024);
		ps.conf.orchestrator = (char *)"orchestrator@grid.test";
	}
	if (ps_store_open(&ps) < 0)
		abort();
	const struct fuzz_daemon d = { ps.g, topics, 4, accounts, 5,
	    ps_on_event, ps_on_query, &ps };

	fuzz_events(data, size, &d);
	ps_flush_pending(&ps);
	ps_store_close(&ps);
	return 0;
}
