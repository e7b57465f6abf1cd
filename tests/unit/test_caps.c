/* Unit tests: XEP-0115 verification strings (the XEP's own examples). */
#include <errno.h>
#include <string.h>

#include "caps.h"
#include "t.h"

/* XEP-0115 5.2 (our disco#info and caps features are always present,
 * and so is this example's pair of them). */
static void
test_simple(void)
{
	struct caps *c = caps_new("client", "pc", "Exodus 0.9.1");
	char ver[32];

	T_ASSERT(c != NULL);
	T_EQ(caps_add_feature(c, "http://jabber.org/protocol/disco#items"), 0);
	T_EQ(caps_add_feature(c, "http://jabber.org/protocol/muc"), 0);
	T_EQ(caps_add_feature(c, "http://jabber.org/protocol/muc"), 0);
	T_EQ(caps_ver(c, ver, sizeof(ver)), 0);
	T_STREQ(ver, "QgayPKawpkPSDYmwT/WM94uAlu0=");
	caps_free(c);
}

/* XEP-0115 5.3 without the second identity (one identity here): the
 * form part is checked against a hash computed by hand from the XEP's
 * rules with Python's hashlib. */
static void
test_form(void)
{
	struct caps *c = caps_new("client", "bot", "SACM Grid");
	char ver[32];
	struct buf b;

	T_ASSERT(c != NULL);
	T_EQ(caps_add_field(c, "urn:x", "platform", "cpe:/o:debian:11"), 0);
	T_EQ(caps_add_field(c, "urn:x", "capability", "oval"), 0);
	T_EQ(caps_add_field(c, "urn:x", "capability", "cpe-oval"), 0);
	T_EQ(caps_add_field(c, "urn:other", "a", "b"), -EINVAL);
	T_EQ(caps_ver(c, ver, sizeof(ver)), 0);
	T_STREQ(ver, "wMuGNV6kHEvQiYZqeszL5610WRI=");
	buf_init(&b, 65536);
	caps_query(c, NULL, &b);
	T_ASSERT(strstr(b.data, "<field var='capability'><value>cpe-oval"
	    "</value><value>oval</value></field>") != NULL);
	buf_free(&b);
	caps_free(c);
}

int
main(void)
{
	T_RUN(test_simple);
	T_RUN(test_form);
	return T_DONE();
}
