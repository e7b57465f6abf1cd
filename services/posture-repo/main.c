/*
 * sacm-posture-repo - the Posture Attribute Repository (SACM
 * architecture, Figure 2): stores the posture the collectors report,
 * per endpoint with history, and answers questions about it.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "log.h"
#include "ps.h"
#include "scap.h"
#include "topics.h"

#define OFF(f)	offsetof(struct ps_conf, f)
static const struct conf_opt ps_opts[] = {
	{ "db", CONF_STR, OFF(db), 0, 0, "posture-repo.sqlite", 0,
	    "sqlite database file" },
	{ "max_document_size", CONF_INT, OFF(max_doc), 1024, 1L << 30,
	    "268435456", 0, "largest posture document accepted, decoded "
	    "(bytes)" },
	{ "log_level", CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", 0,
	    "error, warn, info or debug" },
};

int
main(int argc, char **argv)
{
	struct ps ps = { 0 };
	struct conf_table t[] = {
		{ grid_conf_opts, grid_conf_nopts, &ps.gc },
		{ ps_opts, sizeof(ps_opts) / sizeof(ps_opts[0]), &ps.conf },
	};
	char err[512];
	time_t last_flush = 0;

	daemon_setup(argc, argv, "sacm-posture-repo", "Posture attribute "
	    "repository: verifies, stores and answers for endpoint posture.",
	    t, 2, &ps.conf.log_level);
	daemon_signals();
	scap_init();
	if (ps_store_open(&ps) < 0)
		fatalx("cannot open the database %s", ps.conf.db);
	if (ps.gc.resource == NULL)
		ps.gc.resource = strdup("sacm-posture-repo");
	if ((ps.g = grid_new(&ps.gc, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	grid_set_event_handler(ps.g, ps_on_event, &ps);
	grid_handle_requests(ps.g, NS_POSTURE, ps_on_query, &ps);
	if (daemon_connect(ps.g) < 0)
		goto out;
	if (grid_subscribe(ps.g, TOPIC_ENDPOINTS, GRID_SUB_CATCHUP) < 0 ||
	    grid_subscribe(ps.g, TOPIC_POSTURE, GRID_SUB_CATCHUP) < 0)
		fatalx("cannot subscribe: %s", grid_errstr(ps.g));
	log_info("ready: %s, database %s", grid_jid(ps.g), ps.conf.db);

	while (!daemon_quit) {
		grid_run_once(ps.g, 500);
		if (time(NULL) - last_flush >= 5) {
			ps_flush_pending(&ps);
			last_flush = time(NULL);
		}
	}
	log_info("stopping (%lu reports stored, %lu rejected)", ps.stored,
	    ps.rejected);
	grid_close(ps.g);
out:
	grid_free(ps.g);
	ps_store_close(&ps);
	conf_free(t, 2);
	return 0;
}
