/* Unit tests: dpkg status to inventory, Debian version order and ranges. */
#include <errno.h>
#include <string.h>

#include "debver.h"
#include "inventory.h"
#include "t.h"

static const char status[] =
    "Package: zlib1g\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Version: 1:1.2.11.dfsg-2+deb11u2\n"
    "Description: compression library\n"
    " Package: not-a-field\n"
    "\n"
    "Package: removed\n"
    "Status: deinstall ok config-files\n"
    "Version: 1.0\n"
    "\n"
    "Package: bash\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Version: 5.1-2+deb11u1";	/* no final newline */

struct seen {
	int	n;
	char	names[8][32];
};

static int
collect(const struct inv_pkg *p, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		snprintf(s->names[s->n], 32, "%s=%s", p->name, p->version);
	s->n++;
	return 0;
}

static void
test_dpkg(void)
{
	struct buf b;
	struct seen s = { 0 };
	char err[256];

	buf_init(&b, 1 << 20);
	T_EQ(inv_dpkg_text(status, strlen(status), &b, err, sizeof(err)), 0);
	T_STREQ(b.data, "<inventory xmlns='http://sacm-grid.dev/protocol/1' "
	    "format='dpkg' count='2'><package name='bash' version='5.1-2+"
	    "deb11u1' arch='amd64'/><package name='zlib1g' version='1:1.2.11."
	    "dfsg-2+deb11u2' arch='amd64'/></inventory>");
	T_EQ(inv_foreach(b.data, b.len, 1 << 20, collect, &s, err,
	    sizeof(err)), 0);
	T_EQ(s.n, 2);
	T_STREQ(s.names[0], "bash=5.1-2+deb11u1");
	buf_free(&b);

	T_EQ(inv_foreach("<inventory xmlns='urn:other'/>", 30, 1 << 20,
	    collect, &s, err, sizeof(err)), -EINVAL);
	T_EQ(inv_foreach("<inventory xmlns='http://sacm-grid.dev/protocol/1'>"
	    "<package name='x'/></inventory>", 79, 1 << 20, collect, &s, err,
	    sizeof(err)), -EINVAL);
	T_EQ(inv_dpkg("/nonexistent", &b, err, sizeof(err)), -ENOENT);
}

static void
test_order(void)
{
	/* Examples from deb-version(7) and dpkg's own tests. */
	T_ASSERT(debver_cmp("1.0~rc1", "1.0") < 0);
	T_ASSERT(debver_cmp("1.0", "1.0+b1") < 0);
	T_ASSERT(debver_cmp("1.0-1", "1.0-2") < 0);
	T_ASSERT(debver_cmp("1:0.9", "2.0") > 0);
	T_ASSERT(debver_cmp("1.10", "1.9") > 0);
	T_ASSERT(debver_cmp("1.0a", "1.0") > 0);
	T_ASSERT(debver_cmp("1.0~~", "1.0~") < 0);
	T_ASSERT(debver_cmp("2.30-21", "2.30-21") == 0);
	T_ASSERT(debver_cmp("007", "7") == 0);
	T_ASSERT(debver_cmp("1.2.11.dfsg-2+deb11u2", "1.2.11.dfsg-2") > 0);
}

static void
test_range(void)
{
	char err[128];

	T_EQ(debver_range_check(">=1.2,<<2.0", err, sizeof(err)), 0);
	T_EQ(debver_range_check("= 3.0-1", err, sizeof(err)), 0);
	T_EQ(debver_range_check("", err, sizeof(err)), -EINVAL);
	T_EQ(debver_range_check(">=", err, sizeof(err)), -EINVAL);
	T_EQ(debver_range_check(">=1;rm", err, sizeof(err)), -EINVAL);
	T_ASSERT(debver_in_range("1.5", ">=1.2,<<2.0"));
	T_ASSERT(!debver_in_range("2.0", ">=1.2,<<2.0"));
	T_ASSERT(debver_in_range("2.0", ">=1.2 <=2.0"));
	T_ASSERT(!debver_in_range("1.2~rc1", ">=1.2"));
	T_ASSERT(debver_in_range("3.0-1", "3.0-1"));
	T_ASSERT(!debver_in_range("3.0-2", "=3.0-1"));
	T_ASSERT(debver_in_range("1:1.0", ">2"));
}

int
main(void)
{
	T_RUN(test_dpkg);
	T_RUN(test_order);
	T_RUN(test_range);
	return T_DONE();
}
