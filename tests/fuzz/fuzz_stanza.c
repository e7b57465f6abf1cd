/* Fuzz target: stanza to event, the library's edge for every service
 * (grid_on_message): a <message/> from anyone becomes events only when
 * the pubsub service sent it, only for items whose id is an identifier,
 * and each payload handed on is well-formed XML. */
#include <stdlib.h>
#include <string.h>

#include <strophe.h>

#include "fuzz.h"
#include "fuzz_grid.h"
#include "grid_private.h"
#include "ident.h"
#include "xmlsafe.h"

static void
on_event(struct grid *g, const struct grid_event *ev, void *arg)
{
	xmlDocPtr doc;
	char err[256];

	(void)g; (void)arg;
	if (ev->node == NULL || *ev->node == '\0' || !ident_ok(ev->item_id))
		abort();
	if (ev->retract)
		return;
	if (ev->payload == NULL)
		return;
	if (xmlsafe_parse(ev->payload, ev->payload_len, ev->payload_len + 1,
	    &doc, err, sizeof(err)) < 0)
		abort();
	xmlFreeDoc(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct grid *g;
	xmpp_stanza_t *st;
	char *text;

	if (g == NULL) {
		g = fuzz_grid("evaluator-1@grid.test/sacm-evaluator");
		grid_set_event_handler(g, on_event, NULL);
	}
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	st = xmpp_stanza_new_from_string(g->ctx, text);
	free(text);
	if (st == NULL)
		return 0;
	if (xmpp_stanza_get_name(st) &&
	    strcmp(xmpp_stanza_get_name(st), "message") == 0)
		grid_on_message(g->conn, st, g);
	grid_dispatch_events(g);
	xmpp_stanza_release(st);
	return 0;
}
