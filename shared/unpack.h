/*
 * unpack.h - content as a feed or an operator hands it over: plain, gzip
 * or bzip2 (Debian's security tracker serves oval-definitions-*.xml.bz2),
 * told apart by its first bytes and decoded to at most a given size.
 *
 * The limit holds while decoding: a 2 GB bomb of a few kilobytes stops at
 * the limit, having allocated no more than it.
 */
#ifndef SACM_UNPACK_H
#define SACM_UNPACK_H

#include <stddef.h>

/*
 * *out gets a copy of in, decoded when it is gzip or bzip2 (free() it),
 * *format (may be NULL) "plain", "gzip" or "bzip2".  0, -E2BIG when the
 * decoded content is over max bytes, -EBADMSG when it is corrupt or
 * truncated, -ENOMEM; err says which.
 */
int	unpack(const void *in, size_t len, size_t max, char **out,
	    size_t *outlen, const char **format, char *err, size_t errlen);

#endif
