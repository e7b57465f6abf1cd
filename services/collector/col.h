/*
 * col.h - sacm-collector: the Collector of Figure 2, for one endpoint.
 *
 * The daemon is a loop over four small machines, each in its own file:
 *   col_request.c  collection requests in -> jobs
 *   col_job.c      one job at a time: fetch the policy, then collect in a
 *                  child process (nice, time limit) -> an outbox entry
 *   col_outbox.c   the on-disk outbox, sent in order when online
 *   col_watch.c    inotify on what was collected -> change jobs
 *   col_fix.c      an approved fix run before a job's collection, by a
 *                  helper that kept root (remediate = yes only)
 */
#ifndef COL_H
#define COL_H

#include <sys/types.h>
#include <time.h>

#include <libxml/tree.h>

#include "blob.h"
#include "child.h"
#include "grid.h"

struct col_conf {
	char	*root;		/* target root (OSCAP_PROBE_ROOT), or none */
	char	*endpoint_id;	/* default: the target's machine-id */
	char	*hostname;	/* default: the target's /etc/hostname */
	char	*apt_config;	/* APT_CONFIG for the dpkginfo probe */
	char	*state_dir;	/* outbox and sequence number */
	long	 max_content;	/* largest policy accepted */
	long	 timeout;	/* seconds a collection may take */
	long	 nice;		/* CPU priority of collections */
	long	 settle_ms;	/* quiet time after a change */
	long	 interval;	/* seconds between full collections, 0 off */
	long	 outbox_max;	/* reports kept while offline */
	int	 watch;		/* event-driven collection on/off */
	int	 log_level;
	char	*user;		/* who to become when started as root */
	long	 max_memory;	/* a collection's address space, MiB */
	int	 remediate;	/* run fixes operators approve */
	long	 remediate_timeout;	/* seconds a fix may take */
};

/* A fix to run before the collection (col_fix.c). */
struct col_fix {
	struct blob_ref	 ref;		/* the script */
	char		 sha256[65];	/* the approved script's */
	char		*type, *by, *from;
};

/* Why a collection runs (the report's reason attribute). */
enum col_reason { REASON_REQUEST, REASON_CHANGE, REASON_PERIODIC };

/* One collection to do. */
struct col_job {
	struct fifo_node node;		/* first: the queue's link */
	char		*request;	/* request id (made up for change) */
	char		*policy;	/* the policy announcement (XML) */
	char		*base;		/* a tailoring's datastream's, or NULL */
	char		*policy_id;
	char		*profile;	/* NULL: the benchmark's default */
	/* A targeted collection (vulnerability definitions, policy_id
	 * their id): the OVAL document of the objects to collect, and no
	 * policy. */
	char		*targeted;
	enum col_reason	 reason;
	struct col_fix	*fix;		/* a remediation request's, or NULL */
	int		 crashed;	/* times its child died of a fault */
};

/* A collection done before: what change and periodic jobs repeat. */
struct col_known {
	char	*policy, *base, *policy_id, *profile;
};
#define COL_KNOWN_MAX	16

struct col_watch;

struct col {
	struct col_conf	 conf;
	struct grid_conf gc;
	struct grid	*g;
	char		 id[128];	/* endpoint id */
	char		 host[256];
	char		 os[128];	/* CPE name */

	/* jobs */
	struct fifo	 jobs;		/* waiting */
	struct col_job	*running;
	struct child	 child;		/* collecting it */
	char		 workdir[4096];
	char		*ds;		/* the last policy fetched */
	size_t		 dslen;
	char		*tl;		/* and its tailoring, if it is one */
	size_t		 tllen;
	char		*ds_id;
	struct col_known known[COL_KNOWN_MAX];
	size_t		 nknown;
	/* the last targeted collection (its document and definitions id):
	 * repeated on change when no policy is known, so that an endpoint
	 * assessed only for vulnerabilities still reports a new inventory */
	char		*targeted, *targeted_id;
	time_t		 next_periodic;

	/* outbox */
	unsigned long	 seq;		/* last sequence number used */
	time_t		 outbox_retry;	/* not before */
	int		 outbox_fails;
	int		 outbox_full_logged;

	struct col_watch *watch;

	/* remediation */
	int		 fix_sock;	/* to the helper; -1: none */
	pid_t		 fix_helper;
	int		 fixing;	/* the running job's fix is running */
};

/* col_identity.c */
int	col_identity(struct col *);
void	col_caps(struct col *);
int	col_announce(struct col *);

/* col_request.c */
void	col_on_event(struct grid *, const struct grid_event *, void *);
void	col_job_free(struct col_job *);

/* col_job.c */
#define COL_QUEUE_MAX	64	/* jobs waiting; more are refused */
void	col_enqueue(struct col *, struct col_job *);
void	col_repeat(struct col *, enum col_reason);
void	col_job_tick(struct col *);
void	col_job_stop(struct col *);

/* col_priv.c: started as root, become conf.user with
 * CAP_DAC_READ_SEARCH only (0, or -1 with err); the child's limits. */
int	col_priv_drop(struct col *, char *err, size_t errlen);
void	col_priv_child(const struct col *);

/* col_outbox.c */
int	col_outbox_open(struct col *);
size_t	col_outbox_count(struct col *);
unsigned long col_outbox_next_seq(struct col *);
int	col_outbox_commit(struct col *, const char *workdir,
	    unsigned long seq);
/* Is the report item waiting in the outbox, or sent lately? */
int	col_outbox_has(struct col *, const char *item);
/* 1 when the text file holds the line (files past max bytes: 0). */
int	col_lines_has(const char *file, const char *line, size_t max);
void	col_outbox_tick(struct col *);

/* col_fix.c */
/* Forks the helper that keeps root, before privileges are dropped
 * (remediate = yes only).  0, or -1 with err. */
int	col_fix_helper(struct col *, char *err, size_t errlen);
/* A remediation request's fix, checked; one this collector does not run
 * is refused on the grid (remediate = no, not bash, no blob).  0 with
 * *out, or -errno (-EALREADY: it ran before). */
int	col_fix_parse(struct col *, xmlNodePtr req, const char *request,
	    struct col_fix **out);
void	col_fix_free(struct col_fix *);
void	col_fix_refuse(struct col *, const char *request, const char *sha256,
	    const char *why);
/* Fetches the script, checks its sha256 against the approved one, and
 * hands it to the helper.  0: running (col_fix_poll); -errno: refused
 * (said on the grid), the job is over. */
int	col_fix_start(struct col *, struct col_job *);
/* 1 once the running fix is over and its result published. */
int	col_fix_poll(struct col *);
void	col_fix_stop(struct col *);

/* col_watch.c */
struct col_watch *col_watch_new(void);
void	col_watch_free(struct col_watch *);
/* Replaces the watched set with the lines of a watch list (collect.h)
 * under root, plus the package database. */
void	col_watch_set(struct col_watch *, const char *root, const char *list);
/* 1 when a change has settled (settle_ms without further events). */
int	col_watch_poll(struct col_watch *, long settle_ms);

#endif
