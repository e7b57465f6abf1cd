/*
 * sacm-policy-repo - the Policy Repository (SACM architecture, Figure 2).
 *
 * Takes policy submissions from the grid, validates them with
 * libopenscap, stores them by content digest in sqlite, and announces
 * every accepted policy on sacm/policy.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "log.h"
#include "query.h"
#include "pr.h"
#include "scap.h"
#include "topics.h"

#define OFF(f)	offsetof(struct pr_conf, f)
static const struct conf_opt pr_opts[] = {
	{ "db", CONF_STR, OFF(db), 0, 0, "policy-repo.sqlite", 0,
	    "sqlite database file" },
	{ "max_content_size", CONF_INT, OFF(max_content_size), 1024,
	    1L << 30, "67108864", 0, "largest datastream accepted, as "
	    "downloaded or submitted and once decoded (bytes)" },
	{ "max_vuln_size", CONF_INT, OFF(max_vuln_size), 1024, 1L << 30,
	    "268435456", 0, "largest vulnerability definitions document, as "
	    "downloaded or submitted and once decoded (bytes; Debian's are "
	    "some 100 MB)" },
	{ "allow", CONF_STR, OFF(allow), 0, 0, NULL, 0,
	    "accounts that may ask (bare JIDs, globs, space-separated; "
	    "default: ctl@<domain> collector-*@<domain> "
	    "evaluator-*@<domain>)" },
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

static int
open_store(void *arg, char *err, size_t errlen)
{
	struct pr *pr = arg;

	scap_init();
	if (pr_store_open(pr) < 0) {
		snprintf(err, errlen, "cannot open the database %s",
		    pr->conf.db);
		return -1;
	}
	return 0;
}

static int
attach(void *arg, char *err, size_t errlen)
{
	struct pr *pr = arg;

	if (pr->conf.allow == NULL &&
	    (pr->conf.allow = query_allow_default(pr->g,
	    "ctl collector-* evaluator-*")) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}

	grid_set_event_handler(pr->g, pr_on_event, pr);
	if (grid_handle_requests(pr->g, SACM_NS, pr_on_reshare, pr) < 0) {
		snprintf(err, errlen, "cannot serve %s", SACM_NS);
		return -1;
	}
	return 0;
}

static void
ready(void *arg, char *buf, size_t len)
{
	snprintf(buf, len, "database %s", ((struct pr *)arg)->conf.db);
}

static void
tick(void *arg)
{
	struct pr *pr = arg;

	/* Anything stored but not yet published (a restart, or the broker
	 * away at the time) goes out every 5 s. */
	if (time(NULL) - pr->last_flush >= 5) {
		pr_flush_pending(pr);
		pr_retry_tick(pr);
		pr->last_flush = time(NULL);
	}
	if (grid_state(pr->g) == GRID_ONLINE)
		pr_feeds_tick(pr);
}

static void
close_store(void *arg)
{
	pr_store_close(arg);
}

int
main(int argc, char **argv)
{
	static const char *const topics[] = { TOPIC_SUBMISSIONS, TOPIC_FEEDS,
	    NULL };
	static struct pr pr;
	const struct daemon_spec spec = {
		.name = "sacm-policy-repo",
		.summary = "Policy repository: validates, stores and announces "
		    "SCAP policies.",
		.opts = pr_opts, .nopts = sizeof(pr_opts) / sizeof(pr_opts[0]),
		.conf = &pr.conf, .conf_size = sizeof(pr.conf),
		.log_level = &pr.conf.log_level, .gc = &pr.gc, .g = &pr.g,
		.topics = topics, .poll_ms = 500, .arg = &pr,
		.open = open_store, .attach = attach, .ready = ready,
		.tick = tick, .close = close_store,
	};

	return daemon_main(argc, argv, &spec);
}
