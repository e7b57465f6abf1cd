/*
 * sacm-results-repo - the results repository (SACM architecture, Figure
 * 2): stores every evaluation, keeps sacm/results current, raises
 * incidents for newly failing rules, and answers for results and reports.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libexslt/exslt.h>
#include <libxslt/security.h>
#include <libxslt/xslt.h>

#include "daemon.h"
#include "db.h"
#include "log.h"
#include "rr.h"
#include "topics.h"

#define OFF(f)	offsetof(struct rr_conf, f)
static const struct conf_opt rr_opts[] = {
	{ "db", CONF_STR, OFF(db), 0, 0, "results-repo.sqlite", 0,
	    "sqlite database file" },
	{ "incident_severity", CONF_STR, OFF(incident_severity), 0, 0,
	    "medium", 0, "lowest rule severity whose new failure raises an "
	    "incident: low, medium or high" },
	{ "max_arf_size", CONF_INT, OFF(max_arf), 1024, 1L << 30, "268435456",
	    0, "largest ARF accepted, decoded (bytes)" },
	{ "log_level", CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", 0,
	    "error, warn, info or debug" },
};

int
main(int argc, char **argv)
{
	struct rr rr;
	struct conf_table t[] = {
		{ grid_conf_opts, grid_conf_nopts, &rr.gc },
		{ rr_opts, sizeof(rr_opts) / sizeof(rr_opts[0]), &rr.conf },
	};
	char err[512];
	time_t last = 0;
	xsltSecurityPrefsPtr sec;

	memset(&rr, 0, sizeof(rr));
	daemon_setup(argc, argv, "sacm-results-repo", "Results repository: "
	    "stores evaluations, keeps sacm/results current, raises "
	    "incidents.", t, 2, &rr.conf.log_level);
	if (rr_severity_rank(rr.conf.incident_severity) < 2)
		fatalx("incident_severity: low, medium or high");
	daemon_signals();
	/* OpenSCAP's XSL renders reports; it has no business writing files
	 * or reaching the network. */
	if ((sec = xsltNewSecurityPrefs()) == NULL ||
	    xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_FILE,
	    xsltSecurityForbid) < 0 || xsltSetSecurityPrefs(sec,
	    XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid) < 0 ||
	    xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_NETWORK,
	    xsltSecurityForbid) < 0 || xsltSetSecurityPrefs(sec,
	    XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid) < 0)
		fatalx("cannot set up XSLT security");
	xsltSetDefaultSecurityPrefs(sec);
	exsltRegisterAll();	/* the XSL uses EXSLT, as oscap provides */
	if (rr_store_open(&rr) < 0)
		fatalx("cannot open the database %s", rr.conf.db);
	if (rr.gc.resource == NULL)
		rr.gc.resource = strdup("sacm-results-repo");
	if ((rr.g = grid_new(&rr.gc, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	grid_set_event_handler(rr.g, rr_on_event, &rr);
	grid_handle_requests(rr.g, NS_RESULTS, rr_on_query, &rr);
	if (daemon_connect(rr.g) < 0)
		goto out;
	if (grid_subscribe(rr.g, TOPIC_EVALUATION_RESULTS,
	    GRID_SUB_CATCHUP) < 0)
		fatalx("cannot subscribe: %s", grid_errstr(rr.g));
	log_info("ready: %s, database %s", grid_jid(rr.g), rr.conf.db);
	while (!daemon_quit) {
		grid_run_once(rr.g, 500);
		if (time(NULL) - last >= 5) {
			rr_flush_pending(&rr);
			last = time(NULL);
		}
	}
	log_info("stopping (%lu results stored, %lu rejected, %lu incidents)",
	    rr.stored, rr.rejected, rr.incidents);
	grid_close(rr.g);
out:
	grid_free(rr.g);
	rr_store_close(&rr);
	xsltFreeSecurityPrefs(sec);
	xsltCleanupGlobals();
	conf_free(t, 2);
	return 0;
}
