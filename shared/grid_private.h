/*
 * grid_private.h - the struct behind the opaque grid handle, shared by the
 * files that implement it (one concept each):
 *   grid.c         connection state machine, TLS/SASL diagnosis, life cycle
 *   grid_conf.c    the option table
 *   grid_event.c   pubsub events: parsing, duplicate suppression, queue
 *   grid_server.c  IQ requests to us: ping, disco#info, handlers; presence
 *   grid_client.c  IQ requests we send: pending table, sync and async
 *   pubsub_sub.c   subscriptions we keep, re-made and caught up on reconnect
 * Nothing outside these files includes it.
 */
#ifndef SACM_GRID_PRIVATE_H
#define SACM_GRID_PRIVATE_H

#include <stdint.h>

#include <strophe.h>

#include "backoff.h"
#include "caps.h"
#include "grid.h"
#include "grid_iq.h"

#define NS_PUBSUB	"http://jabber.org/protocol/pubsub"
#define NS_EVENT	"http://jabber.org/protocol/pubsub#event"
#define NS_DELAY	"urn:xmpp:delay"
#define NS_STANZAS	"urn:ietf:params:xml:ns:xmpp-stanzas"
#define NS_DISCO_INFO	"http://jabber.org/protocol/disco#info"

#define GRID_MAX_PENDING	4096
#define GRID_MAX_QUEUE		65536
#define GRID_MAX_SUBS		256
#define GRID_DEDUP		4096

struct pending {
	struct pending	*next;
	struct pending	*hnext;		/* its bucket in g->ptab */
	int		 hashed;
	struct grid	*g;
	char		 id[48];	/* random: not guessable */
	char		*to;		/* who must answer (NULL: the server) */
	grid_iq_fn	*fn;
	void		*arg;
	int		 done;
	int		 status;
	xmpp_stanza_t	*reply;
	uint64_t	 deadline;
};

struct qevent {
	struct qevent	*next;
	char		*node, *item_id, *publisher, *delay, *payload;
	size_t		 payload_len;
	int		 retract, catchup;
};

struct sub {
	char	*node;
	int	 flags;
};

struct qreq {
	struct qreq	*next;
	char		*from, *id, *type, *payload;
	size_t		 len;
	size_t		 handler;
};

#define GRID_MAX_HANDLERS	8
#define GRID_MAX_REQUESTS	256

struct grid {
	struct grid_conf conf;		/* copies of the caller's strings */
	char		*password;
	char		*domain;
	char		*bare;
	char		*pubsub;
	char		*grid_domain;	/* conf.domain, or domain */
	char		*upload;
	xmpp_ctx_t	*ctx;		/* a sibling's is its first's */
	int		 ctx_shared;
	int		 priority;	/* of our presence: -1, a sibling */
	xmpp_conn_t	*conn;
	xmpp_log_t	 xlog;
	char		 host[256];	/* the broker address tried now */
	unsigned	 nhosts, host_i;	/* conf.host: a list of nodes */
	enum grid_state	 state;
	int		 closing;
	int		 need_resync;
	int		 ever_online;
	int		 auth_failed;
	int		 cert_failed;
	unsigned	 reconnects;
	uint64_t	 retry_at;
	struct backoff	 backoff;
	char		 err[512];
	int		 errcode;
	char		 lasterr[512];	/* last error libstrophe logged */
	int		 sockerr;	/* errno of a failed TCP connect */
	char		 told[512];	/* the last failure to connect logged */

	struct pending	*pending;
	size_t		 npending;
	struct pending	**ptab;		/* unanswered ones by id */

	struct qevent	*qhead, *qtail;
	size_t		 qlen;
	int		 dispatching;

	struct sub	 subs[GRID_MAX_SUBS];
	size_t		 nsubs;

	uint64_t	 dedup[GRID_DEDUP];
	size_t		 dedup_pos;

	grid_event_fn	*on_event;
	void		*on_event_arg;
	grid_presence_fn *on_presence;
	void		*on_presence_arg;

	struct {
		char		*ns;
		grid_request_fn	*fn;
		void		*arg;
	}		 handlers[GRID_MAX_HANDLERS];
	size_t		 nhandlers;
	struct qreq	*rhead, *rtail;
	size_t		 rlen;

	struct caps	*caps;		/* disco#info and XEP-0115 */
};

/* grid.c */
uint64_t grid_now_ms(void);
char	*grid_dupnull(const char *);
/* Sends a stanza after checking it is well-formed XML: nothing we send
 * can break our stream or carry markup a value smuggled in.  0, or
 * -EPROTO (logged, not sent), -ENOTCONN. */
int	grid_send(struct grid *, const char *data, size_t len);

/* grid_event.c */
int	grid_on_message(xmpp_conn_t *, xmpp_stanza_t *, void *);
void	grid_queue_items(struct grid *, xmpp_stanza_t *items,
	    const char *delay, int catchup);
void	grid_dispatch_events(struct grid *);
void	grid_events_free(struct grid *);

/* grid_presence.c */
int	grid_on_presence(xmpp_conn_t *, xmpp_stanza_t *, void *);

/* grid_server.c */
int	grid_on_iq(xmpp_conn_t *, xmpp_stanza_t *, void *);
void	grid_dispatch_requests(struct grid *);
void	grid_send_presence(struct grid *);
void	grid_server_free(struct grid *);

/* grid_client.c */
int	grid_iq_reply(struct grid *, xmpp_stanza_t *);
void	grid_fail_pending(struct grid *, int err);
void	grid_complete_async(struct grid *);
void	grid_client_free(struct grid *);

/* pubsub_sub.c */
void	grid_resync(struct grid *);
void	grid_subs_free(struct grid *);

#endif
