/*
 * child.h - forked work with a time limit: what the collector and the
 * evaluator both do with libopenscap (collect, evaluate) away from their
 * event loop, and the bounded queue their jobs wait in.
 *
 * The child gets the default disposition of the signals the daemons
 * catch (so that SIGTERM stops it), dies with its parent
 * (PR_SET_PDEATHSIG: a daemon killed with -9 leaves no child running until
 * its deadline), and optionally a lower CPU priority.  Deadlines are on
 * the monotonic clock.  The child reports failure by writing one line to
 * an error file of its work directory and exiting non-zero.
 */
#ifndef SACM_CHILD_H
#define SACM_CHILD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

struct child {
	pid_t		 pid;		/* 0: none running */
	uint64_t	 started_ms;	/* monotonic */
	uint64_t	 deadline_ms;
	int		 timed_out;	/* killed at the deadline */
};

/* Runs in the child; its return value is the child's exit status. */
typedef int child_fn(void *arg);

/* No child yet, the clock started (for a job that fails before it forks). */
void	child_reset(struct child *);

/*
 * Starts fn(arg) in a child process that may run timeout_s seconds, at
 * CPU priority nice (0: unchanged).  0 with c filled, or -errno (fork).
 */
int	child_start(struct child *, long timeout_s, int nice, child_fn *fn,
	    void *arg);

/*
 * Whether the child is done, without waiting: 0 still running; 1 done,
 * with its wait status and resource use (a child past its deadline is
 * killed with SIGKILL first, and timed_out set); -errno when it was lost.
 * Afterwards (1 or -errno) c->pid is 0.
 */
int	child_poll(struct child *, int *status, struct rusage *);

/*
 * Waits for the child to end, however long it takes (its own deadline is
 * not applied): 0 with its wait status, or -errno when it was lost.
 * Afterwards c->pid is 0.
 */
int	child_wait(struct child *, int *status);

/* Kills (SIGKILL) and reaps a running child; nothing when none runs. */
void	child_kill(struct child *);

/* Milliseconds since the child started. */
long	child_elapsed_ms(const struct child *);

/*
 * Why a child that did not exit 0 failed, in one line: the first line of
 * errfile when the child wrote one (the file is removed), else "exited
 * with status N" or "killed by signal N (at the time limit of S s)".
 */
void	child_failure(const struct child *, int status, const char *errfile,
	    long timeout_s, char *out, size_t outlen);

/* Writes data to path and syncs it (a child's results and error file;
 * the collector's outbox).  0 or -errno. */
int	child_write_file(const char *path, const char *data, size_t len);

/*
 * A bounded FIFO of jobs.  A job type puts a struct fifo_node first, so
 * that a node is its job.  fifo_push refuses (-ENOSPC) past max jobs.
 */
struct fifo_node {
	struct fifo_node	*next;
};
struct fifo {
	struct fifo_node	*head, *tail;
	size_t			 n, max;
};

void	fifo_init(struct fifo *, size_t max);
int	fifo_push(struct fifo *, struct fifo_node *);
struct fifo_node *fifo_pop(struct fifo *);

#endif
