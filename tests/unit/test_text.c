/* Unit tests: bounded buffers, XML escaping, JSON strings, topics. */
#include <errno.h>

#include "buf.h"
#include "ident.h"
#include "json.h"
#include "topics.h"
#include "t.h"

static void
test_buf_limits(void)
{
	struct buf b;

	buf_init(&b, 8);
	T_EQ(buf_adds(&b, "12345678"), 0);
	T_STREQ(b.data, "12345678");
	T_EQ(buf_error(&b), 0);
	T_EQ(buf_adds(&b, "9"), -E2BIG);
	buf_free(&b);
}

/* One failed append fails the buffer for good (curl's dynbuf): nothing
 * that follows is appended, the partial message is gone, the final
 * check sees the first error. */
static void
test_buf_stays_failed(void)
{
	struct buf b;
	size_t len = 99;

	buf_init(&b, 16);
	T_EQ(buf_adds(&b, "<a>"), 0);
	T_EQ(buf_adds(&b, "0123456789abcdefXYZ"), -E2BIG);
	T_ASSERT(b.data == NULL);
	T_EQ(b.len, 0);
	T_EQ(buf_adds(&b, "</a>"), -E2BIG);	/* would fit: still refused */
	T_EQ(buf_printf(&b, "%d", 1), -E2BIG);
	T_EQ(buf_add_xml(&b, "x"), -E2BIG);
	T_EQ(buf_add_attr(&b, "id", "x"), -E2BIG);
	T_ASSERT(b.data == NULL);
	T_EQ(buf_error(&b), -E2BIG);
	T_ASSERT(buf_steal(&b, &len) == NULL);
	T_EQ(len, 99);				/* untouched on failure */
	buf_reset(&b);
	T_EQ(buf_error(&b), 0);
	T_EQ(buf_adds(&b, "ok"), 0);
	T_STREQ(b.data, "ok");
	buf_free(&b);
}

static void
test_buf_add_attr(void)
{
	struct buf b;

	buf_init(&b, 1024);
	T_EQ(buf_adds(&b, "<e"), 0);
	T_EQ(buf_add_attr(&b, "id", "x'/><iq type='set'"), 0);
	T_EQ(buf_add_attr(&b, "absent", NULL), 0);
	T_EQ(buf_add_attr(&b, "xml:lang", "en"), 0);
	T_EQ(buf_adds(&b, "/>"), 0);
	T_STREQ(b.data, "<e id='x&apos;/&gt;&lt;iq type=&apos;set&apos;' "
	    "xml:lang='en'/>");
	/* a name that is not one fails the buffer */
	T_EQ(buf_add_attr(&b, "a b", "v"), -EINVAL);
	T_EQ(buf_error(&b), -EINVAL);
	T_ASSERT(b.data == NULL);
	buf_free(&b);
	buf_init(&b, 64);
	T_EQ(buf_add_attr(&b, "", "v"), -EINVAL);
	buf_free(&b);
	buf_init(&b, 64);
	T_EQ(buf_add_attr(&b, "1st", "v"), -EINVAL);
	buf_free(&b);
}

/* The identifier grammar: what ids from the wire may hold. */
static void
test_identifiers(void)
{
	static const char *const good[] = {
		"5fcd0b1c7e3a4d9f8e2b6a1c0d3e4f5a",
		"e-a-8dee5794edc8c14b-1",
		"xccdf_org.ssgproject.content_profile_standard",
		"b3f31cc996d28853c7cf1f65f96bb4b8/7d43/xccdf_org.x_profile_a",
		"urn:e:1", "a",
	};
	static const char *const bad[] = {
		"", "x'/></assessments></iq><iq type='set'>", "a'b", "a\"b",
		"a<b", "a>b", "a&b", "a b", "a\tb", "a\nb", "\x01",
		"caf\xc3\xa9", "a+b", "a@b",
	};
	char longid[IDENT_MAX + 2];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!ident_ok(good[i]))
			T_FAIL("'%s' refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ident_ok(bad[i]))
			T_FAIL("'%s' accepted", bad[i]);
	T_ASSERT(!ident_ok(NULL));
	memset(longid, 'a', IDENT_MAX);
	longid[IDENT_MAX] = '\0';
	T_ASSERT(ident_ok(longid));
	longid[IDENT_MAX] = 'a';
	longid[IDENT_MAX + 1] = '\0';
	T_ASSERT(!ident_ok(longid));
}

static void
test_xml_escape(void)
{
	struct buf b;

	buf_init(&b, 1024);
	buf_add_xml(&b, "a<b>&\"c'd");
	T_STREQ(b.data, "a&lt;b&gt;&amp;&quot;c&apos;d");
	buf_free(&b);
}

static void
test_json(void)
{
	struct buf b;

	buf_init(&b, 1024);
	json_str(&b, "q\"\\\n\x01\xc3\xa9");
	T_STREQ(b.data, "\"q\\\"\\\\\\n\\u0001\xc3\xa9\"");
	buf_reset(&b);
	json_strn(&b, "\xff\xc3", 2);	/* invalid UTF-8 */
	T_STREQ(b.data, "\"\\ufffd\\ufffd\"");
	buf_reset(&b);
	json_str(&b, NULL);
	T_STREQ(b.data, "null");
	buf_free(&b);
}

static void
test_topics_least_privilege(void)
{
	const struct topic_def *t;

	T_EQ(topic_ndefs, 19);
	/* waivers: approvers grant them, operators only read them */
	T_ASSERT((t = topic_find("sacm/waivers")) != NULL);
	T_STREQ(topic_affiliation(t, "approver"), "publisher");
	T_STREQ(topic_affiliation(t, "operator"), "member");
	T_STREQ(topic_affiliation(t, "results-repo"), "member");
	T_ASSERT(topic_affiliation(t, "collector") == NULL);
	/* approvals: the orchestrator publishes, collectors do not read */
	T_ASSERT((t = topic_find("sacm/endpoints/approvals")) != NULL);
	T_STREQ(topic_affiliation(t, "orchestrator"), "publisher");
	T_STREQ(topic_affiliation(t, "posture-repo"), "member");
	T_ASSERT(topic_affiliation(t, "collector") == NULL);
	T_ASSERT((t = topic_find("sacm/results")) != NULL);
	T_STREQ(topic_affiliation(t, "results-repo"), "publisher");
	T_STREQ(topic_affiliation(t, "dashboard"), "member");
	T_ASSERT(topic_affiliation(t, "collector") == NULL);
	T_ASSERT((t = topic_find("sacm/posture")) != NULL);
	/* collectors publish posture and endpoints, and read neither */
	T_STREQ(topic_affiliation(t, "collector"), "publish-only");
	T_ASSERT(topic_affiliation(t, "dashboard") == NULL);
	T_STREQ(topic_affiliation(topic_find("sacm/endpoints"), "collector"),
	    "publish-only");
	T_ASSERT((t = topic_find("sacm/incidents")) != NULL);
	T_STREQ(t->type, IODEF_NS);
	/* No role but the results repository publishes results. */
	for (size_t i = 0; topic_roles[i]; i++)
		if (strcmp(topic_roles[i], "results-repo") != 0 &&
		    topic_affiliation(topic_find("sacm/results"),
		    topic_roles[i]) != NULL &&
		    strcmp(topic_affiliation(topic_find("sacm/results"),
		    topic_roles[i]), "publisher") == 0)
			T_FAIL("%s may publish results", topic_roles[i]);
	T_ASSERT(topic_find("sacm/nope") == NULL);
}

int
main(void)
{
	T_RUN(test_buf_limits);
	T_RUN(test_buf_stays_failed);
	T_RUN(test_buf_add_attr);
	T_RUN(test_identifiers);
	T_RUN(test_xml_escape);
	T_RUN(test_json);
	T_RUN(test_topics_least_privilege);
	return T_DONE();
}
