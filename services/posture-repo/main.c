/*
 * sacm-posture-repo - the Posture Attribute Repository (SACM
 * architecture, Figure 2): stores the posture the collectors report,
 * per endpoint with history, and answers questions about it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include <stdio.h>
#include "log.h"
#include "query.h"
#include "ratelimit.h"
#include "ps.h"
#include "scap.h"
#include "topics.h"

#define OFF(f)	offsetof(struct ps_conf, f)
static const struct conf_opt ps_opts[] = {
	{ "db", CONF_STR, OFF(db), 0, 0, "posture-repo.sqlite", 0,
	    "sqlite database file" },
	{ "max_document_size", CONF_INT, OFF(max_doc), 1024, 1L << 30,
	    "67108864", 0, "largest posture document accepted, decoded "
	    "(bytes)" },
	{ "max_reports_per_minute", CONF_INT, OFF(max_reports), 0, 100000,
	    "30", 0, "reports one endpoint may send per minute (a burst of "
	    "as many); more are refused; 0: no limit" },
	{ "require_approval", CONF_BOOL, OFF(require_approval), 0, 0, "yes",
	    0, "store posture only for endpoints the orchestrator approved, "
	    "from the account approved (no: a grid without an orchestrator)" },
	{ "orchestrator", CONF_STR, OFF(orchestrator), 0, 0, NULL, 0,
	    "the account whose approvals count (default: "
	    "orchestrator@<domain>)" },
	{ "allow", CONF_STR, OFF(allow), 0, 0, NULL, 0,
	    "accounts that may ask (bare JIDs, globs, space-separated; "
	    "default: ctl@<domain> dashboard@<domain>)" },
	{ "log_level", CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", 0,
	    "error, warn, info or debug" },
};

static int
open_store(void *arg, char *err, size_t errlen)
{
	struct ps *ps = arg;

	scap_init();
	if ((ps->reports = ratelimit_new((unsigned)ps->conf.max_reports,
	    65536)) == NULL || (ps->retry = retry_new(10000, 10000)) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ps_store_open(ps) < 0) {
		snprintf(err, errlen, "cannot open the database %s",
		    ps->conf.db);
		return -1;
	}
	return 0;
}

static int
attach(void *arg, char *err, size_t errlen)
{
	struct ps *ps = arg;

	if (ps->conf.allow == NULL &&
	    (ps->conf.allow = query_allow_default(ps->g,
	    "ctl dashboard")) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}

	if (ps->conf.orchestrator == NULL &&
	    (ps->conf.orchestrator = query_allow_default(ps->g,
	    "orchestrator")) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	grid_set_event_handler(ps->g, ps_on_event, ps);
	if (grid_handle_requests(ps->g, NS_POSTURE, ps_on_query, ps) < 0) {
		snprintf(err, errlen, "cannot serve %s", NS_POSTURE);
		return -1;
	}
	return 0;
}

static void
ready(void *arg, char *buf, size_t len)
{
	snprintf(buf, len, "database %s", ((struct ps *)arg)->conf.db);
}

/* Anything stored but not yet published (a restart, or the broker away
 * at the time) goes out every 5 s. */
static int
again(const struct grid_event *ev, void *arg)
{
	struct ps *ps = arg;

	ps_on_event(ps->g, ev, ps);
	return 0;
}

static void
tick(void *arg)
{
	struct ps *ps = arg;

	retry_run(ps->retry, ps->g, again, ps);
	if (time(NULL) - ps->last_flush >= 5) {
		ps_flush_pending(ps);
		ps->last_flush = time(NULL);
	}
}

static void
stop(void *arg)
{
	struct ps *ps = arg;

	log_info("%lu reports stored, %lu rejected", ps->stored, ps->rejected);
}

static void
close_store(void *arg)
{
	struct ps *ps = arg;

	ps_store_close(ps);
	ratelimit_free(ps->reports);
	ps->reports = NULL;
	retry_free(ps->retry);
	ps->retry = NULL;
	free(ps->seen);
	ps->seen = NULL;
}

int
main(int argc, char **argv)
{
	static const char *const topics[] = { TOPIC_ENDPOINTS, TOPIC_APPROVALS,
	    TOPIC_POSTURE, NULL };
	static struct ps ps;
	const struct daemon_spec spec = {
		.name = "sacm-posture-repo",
		.summary = "Posture attribute repository: verifies, stores and "
		    "answers for endpoint posture.",
		.opts = ps_opts, .nopts = sizeof(ps_opts) / sizeof(ps_opts[0]),
		.conf = &ps.conf, .conf_size = sizeof(ps.conf),
		.log_level = &ps.conf.log_level, .gc = &ps.gc, .g = &ps.g,
		.topics = topics, .poll_ms = 500, .arg = &ps,
		.open = open_store, .attach = attach, .ready = ready,
		.tick = tick, .stop = stop, .close = close_store,
	};

	return daemon_main(argc, argv, &spec);
}
