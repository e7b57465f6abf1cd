/*
 * unpack.c - plain, gzip or bzip2 content, decoded within a limit: see
 * unpack.h.
 */
#include <bzlib.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "buf.h"
#include "unpack.h"

/* bzip2 (libbz2's stream API), chunk by chunk into a bounded buffer; a
 * file of several streams (pbzip2's) is read to its end. */
static int
bunzip2(const void *in, size_t len, size_t max, char **out, size_t *outlen)
{
	bz_stream z;
	struct buf b;
	char chunk[65536];
	int r, rc = 0;

	memset(&z, 0, sizeof(z));
	if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK)
		return -ENOMEM;
	buf_init(&b, max);
	z.next_in = (char *)(uintptr_t)in;
	z.avail_in = len > 0xffffffffu ? 0xffffffffu : (unsigned)len;
	for (;;) {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		r = BZ2_bzDecompress(&z);
		if (r != BZ_OK && r != BZ_STREAM_END) {
			rc = r == BZ_MEM_ERROR ? -ENOMEM : -EBADMSG;
			break;
		}
		if ((rc = buf_add(&b, chunk, sizeof(chunk) - z.avail_out)) < 0)
			break;
		if (r == BZ_STREAM_END) {
			size_t used = len - z.avail_in;

			if (z.avail_in == 0)
				break;
			/* another stream follows */
			BZ2_bzDecompressEnd(&z);
			memset(&z, 0, sizeof(z));
			if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK) {
				rc = -ENOMEM;
				goto out;
			}
			z.next_in = (char *)(uintptr_t)in + used;
			z.avail_in = (unsigned)(len - used);
			continue;
		}
		if (z.avail_in == 0 && z.avail_out != 0) {
			rc = -EBADMSG;	/* truncated */
			break;
		}
	}
	BZ2_bzDecompressEnd(&z);
out:
	if (rc < 0) {
		buf_free(&b);
		return rc;
	}
	*out = buf_steal(&b, outlen);
	return *out ? 0 : -ENOMEM;
}

int
unpack(const void *in, size_t len, size_t max, char **out, size_t *outlen,
    const char **format, char *err, size_t errlen)
{
	const unsigned char *p = in;
	const char *f = "plain";
	int r;

	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		f = "gzip";
		r = blob_gunzip(in, len, max, out, outlen);
	} else if (len >= 4 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' &&
	    p[3] <= '9') {
		f = "bzip2";
		r = bunzip2(in, len, max, out, outlen);
	} else if (len > max) {
		r = -E2BIG;
	} else if ((*out = malloc(len + 1)) == NULL) {
		r = -ENOMEM;
	} else {
		memcpy(*out, in, len);
		(*out)[len] = '\0';
		*outlen = len;
		r = 0;
	}
	if (format)
		*format = f;
	if (r == -E2BIG)
		snprintf(err, errlen, "%s content over the limit of %zu "
		    "bytes%s", f, max, strcmp(f, "plain") ? " once decoded" :
		    "");
	else if (r == -EBADMSG)
		snprintf(err, errlen, "corrupt or truncated %s data", f);
	else if (r < 0)
		snprintf(err, errlen, "out of memory");
	return r;
}
