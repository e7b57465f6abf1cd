/*
 * schema_tool DIR - every service's database as its program makes it
 * (all migrations applied), empty, as DIR/<service>.sqlite, for
 * tests/scripts/test_query_plans.sh to ask sqlite how it runs each query.
 */
#include <stdio.h>
#include <string.h>

#include "au.h"
#include "orch.h"
#include "pr.h"
#include "ps.h"
#include "rr.h"

static int
path(char *out, size_t len, const char *dir, const char *name)
{
	return snprintf(out, len, "%s/%s.sqlite", dir, name) >= (int)len;
}

int
main(int argc, char **argv)
{
	static struct au a;
	static struct orch o;
	static struct pr p;
	static struct ps s;
	static struct rr r;
	char f[5][4096];
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: schema_tool DIR\n");
		return 2;
	}
	if (path(f[0], sizeof(f[0]), argv[1], "audit") ||
	    path(f[1], sizeof(f[1]), argv[1], "orchestrator") ||
	    path(f[2], sizeof(f[2]), argv[1], "policy-repo") ||
	    path(f[3], sizeof(f[3]), argv[1], "posture-repo") ||
	    path(f[4], sizeof(f[4]), argv[1], "results-repo")) {
		fprintf(stderr, "schema_tool: directory name too long\n");
		return 2;
	}
	a.conf.db = f[0];
	o.conf.db = f[1];
	p.conf.db = f[2];
	s.conf.db = f[3];
	r.conf.db = f[4];
	bad |= au_store_open(&a) < 0;
	bad |= orch_store_open(&o) < 0;
	bad |= pr_store_open(&p) < 0;
	bad |= ps_store_open(&s) < 0;
	bad |= rr_store_open(&r) < 0;
	if (!bad) {
		au_store_close(&a);
		orch_store_close(&o);
		pr_store_close(&p);
		ps_store_close(&s);
		rr_store_close(&r);
	}
	return bad;
}
