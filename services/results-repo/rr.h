/*
 * rr.h - sacm-results-repo: the results repository of Figure 2.
 *
 *   rr_store.c   the sqlite database: evaluations, rule results, ARFs,
 *                incidents
 *   rr_ingest.c  evaluation results in -> stored -> sacm/results current,
 *                incidents on sacm/incidents
 *   rr_arf.c     ARFs in (whole, or a skeleton and shared parts), stored
 *                with each shared part once, joined again on demand
 *   rr_query.c   the queries answered over the grid, the HTML report
 *   rr_fix.c     libopenscap on a stored ARF: the remediation (fix) of
 *                an evaluation, its score with waived rules overridden
 *   rr_waiver.c  waivers: stored, applied, expired
 *   rr_request.c evaluation requests kept as they come; a result checked
 *                against its request
 *   rr_recover.c after a (re)connect, the results on the topic not
 *                stored are taken (a broker drops what it had queued
 *                for a session it closed)
 */
#ifndef RR_H
#define RR_H

#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include <libxml/tree.h>

#include "arfpart.h"
#include "buf.h"
#include "grid.h"
#include "retry.h"

#define NS_RESULTS	"http://sacm-grid.dev/protocol/1/results"

struct rr_conf {
	char	*db;
	char	*incident_severity;	/* lowest severity that raises one */
	long	 max_arf;		/* largest ARF accepted, decoded */
	int	 log_level;
	char	*allow;		/* who may ask (query_allowed) */
	char	*evaluators;	/* whose results count (globs) */
	char	*orchestrator;	/* who publishes evaluation requests */
	char	*approvers;	/* whose waivers count (globs) */
};

/* A shared part of ARFs held decoded and verified (rr_arf.c): most
 * results bring the same ones. */
struct rr_hot {
	char		 sha256[65];
	char		*data;		/* NULL: free */
	size_t		 len;
	unsigned long	 used;
	int		 busy;		/* in the ARF being joined */
};

/* What rr_arf_in learnt of the ARF: its parts (where they are in the
 * whole, their digests), and whether it checked the whole's XML. */
struct rr_arf_info {
	size_t		 n;
	struct {
		size_t	 off, len;
		char	 sha256[65];
	}		 part[ARFPART_MAX];
	int		 checked;
};
#define RR_HOT_MAX	16
#define RR_HOT_BYTES	(64u << 20)

/* A publication the broker took, to be marked published (rr_publish.c):
 * a current row (its rowid id, its evaluation eid), or the incidents id
 * to last (n of them) in one document. */
struct rr_mark {
	int		 incident;	/* else a current row */
	int		 n;
	int64_t		 id, eid, last;
};
#define RR_MARKS_MAX	512		/* publications in flight, at most */

/* A request as it came on sacm/evaluation/requests, or its withdrawal
 * (payload NULL), to be written (rr_request.c). */
struct rr_req_op {
	char		*id, *publisher, *payload;
};
#define RR_REQS_MAX	256		/* written when this many wait */

/* Results on the topic not stored, after a (re)connect (rr_recover.c). */
struct rr_recover {
	char		**ids;		/* to fetch, from next on */
	size_t		  n, next, cap;
	unsigned	  seen;		/* grid_reconnects() listed after */
	int		  started;
	unsigned long	  retry;	/* a failed listing: not before */
	unsigned long	  listed, fetched, stored, foreign;
};

struct rr {
	struct rr_conf	 conf;
	struct grid_conf gc;
	struct grid	*g;
	struct grid	*q;		/* queries are answered on this one */
	time_t		 last_flush;	/* pending publications retried */
	struct _xsltSecurityPrefs *xslt_sec;	/* reports: no files, no network */
	sqlite3		*db;
	struct retry	*retry;		/* results the database refused */
	unsigned long	 stored, rejected, incidents;
	/* publications without waiting: answers awaited; what was sent up to
	 * (current rows by evaluation, incidents by id); marks to write */
	size_t		 publishing;
	int64_t		 cur_upto, inc_upto;
	struct rr_mark	 marks[RR_MARKS_MAX];
	size_t		 nmarks;
	struct rr_hot	 hot[RR_HOT_MAX];
	unsigned long	 hot_clock;
	struct rr_req_op reqs[RR_REQS_MAX];	/* requests to write */
	size_t		 nreqs;
	time_t		 reqs_pruned;
	struct rr_recover rec;
};

/* rr_store.c */
int	rr_store_open(struct rr *);
void	rr_store_close(struct rr *);
/* Steps a write to its end and finalizes it: 0, or -EIO (logged). */
int	rr_step_done(struct rr *, sqlite3_stmt *);
/* Is a result stored for the request named by the first len bytes of
 * request (an evaluation or a vulnerability scan)?  1, 0, or -EIO. */
int	rr_result_stored(struct rr *, const char *request, size_t len);

#define NS_ARF	"http://scap.nist.gov/schema/asset-reporting-format/1.1"

/* rr_arf.c */
/* The ARF a result's <arf> names, fetched (parts stored already are not),
 * joined and verified; its sha256 in sha.  0 or -errno with err. */
int	rr_arf_in(struct rr *, xmlNodePtr arf, char **out, size_t *len,
	    char sha[65], struct rr_arf_info *, char *err, size_t errlen);
/* Stores a verified ARF under sha: its skeleton, each shared part once.
 * Inside the caller's transaction. */
int	rr_arf_store(struct rr *, const char *sha, const char *arf,
	    size_t len, const struct rr_arf_info *);
/* The ARF of evaluation eid, joined; -ENOENT when none is stored. */
int	rr_arf_load(struct rr *, int64_t eid, char **out, size_t *len);
void	rr_arf_forget(struct rr *);

/* rr_fix.c */
/* The fix of type (bash, ansible, puppet) for the failed rules of the
 * ARF's TestResult, as oscap xccdf generate fix writes it (*out to
 * free).  0 or -errno with err. */
int	rr_fix(const char *arf, size_t len, const char *type, char **out,
	    size_t *outlen, char *err, size_t errlen);
const char *rr_fix_types(void);
/* The default model's score and maximum of the ARF's TestResult with the
 * rules waived[0..n) (each failing there) overridden to pass. */
int	rr_fix_score(const char *arf, size_t len, const char *const *waived,
	    size_t n, double *score, double *max, char *err, size_t errlen);

/* rr_waiver.c */
/* SQL: waiver w covers evaluation e (its policy or benchmark, profile,
 * endpoint); w in force is also w.state = 'active'. */
#define RR_WAIVER_COVERS \
	"(w.policy = e.policy OR w.benchmark = e.benchmark) AND " \
	"(w.profile IS NULL OR w.profile = e.profile) AND " \
	"(w.all_endpoints OR EXISTS (SELECT 1 FROM waiver_endpoint we " \
	"WHERE we.waiver = w.id AND we.endpoint = e.endpoint))"
/* 1 when some waiver is in force (a result stored needs applying). */
int	rr_waivers_in_force(struct rr *);
/* An item on sacm/waivers (published or retracted). */
void	rr_waiver_event(struct rr *, const struct grid_event *);
/* Expires the waivers due, scoring what they covered again. */
void	rr_waiver_tick(struct rr *);
/* Sets evaluation eid's waived counts and score from the waivers in
 * force (its current item is published again).  0 or -errno. */
int	rr_waiver_apply(struct rr *, int64_t eid);
/* The id of a waiver in force that covers rule for evaluation eid's
 * endpoint, policy and profile, or NULL (static storage). */
const char *rr_waiver_covering(struct rr *, int64_t eid, const char *rule);

/* The ARF of evaluation eid (*arf, *len, replaced) with the waivers in
 * force recorded as XCCDF overrides on its rule results (each waived
 * failure a pass, the old result kept) and its TestResult's default
 * score the waived one.  0 (unchanged when nothing is waived), or
 * -errno with the ARF left as it was. */
int	rr_waiver_arf(struct rr *, int64_t eid, char **arf, size_t *len);

/* rr_ingest.c */
/* Opens an incident for each rule of expired waiver id that fails in
 * evaluation eid and has none open: its failure is no longer accepted. */
void	rr_incidents_expired(struct rr *, int64_t eid, const char *id);

/* rr_ingest.c */
void	rr_on_event(struct grid *, const struct grid_event *, void *);
/* rr_publish.c: publishes what is unpublished (current items,
 * incidents) without waiting; the broker's answers are marked by rr_marks_write(), in one
 * transaction.  What the broker did not take is sent again later. */
void	rr_flush_pending(struct rr *);
void	rr_marks_write(struct rr *);
int	rr_severity_rank(const char *);

/* An IODEF 2.0 document as rr_iodef_begin() opens it and its end: the
 * incidents of one evaluation are published in one (rr_publish.c). */
#define RR_IODEF_HEAD	"<IODEF-Document xmlns='" IODEF_NS "' " \
	"version='2.00' xml:lang='en'>"
#define RR_IODEF_TAIL	"</IODEF-Document>"
#define RR_INCIDENTS_PER_ITEM	64

/* rr_ingest.c: an IODEF 2.0 incident's opening (up to its
 * GenerationTime; detected NULL: now), and its creator and target (after
 * the Assessment). */
void	rr_iodef_begin(struct buf *, const char *uuid, const char *detected);
void	rr_iodef_target(struct buf *, const char *hostname,
	    const char *endpoint);

/* rr_vuln.c: vulnerability results, their history and incidents */
void	rr_vuln_result(struct rr *, const struct grid_event *);
/* A query of type vulns, vuln-history, vuln-cves or vuln-who into b: 0,
 * -errno, or -ENOENT when type is not one of these. */
struct rr_vq {
	const char	*type, *endpoint, *cve;
	long		 max, offset;
};
int	rr_vuln_query(struct rr *, const struct rr_vq *, struct buf *b);
/* A random (v4) UUID. */
void	rr_uuid4(char out[37]);

/* rr_query.c */
/* A paged listing: sql selects the rows (its last two parameters are
 * LIMIT and OFFSET), counted by count_sql; the text parameters are bound
 * in order; each row an <el/> of the columns names, in <list/>. */
int	rr_listing(struct rr *, long max, long offset, const char *sql,
	    const char *count_sql, const char *const *params, int nparams,
	    const char *list, const char *el, const char *const *names,
	    int ncols, struct buf *b);
int	rr_on_query(struct grid *, const struct grid_request *, struct buf *,
	    void *);

/* rr_request.c: the evaluation request a result answers. */
struct rr_request {
	char	*endpoint, *hostname, *assessment, *policy, *profile;
	char	*benchmark;		/* the announcement's, or NULL */
	char	*evaluator;		/* assigned, or NULL */
};
/* The request id, as kept when it came (rr_request_event) or else
 * fetched from its topic, and checked: published by the orchestrator,
 * answered by an evaluator account (the assigned one when assigned).
 * 0, -ENOENT, -EPERM, -EINVAL with err. */
int	rr_request_get(struct rr *, const char *id, const char *publisher,
	    struct rr_request *, char *err, size_t errlen);
/* The same checks for a request of any kind (its root element): *doc
 * (to free) is the request, parsed and its identifiers checked. */
int	rr_request_fetch(struct rr *, const char *id, const char *publisher,
	    const char *root, xmlDocPtr *doc, char *err, size_t errlen);
/* 0 when a result's claims are the request's, else -EPERM with err. */
int	rr_request_agrees(const struct rr_request *, const char *endpoint,
	    const char *policy, const char *profile, const char *assessment,
	    char *err, size_t errlen);
void	rr_request_free(struct rr_request *);
/* An item on sacm/evaluation/requests, published or retracted: kept (the
 * orchestrator's only) until its result is stored, a day at most, so
 * that a result is checked without asking the broker, which keeps only
 * the last 10,000. */
void	rr_request_event(struct rr *, const struct grid_event *);
/* Request id is answered: it is not kept any longer. */
void	rr_request_done(struct rr *, const char *id);
/* Writes the requests that came in one transaction (each loop turn). */
void	rr_requests_write(struct rr *);
/* Forgets the requests not written (they are on the broker, or not). */
void	rr_requests_free(struct rr *);

/* rr_recover.c: each loop turn; after a (re)connect, lists the results
 * on sacm/evaluation/results not stored and takes them, some each turn. */
void	rr_recover_tick(struct rr *);
void	rr_recover_free(struct rr *);

#endif
