/*
 * sacm-policy-repo - the Policy Repository (SACM architecture, Figure 2).
 *
 * Takes policy submissions from the grid, validates them with
 * libopenscap, stores them by content digest in sqlite, and announces
 * every accepted policy on sacm/policy.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "log.h"
#include "pr.h"
#include "scap.h"
#include "topics.h"

#define OFF(f)	offsetof(struct pr_conf, f)
static const struct conf_opt pr_opts[] = {
	{ "db", CONF_STR, OFF(db), 0, 0, "policy-repo.sqlite", 0,
	    "sqlite database file" },
	{ "max_content_size", CONF_INT, OFF(max_content_size), 1024,
	    1L << 30, "134217728", 0, "largest datastream accepted (bytes)" },
	{ "log_level", CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", 0,
	    "error, warn, info or debug" },
	{ "feed_ca_file", CONF_STR, OFF(feed_ca_file), 0, 0, NULL, 0,
	    "CA bundle for ROLIE feeds configured without their own CA "
	    "(default: the system's)" },
	{ "feed_timeout_ms", CONF_INT, OFF(feed_timeout_ms), 100, 600000,
	    "30000", 0, "time allowed for one HTTP request to a feed" },
	{ "feed_max_entries", CONF_INT, OFF(feed_max_entries), 1, 10000, "20",
	    0, "entries ingested per feed per poll (the rest next time)" },
};

int
main(int argc, char **argv)
{
	struct pr pr = { 0 };
	struct conf_table t[] = {
		{ grid_conf_opts, grid_conf_nopts, &pr.gc },
		{ pr_opts, sizeof(pr_opts) / sizeof(pr_opts[0]), &pr.conf },
	};
	char err[512];
	time_t last_flush = 0;

	daemon_setup(argc, argv, "sacm-policy-repo", "Policy repository: "
	    "validates, stores and announces SCAP policies.", t, 2,
	    &pr.conf.log_level);
	daemon_signals();
	scap_init();
	if (pr_store_open(&pr) < 0)
		fatalx("cannot open the database %s", pr.conf.db);
	if (pr.gc.resource == NULL)
		pr.gc.resource = strdup("sacm-policy-repo");
	if ((pr.g = grid_new(&pr.gc, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	grid_set_event_handler(pr.g, pr_on_event, &pr);
	grid_handle_requests(pr.g, SACM_NS, pr_on_reshare, &pr);
	if (daemon_connect(pr.g) < 0)
		goto out;
	if (grid_subscribe(pr.g, TOPIC_SUBMISSIONS,
	    GRID_SUB_CATCHUP) < 0 || grid_subscribe(pr.g, TOPIC_FEEDS,
	    GRID_SUB_CATCHUP) < 0)
		fatalx("cannot subscribe: %s", grid_errstr(pr.g));
	log_info("ready: %s, database %s", grid_jid(pr.g), pr.conf.db);

	while (!daemon_quit) {
		grid_run_once(pr.g, 500);
		/* Anything stored but not yet published (a restart, or the
		 * broker away at the time) goes out now. */
		if (time(NULL) - last_flush >= 5) {
			pr_flush_pending(&pr);
			pr_retry_tick(&pr);
			last_flush = time(NULL);
		}
		if (grid_state(pr.g) == GRID_ONLINE)
			pr_feeds_tick(&pr);
	}
	log_info("stopping");
	grid_close(pr.g);
out:
	grid_free(pr.g);
	pr_store_close(&pr);
	conf_free(t, 2);
	return 0;
}
