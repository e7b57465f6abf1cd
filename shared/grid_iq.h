/*
 * grid_iq.h - IQ requests over a grid, for the protocol modules
 * (pubsub.c, disco.c, blob.c).  Services use those modules instead.
 *
 * Requests are built as text: "inner" is the XML inside <iq/>, already
 * escaped (buf_add_xml).  Replies are libstrophe stanzas.
 */
#ifndef SACM_GRID_IQ_H
#define SACM_GRID_IQ_H

#include <strophe.h>

#include "grid.h"

/*
 * Sends <iq type=type to=to>inner</iq> and waits for the answer.  On
 * success *reply (may be NULL) gets the result stanza, which the caller
 * releases with xmpp_stanza_release().  An error reply is turned into a
 * negative errno and grid_errstr() names the condition.
 */
int	grid_iq(struct grid *, const char *to, const char *type,
	    const char *inner, xmpp_stanza_t **reply);

typedef void grid_iq_fn(struct grid *, int status, xmpp_stanza_t *reply,
    void *arg);
/* The same, answered later through fn from grid_run_once(). */
int	grid_iq_async(struct grid *, const char *to, const char *type,
	    const char *inner, grid_iq_fn *fn, void *arg);
/* Requests sent and not yet answered. */
size_t	grid_iq_pending(const struct grid *);

/* Calls fn for each item (and retraction) of an <items/> element. */
typedef int grid_item_fn(const struct grid_event *, void *arg);
int	grid_items_foreach(struct grid *, xmpp_stanza_t *items,
	    const char *delay, int catchup, grid_item_fn *fn, void *arg);

/* Sets the error text (printf-like) and returns err. */
int	grid_fail(struct grid *, int err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Maps an <iq type='error'/> to -errno and sets the error text. */
int	grid_iq_error(struct grid *, xmpp_stanza_t *reply);

xmpp_ctx_t *grid_xmpp_ctx(struct grid *);

#endif
