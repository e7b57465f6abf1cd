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
	    "134217728", 0, "largest policy accepted (bytes)" },
	{ "max_document_size", CONF_INT, OFF(max_doc), 1024, 1L << 30,
	    "268435456", 0, "largest posture document accepted, decoded" },
	{ "eval_timeout", CONF_INT, OFF(timeout), 1, 86400, "120", 0,
	    "seconds an evaluation may take before it is stopped" },
	{ "cache_policies", CONF_INT, OFF(cache), 1, EV_CACHE_MAX, "2", 0,
	    "loaded policies (datastream and profile) kept for the next "
	    "endpoint" },
	{ "capacity", CONF_INT, OFF(capacity), 1, EV_RUNS_MAX, "1", 0,
	    "evaluations at a time (each in its own process), as advertised "
	    "to the orchestrator" },
	{ "log_level", CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", 0,
	    "error, warn, info or debug" },
};

int
main(int argc, char **argv)
{
	struct ev ev;
	struct conf_table t[] = {
		{ grid_conf_opts, grid_conf_nopts, &ev.gc },
		{ ev_opts, sizeof(ev_opts) / sizeof(ev_opts[0]), &ev.conf },
	};
	char err[512], cap[32];

	memset(&ev, 0, sizeof(ev));
	fifo_init(&ev.jobs, EV_QUEUE_MAX);
	daemon_setup(argc, argv, "sacm-evaluator", "Evaluator: evaluates "
	    "policies against stored posture, offline, with libopenscap.",
	    t, 2, &ev.conf.log_level);
	daemon_signals();
	scap_init();
	if (mkdir(ev.conf.state_dir, 0700) < 0 && errno != EEXIST)
		fatal("%s", ev.conf.state_dir);
	/* Nothing here probes; should anything try, it finds an empty
	 * system rather than this host. */
	snprintf(err, sizeof(err), "%s/empty-root", ev.conf.state_dir);
	(void)mkdir(err, 0500);
	setenv("OSCAP_PROBE_ROOT", err, 1);
	if (ev.gc.resource == NULL)
		ev.gc.resource = strdup("sacm-evaluator");
	if ((ev.g = grid_new(&ev.gc, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	snprintf(ev.bare, sizeof(ev.bare), "%s", grid_bare_jid(ev.g));
	(void)caps_add_feature(grid_caps(ev.g), SACM_NS "#evaluator");
	snprintf(cap, sizeof(cap), "%ld", ev.conf.capacity);
	(void)caps_add_field(grid_caps(ev.g), SACM_NS "#evaluator",
	    "capacity", cap);
	grid_set_event_handler(ev.g, ev_on_event, &ev);
	if (daemon_connect(ev.g) < 0)
		goto out;
	if (grid_subscribe(ev.g, TOPIC_EVALUATION_REQUESTS,
	    GRID_SUB_CATCHUP) < 0)
		fatalx("cannot subscribe: %s", grid_errstr(ev.g));
	log_info("ready: %s, capacity %ld", grid_jid(ev.g), ev.conf.capacity);
	while (!daemon_quit) {
		grid_run_once(ev.g, ev.nrunning ? 100 : 250);
		ev_tick(&ev);
	}
	log_info("stopping (%lu evaluated, %lu failed)", ev.done, ev.failed);
	ev_stop(&ev);
	grid_close(ev.g);
out:
	grid_free(ev.g);
	conf_free(t, 2);
	return 0;
}
