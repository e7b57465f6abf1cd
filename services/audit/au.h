/*
 * au.h - sacm-audit: the grid's audit trail (RFC 8600 section 8.3.2,
 * "auditable logs").
 *
 *   au_store.c  the append-only, hash-chained record store (sqlite)
 *   au_query.c  the questions operators ask: records, verify
 *   au_brokerlog.c  the broker's own denials, from its log
 *
 * The audit account is a member of every topic and publisher of none: it
 * reads every publish and retraction, with the account the broker names
 * as publisher, and cannot change anything it records.
 */
#ifndef AU_H
#define AU_H

#include <sqlite3.h>

#include "buf.h"
#include "grid.h"

#define NS_AUDIT	"http://sacm-grid.dev/protocol/1/audit"

struct au_conf {
	char	*db;
	char	*allow;		/* who may ask (query_allowed) */
	char	*broker_log;	/* the broker's log, followed for denials */
	int	 log_level;
};

struct au {
	struct au_conf	 conf;
	struct grid_conf gc;
	struct grid	*g;
	sqlite3		*db;
	char		 head[65];	/* hash of the newest record */
	long long	 seq;		/* its number (0: none yet) */
	unsigned long	 recorded, failed, denials;
	long long	 log_ino, log_off;	/* broker log read up to */
	int		 log_loaded, log_missing;
	long long	 log_polled;		/* when, monotonic seconds */
};

/* One record, as stored and as hashed. */
struct au_record {
	long long	 seq;
	const char	*at;		/* when we saw it (UTC, ISO 8601) */
	const char	*topic;
	const char	*item;
	const char	*action;	/* publish, retract */
	const char	*publisher;	/* as the broker named it, or "" */
	const char	*digest;	/* sha256 of the payload, or "" */
	const char	*prev;		/* hash of the record before */
};

/* au_store.c */
int	au_store_open(struct au *);
void	au_store_close(struct au *);
/* The record's hash: sha256 over its fields and prev, in hex. */
void	au_hash(const struct au_record *, char out[65]);
/* Appends a record after the head; 0 or -errno. */
int	au_append(struct au *, const char *topic, const char *item,
	    const char *action, const char *publisher, const char *digest);
/* Was this item, with this digest, recorded already?  (catch-up) */
int	au_seen(struct au *, const char *topic, const char *item,
	    const char *digest);
/* Walks the chain: 0 when every record's hash and link hold, else the
 * seq of the first that does not (*why says how); *n counts records. */
long long au_verify(struct au *, long long *n, const char **why);

/* au_brokerlog.c */
/* 1 when a broker log line says a denial: what was denied ("login",
 * "publish on sacm/policy") and the account it names ("" when none or
 * not a plain JID); 0 for every other line. */
int	au_denial(const char *line, char *what, size_t whatlen,
	    char *account, size_t acclen);
/* Reads what the broker logged since the last call; records denials. */
void	au_brokerlog_poll(struct au *);

/* au_query.c */
void	au_on_event(struct grid *, const struct grid_event *, void *);
int	au_on_query(struct grid *, const struct grid_request *, struct buf *,
	    void *);

#endif
