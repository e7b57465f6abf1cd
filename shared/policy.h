/*
 * policy.h - fetching a policy's content from its announcement.
 *
 * The announcement on sacm/policy carries a blob reference and the
 * repository that owns the content.  When the link no longer works (an
 * upload link expired, the broker lost its files), the repository is
 * asked to share the content again (<reshare/>, docs/protocol.md).  The
 * content is checked against the policy id, which is its sha256.
 */
#ifndef SACM_POLICY_H
#define SACM_POLICY_H

#include <stddef.h>

#include "grid.h"

/*
 * 0, or -EINVAL (malformed announcement), -EBADMSG (content does not
 * match the policy id), -E2BIG (over max), -EIO / grid errors when
 * neither the link nor the repository delivered.  err says why.
 */
int	policy_fetch(struct grid *, const char *announcement, size_t len,
	    size_t max, char **content, size_t *clen, char *err,
	    size_t errlen);

/*
 * A request (collection, evaluation) carries the policy's announcement
 * and, for a tailoring (kind='tailoring'), its base datastream's
 * announcement beside it as a second <policy/>.  *ann and *id get the
 * first, *base the second (NULL for a datastream).  0, -ENOENT (no
 * policy, or a tailoring without its base), -ENOMEM.
 */
#include <libxml/tree.h>
int	policy_from_request(xmlNodePtr req, char **ann, char **base,
	    char **id);

/* The datastream (and the tailoring, when base is given: ann is then
 * the tailoring's announcement).  As policy_fetch(). */
int	policy_fetch_pair(struct grid *, const char *ann, const char *base,
	    size_t max, char **ds, size_t *dslen, char **tl, size_t *tlen,
	    char *err, size_t errlen);

/* Asks repo to share policy id again; fills ref.  0 or -errno. */
struct blob_ref;
int	policy_reshare(struct grid *, const char *repo, const char *id,
	    struct blob_ref *ref, char *err, size_t errlen);

#endif
