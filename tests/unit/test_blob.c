/* Unit tests: digests, gzip and blob references (blob.c); plain, gzip and
 * bzip2 content within a limit (unpack.c). */
#include <bzlib.h>
#include <errno.h>
#include <stdio.h>

#include "blob.h"
#include "buf.h"
#include "unpack.h"
#include "xmlsafe.h"
#include "t.h"

static void
test_sha256(void)
{
	char hex[65];

	blob_sha256_hex("", 0, hex);
	T_STREQ(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	blob_sha256_hex("abc", 3, hex);
	T_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}

static void
test_gzip_round_trip_and_limits(void)
{
	size_t n = 1 << 20, zl, ol;
	char *in = malloc(n), *z, *out;

	for (size_t i = 0; i < n; i++)
		in[i] = (char)('a' + i % 7);
	T_EQ(blob_gzip(in, n, 6, &z, &zl), 0);
	T_ASSERT(zl < n / 10);
	T_EQ(blob_gunzip(z, zl, n, &out, &ol), 0);
	T_EQ(ol, n);
	T_ASSERT(memcmp(in, out, n) == 0);
	free(out);
	/* A bomb: more output than allowed. */
	T_EQ(blob_gunzip(z, zl, n - 1, &out, &ol), -E2BIG);
	/* Corrupt and truncated input. */
	z[zl / 2] ^= 0x55;
	T_EQ(blob_gunzip(z, zl, n, &out, &ol), -EBADMSG);
	z[zl / 2] ^= 0x55;
	T_EQ(blob_gunzip(z, zl / 2, n, &out, &ol), -EBADMSG);
	T_EQ(blob_gunzip("not gzip", 8, n, &out, &ol), -EBADMSG);
	free(z);
	free(in);
}

static int
ref_from(const char *xml, struct blob_ref *r, char *err)
{
	xmlDocPtr doc;
	int rc;

	if (xmlsafe_parse(xml, strlen(xml), 65536, &doc, err, 256) < 0)
		return -100;
	rc = blob_ref_from_xml(xmlDocGetRootElement(doc), r, err, 256);
	xmlFreeDoc(doc);
	return rc;
}

static void
test_ref_xml(void)
{
	struct blob_ref r = { 0 }, back;
	struct buf b;
	char err[256];

	r.href = strdup("https://upload.grid.test:1/x?a=1&b=2");
	blob_sha256_hex("abc", 3, r.sha256);
	r.size = 42;
	r.media_type = strdup("application/xml");
	r.encoding = strdup("gzip");
	buf_init(&b, 4096);
	T_EQ(blob_ref_to_xml(&r, &b), 0);
	T_EQ(ref_from(b.data, &back, err), 0);
	T_STREQ(back.href, r.href);
	T_STREQ(back.sha256, r.sha256);
	T_EQ(back.size, 42);
	T_STREQ(back.encoding, "gzip");
	blob_ref_free(&back);
	blob_ref_free(&r);
	buf_free(&b);
}

static void
test_ref_rejects(void)
{
	struct blob_ref r;
	char err[256];
	const char *good = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	char x[1024];

	snprintf(x, sizeof(x), "<blob xmlns='" BLOB_NS "' href='http://a/b' "
	    "sha256='%s' size='1' media-type='t'/>", good);
	T_EQ(ref_from(x, &r, err), -EINVAL);	/* not https */
	snprintf(x, sizeof(x), "<blob xmlns='" BLOB_NS "' href='https://a/b' "
	    "sha256='%.63s' size='1' media-type='t'/>", good);
	T_EQ(ref_from(x, &r, err), -EINVAL);	/* short digest */
	snprintf(x, sizeof(x), "<blob xmlns='" BLOB_NS "' href='https://a/b' "
	    "sha256='%s' size='-1' media-type='t'/>", good);
	T_EQ(ref_from(x, &r, err), -EINVAL);	/* negative size */
	snprintf(x, sizeof(x), "<blob xmlns='" BLOB_NS "' href='https://a/b' "
	    "sha256='%s' size='1' media-type='t' encoding='br'/>", good);
	T_EQ(ref_from(x, &r, err), -EINVAL);	/* unknown encoding */
	snprintf(x, sizeof(x), "<blob xmlns='urn:other' href='https://a/b' "
	    "sha256='%s' size='1' media-type='t'/>", good);
	T_EQ(ref_from(x, &r, err), -EINVAL);	/* wrong namespace */
	snprintf(x, sizeof(x), "<blob xmlns='" BLOB_NS "' href='https://a/b' "
	    "sha256='%s' size='1' media-type='t'/>", good);
	T_EQ(ref_from(x, &r, err), 0);
	T_STREQ(r.encoding, "identity");
	blob_ref_free(&r);
}

static void
test_unpack(void)
{
	size_t n = 1 << 20, ol;
	unsigned int bl = (unsigned int)n;
	char *in = malloc(n), *bz = malloc(n), *z, *out, err[256];
	const char *fmt;
	size_t zl;
	struct buf bomb;

	for (size_t i = 0; i < n; i++)
		in[i] = (char)('a' + i % 13);
	/* plain: a copy, NUL-terminated */
	T_EQ(unpack(in, 5, n, &out, &ol, &fmt, err, sizeof(err)), 0);
	T_STREQ(fmt, "plain");
	T_EQ(ol, 5);
	T_ASSERT(memcmp(out, in, 5) == 0 && out[5] == '\0');
	free(out);
	T_EQ(unpack(in, n, n - 1, &out, &ol, NULL, err, sizeof(err)), -E2BIG);
	/* gzip */
	T_EQ(blob_gzip(in, n, 6, &z, &zl), 0);
	T_EQ(unpack(z, zl, n, &out, &ol, &fmt, err, sizeof(err)), 0);
	T_STREQ(fmt, "gzip");
	T_ASSERT(ol == n && memcmp(in, out, n) == 0);
	free(out);
	/* two members (cat a.gz b.gz): both, not the first alone */
	{
		char *zz = malloc(2 * zl);

		memcpy(zz, z, zl);
		memcpy(zz + zl, z, zl);
		T_EQ(unpack(zz, 2 * zl, 2 * n, &out, &ol, NULL, err,
		    sizeof(err)), 0);
		T_ASSERT(ol == 2 * n && memcmp(out + n, in, n) == 0);
		free(out);
		T_EQ(unpack(zz, 2 * zl - 3, 2 * n, &out, &ol, NULL, err,
		    sizeof(err)), -EBADMSG);
		free(zz);
	}
	free(z);
	/* bzip2, compressed by libbz2 itself */
	T_EQ(BZ2_bzBuffToBuffCompress(bz, &bl, in, (unsigned int)n, 9, 0, 0),
	    BZ_OK);
	T_EQ(unpack(bz, bl, n, &out, &ol, &fmt, err, sizeof(err)), 0);
	T_STREQ(fmt, "bzip2");
	T_ASSERT(ol == n && memcmp(in, out, n) == 0);
	free(out);
	T_EQ(unpack(bz, bl, n - 1, &out, &ol, NULL, err, sizeof(err)),
	    -E2BIG);
	T_ASSERT(strstr(err, "once decoded") != NULL);
	T_EQ(unpack(bz, bl / 2, n, &out, &ol, NULL, err, sizeof(err)),
	    -EBADMSG);
	bz[bl / 2] ^= 0x55;
	T_EQ(unpack(bz, bl, n, &out, &ol, NULL, err, sizeof(err)), -EBADMSG);
	/* 2 GB of zeros in 1.5 KB (head -c 2G /dev/zero | bzip2 -9): stops
	 * at the limit */
	buf_init(&bomb, 1 << 20);
	T_EQ(buf_read_file(&bomb, "tests/targets/bomb-2g.bz2"), 0);
	T_ASSERT(bomb.len < 4096);
	T_EQ(unpack(bomb.data, bomb.len, 16u << 20, &out, &ol, NULL, err,
	    sizeof(err)), -E2BIG);
	buf_free(&bomb);
	free(bz);
	free(in);
}

int
main(void)
{
	T_RUN(test_sha256);
	T_RUN(test_gzip_round_trip_and_limits);
	T_RUN(test_ref_xml);
	T_RUN(test_ref_rejects);
	T_RUN(test_unpack);
	return T_DONE();
}
