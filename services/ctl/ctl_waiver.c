/*
 * ctl_waiver.c - waive, waivers, unwaive: an approver's exceptions on
 * sacm/waivers (docs/protocol.md, "Waiver"), applied by the results
 * repository.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "ctl.h"
#include "ident.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlutil.h"


/* DATE (end of that day, UTC), a UTC time, or a duration from now, as
 * YYYY-MM-DDTHH:MM:SSZ; -EINVAL when it is none of them. */
static int
expiry(const char *s, char out[32])
{
	struct tm tm = { 0 };
	const char *end;
	long d;

	if ((d = ctl_duration(s)) > 0) {
		time_iso(out, time(NULL) + d);
		return 0;
	}
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) != NULL &&
	    *end == '\0') {
		time_iso(out, timegm(&tm));
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) != NULL && *end == '\0') {
		tm.tm_hour = 23;
		tm.tm_min = 59;
		tm.tm_sec = 59;
		time_iso(out, timegm(&tm));
		return 0;
	}
	return -EINVAL;
}

int
ctl_waive(struct ctl *c, int argc, char **argv)
{
	struct buf b;
	char until[32], id[64], hex[9], now[32], *item = NULL;
	int r;

	if (argc < 1)
		return 2;
	if ((c->policy == NULL) == (c->benchmark == NULL))
		return ctl_fail("waive", "name the policy (--policy ID) or the "
		    "benchmark (--benchmark ID, to follow new versions of "
		    "the content), one of them");
	if ((c->endpoint == NULL) == !c->all)
		return ctl_fail("waive", "name the endpoints (--endpoints "
		    "E,...) or --all, one of them");
	if (c->reason == NULL || *c->reason == '\0')
		return ctl_fail("waive", "a waiver needs a --reason");
	if (c->expires == NULL || expiry(c->expires, until) < 0)
		return ctl_fail("waive", "--expires DATE (2027-01-31), "
		    "2027-01-31T12:00:00Z or a duration (90d) is required");
	time_iso(now, 0);
	if (strcmp(until, now) <= 0)
		return ctl_fail("waive", "--expires %s is already past", until);
	for (int i = 0; i < argc; i++)
		if (!ident_ok(argv[i]))
			return ctl_fail("waive", "'%.60s' is not a rule id",
			    argv[i]);
	if (grid_random_hex(hex, 4) < 0)
		return ctl_fail("waive", "no randomness");
	snprintf(id, sizeof(id), "w-%ld-%s", (long)time(NULL), hex);
	buf_init(&b, (size_t)c->gc.max_item_size);
	buf_adds(&b, "<waiver xmlns='" SACM_NS "'");
	buf_add_attr(&b, "policy", c->policy);
	buf_add_attr(&b, "benchmark", c->benchmark);
	buf_add_attr(&b, "profile", c->profile);
	buf_add_attr(&b, "expires", until);
	buf_add_attr(&b, "ticket", c->ticket);
	if (c->all)
		buf_adds(&b, " all='true'");
	buf_adds(&b, ">");
	for (int i = 0; i < argc; i++) {
		buf_adds(&b, "<rule");
		buf_add_attr(&b, "id", argv[i]);
		buf_adds(&b, "/>");
	}
	ctl_add_endpoints(&b, c->endpoint);
	buf_adds(&b, "<reason>");
	buf_add_xml(&b, c->reason);
	buf_adds(&b, "</reason></waiver>");
	if (b.data == NULL) {
		buf_free(&b);
		return ctl_fail("waive", "the waiver is over max_item_size");
	}
	r = pubsub_publish(c->g, TOPIC_WAIVERS, id, b.data, NULL, &item);
	buf_free(&b);
	if (r < 0)
		return ctl_fail("waive", "%s%s", grid_errstr(c->g),
		    r == -EACCES ? " (only an approver's account may grant "
		    "waivers)" : "");
	if (c->json)
		ctl_print_object("id", id, "expires", until, NULL);
	else
		printf("%s: %d rule(s) waived until %s\n", id, argc, until);
	free(item);
	return 0;
}

int
ctl_waivers(struct ctl *c, int argc, char **argv)
{
	static const char *const cols[] = { "id", "state", "rules",
	    "endpoints", "expires", "granted-by", "reason" };
	static const char *const heads[] = { "WAIVER", "STATE", "RULES",
	    "ENDPOINTS", "EXPIRES", "GRANTED BY", "REASON" };
	struct ctl_rows rows;
	struct buf h;
	char to[512];

	(void)argv;
	if (argc != 0)
		return 2;
	ctl_results_repo(c, to, sizeof(to));
	buf_init(&h, 4096);
	buf_adds(&h, "<query xmlns='" NS_RESULTS "' type='waivers'");
	buf_add_attr(&h, "state", c->expired ? "expired" : "active");
	buf_adds(&h, ">");
	if (h.data == NULL || ctl_query_rows(c, "waivers", to, NS_RESULTS,
	    h.data, "waivers", &rows) != 0) {
		buf_free(&h);
		return 1;
	}
	buf_free(&h);
	ctl_print_rows(c, &rows, cols, heads, 7, c->expired ?
	    "no expired waivers" : "no waivers in force");
	xmlFreeDoc(rows.doc);
	return 0;
}

int
ctl_unwaive(struct ctl *c, int argc, char **argv)
{
	if (argc != 1)
		return 2;
	if (!ident_ok(argv[0]))
		return ctl_fail("unwaive", "'%.60s' is not a waiver id",
		    argv[0]);
	/* over the waiver's own item: a publisher touches only its own, so
	 * only its granter (or the grid administrator) revokes it */
	if (pubsub_publish(c->g, TOPIC_WAIVERS, argv[0], "<revoked-waiver "
	    "xmlns='" SACM_NS "'/>", NULL, NULL) < 0)
		return ctl_fail("unwaive", "%s: %s", argv[0],
		    grid_errstr(c->g));
	if (c->json)
		ctl_print_object("id", argv[0], "state", "revoked", NULL);
	else
		printf("%s revoked\n", argv[0]);
	return 0;
}
