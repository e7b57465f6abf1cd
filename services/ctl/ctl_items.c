/*
 * ctl_items.c - items, watch, publish, retract.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "ctl.h"
#include "json.h"
#include "pubsub.h"

/* One event or item as a line of JSON (after sep: "" or ",\n " inside
 * an array), or as a header and the payload. */
static void
print_event(const struct ctl *c, const struct grid_event *ev,
    const char *sep)
{
	struct buf b;

	buf_init(&b, 64u << 20);
	if (c->json) {
		buf_adds(&b, sep);
		buf_adds(&b, "{\"topic\":");
		json_str(&b, ev->node);
		buf_adds(&b, ",\"id\":");
		json_str(&b, ev->item_id);
		buf_adds(&b, ",\"publisher\":");
		json_str(&b, ev->publisher);
		buf_adds(&b, ",\"delay\":");
		json_str(&b, ev->delay);
		buf_printf(&b, ",\"retract\":%s,\"payload\":",
		    ev->retract ? "true" : "false");
		if (ev->payload)
			json_strn(&b, ev->payload, ev->payload_len);
		else
			buf_adds(&b, "null");
		buf_adds(&b, *sep ? "}" : "}\n");
	} else {
		buf_printf(&b, "== %s %s%s%s%s%s%s\n", ev->node, ev->item_id,
		    ev->retract ? " (retracted)" : "",
		    ev->publisher ? " by " : "",
		    ev->publisher ? ev->publisher : "",
		    ev->delay ? " delayed " : "", ev->delay ? ev->delay : "");
		if (ev->payload) {
			buf_add(&b, ev->payload, ev->payload_len);
			buf_adds(&b, "\n");
		}
	}
	fwrite(b.data ? b.data : "", 1, b.len, stdout);
	fflush(stdout);
	buf_free(&b);
}

static int
grab_item(const struct grid_event *ev, void *arg)
{
	char **payload = arg;

	if (ev->payload && *payload == NULL)
		*payload = strdup(ev->payload);
	return 0;
}

char *
ctl_item(struct ctl *c, const char *node, const char *id, int *rc)
{
	char *payload = NULL;
	int r;

	r = pubsub_items(c->g, node, id, 0, grab_item, &payload);
	if (rc)
		*rc = r < 0 ? r : payload ? 0 : -ENOENT;
	return payload;
}

struct listing {
	struct ctl	*c;
	size_t		 n;
};

/* items TOPIC --json is an array; items --id ID one object. */
static int
print_item(const struct grid_event *ev, void *arg)
{
	struct listing *l = arg;

	print_event(l->c, ev, !l->c->json || l->c->id ? "" : l->n ?
	    ",\n " : "[");
	l->n++;
	return 0;
}

int
ctl_items(struct ctl *c, int argc, char **argv)
{
	struct listing l = { c, 0 };

	if (argc != 1)
		return ctl_fail("items", "usage: sacmctl items TOPIC [-n N] "
		    "[--id ID]");
	if (pubsub_items(c->g, argv[0], c->id, c->id ? 0 : c->n, print_item,
	    &l) < 0)
		return ctl_fail("items", "%s: %s", argv[0], grid_errstr(c->g));
	if (c->json && !c->id)
		printf("%s\n", l.n ? "]" : "[]");
	return 0;
}

struct watch {
	struct ctl	*c;
	long		 seen;
};

static void
on_event(struct grid *g, const struct grid_event *ev, void *arg)
{
	struct watch *w = arg;

	(void)g;
	if (w->c->count && w->seen >= w->c->count)
		return;
	print_event(w->c, ev, "");	/* a stream: a line each */
	w->seen++;
}

int
ctl_watch(struct ctl *c, int argc, char **argv)
{
	struct watch w = { c, 0 };
	time_t end = c->timeout ? time(NULL) + c->timeout : 0;
	int r = 0;

	if (argc < 1)
		return ctl_fail("watch", "usage: sacmctl watch TOPIC... "
		    "[--count N] [--timeout S]");
	grid_set_event_handler(c->g, on_event, &w);
	for (int i = 0; i < argc; i++)
		if (grid_subscribe(c->g, argv[i], 0) < 0)
			return ctl_fail("watch", "%s: %s", argv[i],
			    grid_errstr(c->g));
	fprintf(stderr, "sacmctl: watching %d topic%s (Ctrl-C stops)\n", argc,
	    argc == 1 ? "" : "s");
	while (!ctl_quit && (!c->count || w.seen < c->count)) {
		if (end && time(NULL) >= end) {
			if (c->count) {
				ctl_fail("watch", "timed out after %ld s with "
				    "%ld of %ld events", c->timeout, w.seen,
				    c->count);
				r = 1;
			}
			break;
		}
		grid_run_once(c->g, 200);
	}
	/* Leave no subscription behind: the broker would keep events for
	 * this account while it is offline. */
	for (int i = 0; i < argc; i++)
		(void)grid_unsubscribe(c->g, argv[i]);
	return r;
}

int
ctl_publish(struct ctl *c, int argc, char **argv)
{
	char *data, *id = NULL;
	size_t len;
	int r;

	if (argc != 2)
		return ctl_fail("publish", "usage: sacmctl publish TOPIC FILE "
		    "[--id ID]");
	r = ctl_read_file(argv[1], (size_t)c->gc.max_item_size, &data, &len);
	if (r == -E2BIG)
		return ctl_fail("publish", "%s: larger than max_item_size "
		    "(%ld bytes); publish a blob reference instead", argv[1],
		    c->gc.max_item_size);
	if (r < 0)
		return ctl_fail("publish", "%s: %s", argv[1], strerror(-r));
	if (memchr(data, '\0', len)) {
		free(data);
		return ctl_fail("publish", "%s: binary data", argv[1]);
	}
	r = pubsub_publish(c->g, argv[0], c->id, data, NULL, &id);
	free(data);
	if (r < 0)
		return ctl_fail("publish", "%s: %s", argv[0],
		    grid_errstr(c->g));
	if (c->json) {
		struct buf b;

		buf_init(&b, 4096);
		buf_adds(&b, "{\"topic\":");
		json_str(&b, argv[0]);
		buf_adds(&b, ",\"id\":");
		json_str(&b, id);
		buf_adds(&b, "}\n");
		fputs(b.data, stdout);
		buf_free(&b);
	} else
		printf("%s\n", id ? id : "");
	free(id);
	return 0;
}

int
ctl_retract(struct ctl *c, int argc, char **argv)
{
	if (argc != 2)
		return ctl_fail("retract", "usage: sacmctl retract TOPIC ID");
	if (pubsub_retract(c->g, argv[0], argv[1]) < 0)
		return ctl_fail("retract", "%s %s: %s", argv[0], argv[1],
		    grid_errstr(c->g));
	if (c->json)
		ctl_print_object("topic", argv[0], "id", argv[1], "state",
		    "retracted", NULL);
	return 0;
}
