/* Unit tests: parsing untrusted XML (xmlsafe.c). */
#include <errno.h>

#include "buf.h"
#include "xmlsafe.h"
#include "t.h"

#define MAX (1 << 20)

static int
parse(const char *s, char *err)
{
	xmlDocPtr doc = NULL;
	int r = xmlsafe_parse(s, strlen(s), MAX, &doc, err, 256);

	xmlFreeDoc(doc);
	return r;
}

static void
test_good_document(void)
{
	char err[256];
	xmlDocPtr doc = NULL;
	const char *s = "<a xmlns='urn:x'><b c='1'>t &amp; &#x41;</b></a>";

	T_EQ(xmlsafe_parse_root(s, strlen(s), MAX, "a", "urn:x", &doc, err,
	    sizeof(err)), 0);
	T_ASSERT(doc != NULL);
	xmlFreeDoc(doc);
	T_EQ(xmlsafe_parse_root(s, strlen(s), MAX, "a", "urn:y", &doc, err,
	    sizeof(err)), -EINVAL);
	T_EQ(xmlsafe_parse_root(s, strlen(s), MAX, "b", NULL, &doc, err,
	    sizeof(err)), -EINVAL);
}

static void
test_billion_laughs(void)
{
	char err[256];
	const char *s =
	    "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
	    "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
	    "<!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>"
	    "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>"
	    "<!ENTITY lol4 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>"
	    "<!ENTITY lol5 '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;'>"
	    "<!ENTITY lol6 '&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'>"
	    "<!ENTITY lol7 '&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;'>"
	    "<!ENTITY lol8 '&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;'>"
	    "<!ENTITY lol9 '&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;'>"
	    "]><lolz a='&lol9;'>&lol9;</lolz>";

	T_EQ(parse(s, err), -EPERM);
	T_ASSERT(strstr(err, "DOCTYPE") != NULL);
}

static void
test_external_entity(void)
{
	char err[256];

	T_EQ(parse("<!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
	    "<r>&x;</r>", err), -EPERM);
	T_EQ(parse("<!DOCTYPE r SYSTEM 'http://127.0.0.1:1/x.dtd'><r/>", err),
	    -EPERM);
	/* An undeclared entity is an error, not a lookup. */
	T_EQ(parse("<r>&x;</r>", err), -EINVAL);
}

static void
test_oversized_and_malformed(void)
{
	char err[256];
	struct buf b;
	xmlDocPtr doc = NULL;

	buf_init(&b, MAX * 2);
	buf_adds(&b, "<r>");
	while (b.len < MAX + 10)
		buf_adds(&b, "xxxxxxxxxxxxxxxx");
	buf_adds(&b, "</r>");
	T_EQ(xmlsafe_parse(b.data, b.len, MAX, &doc, err, sizeof(err)),
	    -E2BIG);
	T_ASSERT(doc == NULL);
	buf_free(&b);

	T_EQ(parse("<a><b></a>", err), -EINVAL);
	T_ASSERT(strstr(err, "line 1") != NULL);
	T_EQ(parse("", err), -EINVAL);
	T_EQ(parse("<a/><b/>", err), -EINVAL);
}

static void
test_deep_nesting_rejected(void)
{
	char err[256];
	struct buf b;
	xmlDocPtr doc = NULL;
	int r;

	/* libxml2 refuses depth over 256 without XML_PARSE_HUGE. */
	buf_init(&b, MAX);
	for (int i = 0; i < 5000; i++)
		buf_adds(&b, "<a>");
	for (int i = 0; i < 5000; i++)
		buf_adds(&b, "</a>");
	r = xmlsafe_parse(b.data, b.len, MAX, &doc, err, sizeof(err));
	T_EQ(r, -EINVAL);
	xmlFreeDoc(doc);
	buf_free(&b);
}

/* An element with XMLSAFE_MAX_ATTRS attributes parses; one more is
 * refused before libxml2 sees it; '=' in values, comments, CDATA and
 * processing instructions does not count. */
static void
test_attribute_count(void)
{
	struct buf b;
	xmlDocPtr doc = NULL;
	char err[256];

	for (int extra = 0; extra <= 1; extra++) {
		buf_init(&b, MAX);
		buf_adds(&b, "<?pi a=1 b=2?><!-- x=1 y=2 --><r q='a=b=c'>");
		buf_adds(&b, "<![CDATA[ === ]]><e");
		for (int i = 0; i < XMLSAFE_MAX_ATTRS + extra; i++)
			buf_printf(&b, " a%d='='", i);
		buf_adds(&b, "/></r>");
		T_ASSERT(b.data != NULL);
		T_EQ(parse(b.data, err), extra ? -EINVAL : 0);
		if (extra)
			T_ASSERT(strstr(err, "more than 256 attributes") !=
			    NULL);
		buf_free(&b);
	}
	/* a million attributes: refused at once, not after minutes */
	buf_init(&b, 16 << 20);
	buf_adds(&b, "<e");
	for (int i = 0; i < 1000000; i++)
		buf_printf(&b, " a%d=''", i);
	buf_adds(&b, "/>");
	T_ASSERT(b.data != NULL);
	T_EQ(xmlsafe_parse(b.data, b.len, b.len, &doc, err, sizeof(err)),
	    -EINVAL);
	buf_free(&b);
}

/* The check without a tree refuses what the parse refuses. */
static void
test_check_root(void)
{
	char err[256];
	const char *ok = "<p:a xmlns:p='urn:x'><b>t &amp; u<![CDATA[<]]></b>"
	    "<!-- c --><?pi x?></p:a>";
	const char *bad[] = {
		"<a xmlns='urn:x'><b></a>",
		"<a xmlns='urn:x'>&x;</a>",
		"<a xmlns='urn:x'/><b/>",
		"",
	};

	T_EQ(xmlsafe_check_root(ok, strlen(ok), MAX, "a", "urn:x", err,
	    sizeof(err)), 0);
	T_EQ(xmlsafe_check_root(ok, strlen(ok), MAX, "a", "urn:y", err,
	    sizeof(err)), -EINVAL);
	T_EQ(xmlsafe_check_root(ok, strlen(ok), MAX, "b", NULL, err,
	    sizeof(err)), -EINVAL);
	T_EQ(xmlsafe_check_root(ok, strlen(ok), 10, NULL, NULL, err,
	    sizeof(err)), -E2BIG);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_EQ(xmlsafe_check_root(bad[i], strlen(bad[i]), MAX, NULL, NULL,
		    err, sizeof(err)), -EINVAL);
	T_EQ(xmlsafe_check_root("<!DOCTYPE r [<!ENTITY x 'y'>]><r>&x;</r>",
	    40, MAX, NULL, NULL, err, sizeof(err)), -EPERM);
}

/* One element on its own: a start tag first, one element, nothing but
 * comments, PIs and white space after it. */
static void
test_check_element(void)
{
	char err[256];
	const char *ok[] = {
		"<p:e xmlns:p='urn:x'><f/></p:e>",
		"<e a='1'>t<!-- c --></e><!-- after --> ",
		"<p:e>an undeclared prefix, as inside its ARF</p:e>",
	};
	const char *bad[] = {
		"<?xml version='1.0'?><e/>",	/* not where a part goes */
		"<!-- c --><e/>",
		" <e/>",
		"<e/><f/>",
		"<e>",
		"text",
		"<1e/>",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		T_EQ(xmlsafe_check_element(ok[i], strlen(ok[i]), MAX, err,
		    sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_EQ(xmlsafe_check_element(bad[i], strlen(bad[i]), MAX, err,
		    sizeof(err)), -EINVAL);
	T_EQ(xmlsafe_check_element("<!DOCTYPE e><e/>", 16, MAX, err,
	    sizeof(err)), -EINVAL);
}

#define SKEL "<?xml version='1.0' encoding='UTF-8'?>\n" \
	"<a xmlns='urn:x' k='v'><b>t</b><!-- c --><![CDATA[d]]><?p i?>" \
	"<c/></a>"

/* The skeleton with a part at offset at is accepted exactly where an
 * element can stand. */
static void
test_check_skeleton(void)
{
	char err[256];
	const char *s = SKEL;
	size_t len = strlen(s), at[2];
	struct { const char *before; int want; } cases[] = {
		{ "<b>", 0 },		/* in content */
		{ "<c/>", 0 },		/* between elements */
		{ "</a>", 0 },		/* the root's last child */
		{ "k='v'", -EINVAL },	/* in the start tag */
		{ "'v'>", -EINVAL - 1 },/* in an attribute value: k='|v' */
		{ " c -->", -EINVAL },	/* in a comment */
		{ "d]]>", -EINVAL },	/* in a CDATA section */
		{ "i?>", -EINVAL },	/* in a processing instruction */
		{ "<a ", -EINVAL },	/* before the root */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = strstr(s, cases[i].before);

		at[0] = (size_t)(p - s);
		if (cases[i].want == -EINVAL - 1)
			at[0] += 1;
		T_EQ(xmlsafe_check_skeleton(s, len, at, 1, MAX, "a", "urn:x",
		    err, sizeof(err)), cases[i].want == 0 ? 0 : -EINVAL);
	}
	at[0] = len;				/* after the root */
	T_EQ(xmlsafe_check_skeleton(s, len, at, 1, MAX, "a", "urn:x", err,
	    sizeof(err)), -EINVAL);
	at[0] = 5, at[1] = 4;			/* out of order */
	T_EQ(xmlsafe_check_skeleton(s, len, at, 2, MAX, NULL, NULL, err,
	    sizeof(err)), -EINVAL);
	at[0] = at[1] = (size_t)(strstr(s, "<c/>") - s);
	T_EQ(xmlsafe_check_skeleton(s, len, at, 2, MAX, "a", "urn:x", err,
	    sizeof(err)), 0);
	T_EQ(xmlsafe_check_skeleton(s, len, at, 2, MAX, "b", NULL, err,
	    sizeof(err)), -EINVAL);
	T_EQ(xmlsafe_check_skeleton(s, len, at, 0, MAX, "a", NULL, err,
	    sizeof(err)), 0);
	/* a skeleton with placeholder-like elements of its own */
	s = "<a><sacm-part-0000000000000000/></a>";
	at[0] = 3;
	T_EQ(xmlsafe_check_skeleton(s, strlen(s), at, 1, MAX, "a", NULL,
	    err, sizeof(err)), 0);
	s = "<?xml version='1.0' encoding='ISO-8859-1'?><a></a>";
	at[0] = strlen(s) - 4;
	T_EQ(xmlsafe_check_skeleton(s, strlen(s), at, 1, MAX, "a", NULL,
	    err, sizeof(err)), -ENOTSUP);
	T_EQ(xmlsafe_check_skeleton("<a>", 3, at, 1, MAX, NULL, NULL, err,
	    sizeof(err)), -EINVAL);
}

/*
 * Soundness against the whole document: wherever a part is put back, if
 * the skeleton check and the part's check pass, the joined document
 * passes xmlsafe_check_root.  Every offset of the skeleton, with parts
 * that are fine alone and would break some contexts.
 */
static void
test_skeleton_sound(void)
{
	const char *parts[] = {
		"<e/>", "<e>--</e>", "<e>]]&gt;</e>", "<e><?q ?></e>",
		"<e>?&gt;</e>", "<e a='&quot;'/>", "<e><!-- x --></e>",
	};
	const char *s = SKEL;
	size_t len = strlen(s);
	char err[256];
	int agreed = 0;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		T_EQ(xmlsafe_check_element(parts[i], strlen(parts[i]), MAX,
		    err, sizeof(err)), 0);
		for (size_t at = 0; at <= len; at++) {
			struct buf b;
			int whole;

			buf_init(&b, 1 << 16);
			buf_add(&b, s, at);
			buf_adds(&b, parts[i]);
			buf_add(&b, s + at, len - at);
			whole = xmlsafe_check_root(b.data, b.len, MAX, "a",
			    "urn:x", err, sizeof(err));
			if (xmlsafe_check_skeleton(s, len, &at, 1, MAX, "a",
			    "urn:x", err, sizeof(err)) == 0) {
				T_EQ(whole, 0);
				agreed++;
			}
			buf_free(&b);
		}
	}
	T_ASSERT(agreed >= 7 * 3);	/* some offsets do pass */
}

int
main(void)
{
	T_RUN(test_good_document);
	T_RUN(test_billion_laughs);
	T_RUN(test_external_entity);
	T_RUN(test_oversized_and_malformed);
	T_RUN(test_deep_nesting_rejected);
	T_RUN(test_attribute_count);
	T_RUN(test_check_root);
	T_RUN(test_check_element);
	T_RUN(test_check_skeleton);
	T_RUN(test_skeleton_sound);
	return T_DONE();
}
