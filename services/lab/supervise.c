/*
 * sacm-supervise - keeps one lab daemon running (the lab's supervisor).
 *
 *   sacm-supervise -n NAME -r RUNDIR -l LOG -s SUPLOG [-u USER] -- PROG ARGS
 *
 * Starts PROG (as USER when given and we are root), its output appended
 * to LOG; when it dies, logs how to LOG and SUPLOG ("NAME (PROG) killed by
 * signal 9 after 93s; restarting in 1s") and starts it again after 1 s,
 * doubling up to 60 s while it keeps dying within a minute of its start.
 * SIGTERM/SIGINT stop the daemon (TERM, then KILL after 10 s) and the
 * supervisor; SIGHUP is passed on (the daemons reload on it).
 *
 * RUNDIR/NAME.supervisor.pid holds our pid under an exclusive lock for as
 * long as we run, and RUNDIR/NAME.pid the daemon's while it runs: a
 * reader that can take the lock knows nobody supervises NAME, without
 * trusting a pid that may have been reused.  The daemon dies with us
 * (PR_SET_PDEATHSIG), so no daemon is ever left unsupervised.
 *
 * Signals arrive through a signalfd and the loop is a poll on it: no work
 * in signal handlers, no race between a death and a stop request.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DELAY_MIN	1
#define DELAY_MAX	60
#define STOP_GRACE	10	/* seconds from TERM to KILL */

enum state {
	S_RUNNING,	/* the daemon runs */
	S_WAITING,	/* it died; waiting to start it again */
	S_STOPPING,	/* asked to stop; waiting for it to end */
};

static const char *name, *rundir, *logpath, *suplog, *user;
static char **argv_prog;
static char pidfile[4096], suppidfile[4096];

static long
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec;
}

/* One line to the daemon's log and the supervisor's. */
static void
say(const char *fmt, ...)
{
	char line[1024], when[32];
	time_t t = time(NULL);
	va_list ap;
	FILE *f;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if ((f = fopen(logpath, "a")) != NULL) {
		fprintf(f, "%s sacm-lab: %s\n", when, line);
		fclose(f);
	}
	if ((f = fopen(suplog, "a")) != NULL) {
		fprintf(f, "%s sacm-lab: %s\n", when, line);
		fclose(f);
	}
}

static int
write_pid(const char *path, pid_t pid)
{
	char tmp[4200], buf[32];
	int fd, n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) <
	    0)
		return -1;
	if (write(fd, buf, (size_t)n) != n || close(fd) < 0)
		return -1;
	return rename(tmp, path);	/* readers see the whole pid or none */
}

/* In the child: our output, its user, death with us, then the program. */
static void
exec_daemon(pid_t parent, const struct passwd *pw)
{
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(127);
	setsid();
	if ((fd = open("/dev/null", O_RDONLY)) >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	if ((fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0640)) >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	if (pw && (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)) {
		fprintf(stderr, "sacm-supervise: cannot become %s: %s\n",
		    pw->pw_name, strerror(errno));
		_exit(126);
	}
	execv(argv_prog[0], argv_prog);
	fprintf(stderr, "sacm-supervise: %s: %s\n", argv_prog[0],
	    strerror(errno));
	_exit(127);
}

static pid_t
start(const struct passwd *pw)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0)
		exec_daemon(parent, pw);
	if (pid > 0)
		(void)write_pid(pidfile, pid);
	return pid;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: sacm-supervise -n NAME -r RUNDIR -l LOG -s SUPLOG "
	    "[-u USER] -- PROGRAM [ARGS...]\n\n"
	    "Keeps PROGRAM running for sacm-lab: restarts it when it dies "
	    "(after 1 s,\ndoubling to 60 s while it keeps dying), logs each "
	    "death to LOG and SUPLOG,\nruns it as USER (when root), and "
	    "keeps RUNDIR/NAME.pid and, locked,\nRUNDIR/NAME.supervisor.pid. "
	    " TERM stops both; HUP is passed on.\n");
	exit(f == stdout ? 0 : 2);
}

int
main(int argc, char **argv)
{
	struct passwd *pw = NULL;
	sigset_t mask;
	enum state st = S_RUNNING;
	long started = 0, wake = 0, delay = DELAY_MIN, stop_deadline = 0;
	pid_t child = -1;
	int sfd, lockfd, ch, status = 0;

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		usage(stdout);
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("sacm-supervise %s\n", SACM_VERSION);
		return 0;
	}
	while ((ch = getopt(argc, argv, "n:r:l:s:u:")) != -1) {
		switch (ch) {
		case 'n': name = optarg; break;
		case 'r': rundir = optarg; break;
		case 'l': logpath = optarg; break;
		case 's': suplog = optarg; break;
		case 'u': user = optarg; break;
		default: usage(stderr);
		}
	}
	if (!name || !rundir || !logpath || !suplog || optind >= argc)
		usage(stderr);
	argv_prog = argv + optind;
	if (user && geteuid() == 0 && (pw = getpwnam(user)) == NULL) {
		fprintf(stderr, "sacm-supervise: no user %s\n", user);
		return 1;
	}
	snprintf(pidfile, sizeof(pidfile), "%s/%s.pid", rundir, name);
	snprintf(suppidfile, sizeof(suppidfile), "%s/%s.supervisor.pid",
	    rundir, name);
	/*
	 * One supervisor per name: the lock says who.  sacm-lab asks
	 * whether a name is supervised by taking the lock for an instant
	 * (flock -n FILE true), so a lock found taken is tried again for a
	 * second: a supervisor holds it for as long as it runs.
	 */
	if ((lockfd = open(suppidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) <
	    0) {
		fprintf(stderr, "sacm-supervise: %s: %s\n", suppidfile,
		    strerror(errno));
		return 1;
	}
	for (int i = 0; flock(lockfd, LOCK_EX | LOCK_NB) < 0; i++) {
		if (errno != EWOULDBLOCK || i == 100) {
			fprintf(stderr, "sacm-supervise: %s is supervised "
			    "already\n", name);
			return 1;
		}
		poll(NULL, 0, 10);
	}
	if (ftruncate(lockfd, 0) < 0 || dprintf(lockfd, "%ld\n",
	    (long)getpid()) < 0)
		return 1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		perror("sacm-supervise: signalfd");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	if ((child = start(pw)) < 0) {
		perror("sacm-supervise: fork");
		return 1;
	}
	started = now();
	for (;;) {
		struct pollfd p = { sfd, POLLIN, 0 };
		struct signalfd_siginfo si;
		long t = now(), left = -1;

		if (st == S_WAITING)
			left = wake > t ? wake - t : 0;
		else if (st == S_STOPPING)
			left = stop_deadline > t ? stop_deadline - t : 0;
		if (left == 0) {
			if (st == S_WAITING) {
				if ((child = start(pw)) > 0) {
					started = now();
					st = S_RUNNING;
				} else
					wake = now() + delay;
			} else if (st == S_STOPPING && child > 0)
				kill(child, SIGKILL);
			left = st == S_STOPPING ? 1 : -1;
		}
		if (poll(&p, 1, left < 0 ? -1 : (int)(left * 1000)) <= 0)
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		switch (si.ssi_signo) {
		case SIGHUP:
			if (st == S_RUNNING)
				kill(child, SIGHUP);
			break;
		case SIGTERM:
		case SIGINT:
			if (st == S_RUNNING) {
				kill(child, SIGTERM);
				st = S_STOPPING;
				stop_deadline = now() + STOP_GRACE;
			} else if (st == S_WAITING)
				goto out;
			break;
		case SIGCHLD:
			while (child > 0 && waitpid(child, &status, WNOHANG) ==
			    child) {
				long ran = now() - started;

				child = -1;
				unlink(pidfile);
				if (st == S_STOPPING)
					goto out;
				if (ran >= 60)
					delay = DELAY_MIN;
				if (WIFSIGNALED(status))
					say("%s (%s) killed by signal %d after "
					    "%lds; restarting in %lds", name,
					    strrchr(argv_prog[0], '/') ?
					    strrchr(argv_prog[0], '/') + 1 :
					    argv_prog[0], WTERMSIG(status), ran,
					    delay);
				else
					say("%s (%s) exited with status %d "
					    "after %lds; restarting in %lds",
					    name, strrchr(argv_prog[0], '/') ?
					    strrchr(argv_prog[0], '/') + 1 :
					    argv_prog[0], WEXITSTATUS(status),
					    ran, delay);
				wake = now() + delay;
				delay = delay * 2 > DELAY_MAX ? DELAY_MAX :
				    delay * 2;
				st = S_WAITING;
			}
			break;
		}
	}
out:
	unlink(pidfile);
	unlink(suppidfile);
	return 0;
}
