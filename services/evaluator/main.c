/*
 * sacm-evaluator - the Evaluator (SACM architecture, Figure 2): evaluates
 * a policy's XCCDF benchmark against an endpoint's stored posture with
 * libopenscap, without probing anything, and publishes the results.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "caps.h"
#include "daemon.h"
#include "ev.h"
#include "log.h"
#include "scap.h"
#include "topics.h"

#define OFF(f)	offsetof(struct ev_conf, f)
static const struct conf_opt ev_opts[] = {
	{ "state_dir", CONF_STR, OFF(state_dir), 0, 0,
	    "/var/lib/sacm-grid/evaluator", 0,
	    "work directories (one per evaluator)" },
	{ "max_content_size", CONF_INT, OFF(max_content), 1024, 1L << 30,
	    "67108864", 0, "largest policy accepted (bytes; SSG datastreams "
	    "are 11-30 MB)" },
	{ "max_document_size", CONF_INT, OFF(max_doc), 1024, 1L << 30,
	    "67108864", 0, "largest posture document accepted, decoded" },
	{ "max_vuln_size", CONF_INT, OFF(max_vuln), 1024, 1L << 30,
	    "268435456", 0, "largest vulnerability definitions accepted, "
	    "decoded (Debian's are about 100 MB)" },
	{ "eval_timeout", CONF_INT, OFF(timeout), 1, 86400, "120", 0,
	    "seconds an evaluation may take before it is stopped" },
	{ "cache_policies", CONF_INT, OFF(cache), 1, EV_CACHE_MAX, "2", 0,
	    "loaded policies (datastream and profile) kept for the next "
	    "endpoint" },
	{ "capacity", CONF_INT, OFF(capacity), 1, EV_RUNS_MAX, "1", 0,
	    "evaluations at a time (each in its own process), as advertised "
	    "to the orchestrator" },
	{ "reuse", CONF_BOOL, OFF(reuse), 0, 0, "yes", 0,
	    "evaluate a posture once per policy and profile: another "
	    "endpoint with the same posture digests gets that evaluation, "
	    "its ARF retargeted" },
	{ "log_level", CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", 0,
	    "error, warn, info or debug" },
};

static int
open_state(void *arg, char *err, size_t errlen)
{
	struct ev *e = arg;
	char root[4096];

	fifo_init(&e->jobs, EV_QUEUE_MAX);
	scap_init();
	if (mkdir(e->conf.state_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", e->conf.state_dir,
		    strerror(errno));
		return -1;
	}
	/* Nothing here probes; should anything try, it finds an empty
	 * system rather than this host. */
	snprintf(root, sizeof(root), "%.4000s/empty-root", e->conf.state_dir);
	(void)mkdir(root, 0500);
	setenv("OSCAP_PROBE_ROOT", root, 1);
	return 0;
}

static int
attach(void *arg, char *err, size_t errlen)
{
	struct ev *e = arg;
	char cap[32];

	snprintf(e->bare, sizeof(e->bare), "%s", grid_bare_jid(e->g));
	snprintf(cap, sizeof(cap), "%ld", e->conf.capacity);
	if (caps_add_feature(grid_caps(e->g), SACM_NS "#evaluator") < 0 ||
	    caps_add_field(grid_caps(e->g), SACM_NS "#evaluator", "capacity",
	    cap) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	grid_set_event_handler(e->g, ev_on_event, e);
	return 0;
}

static void
ready(void *arg, char *buf, size_t len)
{
	snprintf(buf, len, "capacity %ld", ((struct ev *)arg)->conf.capacity);
}

static unsigned long
wait_ms(void *arg)
{
	return ((struct ev *)arg)->nrunning ? 100 : 250;
}

static void
tick(void *arg)
{
	ev_tick(arg);
}

static void
stop(void *arg)
{
	struct ev *e = arg;

	log_info("%lu evaluated, %lu reused, %lu failed", e->done, e->reused,
	    e->failed);
	ev_stop(e);
}

int
main(int argc, char **argv)
{
	/* collection requests: their policies are loaded ahead */
	static const char *const topics[] = { TOPIC_EVALUATION_REQUESTS,
	    TOPIC_COLLECTION_REQUESTS, TOPIC_VULN_DEFS, NULL };
	static struct ev ev;
	const struct daemon_spec spec = {
		.name = "sacm-evaluator",
		.summary = "Evaluator: evaluates policies against stored "
		    "posture, offline, with libopenscap.",
		.opts = ev_opts, .nopts = sizeof(ev_opts) / sizeof(ev_opts[0]),
		.conf = &ev.conf, .conf_size = sizeof(ev.conf),
		.log_level = &ev.conf.log_level, .gc = &ev.gc, .g = &ev.g,
		.topics = topics, .poll_ms = 250, .arg = &ev,
		.open = open_state, .attach = attach, .ready = ready,
		.wait_ms = wait_ms, .tick = tick, .stop = stop,
	};

	return daemon_main(argc, argv, &spec);
}
