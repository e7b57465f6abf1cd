/*
 * sacm-fleet - simulated endpoints for scale tests and benchmarks: one
 * collector account, N endpoints, each answering collection requests with
 * the posture of a real collection (fleet.h).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "fleet.h"
#include "log.h"
#include "topics.h"

#define OFF(f)	offsetof(struct fl_conf, f)
static const struct conf_opt fl_opts[] = {
	{ "endpoints", CONF_INT, OFF(endpoints), 1, 1000000, "100", 0,
	    "how many endpoints to simulate" },
	{ "prefix", CONF_STR, OFF(prefix), 0, 0, "fleet", 0,
	    "their ids are PREFIX-000001, PREFIX-000002, ..." },
	{ "templates", CONF_STR, OFF(templates), 0, 0, NULL, 1,
	    "posture reports of real collections (files, space-separated); "
	    "endpoint i answers with template i mod K" },
	{ "platform", CONF_STR, OFF(platform), 0, 0,
	    "cpe:/o:debian:debian_linux:11", 0, "the CPE the endpoints "
	    "announce" },
	{ "announce_per_tick", CONF_INT, OFF(per_tick), 1, 100000, "200", 0,
	    "announcements sent per turn of the loop (every 100 ms)" },
	{ "log_level", CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", 0,
	    "error, warn, info or debug" },
};

/* Endpoint ids are PREFIX-NNNNNN: the prefix must be an identifier. */
static int
check(const void *conf, char *err, size_t errlen)
{
	const struct fl_conf *c = conf;
	size_t n = strlen(c->prefix);

	if (n == 0 || n > 64 || strspn(c->prefix, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._") != n) {
		snprintf(err, errlen, "prefix: 1 to 64 letters, digits, '.' "
		    "or '_'");
		return -1;
	}
	return 0;
}

static int
open_templates(void *arg, char *err, size_t errlen)
{
	return fl_open(arg, err, errlen);
}

static int
attach(void *arg, char *err, size_t errlen)
{
	struct fleet *f = arg;

	(void)err; (void)errlen;
	grid_set_event_handler(f->g, fl_on_event, f);
	return 0;
}

static void
ready(void *arg, char *buf, size_t len)
{
	struct fleet *f = arg;

	snprintf(buf, len, "%ld endpoints %s-000001.., %zu templates",
	    f->conf.endpoints, f->conf.prefix, f->nt);
}

static void
tick(void *arg)
{
	fl_tick(arg);
}

static void
stop(void *arg)
{
	struct fleet *f = arg;

	log_info("%ld endpoints announced, %lu requests, %lu reports taken, "
	    "%lu refused", f->announced, f->requests, f->reports, f->refused);
}

static void
close_templates(void *arg)
{
	fl_close(arg);
}

int
main(int argc, char **argv)
{
	static const char *const topics[] = { TOPIC_COLLECTION_REQUESTS, NULL };
	static struct fleet f;
	const struct daemon_spec spec = {
		.name = "sacm-fleet",
		.summary = "simulated endpoints: one collector account answers "
		    "for N endpoints with real collections' posture",
		.opts = fl_opts,
		.nopts = sizeof(fl_opts) / sizeof(fl_opts[0]),
		.conf = &f.conf, .conf_size = sizeof(f.conf),
		.log_level = &f.conf.log_level, .gc = &f.gc, .g = &f.g,
		.topics = topics, .poll_ms = 100, .arg = &f,
		.check = check, .open = open_templates, .attach = attach,
		.ready = ready, .tick = tick, .stop = stop,
		.close = close_templates,
	};

	return daemon_main(argc, argv, &spec);
}
