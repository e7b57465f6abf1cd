/*
 * ev_job.c - up to capacity evaluations at a time.
 *
 * A job: checked (the posture is for this endpoint, policy and profile,
 * and was collected) -> policy and posture fetched and verified -> the
 * policy loaded, or taken from the cache of loaded policies -> evaluated
 * in a child forked from this process, so that the loaded policy stays
 * pristine for the next endpoint and an evaluation that overruns
 * eval_timeout can be stopped -> the result published, with the ARF as a
 * blob.  A job that cannot be done gets a failed result with the reason.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blob.h"
#include "buf.h"
#include "ev.h"
#include "evaluate.h"
#include "log.h"
#include "policy.h"
#include "pubsub.h"
#include "scap.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"



void
ev_enqueue(struct ev *e, struct ev_job *j)
{
	if (fifo_push(&e->jobs, &j->node) < 0) {
		log_warnx("%s: %zu requests waiting already; refused (the "
		    "orchestrator assigns it again)", j->request, e->jobs.n);
		ev_job_free(j);
	}
}

int
ev_busy(const struct ev *e, const char *request)
{
	for (size_t i = 0; i < EV_RUNS_MAX; i++)
		if (e->runs[i].job && strcmp(e->runs[i].job->request,
		    request) == 0)
			return 1;
	for (const struct fifo_node *n = e->jobs.head; n; n = n->next)
		if (strcmp(((const struct ev_job *)n)->request, request) == 0)
			return 1;
	return 0;
}

static long
ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) /
	    1000000;
}

static void
rmdir_flat(const char *dir)
{
	static const char *const files[] = {
		"xccdf.xml", "arf.xml", "rules.xml", "error.txt",
		"tailoring.xml",
	};
	char p[4096];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%.3000s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* Counts per result and the score, from the rule results document. */
static void
summarize(const char *rules, size_t len, struct buf *b)
{
	long n[SCAP_NRESULTS] = { 0 };
	char err[256], *v;
	xmlDocPtr doc;
	xmlNodePtr root;

	if (xmlsafe_parse_root(rules, len, 64u << 20, "rule-results", SACM_NS,
	    &doc, err, sizeof(err)) < 0)
		return;
	root = xmlDocGetRootElement(doc);
	for (xmlNodePtr r = root->children; r; r = r->next) {
		if (!xml_is(r, "rule", SACM_NS) ||
		    (v = xml_prop(r, "result")) == NULL)
			continue;
		for (size_t i = 0; i < SCAP_NRESULTS; i++)
			if (strcmp(v, scap_result_names[i]) == 0)
				n[i]++;
		free(v);
	}
	v = xml_prop(root, "score");
	buf_add_attr(b, "score", v);
	free(v);
	v = xml_prop(root, "max");
	buf_add_attr(b, "max", v);
	free(v);
	for (size_t i = 0; i < SCAP_NRESULTS; i++)
		buf_printf(b, " %s='%ld'", scap_result_names[i], n[i]);
	xmlFreeDoc(doc);
}

/* A result on its way to the broker: what to log and count when it
 * has it. */
struct sent {
	struct ev	*e;
	unsigned long	*count;		/* a complete result: counted here */
	char		*line;		/* ... and logged so */
	char		*failure;	/* else a failure's */
	long		 ms;
	char		 request[];
};

static void
sent_free(struct sent *s)
{
	free(s->line);
	free(s->failure);
	free(s);
}

static void
sent(struct grid *g, int status, const char *used, void *arg)
{
	struct sent *s = arg;

	if (status < 0)
		log_warnx("%s: publishing the result: %s", s->request,
		    strerror(-status));
	else {
		if (strcmp(used, s->request) != 0)
			log_warnx("%s: another account holds that item id; "
			    "publishing the result as %s", s->request, used);
		if (s->failure) {
			s->e->failed++;
			log_warnx("%s: failed after %.1f s: %s", s->request,
			    s->ms / 1000.0, s->failure);
		} else {
			(*s->count)++;
			log_info("%s", s->line);
		}
	}
	sent_free(s);
}

/*
 * Publishes a result under its request's id without waiting; when
 * another account took that id first (a publisher touches only its own
 * items), under "<request>/<random>", which the orchestrator and the
 * results repository take as the request's too.  An evaluator's jobs
 * do not wait on the broker's answer (three round trips a reused
 * evaluation were most of its time at 1,000 endpoints).
 */
void
ev_put_result(struct ev *e, const struct ev_job *j, const struct buf *b,
    const char *failure, long ms, unsigned long *count, const char *line)
{
	struct sent *s;

	if (b->data == NULL) {
		log_warnx("%s: the result is over max_item_size", j->request);
		return;
	}
	if ((s = calloc(1, sizeof(*s) + strlen(j->request) + 1)) == NULL ||
	    (failure && (s->failure = strdup(failure)) == NULL) ||
	    (line && (s->line = strdup(line)) == NULL)) {
		if (s)
			sent_free(s);
		log_warnx("%s: publishing the result: out of memory",
		    j->request);
		return;
	}
	s->e = e;
	s->count = count;
	s->ms = ms;
	memcpy(s->request, j->request, strlen(j->request) + 1);
	if (pubsub_publish_own_async(e->g, TOPIC_EVALUATION_RESULTS,
	    j->request, b->data, sent, s) < 0) {
		log_warnx("%s: publishing the result: %s", j->request,
		    grid_errstr(e->g));
		sent_free(s);
	}
}

/* Publishes the job's result: complete (rules and ARF) or failed. */
static void
publish(struct ev *e, struct ev_job *j, const char *failure,
    const char *rules, size_t rlen, const char *arf, long ms,
    long peak_mb, const char *reused)
{
	struct buf b;
	char when[32], line[1024];

	time_iso(when, 0);
	buf_init(&b, (size_t)grid_get_conf(e->g)->max_item_size);
	buf_adds(&b, "<evaluation-result xmlns='" SACM_NS "'");
	buf_add_attr(&b, "request", j->request);
	buf_add_attr(&b, "endpoint", j->endpoint);
	buf_add_attr(&b, "hostname", j->hostname);
	buf_add_attr(&b, "assessment", j->assessment);
	buf_add_attr(&b, "policy", j->policy_id);
	buf_add_attr(&b, "profile", j->profile);
	buf_add_attr(&b, "evaluator", e->bare);
	buf_add_attr(&b, "state", failure ? "failed" : "complete");
	buf_add_attr(&b, "evaluated", when);
	buf_printf(&b, " duration-ms='%ld'", ms);
	if (reused)
		buf_add_attr(&b, "reused", reused);
	if (rules)
		summarize(rules, rlen, &b);
	buf_adds(&b, ">");
	if (failure) {
		buf_adds(&b, "<reason>");
		buf_add_xml(&b, failure);
		buf_adds(&b, "</reason>");
	} else {
		buf_add(&b, rules, rlen);
		buf_adds(&b, arf);
	}
	buf_adds(&b, "</evaluation-result>");
	if (reused)
		snprintf(line, sizeof(line), "%s: the evaluation of %s reused "
		    "(same posture) in %.2f s, result published", j->request,
		    reused, ms / 1000.0);
	else
		snprintf(line, sizeof(line), "%s: evaluated in %.1f s (peak "
		    "%ld MB), result published", j->request, ms / 1000.0,
		    peak_mb);
	ev_put_result(e, j, &b, failure, ms, reused ? &e->reused : &e->done,
	    line);
	buf_free(&b);
}

/* The run is over: its job, its work directory and its slot go. */
static void
done(struct ev *e, struct ev_run *run)
{
	if (run->workdir[0])
		rmdir_flat(run->workdir);
	run->workdir[0] = '\0';
	ev_job_free(run->job);
	run->job = NULL;
	e->nrunning--;
}

static void
fail(struct ev *e, struct ev_run *run, const char *why)
{
	if (run->job->vuln)
		ev_vuln_publish(e, run->job, why, NULL, NULL,
		    child_elapsed_ms(&run->child));
	else
		publish(e, run->job, why, NULL, 0, NULL,
		    child_elapsed_ms(&run->child), 0, NULL);
	done(e, run);
}

/* ---- the posture -------------------------------------------------------- */

struct posture {
	char	*sc, *cpe;
	size_t	 sclen, cpelen;
	char	*host;
};

static int
same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* A blob of these bytes was fetched and verified lately. */
static int
verified(const struct ev *e, const struct blob_ref *ref)
{
	for (size_t i = 0; i < EV_VERIFIED_MAX; i++)
		if (e->verified[i].size == ref->size && strcmp(
		    e->verified[i].sha256, ref->sha256) == 0)
			return 1;
	return 0;
}

static void
verified_add(struct ev *e, const struct blob_ref *ref)
{
	struct ev_verified *v;

	if (verified(e, ref))
		return;
	v = &e->verified[e->verified_next++ % EV_VERIFIED_MAX];
	memcpy(v->sha256, ref->sha256, sizeof(v->sha256));
	v->size = ref->size;
}

/*
 * Checks the posture fits the request, then fetches and verifies it
 * (reused or not: a result is only ever of a posture that verifies).
 * With bytes 0 (a reused evaluation reads none), a blob verified lately
 * under the same sha256 and size is not fetched again; its document is
 * then "" in p.
 */
static int
posture(struct ev *e, struct ev_job *j, struct posture *p, int bytes,
    char *err, size_t errlen)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	char *ep, *pol, *prof, *state, why[512];
	int r = 0;

	memset(p, 0, sizeof(*p));
	if (j->posture == NULL || xmlsafe_parse_root(j->posture,
	    strlen(j->posture), 1 << 20, "posture-stored", SACM_NS, &doc, why,
	    sizeof(why)) < 0) {
		snprintf(err, errlen, "no posture in the request");
		return -EINVAL;
	}
	root = xmlDocGetRootElement(doc);
	ep = xml_prop(root, "endpoint");
	pol = xml_prop(root, "policy");
	prof = xml_prop(root, "profile");
	state = xml_prop(root, "state");
	p->host = xml_prop(root, "hostname");
	if (!same(ep, j->endpoint)) {
		snprintf(err, errlen, "the posture is of endpoint %.64s, not "
		    "%.64s", ep ? ep : "?", j->endpoint);
		r = -EINVAL;
	} else if (!same(pol, j->policy_id)) {
		snprintf(err, errlen, "the posture was collected for another "
		    "policy (%.12s)", pol ? pol : "?");
		r = -EINVAL;
	} else if (!same(prof, j->profile)) {
		snprintf(err, errlen, "the posture was collected for another "
		    "profile (%.200s)", prof ? prof : "(default)");
		r = -EINVAL;
	} else if (!same(state, "collected")) {
		snprintf(err, errlen, "the collection failed; there is no "
		    "posture to evaluate");
		r = -EINVAL;
	}
	free(ep); free(pol); free(prof); free(state);
	for (xmlNodePtr c = root->children; r == 0 && c; c = c->next) {
		struct blob_ref ref;
		char *kind, **out;
		size_t *len;

		if (!xml_is(c, "syschar", SACM_NS))
			continue;
		kind = xml_prop(c, "kind");
		out = kind && strcmp(kind, "oval") == 0 ? &p->sc : kind &&
		    strcmp(kind, "cpe-oval") == 0 ? &p->cpe : NULL;
		len = out == &p->sc ? &p->sclen : &p->cpelen;
		free(kind);
		if (out == NULL || *out)
			continue;
		if (blob_ref_from_xml(xml_child(c, "blob", BLOB_NS), &ref, why,
		    sizeof(why)) < 0) {
			snprintf(err, errlen, "posture: %s", why);
			r = -EINVAL;
		} else if (!bytes && verified(e, &ref)) {
			if ((*out = strdup("")) == NULL)
				r = -ENOMEM;
			*len = 0;
			blob_ref_free(&ref);
		} else {
			if ((r = blob_get(e->g, &ref, (size_t)e->conf.max_doc,
			    out, len, why, sizeof(why))) < 0)
				snprintf(err, errlen, "posture: %s", why);
			else
				verified_add(e, &ref);
			blob_ref_free(&ref);
		}
	}
	xmlFreeDoc(doc);
	if (r == 0 && p->sc == NULL) {
		snprintf(err, errlen, "the posture has no OVAL system "
		    "characteristics");
		r = -EINVAL;
	}
	return r;
}

static void
posture_free(struct posture *p)
{
	free(p->sc);
	free(p->cpe);
	free(p->host);
}

/* Another evaluation of key under way (this one waits for it). */
static int
key_running(const struct ev *e, const char *key)
{
	for (size_t i = 0; key[0] && i < EV_RUNS_MAX; i++)
		if (e->runs[i].job && strcmp(e->runs[i].key, key) == 0)
			return 1;
	return 0;
}

/* Publishes the evaluation kept under the run's key, retargeted to this
 * job's endpoint.  0, or -1: not reused (logged; evaluate instead). */
static int
reuse(struct ev *e, struct ev_run *run, const struct ev_done *d,
    const char *host)
{
	struct ev_job *j = run->job;
	struct buf *a = &e->arf_in, *t = &e->arf_out, x;
	struct timespec t0;
	char p[2200], err[512];
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (a->max == 0) {
		buf_init(a, 1u << 30);
		buf_init(t, 1u << 30);
	}
	buf_reset(a);
	buf_reset(t);
	buf_init(&x, 64u << 10);
	ev_reuse_path(e, d->key, p, sizeof(p));
	if ((r = buf_read_file(a, p)) < 0)
		snprintf(err, sizeof(err), "%.300s: %s", p, strerror(-r));
	else if ((r = ev_reuse_retarget(a->data, a->len, host, j->endpoint,
	    t, err, sizeof(err))) == 0)
		r = ev_arf_put(e, t->data, t->len, &x, err, sizeof(err));
	if (r == 0)
		publish(e, j, NULL, d->rules, d->rlen, x.data, ms_since(&t0),
		    0, d->request);
	else
		log_warnx("%s: the evaluation of %s not reused: %s",
		    j->request, d->request, err);
	buf_free(&x);
	return r < 0 ? -1 : 0;
}

/* ---- loaded policies -------------------------------------------------- */

/* The loaded policy for policy_id and profile, marked used; NULL. */
static struct eval *
cached(struct ev *e, const char *policy_id, const char *profile)
{
	for (long i = 0; i < e->conf.cache; i++) {
		struct ev_loaded *l = &e->loaded[i];

		if (l->eval && same(l->policy_id, policy_id) &&
		    same(l->profile, profile)) {
			l->used = time(NULL);
			return l->eval;
		}
	}
	return NULL;
}

/* Loads the policy fetched last (e->ds) for profile into the slot used
 * least lately.  NULL with err. */
static struct eval *
load(struct ev *e, const char *policy_id, const char *profile, char *err,
    size_t errlen)
{
	struct ev_loaded *slot = &e->loaded[0];
	struct timespec a;

	for (long i = 0; i < e->conf.cache; i++) {
		struct ev_loaded *l = &e->loaded[i];

		if (l->eval == NULL || (slot->eval && l->used < slot->used))
			slot = l;
	}
	if (slot->eval) {
		eval_free(slot->eval);
		free(slot->policy_id);
		free(slot->profile);
		memset(slot, 0, sizeof(*slot));
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (eval_load(e->ds, e->dslen, e->tl, e->tllen, profile,
	    e->conf.state_dir, &slot->eval, err, errlen) < 0)
		return NULL;
	slot->policy_id = strdup(policy_id);
	slot->profile = profile ? strdup(profile) : NULL;
	slot->used = time(NULL);
	log_info("policy %.12s, profile %s loaded in %.2f s", policy_id,
	    profile ? profile : "(default)", ms_since(&a) / 1000.0);
	return slot->eval;
}

/* The policy loaded: taken from the cache, else fetched (unless it is
 * the last one fetched) and loaded.  NULL with err. */
static struct eval *
policy_for(struct ev *e, const char *ann, const char *base,
    const char *policy_id, const char *profile, char *err, size_t errlen)
{
	struct eval *ev;

	if ((ev = cached(e, policy_id, profile)) != NULL)
		return ev;
	if (e->ds_id == NULL || strcmp(e->ds_id, policy_id) != 0) {
		free(e->ds);
		free(e->tl);
		free(e->ds_id);
		e->ds = e->tl = e->ds_id = NULL;
		if (policy_fetch_pair(e->g, ann, base,
		    (size_t)e->conf.max_content, &e->ds, &e->dslen, &e->tl,
		    &e->tllen, err, errlen) < 0)
			return NULL;
		e->ds_id = strdup(policy_id);
	}
	return load(e, policy_id, profile, err, errlen);
}

int
ev_preload(struct ev *e, const char *ann, const char *base,
    const char *policy_id, const char *profile)
{
	char err[1024];

	if (cached(e, policy_id, profile))
		return 0;
	log_info("policy %.12s, profile %s: loading ahead of its "
	    "evaluations (collection requested)", policy_id, profile ?
	    profile : "(default)");
	if (policy_for(e, ann, base, policy_id, profile, err,
	    sizeof(err)) == NULL) {
		log_warnx("policy %.12s: not loaded ahead: %s", policy_id,
		    err);
		return -EINVAL;
	}
	return 1;
}

/* ---- the child ---------------------------------------------------------- */

struct child_arg {
	struct eval			*ev;
	const struct eval_target	*t;
	const char			*dir;
};

/* The child's main: evaluate, write the rule results, or say why not in
 * error.txt. */
static int
child_main(void *arg)
{
	const struct child_arg *a = arg;
	char err[2048], p[4096];
	struct buf x, rules;

	buf_init(&x, 1u << 30);
	buf_init(&rules, 64u << 20);
	err[0] = '\0';
	snprintf(p, sizeof(p), "%.3000s/xccdf.xml", a->dir);
	if (eval_run(a->ev, a->t, a->dir, err, sizeof(err)) < 0 ||
	    buf_read_file(&x, p) < 0 || eval_rule_results(x.data, x.len,
	    &rules, err, sizeof(err)) < 0) {
		snprintf(p, sizeof(p), "%.3000s/error.txt", a->dir);
		(void)child_write_file(p, err[0] ? err : "evaluation failed",
		    strlen(err[0] ? err : "evaluation failed"));
		return 1;
	}
	snprintf(p, sizeof(p), "%.3000s/rules.xml", a->dir);
	return child_write_file(p, rules.data, rules.len) < 0 ? 1 : 0;
}

/*
 * Starts a job in run: 1 started (or over already), 0 put back in the
 * queue (the same posture is being evaluated: it waits for that one).
 */
static int
start(struct ev *e, struct ev_run *run, struct ev_job *j)
{
	static unsigned long n;
	const struct ev_done *d;
	struct posture p;
	struct eval_target t = { 0 };
	struct child_arg ca;
	struct eval *ev;
	char err[1024], key[65];
	int r;

	if (j->vuln) {
		run->job = j;
		run->workdir[0] = '\0';
		run->key[0] = '\0';
		child_reset(&run->child);
		e->nrunning++;
		if (ev_vuln_start(e, run, j, err, sizeof(err)) < 0)
			fail(e, run, err);
		return 1;
	}
	memcpy(key, j->key, sizeof(key));
	d = ev_reuse_find(e, key);
	if (d == NULL && key_running(e, key)) {
		if (fifo_push(&e->jobs, &j->node) == 0)
			return 0;
		key[0] = '\0';		/* cannot wait: evaluated */
	}
	run->job = j;
	run->workdir[0] = '\0';
	memcpy(run->key, key, sizeof(run->key));
	child_reset(&run->child);
	e->nrunning++;
	if (!j->endpoint || !j->policy_id || !j->policy) {
		fail(e, run, "the request needs an endpoint and a policy (and "
		    "a tailoring its datastream)");
		return 1;
	}
	if (posture(e, j, &p, d == NULL, err, sizeof(err)) < 0) {
		posture_free(&p);
		fail(e, run, err);
		return 1;
	}
	if (d && reuse(e, run, d, j->hostname ? j->hostname : p.host) == 0) {
		posture_free(&p);
		done(e, run);
		return 1;
	}
	if (d && (p.sclen == 0 || (p.cpe && p.cpelen == 0))) {
		/* not reused after all: the posture's bytes are needed */
		posture_free(&p);
		if (posture(e, j, &p, 1, err, sizeof(err)) < 0) {
			posture_free(&p);
			fail(e, run, err);
			return 1;
		}
	}
	if ((ev = policy_for(e, j->policy, j->base, j->policy_id, j->profile,
	    err, sizeof(err))) == NULL) {
		posture_free(&p);
		fail(e, run, err);
		return 1;
	}
	snprintf(run->workdir, sizeof(run->workdir), "%.2000s/work-%ld-%lu",
	    e->conf.state_dir, (long)getpid(), ++n);
	if (mkdir(run->workdir, 0700) < 0) {
		snprintf(err, sizeof(err), "%.900s: %s", run->workdir,
		    strerror(errno));
		run->workdir[0] = '\0';
		posture_free(&p);
		fail(e, run, err);
		return 1;
	}
	t.sc = p.sc;
	t.sclen = p.sclen;
	t.cpe_sc = p.cpe;
	t.cpe_sclen = p.cpelen;
	t.hostname = j->hostname ? j->hostname : p.host;
	t.endpoint = j->endpoint;
	ca.ev = ev;
	ca.t = &t;
	ca.dir = run->workdir;
	r = child_start(&run->child, e->conf.timeout, 0, child_main, &ca);
	posture_free(&p);
	if (r < 0) {
		snprintf(err, sizeof(err), "fork: %s", strerror(-r));
		fail(e, run, err);
	}
	return 1;
}

static void
reap(struct ev *e, struct ev_run *run, int status, long peak_mb)
{
	struct buf rules, a, x;
	char p[4096], err[2048];
	int r;

	if (run->job->vuln) {
		if (ev_vuln_reap(e, run, status, err, sizeof(err)) < 0)
			fail(e, run, err);
		else
			done(e, run);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(p, sizeof(p), "%.3000s/error.txt", run->workdir);
		child_failure(&run->child, status, p, e->conf.timeout, err,
		    sizeof(err));
		fail(e, run, err);
		return;
	}
	buf_init(&rules, 64u << 20);
	buf_init(&a, 1u << 30);
	buf_init(&x, 64u << 10);
	snprintf(p, sizeof(p), "%.3000s/rules.xml", run->workdir);
	r = buf_read_file(&rules, p);
	snprintf(p, sizeof(p), "%.3000s/arf.xml", run->workdir);
	if (r == 0)
		r = buf_read_file(&a, p);
	if (r < 0)
		snprintf(err, sizeof(err), "the evaluation left no results");
	else
		r = ev_arf_put(e, a.data, a.len, &x, err, sizeof(err));
	if (r < 0)
		fail(e, run, err);
	else {
		publish(e, run->job, NULL, rules.data, rules.len, x.data,
		    child_elapsed_ms(&run->child), peak_mb, NULL);
		if (e->conf.reuse && run->key[0])
			ev_reuse_keep(e, run->key, run->job->request,
			    rules.data, rules.len, p);
		done(e, run);
	}
	buf_free(&rules);
	buf_free(&a);
	buf_free(&x);
}

void
ev_tick(struct ev *e)
{
	for (size_t i = 0; i < EV_RUNS_MAX; i++) {
		struct ev_run *run = &e->runs[i];
		struct rusage ru;
		int status, r;

		if (run->job == NULL || run->child.pid == 0)
			continue;
		if ((r = child_poll(&run->child, &status, &ru)) == 0)
			continue;
		if (r > 0 && run->child.timed_out)
			log_warnx("%s: over the time limit of %ld s; stopped",
			    run->job->request, e->conf.timeout);
		if (r > 0)
			reap(e, run, status, ru.ru_maxrss / 1024);
		else
			fail(e, run, "the evaluation process was lost");
	}
	/* each waiting job tried once a turn (one may wait for another) */
	for (size_t tries = e->jobs.n; tries > 0 && e->nrunning <
	    (size_t)e->conf.capacity && e->jobs.head &&
	    grid_state(e->g) == GRID_ONLINE; tries--) {
		struct ev_run *run = NULL;

		for (size_t i = 0; run == NULL && i < EV_RUNS_MAX; i++)
			if (e->runs[i].job == NULL)
				run = &e->runs[i];
		if (run == NULL)
			break;
		(void)start(e, run, (struct ev_job *)fifo_pop(&e->jobs));
	}
}

void
ev_stop(struct ev *e)
{
	struct fifo_node *n;

	for (size_t i = 0; i < EV_RUNS_MAX; i++) {
		struct ev_run *run = &e->runs[i];

		if (run->job == NULL)
			continue;
		child_kill(&run->child);
		log_info("%s: evaluation abandoned (stopping)",
		    run->job->request);
		done(e, run);
	}
	while ((n = fifo_pop(&e->jobs)) != NULL)
		ev_job_free((struct ev_job *)n);
	for (size_t i = 0; i < EV_CACHE_MAX; i++) {
		eval_free(e->loaded[i].eval);
		free(e->loaded[i].policy_id);
		free(e->loaded[i].profile);
	}
	free(e->ds);
	free(e->tl);
	free(e->ds_id);
	ev_arf_forget(e);
	ev_reuse_forget(e);
	buf_free(&e->arf_in);
	buf_free(&e->arf_out);
	ev_vuln_forget(e);
}
