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
	TOPIC_ENDPOINTS, TOPIC_POSTURE, "#query", TOPIC_APPROVALS,
};
static const char *const accounts[] = {
	"collector-1@grid.test/sacm-collector",
	"collector-2@grid.test/sacm-collector",
	"ctl@grid.test/ctl", "dashboard@grid.test/web",
	"orchestrator@grid.test/sacm-orchestrator",
};

static void
on_event(const struct grid_event *ev, const char *from, void *arg)
{
	struct ps *ps = arg;

	if (ev->node[0] == '#') {
		const struct grid_request req = {
			from ? from : "nobody@grid.test/x", ev->item_id,
			ev->payload ? ev->payload : "", ev->payload_len,
		};
		struct buf reply;

		buf_init(&reply, 1 << 20);
		(void)ps_on_query(ps->g, &req, &reply, ps);
		buf_free(&reply);
		return;
	}
	ps_on_event(ps->g, ev, ps);
}

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
		ps.conf.orchestrator = (char *)"orchestrator@grid.test";
	}
	if (ps_store_open(&ps) < 0)
		abort();
	fuzz_events(data, size, topics, 4, accounts, 5, on_event, &ps);
	ps_flush_pending(&ps);
	ps_store_close(&ps);
	return 0;
}
