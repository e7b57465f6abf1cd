/* Unit tests: the list of items to take again (retry.c); retry_run is
 * tried against a real broker by tests/integration/test_durable.sh. */
#include <errno.h>

#include "retry.h"
#include "t.h"

static void
test_keep(void)
{
	struct retry *r = retry_new(2, 10000);

	T_ASSERT(r != NULL);
	T_EQ(retry_add(r, "sacm/posture", "e1/r1"), 0);
	T_EQ(retry_add(r, "sacm/posture", "e1/r1"), 0);	/* once */
	T_EQ(retry_count(r), 1);
	T_EQ(retry_add(r, "sacm/results", "e1/r1"), 0);	/* another node */
	T_EQ(retry_add(r, "sacm/posture", "e2/r1"), -ENOSPC);
	T_EQ(retry_count(r), 2);
	retry_free(r);
}

int
main(void)
{
	T_RUN(test_keep);
	return T_DONE();
}
