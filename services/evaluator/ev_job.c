/*
 * ev_job.c - one evaluation at a time.
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
	if (e->jobs_tail)
		e->jobs_tail->next = j;
	else
		e->jobs = j;
	e->jobs_tail = j;
}

int
ev_busy(const struct ev *e, const char *request)
{
	if (e->running && strcmp(e->running->request, request) == 0)
		return 1;
	for (const struct ev_job *j = e->jobs; j; j = j->next)
		if (strcmp(j->request, request) == 0)
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

/* Publishes the job's result: complete (rules and ARF) or failed. */
static void
publish(struct ev *e, struct ev_job *j, const char *failure,
    const char *rules, size_t rlen, const struct blob_ref *arf, long ms)
{
	struct buf b;
	char when[32];

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
	if (rules)
		summarize(rules, rlen, &b);
	buf_adds(&b, ">");
	if (failure) {
		buf_adds(&b, "<reason>");
		buf_add_xml(&b, failure);
		buf_adds(&b, "</reason>");
	} else {
		buf_add(&b, rules, rlen);
		buf_adds(&b, "<arf>");
		blob_ref_to_xml(arf, &b);
		buf_adds(&b, "</arf>");
	}
	buf_adds(&b, "</evaluation-result>");
	if (b.data == NULL)
		log_warnx("%s: the result is over max_item_size", j->request);
	else if (pubsub_publish(e->g, TOPIC_EVALUATION_RESULTS, j->request, b.data, NULL,
	    NULL) < 0)
		log_warnx("%s: publishing the result: %s", j->request,
		    grid_errstr(e->g));
	else if (failure) {
		e->failed++;
		log_warnx("%s: failed after %.1f s: %s", j->request,
		    ms / 1000.0, failure);
	} else {
		e->done++;
		log_info("%s: evaluated in %.1f s (peak %ld MB), result "
		    "published", j->request, ms / 1000.0, e->peak_mb);
	}
	buf_free(&b);
}

static void
fail(struct ev *e, const char *why)
{
	publish(e, e->running, why, NULL, 0, NULL, ms_since(&e->started));
	if (e->workdir[0])
		rmdir_flat(e->workdir);
	e->workdir[0] = '\0';
	ev_job_free(e->running);
	e->running = NULL;
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

/* Checks the posture fits the request, then fetches and verifies it. */
static int
posture(struct ev *e, struct ev_job *j, struct posture *p, char *err,
    size_t errlen)
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
		} else {
			if ((r = blob_get(e->g, &ref, (size_t)e->conf.max_doc,
			    out, len, why, sizeof(why))) < 0)
				snprintf(err, errlen, "posture: %s", why);
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

/* ---- loaded policies -------------------------------------------------- */

static struct eval *
loaded(struct ev *e, struct ev_job *j, char *err, size_t errlen)
{
	struct ev_loaded *slot = NULL;
	long n = e->conf.cache;
	struct timespec a;

	for (long i = 0; i < n; i++) {
		struct ev_loaded *l = &e->loaded[i];

		if (l->eval && same(l->policy_id, j->policy_id) &&
		    same(l->profile, j->profile)) {
			l->used = time(NULL);
			return l->eval;
		}
		if (slot == NULL || l->eval == NULL || (slot->eval &&
		    l->used < slot->used))
			slot = l;
	}
	if (slot->eval) {
		eval_free(slot->eval);
		free(slot->policy_id);
		free(slot->profile);
		memset(slot, 0, sizeof(*slot));
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (eval_load(e->ds, e->dslen, e->tl, e->tllen, j->profile,
	    e->conf.state_dir,
	    &slot->eval, err, errlen) < 0)
		return NULL;
	slot->policy_id = strdup(j->policy_id);
	slot->profile = j->profile ? strdup(j->profile) : NULL;
	slot->used = time(NULL);
	log_info("policy %.12s, profile %s loaded in %.2f s", j->policy_id,
	    j->profile ? j->profile : "(default)", ms_since(&a) / 1000.0);
	return slot->eval;
}

/* ---- the child ---------------------------------------------------------- */

static void
child(struct eval *ev, const struct eval_target *t, const char *dir)
{
	char err[2048], p[4096];
	struct buf x, rules;
	FILE *f;

	buf_init(&x, 1u << 30);
	buf_init(&rules, 64u << 20);
	snprintf(p, sizeof(p), "%.3000s/xccdf.xml", dir);
	if (eval_run(ev, t, dir, err, sizeof(err)) < 0 ||
	    buf_read_file(&x, p) < 0 || eval_rule_results(x.data, x.len,
	    &rules, err, sizeof(err)) < 0) {
		snprintf(p, sizeof(p), "%.3000s/error.txt", dir);
		if ((f = fopen(p, "w")) != NULL) {
			fputs(err[0] ? err : "evaluation failed", f);
			fclose(f);
		}
		_exit(1);
	}
	snprintf(p, sizeof(p), "%.3000s/rules.xml", dir);
	if ((f = fopen(p, "w")) == NULL || fputs(rules.data, f) < 0 ||
	    fclose(f) != 0)
		_exit(1);
	_exit(0);
}

static void
start(struct ev *e, struct ev_job *j)
{
	static unsigned long n;
	struct posture p;
	struct eval_target t = { 0 };
	struct eval *ev;
	char err[1024];
	pid_t pid;

	e->running = j;
	e->workdir[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &e->started);
	if (!j->endpoint || !j->policy_id || !j->policy) {
		fail(e, "the request needs an endpoint and a policy (and a "
		    "tailoring its datastream)");
		return;
	}
	if (posture(e, j, &p, err, sizeof(err)) < 0) {
		posture_free(&p);
		fail(e, err);
		return;
	}
	if (e->ds_id == NULL || strcmp(e->ds_id, j->policy_id) != 0) {
		free(e->ds);
		free(e->tl);
		free(e->ds_id);
		e->ds = e->tl = e->ds_id = NULL;
		if (policy_fetch_pair(e->g, j->policy, j->base,
		    (size_t)e->conf.max_content, &e->ds, &e->dslen, &e->tl,
		    &e->tllen, err, sizeof(err)) < 0) {
			posture_free(&p);
			fail(e, err);
			return;
		}
		e->ds_id = strdup(j->policy_id);
	}
	if ((ev = loaded(e, j, err, sizeof(err))) == NULL) {
		posture_free(&p);
		fail(e, err);
		return;
	}
	snprintf(e->workdir, sizeof(e->workdir), "%.2000s/work-%ld-%lu",
	    e->conf.state_dir, (long)getpid(), ++n);
	if (mkdir(e->workdir, 0700) < 0) {
		snprintf(err, sizeof(err), "%.900s: %s", e->workdir,
		    strerror(errno));
		e->workdir[0] = '\0';
		posture_free(&p);
		fail(e, err);
		return;
	}
	t.sc = p.sc;
	t.sclen = p.sclen;
	t.cpe_sc = p.cpe;
	t.cpe_sclen = p.cpelen;
	t.hostname = j->hostname ? j->hostname : p.host;
	t.endpoint = j->endpoint;
	fflush(NULL);
	if ((pid = fork()) == 0)
		child(ev, &t, e->workdir);
	posture_free(&p);
	if (pid < 0) {
		snprintf(err, sizeof(err), "fork: %s", strerror(errno));
		fail(e, err);
		return;
	}
	e->child = pid;
	e->deadline = time(NULL) + e->conf.timeout;
}

static void
reap(struct ev *e, int status)
{
	struct blob_ref arf = { 0 };
	struct buf rules, a;
	char p[4096], err[2048];
	int r;

	e->child = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(p, sizeof(p), "%.3000s/error.txt", e->workdir);
		buf_init(&a, sizeof(err) - 1);
		if (WIFEXITED(status) && buf_read_file(&a, p) == 0 && a.data)
			snprintf(err, sizeof(err), "%s", a.data);
		else if (WIFSIGNALED(status))
			snprintf(err, sizeof(err), "the evaluation was killed "
			    "by signal %d%s", WTERMSIG(status),
			    time(NULL) >= e->deadline ? " at the time limit" :
			    "");
		else
			snprintf(err, sizeof(err), "the evaluation failed");
		buf_free(&a);
		fail(e, err);
		return;
	}
	buf_init(&rules, 64u << 20);
	buf_init(&a, 1u << 30);
	snprintf(p, sizeof(p), "%.3000s/rules.xml", e->workdir);
	r = buf_read_file(&rules, p);
	snprintf(p, sizeof(p), "%.3000s/arf.xml", e->workdir);
	if (r == 0)
		r = buf_read_file(&a, p);
	if (r == 0 && (r = blob_put(e->g, "arf.xml", a.data, a.len,
	    "application/xml", 1, &arf)) < 0)
		snprintf(err, sizeof(err), "uploading the ARF: %s",
		    grid_errstr(e->g));
	else if (r < 0)
		snprintf(err, sizeof(err), "the evaluation left no results");
	if (r < 0)
		fail(e, err);
	else {
		publish(e, e->running, NULL, rules.data, rules.len, &arf,
		    ms_since(&e->started));
		rmdir_flat(e->workdir);
		ev_job_free(e->running);
		e->running = NULL;
	}
	blob_ref_free(&arf);
	buf_free(&rules);
	buf_free(&a);
}

void
ev_tick(struct ev *e)
{
	if (e->child) {
		int status;
		struct rusage ru;
		pid_t p = wait4(e->child, &status, WNOHANG, &ru);

		if (p == 0 && time(NULL) >= e->deadline) {
			log_warnx("%s: over the time limit of %ld s; stopping "
			    "it", e->running->request, e->conf.timeout);
			kill(e->child, SIGKILL);
			p = wait4(e->child, &status, 0, &ru);
		}
		if (p == e->child) {
			e->peak_mb = ru.ru_maxrss / 1024;
			reap(e, status);
		}
		else if (p < 0 && errno != EINTR) {
			e->child = 0;
			fail(e, "the evaluation process was lost");
		}
		return;
	}
	if (e->running == NULL && e->jobs &&
	    grid_state(e->g) == GRID_ONLINE) {
		struct ev_job *j = e->jobs;

		if ((e->jobs = j->next) == NULL)
			e->jobs_tail = NULL;
		j->next = NULL;
		start(e, j);
	}
}

void
ev_stop(struct ev *e)
{
	struct ev_job *j;

	if (e->child) {
		kill(e->child, SIGKILL);
		waitpid(e->child, NULL, 0);
		e->child = 0;
	}
	if (e->workdir[0])
		rmdir_flat(e->workdir);
	ev_job_free(e->running);
	while ((j = e->jobs) != NULL) {
		e->jobs = j->next;
		ev_job_free(j);
	}
	for (size_t i = 0; i < EV_CACHE_MAX; i++) {
		eval_free(e->loaded[i].eval);
		free(e->loaded[i].policy_id);
		free(e->loaded[i].profile);
	}
	free(e->ds);
	free(e->tl);
	free(e->ds_id);
}
