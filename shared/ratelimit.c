/*
 * ratelimit.c - see ratelimit.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define PROBE	8

struct slot {
	uint64_t	 hash;		/* 0: free */
	unsigned long	 last;		/* ms of the last refill */
	double		 tokens;
};

struct ratelimit {
	unsigned	 per_minute;
	size_t		 n;
	struct slot	*slots;
};

unsigned long
ratelimit_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000 + (unsigned long)ts.tv_nsec /
	    1000000;
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h ? h : 1;
}

struct ratelimit *
ratelimit_new(unsigned per_minute, size_t nkeys)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (rl == NULL)
		return NULL;
	rl->per_minute = per_minute;
	rl->n = nkeys < PROBE ? PROBE : nkeys;
	if ((rl->slots = calloc(rl->n, sizeof(*rl->slots))) == NULL) {
		free(rl);
		return NULL;
	}
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->slots);
	free(rl);
}

int
ratelimit_allow(struct ratelimit *rl, const char *key, unsigned long ms)
{
	uint64_t h;
	struct slot *s = NULL, *oldest = NULL;

	if (rl->per_minute == 0)
		return 1;
	h = fnv1a(key);
	for (size_t i = 0; i < PROBE; i++) {
		struct slot *c = &rl->slots[(h + i) % rl->n];

		if (c->hash == h) {
			s = c;
			break;
		}
		if (oldest == NULL || c->hash == 0 || (oldest->hash != 0 &&
		    c->last < oldest->last))
			oldest = c;
	}
	if (s == NULL) {
		s = oldest;
		s->hash = h;
		s->last = ms;
		s->tokens = rl->per_minute;
	}
	if (ms > s->last) {
		s->tokens += (double)(ms - s->last) * rl->per_minute / 60000.0;
		if (s->tokens > rl->per_minute)
			s->tokens = rl->per_minute;
		s->last = ms;
	}
	if (s->tokens < 1.0)
		return 0;
	s->tokens -= 1.0;
	return 1;
}
