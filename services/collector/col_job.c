/*
 * col_job.c - one collection at a time.
 *
 * A job's states: queued -> fetching (the policy, in the daemon, which
 * needs the grid) -> collecting (in a child process at low priority,
 * killed at the time limit) -> an outbox entry, collected or failed.
 * The daemon keeps serving the grid while the child works.  The child
 * uses libopenscap in-process, exactly as before the fork; doing it in a
 * child gives the time limit, the priority and the peak memory figure,
 * and a probe that crashes cannot take the daemon with it.  The child
 * collects the platform checks (CPE-OVAL) in a process of its own beside
 * the policy's objects (cpe_main).
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "col.h"
#include "collect.h"
#include "ds.h"
#include "inventory.h"
#include "log.h"
#include "policy.h"
#include "scap.h"
#include "topics.h"
#include "xmlutil.h"

static const char *const reason_names[] = { "request", "change", "periodic" };

static int
put(const char *dir, const char *name, const char *data, size_t len)
{
	char p[4200];

	snprintf(p, sizeof(p), "%.4000s/%s", dir, name);
	return child_write_file(p, data, len);
}

/* ---- the child ------------------------------------------------------- */

/* The inventory, when the system has dpkg (a system without has none to
 * report: that is no failure). */
static int
put_inventory(struct col *c, const char *dir)
{
	struct buf inv;
	char err[1024];
	int r = 0;

	buf_init(&inv, 64u << 20);
	if (inv_dpkg(c->conf.root, &inv, err, sizeof(err)) == 0)
		r = put(dir, "inventory.xml", inv.data, inv.len);
	else
		fprintf(stderr, "no software inventory: %s\n", err);
	buf_free(&inv);
	return r;
}

/* A targeted collection: the objects of the request's OVAL document, as
 * the report's OVAL system characteristics, and the inventory. */
static int
child_targeted(struct col *c, const struct col_job *j, const char *dir,
    char *err, size_t errlen)
{
	char *sc = NULL;
	size_t sclen = 0;
	int r;

	if ((r = collect_syschar(j->targeted, strlen(j->targeted), NULL, 0,
	    NULL, 0, c->conf.root, &sc, &sclen, err, errlen)) < 0)
		return r;
	if ((r = put(dir, "oval.xml", sc, sclen)) == 0)
		r = put_inventory(c, dir);
	if (r < 0)
		snprintf(err, errlen, "writing to %.1000s: %s", dir,
		    strerror(-r));
	free(sc);
	return r;
}

/*
 * The platform checks: the whole CPE-OVAL component, if any, into
 * cpe-oval.xml.  They need no plan, so they are collected in a process of
 * their own (cpe_main) while this one plans and collects the policy's
 * objects: on two cores that hides the 0.3 to 0.7 s they take.  That
 * process dies with this one (child_start), under the same limits.
 */
static int
cpe_collect(struct col *c, const char *dir, char *err, size_t errlen)
{
	char *coval = NULL, *csc = NULL;
	size_t colen = 0, csclen = 0;
	int r;

	r = ds_cpe_oval(c->ds, c->dslen, &coval, &colen, err, errlen);
	if (r == -ENOENT)
		return 0;
	if (r == 0)
		r = collect_syschar(coval, colen, NULL, 0, NULL, 0,
		    c->conf.root, &csc, &csclen, err, errlen);
	if (r == 0 && (r = put(dir, "cpe-oval.xml", csc, csclen)) < 0)
		snprintf(err, errlen, "writing to %.1000s: %s", dir,
		    strerror(-r));
	free(coval);
	free(csc);
	return r;
}

struct cpe_job {
	struct col	*c;
	const char	*dir;
};

static int
cpe_main(void *arg)
{
	const struct cpe_job *k = arg;
	char err[2048];

	if (cpe_collect(k->c, k->dir, err, sizeof(err)) < 0) {
		(void)put(k->dir, "cpe-error.txt", err, strlen(err));
		return 1;
	}
	return 0;
}

/* Its end.  A fault of its own is this process's: raised again here, so
 * that the daemon runs the collection once more, as for any crash. */
static int
cpe_wait(struct child *k, const char *dir, long timeout_s, char *err,
    size_t errlen)
{
	char path[4200];
	int status, r;

	if ((r = child_wait(k, &status)) < 0) {
		snprintf(err, errlen, "the platform checks: %s", strerror(-r));
		return r;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
	}
	snprintf(path, sizeof(path), "%.4000s/cpe-error.txt", dir);
	child_failure(k, status, path, timeout_s, err, errlen);
	return -EIO;
}

static int
child_collect(struct col *c, const struct col_job *j, const char *dir,
    char *err, size_t errlen)
{
	struct collect_plan p;
	struct buf w;
	struct child cpe;
	struct cpe_job k = { c, dir };
	char *oval = NULL, *sc = NULL;
	size_t olen = 0, sclen = 0;
	int r;

	if (j->targeted)
		return child_targeted(c, j, dir, err, errlen);
	memset(&cpe, 0, sizeof(cpe));
	(void)child_start(&cpe, c->conf.timeout, 0, cpe_main, &k);
	if ((r = collect_plan(c->ds, c->dslen, c->tl, c->tllen, j->profile, &p,
	    err, errlen)) < 0) {
		child_kill(&cpe);
		return r;
	}
	malloc_trim(0);		/* the benchmark's model is gone */
	if (p.oval_href == NULL) {
		snprintf(err, errlen, "the profile selects no OVAL checks");
		child_kill(&cpe);
		collect_plan_free(&p);
		return -EINVAL;
	}
	buf_init(&w, 64u << 20);
	if ((r = ds_component(c->ds, c->dslen, p.oval_href, &oval, &olen,
	    err, errlen)) < 0 || (malloc_trim(0), 0) ||
	    (r = collect_syschar(oval, olen, p.variables, p.variables_len,
	    p.defs, p.ndefs, c->conf.root, &sc, &sclen, err, errlen)) < 0)
		goto out;
	/* the platform checks, in their process or (no fork) here */
	r = cpe.pid ? cpe_wait(&cpe, dir, c->conf.timeout, err, errlen) :
	    cpe_collect(c, dir, err, errlen);
	if (r < 0)
		goto out;
	if ((r = put(dir, "oval.xml", sc, sclen)) < 0) {
		snprintf(err, errlen, "writing to %.1000s: %s", dir,
		    strerror(-r));
		goto out;
	}
	r = put_inventory(c, dir);
	if (r == 0 && collect_watch_paths(oval, olen, sc, sclen, &w, err,
	    errlen) == 0)
		r = put(dir, "watch.txt", w.data ? w.data : "", w.len);
	if (r < 0)
		snprintf(err, errlen, "writing to %.1000s: %s", dir,
		    strerror(-r));
out:
	child_kill(&cpe);	/* (gone already when it was waited for) */
	buf_free(&w);
	free(oval);
	free(sc);
	collect_plan_free(&p);
	return r;
}

/* The child's main: collect, or say why not in error.txt. */
static int
child_main(void *arg)
{
	struct col *c = arg;
	char err[2048];

	col_priv_child(c);
	if (child_collect(c, c->running, c->workdir, err, sizeof(err)) < 0) {
		(void)put(c->workdir, "error.txt", err, strlen(err));
		return 1;
	}
	return 0;
}

/* ---- the daemon's side ----------------------------------------------- */

void
col_enqueue(struct col *c, struct col_job *j)
{
	for (struct fifo_node *n = c->jobs.head; n; n = n->next) {
		struct col_job *q = (struct col_job *)n;

		if ((j->request && q->request &&
		    strcmp(j->request, q->request) == 0) ||
		    (j->reason != REASON_REQUEST && q->reason == j->reason &&
		    strcmp(q->policy_id, j->policy_id) == 0 &&
		    !strcmp(q->profile ? q->profile : "", j->profile ?
		    j->profile : ""))) {
			col_job_free(j);	/* the same job is waiting */
			return;
		}
	}
	if (fifo_push(&c->jobs, &j->node) < 0) {
		log_warnx("%s: %zu collections waiting already; refused",
		    j->request ? j->request : reason_names[j->reason],
		    c->jobs.n);
		col_job_free(j);
	}
}

static void
remember(struct col *c, const struct col_job *j)
{
	struct col_known *k = NULL;
	size_t i;

	for (i = 0; i < c->nknown; i++)
		if (strcmp(c->known[i].policy_id, j->policy_id) == 0 &&
		    !strcmp(c->known[i].profile ? c->known[i].profile : "",
		    j->profile ? j->profile : ""))
			k = &c->known[i];
	if (k == NULL) {
		if (c->nknown == COL_KNOWN_MAX) {	/* forget the oldest */
			free(c->known[0].policy);
			free(c->known[0].base);
			free(c->known[0].policy_id);
			free(c->known[0].profile);
			memmove(&c->known[0], &c->known[1],
			    (COL_KNOWN_MAX - 1) * sizeof(c->known[0]));
			c->nknown--;
		}
		k = &c->known[c->nknown++];
		memset(k, 0, sizeof(*k));
		k->policy_id = strdup(j->policy_id);
		k->profile = j->profile ? strdup(j->profile) : NULL;
	}
	free(k->policy);
	free(k->base);
	k->policy = strdup(j->policy);
	k->base = j->base ? strdup(j->base) : NULL;
}

void
col_repeat(struct col *c, enum col_reason why)
{
	if (c->nknown == 0 && c->targeted && why == REASON_CHANGE) {
		struct col_job *j = calloc(1, sizeof(*j));

		if (j == NULL || (j->targeted = strdup(c->targeted)) == NULL ||
		    (j->policy_id = strdup(c->targeted_id)) == NULL) {
			col_job_free(j);
			return;
		}
		j->reason = why;
		log_info("%s: the targeted collection for definitions %.12s "
		    "again (the inventory may have changed)",
		    reason_names[why], j->policy_id);
		col_enqueue(c, j);
		return;
	}
	for (size_t i = 0; i < c->nknown; i++) {
		struct col_job *j = calloc(1, sizeof(*j));

		if (j == NULL || (j->policy = strdup(c->known[i].policy)) ==
		    NULL || (c->known[i].base && (j->base =
		    strdup(c->known[i].base)) == NULL) ||
		    (j->policy_id = strdup(c->known[i].policy_id)) ==
		    NULL || (c->known[i].profile && (j->profile =
		    strdup(c->known[i].profile)) == NULL)) {
			col_job_free(j);
			return;
		}
		j->reason = why;
		log_info("%s: collecting again for policy %.12s, profile %s",
		    reason_names[why], j->policy_id, j->profile ? j->profile :
		    "(default)");
		col_enqueue(c, j);
	}
}

/* The report, without its blobs, and its item id, into the work dir. */
static int
write_report(struct col *c, const struct col_job *j, unsigned long seq,
    long ms, long rss_kb, const char *failure)
{
	struct buf b;
	char when[32], item[600];
	int r;

	time_iso(when, 0);
	buf_init(&b, 1 << 20);
	buf_adds(&b, "<posture-report xmlns='" SACM_NS "' endpoint='");
	buf_add_xml(&b, c->id);
	buf_adds(&b, "' hostname='");
	buf_add_xml(&b, c->host);
	buf_adds(&b, "' platform='");
	buf_add_xml(&b, c->os);
	buf_adds(&b, "' request='");
	buf_add_xml(&b, j->request);
	buf_adds(&b, "' policy='");
	buf_add_xml(&b, j->policy_id);
	buf_adds(&b, "'");
	/* none for the benchmark's default, and for a targeted collection
	 * (an empty one is no identifier) */
	buf_add_attr(&b, "profile", j->profile);
	buf_printf(&b, " reason='%s' sequence='%lu' collected='%s' "
	    "duration-ms='%ld'", reason_names[j->reason], seq, when, ms);
	if (j->targeted)
		buf_adds(&b, " kind='targeted'");
	if (rss_kb > 0)
		buf_printf(&b, " max-rss-kb='%ld'", rss_kb);
	buf_printf(&b, " state='%s'>", failure ? "failed" : "collected");
	if (failure) {
		buf_adds(&b, "<reason>");
		buf_add_xml(&b, failure);
		buf_adds(&b, "</reason>");
	}
	buf_adds(&b, "</posture-report>");
	snprintf(item, sizeof(item), "%.127s/%.400s", c->id, j->request);
	if (b.data == NULL)
		r = -E2BIG;
	else if ((r = put(c->workdir, "report.xml", b.data, b.len)) == 0)
		r = put(c->workdir, "item", item, strlen(item));
	buf_free(&b);
	return r;
}

/* The job is over, one way or another: into the outbox with it. */
static void
finish(struct col *c, long rss_kb, const char *failure)
{
	struct col_job *j = c->running;
	long ms = child_elapsed_ms(&c->child);
	unsigned long seq = strtoul(strrchr(c->workdir, '/') + 1, NULL, 10);

	if (failure)
		log_warnx("%s %s: collection failed after %.1f s: %s",
		    reason_names[j->reason], j->request, ms / 1000.0, failure);
	else
		log_info("%s %s: collected in %.1f s (peak %ld MB)",
		    reason_names[j->reason], j->request, ms / 1000.0,
		    rss_kb / 1024);
	if (write_report(c, j, seq, ms, rss_kb, failure) < 0 ||
	    col_outbox_commit(c, c->workdir, seq) < 0)
		log_warnx("%s: the report could not be written to %s",
		    j->request, c->workdir);
	c->running = NULL;
	col_job_free(j);
}

static void launch(struct col *);

/*
 * A child that died of a fault of its own (not our deadline's SIGKILL,
 * not a SIGTERM from outside): libopenscap's probes run in threads, and
 * one crashed now and then in the compose lab (SIGSEGV after 1.4 s; the
 * next collections of the same policy on the same target were fine).
 * Such a collection is run once more before it counts as failed.
 */
#define COL_CRASH_RETRIES	1

static int
crashed(const struct child *ch, int status)
{
	int sig;

	if (!WIFSIGNALED(status) || ch->timed_out)
		return 0;
	sig = WTERMSIG(status);
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGABRT ||
	    sig == SIGILL || sig == SIGFPE;
}

static void
reap(struct col *c, int status, const struct rusage *ru)
{
	char err[2048] = "", p[4096];
	struct buf b;

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		/* a targeted collection is repeated on change only when
		 * no policy is (col_repeat) */
		if (c->running->targeted == NULL)
			remember(c, c->running);
		else if (c->running->policy_id) {
			free(c->targeted);
			free(c->targeted_id);
			c->targeted = strdup(c->running->targeted);
			c->targeted_id = strdup(c->running->policy_id);
			if (c->targeted == NULL || c->targeted_id == NULL) {
				free(c->targeted);
				c->targeted = NULL;
			}
		}
		if (c->conf.watch) {
			snprintf(p, sizeof(p), "%.4000s/watch.txt", c->workdir);
			buf_init(&b, 64u << 20);
			/* a targeted collection leaves no list and keeps a
			 * policy's: the package database alone is watched
			 * when no policy was collected */
			if (buf_read_file(&b, p) == 0)
				col_watch_set(c->watch, c->conf.root,
				    b.data ? b.data : "");
			else if (c->nknown == 0)
				col_watch_set(c->watch, c->conf.root, "");
			buf_free(&b);
			unlink(p);
		}
		finish(c, ru->ru_maxrss, NULL);
		return;
	}
	snprintf(p, sizeof(p), "%.4000s/error.txt", c->workdir);
	child_failure(&c->child, status, p, c->conf.timeout, err,
	    sizeof(err));
	if (crashed(&c->child, status) &&
	    c->running->crashed++ < COL_CRASH_RETRIES) {
		log_warnx("%s %s: the collection process crashed after "
		    "%.1f s (%s); collecting once more",
		    reason_names[c->running->reason], c->running->request,
		    child_elapsed_ms(&c->child) / 1000.0, err);
		launch(c);
		return;
	}
	finish(c, ru->ru_maxrss, err);
}

static void
launch(struct col *c)
{
	char err[256];
	int r;

	if ((r = child_start(&c->child, c->conf.timeout, (int)c->conf.nice,
	    child_main, c)) < 0) {
		snprintf(err, sizeof(err), "fork: %s", strerror(-r));
		finish(c, 0, err);
	}
}

static void
start(struct col *c, struct col_job *j)
{
	char err[1024], name[64];
	unsigned long seq = col_outbox_next_seq(c);
	int r = 0;

	c->running = j;
	child_reset(&c->child);
	if (j->request == NULL) {
		snprintf(name, sizeof(name), "%s-%lu", reason_names[j->reason],
		    seq);
		j->request = strdup(name);
	}
	snprintf(c->workdir, sizeof(c->workdir), "%s/work/%012lu",
	    c->conf.state_dir, seq);
	if (j->request == NULL || mkdir(c->workdir, 0700) < 0) {
		log_warn("%s", c->workdir);
		c->running = NULL;
		col_job_free(j);
		return;
	}
	log_info("%s %s: %s %.12s, profile %s", reason_names[j->reason],
	    j->request, j->targeted ? "targeted collection for definitions" :
	    "policy", j->policy_id, j->profile ? j->profile : "(default)");
	if (j->targeted == NULL && (c->ds_id == NULL ||
	    strcmp(c->ds_id, j->policy_id) != 0)) {
		free(c->ds);
		free(c->tl);
		free(c->ds_id);
		c->ds = c->tl = c->ds_id = NULL;
		if ((r = policy_fetch_pair(c->g, j->policy, j->base,
		    (size_t)c->conf.max_content, &c->ds, &c->dslen, &c->tl,
		    &c->tllen, err, sizeof(err))) < 0) {
			finish(c, 0, err);
			return;
		}
		c->ds_id = strdup(j->policy_id);
	}
	/* A fix first: refused, the job ends without a report (the refusal
	 * is the answer); else the collection starts once it has run. */
	if (j->fix && col_fix_start(c, j) < 0) {
		(void)rmdir(c->workdir);
		c->running = NULL;
		col_job_free(j);
		return;
	}
	if (!c->fixing)
		launch(c);
}

void
col_job_tick(struct col *c)
{
	time_t now = time(NULL);

	if (c->child.pid) {
		struct rusage ru;
		int status, r = child_poll(&c->child, &status, &ru);

		if (r > 0 && c->child.timed_out)
			log_warnx("%s: over the time limit of %ld s; stopped",
			    c->running->request, c->conf.timeout);
		if (r > 0)
			reap(c, status, &ru);
		else if (r < 0) {
			log_warnx("wait: %s", strerror(-r));
			finish(c, 0, "the collection process was lost");
		}
	}
	if (c->fixing && col_fix_poll(c))
		launch(c);		/* what the fix changed, collected */
	if (c->conf.interval > 0 && now >= c->next_periodic) {
		if (c->next_periodic)
			col_repeat(c, REASON_PERIODIC);
		c->next_periodic = now + c->conf.interval;
	}
	if (c->conf.watch && col_watch_poll(c->watch, c->conf.settle_ms))
		col_repeat(c, REASON_CHANGE);
	if (c->running == NULL && c->jobs.head) {
		if (col_outbox_count(c) >= (size_t)c->conf.outbox_max) {
			if (!c->outbox_full_logged)
				log_warnx("outbox full (%ld reports): no new "
				    "collection until the grid takes them",
				    c->conf.outbox_max);
			c->outbox_full_logged = 1;
			return;
		}
		c->outbox_full_logged = 0;
		start(c, (struct col_job *)fifo_pop(&c->jobs));
	}
}

void
col_job_stop(struct col *c)
{
	struct fifo_node *n;

	if (c->child.pid || c->fixing) {
		if (c->child.pid)
			child_kill(&c->child);
		log_info("%s: %s abandoned (stopping)", c->running->request,
		    c->fixing ? "remediation" : "collection");
		col_job_free(c->running);
		c->running = NULL;
		c->fixing = 0;
	}
	col_fix_stop(c);
	while ((n = fifo_pop(&c->jobs)) != NULL)
		col_job_free((struct col_job *)n);
	for (size_t i = 0; i < c->nknown; i++) {
		free(c->known[i].policy);
		free(c->known[i].base);
		free(c->known[i].policy_id);
		free(c->known[i].profile);
	}
	free(c->targeted);
	free(c->targeted_id);
	free(c->ds);
	free(c->tl);
	free(c->ds_id);
}
