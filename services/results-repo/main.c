/*
 * sacm-results-repo - the results repository (SACM architecture, Figure
 * 2): stores every evaluation, keeps sacm/results current, raises
 * incidents for newly failing rules, applies waivers, and answers for
 * results, reports and remediations.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libexslt/exslt.h>
#include <libxslt/security.h>
#include <libxslt/xslt.h>

#include "daemon.h"
#include "db.h"
#include "log.h"
#include "query.h"
#include "rr.h"
#include "topics.h"

#define OFF(f)	offsetof(struct rr_conf, f)
static const struct conf_opt rr_opts[] = {
	{ "db", CONF_STR, OFF(db), 0, 0, "results-repo.sqlite", 0,
	    "sqlite database file" },
	{ "incident_severity", CONF_STR, OFF(incident_severity), 0, 0,
	    "medium", 0, "lowest rule severity whose new failure raises an "
	    "incident: low, medium or high" },
	{ "max_arf_size", CONF_INT, OFF(max_arf), 1024, 1L << 30, "67108864",
	    0, "largest ARF accepted, decoded (bytes)" },
	{ "allow", CONF_STR, OFF(allow), 0, 0, NULL, 0,
	    "accounts that may ask (bare JIDs, globs, space-separated; "
	    "default: ctl@<domain> dashboard@<domain> and the approvers)" },
	{ "evaluators", CONF_STR, OFF(evaluators), 0, 0, NULL, 0,
	    "accounts whose results count (globs; default: "
	    "evaluator-*@<domain>)" },
	{ "orchestrator", CONF_STR, OFF(orchestrator), 0, 0, NULL, 0,
	    "the account that publishes evaluation requests (default: "
	    "orchestrator@<domain>)" },
	{ "approvers", CONF_STR, OFF(approvers), 0, 0, NULL, 0,
	    "accounts whose waivers count (globs; default: approver@<domain>"
	    " approver-*@<domain>)" },
	{ "log_level", CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", 0,
	    "error, warn, info or debug" },
};

static int
check(const void *conf, char *err, size_t errlen)
{
	const struct rr_conf *c = conf;

	if (rr_severity_rank(c->incident_severity) < 2) {
		snprintf(err, errlen, "incident_severity: low, medium or high, "
		    "not '%s'", c->incident_severity);
		return -1;
	}
	return 0;
}

static int
open_store(void *arg, char *err, size_t errlen)
{
	struct rr *rr = arg;

	/* OpenSCAP's XSL renders reports; it has no business writing files
	 * or reaching the network. */
	if ((rr->xslt_sec = xsltNewSecurityPrefs()) == NULL ||
	    xsltSetSecurityPrefs(rr->xslt_sec, XSLT_SECPREF_WRITE_FILE,
	    xsltSecurityForbid) < 0 || xsltSetSecurityPrefs(rr->xslt_sec,
	    XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid) < 0 ||
	    xsltSetSecurityPrefs(rr->xslt_sec, XSLT_SECPREF_WRITE_NETWORK,
	    xsltSecurityForbid) < 0 || xsltSetSecurityPrefs(rr->xslt_sec,
	    XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid) < 0) {
		snprintf(err, errlen, "cannot set up XSLT security");
		return -1;
	}
	xsltSetDefaultSecurityPrefs(rr->xslt_sec);
	exsltRegisterAll();	/* the XSL uses EXSLT, as oscap provides */
	if ((rr->retry = retry_new(10000, 10000)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (rr_store_open(rr) < 0) {
		snprintf(err, errlen, "cannot open the database %s",
		    rr->conf.db);
		return -1;
	}
	return 0;
}

static int
attach(void *arg, char *err, size_t errlen)
{
	struct rr *rr = arg;

	if ((rr->conf.evaluators == NULL && (rr->conf.evaluators =
	    query_allow_default(rr->g, "evaluator-*")) == NULL) ||
	    (rr->conf.orchestrator == NULL && (rr->conf.orchestrator =
	    query_allow_default(rr->g, "orchestrator")) == NULL) ||
	    (rr->conf.approvers == NULL && (rr->conf.approvers =
	    query_allow_default(rr->g, "approver approver-*")) == NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (rr->conf.allow == NULL &&
	    (rr->conf.allow = query_allow_default(rr->g,
	    "ctl dashboard approver approver-*")) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}

	grid_set_event_handler(rr->g, rr_on_event, rr);
	if (grid_handle_requests(rr->q, NS_RESULTS, rr_on_query, rr) < 0) {
		snprintf(err, errlen, "cannot serve %s", NS_RESULTS);
		return -1;
	}
	return 0;
}

static void
ready(void *arg, char *buf, size_t len)
{
	snprintf(buf, len, "database %s", ((struct rr *)arg)->conf.db);
}

static int
again(const struct grid_event *ev, void *arg)
{
	struct rr *rr = arg;

	rr_on_event(rr->g, ev, rr);
	return 0;
}

static void
tick(void *arg)
{
	struct rr *rr = arg;

	retry_run(rr->retry, rr->g, again, rr);
	rr_recover_tick(rr);
	rr_marks_write(rr);
	rr_requests_write(rr);
	if (time(NULL) - rr->last_flush >= 5) {
		rr_waiver_tick(rr);
		rr_flush_pending(rr);
		rr->last_flush = time(NULL);
	}
}

static void
stop(void *arg)
{
	struct rr *rr = arg;

	rr_marks_write(rr);	/* answers not in by now: published again */
	rr_requests_write(rr);
	log_info("%lu results stored, %lu rejected, %lu incidents",
	    rr->stored, rr->rejected, rr->incidents);
}

static void
close_store(void *arg)
{
	struct rr *rr = arg;

	rr_arf_forget(rr);
	rr_recover_free(rr);
	rr_requests_free(rr);
	rr_store_close(rr);
	retry_free(rr->retry);
	rr->retry = NULL;
	xsltFreeSecurityPrefs(rr->xslt_sec);
	xsltCleanupGlobals();
}

int
main(int argc, char **argv)
{
	static const char *const topics[] = { TOPIC_EVALUATION_REQUESTS,
	    TOPIC_EVALUATION_RESULTS, TOPIC_WAIVERS, NULL };
	static struct rr rr;
	const struct daemon_spec spec = {
		.name = "sacm-results-repo",
		.summary = "Results repository: stores evaluations, keeps "
		    "sacm/results current, raises incidents.",
		.opts = rr_opts, .nopts = sizeof(rr_opts) / sizeof(rr_opts[0]),
		.conf = &rr.conf, .conf_size = sizeof(rr.conf),
		.log_level = &rr.conf.log_level, .gc = &rr.gc, .g = &rr.g,
		.topics = topics, .poll_ms = 500, .arg = &rr,
		/* queries are not kept waiting by a backlog of results */
		.requests = &rr.q,
		.check = check, .open = open_store, .attach = attach,
		.ready = ready, .tick = tick, .stop = stop,
		.close = close_store,
	};

	return daemon_main(argc, argv, &spec);
}
