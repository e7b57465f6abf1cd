/*
 * fleet.h - sacm-fleet: a fleet of simulated endpoints for scale tests
 * and benchmarks.  One collector account announces N endpoints (ids
 * PREFIX-000001 ...) and answers every collection request for one of
 * them the way a collector does, with the posture of a real collection:
 * endpoint i replays template i mod K, a posture report a real collector
 * published (its documents, by reference to the blobs it uploaded), so
 * each simulated endpoint's result is known in advance: its template's.
 *
 *   fl_sim.c   templates, announcements, requests in, reports out
 */
#ifndef FLEET_H
#define FLEET_H

#include <stddef.h>

#include "grid.h"

struct fl_conf {
	long	 endpoints;	/* how many */
	char	*prefix;	/* their ids: PREFIX-%06ld */
	char	*templates;	/* posture-report files, space-separated */
	char	*platform;	/* CPE announced */
	long	 per_tick;	/* announcements sent per turn */
	int	 log_level;
};

struct fl_template {
	char	*file;
	char	*inner;		/* the report's documents (blob references) */
};

/* One endpoint's announcement: not sent, on its way, taken. */
enum fl_ann { FL_NEW, FL_SENDING, FL_DONE };

struct fleet {
	struct fl_conf		 conf;
	struct grid_conf	 gc;
	struct grid		*g;
	struct fl_template	*t;
	size_t			 nt;
	unsigned char		*ann;		/* enum fl_ann per endpoint */
	long			 next_ann;	/* first not yet taken */
	long			 announced;
	unsigned long		 seq, requests, reports, refused;
	long			 inflight;
};

/* Loads the templates; 0, or -1 with the reason in err. */
int	fl_open(struct fleet *, char *err, size_t errlen);
void	fl_close(struct fleet *);
/* Announces the endpoints not yet announced (per_tick a turn). */
void	fl_tick(struct fleet *);
void	fl_on_event(struct grid *, const struct grid_event *, void *);
/* The endpoint's index for an id of ours, or -1. */
long	fl_index(const struct fleet *, const char *id);

#endif
