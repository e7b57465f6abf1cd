/*
 * query.h - asking a service a question over the grid: an IQ get whose
 * answer is one element, parsed safely, with XEP-0059 paging.
 */
#ifndef SACM_QUERY_H
#define SACM_QUERY_H

#include <libxml/tree.h>

#include "grid.h"

#define QUERY_RSM_NS	"http://jabber.org/protocol/rsm"

/*
 * Sends <iq type='get' to=to>inner</iq>; *doc gets the answer's element
 * named name in namespace ns.  0 or -errno with err (the service's error
 * text when it gave one).
 */
int	query_get(struct grid *, const char *to, const char *inner,
	    const char *name, const char *ns, xmlDocPtr *doc, char *err,
	    size_t errlen);

/*
 * Pages through a query: the request is head, then the <set/>, then
 * tail.  fn gets each page's answer element; paging stops at the
 * count, at an empty page, at max_pages, or when fn returns non-zero.
 */
typedef int query_page_fn(xmlNodePtr answer, void *arg);
int	query_all(struct grid *, const char *to, const char *head,
	    const char *tail,
	    long page, long max_pages, const char *name, const char *ns,
	    query_page_fn *fn, void *arg, char *err, size_t errlen);

/*
 * The answering side of XEP-0059 paging by index: the <set/> of a request
 * element q (max, default dflt, at most cap; after = the last index of the
 * previous page) as a row limit and offset.  0, or -EINVAL when max or
 * after are not numbers.  query_page_answer() appends the <set/> of an
 * answer with n rows from offset out of count.
 */
int	query_page_request(xmlNodePtr q, long dflt, long cap, long *max,
	    long *offset);
struct buf;
void	query_page_answer(struct buf *, long offset, long n, long count);

/*
 * The answering side of a query: the request's <query xmlns=ns/>, parsed
 * safely (at most 64 KiB), each attribute attrs[i].name copied into
 * *attrs[i].out (NULL when absent; the caller frees), and its paging as
 * query_page_request() gives it.  The first attribute (the query's type)
 * is required; an attribute marked ident must be an identifier
 * (ident.h).  0, or -EINVAL with the reason appended to err; the outs may
 * be set either way.
 */
struct query_attr {
	const char	*name;
	char		**out;
	int		 ident;		/* must be an identifier */
};
struct grid_request;
int	query_parse(const struct grid_request *, const char *ns,
	    const struct query_attr *attrs, size_t n, long dflt, long cap,
	    long *max, long *offset, struct buf *err);

/*
 * Who may ask: 1 when the bare JID of from matches one of the
 * space-separated patterns of allow (shell globs, without case:
 * "ctl@grid.test collector-*@grid.test"), else 0.  NULL from or allow:
 * 0.  A service's answerer checks it first (docs/protocol.md, "Who may
 * ask what").
 */
int	query_allowed(const char *from, const char *allow);

/* A service's default for allow: each name (space-separated) joined
 * with @ and our domain ("ctl dashboard" -> "ctl@D dashboard@D").
 * NULL when out of memory. */
char	*query_allow_default(struct grid *, const char *names);

/* The JID of a service in the lab's naming: ACCOUNT@<our domain>/PROGRAM */
void	query_service_jid(struct grid *, const char *account,
	    const char *program, char *out, size_t len);

#endif
