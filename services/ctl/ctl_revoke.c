/*
 * ctl_revoke.c - sacmctl grid revoke|reinstate ACCOUNT: an account loses
 * the grid at once, or gets it back (RFC 8600 section 8.3: revocation).
 *
 * Revoke closes the widest door first:
 *  1. login: the account's password becomes 32 random bytes nobody keeps
 *     (XEP-0133 change-user-password), so it opens no new session;
 *  2. sessions: its live sessions end (XEP-0133 end-user-session);
 *  3. topics: on every topic its subscriptions are cancelled and it
 *     becomes an outcast, which `grid init` leaves alone;
 *  4. endpoints: the orchestrator rejects the account's endpoints, fails
 *     their open assessments and ignores what the account had queued.
 * Every step runs even when one before failed; the command fails if any
 * did.  Reinstate undoes 3 and 4 (the endpoints wait for an operator;
 * `grid init` grants the roles again) and, with --password-file, sets the
 * new password an administrator issued: the old one is gone for good.
 * An account that logs in with a certificate (SASL EXTERNAL) on a host
 * that keeps no passwords (Prosody's ext.<domain> in the lab) has none to
 * replace: step 1 says so and counts as done; its certificate is what the
 * grid's CA revokes (the CRL the broker checks; sacm-lab revoke).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "ctl.h"
#include "grid_iq.h"
#include "json.h"
#include "operation.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlutil.h"

#define NS_COMMANDS	"http://jabber.org/protocol/commands"
#define NS_ADMIN	"http://jabber.org/protocol/admin"
#define MAX_PASSWORD	1024

struct outcome {
	struct buf	 text;		/* one line per step */
	struct buf	 json;
	int		 failed;
};

static void
step(struct outcome *o, const char *name, int ok, const char *what)
{
	buf_printf(&o->text, "%-10s %s\n", name, what);
	buf_adds(&o->json, ",");
	json_str(&o->json, name);
	buf_adds(&o->json, ":{\"ok\":");
	buf_adds(&o->json, ok ? "true" : "false");
	buf_adds(&o->json, ",\"result\":");
	json_str(&o->json, what);
	buf_adds(&o->json, "}");
	o->failed |= !ok;
}

/* user@domain, nothing else. */
static int
account_ok(const char *a)
{
	const char *at = strchr(a, '@');

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') ||
	    strlen(a) > 500)
		return 0;
	for (const char *p = a; *p; p++)
		if (isspace((unsigned char)*p) || strchr("/\"'<>&", *p))
			return 0;
	return 1;
}

/* Sends the command in q (freed) to the server: 0 or -errno, err says
 * why. */
static int
command_iq(struct ctl *c, const char *server, struct buf *q,
    xmpp_stanza_t **reply, char *err, size_t errlen)
{
	int r = q->data ? grid_iq(c->g, server, "set", q->data, reply) :
	    -E2BIG;

	buf_free(q);
	if (r < 0)
		snprintf(err, errlen, "%s", grid_errstr(c->g));
	return r;
}

/*
 * XEP-0133 command admin#name at the server, with the fields (NULL-ended
 * var, value pairs): execute, then submit the form in the session the
 * server opened.  An error note in the answer is a failure.
 */
static int
admin_command(struct ctl *c, const char *server, const char *name,
    const char *const *kv, char *err, size_t errlen)
{
	xmpp_stanza_t *reply = NULL, *cmd, *n;
	const char *sid, *status, *nt;
	struct buf q;
	int r;

	buf_init(&q, 8192);
	buf_printf(&q, "<command xmlns='" NS_COMMANDS "' node='" NS_ADMIN
	    "#%s' action='execute'/>", name);
	if ((r = command_iq(c, server, &q, &reply, err, errlen)) < 0)
		return r;
	cmd = xmpp_stanza_get_child_by_name_and_ns(reply, "command",
	    NS_COMMANDS);
	sid = cmd ? xmpp_stanza_get_attribute(cmd, "sessionid") : NULL;
	buf_init(&q, 65536);
	buf_printf(&q, "<command xmlns='" NS_COMMANDS "' node='" NS_ADMIN
	    "#%s'", name);
	if (sid)
		buf_add_attr(&q, "sessionid", sid);
	buf_adds(&q, "><x xmlns='jabber:x:data' type='submit'><field "
	    "var='FORM_TYPE' type='hidden'><value>" NS_ADMIN "</value>"
	    "</field>");
	for (size_t i = 0; kv[i]; i += 2) {
		buf_adds(&q, "<field");
		buf_add_attr(&q, "var", kv[i]);
		buf_adds(&q, "><value>");
		buf_add_xml(&q, kv[i + 1]);
		buf_adds(&q, "</value></field>");
	}
	buf_adds(&q, "</x></command>");
	xmpp_stanza_release(reply);
	reply = NULL;
	if ((r = command_iq(c, server, &q, &reply, err, errlen)) < 0)
		return r;
	cmd = xmpp_stanza_get_child_by_name_and_ns(reply, "command",
	    NS_COMMANDS);
	status = cmd ? xmpp_stanza_get_attribute(cmd, "status") : NULL;
	n = cmd ? xmpp_stanza_get_child_by_name(cmd, "note") : NULL;
	/* Prosody notes success as type='info'; no type is info. */
	if (n && (nt = xmpp_stanza_get_attribute(n, "type")) != NULL &&
	    strcmp(nt, "error") == 0) {
		char *t = xmpp_stanza_get_text(n);

		snprintf(err, errlen, "%.200s", t ? t : "error");
		r = -EPERM;
		xmpp_free(grid_xmpp_ctx(c->g), t);
	}
	if (r == 0 && (status == NULL || strcmp(status, "completed") != 0)) {
		snprintf(err, errlen, "the command did not complete (%s)",
		    status ? status : "no status");
		r = -EPROTO;
	}
	xmpp_stanza_release(reply);
	return r;
}

/* Is jid (bare or full) the account's? */
static int
is_account(const char *jid, const char *account)
{
	size_t n = strcspn(jid, "/");

	return n == strlen(account) && strncasecmp(jid, account, n) == 0;
}

void
ctl_record(struct ctl *c, const char *action, const char *account,
    const char *result, const char *detail)
{
	char id[40];
	struct buf b;

	buf_init(&b, 8192);
	op_open(&b, action, grid_bare_jid(c->g));
	buf_add_attr(&b, "account", account);
	buf_add_attr(&b, "detail", detail);
	if (op_close(&b, result, id) < 0 || b.data == NULL ||
	    pubsub_publish(c->g, TOPIC_OPERATIONS, id, b.data, NULL,
	    NULL) < 0)
		fprintf(stderr, "sacmctl: %s: not recorded on %s: %s\n",
		    action, TOPIC_OPERATIONS, grid_errstr(c->g));
	buf_free(&b);
}

int
ctl_cancel_subscriptions(struct ctl *c, const char *node, const char *account,
    size_t *n)
{
	struct pubsub_affiliation *s = NULL;
	size_t ns = 0;
	int r;

	if ((r = pubsub_subscriptions_get(c->g, node, &s, &ns)) < 0)
		return r;
	for (size_t j = 0; j < ns && r == 0; j++)
		if (is_account(s[j].jid, account) &&
		    (r = pubsub_subscription_cancel(c->g, node, s[j].jid)) ==
		    0)
			(*n)++;
	pubsub_affiliations_free(s, ns);
	return r;
}

/* Step 3: on every topic, cancel the subscriptions and make the account
 * an outcast (on) or take the outcast away (off). */
static void
topics(struct ctl *c, const char *account, int on, struct outcome *o)
{
	size_t done = 0, cancelled = 0;
	char what[1024] = "";

	for (size_t i = 0; i < topic_ndefs; i++) {
		const char *node = topic_defs[i].node;
		struct pubsub_affiliation *a = NULL;
		struct pubsub_affiliation set = { (char *)account,
		    on ? "outcast" : "none" };
		size_t na = 0;
		int r = 0, outcast = 0;

		if (on)
			r = ctl_cancel_subscriptions(c, node, account,
			    &cancelled);
		if (r == 0 && !on && (r = pubsub_affiliations_get(c->g, node,
		    &a, &na)) == 0)
			for (size_t j = 0; j < na; j++)
				outcast |= is_account(a[j].jid, account) &&
				    strcmp(a[j].affiliation, "outcast") == 0;
		pubsub_affiliations_free(a, na);
		if (r == 0 && (on || outcast))
			r = pubsub_affiliations_set(c->g, node, &set, 1);
		if (r < 0) {
			if (what[0] == '\0')
				snprintf(what, sizeof(what), "%s: %s", node,
				    grid_errstr(c->g));
			continue;
		}
		done += on || outcast;
	}
	if (what[0])
		step(o, "topics", 0, what);
	else {
		if (on)
			snprintf(what, sizeof(what), "outcast on %zu topics, "
			    "%zu subscriptions cancelled", done, cancelled);
		else
			snprintf(what, sizeof(what), "outcast taken away on "
			    "%zu topics (grid init grants the roles again)",
			    done);
		step(o, "topics", 1, what);
	}
}

/* Step 4: the orchestrator's side. */
static void
endpoints(struct ctl *c, const char *account, int on, struct outcome *o)
{
	struct buf q;
	xmlDocPtr doc;
	char what[256];
	char *n;
	int rc;

	buf_init(&q, 4096);
	buf_printf(&q, "<%s xmlns='" NS_ORCH "'", on ? "revoke" :
	    "reinstate");
	buf_add_attr(&q, "account", account);
	buf_adds(&q, "/>");
	rc = q.data ? ctl_orch_iq(c, on ? "revoke" : "reinstate", "set",
	    q.data, "account", &doc) : 1;
	buf_free(&q);
	if (rc) {
		step(o, "endpoints", 0, "the orchestrator refused or did "
		    "not answer (above)");
		return;
	}
	n = (char *)xmlGetProp(xmlDocGetRootElement(doc),
	    (const xmlChar *)"endpoints");
	snprintf(what, sizeof(what), "%s endpoints %s", n ? n : "?",
	    on ? "rejected, their assessments failed" : "pending (an "
	    "operator approves them)");
	xmlFree(n);
	xmlFreeDoc(doc);
	step(o, "endpoints", 1, what);
}

static int
read_password(const char *path, char **out)
{
	size_t len;
	char *p;

	if (ctl_read_file(path, MAX_PASSWORD, &p, &len) < 0)
		return -1;
	p[strcspn(p, "\r\n")] = '\0';
	if (*p == '\0') {
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int
ctl_revoke(struct ctl *c, int argc, char **argv)
{
	const char *verb = argv[0], *account = argv[1], *server;
	int on = strcmp(verb, "revoke") == 0;
	struct outcome o = { 0 };
	char err[512], *password = NULL, rnd[65];

	if (argc != 2)
		return 2;
	if (!account_ok(account))
		return ctl_fail(verb, "'%s' is not an account (user@domain)",
		    account);
	if (strcasecmp(account, grid_bare_jid(c->g)) == 0)
		return ctl_fail(verb, "%s is the account this command runs "
		    "as", account);
	if (!on && c->password_file && read_password(c->password_file,
	    &password) < 0)
		return ctl_fail(verb, "%s: no password in it",
		    c->password_file);
	server = strchr(account, '@') + 1;
	buf_init(&o.text, 1 << 16);
	buf_init(&o.json, 1 << 16);
	if (on) {
		if (grid_random_hex(rnd, 32) < 0)
			return ctl_fail(verb, "no randomness");
		password = strdup(rnd);
	}
	if (password) {
		const char *kv[] = { "accountjid", account, "password",
		    password, NULL };

		if (admin_command(c, server, "change-user-password", kv, err,
		    sizeof(err)) == 0)
			step(&o, "login", 1, on ? "refused (its password "
			    "was replaced by one nobody keeps)" :
			    "the new password is set");
		else if (on && strstr(err, "does not exist"))
			step(&o, "login", 1, "no password on this host (a "
			    "certificate login: its certificate is what to "
			    "revoke)");
		else
			step(&o, "login", 0, err);
		explicit_bzero(password, strlen(password));
		free(password);
		explicit_bzero(rnd, sizeof(rnd));
	} else
		step(&o, "login", 1, "unchanged (--password-file FILE "
		    "sets the password it logs in with)");
	if (on) {
		/* XEP-0133 names the field accountjids; ejabberd takes one
		 * accountjid. */
		const char *kv[] = { "accountjids", account, "accountjid",
		    account, NULL };

		if (admin_command(c, server, "end-user-session", kv, err,
		    sizeof(err)) == 0)
			step(&o, "sessions", 1, "ended");
		else
			step(&o, "sessions", 0, err);
	}
	topics(c, account, on, &o);
	endpoints(c, account, on, &o);
	ctl_record(c, verb, account, o.failed ? "failed" : "ok", NULL);
	if (c->json) {
		struct buf j;

		buf_init(&j, 1 << 17);
		buf_adds(&j, "{\"account\":");
		json_str(&j, account);
		buf_printf(&j, ",\"action\":\"%s\",\"ok\":%s", verb,
		    o.failed ? "false" : "true");
		buf_adds(&j, o.json.data ? o.json.data : "");
		buf_adds(&j, "}\n");
		fputs(j.data ? j.data : "{}\n", stdout);
		buf_free(&j);
	} else {
		printf("%s %s\n%s", account, on ? "revoked" : "reinstated",
		    o.text.data ? o.text.data : "");
		if (o.failed)
			fprintf(stderr, "sacmctl: %s: %s: some steps failed "
			    "(above); run it again\n", verb, account);
	}
	buf_free(&o.text);
	buf_free(&o.json);
	return o.failed ? 1 : 0;
}
