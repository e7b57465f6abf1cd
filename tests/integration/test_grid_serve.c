/*
 * test_grid_serve - the grid library answering requests, against a real
 * broker started by sacm-lab: ping and disco#info answered, anything
 * else refused; a sibling session (grid_new_sibling) answers, and no
 * topic's notification reaches it.
 *
 * usage: test_grid_serve LAB_DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <strophe.h>

#include "grid.h"
#include "grid_iq.h"
#include "log.h"
#include "pubsub.h"
#include "../unit/t.h"
#include "grid_test.h"

/* Another client asks us things: ping and disco#info are answered, the
 * rest gets service-unavailable (RFC 6120 8.2.3). */
static void
test_answers_requests(void)
{
	int fds[2], status;
	char jid[512] = "";
	ssize_t n;
	pid_t pid;
	struct grid *a;
	xmpp_stanza_t *reply = NULL;

	if (pipe(fds) < 0)
		T_FAIL("pipe");
	if ((pid = fork()) == 0) {
		struct grid *b = open_as("evaluator-2");

		close(fds[0]);
		if (b == NULL)
			_exit(1);
		if (write(fds[1], grid_jid(b), strlen(grid_jid(b))) < 0)
			_exit(1);
		close(fds[1]);
		for (int i = 0; i < 100; i++)
			grid_run_once(b, 50);
		done(b);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], jid, sizeof(jid) - 1);
	close(fds[0]);
	T_ASSERT(n > 0);
	a = open_as("evaluator-1");
	T_ASSERT(a != NULL);
	if (a && n > 0) {
		T_EQ(grid_iq(a, jid, "get", "<ping xmlns='urn:xmpp:ping'/>",
		    NULL), 0);
		T_EQ(grid_iq(a, jid, "get", "<query xmlns='http://jabber.org/"
		    "protocol/disco#info'/>", &reply), 0);
		T_ASSERT(reply && xmpp_stanza_get_child_by_path(reply, "iq",
		    "query", "identity", NULL) != NULL);
		if (reply)
			xmpp_stanza_release(reply);
		T_EQ(grid_iq(a, jid, "get", "<query xmlns='urn:example:nope'/>",
		    NULL), -EOPNOTSUPP);
	}
	done(a);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
}

/* A sibling session answers requests, and no topic's notification
 * reaches it (presence priority -1); the first session gets them. */
static int
pong(struct grid *g, const struct grid_request *req, struct buf *reply,
    void *arg)
{
	buf_adds(reply, "<pong xmlns='urn:test:sibling'/>");
	return 0;
}

static void
sibling_child(int jfd, int cfd)
{
	struct grid *b = open_as("dashboard"), *q = NULL;
	struct seen sb = { 0 }, sq = { 0 };
	char e[512];

	if (b == NULL || (q = grid_new_sibling(b, "answers", e, sizeof(e))) ==
	    NULL || grid_handle_requests(q, "urn:test:sibling", pong, NULL) <
	    0 || grid_connect(q) < 0 || grid_subscribe(b, "sacm/results", 0) <
	    0 || write(jfd, grid_jid(q), strlen(grid_jid(q))) < 0)
		_exit(1);
	close(jfd);
	grid_set_event_handler(b, collect, &sb);
	grid_set_event_handler(q, collect, &sq);
	for (int i = 0; i < 100; i++) {	/* 5 s */
		grid_run_once(b, 50);
		grid_run_once(q, 0);
	}
	(void)grid_unsubscribe(b, "sacm/results");
	snprintf(e, sizeof(e), "%d %d", sb.n, sq.n);
	if (write(cfd, e, strlen(e)) < 0)
		_exit(1);
	done(q);
	done(b);
	_exit(0);
}

static void
test_sibling_answers(void)
{
	int jp[2], cp[2], status, nb = -1, ns = -1;
	char jid[512] = "", counts[64] = "", *id = unique("sib"), *p = NULL;
	struct grid *a = NULL;
	xmpp_stanza_t *reply = NULL;
	pid_t pid;

	if (pipe(jp) < 0 || pipe(cp) < 0)
		T_FAIL("pipe");
	if ((pid = fork()) == 0)
		sibling_child(jp[1], cp[1]);
	close(jp[1]);
	close(cp[1]);
	T_ASSERT(read(jp[0], jid, sizeof(jid) - 1) > 0);
	T_ASSERT(strstr(jid, "/answers") != NULL);
	T_ASSERT((a = open_as("results-repo")) != NULL && (p = payload(id)));
	T_EQ(pubsub_publish(a, "sacm/results", id, p, NULL, NULL), 0);
	T_EQ(grid_iq(a, jid, "get", "<q xmlns='urn:test:sibling'/>", &reply),
	    0);
	T_ASSERT(reply && xmpp_stanza_get_child_by_path(reply, "iq", "pong",
	    NULL) != NULL);
	T_ASSERT(read(cp[0], counts, sizeof(counts) - 1) > 0 &&
	    sscanf(counts, "%d %d", &nb, &ns) == 2);
	printf("     (notifications: first session %d, sibling %d)\n", nb,
	    ns);
	T_ASSERT(nb >= 1);
	T_EQ(ns, 0);
	(void)pubsub_retract(a, "sacm/results", id);
	xmpp_stanza_release(reply);
	done(a);
	waitpid(pid, &status, 0);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(p);
	free(id);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_grid_serve LAB_DIR\n");
		return 2;
	}
	lab = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("test_grid_serve", getenv("SACM_TEST_DEBUG") ?
	    LOG_LVL_DEBUG : LOG_LVL_WARN, 1);
	T_RUN(test_answers_requests);
	T_RUN(test_sibling_answers);
	return T_DONE();
}
