/*
 * retry.h - items to take again later.
 *
 * A repository acknowledges only what it stored durably.  When storing
 * fails for a reason that is not the item's (the disk full, the database
 * busy or failing), the item is not rejected for good: its id goes on
 * this list, and the item is fetched again from its topic (items
 * persist on the broker) and handed to the same handler until it is
 * stored or refused for a reason of its own.
 */
#ifndef SACM_RETRY_H
#define SACM_RETRY_H

#include <stddef.h>

#include "pubsub.h"

struct retry;

/* Up to max items, tried again every interval_ms.  NULL on OOM. */
struct retry *retry_new(size_t max, unsigned long interval_ms);
void	retry_free(struct retry *);

/* Keeps node/item for later (once).  0, or -ENOSPC when the list is
 * full (the item stays on its topic; a restart's catch-up finds it). */
int	retry_add(struct retry *, const char *node, const char *item);
size_t	retry_count(const struct retry *);

/* When the interval has passed: fetches each item kept and calls fn
 * with it (fn keeps it again with retry_add if it fails again).  An item
 * the broker no longer has is dropped, logged. */
void	retry_run(struct retry *, struct grid *, pubsub_item_fn *fn,
	    void *arg);

#endif
