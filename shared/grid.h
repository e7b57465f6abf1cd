/*
 * grid.h - an XMPP-Grid (RFC 8600) client connection over libstrophe.
 *
 * One struct grid is one authenticated session with the broker.  It
 * requires TLS and verifies the broker's certificate against ca_file,
 * authenticates with SCRAM (password) or EXTERNAL (client certificate),
 * sends initial presence, and when the connection is lost it reconnects
 * with backoff, re-subscribes, and catches up on what was published
 * meanwhile by retrieving the newest items of each subscribed topic.
 *
 * Nothing runs behind the caller's back: grid_run_once() turns the event
 * loop and then calls the event handler for each queued notification,
 * outside libstrophe's callbacks, so a handler may itself make
 * synchronous requests (publish, retrieve) through the same grid.
 *
 * Errors: 0 on success or a negative errno; grid_errstr() says why in one
 * line (the XMPP error condition, the TLS or SASL failure).
 *   -ENOTCONN   not connected (and the request was not sent)
 *   -ETIMEDOUT  no answer in time
 *   -EACCES     forbidden / not-authorized
 *   -ENOENT     item-not-found
 *   -EEXIST     conflict
 *   -EINVAL     bad-request, not-acceptable, malformed input
 *   -E2BIG      payload over a limit
 *   -EOPNOTSUPP feature-not-implemented, service-unavailable
 *   -EPROTO     any other error reply, or a malformed reply
 *   -ECONNREFUSED, -EHOSTUNREACH  the broker is not there
 *   -EKEYREJECTED  authentication failed (wrong password, certificate)
 *   -EBADMSG    the broker's certificate did not verify
 */
#ifndef SACM_GRID_H
#define SACM_GRID_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"

struct grid;

/* Connection settings; grid_conf_opts[] describes them for conf_load(). */
struct grid_conf {
	char	*jid;		/* user@domain[/resource] */
	char	*password_file;	/* SCRAM password, first line of the file */
	char	*password;	/* or inline (tests); file wins */
	char	*cert;		/* client certificate: SASL EXTERNAL */
	char	*key;
	char	*ca_file;	/* CA that signed the broker's certificate */
	char	*host;		/* broker address; default: the JID domain */
	long	 port;
	char	*domain;	/* the grid's; default: the JID's domain */
	char	*pubsub;	/* pubsub service; default pubsub.<domain> */
	char	*upload;	/* XEP-0363 service; default upload.<domain> */
	char	*upload_resolve; /* pin the upload host to this address */
	long	 upload_port;	/* the upload service's HTTPS port */
	long	 connect_timeout_ms;
	long	 iq_timeout_ms;
	long	 catchup_items;	/* newest items fetched per topic on connect */
	long	 max_item_size;	/* largest item payload we publish/accept */
	long	 reconnect_max_ms;
	int	 direct_tls;	/* XEP-0368 TLS on connect instead of STARTTLS */
	char	*resource;	/* resource to bind (services: a fixed name) */
	char	*presence_allow; /* who may see our presence (bare JIDs) */
	int	 insecure_trust_any_cert; /* tests only; logged loudly */
};

extern const struct conf_opt grid_conf_opts[];
extern const size_t grid_conf_nopts;

/* The connection's state machine; grid_state_name() for logs. */
enum grid_state {
	GRID_IDLE,		/* not started, or closed by grid_close() */
	GRID_CONNECTING,	/* TCP, TLS and SASL in progress */
	GRID_ONLINE,		/* session up: presence sent, subscribed */
	GRID_WAIT_RETRY,	/* lost; waiting out the backoff delay */
};
const char *grid_state_name(enum grid_state);

/* One pubsub notification, valid only during the handler call. */
struct grid_event {
	const char	*node;
	const char	*item_id;
	const char	*publisher;	/* NULL unless the broker says */
	const char	*delay;		/* XEP-0203 stamp when delivered late */
	const char	*payload;	/* the item's element as XML text */
	size_t		 payload_len;
	int		 retract;	/* the item was retracted */
	int		 catchup;	/* found by retrieval after (re)connect */
};

typedef void grid_event_fn(struct grid *, const struct grid_event *,
    void *arg);

/* Subscription flags. */
#define GRID_SUB_CATCHUP	0x1	/* deliver newest items on connect */

/* NULL on OOM or when the conf is incomplete (err says why). */
struct grid	*grid_new(const struct grid_conf *, char *err, size_t errlen);
void		 grid_free(struct grid *);
/*
 * A second session of first's account, on first's loop: resource
 * resource, presence priority -1, so that no message to the bare JID
 * (no topic's notification) reaches it (RFC 6121 8.5.2.1).  A service
 * answers requests on it, and an answer does not wait behind the
 * notifications first is working through.  grid_run_once(first) reads
 * both sessions; grid_run_once(sibling, 0) hands it what came.  Connect
 * it after first; free it before.
 */
struct grid	*grid_new_sibling(struct grid *first, const char *resource,
		    char *err, size_t errlen);

/*
 * Connects and waits for the session (or for connect_timeout_ms).
 * Afterwards the grid reconnects by itself whenever the link is lost.
 */
int		 grid_connect(struct grid *);
/* Sends </stream> and waits briefly for the broker to close. */
void		 grid_close(struct grid *);

/* Runs the loop for at most timeout_ms and dispatches queued events. */
void		 grid_run_once(struct grid *, unsigned long timeout_ms);

enum grid_state	 grid_state(const struct grid *);
const char	*grid_errstr(const struct grid *);
const char	*grid_jid(const struct grid *);		/* bound full JID */
const char	*grid_bare_jid(const struct grid *);
/* The broker address connected to (or tried now): one of conf.host's
 * list (a cluster's nodes, tried in turn), else the domain. */
const char	*grid_host(const struct grid *);
const char	*grid_pubsub_jid(const struct grid *);
/* The grid's domain, where its services' accounts live: the domain
 * setting, or this account's own (the administrator's certificate login
 * may live on another host of the broker). */
const char	*grid_domain(const struct grid *);
const char	*grid_upload_jid(const struct grid *);
const struct grid_conf *grid_get_conf(const struct grid *);
/* Number of reconnects so far (for status and tests). */
unsigned	 grid_reconnects(const struct grid *);

void		 grid_set_event_handler(struct grid *, grid_event_fn *,
		    void *arg);

/*
 * Requests addressed to this client: an IQ get or set whose first child
 * is in namespace ns is queued and handed to fn from grid_run_once().
 * fn appends the result's content to reply (it may leave it empty) and
 * returns 0, or a negative errno for an error answer (-ENOENT
 * item-not-found, -EACCES forbidden, -EINVAL bad-request, -E2BIG
 * not-acceptable, anything else internal-server-error), with reply as the
 * error text.  The namespaces show in our disco#info.  0 or -ENOSPC.
 */
struct grid_request {
	const char	*from;
	const char	*type;		/* "get" or "set" */
	const char	*payload;	/* the child element as XML text */
	size_t		 payload_len;
};
typedef int grid_request_fn(struct grid *, const struct grid_request *,
    struct buf *reply, void *arg);
int		 grid_handle_requests(struct grid *, const char *ns,
		    grid_request_fn *fn, void *arg);

/*
 * What we are (XEP-0030 disco#info, XEP-0115 caps in our presence):
 * client/bot with ping, disco#info, caps and the request namespaces we
 * handle.  Services add features and an extended-information form
 * (caps.h) before connecting, or call grid_update_presence() after.
 */
struct caps	*grid_caps(struct grid *);
void		 grid_update_presence(struct grid *);

/*
 * Presence (RFC 6121) of other accounts' sessions: fn(g, full JID, 1) when
 * one comes online, (.., 0) when it goes, and (g, NULL, -1) after each
 * (re)connection (everything known is stale: the broker tells it again).
 * grid_presence_subscribe() asks an account for its presence; a request
 * to us is accepted only from the accounts in presence_allow.
 */
typedef void grid_presence_fn(struct grid *, const char *from, int available,
    void *arg);
void		 grid_set_presence_handler(struct grid *, grid_presence_fn *,
		    void *);
int		 grid_presence_subscribe(struct grid *, const char *bare);

/*
 * Subscribes our bare JID to a topic (XEP-0060 6.1), remembers it so that
 * it is renewed after every reconnect, and with GRID_SUB_CATCHUP queues
 * the newest catchup_items items at once and after each reconnect.
 * Returns 0, -EACCES (no affiliation), -ENOENT (no such topic), ...
 */
int		 grid_subscribe(struct grid *, const char *node, int flags);
int		 grid_unsubscribe(struct grid *, const char *node);

/* The bare JID of a full one ("" for NULL), in out. */
void	jid_bare(const char *jid, char *out, size_t len);
/* n random bytes (at most 64) as 2n hex digits and a NUL (getrandom).
 * 0 or -errno. */
int	grid_random_hex(char *out, size_t n);

#endif
