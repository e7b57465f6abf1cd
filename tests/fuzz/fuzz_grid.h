/*
 * fuzz_grid.h - for fuzz targets that drive a daemon's handlers the way
 * the grid does: an offline grid (grid_new, never connected, so every
 * publish and IQ fails at once, as with the broker away) and a script of
 * events read from the input, each
 *
 *	NODE PUBLISHER ITEM-ID\n
 *	payload (the item's XML)
 *	\n%%\n			(then the next event)
 *
 * NODE indexes the target's table of topics (a negative one -N retracts
 * the item from topic N-1; the pseudo-topic "#request" makes an IQ);
 * PUBLISHER indexes its table of accounts, -1 for none (a broker that
 * does not say).  The seeds under
 * tests/fuzz/corpus/ are real items taken from a lab.
 */
#ifndef FUZZ_GRID_H
#define FUZZ_GRID_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "grid.h"
#include "log.h"
#include "xmlsafe.h"

#define FUZZ_MAX_EVENTS	8

static inline struct grid *
fuzz_grid(const char *jid)
{
	struct grid_conf gc = {
		.jid = (char *)jid, .password = (char *)"x",
		.ca_file = (char *)"/nonexistent/ca.crt",
		.host = (char *)"127.0.0.1", .port = 1,
		/* a blob link that passes the checks fails at once */
		.upload = (char *)"127.0.0.1", .upload_port = 1,
		.iq_timeout_ms = 1, .connect_timeout_ms = 1,
	};
	char err[256];
	struct grid *g;

	/* FUZZ_LOG=1 shows what the handlers did with an input */
	log_init("fuzz", getenv("FUZZ_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR, 0);
	if ((g = grid_new(&gc, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz: grid_new: %s\n", err);
		abort();
	}
	return g;
}

/* What a target drives: topics[] and accounts[] index the script's
 * NODE and PUBLISHER; an event on the pseudo-topic "#request" is an IQ
 * (type: the item id; from: the publisher) for on_request, whose answer
 * must be well-formed XML when it is one. */
struct fuzz_daemon {
	struct grid		 *g;
	const char *const	 *topics;
	int			  ntopics;
	const char *const	 *accounts;
	int			  naccounts;
	grid_event_fn		 *on_event;
	grid_request_fn		 *on_request;	/* or NULL */
	void			 *arg;
};

static inline void
fuzz_request(const struct fuzz_daemon *d, const struct grid_event *ev)
{
	const struct grid_request req = {
		ev->publisher ? ev->publisher : "nobody@grid.test/x",
		ev->item_id, ev->payload ? ev->payload : "", ev->payload_len,
	};
	struct buf reply;
	xmlDocPtr doc;
	char err[256];

	buf_init(&reply, 1 << 20);
	if (d->on_request(d->g, &req, &reply, d->arg) == 0 && reply.data &&
	    reply.data[0] == '<') {
		if (xmlsafe_parse(reply.data, reply.len, reply.len + 1, &doc,
		    err, sizeof(err)) < 0)
			abort();
		xmlFreeDoc(doc);
	}
	buf_free(&reply);
}

/* Runs the script in data against the daemon. */
static inline void
fuzz_events(const uint8_t *data, size_t size, const struct fuzz_daemon *d)
{
	char *text = malloc(size + 1), *p, *next;
	int n = 0;

	if (text == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	for (p = text; p && n < FUZZ_MAX_EVENTS; p = next, n++) {
		struct grid_event ev = { 0 };
		char id[300], *nl;
		int node, pub;

		if ((next = strstr(p, "\n%%\n")) != NULL) {
			*next = '\0';
			next += 4;
		}
		if ((nl = strchr(p, '\n')) == NULL ||
		    sscanf(p, "%d %d %299s", &node, &pub, id) != 3)
			continue;
		*nl = '\0';
		ev.retract = node < 0;
		if (node < 0)
			node = -node - 1;
		if (node >= d->ntopics)
			continue;
		ev.node = d->topics[node];
		ev.item_id = id;
		ev.publisher = pub >= 0 && pub < d->naccounts ?
		    d->accounts[pub] : NULL;
		if (!ev.retract) {
			ev.payload = nl + 1;
			ev.payload_len = strlen(nl + 1);
		}
		if (strcmp(ev.node, "#request") == 0) {
			if (d->on_request && !ev.retract)
				fuzz_request(d, &ev);
		} else
			d->on_event(d->g, &ev, d->arg);
	}
	free(text);
}

#endif
