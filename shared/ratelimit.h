/*
 * ratelimit.h - events per key per minute (a token bucket per key).
 *
 * What a node sends on its own (announcements, change events, reports)
 * is bounded per endpoint, so that one endpoint cannot keep a consumer
 * busy for the others.  The table holds a fixed number of keys; when it
 * is full the least recently seen key of a probe window makes room (a
 * forgotten key starts with a full bucket again).
 */
#ifndef SACM_RATELIMIT_H
#define SACM_RATELIMIT_H

#include <stddef.h>
#include <time.h>

struct ratelimit;

/* per_minute events per key (a burst of as many), for up to nkeys keys.
 * per_minute 0: no limit.  NULL on OOM. */
struct ratelimit *ratelimit_new(unsigned per_minute, size_t nkeys);
void	ratelimit_free(struct ratelimit *);

/* 1 when the event for key may go ahead now (ms: a monotonic clock in
 * milliseconds), 0 when the key is over its rate. */
int	ratelimit_allow(struct ratelimit *, const char *key, unsigned long ms);
/* That monotonic clock, now. */
unsigned long ratelimit_now(void);

#endif
