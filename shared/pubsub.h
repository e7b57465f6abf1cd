/*
 * pubsub.h - XEP-0060 publish-subscribe on a grid's pubsub service.
 *
 * Payloads cross this API as XML text, one element; they are checked to
 * be well-formed (xmlsafe) and within max_item_size before they are sent,
 * since malformed XML on the stream would make the broker close it.
 * Errors as in grid.h.
 */
#ifndef SACM_PUBSUB_H
#define SACM_PUBSUB_H

#include <stddef.h>

#include "grid.h"

/* Node configuration (XEP-0060 16.4.4); NULL / 0 fields are not sent. */
struct pubsub_node_conf {
	const char	*type;		/* pubsub#type: payload namespace */
	const char	*title;
	const char	*access_model;	/* whitelist (default), authorize */
	const char	*publish_model;	/* publishers (default) */
	long		 max_items;	/* 0: broker default */
	int		 persist_items;	/* 1 (default), -1 = off */
	const char	*notification_type; /* normal (default) */
	const char	*send_last_published_item; /* never (default) */
	const char	*itemreply;	/* publisher (default): items name
					   who published them, for everyone */
};

/* Fills in the defaults this system uses for its topics. */
void	pubsub_node_conf_init(struct pubsub_node_conf *);

/*
 * Creates the topic with that configuration; when it exists already,
 * applies the configuration to it instead (so it reconciles).
 * *created (may be NULL) says which.
 */
int	pubsub_create(struct grid *, const char *node,
	    const struct pubsub_node_conf *, int *created);
int	pubsub_configure(struct grid *, const char *node,
	    const struct pubsub_node_conf *);
int	pubsub_delete(struct grid *, const char *node);

struct pubsub_affiliation {
	char	*jid;
	char	*affiliation;	/* owner publisher member none outcast ... */
};

/* The topic's affiliations (owner use case 8.9.1). Free with
 * pubsub_affiliations_free(). */
int	pubsub_affiliations_get(struct grid *, const char *node,
	    struct pubsub_affiliation **, size_t *n);
void	pubsub_affiliations_free(struct pubsub_affiliation *, size_t n);
/* Sets the given affiliations; others are left as they are. */
int	pubsub_affiliations_set(struct grid *, const char *node,
	    const struct pubsub_affiliation *, size_t n);

/* A topic's subscriptions (owner use case 8.8.1): jid and state
 * ("subscribed", "pending", ...), in pubsub_affiliation's two fields. */
int	pubsub_subscriptions_get(struct grid *, const char *node,
	    struct pubsub_affiliation **, size_t *n);
/* Ends jid's subscription to the topic (owner use case 8.8.2). */
int	pubsub_subscription_cancel(struct grid *, const char *node,
	    const char *jid);

/*
 * Publishes payload (one XML element) as item id (NULL: the broker picks
 * one; *idp gets it when idp is not NULL, to free()).  With opts, the
 * options travel as publish-options preconditions (XEP-0060 7.1.5).
 */
int	pubsub_publish(struct grid *, const char *node, const char *id,
	    const char *payload, const struct pubsub_node_conf *opts,
	    char **idp);
/*
 * pubsub_publish under item id, or, when the broker refuses that id
 * because another account holds it (a publisher touches only its own
 * items, so another account that saw the request can publish there
 * first), under "<id>/<16 random hex digits>", which the consumers take
 * as the same item (docs/protocol.md).  The id used goes to used ("" on
 * failure).  0 or -errno.
 */
int	pubsub_publish_own(struct grid *, const char *node, const char *id,
	    const char *payload, char *used, size_t usedlen);
/* The same without waiting: fn(g, status, arg) later from the loop. */
typedef void pubsub_done_fn(struct grid *, int status, void *arg);
int	pubsub_publish_async(struct grid *, const char *node, const char *id,
	    const char *payload, pubsub_done_fn *fn, void *arg);
/* pubsub_publish_own without waiting: fn(g, status, used, arg) later
 * from the loop, used the id published under ("" on failure). */
typedef void pubsub_own_fn(struct grid *, int status, const char *used,
    void *arg);
int	pubsub_publish_own_async(struct grid *, const char *node,
	    const char *id, const char *payload, pubsub_own_fn *fn,
	    void *arg);
int	pubsub_retract(struct grid *, const char *node, const char *id);
int	pubsub_retract_async(struct grid *, const char *node, const char *id,
	    pubsub_done_fn *fn, void *arg);

/*
 * Retrieves items and calls fn for each, in the broker's order:
 *   id != NULL  the item with that id (-ENOENT if there is none)
 *   max > 0     the newest max items
 *   max == 0    all items, paged with XEP-0059 where the broker offers it
 * Stops early when fn returns non-zero.
 */
typedef int pubsub_item_fn(const struct grid_event *, void *arg);
int	pubsub_items(struct grid *, const char *node, const char *id,
	    long max, pubsub_item_fn *fn, void *arg);
/* The items with those ids, in one request: those the broker has go
 * through fn; -ENOENT when it has none of them. */
int	pubsub_items_ids(struct grid *, const char *node,
	    const char *const *ids, size_t n, pubsub_item_fn *fn, void *arg);

#endif
