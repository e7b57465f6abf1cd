/* Unit tests: reconnect backoff (backoff.c). */
#include "backoff.h"
#include "t.h"

static void
test_grows_and_caps(void)
{
	struct backoff b;
	unsigned prev_hi = 0;

	backoff_init(&b, 100, 5000, 42);
	for (unsigned i = 0; i < 20; i++) {
		unsigned d = backoff_next(&b);
		unsigned long long hi = 100ULL << (i < 16 ? i : 16);

		if (hi > 5000)
			hi = 5000;
		if (d < 50 || d > hi)
			T_FAIL("attempt %u: %u not in [50, %llu]", i, d, hi);
		prev_hi = (unsigned)hi;
	}
	T_EQ(prev_hi, 5000);
}

static void
test_jitter_spreads(void)
{
	struct backoff b;
	unsigned lo = ~0u, hi = 0;

	/* At the cap, 1000 draws must not all land on one value. */
	backoff_init(&b, 100, 1000, 7);
	for (int i = 0; i < 10; i++)
		backoff_next(&b);
	for (int i = 0; i < 1000; i++) {
		unsigned d = backoff_next(&b);

		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	T_ASSERT(lo >= 50 && hi <= 1000);
	T_ASSERT(hi - lo > 500);
}

static void
test_reset(void)
{
	struct backoff b;

	backoff_init(&b, 200, 60000, 1);
	for (int i = 0; i < 10; i++)
		backoff_next(&b);
	backoff_reset(&b);
	T_ASSERT(backoff_next(&b) <= 200);
}

int
main(void)
{
	T_RUN(test_grows_and_caps);
	T_RUN(test_jitter_spreads);
	T_RUN(test_reset);
	return T_DONE();
}
