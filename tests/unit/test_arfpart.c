/* Unit tests: an ARF cut into its shared parts and a skeleton, and joined
 * back byte for byte (arfpart.c).  A real ARF from oscap goes through the
 * same code in tests/targets/test_results.sh. */
#include <errno.h>

#include "arfpart.h"
#include "buf.h"
#include "t.h"

/* <name ...> with n bytes of children, </name> */
static void
element(struct buf *b, const char *name, size_t n)
{
	buf_printf(b, "<%s xmlns:x='urn:x' id='a'>", name);
	for (size_t i = 0; i < n / 16; i++)
		buf_printf(b, "<x:v n='%06zu'/>\n", i);
	buf_printf(b, "</%s>", name);
}

static void
sample(struct buf *b)
{
	buf_init(b, 1u << 24);
	buf_adds(b, "<?xml version='1.0'?>\n<arf:asset-report-collection>"
	    "<arf:report-request id='collection1'><arf:content>");
	element(b, "ds:data-stream-collection", 50000);
	buf_adds(b, "</arf:content></arf:report-request><arf:report><arf:"
	    "content>");
	element(b, "TestResult", 20000);		/* its own: stays */
	buf_adds(b, "</arf:content></arf:report><arf:report><arf:content>"
	    "<oval_results><!-- <oval_definitions> in a comment -->");
	element(b, "oval_definitions", 30000);
	element(b, "results", 9000);
	buf_adds(b, "</oval_results></arf:content></arf:report><arf:report>"
	    "<arf:content><oval_results>");
	element(b, "oval_definitions", 100);		/* too small to cut */
	buf_adds(b, "</oval_results></arf:content></arf:report>"
	    "</arf:asset-report-collection>\n");
}

static void
test_round_trip(void)
{
	struct arfpart p[ARFPART_MAX];
	struct arfpiece pc[ARFPART_MAX];
	size_t n, at[ARFPART_MAX], slen, len;
	struct buf b;
	char *skel, *out;

	sample(&b);
	T_ASSERT(b.data != NULL);
	n = arfpart_split(b.data, b.len, p, ARFPART_MAX);
	T_EQ(n, 2);
	T_ASSERT(strncmp(b.data + p[0].off, "<ds:data-stream-collection ",
	    27) == 0);
	T_ASSERT(strncmp(b.data + p[0].off + p[0].len - 28,
	    "</ds:data-stream-collection>", 28) == 0);
	T_ASSERT(strncmp(b.data + p[1].off, "<oval_definitions ", 18) == 0);
	T_EQ(arfpart_skeleton(b.data, b.len, p, n, &skel, &slen, at), 0);
	T_EQ(slen, b.len - p[0].len - p[1].len);
	T_ASSERT(strstr(skel, "<TestResult ") != NULL);
	T_ASSERT(strstr(skel, "data-stream-collection") == NULL);
	for (size_t i = 0; i < n; i++) {
		pc[i].off = at[i];
		pc[i].data = b.data + p[i].off;
		pc[i].len = p[i].len;
	}
	T_EQ(arfpart_join(skel, slen, pc, n, b.len, &out, &len), 0);
	T_EQ(len, b.len);
	T_ASSERT(memcmp(out, b.data, len) == 0);
	free(out);
	/* one byte under the whole: refused */
	T_EQ(arfpart_join(skel, slen, pc, n, b.len - 1, &out, &len), -E2BIG);
	/* out of order, past the end */
	pc[0].off = at[1] + 1;
	T_EQ(arfpart_join(skel, slen, pc, n, b.len, &out, &len), -EINVAL);
	pc[0].off = slen + 1;
	T_EQ(arfpart_join(skel, slen, pc, 1, b.len, &out, &len), -EINVAL);
	free(skel);
	buf_free(&b);
}

static void
test_limits(void)
{
	struct arfpart p[ARFPART_MAX];
	const char *unclosed = "<ds:data-stream-collection id='a'>...";
	const char *wrong = "<oval_definitions></x:oval_definitions>";
	size_t at[1], slen;
	char *skel;
	struct buf b;

	T_EQ(arfpart_split(unclosed, strlen(unclosed), p, ARFPART_MAX), 0);
	T_EQ(arfpart_split(wrong, strlen(wrong), p, ARFPART_MAX), 0);
	/* at most max parts */
	buf_init(&b, 1u << 24);
	for (int i = 0; i < 20; i++)
		element(&b, "oval_definitions", 5000);
	T_EQ(arfpart_split(b.data, b.len, p, ARFPART_MAX), ARFPART_MAX);
	T_EQ(arfpart_split(b.data, b.len, p, 3), 3);
	/* parts that overlap or run past the end: refused */
	p[0].off = 10;
	p[0].len = b.len;
	T_EQ(arfpart_skeleton(b.data, b.len, p, 1, &skel, &slen, at),
	    -EINVAL);
	buf_free(&b);
}

int
main(void)
{
	T_RUN(test_round_trip);
	T_RUN(test_limits);
	return T_DONE();
}
