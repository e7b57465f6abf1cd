/*
 * pr.h - sacm-policy-repo: the Policy Repository of Figure 2.
 */
#ifndef PR_H
#define PR_H

#include <sqlite3.h>

#include "grid.h"
#include "scap.h"

struct pr_conf {
	char	*db;			/* sqlite file */
	long	 max_content_size;	/* decoded bytes */
	int	 log_level;
};

struct pr {
	struct pr_conf	 conf;
	struct grid_conf gc;
	struct grid	*g;
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
	    const char *announcement);
int	pr_store_submission(struct pr *, const char *subid, const char *state,
	    const char *reason, const char *policy_id, const char *by,
	    const char *status_xml);
int	pr_store_mark(struct pr *, const char *table, const char *id,
	    const char *column);
/* Calls fn for each policy not yet announced / status not yet published. */
int	pr_store_pending(struct pr *,
	    int (*fn)(struct pr *, const char *kind, const char *id,
	    const char *xml));

/* pr_submit.c */
void	pr_on_event(struct grid *, const struct grid_event *, void *);
/* Publishes what was stored but not yet published (after a restart). */
void	pr_flush_pending(struct pr *);

#endif
