/*
 * sacm-collector - the Collector of a target system (SACM architecture,
 * Figure 2): announces the endpoint and collects OVAL system
 * characteristics with libopenscap's probes when asked.
 */
#include <stddef.h>
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
	    "134217728", 0, "largest policy accepted (bytes)" },
	{ "log_level", CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", 0,
	    "error, warn, info or debug" },
};

int
main(int argc, char **argv)
{
	struct col c;
	struct conf_table t[] = {
		{ grid_conf_opts, grid_conf_nopts, &c.gc },
		{ col_opts, sizeof(col_opts) / sizeof(col_opts[0]), &c.conf },
	};
	char err[512];

	memset(&c, 0, sizeof(c));
	fifo_init(&c.jobs, COL_QUEUE_MAX);
	daemon_setup(argc, argv, "sacm-collector", "Collector: announces its "
	    "endpoint and collects posture (OVAL system characteristics).",
	    t, 2, &c.conf.log_level);
	daemon_signals();
	scap_init();
	if (c.conf.apt_config)
		setenv("APT_CONFIG", c.conf.apt_config, 1);
	if (col_identity(&c) < 0)
		fatalx("cannot tell who this endpoint is");
	if (c.gc.resource == NULL)
		c.gc.resource = strdup("sacm-collector");
	if (col_outbox_open(&c) < 0)
		fatalx("state_dir %s unusable", c.conf.state_dir);
	if (c.conf.watch && (c.watch = col_watch_new()) == NULL)
		fatalx("cannot watch for changes (inotify)");
	if ((c.g = grid_new(&c.gc, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	col_caps(&c);
	grid_set_event_handler(c.g, col_on_event, &c);
	if (daemon_connect(c.g) < 0)
		goto out;
	(void)col_announce(&c);
	if (grid_subscribe(c.g, TOPIC_COLLECTION_REQUESTS,
	    GRID_SUB_CATCHUP) < 0)
		fatalx("cannot subscribe: %s", grid_errstr(c.g));
	log_info("ready: endpoint %s, root %s", c.id, c.conf.root ?
	    c.conf.root : "/");
	while (!daemon_quit) {
		grid_run_once(c.g, c.child.pid ? 100 : 250);
		col_job_tick(&c);
		col_outbox_tick(&c);
	}
	log_info("stopping");
	col_job_stop(&c);
	grid_close(c.g);
out:
	grid_free(c.g);
	col_watch_free(c.watch);
	conf_free(t, 2);
	return 0;
}
