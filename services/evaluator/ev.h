/*
 * ev.h - sacm-evaluator: the Evaluator of Figure 2.
 *
 *   ev_request.c  evaluation requests in -> jobs
 *   ev_job.c      up to capacity jobs at a time: fetch policy and posture,
 *                 evaluate in a child forked from the process that holds
 *                 the loaded policy, publish the result
 *   ev_arf.c      the ARF out: its skeleton, and what it shares with other
 *                 evaluations uploaded once
 *   ev_reuse.c    an evaluation of the same posture under the same policy
 *                 and profile reused for another endpoint
 *   ev_vuln.c     vulnerability definitions evaluated from a stored
 *                 inventory (a job of the same runner)
 */
#ifndef EV_H
#define EV_H

#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "child.h"
#include "grid.h"

struct ev_conf {
	char	*state_dir;	/* work directories */
	long	 max_content;	/* largest policy */
	long	 max_doc;	/* largest posture document */
	long	 max_vuln;	/* largest vulnerability definitions */
	long	 timeout;	/* seconds an evaluation may take */
	long	 cache;		/* loaded policies kept */
	long	 capacity;	/* advertised concurrent evaluations */
	int	 reuse;		/* reuse evaluations of the same posture */
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
	char		 key[65];	/* ev_reuse_key, "" none */
	/* A vulnerability evaluation (ev_vuln.c): policy is the
	 * definitions' announcement, policy_id their id, profile the
	 * stream's name, posture the <inventory/>, targeted the targeted
	 * collection's <syschar/> (or NULL). */
	int		 vuln;
	char		*targeted;
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
	char		 key[65];	/* ev_reuse_key, "" none */
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

/* An evaluation kept for reuse (ev_reuse.c). */
struct ev_done {
	char		 key[65];	/* ev_reuse_key */
	char		*request;	/* the one evaluated */
	char		*rules;		/* its <rule-results/>; NULL: free */
	size_t		 rlen;
	unsigned long	 used;
};
#define EV_REUSE_MAX	16
/* posture blobs fetched and verified lately (sha256 and size): a reused
 * evaluation needs no bytes, only that its posture verified */
#define EV_VERIFIED_MAX	64
struct ev_verified {
	char		 sha256[65];
	size_t		 size;
};

/* Vulnerability definitions loaded (ev_vuln.c). */
struct vuln_defs;
struct ev_vdefs {
	char		*id;
	struct vuln_defs *vd;
	time_t		 used;
};
#define EV_VDEFS_MAX	2
/* the findings of one endpoint: inline in the result when they fit,
 * else a blob (ev_vuln.c) */
#define EV_VULN_FINDINGS_MAX	(64u << 20)

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
	struct ev_done	 reuse[EV_REUSE_MAX];
	/* a reused ARF and its retargeted copy: kept (no fresh pages) */
	struct buf	 arf_in, arf_out;
	struct ev_verified verified[EV_VERIFIED_MAX];
	size_t		 verified_next;
	struct ev_vdefs	 vdefs[EV_VDEFS_MAX];
	unsigned long	 reuse_clock;
	unsigned long	 done, reused, failed;
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

/* ev_reuse.c */
/* The key of an evaluation: policy, profile and the posture digests of
 * the OVAL and CPE-OVAL system characteristics (cpe may be NULL).  0, or
 * -EINVAL (a digest that is not 64 hex digits; key is then ""). */
int	ev_reuse_key(const char *policy_id, const char *profile,
	    const char *sc, const char *cpe, char key[65]);
/* The evaluation kept under key, or NULL. */
const struct ev_done *ev_reuse_find(struct ev *, const char *key);
/* Keeps an evaluation: its rule results (copied) and its ARF (the file
 * is moved into the state directory). */
void	ev_reuse_keep(struct ev *, const char *key, const char *request,
	    const char *rules, size_t rlen, const char *arf_file);
void	ev_reuse_forget(struct ev *);
/* Appends to out the ARF with hostname and endpoint as its target.  0,
 * or -errno with err (nothing to reuse then). */
int	ev_reuse_retarget(const char *arf, size_t len, const char *hostname,
	    const char *endpoint, struct buf *out, char *err, size_t errlen);
/* The kept ARF's path. */
void	ev_reuse_path(const struct ev *, const char *key, char *p, size_t n);

/* ev_vuln.c */
struct grid_event;
/* A request on sacm/evaluation/requests of id v-...; answered: this
 * evaluator published its result already (caught up). */
void	ev_vuln_request(struct ev *, const struct grid_event *, int answered);
/* An announcement on sacm/vulnerability/definitions: loaded now. */
void	ev_vuln_announced(struct ev *, const struct grid_event *);
/* Starts the job in run's child: 0, or -errno with err (nothing runs). */
int	ev_vuln_start(struct ev *, struct ev_run *, struct ev_job *,
	    char *err, size_t errlen);
/* The child is done: its result published (0), or -errno with err. */
int	ev_vuln_reap(struct ev *, struct ev_run *, int status, char *err,
	    size_t errlen);
/* Publishes the job's result: failed (failure), or counts and body. */
void	ev_vuln_publish(struct ev *, struct ev_job *, const char *failure,
	    const char *counts, const char *body, long ms);
void	ev_vuln_forget(struct ev *);

/* ev_job.c */
/* Publishes the job's result b on sacm/evaluation/results under the
 * request's id, or "<request>/<random>" when another account holds that
 * id, without waiting.  When the broker has it: a failure is logged and
 * counted failed, a complete result logged as line and counted in
 * *count.  One not published is logged. */
struct buf;
void	ev_put_result(struct ev *, const struct ev_job *, const struct buf *,
	    const char *failure, long ms, unsigned long *count,
	    const char *line);
/* Loads a policy ahead of its evaluations (a collection for it was
 * requested): 1 loaded now, 0 loaded already, -EINVAL (logged). */
int	ev_preload(struct ev *, const char *ann, const char *base,
	    const char *policy_id, const char *profile);
void	ev_enqueue(struct ev *, struct ev_job *);
int	ev_busy(const struct ev *, const char *request);
void	ev_tick(struct ev *);
void	ev_stop(struct ev *);

#endif
