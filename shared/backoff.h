/*
 * backoff.h - exponential backoff with full jitter, capped.
 *
 * delay(n) is uniform in [base/2, min(cap, base * 2^n)] milliseconds,
 * so that many clients that lost the same broker do not come back in
 * step.  backoff_reset() after a success.
 */
#ifndef SACM_BACKOFF_H
#define SACM_BACKOFF_H

struct backoff {
	unsigned	base_ms;
	unsigned	cap_ms;
	unsigned	attempt;
	unsigned	seed;
};

void		backoff_init(struct backoff *, unsigned base_ms,
		    unsigned cap_ms, unsigned seed);
/* The delay before the next attempt; advances the attempt count. */
unsigned	backoff_next(struct backoff *);
void		backoff_reset(struct backoff *);

#endif
