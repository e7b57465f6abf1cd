/* Unit tests: events per key per minute (ratelimit.c). */
#include "ratelimit.h"
#include "t.h"

static void
test_bucket(void)
{
	struct ratelimit *rl = ratelimit_new(6, 1024);
	int n = 0;

	T_ASSERT(rl != NULL);
	for (int i = 0; i < 20; i++)
		n += ratelimit_allow(rl, "ep-1", 1000);
	T_EQ(n, 6);				/* a burst of per_minute */
	T_EQ(ratelimit_allow(rl, "ep-2", 1000), 1);	/* keys apart */
	T_EQ(ratelimit_allow(rl, "ep-1", 5000), 0);	/* 4 s: < 1 token */
	T_EQ(ratelimit_allow(rl, "ep-1", 11000), 1);	/* 10 s: one */
	T_EQ(ratelimit_allow(rl, "ep-1", 11000), 0);
	n = 0;
	for (int i = 0; i < 20; i++)		/* an hour: full, not 360 */
		n += ratelimit_allow(rl, "ep-1", 3611000);
	T_EQ(n, 6);
	ratelimit_free(rl);
}

static void
test_unlimited_and_full(void)
{
	struct ratelimit *rl = ratelimit_new(0, 8);
	char key[32];
	int n = 0;

	for (int i = 0; i < 1000; i++)
		n += ratelimit_allow(rl, "x", 0);
	T_EQ(n, 1000);
	ratelimit_free(rl);
	/* More keys than slots: every new key gets its burst. */
	rl = ratelimit_new(1, 8);
	n = 0;
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "ep-%d", i);
		n += ratelimit_allow(rl, key, (unsigned long)i);
	}
	T_EQ(n, 100);
	ratelimit_free(rl);
}

int
main(void)
{
	T_RUN(test_bucket);
	T_RUN(test_unlimited_and_full);
	return T_DONE();
}
