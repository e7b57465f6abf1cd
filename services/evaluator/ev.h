/*
 * ev.h - sacm-evaluator: the Evaluator of Figure 2.
 *
 *   ev_request.c  evaluation requests in -> jobs
 *   ev_job.c      up to capacity jobs at a time: fetch policy and posture,
 *                 evaluate in a child forked from the process that holds
 *                 the loaded policy, publish the result
 *   ev_arf.c      the ARF out: its skeleton, and what it shares with other
 *                 evaluations uploaded once
 */
#ifndef EV_H
#define EV_H

#include <sys/types.h>
#include <time.h>

#include "child.h"
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
	struct fifo_node node;		/* first: the queue's link */
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

/* One evaluation running: its job, its child, its work directory. */
struct ev_run {
	struct ev_job	*job;		/* NULL: a free slot */
	struct child	 child;
	char		 workdir[3072];
};
#define EV_RUNS_MAX	64		/* the highest capacity */
#define EV_QUEUE_MAX	4096		/* requests waiting; more refused */

/* A shared part of an ARF uploaded lately (ev_arf.c). */
struct ev_part {
	char		 sha256[65];	/* of its bytes */
	char		*blob;		/* its <blob/> reference, NULL: free */
	time_t		 at;		/* uploaded */
};
#define EV_PARTS_MAX	32

struct ev {
	struct ev_conf	 conf;
	struct grid_conf gc;
	struct grid	*g;
	char		 bare[512];	/* our bare JID (assignments) */

	struct fifo	 jobs;		/* waiting */
	struct ev_run	 runs[EV_RUNS_MAX];	/* capacity of them used */
	size_t		 nrunning;

	char		*ds, *ds_id;	/* the last policy fetched */
	size_t		 dslen;
	char		*tl;		/* its tailoring, if it is one */
	size_t		 tllen;
	struct ev_loaded loaded[EV_CACHE_MAX];
	struct ev_part	 parts[EV_PARTS_MAX];
	unsigned long	 done, failed;
};

/* ev_request.c */
void	ev_on_event(struct grid *, const struct grid_event *, void *);
void	ev_job_free(struct ev_job *);

/* ev_arf.c: appends the result's <arf> (uploading what it must) to out.
 * 0, or -errno with err. */
struct buf;
int	ev_arf_put(struct ev *, const char *arf, size_t len, struct buf *out,
	    char *err, size_t errlen);
void	ev_arf_forget(struct ev *);

/* ev_job.c */
/* Loads a policy ahead of its evaluations (a collection for it was
 * requested): 1 loaded now, 0 loaded already, -EINVAL (logged). */
int	ev_preload(struct ev *, const char *ann, const char *base,
	    const char *policy_id, const char *profile);
void	ev_enqueue(struct ev *, struct ev_job *);
int	ev_busy(const struct ev *, const char *request);
void	ev_tick(struct ev *);
void	ev_stop(struct ev *);

#endif
