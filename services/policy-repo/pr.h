/*
 * pr.h - sacm-policy-repo: the Policy Repository of Figure 2.
 */
#ifndef PR_H
#define PR_H

#include <sqlite3.h>
#include <time.h>

#include "grid.h"
#include "scap.h"

struct pr_conf {
	char	*db;			/* sqlite file */
	long	 max_content_size;	/* decoded bytes */
	long	 max_vuln_size;		/* decoded bytes, definitions */
	int	 log_level;
	char	*allow;		/* who may ask (query_allowed) */
	char	*feed_ca_file;		/* CA bundle for feeds without one */
	long	 feed_timeout_ms;
	long	 feed_max_entries;	/* entries ingested per poll */
};

struct pr {
	struct pr_conf	 conf;
	struct grid_conf gc;
	struct grid	*g;
	time_t		 last_flush;	/* pending publications retried */
	sqlite3		*db;
};

/* pr_store.c: the database. 0 or -errno. */
int	pr_store_open(struct pr *);
void	pr_store_close(struct pr *);
/* 1 when the submission was handled already, 0 if not. */
int	pr_store_submission_seen(struct pr *, const char *subid);
/* 1 when a policy with this content digest is stored. */
int	pr_store_has_policy(struct pr *, const char *id);
/* Stores content, policy metadata and the submission verdict at once. */
int	pr_store_policy(struct pr *, const char *id, const char *content,
	    size_t len, const struct scap_info *, const char *name,
	    const char *source, const char *source_ref, const char *by,
	    const char *announcement, const char *base);
/* The base datastream for a tailoring: id when given (and stored), else
 * the newest datastream with that file name.  1 found, 0 not. */
int	pr_store_find_base(struct pr *, const char *id, const char *name,
	    char out[65]);
int	pr_store_submission(struct pr *, const char *subid, const char *state,
	    const char *reason, const char *policy_id, const char *by,
	    const char *status_xml);
int	pr_store_mark(struct pr *, const char *table, const char *id,
	    const char *column);
/* Calls fn for each policy not yet announced / status not yet published. */
int	pr_store_pending(struct pr *,
	    int (*fn)(struct pr *, const char *kind, const char *id,
	    const char *xml));

/* Feeds (pr_store.c). */
int	pr_store_feed_put(struct pr *, const char *id, const char *url,
	    const char *ca_pem, const char *type, long interval, int trusted);
int	pr_store_feed_delete(struct pr *, const char *id);
int	pr_store_feed_poll_now(struct pr *, const char *id);
int	pr_store_feed_due(struct pr *, long now, char **id, char **url,
	    char **ca_pem, char **type, long *interval, int *failures,
	    int *trusted);
int	pr_store_feed_polled(struct pr *, const char *id, const char *when,
	    long http, const char *state, const char *reason, int failures,
	    long next_poll);
long	pr_store_feed_ingested(struct pr *, const char *id);
void	pr_store_doc_get(struct pr *, const char *feed, const char *url,
	    char **etag, char **last_modified);
/* parent: the document that linked to url (NULL keeps the known one). */
int	pr_store_doc_set(struct pr *, const char *feed, const char *url,
	    const char *etag, const char *last_modified, const char *parent);
/* Records that parent links to url (validators untouched). */
int	pr_store_doc_link(struct pr *, const char *feed, const char *url,
	    const char *parent);
/* The documents url linked to when it was last fetched in full. */
void	pr_store_doc_children(struct pr *, const char *feed, const char *url,
	    void (*fn)(void *, const char *), void *arg);
int	pr_store_entry_seen(struct pr *, const char *feed, const char *entry,
	    const char *updated);
int	pr_store_entry(struct pr *, const char *feed, const char *entry,
	    const char *updated, const char *policy, const char *state,
	    const char *reason);

/* The stored content of a policy (decoded); -ENOENT if unknown. */
int	pr_store_content(struct pr *, const char *id, char **data,
	    size_t *len);

/* pr_rolie.c */
void	pr_feeds_on_event(struct pr *, const struct grid_event *);
/* Polls a feed that is due, if any. */
void	pr_feeds_tick(struct pr *);

/* pr_submit.c */
enum { PR_ACCEPTED, PR_DUPLICATE, PR_REJECTED, PR_RETRY };
/*
 * Validates, stores and (through pr_flush_pending) announces content,
 * plain, gzip or bzip2: SCAP content as a policy, or vulnerability
 * definitions (origin kind "vulnerability", pr_vuln.c).  id gets its id
 * (sha256 of the decoded content).  Returns one of the verdicts above;
 * err says why for PR_REJECTED and PR_RETRY.
 */
struct pr_origin {
	const char	*source;	/* "submission" or "rolie" */
	const char	*source_ref;	/* submission id, or feed entry id */
	const char	*by;		/* submitter, or the feed's URL */
	int		 trusted;	/* assessed without an operator */
	const char	*kind;		/* "vulnerability", else SCAP content */
};
/* received= (now), source=, source-ref=, submitted-by= of an
 * announcement. */
struct buf;
void	pr_add_origin(struct buf *, const struct pr_origin *);
int	pr_ingest(struct pr *, const char *content, size_t len,
	    const char *name, const struct pr_origin *, const char *base_hint,
	    char id[65], char *err, size_t errlen);
void	pr_on_event(struct grid *, const struct grid_event *, void *);

/* pr_vuln.c: pr_ingest() of vulnerability definitions (decoded). */
int	pr_ingest_vuln(struct pr *, const char *content, size_t len,
	    const char *name, const struct pr_origin *, char id[65],
	    char *err, size_t errlen);
/* pr_store.c: vulnerability definitions, stored and announced once. */
int	pr_store_has_vuln(struct pr *, const char *id);
int	pr_store_vuln(struct pr *, const char *id, const char *content,
	    size_t len, const char *name, const struct pr_origin *,
	    const char *announcement);
/* The <reshare/> request (grid_request_fn). */
int	pr_on_reshare(struct grid *, const struct grid_request *,
	    struct buf *, void *);
/* Tries again the submissions that failed for a passing reason. */
void	pr_retry_tick(struct pr *);
/* Publishes what was stored but not yet published (after a restart). */
void	pr_flush_pending(struct pr *);

#endif
