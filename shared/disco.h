/*
 * disco.h - XEP-0030 service discovery (and XEP-0059 paging).
 */
#ifndef SACM_DISCO_H
#define SACM_DISCO_H

#include <stddef.h>

#include "grid.h"

struct disco_field {
	char	*var;
	char	*value;		/* values joined with ',' */
};

struct disco_info {
	char			*category, *type, *name; /* first identity */
	char			**features;
	size_t			 nfeatures;
	struct disco_field	*fields;	/* first data form */
	size_t			 nfields;
};

/* disco#info of jid (and node, may be NULL). Free with disco_info_free. */
int	disco_info(struct grid *, const char *jid, const char *node,
	    struct disco_info *);
void	disco_info_free(struct disco_info *);
/* The same without waiting: fn later from the loop, with the answer (valid
 * during the call) or NULL and status < 0 (an error reply, -ETIMEDOUT,
 * -ENOTCONN when the connection was lost meanwhile). */
typedef void disco_info_fn(struct grid *, int status,
    const struct disco_info *, void *arg);
int	disco_info_async(struct grid *, const char *jid, const char *node,
	    disco_info_fn *fn, void *arg);
int	disco_has_feature(const struct disco_info *, const char *var);
/* A form field's value, or NULL. */
const char *disco_field(const struct disco_info *, const char *var);

/*
 * disco#items of jid/node: fn(jid, node, name, arg) for each.  Pages with
 * XEP-0059 (page items at a time) where the answer carries <set/>; takes
 * the whole answer where it does not.  Stops when fn returns non-zero.
 */
typedef int disco_item_fn(const char *jid, const char *node,
    const char *name, void *arg);
int	disco_items(struct grid *, const char *jid, const char *node,
	    disco_item_fn *fn, void *arg);
/* The same in one request without XEP-0059: every item in one answer.
 * For a pubsub node's item ids: ejabberd answers each page of them by
 * reading all of the node's items, payloads and all (a listing of 10,000
 * results in pages of 200 kept it busy for minutes). */
int	disco_items_all(struct grid *, const char *jid, const char *node,
	    disco_item_fn *fn, void *arg);

#endif
