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
	if ((c.g = grid_new(&c.gc, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	grid_set_event_handler(c.g, col_on_event, &c);
	if (daemon_connect(c.g) < 0)
		goto out;
	(void)col_announce(&c);
	if (grid_subscribe(c.g, "sacm/collection/requests",
	    GRID_SUB_CATCHUP) < 0)
		fatalx("cannot subscribe: %s", grid_errstr(c.g));
	log_info("ready: endpoint %s, root %s", c.id, c.conf.root ?
	    c.conf.root : "/");
	while (!daemon_quit)
		grid_run_once(c.g, 500);
	log_info("stopping");
	grid_close(c.g);
out:
	grid_free(c.g);
	conf_free(t, 2);
	return 0;
}
