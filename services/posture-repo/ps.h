/*
 * ps.h - sacm-posture-repo: the Posture Attribute Repository of Figure 2.
 *
 *   ps_ingest.c  posture reports in: verified, validated, stored, announced
 *   ps_store.c   the sqlite database (reports, documents once per digest,
 *                packages per inventory, endpoints)
 *   ps_query.c   the queries answered over the grid
 */
#ifndef PS_H
#define PS_H

#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "grid.h"
#include "ratelimit.h"
#include "retry.h"

#define NS_POSTURE	"http://sacm-grid.dev/protocol/1/posture"

struct ps_conf {
	char	*db;
	long	 max_doc;	/* largest decoded document */
	int	 log_level;
	char	*allow;		/* who may ask (query_allowed) */
	long	 max_reports;	/* per endpoint per minute */
	int	 require_approval;	/* posture of approved endpoints only */
	char	*orchestrator;	/* who publishes approvals */
};

struct ps {
	struct ps_conf	 conf;
	struct grid_conf gc;
	struct grid	*g;
	time_t		 last_flush;	/* pending publications retried */
	sqlite3		*db;
	struct ratelimit *reports;	/* per endpoint */
	struct retry	*retry;		/* items the database refused */
	unsigned long	 stored, rejected;	/* since start, for the log */
	size_t		 announcing;	/* announcements awaiting the broker */
	struct ps_seen	*seen;		/* PS_SEEN_MAX stored lately */
	size_t		 seen_next;
};

/* What a report carries, in a fixed order. */
enum { DOC_OVAL, DOC_CPE, DOC_INVENTORY, NDOCS };
extern const char *const ps_doc_kinds[NDOCS];

struct ps_doc {
	char	*data;		/* decoded, or NULL when absent */
	size_t	 len;
	char	 digest[65];	/* posture digest (syschar), or content */
	char	*ref;		/* <blob/> as received */
	char	 sha256[65];	/* the blob's (its bytes as fetched) */
	size_t	 size;
	long	 packages;	/* inventory only: how many */
	int	 stored;	/* stored already: not fetched, data is "" */
};

/*
 * A document fetched, verified, validated and stored lately, by its
 * blob's sha256 and size: the same bytes again (an endpoint collected
 * again unchanged, a fleet built from one image) are neither fetched nor
 * checked again, only referenced.
 */
struct ps_seen {
	char	 sha256[65];	/* of the blob's bytes */
	size_t	 size;
	int	 kind;
	char	 digest[65];	/* the document's, as stored */
	long	 packages;
};
#define PS_SEEN_MAX	256

struct ps_pkg {
	char	*name, *version, *arch;
};

struct ps_report {
	char		*item, *endpoint, *hostname, *platform, *request;
	char		*policy, *profile, *reason, *state, *collected;
	char		*failure, *publisher;
	long		 sequence, duration_ms;
	struct ps_doc	 docs[NDOCS];
	struct ps_pkg	*pkgs;
	size_t		 npkgs;
	int64_t		 id;		/* set when stored */
	int		 changed;	/* posture differs from the last one */
};

struct ps_endpoint {
	char	*id, *hostname, *platform, *collector, *publisher;
	char	*capabilities;
};

/* ps_store.c */
int	ps_store_open(struct ps *);
void	ps_store_close(struct ps *);
int	ps_endpoint_get(struct ps *, const char *id, struct ps_endpoint *);
int	ps_endpoint_put(struct ps *, const struct ps_endpoint *);
void	ps_endpoint_free(struct ps_endpoint *);
int	ps_report_exists(struct ps *, const char *item);
int	ps_report_add(struct ps *, struct ps_report *);
/* Reports not yet announced: fn(ps, id) for each, oldest first. */
int	ps_unannounced(struct ps *, void (*fn)(struct ps *, int64_t));
int	ps_mark_announced(struct ps *, int64_t id);
char	*ps_report_item(struct ps *, int64_t id);	/* free() */
/* Appends <NAME ...> for a stored report (see docs/protocol.md). */
int	ps_report_xml(struct ps *, int64_t id, const char *name,
	    struct buf *);

/* ps_ingest.c */
void	ps_on_event(struct grid *, const struct grid_event *, void *);
/* The database could not store the item: it is taken again later. */
void	ps_keep(struct ps *, const struct grid_event *);
/* Asks the broker for the endpoint's announcement and takes it. */
void	ps_endpoint_fetch(struct ps *, const char *id);

/* ps_approve.c: the orchestrator's approvals. */
void	ps_approval_in(struct ps *, const struct grid_event *);
/* 1 when the orchestrator approved (or holds pending) the endpoint for
 * an account other than this one; owner gets that account. */
int	ps_approval_other(struct ps *, const char *endpoint,
	    const char *account, char *owner, size_t len);
/* 0 when the account may report for the endpoint (always without
 * require_approval), else -EPERM with err. */
int	ps_approved(struct ps *, const char *endpoint, const char *account,
	    char *err, size_t errlen);
void	ps_announce(struct ps *, int64_t id);
void	ps_flush_pending(struct ps *);

/* ps_query.c */
int	ps_on_query(struct grid *, const struct grid_request *, struct buf *,
	    void *);

#endif
