/*
 * grid_test.h - what the grid library's tests against a real broker
 * share: an account of the lab (LAB_DIR/accounts/NAME.conf) logged in,
 * the events seen, unique item ids and payloads.
 */
#ifndef GRID_TEST_H
#define GRID_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "grid.h"

static const char *lab;

static inline int
load_conf(const char *account, struct grid_conf *gc)
{
	char path[1024], err[512];
	struct conf_table t = { grid_conf_opts, grid_conf_nopts, gc };

	memset(gc, 0, sizeof(*gc));
	snprintf(path, sizeof(path), "%s/accounts/%s.conf", lab, account);
	if (conf_load(path, &t, 1, err, sizeof(err)) < 0) {
		fprintf(stderr, "  %s\n", err);
		return -1;
	}
	gc->connect_timeout_ms = 10000;
	gc->iq_timeout_ms = 10000;
	return 0;
}

static inline void
free_conf(struct grid_conf *gc)
{
	struct conf_table t = { grid_conf_opts, grid_conf_nopts, gc };

	conf_free(&t, 1);
}

static inline struct grid *
open_as(const char *account)
{
	struct grid_conf gc;
	struct grid *g;
	char err[512];

	if (load_conf(account, &gc) < 0)
		return NULL;
	g = grid_new(&gc, err, sizeof(err));
	free_conf(&gc);
	if (g == NULL) {
		fprintf(stderr, "  grid_new(%s): %s\n", account, err);
		return NULL;
	}
	if (grid_connect(g) < 0) {
		fprintf(stderr, "  connect(%s): %s\n", account, grid_errstr(g));
		grid_free(g);
		return NULL;
	}
	return g;
}

static inline void
done(struct grid *g)
{
	if (g) {
		grid_close(g);
		grid_free(g);
	}
}

/* ---- collected events ----------------------------------------------- */

#define MAXEV 64
struct seen {
	int	 n;
	char	*ids[MAXEV];
	char	*payloads[MAXEV];
	int	 delayed[MAXEV];
};

static inline void
collect(struct grid *g, const struct grid_event *ev, void *arg)
{
	struct seen *s = arg;

	(void)g;
	if (ev->retract || s->n >= MAXEV)
		return;
	s->ids[s->n] = strdup(ev->item_id);
	s->payloads[s->n] = strdup(ev->payload ? ev->payload : "");
	s->delayed[s->n] = ev->delay != NULL;
	s->n++;
}

static inline int
has(const struct seen *s, const char *id)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->ids[i], id) == 0)
			return i + 1;
	return 0;
}

static inline void
seen_free(struct seen *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->ids[i]);
		free(s->payloads[i]);
	}
	memset(s, 0, sizeof(*s));
}

/* Runs g's loop until id was seen or ms passed. */
static inline int
wait_for(struct grid *g, struct seen *s, const char *id, int ms)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (;;) {
		if (has(s, id))
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		if ((b.tv_sec - a.tv_sec) * 1000 +
		    (b.tv_nsec - a.tv_nsec) / 1000000 > ms)
			return 0;
		grid_run_once(g, 50);
	}
}

static inline char *
unique(const char *prefix)
{
	static unsigned n;
	char *s;

	if (asprintf(&s, "%s-%ld-%d-%u", prefix, (long)time(NULL),
	    (int)getpid(), ++n) < 0)
		abort();
	return s;
}

static inline char *
payload(const char *id)
{
	char *s;

	if (asprintf(&s, "<probe xmlns='urn:test:grid'><id>%s</id>"
	    "<text>a &amp; b &lt; c</text></probe>", id) < 0)
		abort();
	return s;
}

#endif
