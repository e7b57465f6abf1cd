/*
 * rr_recover.c - results a broker dropped with a session.
 *
 * A broker drops the notifications it had queued for a session it
 * closes: ejabberd closed the repository's events session while the
 * repository was 3,000 results behind (10,000 endpoints), and those
 * results were never stored.  Notifications are only a hint; the topic
 * keeps the items.  So after every (re)connect of the events session,
 * the first included, the repository lists the ids on
 * sacm/evaluation/results (disco#items: ids only, no payload, in one
 * answer: disco_items_all),
 * keeps those it has stored no result for, and takes each as if it had
 * been notified: fetched by id, some each tick, checked and stored as
 * any other (a result notified meanwhile is stored once: result_in looks
 * first).  The request a result names is fetched the same way when it
 * was lost too (rr_request.c).
 *
 * What the topic no longer keeps (it keeps the last 10,000: topics.c) is
 * lost for good.  A result published under "<request>/<random>" (another
 * account held the id first) is listed and taken like the others.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "disco.h"
#include "ident.h"
#include "log.h"
#include "pubsub.h"
#include "ratelimit.h"
#include "rr.h"
#include "topics.h"

/* One id a request: ejabberd answers a request for several by reading
 * every item of the node (10,000 of them, payloads and all), and took a
 * few seconds for each batch of 16 at 10,000 endpoints (4 a second). */
#define PER_TICK	16	/* requests per tick */
#define RETRY_MS	10000	/* a listing that failed: tried again */

/* "<request>" or "<request>/<hex>": the ids results are published under
 * (docs/protocol.md); anything else on the topic is no result of ours. */
static int
item_ok(const char *item)
{
	char req[IDENT_MAX + 1];
	size_t n = strcspn(item, "/"), h;

	if (n == 0 || n > IDENT_MAX)
		return 0;
	memcpy(req, item, n);
	req[n] = '\0';
	if (!ident_ok(req))
		return 0;
	if (item[n] == '\0')
		return 1;
	h = strspn(item + n + 1, "0123456789abcdef");
	return h > 0 && h <= 64 && item[n + 1 + h] == '\0';
}

static void
clear(struct rr *rr)
{
	for (size_t i = 0; i < rr->rec.n; i++)
		free(rr->rec.ids[i]);
	free(rr->rec.ids);
	rr->rec.ids = NULL;
	rr->rec.n = rr->rec.next = rr->rec.cap = 0;
}

static int
listed(const char *jid, const char *node, const char *name, void *arg)
{
	struct rr *rr = arg;
	char **v;

	(void)jid;
	(void)node;
	rr->rec.listed++;
	if (name == NULL || !item_ok(name)) {
		rr->rec.foreign++;
		return 0;
	}
	if (rr_result_stored(rr, name, strcspn(name, "/")) != 0)
		return 0;
	if (rr->rec.n == rr->rec.cap) {
		size_t cap = rr->rec.cap ? rr->rec.cap * 2 : 64;

		if ((v = reallocarray(rr->rec.ids, cap, sizeof(*v))) == NULL)
			return -ENOMEM;
		rr->rec.ids = v;
		rr->rec.cap = cap;
	}
	if ((rr->rec.ids[rr->rec.n] = strdup(name)) == NULL)
		return -ENOMEM;
	rr->rec.n++;
	return 0;
}

static int
take(const struct grid_event *ev, void *arg)
{
	struct rr *rr = arg;
	unsigned long stored = rr->stored;

	rr->rec.fetched++;
	rr_on_event(rr->g, ev, rr);
	rr->rec.stored += rr->stored - stored;
	return 0;
}

/* Lists the topic's ids not stored; 0 or -errno. */
static int
list(struct rr *rr)
{
	int r;

	clear(rr);
	rr->rec.listed = rr->rec.fetched = 0;
	rr->rec.stored = rr->rec.foreign = 0;
	rr_requests_write(rr);	/* what came is kept before results are */
	if ((r = disco_items_all(rr->g, grid_pubsub_jid(rr->g),
	    TOPIC_EVALUATION_RESULTS, listed, rr)) < 0) {
		log_warnx("after connecting: cannot list %s (%s); trying "
		    "again in %d s", TOPIC_EVALUATION_RESULTS, r == -ENOMEM ?
		    "out of memory" : grid_errstr(rr->g), RETRY_MS / 1000);
		clear(rr);
		return r;
	}
	if (rr->rec.foreign > 0)
		log_warnx("after connecting: %lu ids on %s are not result ids "
		    "(<request> or <request>/<hex>); not fetched",
		    rr->rec.foreign, TOPIC_EVALUATION_RESULTS);
	if (rr->rec.n > 0)
		log_info("after connecting: %zu of the %lu results on %s are "
		    "not stored; taking them", rr->rec.n, rr->rec.listed,
		    TOPIC_EVALUATION_RESULTS);
	return 0;
}

void
rr_recover_tick(struct rr *rr)
{
	unsigned n = grid_reconnects(rr->g);
	unsigned long now = ratelimit_now();

	if (grid_state(rr->g) != GRID_ONLINE)
		return;
	if ((!rr->rec.started || n != rr->rec.seen) && now >= rr->rec.retry) {
		if (list(rr) < 0) {
			rr->rec.retry = now + RETRY_MS;
			return;
		}
		rr->rec.started = 1;
		rr->rec.seen = n;
	}
	for (int i = 0; i < PER_TICK && rr->rec.next < rr->rec.n; i++) {
		int r = pubsub_items(rr->g, TOPIC_EVALUATION_RESULTS,
		    rr->rec.ids[rr->rec.next], 0, take, rr);

		if (r < 0 && r != -ENOENT) {
			log_warnx("taking missed results: %s%s",
			    grid_errstr(rr->g), grid_state(rr->g) ==
			    GRID_ONLINE ? "; skipped" : "");
			if (grid_state(rr->g) != GRID_ONLINE)
				return;		/* listed again when back */
		}
		rr->rec.next++;
	}
	if (rr->rec.n > 0 && rr->rec.next == rr->rec.n) {
		log_info("after connecting: %lu missed results fetched, %lu "
		    "stored", rr->rec.fetched, rr->rec.stored);
		clear(rr);
	}
}

void
rr_recover_free(struct rr *rr)
{
	clear(rr);
}
