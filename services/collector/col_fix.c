/*
 * col_fix.c - remediation: a fix an operator approved, run on the target.
 *
 * Off unless the configuration says `remediate = yes`; then a request on
 * sacm/remediation/requests for this endpoint becomes a job like a
 * collection (col_job.c), with a step before it:
 *
 *   fetch the script (blob) -> its sha256 must be the approved one ->
 *   noted as run (never twice, even across a restart) -> run by the
 *   helper -> exit status and output on sacm/remediation/results ->
 *   collect at once, under the same request id
 *
 * A collector that refuses (remediate = no, a digest that differs, a
 * type it does not run) says so on sacm/remediation/results and collects
 * nothing.
 *
 * The helper.  Collecting needs to read every file; fixing needs root.
 * The grid-facing process gives root up (col_priv.c), so with remediate
 * = yes one process is forked before that, keeps root, closes everything
 * but its socket, and does one thing: run the script it is sent.  The
 * script runs in its own session under a clean environment, with its
 * output into a memory file, killed with its process group at the time
 * limit.  For a target tree (root option) it runs chrooted into the tree
 * in mount, UTS and IPC namespaces of its own, so that a mount or a
 * hostname it sets stays there; for the host itself (no root option) it
 * runs on the host, as `sudo ./fix.sh` would.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blob.h"
#include "buf.h"
#include "col.h"
#include "log.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlutil.h"

#define FIX_MAX		(16u << 20)	/* a script, decoded */
#define OUTPUT_MAX	(64u << 10)	/* the output kept: its end */

struct fix_req {
	uint32_t	len;		/* script bytes that follow */
	uint32_t	timeout;	/* seconds */
};

struct fix_rep {
	int32_t		status;		/* exit code, or -signal */
	uint32_t	timed_out;
	uint32_t	ms;
	uint32_t	outlen;		/* output bytes that follow */
	char		err[256];	/* the helper could not run it */
};

/* ---- the helper (root) ------------------------------------------------ */

static int
full_read(int fd, void *p, size_t n)
{
	for (size_t got = 0; got < n; ) {
		ssize_t r = read(fd, (char *)p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int
full_write(int fd, const void *p, size_t n)
{
	for (size_t put = 0; put < n; ) {
		ssize_t r = write(fd, (const char *)p + put, n - put);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		put += (size_t)r;
	}
	return 0;
}

/* The script's process: never returns. */
static void
run_script(const char *root, int script, int out, long timeout)
{
	static char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		    "/sbin:/bin",
		"HOME=/root", "LANG=C.UTF-8", "SACM_REMEDIATION=1", NULL };
	/* bash reads the whole script from fd 3, then runs it: nothing of
	 * the tree needs to be mounted (no /proc, no /dev/fd) */
	static char *const argv[] = { "bash", "-c",
	    "IFS= read -r -d '' s <&3; exec 3<&-; eval \"$s\"",
	    "sacm-remediation", NULL };
	struct rlimit cpu = { (rlim_t)timeout + 5, (rlim_t)timeout + 10 };
	int null = open("/dev/null", O_RDONLY);
	sigset_t none;

	(void)setsid();
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (root && strcmp(root, "/") != 0) {
		if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    chroot(root) < 0 || chdir("/") < 0) {
			dprintf(out, "sacm-collector: cannot enter %s: %s\n",
			    root, strerror(errno));
			_exit(126);
		}
	} else if (chdir("/") < 0)
		_exit(126);
	(void)setrlimit(RLIMIT_CPU, &cpu);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(out, 2) < 0 || dup2(script, 3) < 0)
		_exit(126);
	(void)lseek(3, 0, SEEK_SET);
	(void)close_range(4, ~0u, 0);
	/* what the daemon ignores or blocks, the script gets as usual */
	for (int sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	umask(022);
	execve("/bin/bash", argv, env);
	dprintf(2, "sacm-collector: /bin/bash on the target: %s\n",
	    strerror(errno));
	_exit(127);
}

/* One request: run it, answer.  -1 when the daemon is gone. */
static int
serve_one(int sock, const char *root)
{
	struct fix_req q;
	struct fix_rep a;
	struct timespec t0, t1;
	char *script = NULL, *out = NULL;
	int sfd = -1, ofd = -1, status = 0;
	pid_t pid;

	if (full_read(sock, &q, sizeof(q)) < 0 || q.len > FIX_MAX)
		return -1;
	memset(&a, 0, sizeof(a));
	if ((script = malloc(q.len + 1)) == NULL || full_read(sock, script,
	    q.len) < 0) {
		free(script);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((sfd = memfd_create("sacm-fix", MFD_CLOEXEC)) < 0 ||
	    (ofd = memfd_create("sacm-fix-output", MFD_CLOEXEC)) < 0 ||
	    full_write(sfd, script, q.len) < 0) {
		snprintf(a.err, sizeof(a.err), "memfd: %s", strerror(errno));
		goto answer;
	}
	if ((pid = fork()) < 0) {
		snprintf(a.err, sizeof(a.err), "fork: %s", strerror(errno));
		goto answer;
	}
	if (pid == 0)
		run_script(root, sfd, ofd, q.timeout);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid || (w < 0 && errno != EINTR))
			break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (!a.timed_out && t1.tv_sec - t0.tv_sec >= (long)q.timeout) {
			a.timed_out = 1;
			(void)kill(-pid, SIGKILL);
			(void)kill(pid, SIGKILL);
		}
		usleep(50000);
	}
	/* what the script left running in its session goes too */
	(void)kill(-pid, SIGKILL);
	a.status = WIFEXITED(status) ? WEXITSTATUS(status) :
	    WIFSIGNALED(status) ? -WTERMSIG(status) : -1;
	{
		off_t end = lseek(ofd, 0, SEEK_END);
		off_t from = end > (off_t)OUTPUT_MAX ? end - OUTPUT_MAX : 0;

		if (end > 0 && (out = malloc((size_t)(end - from))) != NULL &&
		    pread(ofd, out, (size_t)(end - from), from) ==
		    end - from)
			a.outlen = (uint32_t)(end - from);
	}
answer:
	clock_gettime(CLOCK_MONOTONIC, &t1);
	a.ms = (uint32_t)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec -
	    t0.tv_nsec) / 1000000);
	if (sfd >= 0)
		close(sfd);
	if (ofd >= 0)
		close(ofd);
	free(script);
	status = full_write(sock, &a, sizeof(a)) < 0 || (a.outlen &&
	    full_write(sock, out, a.outlen) < 0) ? -1 : 0;
	free(out);
	return status;
}

int
col_fix_helper(struct col *c, char *err, size_t errlen)
{
	int sv[2];
	pid_t pid;

	c->fix_sock = -1;
	if (!c->conf.remediate)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    (pid = fork()) < 0) {
		snprintf(err, errlen, "remediation helper: %s",
		    strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* nothing of the daemon's: not its grid connection, not
		 * its state directory */
		if (dup2(sv[1], 3) < 0)
			_exit(1);
		(void)close_range(4, ~0u, 0);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGPIPE, SIG_IGN);
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		while (serve_one(3, c->conf.root) == 0)
			;
		_exit(0);
	}
	close(sv[1]);
	c->fix_sock = sv[0];
	c->fix_helper = pid;
	log_info("remediate = yes: fixes operators approve run here, as %s",
	    geteuid() == 0 ? "root" : "this user");
	return 0;
}

/* ---- the daemon's side ------------------------------------------------ */

void
col_fix_free(struct col_fix *f)
{
	if (f == NULL)
		return;
	blob_ref_free(&f->ref);
	free(f->type);
	free(f->by);
	free(f->from);
	free(f);
}

/* <remediation-result/>, item "<endpoint>/<request>".  state: applied,
 * failed or refused; output may be NULL. */
static void
answer(struct col *c, const char *request, const char *sha256,
    const char *state, const struct fix_rep *a, const char *output,
    const char *reason)
{
	struct buf b;
	char item[600], used[700], when[32];

	time_iso(when, 0);
	buf_init(&b, 1 << 20);
	buf_adds(&b, "<remediation-result xmlns='" SACM_NS "'");
	buf_add_attr(&b, "endpoint", c->id);
	buf_add_attr(&b, "request", request);
	buf_add_attr(&b, "state", state);
	buf_add_attr(&b, "sha256", sha256);
	buf_add_attr(&b, "finished", when);
	if (a && !a->err[0])
		buf_printf(&b, " exit-code='%d' duration-ms='%u'%s",
		    (int)a->status, a->ms, a->timed_out ?
		    " timed-out='true'" : "");
	buf_adds(&b, ">");
	if (reason) {
		buf_adds(&b, "<reason>");
		buf_add_xml(&b, reason);
		buf_adds(&b, "</reason>");
	}
	if (output) {
		buf_printf(&b, "<output truncated='%s'>", a && a->outlen ==
		    OUTPUT_MAX ? "true" : "false");
		buf_add_xml(&b, output);
		buf_adds(&b, "</output>");
	}
	buf_adds(&b, "</remediation-result>");
	snprintf(item, sizeof(item), "%.127s/%.400s", c->id, request);
	if (b.data == NULL || pubsub_publish_own(c->g,
	    TOPIC_REMEDIATION_RESULTS, item, b.data, used, sizeof(used)) < 0)
		log_warnx("remediation %s: the result (%s) was not published: "
		    "%s", request, state, grid_errstr(c->g));
	else
		log_info("remediation %s: %s (published as %s)", request, state,
		    used);
	buf_free(&b);
}

void
col_fix_refuse(struct col *c, const char *request, const char *sha256,
    const char *why)
{
	log_warnx("remediation %s refused: %s", request, why);
	answer(c, request, sha256, "refused", NULL, NULL, why);
}

/* The requests run before, one per line: a fix runs at most once. */
static int
ran_before(struct col *c, const char *request, int note)
{
	char p[4200];
	FILE *f;

	snprintf(p, sizeof(p), "%.4000s/remediations", c->conf.state_dir);
	if (col_lines_has(p, request, 64u << 20))
		return 1;
	if (!note)
		return 0;
	if ((f = fopen(p, "a")) == NULL || fprintf(f, "%s\n", request) < 0 ||
	    fflush(f) != 0 || fsync(fileno(f)) < 0) {
		log_warn("%s", p);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

int
col_fix_parse(struct col *c, xmlNodePtr req, const char *request,
    struct col_fix **out)
{
	struct col_fix *f;
	char err[256], *sha = xml_prop(req, "sha256");

	*out = NULL;
	if (!blob_sha256_ok(sha)) {
		free(sha);
		log_warnx("remediation %s ignored: no sha256", request);
		return -EINVAL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		free(sha);
		return -ENOMEM;
	}
	memcpy(f->sha256, sha, 65);
	free(sha);
	f->type = xml_prop(req, "type");
	f->by = xml_prop(req, "approved-by");
	f->from = xml_prop(req, "evaluation");
	if (!c->conf.remediate) {
		col_fix_refuse(c, request, f->sha256, "remediation is off on "
		    "this collector (remediate = no)");
		col_fix_free(f);
		return -EPERM;
	}
	if (f->type == NULL || strcmp(f->type, "bash") != 0) {
		col_fix_refuse(c, request, f->sha256, "only bash fixes are "
		    "run here");
		col_fix_free(f);
		return -EINVAL;
	}
	if (blob_ref_from_xml(xml_child(req, "blob", BLOB_NS), &f->ref, err,
	    sizeof(err)) < 0) {
		col_fix_refuse(c, request, f->sha256, err);
		col_fix_free(f);
		return -EINVAL;
	}
	if (ran_before(c, request, 0)) {
		log_info("remediation %s ran before; not again", request);
		col_fix_free(f);
		return -EALREADY;
	}
	*out = f;
	return 0;
}

int
col_fix_start(struct col *c, struct col_job *j)
{
	struct col_fix *f = j->fix;
	struct fix_req q;
	char err[1024], sha[65], why[400], *script = NULL;
	size_t len;
	int r;

	if ((r = blob_get(c->g, &f->ref, FIX_MAX, &script, &len, err,
	    sizeof(err))) < 0) {
		col_fix_refuse(c, j->request, f->sha256, err);
		return r;
	}
	blob_sha256_hex(script, len, sha);
	if (strcmp(sha, f->sha256) != 0) {
		snprintf(why, sizeof(why), "the script's sha256 is %s, not the "
		    "approved %s", sha, f->sha256);
		col_fix_refuse(c, j->request, f->sha256, why);
		free(script);
		return -EBADMSG;
	}
	/* noted before it runs: a crash while it runs does not run it
	 * again */
	if (c->fix_sock < 0 || ran_before(c, j->request, 1) != 0) {
		col_fix_refuse(c, j->request, f->sha256, c->fix_sock < 0 ?
		    "the remediation helper is gone" : "cannot note the "
		    "remediation in the state directory");
		free(script);
		return -EIO;
	}
	q.len = (uint32_t)len;
	q.timeout = (uint32_t)c->conf.remediate_timeout;
	if (full_write(c->fix_sock, &q, sizeof(q)) < 0 ||
	    full_write(c->fix_sock, script, len) < 0) {
		col_fix_refuse(c, j->request, f->sha256, "the remediation "
		    "helper is gone");
		free(script);
		return -EIO;
	}
	free(script);
	log_info("remediation %s: running the %zu-byte fix approved by %s "
	    "(sha256 %.16s...)", j->request, len, f->by ? f->by : "?",
	    f->sha256);
	c->fixing = 1;
	return 0;
}

int
col_fix_poll(struct col *c)
{
	struct pollfd p = { c->fix_sock, POLLIN, 0 };
	struct fix_rep a;
	char *out = NULL;
	const char *state;

	if (!c->fixing)
		return 0;
	if (poll(&p, 1, 0) <= 0)
		return 0;
	c->fixing = 0;
	if (full_read(c->fix_sock, &a, sizeof(a)) < 0 || a.outlen >
	    OUTPUT_MAX || (out = calloc(1, a.outlen + 1)) == NULL ||
	    full_read(c->fix_sock, out, a.outlen) < 0) {
		free(out);
		close(c->fix_sock);
		c->fix_sock = -1;
		answer(c, c->running->request, c->running->fix->sha256,
		    "failed", NULL, NULL, "the remediation helper is gone");
		return 1;
	}
	a.err[sizeof(a.err) - 1] = '\0';
	state = a.err[0] == '\0' && a.status == 0 && !a.timed_out ?
	    "applied" : "failed";
	log_info("remediation %s: %s after %.1f s, exit status %d%s",
	    c->running->request, state, a.ms / 1000.0, (int)a.status,
	    a.timed_out ? " (over the time limit: stopped)" : "");
	answer(c, c->running->request, c->running->fix->sha256, state, &a,
	    out, a.err[0] ? a.err : a.timed_out ? "over remediate_timeout: "
	    "stopped" : NULL);
	free(out);
	return 1;
}

void
col_fix_stop(struct col *c)
{
	if (c->fix_sock >= 0)
		close(c->fix_sock);
	c->fix_sock = -1;
	if (c->fix_helper > 0) {
		(void)kill(c->fix_helper, SIGTERM);
		(void)waitpid(c->fix_helper, NULL, 0);
		c->fix_helper = 0;
	}
}
