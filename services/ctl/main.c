/*
 * sacmctl - the operator's command for an XMPP-Grid.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "ctl.h"
#include "log.h"

volatile sig_atomic_t ctl_quit;

static const struct {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
	const char	*usage;
	const char	*help;
} commands[] = {
	{ "grid", ctl_grid, "grid init [--roles FILE] | grid revoke ACCOUNT "
	    "| grid reinstate ACCOUNT [--password-file FILE]",
	    "create or reconcile every topic and its affiliations (an "
	    "outcast stays one); revoke an account at once (login, sessions, "
	    "topics, endpoints) or reinstate it" },
	{ "topics", ctl_topics, "topics",
	    "list the topics with their pubsub#type and item count" },
	{ "affiliations", ctl_affiliations, "affiliations TOPIC",
	    "list who may publish on and read a topic" },
	{ "items", ctl_items, "items TOPIC [-n N] [--id ID]",
	    "print the newest N items (default 10), or one by id" },
	{ "watch", ctl_watch, "watch TOPIC... [--count N] [--timeout S]",
	    "print events as they arrive" },
	{ "publish", ctl_publish, "publish TOPIC FILE [--id ID]",
	    "publish the XML element in FILE (- for stdin)" },
	{ "retract", ctl_retract, "retract TOPIC ID", "retract an item" },
	{ "policy", ctl_policy,
	    "policy publish FILE [--name NAME] [--tailoring FILE] [--timeout S]"
	    " | list | show ID | fetch ID -o FILE",
	    "submit a SCAP datastream and wait for the verdict; list, show "
	    "and fetch policies" },
	{ "vuln", ctl_vuln, "vuln publish FILE [--name NAME] [--timeout S] | "
	    "vuln list",
	    "submit vulnerability definitions (OVAL of class vulnerability "
	    "or patch, as Debian's security tracker publishes them; plain, "
	    ".gz or .bz2) and wait for the verdict; list those announced" },
	{ "vulns", ctl_vulns, "vulns [ENDPOINT] | vulns history ENDPOINT | "
	    "vulns cves | vulns who CVE",
	    "vulnerabilities found from stored inventories: the estate by "
	    "endpoint, one endpoint's open findings (CVE, package, installed "
	    "and fixed versions) or its results over time (newly vulnerable, "
	    "fixed since), the estate by CVE, the endpoints with a CVE" },
	{ "feeds", ctl_feeds, "feeds add URL [--ca FILE] [--type TYPE] "
	    "[--interval S] [--trusted] | list | poll ID | remove ID",
	    "follow ROLIE feeds (RFC 8322) of SCAP content (--type "
	    "configuration, the default) or of vulnerability definitions "
	    "(--type vulnerability); a feed's SCAP content is assessed only "
	    "when an operator asks (assess, assign) unless the feed is "
	    "--trusted" },
	{ "disco", ctl_disco, "disco JID [--node NODE]",
	    "what an entity says it is: identity, features, form (XEP-0030)" },
	{ "endpoints", ctl_endpoints, "endpoints | endpoints pending | "
	    "approved | rejected | endpoints approve|reject ID...",
	    "every endpoint with its last report and how old it is; the "
	    "endpoints waiting for an operator (the orchestrator assesses "
	    "approved ones only), approve or reject them" },
	{ "posture", ctl_posture, "posture show ENDPOINT [--history] "
	    "[--policy ID] [--profile ID]",
	    "an endpoint's latest posture, or its reports" },
	{ "inventory", ctl_inventory, "inventory show ENDPOINT | search "
	    "PACKAGE [--version RANGE]",
	    "an endpoint's packages; the endpoints that have a package "
	    "(RANGE like '>=1.2,<<2')" },
	{ "assess", ctl_assess, "assess POLICY [--profile P] [--endpoint "
	    "E[,E...]] [--wait] [--timeout S]",
	    "ask the orchestrator to assess endpoints (default: every one the "
	    "policy applies to); --wait shows progress until done" },
	{ "assessments", ctl_assessments, "assessments [list | show ID]",
	    "assessments and their state (sacm/assessments)" },
	{ "assign", ctl_assign, "assign POLICY --profile P [--endpoints "
	    "E[,E...]] [--every DURATION]",
	    "assess a policy's profile on endpoints (default: every one it "
	    "applies to, now and as they appear), now and every DURATION "
	    "(90s, 15m, 6h, 1d); it follows updates of the policy" },
	{ "assignments", ctl_assignments, "assignments",
	    "the operators' assignments and their schedules" },
	{ "unassign", ctl_unassign, "unassign ID", "remove an assignment" },
	{ "results", ctl_results, "results [--endpoint E] [--policy ID] | "
	    "results history ENDPOINT | results diff ENDPOINT [FROM TO] | "
	    "results rules ENDPOINT | results rules --id EVALUATION | "
	    "results failing RULE",
	    "the estate's current results; an endpoint's evaluations; what "
	    "changed between two evaluations (default: the last two); one "
	    "evaluation's rule results (default: the latest); the endpoints "
	    "failing a rule now" },
	{ "report", ctl_report, "report ENDPOINT [--assessment A] -o FILE",
	    "the HTML report of an evaluation (default: the latest)" },
	{ "arf", ctl_arf, "arf ENDPOINT [--assessment A] [--raw] -o FILE",
	    "the ARF of an evaluation (default: the latest), joined again by "
	    "the results repository, with the waivers in force recorded as "
	    "overrides; --raw: as oscap wrote it" },
	{ "remediation", ctl_remediation, "remediation ENDPOINT [--policy ID "
	    "--profile P] [--type bash|ansible|puppet] [-o FILE] | "
	    "remediation --id EVALUATION ...",
	    "the fix for the failed rules of an evaluation (default: the "
	    "endpoint's latest), as oscap xccdf generate fix writes it from "
	    "its ARF; to FILE or stdout, with its sha256" },
	{ "remediation", ctl_remediation, "remediation apply ENDPOINT "
	    "[--policy ID --profile P | --id EVALUATION] [--wait]",
	    "approve that bash fix for the endpoint: its collector runs it "
	    "(if it allows: remediate = yes), collects and is evaluated "
	    "again; --wait shows the exit status and the rules fixed" },
	{ "waive", ctl_waive, "waive RULE... (--policy ID | --benchmark ID) "
	    "[--profile P] (--endpoints E[,E...] | --all) --reason TEXT "
	    "--expires DATE|DURATION [--ticket T]",
	    "accept failed rules until a date (2027-01-31, "
	    "2027-01-31T12:00:00Z, or 90d from now): an approver's account "
	    "only; results show raw and waived scores" },
	{ "waivers", ctl_waivers, "waivers [--expired]",
	    "the waivers in force (or expired ones), newest first" },
	{ "unwaive", ctl_unwaive, "unwaive ID",
	    "revoke a waiver you granted: the rules fail again" },
	{ "incidents", ctl_incidents, "incidents [-n N]",
	    "incidents raised for newly failing rules (IODEF on "
	    "sacm/incidents; -n: the newest N documents, an evaluation's "
	    "incidents are one)" },
	{ "audit", ctl_audit, "audit [--account JID] [--topic T] [--since "
	    "TIME] | audit verify",
	    "who published or retracted what, from the audit service's "
	    "hash-chained trail; verify checks the chain end to end" },
	{ "blob", ctl_blob,
	    "blob put FILE [--media-type T] [--no-gzip] | blob get REF -o OUT",
	    "upload a file (prints its reference) or download and verify one" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	fprintf(f, "usage: sacmctl [-c FILE] [-v] COMMAND [ARGS] [--json]\n\n"
	    "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-58s\n      %s\n", commands[i].usage,
		    commands[i].help);
	fprintf(f, "\noptions:\n"
	    "  -c FILE     configuration (default: $SACM_CONFIG)\n"
	    "  --json      machine-readable output\n"
	    "  -v          log the XMPP traffic\n"
	    "  --help      this text; COMMAND --help for one command\n"
	    "  --version   print the version\n\n"
	    "`sacm-lab env` prints the settings for a lab.\n");
}

int
ctl_fail(const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sacmctl: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int
ctl_read_file(const char *path, size_t max, char **out, size_t *len)
{
	struct buf b;
	int r;

	buf_init(&b, max);
	if ((r = buf_read_file(&b, path)) < 0) {
		buf_free(&b);
		return r;
	}
	*out = buf_steal(&b, len);
	return *out ? 0 : -ENOMEM;
}

/* The grid administrator's commands (it owns the topics): run as the
 * account of the operator's admin_config setting when there is one. */
static int
admin_command(const char *name)
{
	return strcmp(name, "grid") == 0 || strcmp(name, "affiliations") == 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	ctl_quit = 1;
}

static const struct conf_opt ctl_opts[] = {
	{ "roles_file", CONF_STR, offsetof(struct ctl, roles_file), 0, 0,
	    NULL, 0, "role-to-JID file for `grid init`" },
	{ "admin_config", CONF_STR, offsetof(struct ctl, admin_config), 0, 0,
	    NULL, 0, "the grid administrator's settings (its certificate "
	    "login): grid and affiliations run as that account" },
	{ "posture_repo", CONF_STR, offsetof(struct ctl, posture_repo), 0, 0,
	    NULL, 0, "the posture repository's JID (default: "
	    "posture-repo@<domain>/sacm-posture-repo)" },
	{ "results_repo", CONF_STR, offsetof(struct ctl, results_repo), 0, 0,
	    NULL, 0, "the results repository's JID (default: "
	    "results-repo@<domain>/sacm-results-repo)" },
	{ "log_level", CONF_LOGLEVEL, 0, 0, 0, "warn", 0, "log level" },
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "id", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "roles", required_argument, NULL, 'R' },
		{ "media-type", required_argument, NULL, 'M' },
		{ "no-gzip", no_argument, NULL, 'Z' },
		{ "name", required_argument, NULL, 'N' },
		{ "ca", required_argument, NULL, 'A' },
		{ "tailoring", required_argument, NULL, 'L' },
		{ "type", required_argument, NULL, 'Y' },
		{ "interval", required_argument, NULL, 'I' },
		{ "history", no_argument, NULL, 'H' },
		{ "policy", required_argument, NULL, 'P' },
		{ "profile", required_argument, NULL, 'F' },
		{ "node", required_argument, NULL, 'D' },
		{ "endpoint", required_argument, NULL, 'E' },
		{ "endpoints", required_argument, NULL, 'E' },
		{ "every", required_argument, NULL, 'X' },
		{ "assessment", required_argument, NULL, 'G' },
		{ "wait", no_argument, NULL, 'K' },
		{ "trusted", no_argument, NULL, 'U' },
		{ "password-file", required_argument, NULL, 'Q' },
		{ "account", required_argument, NULL, 'a' },
		{ "topic", required_argument, NULL, 't' },
		{ "since", required_argument, NULL, 's' },
		{ "reason", required_argument, NULL, 'r' },
		{ "expires", required_argument, NULL, 'e' },
		{ "ticket", required_argument, NULL, 'k' },
		{ "benchmark", required_argument, NULL, 'b' },
		{ "all", no_argument, NULL, 'l' },
		{ "expired", no_argument, NULL, 'x' },
		{ "raw", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	/* After a command, --version takes a version range. */
	struct option cmdopts[sizeof(longopts) / sizeof(longopts[0])];
	struct ctl c = { .n = 10 };
	const char *cfg = getenv("SACM_CONFIG");
	int loglevel = LOG_LVL_WARN, verbose = 0, help = 0, ch, r;
	struct conf_table tables[] = {
		{ grid_conf_opts, grid_conf_nopts, &c.gc },
		{ ctl_opts, 4, &c },
		{ ctl_opts + 4, 1, &loglevel },
	};
	char err[512];
	size_t ci;

	log_init("sacmctl", LOG_LVL_WARN, 0);
	/* "+" stops at the command; its own options are parsed after it. */
	while ((ch = getopt_long(argc, argv, "+c:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': cfg = optarg; break;
		case 'v': verbose = 1; break;
		case 'j': c.json = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sacmctl %s\n", SACM_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	for (ci = 0; ci < NCOMMANDS; ci++)
		if (strcmp(argv[0], commands[ci].name) == 0)
			break;
	if (ci == NCOMMANDS) {
		fprintf(stderr, "sacmctl: unknown command '%s' (try --help)\n",
		    argv[0]);
		return 2;
	}
	/* A command with a sub-command of its own entry (remediation
	 * apply): that entry's usage and help. */
	for (size_t k = ci + 1; argc > 1 && k < NCOMMANDS; k++) {
		size_t n = strlen(commands[k].name), m = strlen(argv[1]);

		if (strcmp(commands[k].name, argv[0]) == 0 &&
		    strncmp(commands[k].usage + n + 1, argv[1], m) == 0 &&
		    commands[k].usage[n + 1 + m] == ' ')
			ci = k;
	}
	/* The command's options may come anywhere after it. */
	memcpy(cmdopts, longopts, sizeof(cmdopts));
	for (size_t i = 0; cmdopts[i].name; i++)
		if (strcmp(cmdopts[i].name, "version") == 0) {
			cmdopts[i].has_arg = required_argument;
			cmdopts[i].val = 'W';
		}
	optind = 0;	/* GNU: start over */
	while ((ch = getopt_long(argc, argv, "n:o:h", cmdopts, NULL)) != -1) {
		char *end;

		switch (ch) {
		case 'j': c.json = 1; break;
		case 'h': help = 1; break;
		case 'i': c.id = optarg; break;
		case 'R': c.roles = optarg; break;
		case 'o': c.out = optarg; break;
		case 'M': c.media_type = optarg; break;
		case 'Z': c.no_gzip = 1; break;
		case 'N': c.name = optarg; break;
		case 'A': c.ca = optarg; break;
		case 'L': c.tailoring = optarg; break;
		case 'Y': c.type = optarg; break;
		case 'H': c.history = 1; break;
		case 'P': c.policy = optarg; break;
		case 'F': c.profile = optarg; break;
		case 'W': c.range = optarg; break;
		case 'D': c.node = optarg; break;
		case 'E': c.endpoint = optarg; break;
		case 'G': c.assessment = optarg; break;
		case 'K': c.wait = 1; break;
		case 'U': c.trusted = 1; break;
		case 'X': c.every = optarg; break;
		case 'Q': c.password_file = optarg; break;
		case 'a': c.account = optarg; break;
		case 't': c.topic = optarg; break;
		case 's': c.since = optarg; break;
		case 'r': c.reason = optarg; break;
		case 'e': c.expires = optarg; break;
		case 'k': c.ticket = optarg; break;
		case 'b': c.benchmark = optarg; break;
		case 'l': c.all = 1; break;
		case 'x': c.expired = 1; break;
		case 'w': c.raw = 1; break;
		case 'n': case 'C': case 'T': case 'I': {
			long v = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end || v < 0) {
				fprintf(stderr, "sacmctl: %s: bad number "
				    "'%s'\n",
				    argv[0], optarg);
				return 2;
			}
			c.n_set |= ch == 'n';
			*(ch == 'n' ? &c.n : ch == 'C' ? &c.count :
			    ch == 'I' ? &c.interval : &c.timeout) = v;
			break;
		}
		default:
			fprintf(stderr, "usage: sacmctl %s\n",
			    commands[ci].usage);
			return 2;
		}
	}
	if (help) {
		printf("usage: sacmctl %s [--json]\n  %s\n", commands[ci].usage,
		    commands[ci].help);
		return 0;
	}
	if (cfg == NULL)
		return ctl_fail(argv[0], "no configuration: use -c FILE or set "
		    "SACM_CONFIG (eval \"$(sacm-lab env)\" for a lab)");
	if (conf_load(cfg, tables, 3, err, sizeof(err)) < 0)
		return ctl_fail(argv[0], "%s", err);
	if (admin_command(commands[ci].name) && c.admin_config) {
		char *admin = c.admin_config;

		c.admin_config = NULL;
		conf_free(tables, 3);
		r = conf_load(admin, tables, 3, err, sizeof(err));
		free(admin);
		if (r < 0)
			return ctl_fail(argv[0], "admin_config: %s", err);
	}
	log_setlevel(verbose ? LOG_LVL_DEBUG : loglevel);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if ((c.g = grid_new(&c.gc, err, sizeof(err))) == NULL) {
		r = ctl_fail(argv[0], "%s", err);
		goto out;
	}
	if (grid_connect(c.g) < 0) {
		r = ctl_fail(argv[0], "%s", grid_errstr(c.g));
		goto out;
	}
	r = commands[ci].fn(&c, argc - optind, argv + optind);
	if (r == 2)
		fprintf(stderr, "usage: sacmctl %s\n", commands[ci].usage);
	grid_close(c.g);
out:
	grid_free(c.g);
	conf_free(tables, 3);
	return r;
}
