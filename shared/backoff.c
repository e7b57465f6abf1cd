/*
 * backoff.c - see backoff.h.
 */
#include "backoff.h"

void
backoff_init(struct backoff *b, unsigned base_ms, unsigned cap_ms,
    unsigned seed)
{
	b->base_ms = base_ms ? base_ms : 1;
	b->cap_ms = cap_ms < b->base_ms ? b->base_ms : cap_ms;
	b->attempt = 0;
	b->seed = seed ? seed : 0x9e3779b9u;
}

/* xorshift32: enough for jitter, and deterministic for the unit tests. */
static unsigned
rnd(struct backoff *b)
{
	unsigned x = b->seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return b->seed = x;
}

unsigned
backoff_next(struct backoff *b)
{
	unsigned long long hi = b->base_ms;
	unsigned lo = b->base_ms / 2;

	for (unsigned i = 0; i < b->attempt && hi < b->cap_ms; i++)
		hi *= 2;
	if (hi > b->cap_ms)
		hi = b->cap_ms;
	if (b->attempt < 64)
		b->attempt++;
	if (hi <= lo)
		return lo;
	return lo + rnd(b) % (unsigned)(hi - lo + 1);
}

void
backoff_reset(struct backoff *b)
{
	b->attempt = 0;
}
