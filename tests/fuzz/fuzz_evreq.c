/* Fuzz target: the evaluator's reading of evaluation requests
 * (ev_on_event): what it queues, never running anything. */
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "fuzz.h"
#include "fuzz_grid.h"
#include "topics.h"

static const char *const topics[] = { TOPIC_EVALUATION_REQUESTS };
static const char *const accounts[] = {
	"orchestrator@grid.test/sacm-orchestrator",
	"collector-1@grid.test/sacm-collector",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ev e;
	struct fifo_node *n;

	if (e.g == NULL) {
		e.g = fuzz_grid("evaluator-1@grid.test/sacm-evaluator");
		strcpy(e.bare, "evaluator-1@grid.test");
		e.conf.capacity = 1;
		fifo_init(&e.jobs, EV_QUEUE_MAX);
	}
	const struct fuzz_daemon d = { e.g, topics, 1, accounts, 2,
	    ev_on_event, NULL, &e };

	fuzz_events(data, size, &d);
	while ((n = fifo_pop(&e.jobs)) != NULL)
		ev_job_free((struct ev_job *)n);
	return 0;
}
