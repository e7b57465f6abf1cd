/*
 * orch_pubq.c - an assessment's changes published once a window.
 *
 * A change marks the assessment (orch_publish_soon); ORCH_PUB_WINDOW_MS
 * after the oldest mark, each assessment marked is published once, as
 * it is then (orch_publish).  An endpoint that answers at once goes
 * requested -> collecting, and collected -> evaluating, well within the
 * window: three publishes instead of five, and none of a state a batch
 * that failed to commit had rolled back.  A mark lost (a crash) leaves
 * the row unpublished (published < version), and orch_tick's flush sends
 * it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "orch.h"

#define ORCH_PUB_WINDOW_MS	200
#define ORCH_PUB_MAX		8192	/* marks before a flush regardless */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
orch_publish_soon(struct orch *o, const char *id)
{
	char *dup;

	if (o->nsoon == o->soon_cap) {
		size_t cap = o->soon_cap ? o->soon_cap * 2 : 64;
		char **n = realloc(o->soon, cap * sizeof(*n));

		if (n == NULL) {
			orch_publish(o, id);	/* no room: at once */
			return;
		}
		o->soon = n;
		o->soon_cap = cap;
	}
	if ((dup = strdup(id)) == NULL) {
		orch_publish(o, id);
		return;
	}
	if (o->nsoon == 0)
		o->soon_since = now_ms();
	o->soon[o->nsoon++] = dup;
	if (o->nsoon >= ORCH_PUB_MAX)
		orch_publish_flush(o);
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
orch_publish_flush(struct orch *o)
{
	qsort(o->soon, o->nsoon, sizeof(*o->soon), cmp_id);
	for (size_t i = 0; i < o->nsoon; i++)
		if (i == 0 || strcmp(o->soon[i], o->soon[i - 1]) != 0)
			orch_publish(o, o->soon[i]);
	for (size_t i = 0; i < o->nsoon; i++)
		free(o->soon[i]);
	o->nsoon = 0;
}

void
orch_publish_due(struct orch *o)
{
	if (o->nsoon > 0 && now_ms() >= o->soon_since + ORCH_PUB_WINDOW_MS)
		orch_publish_flush(o);
}

unsigned long
orch_publish_wait(const struct orch *o, unsigned long most)
{
	uint64_t due, now;

	if (o->nsoon == 0)
		return most;
	due = o->soon_since + ORCH_PUB_WINDOW_MS;
	now = now_ms();
	if (now >= due)
		return 0;
	return due - now < most ? (unsigned long)(due - now) : most;
}

void
orch_publish_free(struct orch *o)
{
	for (size_t i = 0; i < o->nsoon; i++)
		free(o->soon[i]);
	free(o->soon);
	o->soon = NULL;
	o->nsoon = o->soon_cap = 0;
}
