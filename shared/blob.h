/*
 * blob.h - bulk content beside the items: XEP-0363 HTTP upload + libcurl.
 *
 * Items stay small; a datastream, system characteristics or an ARF travel
 * as a blob: gzip-compressed, PUT to an upload slot the broker hands out,
 * and referred to by {href, sha256, size, media-type, encoding}.  sha256
 * and size are those of the bytes at href (the compressed bytes), so a
 * consumer verifies before it decompresses anything; decompression is
 * bounded too (no zip bombs).
 */
#ifndef SACM_BLOB_H
#define SACM_BLOB_H

#include <stddef.h>
#include <libxml/tree.h>

#include "buf.h"
#include "grid.h"

#define BLOB_NS		"http://sacm-grid.dev/protocol/1"

struct blob_ref {
	char	*href;
	char	 sha256[65];	/* lowercase hex */
	size_t	 size;		/* bytes at href */
	char	*media_type;	/* of the content once decoded */
	char	*encoding;	/* "gzip" or "identity" */
};

void	blob_ref_free(struct blob_ref *);

/* SHA-256 of data as 64 lowercase hex digits and a NUL. */
void	blob_sha256_hex(const void *data, size_t len, char out[65]);
/* 1 if s (may be NULL) is such a digest: 64 lowercase hex digits. */
int	blob_sha256_ok(const char *s);

/* gzip at zlib's level (1 fastest .. 9 smallest; 6 its default); 0 or
 * -ENOMEM.  *out is malloc'ed. */
int	blob_gzip(const void *in, size_t len, int level, char **out,
	    size_t *outlen);
/* gunzip (every member) at most max bytes of output; -E2BIG past it,
 * -EBADMSG if corrupt or truncated. */
int	blob_gunzip(const void *in, size_t len, size_t max, char **out,
	    size_t *outlen);

/*
 * Uploads data (compressed first when gzip) through a slot from the
 * grid's upload service and fills ref.  name is the file name offered.
 * Returns 0, -E2BIG (over the service's limit), -EIO (HTTP failure),
 * or a grid error.
 */
int	blob_put(struct grid *, const char *name, const void *data,
	    size_t len, const char *media_type, int gzip,
	    struct blob_ref *ref);

/*
 * Downloads ref, verifies size and sha256, decodes, and returns at most
 * max decoded bytes.  -EBADMSG: digest or size mismatch (nothing is
 * returned); -E2BIG: over max; -EIO: HTTP failure.  err says why.
 */
int	blob_get(struct grid *, const struct blob_ref *, size_t max,
	    char **out, size_t *outlen, char *err, size_t errlen);

/* <blob xmlns=BLOB_NS href=.. sha256=.. size=.. media-type=.. encoding=../> */
int	blob_ref_to_xml(const struct blob_ref *, struct buf *);
/* Reads and validates such an element; -EINVAL with err if malformed. */
int	blob_ref_from_xml(xmlNodePtr, struct blob_ref *, char *err,
	    size_t errlen);

#endif
