/*
 * ev.h - sacm-evaluator: the Evaluator of Figure 2.
 *
 *   ev_request.c  evaluation requests in -> jobs
 *   ev_job.c      one job at a time: fetch policy and posture, evaluate in
 *                 a child forked from the process that holds the loaded
 *                 policy, publish the result
 */
#ifndef EV_H
#define EV_H

#include <sys/types.h>
#include <time.h>

#include "grid.h"

struct ev_conf {
	char	*state_dir;	/* work directories */
	long	 max_content;	/* largest policy */
	long	 max_doc;	/* largest posture document */
	long	 timeout;	/* seconds an evaluation may take */
	long	 cache;		/* loaded policies kept */
	long	 capacity;	/* advertised concurrent evaluations */
	int	 log_level;
};

struct ev_job {
	struct ev_job	*next;
	char		*request;	/* item id */
	char		*endpoint, *hostname, *assessment, *profile;
	char		*policy;	/* announcement (XML) */
	char		*base;		/* a tailoring's datastream's */
	char		*policy_id;
	char		*posture;	/* posture-stored (XML) */
};

struct eval;
struct ev_loaded {
	char		*policy_id, *profile;
	struct eval	*eval;
	time_t		 used;
};
#define EV_CACHE_MAX	16

struct ev {
	struct ev_conf	 conf;
	struct grid_conf gc;
	struct grid	*g;
	char		 bare[512];	/* our bare JID (assignments) */

	struct ev_job	*jobs, *jobs_tail, *running;
	pid_t		 child;
	long		 peak_mb;	/* of the last evaluation's process */
	time_t		 deadline;
	struct timespec	 started;
	char		 workdir[3072];

	char		*ds, *ds_id;	/* the last policy fetched */
	size_t		 dslen;
	char		*tl;		/* its tailoring, if it is one */
	size_t		 tllen;
	struct ev_loaded loaded[EV_CACHE_MAX];
	unsigned long	 done, failed;
};

/* ev_request.c */
void	ev_on_event(struct grid *, const struct grid_event *, void *);
void	ev_job_free(struct ev_job *);

/* ev_job.c */
void	ev_enqueue(struct ev *, struct ev_job *);
int	ev_busy(const struct ev *, const char *request);
void	ev_tick(struct ev *);
void	ev_stop(struct ev *);

#endif
