/* Unit tests: bounded buffers, XML escaping, JSON strings, topics. */
#include <errno.h>

#include "buf.h"
#include "json.h"
#include "topics.h"
#include "t.h"

static void
test_buf_limits(void)
{
	struct buf b;

	buf_init(&b, 8);
	T_EQ(buf_adds(&b, "12345678"), 0);
	T_EQ(buf_adds(&b, "9"), -E2BIG);
	T_EQ(b.len, 8);
	T_STREQ(b.data, "12345678");
	buf_free(&b);
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

	T_EQ(topic_ndefs, 12);
	T_ASSERT((t = topic_find("sacm/results")) != NULL);
	T_STREQ(topic_affiliation(t, "results-repo"), "publisher");
	T_STREQ(topic_affiliation(t, "dashboard"), "member");
	T_ASSERT(topic_affiliation(t, "collector") == NULL);
	T_ASSERT((t = topic_find("sacm/posture")) != NULL);
	T_STREQ(topic_affiliation(t, "collector"), "publisher");
	T_ASSERT(topic_affiliation(t, "dashboard") == NULL);
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
	T_RUN(test_xml_escape);
	T_RUN(test_json);
	T_RUN(test_topics_least_privilege);
	return T_DONE();
}
