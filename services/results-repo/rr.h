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
 *   rr_fix.c     the remediation of an evaluation (libopenscap's fix)
 */
#ifndef RR_H
#define RR_H

#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include <libxml/tree.h>

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
#define RR_HOT_MAX	16
#define RR_HOT_BYTES	(64u << 20)

struct rr {
	struct rr_conf	 conf;
	struct grid_conf gc;
	struct grid	*g;
	time_t		 last_flush;	/* pending publications retried */
	struct _xsltSecurityPrefs *xslt_sec;	/* reports: no files, no network */
	sqlite3		*db;
	struct retry	*retry;		/* results the database refused */
	unsigned long	 stored, rejected, incidents;
	struct rr_hot	 hot[RR_HOT_MAX];
	unsigned long	 hot_clock;
};

/* rr_store.c */
int	rr_store_open(struct rr *);
void	rr_store_close(struct rr *);
/* Steps a write to its end and finalizes it: 0, or -EIO (logged). */
int	rr_step_done(struct rr *, sqlite3_stmt *);

/* rr_arf.c */
/* The ARF a result's <arf> names, fetched (parts stored already are not),
 * joined and verified; its sha256 in sha.  0 or -errno with err. */
int	rr_arf_in(struct rr *, xmlNodePtr arf, char **out, size_t *len,
	    char sha[65], char *err, size_t errlen);
/* Stores a verified ARF under sha: its skeleton, each shared part once.
 * Inside the caller's transaction. */
int	rr_arf_store(struct rr *, const char *sha, const char *arf,
	    size_t len);
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

/* rr_ingest.c */
void	rr_on_event(struct grid *, const struct grid_event *, void *);
void	rr_flush_pending(struct rr *);
int	rr_severity_rank(const char *);

/* rr_query.c */
int	rr_on_query(struct grid *, const struct grid_request *, struct buf *,
	    void *);

/* rr_request.c: the evaluation request a result answers. */
struct rr_request {
	char	*endpoint, *hostname, *assessment, *policy, *profile;
	char	*evaluator;		/* assigned, or NULL */
};
/* The request id, fetched from its topic and checked: published by the
 * orchestrator, answered by an evaluator account (the assigned one when
 * assigned).  0, -ENOENT, -EPERM, -EINVAL with err. */
int	rr_request_get(struct rr *, const char *id, const char *publisher,
	    struct rr_request *, char *err, size_t errlen);
/* 0 when a result's claims are the request's, else -EPERM with err. */
int	rr_request_agrees(const struct rr_request *, const char *endpoint,
	    const char *policy, const char *profile, const char *assessment,
	    char *err, size_t errlen);
void	rr_request_free(struct rr_request *);

#endif
