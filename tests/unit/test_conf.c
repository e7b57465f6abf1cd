/* Unit tests: table-driven configuration (conf.c). */
#include <errno.h>
#include <stddef.h>

#include "conf.h"
#include "log.h"
#include "t.h"

struct cfg {
	char	*name;
	long	 port;
	int	 tls;
	int	 level;
	char	*required;
};

static const struct conf_opt opts[] = {
	{ "name", CONF_STR, offsetof(struct cfg, name), 0, 0, "anon", 0, "" },
	{ "port", CONF_INT, offsetof(struct cfg, port), 1, 65535, "5222", 0,
	    "" },
	{ "tls", CONF_BOOL, offsetof(struct cfg, tls), 0, 0, "yes", 0, "" },
	{ "log_level", CONF_LOGLEVEL, offsetof(struct cfg, level), 0, 0,
	    "info", 0, "" },
	{ "needed", CONF_STR, offsetof(struct cfg, required), 0, 0, NULL, 1,
	    "" },
};

static int
load(const char *text, struct cfg *c, char *err)
{
	struct conf_table t = { opts, 5, c };

	memset(c, 0, sizeof(*c));
	return conf_load_string("t.conf", text, &t, 1, err, 256);
}

static void
release(struct cfg *c)
{
	struct conf_table t = { opts, 5, c };

	conf_free(&t, 1);
}

static void
test_defaults_and_values(void)
{
	struct cfg c;
	char err[256] = "";
	int r = load("# comment\nneeded = x\n\nport = 15222  # inline\n"
	    "name = \"a # b \\\"q\\\"\"\ntls = off\nlog_level = debug\n",
	    &c, err);

	if (r != 0)
		T_FAIL("load: %s", err);
	T_EQ(c.port, 15222);
	T_STREQ(c.name, "a # b \"q\"");
	T_EQ(c.tls, 0);
	T_EQ(c.level, LOG_LVL_DEBUG);
	T_STREQ(c.required, "x");
	release(&c);

	r = load("needed = y\n", &c, err);
	T_EQ(r, 0);
	T_STREQ(c.name, "anon");
	T_EQ(c.port, 5222);
	T_EQ(c.tls, 1);
	release(&c);
}

static void
test_errors_name_file_and_line(void)
{
	struct cfg c;
	char err[256];

	T_EQ(load("needed = x\nport = 70000\n", &c, err), -EINVAL);
	T_STREQ(err, "t.conf:2: port: 70000 is out of range 1..65535");
	release(&c);
	T_EQ(load("needed = x\n\nbogus = 1\n", &c, err), -EINVAL);
	T_STREQ(err, "t.conf:3: unknown option 'bogus'");
	release(&c);
	T_EQ(load("needed = x\nport = 12ab\n", &c, err), -EINVAL);
	T_STREQ(err, "t.conf:2: port: '12ab' is not a number");
	release(&c);
	T_EQ(load("needed = x\ntls = maybe\n", &c, err), -EINVAL);
	T_STREQ(err, "t.conf:2: tls: 'maybe' is not yes or no");
	release(&c);
	T_EQ(load("needed = x\nneeded = y\n", &c, err), -EINVAL);
	T_STREQ(err, "t.conf:2: option 'needed' given twice");
	release(&c);
	T_EQ(load("port 5\n", &c, err), -EINVAL);
	T_STREQ(err, "t.conf:1: expected 'name = value'");
	release(&c);
	T_EQ(load("name = \"open\n", &c, err), -EINVAL);
	T_STREQ(err, "t.conf:1: unterminated quoted value");
	release(&c);
	T_EQ(load("port = 1\n", &c, err), -EINVAL);
	T_STREQ(err, "t.conf: missing required option 'needed'");
	release(&c);
	T_EQ(load("needed = x\nlog_level = loud\n", &c, err), -EINVAL);
	release(&c);
}

static void
test_missing_file(void)
{
	struct cfg c = { 0 };
	struct conf_table t = { opts, 5, &c };
	char err[256];

	T_EQ(conf_load("/nonexistent/x.conf", &t, 1, err, sizeof(err)),
	    -ENOENT);
	T_ASSERT(strstr(err, "/nonexistent/x.conf") != NULL);
	conf_free(&t, 1);
}

int
main(void)
{
	T_RUN(test_defaults_and_values);
	T_RUN(test_errors_name_file_and_line);
	T_RUN(test_missing_file);
	return T_DONE();
}
