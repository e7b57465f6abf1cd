/*
 * retry.c - see retry.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grid.h"
#include "log.h"
#include "ratelimit.h"
#include "retry.h"

struct entry {
	char	*node, *item;
};

struct retry {
	struct entry	*v;
	size_t		 n, max;
	unsigned long	 interval, last;
};

struct retry *
retry_new(size_t max, unsigned long interval_ms)
{
	struct retry *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->v = calloc(max ? max : 1, sizeof(*r->v))) ==
	    NULL) {
		free(r);
		return NULL;
	}
	r->max = max;
	r->interval = interval_ms;
	r->last = ratelimit_now();
	return r;
}

static void
clear(struct entry *e)
{
	free(e->node);
	free(e->item);
	e->node = e->item = NULL;
}

void
retry_free(struct retry *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		clear(&r->v[i]);
	free(r->v);
	free(r);
}

int
retry_add(struct retry *r, const char *node, const char *item)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].node, node) == 0 &&
		    strcmp(r->v[i].item, item) == 0)
			return 0;
	if (r->n >= r->max)
		return -ENOSPC;
	if ((r->v[r->n].node = strdup(node)) == NULL ||
	    (r->v[r->n].item = strdup(item)) == NULL) {
		clear(&r->v[r->n]);
		return -ENOMEM;
	}
	r->n++;
	return 0;
}

size_t
retry_count(const struct retry *r)
{
	return r->n;
}

void
retry_run(struct retry *r, struct grid *g, pubsub_item_fn *fn, void *arg)
{
	unsigned long now = ratelimit_now();
	struct entry *v;
	size_t n;

	if (r->n == 0 || now - r->last < r->interval ||
	    grid_state(g) != GRID_ONLINE)
		return;
	r->last = now;
	/* Taken off the list first: fn puts back what fails again. */
	v = r->v;
	n = r->n;
	if ((r->v = calloc(r->max ? r->max : 1, sizeof(*r->v))) == NULL) {
		r->v = v;
		return;
	}
	r->n = 0;
	log_info("taking again %zu item(s) that could not be stored", n);
	for (size_t i = 0; i < n; i++) {
		int e = pubsub_items(g, v[i].node, v[i].item, 0, fn, arg);

		if (e == -ENOENT)
			log_warnx("%s/%s: no longer on the broker; not stored",
			    v[i].node, v[i].item);
		else if (e < 0)		/* the broker away: later */
			(void)retry_add(r, v[i].node, v[i].item);
		clear(&v[i]);
	}
	free(v);
}
