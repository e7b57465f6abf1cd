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
	{ "collect_timeout", CONF_INT, OFF(collect_timeout), 1, 86400, "900",
	    0, "seconds to wait for posture before collecting again" },
	{ "evaluate_timeout", CONF_INT, OFF(evaluate_timeout), 1, 86400,
	    "600", 0, "seconds to wait for a result before assigning again" },
	{ "retries", CONF_INT, OFF(retries), 1, 100, "3", 0,
	    "attempts per step before an assessment times out" },
	{ "log_level", CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", 0,
	    "error, warn, info or debug" },
};

int
main(int argc, char **argv)
{
	static const char *const topics[] = { TOPIC_ENDPOINTS, TOPIC_POLICY,
	    TOPIC_POSTURE_STORED, TOPIC_EVALUATION_RESULTS };
	struct orch o;
	struct conf_table t[] = {
		{ grid_conf_opts, grid_conf_nopts, &o.gc },
		{ orch_opts, sizeof(orch_opts) / sizeof(orch_opts[0]), &o.conf },
	};
	char err[512];

	memset(&o, 0, sizeof(o));
	daemon_setup(argc, argv, "sacm-orchestrator", "Orchestrator: takes "
	    "assessments through collection and evaluation.", t, 2,
	    &o.conf.log_level);
	daemon_signals();
	if (orch_store_open(&o) < 0)
		fatalx("cannot open the database %s", o.conf.db);
	if (o.gc.resource == NULL)
		o.gc.resource = strdup("sacm-orchestrator");
	if ((o.g = grid_new(&o.gc, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (o.conf.evaluators) {
		char *s = strdup(o.conf.evaluators), *p, *save = NULL;

		for (p = strtok_r(s, " \t,", &save); p && o.nev <
		    ORCH_MAX_EVALUATORS; p = strtok_r(NULL, " \t,", &save))
			o.ev[o.nev++].jid = strdup(p);
		free(s);
	} else
		for (int i = 1; i <= 2; i++) {
			char name[32];

			snprintf(name, sizeof(name), "evaluator-%d", i);
			query_service_jid(o.g, name, "sacm-evaluator", err,
			    sizeof(err));
			o.ev[o.nev++].jid = strdup(err);
		}
	if (o.conf.operators == NULL) {
		const char *b = grid_bare_jid(o.g), *at = strchr(b, '@');

		if (asprintf(&o.conf.operators, "ctl@%s", at ? at + 1 : b) < 0)
			fatalx("out of memory");
	}
	grid_set_event_handler(o.g, orch_on_event, &o);
	grid_handle_requests(o.g, NS_ORCH, orch_on_request, &o);
	if (daemon_connect(o.g) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
		if (grid_subscribe(o.g, topics[i], GRID_SUB_CATCHUP) < 0)
			fatalx("cannot subscribe to %s: %s", topics[i],
			    grid_errstr(o.g));
	log_info("ready: %s, %zu evaluators, database %s", grid_jid(o.g),
	    o.nev, o.conf.db);
	while (!daemon_quit) {
		grid_run_once(o.g, 500);
		orch_tick(&o);
	}
	log_info("stopping");
	grid_close(o.g);
out:
	grid_free(o.g);
	for (size_t i = 0; i < o.nev; i++)
		free(o.ev[i].jid);
	orch_store_close(&o);
	conf_free(t, 2);
	return 0;
}
