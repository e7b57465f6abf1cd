/*
 * sacm-collector - the Collector of a target system (SACM architecture,
 * Figure 2): announces the endpoint and collects OVAL system
 * characteristics with libopenscap's probes when asked.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "col.h"
#include "daemon.h"
#include "log.h"
#include "scap.h"
#include "topics.h"

#define OFF(f)	offsetof(struct col_conf, f)
static const struct conf_opt col_opts[] = {
	{ "root", CONF_STR, OFF(root), 0, 0, NULL, 0,
	    "root of the target system's tree (default: this host)" },
	{ "endpoint_id", CONF_STR, OFF(endpoint_id), 0, 0, NULL, 0,
	    "endpoint id (default: the target's machine-id)" },
	{ "hostname", CONF_STR, OFF(hostname), 0, 0, NULL, 0,
	    "hostname (default: the target's /etc/hostname)" },
	{ "apt_config", CONF_STR, OFF(apt_config), 0, 0, NULL, 0,
	    "APT_CONFIG for the dpkginfo probe (needed for a tree on a host "
	    "whose apt settings differ)" },
	{ "state_dir", CONF_STR, OFF(state_dir), 0, 0,
	    "/var/lib/sacm-grid/collector", 0,
	    "outbox and sequence number (one per collector)" },
	{ "collect_timeout", CONF_INT, OFF(timeout), 1, 86400, "900", 0,
	    "seconds a collection may take before it is stopped" },
	{ "nice", CONF_INT, OFF(nice), 0, 19, "10", 0,
	    "CPU priority of collections (nice value)" },
	{ "watch", CONF_BOOL, OFF(watch), 0, 0, "yes", 0,
	    "collect again when what was collected changes" },
	{ "change_settle_ms", CONF_INT, OFF(settle_ms), 0, 3600000, "2000", 0,
	    "quiet time after a change before collecting" },
	{ "collect_interval", CONF_INT, OFF(interval), 0, 31536000, "0", 0,
	    "seconds between periodic full collections (0: none)" },
	{ "outbox_max", CONF_INT, OFF(outbox_max), 1, 1000000, "1000", 0,
	    "reports kept while the grid is away; then collection waits" },
	{ "max_content_size", CONF_INT, OFF(max_content), 1024, 1L << 30,
	    "67108864", 0, "largest policy accepted (bytes; SSG datastreams "
	    "are 11-30 MB)" },
	{ "user", CONF_STR, OFF(user), 0, 0, "nobody", 0,
	    "started as root, run as this user with CAP_DAC_READ_SEARCH "
	    "only (read every file; root keeps root)" },
	{ "collect_max_memory", CONF_INT, OFF(max_memory), 0, 1L << 20,
	    "4096", 0, "address space of a collection, MiB (0: no limit)" },
	{ "remediate", CONF_BOOL, OFF(remediate), 0, 0, "no", 0,
	    "run the bash fixes operators approve (sacmctl remediation "
	    "apply), as root, on the target; a helper keeps root for them" },
	{ "remediate_timeout", CONF_INT, OFF(remediate_timeout), 1, 86400,
	    "600", 0, "seconds a fix may run before it is stopped" },
	{ "log_level", CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", 0,
	    "error, warn, info or debug" },
};

static int
open_state(void *arg, char *err, size_t errlen)
{
	struct col *c = arg;

	fifo_init(&c->jobs, COL_QUEUE_MAX);
	scap_init();
	if (c->conf.apt_config)
		setenv("APT_CONFIG", c->conf.apt_config, 1);
	if (col_identity(c) < 0) {
		snprintf(err, errlen, "cannot tell who this endpoint is");
		return -1;
	}
	if (col_outbox_open(c) < 0) {
		snprintf(err, errlen, "state_dir %s unusable",
		    c->conf.state_dir);
		return -1;
	}
	if (c->conf.watch && (c->watch = col_watch_new()) == NULL) {
		snprintf(err, errlen, "cannot watch for changes (inotify)");
		return -1;
	}
	return 0;
}

static int
attach(void *arg, char *err, size_t errlen)
{
	struct col *c = arg;

	col_caps(c);
	grid_set_event_handler(c->g, col_on_event, c);
	/* Fixes need root: their helper is forked while we have it. */
	if (col_fix_helper(c, err, errlen) < 0)
		return -1;
	/* The grid has read its password: root is not needed any more. */
	return col_priv_drop(c, err, errlen);
}

static void
online(void *arg)
{
	(void)col_announce(arg);
}

static void
ready(void *arg, char *buf, size_t len)
{
	struct col *c = arg;

	snprintf(buf, len, "endpoint %s, root %s", c->id, c->conf.root ?
	    c->conf.root : "/");
}

static unsigned long
wait_ms(void *arg)
{
	struct col *c = arg;

	return c->child.pid || c->fixing ? 100 : 250;
}

static void
tick(void *arg)
{
	col_job_tick(arg);
	col_outbox_tick(arg);
}

static void
stop(void *arg)
{
	col_job_stop(arg);
}

static void
close_state(void *arg)
{
	col_watch_free(((struct col *)arg)->watch);
}

int
main(int argc, char **argv)
{
	static const char *const topics[] = { TOPIC_COLLECTION_REQUESTS,
	    TOPIC_REMEDIATION_REQUESTS, NULL };
	static struct col c = { .fix_sock = -1 };
	const struct daemon_spec spec = {
		.name = "sacm-collector",
		.summary = "Collector: announces its endpoint and collects "
		    "posture (OVAL system characteristics).",
		.opts = col_opts,
		.nopts = sizeof(col_opts) / sizeof(col_opts[0]),
		.conf = &c.conf, .conf_size = sizeof(c.conf),
		.log_level = &c.conf.log_level, .gc = &c.gc, .g = &c.g,
		.topics = topics, .poll_ms = 250, .arg = &c,
		.open = open_state, .attach = attach, .online = online,
		.ready = ready, .wait_ms = wait_ms, .tick = tick, .stop = stop,
		.close = close_state,
	};

	return daemon_main(argc, argv, &spec);
}
