/*
 * sacm-audit - the grid's audit trail: who published or retracted what,
 * on every topic, append-only and hash-chained (RFC 8600 section 8.3.2).
 * Its account reads every topic and publishes on none.
 */
#include <stddef.h>
#include <stdio.h>

#include "au.h"
#include "daemon.h"
#include "log.h"
#include "query.h"
#include "topics.h"

#define OFF(f)	offsetof(struct au_conf, f)
static const struct conf_opt au_opts[] = {
	{ "db", CONF_STR, OFF(db), 0, 0, "audit.sqlite", 0,
	    "sqlite database file (the trail)" },
	{ "allow", CONF_STR, OFF(allow), 0, 0, NULL, 0,
	    "accounts that may ask (bare JIDs, globs, space-separated; "
	    "default: ctl@<domain>)" },
	{ "broker_log", CONF_STR, OFF(broker_log), 0, 0, NULL, 0,
	    "the broker's log file, followed for its denials (refused "
	    "logins, forbidden publishes); default: none" },
	{ "log_level", CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", 0,
	    "error, warn, info or debug" },
};

static int
open_store(void *arg, char *err, size_t errlen)
{
	struct au *a = arg;

	if (au_store_open(a) < 0) {
		snprintf(err, errlen, "cannot open the database %s",
		    a->conf.db);
		return -1;
	}
	return 0;
}

static int
attach(void *arg, char *err, size_t errlen)
{
	struct au *a = arg;

	if (a->conf.allow == NULL &&
	    (a->conf.allow = query_allow_default(a->g, "ctl")) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	grid_set_event_handler(a->g, au_on_event, a);
	if (grid_handle_requests(a->g, NS_AUDIT, au_on_query, a) < 0) {
		snprintf(err, errlen, "cannot serve %s", NS_AUDIT);
		return -1;
	}
	return 0;
}

static void
ready(void *arg, char *buf, size_t len)
{
	struct au *a = arg;

	snprintf(buf, len, "database %s, %lld records, head %.16s%s%s",
	    a->conf.db, a->seq, a->head, a->conf.broker_log ?
	    ", broker log " : "", a->conf.broker_log ? a->conf.broker_log : "");
}

static void
tick(void *arg)
{
	au_brokerlog_poll(arg);
}

static void
stop(void *arg)
{
	struct au *a = arg;

	log_info("%lu records added (%lu broker denials), %lu not recorded",
	    a->recorded, a->denials, a->failed);
}

static void
close_store(void *arg)
{
	au_store_close(arg);
}

int
main(int argc, char **argv)
{
	static struct au a;
	static const char *topics[32];
	struct daemon_spec spec = {
		.name = "sacm-audit",
		.summary = "the grid's audit trail: every publish and "
		    "retraction, hash-chained",
		.opts = au_opts,
		.nopts = sizeof(au_opts) / sizeof(au_opts[0]),
		.conf = &a.conf,
		.conf_size = sizeof(a.conf),
		.log_level = &a.conf.log_level,
		.gc = &a.gc,
		.g = &a.g,
		.topics = topics,
		.poll_ms = 1000,
		.arg = &a,
		.open = open_store,
		.attach = attach,
		.ready = ready,
		.tick = tick,
		.stop = stop,
		.close = close_store,
	};

	for (size_t i = 0; i < topic_ndefs && i < 31; i++)
		topics[i] = topic_defs[i].node;
	return daemon_main(argc, argv, &spec);
}
