/* Unit tests: rule results out of an XCCDF 1.2 result document. */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "evaluate.h"
#include "t.h"

static const char doc[] =
    "<Benchmark xmlns='http://checklists.nist.gov/xccdf/1.2' id='b'>"
    "<Group id='g'><Rule id='r1' severity='high'><title>One &amp; only"
    "</title><ident system='https://ncp.nist.gov/cce'>CCE-1234-5</ident>"
    "</Rule></Group><Rule id='r2'><title>Two</title></Rule>"
    "<TestResult id='tr'><rule-result idref='r1' severity='high'>"
    "<result>fail</result><ident system='https://ncp.nist.gov/cce'>"
    "CCE-1234-5</ident></rule-result><rule-result idref='r2'><result>"
    "notchecked</result></rule-result><rule-result idref='r3'><result>"
    "notselected</result></rule-result><score maximum='100'>50.0</score>"
    "</TestResult></Benchmark>";

static void
test_rule_results(void)
{
	struct buf b;
	char err[256];

	buf_init(&b, 1 << 20);
	T_EQ(eval_rule_results(doc, strlen(doc), &b, err, sizeof(err)), 0);
	T_STREQ(b.data, "<rule-results xmlns='http://sacm-grid.dev/protocol/1'"
	    " test-result='tr' score='50.0' max='100'><rule id='r1' result="
	    "'fail' severity='high' title='One &amp; only'><ident system="
	    "'https://ncp.nist.gov/cce'>CCE-1234-5</ident></rule><rule id="
	    "'r2' result='notchecked' title='Two'></rule></rule-results>");
	buf_free(&b);
	buf_init(&b, 1 << 20);
	T_EQ(eval_rule_results("<Benchmark xmlns='http://checklists.nist.gov/"
	    "xccdf/1.2'/>", 58, &b, err, sizeof(err)), -EINVAL);
	T_EQ(eval_rule_results("<x/>", 4, &b, err, sizeof(err)), -EINVAL);
	buf_free(&b);
}

int
main(void)
{
	T_RUN(test_rule_results);
	return T_DONE();
}
