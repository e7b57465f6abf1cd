/*
 * child.c - see child.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* In the child: undo what the daemon set up for itself. */
static void
child_setup(pid_t parent, int nice)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGPIPE,
	    SIGCHLD };
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Die with the daemon; it may have died before this line. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	if (nice != 0 && setpriority(PRIO_PROCESS, 0, nice) < 0)
		fprintf(stderr, "setpriority: %s\n", strerror(errno));
}

void
child_reset(struct child *c)
{
	memset(c, 0, sizeof(*c));
	c->started_ms = now_ms();
}

int
child_start(struct child *c, long timeout_s, int nice, child_fn *fn,
    void *arg)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	if ((pid = fork()) < 0)
		return -errno;
	if (pid == 0) {
		child_setup(parent, nice);
		_exit(fn(arg));
	}
	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->started_ms = now_ms();
	c->deadline_ms = c->started_ms + (uint64_t)timeout_s * 1000;
	return 0;
}

int
child_poll(struct child *c, int *status, struct rusage *ru)
{
	pid_t p;

	if (c->pid == 0)
		return -ECHILD;
	p = wait4(c->pid, status, WNOHANG, ru);
	if (p == 0 && now_ms() >= c->deadline_ms) {
		kill(c->pid, SIGKILL);
		c->timed_out = 1;
		p = wait4(c->pid, status, 0, ru);
	}
	if (p == 0 || (p < 0 && errno == EINTR))
		return 0;
	c->pid = 0;
	if (p < 0)
		return -errno;
	return 1;
}

int
child_wait(struct child *c, int *status)
{
	int r = 0;

	while (waitpid(c->pid, status, 0) < 0)
		if (errno != EINTR) {
			r = -errno;
			break;
		}
	c->pid = 0;
	return r;
}

void
child_kill(struct child *c)
{
	int status;

	if (c->pid == 0)
		return;
	kill(c->pid, SIGKILL);
	(void)child_wait(c, &status);
}

long
child_elapsed_ms(const struct child *c)
{
	return (long)(now_ms() - c->started_ms);
}

void
child_failure(const struct child *c, int status, const char *errfile,
    long timeout_s, char *out, size_t outlen)
{
	char line[2048];
	FILE *f;

	if (WIFEXITED(status) && errfile && (f = fopen(errfile, "r")) !=
	    NULL) {
		int got = fgets(line, sizeof(line), f) != NULL;

		fclose(f);
		unlink(errfile);
		line[strcspn(line, "\n")] = '\0';
		if (got && line[0]) {
			snprintf(out, outlen, "%s", line);
			return;
		}
	}
	if (WIFSIGNALED(status))
		snprintf(out, outlen, "killed by signal %d%s", WTERMSIG(status),
		    c->timed_out ? " at the time limit" : "");
	else
		snprintf(out, outlen, "exited with status %d",
		    WEXITSTATUS(status));
	if (c->timed_out && timeout_s > 0) {
		size_t n = strlen(out);

		snprintf(out + n, outlen - n, " of %ld s", timeout_s);
	}
}

int
child_write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;

	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return close(fd) < 0 ? -errno : 0;
}

void
fifo_init(struct fifo *q, size_t max)
{
	q->head = q->tail = NULL;
	q->n = 0;
	q->max = max;
}

int
fifo_push(struct fifo *q, struct fifo_node *e)
{
	if (q->n >= q->max)
		return -ENOSPC;
	e->next = NULL;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	q->n++;
	return 0;
}

struct fifo_node *
fifo_pop(struct fifo *q)
{
	struct fifo_node *e = q->head;

	if (e == NULL)
		return NULL;
	if ((q->head = e->next) == NULL)
		q->tail = NULL;
	e->next = NULL;
	q->n--;
	return e;
}
