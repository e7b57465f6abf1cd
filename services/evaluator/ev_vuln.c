/*
 * ev_vuln.c - vulnerability definitions evaluated from a stored
 * inventory (shared/vuln.h), no collection on the endpoint.
 *
 * A request (<vulnerability-request/>, from the orchestrator) carries the
 * definitions' announcement, the endpoint's inventory and, when the
 * definitions need more than the inventory, the system characteristics
 * of their targeted collection: all by reference, fetched and verified.
 * The definitions are loaded once (libopenscap's model and our facts of
 * each definition) and kept for the next endpoints; they are loaded when
 * announced, before the first request.  Each endpoint is evaluated in a
 * child forked from the process that holds them, like an XCCDF
 * evaluation (ev_job.c runs both), and the result lists the definitions
 * found true with their CVE ids, package, installed and fixed versions
 * and severity, and any definition neither true nor false.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blob.h"
#include "buf.h"
#include "ev.h"
#include "inventory.h"
#include "log.h"
#include "pubsub.h"
#include "topics.h"
#include "vuln.h"
#include "xmlsafe.h"
#include "xmlutil.h"

void
ev_vuln_forget(struct ev *e)
{
	for (size_t i = 0; i < EV_VDEFS_MAX; i++) {
		vuln_defs_free(e->vdefs[i].vd);
		free(e->vdefs[i].id);
		memset(&e->vdefs[i], 0, sizeof(e->vdefs[i]));
	}
}

/* The definitions of ann (an announcement), loaded or taken from those
 * kept.  NULL with err. */
static struct vuln_defs *
defs_for(struct ev *e, const char *ann, char *err, size_t errlen)
{
	struct ev_vdefs *slot = &e->vdefs[0];
	struct blob_ref ref;
	xmlDocPtr doc;
	xmlNodePtr root;
	char *id = NULL, *data = NULL, sha[65], why[512];
	size_t len;
	struct timespec t0, t1;

	if (ann == NULL || xmlsafe_parse_root(ann, strlen(ann), 1 << 20,
	    "vulnerability-definitions", SACM_NS, &doc, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "no definitions announcement");
		return NULL;
	}
	root = xmlDocGetRootElement(doc);
	if ((id = xml_prop(root, "id")) == NULL || !blob_sha256_ok(id)) {
		snprintf(err, errlen, "the announcement has no definitions id");
		goto fail;
	}
	for (size_t i = 0; i < EV_VDEFS_MAX; i++) {
		if (e->vdefs[i].id && strcmp(e->vdefs[i].id, id) == 0) {
			e->vdefs[i].used = time(NULL);
			xmlFreeDoc(doc);
			free(id);
			return e->vdefs[i].vd;
		}
		if (e->vdefs[i].used < slot->used)
			slot = &e->vdefs[i];
	}
	if (blob_ref_from_xml(xml_child(root, "blob", BLOB_NS), &ref, why,
	    sizeof(why)) < 0) {
		snprintf(err, errlen, "definitions: %s", why);
		goto fail;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (blob_get(e->g, &ref, (size_t)e->conf.max_vuln, &data, &len, why,
	    sizeof(why)) < 0) {
		blob_ref_free(&ref);
		snprintf(err, errlen, "definitions: %s", why);
		goto fail;
	}
	blob_ref_free(&ref);
	blob_sha256_hex(data, len, sha);
	if (strcmp(sha, id) != 0) {
		snprintf(err, errlen, "the definitions fetched are not %.12s "
		    "(sha256 %.12s)", id, sha);
		goto fail;
	}
	vuln_defs_free(slot->vd);
	free(slot->id);
	memset(slot, 0, sizeof(*slot));
	if ((slot->vd = vuln_defs_load(data, len, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "definitions %.12s: %s", id, why);
		goto fail;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	slot->id = id;
	slot->used = time(NULL);
	log_info("vulnerability definitions %.12s loaded in %.1f s (%zu "
	    "bytes)", id, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) /
	    1e9, len);
	free(data);
	xmlFreeDoc(doc);
	return slot->vd;
fail:
	free(data);
	free(id);
	xmlFreeDoc(doc);
	return NULL;
}

void
ev_vuln_announced(struct ev *e, const struct grid_event *gev)
{
	char err[1024], *ann;

	if (gev->catchup || gev->retract || gev->payload == NULL ||
	    (ann = strndup(gev->payload, gev->payload_len)) == NULL)
		return;
	if (defs_for(e, ann, err, sizeof(err)) == NULL)
		log_warnx("vulnerability definitions %.12s not loaded: %s",
		    gev->item_id, err);
	free(ann);
}

/* ---- the request ------------------------------------------------------- */

void
ev_vuln_request(struct ev *e, const struct grid_event *gev, int answered)
{
	static const char *const attrs[] = { "endpoint", "definitions", NULL };
	xmlDocPtr doc;
	xmlNodePtr req, c;
	struct ev_job *j;
	char err[512], *assigned;
	const char *bad;
	size_t len;

	if (xmlsafe_parse_root(gev->payload, gev->payload_len, 1 << 20,
	    "vulnerability-request", SACM_NS, &doc, err, sizeof(err)) < 0) {
		log_warnx("request %s ignored: %s", gev->item_id, err);
		return;
	}
	req = xmlDocGetRootElement(doc);
	assigned = xml_prop(req, "evaluator");
	if (!xml_ids_ok(req, attrs, &bad) || assigned == NULL ||
	    strcasecmp(assigned, e->bare) != 0 || answered) {
		if (assigned && strcasecmp(assigned, e->bare) == 0 && !answered)
			log_warnx("request %s ignored: %s is not an identifier",
			    gev->item_id, bad);
		free(assigned);
		xmlFreeDoc(doc);
		return;
	}
	free(assigned);
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		xmlFreeDoc(doc);
		return;
	}
	j->vuln = 1;
	j->request = strdup(gev->item_id);
	j->endpoint = xml_prop(req, "endpoint");
	j->hostname = xml_prop(req, "hostname");
	j->policy_id = xml_prop(req, "definitions");
	j->profile = xml_prop(req, "name");	/* the stream */
	if ((c = xml_child(req, "vulnerability-definitions", SACM_NS)))
		(void)xml_node_text(c, &j->policy, &len);
	if ((c = xml_child(req, "inventory", SACM_NS)))
		(void)xml_node_text(c, &j->posture, &len);
	if ((c = xml_child(req, "syschar", SACM_NS)))
		(void)xml_node_text(c, &j->targeted, &len);
	log_info("request %s queued: vulnerabilities of endpoint %s under "
	    "%.12s", j->request, j->endpoint ? j->endpoint : "?",
	    j->policy_id ? j->policy_id : "?");
	xmlFreeDoc(doc);
	ev_enqueue(e, j);
}

/* ---- the evaluation ---------------------------------------------------- */

struct pkg {
	char	*name, *version;
};

struct work {
	struct vuln_defs *vd;
	const char	*inv, *tsc, *dir;
	size_t		 ilen, tlen;
	struct pkg	*pkgs;
	size_t		 npkgs, cap;
	struct buf	 out;
	unsigned long	 n, yes, no, other, collected;
};

static int
add_pkg(const struct inv_pkg *p, void *arg)
{
	struct work *w = arg;

	if (w->npkgs == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct pkg *v = realloc(w->pkgs, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		w->pkgs = v;
		w->cap = cap;
	}
	w->pkgs[w->npkgs].name = strdup(p->name);
	w->pkgs[w->npkgs++].version = strdup(p->version);
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	const char *x = ((const struct pkg *)a)->name;
	const char *y = ((const struct pkg *)b)->name;

	return strcmp(x ? x : "", y ? y : "");
}

static const char *
installed(const struct work *w, const char *name)
{
	struct pkg key = { (char *)name, NULL }, *p;

	if (name == NULL || w->npkgs == 0)
		return NULL;
	p = bsearch(&key, w->pkgs, w->npkgs, sizeof(*w->pkgs), by_name);
	return p ? p->version : NULL;
}

static int
one(const struct vuln_result *r, void *arg)
{
	struct work *w = arg;
	const struct vuln_fact *f = r->fact;

	w->n++;
	if (f && f->collected)
		w->collected++;
	if (strcmp(r->result, "false") == 0) {
		w->no++;
		return 0;
	}
	if (strcmp(r->result, "true") != 0) {
		w->other++;
		buf_adds(&w->out, "<definition");
		buf_add_attr(&w->out, "id", r->id);
		buf_add_attr(&w->out, "result", r->result);
		buf_adds(&w->out, "/>");
		return 0;
	}
	w->yes++;
	buf_adds(&w->out, "<vulnerable");
	buf_add_attr(&w->out, "definition", r->id);
	if (f) {
		buf_add_attr(&w->out, "cves", f->cves);
		buf_add_attr(&w->out, "package", f->package);
		buf_add_attr(&w->out, "installed", installed(w, f->package));
		buf_add_attr(&w->out, "fixed-in", f->fixed);
		buf_add_attr(&w->out, "severity", f->severity);
	}
	buf_add_attr(&w->out, "from", f && f->collected ?
	    "inventory+targeted" : "inventory");
	buf_adds(&w->out, "/>");
	return 0;
}

/* The child: result.xml (counts, then the elements), or error.txt. */
static int
child_main(void *arg)
{
	struct work *w = arg;
	char err[1024] = "", p[4096], *sc = NULL;
	size_t sclen;
	int r;

	if ((r = inv_foreach(w->inv, w->ilen, VULN_MAX, add_pkg, w, err,
	    sizeof(err))) == 0) {
		qsort(w->pkgs, w->npkgs, sizeof(*w->pkgs), by_name);
		r = vuln_defs_syschar(w->vd, w->inv, w->ilen, w->tsc, w->tlen,
		    &sc, &sclen, err, sizeof(err));
	}
	if (r == 0)
		r = vuln_defs_eval(w->vd, sc, sclen, one, w, NULL, NULL, err,
		    sizeof(err));
	free(sc);
	if (r < 0 || w->out.err) {
		snprintf(p, sizeof(p), "%.3000s/error.txt", w->dir);
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "the result is too large");
		(void)child_write_file(p, err, strlen(err));
		return 1;
	}
	snprintf(p, sizeof(p), "%.3000s/counts.txt", w->dir);
	snprintf(err, sizeof(err), "%lu %lu %lu %lu %lu\n", w->n, w->yes,
	    w->no, w->other, w->collected);
	if (child_write_file(p, err, strlen(err)) < 0)
		return 1;
	snprintf(p, sizeof(p), "%.3000s/result.xml", w->dir);
	return child_write_file(p, w->out.data ? w->out.data : "",
	    w->out.len) < 0 ? 1 : 0;
}

/* The blob of a request's element (<inventory/>, <syschar/>), fetched. */
static int
fetch(struct ev *e, const char *xml, const char *root, char **out,
    size_t *len, char *err, size_t errlen)
{
	xmlDocPtr doc;
	struct blob_ref ref;
	char why[512];
	int r;

	if (xmlsafe_parse_root(xml, strlen(xml), 1 << 20, root, SACM_NS, &doc,
	    why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", root, why);
		return -EINVAL;
	}
	r = blob_ref_from_xml(xml_child(xmlDocGetRootElement(doc), "blob",
	    BLOB_NS), &ref, why, sizeof(why));
	xmlFreeDoc(doc);
	if (r == 0) {
		r = blob_get(e->g, &ref, (size_t)e->conf.max_doc, out, len, why,
		    sizeof(why));
		blob_ref_free(&ref);
	}
	if (r < 0)
		snprintf(err, errlen, "%s: %s", root, why);
	return r;
}

int
ev_vuln_start(struct ev *e, struct ev_run *run, struct ev_job *j, char *err,
    size_t errlen)
{
	static unsigned long n;
	struct work w = { 0 };
	char *inv = NULL, *tsc = NULL;
	size_t ilen = 0, tlen = 0;
	int r = -EINVAL;

	if (j->endpoint == NULL || j->policy_id == NULL || j->posture == NULL) {
		snprintf(err, errlen, "the request needs an endpoint, "
		    "definitions and an inventory");
		return -EINVAL;
	}
	if ((w.vd = defs_for(e, j->policy, err, errlen)) == NULL)
		return -EINVAL;
	if (fetch(e, j->posture, "inventory", &inv, &ilen, err, errlen) < 0 ||
	    (j->targeted && fetch(e, j->targeted, "syschar", &tsc, &tlen, err,
	    errlen) < 0))
		goto out;
	snprintf(run->workdir, sizeof(run->workdir), "%.2000s/vuln-%ld-%lu",
	    e->conf.state_dir, (long)getpid(), ++n);
	if (mkdir(run->workdir, 0700) < 0) {
		snprintf(err, errlen, "%.900s: %s", run->workdir,
		    strerror(errno));
		run->workdir[0] = '\0';
		goto out;
	}
	w.inv = inv;
	w.ilen = ilen;
	w.tsc = tsc;
	w.tlen = tlen;
	w.dir = run->workdir;
	buf_init(&w.out, EV_VULN_FINDINGS_MAX);
	if ((r = child_start(&run->child, e->conf.timeout, 0, child_main,
	    &w)) < 0)
		snprintf(err, errlen, "fork: %s", strerror(-r));
	buf_free(&w.out);
out:
	free(inv);
	free(tsc);
	return r;
}

/* Findings too many for an item (an old system: thousands of true
 * definitions) go as a blob: <findings><blob/></findings>.  0, or -errno
 * with err. */
static int
findings_blob(struct ev *e, const char *body, struct buf *out, char *err,
    size_t errlen)
{
	struct blob_ref ref;
	struct buf f;
	int r;

	buf_init(&f, EV_VULN_FINDINGS_MAX + 256);
	buf_adds(&f, "<findings xmlns='" SACM_NS "'>");
	buf_adds(&f, body);
	buf_adds(&f, "</findings>");
	if (f.data == NULL) {
		buf_free(&f);
		snprintf(err, errlen, "the findings are over %u bytes",
		    EV_VULN_FINDINGS_MAX);
		return -E2BIG;
	}
	r = blob_put(e->g, "findings.xml", f.data, f.len, "application/xml",
	    1, &ref);
	buf_free(&f);
	if (r < 0) {
		snprintf(err, errlen, "uploading the findings: %s",
		    grid_errstr(e->g));
		return r;
	}
	buf_adds(out, "<findings>");
	blob_ref_to_xml(&ref, out);
	buf_adds(out, "</findings>");
	blob_ref_free(&ref);
	return 0;
}

void
ev_vuln_publish(struct ev *e, struct ev_job *j, const char *failure,
    const char *counts, const char *body, long ms)
{
	size_t max = (size_t)grid_get_conf(e->g)->max_item_size;
	unsigned long n = 0, yes = 0, no = 0, other = 0, col = 0;
	char when[32], why[512], line[1024];
	struct buf b, blob;
	int inline_ok;

	time_iso(when, 0);
	buf_init(&b, max);
	buf_adds(&b, "<vulnerability-result xmlns='" SACM_NS "'");
	buf_add_attr(&b, "request", j->request);
	buf_add_attr(&b, "endpoint", j->endpoint);
	buf_add_attr(&b, "hostname", j->hostname);
	buf_add_attr(&b, "definitions", j->policy_id);
	buf_add_attr(&b, "name", j->profile);
	buf_add_attr(&b, "evaluator", e->bare);
	buf_add_attr(&b, "evaluated", when);
	buf_printf(&b, " duration-ms='%ld'", ms);
	if (counts && sscanf(counts, "%lu %lu %lu %lu %lu", &n, &yes, &no,
	    &other, &col) == 5)
		buf_printf(&b, " count='%lu' true='%lu' false='%lu' "
		    "other='%lu' from-inventory='%lu' needed-collection='%lu'",
		    n, yes, no, other, n - col, col);
	/* inline when the item has room (a few KB kept for the rest) */
	inline_ok = body == NULL || strlen(body) + b.len + 4096 <= max;
	buf_init(&blob, 64u << 10);
	if (!failure && !inline_ok && findings_blob(e, body, &blob, why,
	    sizeof(why)) < 0)
		failure = why;
	if (failure) {
		buf_adds(&b, " state='failed'><reason>");
		buf_add_xml(&b, failure);
		buf_adds(&b, "</reason>");
	} else {
		buf_adds(&b, " state='complete'>");
		buf_adds(&b, inline_ok ? body ? body : "" : blob.data);
	}
	buf_free(&blob);
	buf_adds(&b, "</vulnerability-result>");
	snprintf(line, sizeof(line), "%s: endpoint %s, %lu of %lu "
	    "definitions true, evaluated in %.2f s", j->request, j->endpoint,
	    yes, n, ms / 1000.0);
	ev_put_result(e, j, &b, failure, ms, &e->done, line);
	buf_free(&b);
}

int
ev_vuln_reap(struct ev *e, struct ev_run *run, int status, char *err,
    size_t errlen)
{
	struct buf counts, body;
	char p[4096];
	int r;

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(p, sizeof(p), "%.3000s/error.txt", run->workdir);
		child_failure(&run->child, status, p, e->conf.timeout, err,
		    errlen);
		return -EIO;
	}
	buf_init(&counts, 4096);
	buf_init(&body, EV_VULN_FINDINGS_MAX);
	snprintf(p, sizeof(p), "%.3000s/counts.txt", run->workdir);
	r = buf_read_file(&counts, p);
	snprintf(p, sizeof(p), "%.3000s/result.xml", run->workdir);
	if (r == 0)
		r = buf_read_file(&body, p);
	if (r < 0)
		snprintf(err, errlen, "the evaluation left no results");
	else
		ev_vuln_publish(e, run->job, NULL, counts.data, body.data,
		    child_elapsed_ms(&run->child));
	buf_free(&counts);
	buf_free(&body);
	return r;
}
