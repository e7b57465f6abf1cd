/*
 * grid_presence.c - who is online, from presence (RFC 6121): the
 * orchestrator asks for the presence of the accounts whose endpoints and
 * evaluators it relies on (a subscription request), each of those accepts
 * only the accounts in its presence_allow (default: the orchestrator), and
 * the broker then tells the subscriber when one of their sessions comes or
 * goes, instead of the subscriber asking each one in turn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "grid_private.h"
#include "ident.h"
#include "log.h"

void
grid_set_presence_handler(struct grid *g, grid_presence_fn *fn, void *arg)
{
	g->on_presence = fn;
	g->on_presence_arg = arg;
}

/* Is bare one of the accounts (space-separated) in the allow list? */
static int
allowed(const struct grid *g, const char *bare)
{
	const char *list = g->conf.presence_allow, *p;
	char dflt[512];
	size_t n = strlen(bare);

	if (list == NULL) {
		snprintf(dflt, sizeof(dflt), "orchestrator@%s", g->grid_domain);
		list = dflt;
	}
	for (p = list; *p; ) {
		size_t k;

		p += strspn(p, " \t,");
		k = strcspn(p, " \t,");
		if (k == n && strncasecmp(p, bare, n) == 0)
			return 1;
		p += k;
	}
	return 0;
}

static int
send_presence(struct grid *g, const char *to, const char *type)
{
	struct buf b;
	int r;

	buf_init(&b, 2048);
	buf_adds(&b, "<presence to='");
	buf_add_xml(&b, to);
	buf_printf(&b, "' type='%s'/>", type);
	r = buf_error(&b) ? -1 : grid_send(g, b.data, b.len);
	buf_free(&b);
	return r;
}

int
grid_presence_subscribe(struct grid *g, const char *bare)
{
	if (g->state != GRID_ONLINE)
		return -1;
	return send_presence(g, bare, "subscribe");
}

int
grid_on_presence(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct grid *g = ud;
	const char *type = xmpp_stanza_get_type(st);
	const char *from = xmpp_stanza_get_from(st);
	char bare[512];

	(void)conn;
	/* From an account of this grid's kind of name only; never our own
	 * sessions. */
	if (from == NULL || strlen(from) >= sizeof(bare) || strchr(from,
	    '\'') || strchr(from, '<') || strchr(from, '&'))
		return 1;
	jid_bare(from, bare, sizeof(bare));
	if (strcasecmp(bare, g->bare) == 0)
		return 1;
	if (type == NULL || strcmp(type, "unavailable") == 0) {
		if (g->on_presence && strchr(from, '/'))
			g->on_presence(g, from, type == NULL,
			    g->on_presence_arg);
	} else if (strcmp(type, "subscribe") == 0) {
		int ok = allowed(g, bare);

		(void)send_presence(g, bare, ok ? "subscribed" :
		    "unsubscribed");
		if (ok)
			log_info("grid: %s may see when this service is online",
			    bare);
		else
			log_warnx("grid: presence subscription of %s refused "
			    "(not in presence_allow)", bare);
	}
	return 1;
}
