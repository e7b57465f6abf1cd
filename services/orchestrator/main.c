/*
 * sacm-orchestrator - the Orchestrator (SACM architecture, Figure 2):
 * turns a new policy, a new endpoint, a posture change or an operator's
 * request into assessments and takes each through collection and
 * evaluation, persisted, with timeouts and retries.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "db.h"
#include "log.h"
#include "orch.h"
#include "query.h"
#include "topics.h"

#define OFF(f)	offsetof(struct orch_conf, f)
static const struct conf_opt orch_opts[] = {
	{ "db", CONF_STR, OFF(db), 0, 0, "orchestrator.sqlite", 0,
	    "sqlite database file" },
	{ "evaluators", CONF_STR, OFF(evaluators), 0, 0, NULL, 0,
	    "evaluators' full JIDs, space-separated (default: "
	    "evaluator-1 and evaluator-2 of this domain)" },
	{ "default_profile", CONF_STR, OFF(default_profile), 0, 0,
	    "standard", 0, "profile for a new policy (its id, or the part "
	    "after the last _)" },
	{ "operators", CONF_STR, OFF(operators), 0, 0, NULL, 0,
	    "accounts (bare JIDs, space-separated) that may request "
	    "assessments (default: ctl@<domain>)" },
	{ "admins", CONF_STR, OFF(admins), 0, 0, NULL, 0,
	    "grid administrators (bare JIDs, space-separated): the only "
	    "accounts that may revoke or reinstate one (default: "
	    "admin@<domain>)" },
	{ "collect_timeout", CONF_INT, OFF(collect_timeout), 1, 86400, "900",
	    0, "seconds to wait for posture before collecting again" },
	{ "evaluate_timeout", CONF_INT, OFF(evaluate_timeout), 1, 86400,
	    "600", 0, "seconds to wait for a result before assigning again" },
	{ "remediate_timeout", CONF_INT, OFF(remediate_timeout), 1, 86400,
	    "1200", 0, "seconds a collector has to run an approved fix and "
	    "say how it went (never sent twice: late is timed out)" },
	{ "evaluator_depth", CONF_INT, OFF(evaluator_depth), 1, 64, "4", 0,
	    "evaluations in an evaluator's hands per unit of its capacity "
	    "(those beyond its capacity wait there, so that the next one is "
	    "at hand when one ends)" },
	{ "retries", CONF_INT, OFF(retries), 1, 100, "3", 0,
	    "attempts per step before an assessment times out" },
	{ "auto_approve", CONF_BOOL, OFF(auto_approve), 0, 0, "no", 0,
	    "approve an account's first endpoint without an operator (a lab "
	    "convenience; a second endpoint always waits)" },
	{ "vulnerabilities", CONF_BOOL, OFF(vulnerabilities), 0, 0, "yes", 0,
	    "assess endpoints against vulnerability definitions: evaluated "
	    "from each endpoint's stored inventory, plus what they need "
	    "beyond it, collected once (their targeted collection)" },
	{ "max_announcements_per_minute", CONF_INT, OFF(max_announcements),
	    0, 100000, "10", 0, "announcements of one endpoint taken per "
	    "minute (a burst of as many); 0: no limit" },
	{ "max_changes_per_minute", CONF_INT, OFF(max_changes), 0, 100000,
	    "6", 0, "change events of one endpoint that start an assessment, "
	    "per minute; 0: no limit" },
	{ "max_assessments_per_trigger", CONF_INT, OFF(max_per_trigger), 1,
	    10000000, "100000", 0, "assessments one policy, request or run "
	    "creates at most" },
	{ "log_level", CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", 0,
	    "error, warn, info or debug" },
};

static int
open_store(void *arg, char *err, size_t errlen)
{
	struct orch *o = arg;

	if ((o->announcements = ratelimit_new(
	    (unsigned)o->conf.max_announcements, 65536)) == NULL ||
	    (o->changes = ratelimit_new((unsigned)o->conf.max_changes,
	    65536)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (orch_store_open(o) < 0) {
		snprintf(err, errlen, "cannot open the database %s",
		    o->conf.db);
		return -1;
	}
	return 0;
}

/* The evaluators (configured, or evaluator-1 and -2 of the domain) and
 * the operators (default ctl@domain) and administrators (admin@domain),
 * then the handlers. */
static int
attach(void *arg, char *err, size_t errlen)
{
	struct orch *o = arg;
	char jid[512];

	if (o->conf.evaluators) {
		char *s = strdup(o->conf.evaluators), *p, *save = NULL;

		for (p = s ? strtok_r(s, " \t,", &save) : NULL; p && o->nev <
		    ORCH_MAX_EVALUATORS; p = strtok_r(NULL, " \t,", &save))
			o->ev[o->nev++].jid = strdup(p);
		free(s);
	} else
		for (int i = 1; i <= 2; i++) {
			char name[32];

			snprintf(name, sizeof(name), "evaluator-%d", i);
			query_service_jid(o->g, name, "sacm-evaluator", jid,
			    sizeof(jid));
			o->ev[o->nev++].jid = strdup(jid);
		}
	if ((o->conf.operators == NULL &&
	    (o->conf.operators = query_allow_default(o->g, "ctl")) == NULL) ||
	    (o->conf.admins == NULL &&
	    (o->conf.admins = query_allow_default(o->g, "admin")) == NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	grid_set_event_handler(o->g, orch_on_event, o);
	grid_set_presence_handler(o->g, orch_presence, o);
	if (grid_handle_requests(o->g, NS_ORCH, orch_on_request, o) < 0) {
		snprintf(err, errlen, "cannot serve %s", NS_ORCH);
		return -1;
	}
	return 0;
}

static void
ready(void *arg, char *buf, size_t len)
{
	struct orch *o = arg;

	snprintf(buf, len, "%zu evaluators, database %s, collectors rechecked "
	    "every %d s", o->nev, o->conf.db, EP_RECHECK);
}

static void
online(void *arg)
{
	orch_presence_online(arg);
}

/* The loop waits no longer than the changes waiting to be published. */
static unsigned long
wait_ms(void *arg)
{
	return orch_publish_wait(arg, 500);
}

static void
tick(void *arg)
{
	orch_publish_due(arg);
	orch_tick(arg);
}

static void
close_store(void *arg)
{
	struct orch *o = arg;

	for (size_t i = 0; i < o->nev; i++)
		free(o->ev[i].jid);
	orch_publish_free(o);
	orch_store_close(o);
	ratelimit_free(o->announcements);
	ratelimit_free(o->changes);
}

int
main(int argc, char **argv)
{
	static const char *const topics[] = { TOPIC_ENDPOINTS, TOPIC_POLICY,
	    TOPIC_POSTURE_STORED, TOPIC_EVALUATION_RESULTS,
	    TOPIC_REMEDIATION_RESULTS, TOPIC_VULN_DEFS, NULL };
	static struct orch o;
	const struct daemon_spec spec = {
		.name = "sacm-orchestrator",
		.summary = "Orchestrator: takes assessments through collection "
		    "and evaluation.",
		.opts = orch_opts,
		.nopts = sizeof(orch_opts) / sizeof(orch_opts[0]),
		.conf = &o.conf, .conf_size = sizeof(o.conf),
		.log_level = &o.conf.log_level, .gc = &o.gc, .g = &o.g,
		.topics = topics, .poll_ms = 500, .arg = &o,
		.open = open_store, .attach = attach, .online = online,
		.ready = ready,
		.wait_ms = wait_ms, .tick = tick, .close = close_store,
	};

	return daemon_main(argc, argv, &spec);
}
