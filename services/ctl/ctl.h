/*
 * ctl.h - sacmctl's commands share this context.
 */
#ifndef SACMCTL_CTL_H
#define SACMCTL_CTL_H

#include <signal.h>

#include <libxml/tree.h>

#include "grid.h"

struct ctl {
	struct grid	*g;
	struct grid_conf gc;
	char		*roles_file;
	char		*admin_config;	/* the administrator's settings */
	int		 json;
	long		 n;		/* -n N */
	int		 n_set;		/* -n was given */
	long		 count;		/* --count N */
	long		 timeout;	/* --timeout S */
	const char	*id;		/* --id ID */
	const char	*roles;		/* --roles FILE */
	const char	*out;		/* -o FILE */
	const char	*media_type;	/* --media-type T */
	int		 no_gzip;	/* --no-gzip */
	const char	*name;		/* --name NAME */
	const char	*ca;		/* --ca FILE */
	const char	*tailoring;	/* --tailoring FILE */
	const char	*type;		/* --type TYPE */
	long		 interval;	/* --interval S */
	int		 trusted;	/* --trusted */
	int		 history;	/* --history */
	const char	*policy;	/* --policy ID */
	const char	*profile;	/* --profile ID */
	const char	*range;		/* --version RANGE (after a command) */
	char		*posture_repo;	/* its JID (configuration) */
	const char	*node;		/* --node N */
	const char	*endpoint;	/* --endpoint E */
	const char	*assessment;	/* --assessment A */
	char		*results_repo;	/* its JID (configuration) */
	int		 wait;		/* --wait */
	const char	*every;		/* --every DURATION */
	const char	*password_file;	/* --password-file FILE */
	const char	*account;	/* --account JID */
	const char	*topic;		/* --topic T */
	const char	*since;		/* --since TIME */
	const char	*reason;	/* --reason TEXT */
	const char	*expires;	/* --expires DATE|DURATION */
	const char	*ticket;	/* --ticket T */
	const char	*benchmark;	/* --benchmark ID */
	int		 all;		/* --all */
	int		 expired;	/* --expired */
	int		 raw;		/* --raw */
};

#define NS_ORCH		"http://sacm-grid.dev/protocol/1/orchestrator"

extern volatile sig_atomic_t ctl_quit;

/* Each returns 0 or 1 (failure, reason already printed) or 2 (usage). */
int	ctl_grid(struct ctl *, int argc, char **argv);
/* ctl_revoke.c: grid revoke|reinstate ACCOUNT */
int	ctl_revoke(struct ctl *, int argc, char **argv);
/* What the administrator did, on sacm/operations (the audit trail's);
 * account and detail may be NULL. */
void	ctl_record(struct ctl *, const char *action, const char *account,
	    const char *result, const char *detail);
/* Cancels the account's subscriptions (bare or full JID) to the topic;
 * *n counts them.  0 or -errno. */
int	ctl_cancel_subscriptions(struct ctl *, const char *node,
	    const char *account, size_t *n);
int	ctl_topics(struct ctl *, int argc, char **argv);
int	ctl_affiliations(struct ctl *, int argc, char **argv);
int	ctl_items(struct ctl *, int argc, char **argv);
/* One item's payload (free() it), or NULL; *rc (may be NULL): 0,
 * -ENOENT when there is none, or the query's error. */
char	*ctl_item(struct ctl *, const char *node, const char *id, int *rc);
int	ctl_watch(struct ctl *, int argc, char **argv);
int	ctl_publish(struct ctl *, int argc, char **argv);
int	ctl_retract(struct ctl *, int argc, char **argv);
int	ctl_blob(struct ctl *, int argc, char **argv);
int	ctl_policy(struct ctl *, int argc, char **argv);
/* Uploads FILE and submits it to the policy repository: SCAP content
 * (kind NULL; base names a tailoring's datastream) or "vulnerability"
 * definitions; waits for the verdict and prints what was announced.
 * idout (may be NULL) gets the id.  0, or 1 with the reason printed. */
int	ctl_submit(struct ctl *, const char *path, const char *kind,
	    const char *base, char idout[65]);
/* ctl_vuln.c: vuln publish FILE | vuln list */
int	ctl_vuln(struct ctl *, int argc, char **argv);
/* One announcement of vulnerability definitions, printed. */
int	ctl_vuln_show(struct ctl *, const char *payload);
int	ctl_vulns(struct ctl *, int argc, char **argv);
int	ctl_feeds(struct ctl *, int argc, char **argv);
int	ctl_disco(struct ctl *, int argc, char **argv);
int	ctl_assess(struct ctl *, int argc, char **argv);
int	ctl_assessments(struct ctl *, int argc, char **argv);
/* The assessment's item on sacm/assessments, parsed (its root
 * <assessment/>), or NULL. */
xmlDocPtr ctl_assessment(struct ctl *, const char *id);
int	ctl_assign(struct ctl *, int argc, char **argv);
int	ctl_assignments(struct ctl *, int argc, char **argv);
int	ctl_unassign(struct ctl *, int argc, char **argv);
/* "90", "90s", "15m", "6h", "1d" -> seconds (0: not a duration, or over
 * a year). */
long	ctl_duration(const char *);
/* ctl_waiver.c: waive, waivers, unwaive */
int	ctl_waive(struct ctl *, int argc, char **argv);
int	ctl_waivers(struct ctl *, int argc, char **argv);
int	ctl_unwaive(struct ctl *, int argc, char **argv);
/* <endpoint id='E'/> for each of a comma-separated list (may be NULL). */
struct buf;
void	ctl_add_endpoints(struct buf *, const char *list);
/* An IQ to the orchestrator; *docp is its answer element `answer`.
 * 0, or 1 with the reason printed. */
int	ctl_orch_iq(struct ctl *, const char *what, const char *type,
	    const char *query, const char *answer, xmlDocPtr *docp);
/* The same for a request that may come twice (approving an approved
 * endpoint changes nothing): unanswered within iq_timeout_ms (the
 * orchestrator's session lost with the answer, or a long batch), it is
 * sent once more. */
int	ctl_orch_iq_again(struct ctl *, const char *what, const char *type,
	    const char *query, const char *answer, xmlDocPtr *docp);
int	ctl_results(struct ctl *, int argc, char **argv);
/* The results repository's JID: the setting, else the one the grid
 * names (query_service_jid). */
void	ctl_results_repo(struct ctl *, char *to, size_t len);
/* Sends the results repository the <query/> in query; the answer's
 * <child> (*elem) names a blob, fetched into *data (free() it; at most
 * 1 GiB), its reference in *ref (may be NULL; blob_ref_free() it).  The
 * answer's document (free it), or NULL with the reason printed. */
struct blob_ref;
xmlDocPtr ctl_results_blob(struct ctl *, const char *what, struct buf *query,
	    const char *child, xmlNodePtr *elem, char **data, size_t *len,
	    struct blob_ref *ref);
int	ctl_report(struct ctl *, int argc, char **argv);
int	ctl_arf(struct ctl *, int argc, char **argv);
/* ctl_fix.c: remediation [apply] */
int	ctl_remediation(struct ctl *, int argc, char **argv);
/* ctl_assess.c: waits for assessments to end, with progress */
int	ctl_wait_assessments(struct ctl *, const char *what, char *const *ids,
	    size_t n);
int	ctl_incidents(struct ctl *, int argc, char **argv);
int	ctl_endpoints(struct ctl *, int argc, char **argv);
/* ctl_approve.c: endpoints pending|approved|rejected|approve|reject */
int	ctl_approvals(struct ctl *, int argc, char **argv);
int	ctl_posture(struct ctl *, int argc, char **argv);
int	ctl_audit(struct ctl *, int argc, char **argv);
int	ctl_inventory(struct ctl *, int argc, char **argv);

/* The results repository's queries (rr_query.c). */
#define NS_RESULTS	"http://sacm-grid.dev/protocol/1/results"

/* ctl_rows.c: a service's list query gathered over all its pages. */
struct ctl_rows {
	xmlDocPtr	 doc;
	xmlNodePtr	 root;		/* <rows>: copies of the row elements */
	const char	*list;		/* the list element in the answer */
};
int	ctl_query_rows(struct ctl *, const char *what, const char *to,
	    const char *ns, const char *head, const char *list,
	    struct ctl_rows *);
/* A table of the columns (or JSON of every attribute with --json). */
void	ctl_print_rows(struct ctl *, struct ctl_rows *, const char *const *cols,
	    const char *const *heads, size_t ncols, const char *empty);
/* One element's attributes as a JSON object (protocol numbers as
 * numbers). */
void	ctl_json_attrs(struct buf *, xmlNodePtr);
/* Prints {"key": "value", ...} (NULL-terminated pairs; NULL values left
 * out; protocol numbers as numbers) and a newline. */
void	ctl_print_object(const char *key, ...);
/* The attribute, or "-" (to free). */
char	*ctl_prop(xmlNodePtr, const char *);

/* Prints "sacmctl: what: reason" to stderr and returns 1. */
int	ctl_fail(const char *what, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Reads a whole file ("-" = stdin) of at most max bytes. */
int	ctl_read_file(const char *path, size_t max, char **out, size_t *len);

#endif
