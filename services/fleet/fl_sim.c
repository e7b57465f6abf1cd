/*
 * fl_sim.c - the simulated endpoints: see fleet.h.
 *
 * Nothing waits for the broker: announcements and reports are published
 * asynchronously; an announcement the broker did not take is sent again
 * on a later turn, a report it did not take is counted (the orchestrator
 * asks again after its deadline, as it would of a real collector).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "fleet.h"
#include "log.h"
#include "policy.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define MAX_INFLIGHT	512	/* publishes on their way, at most */
#define MAX_TEMPLATE	(1 << 20)

static void
endpoint_id(const struct fleet *f, long i, char *out, size_t len)
{
	snprintf(out, len, "%s-%06ld", f->conf.prefix, i + 1);
}

/* Opens <element xmlns=SACM_NS with endpoint i's identity: its id (as
 * attribute idattr), hostname and platform; id gets the id. */
static void
identity(const struct fleet *f, long i, struct buf *b, const char *element,
    const char *idattr, char *id, size_t len)
{
	endpoint_id(f, i, id, len);
	buf_printf(b, "<%s xmlns='" SACM_NS "'", element);
	buf_add_attr(b, idattr, id);
	buf_add_attr(b, "hostname", id);
	buf_add_attr(b, "platform", f->conf.platform);
}

long
fl_index(const struct fleet *f, const char *id)
{
	size_t n = strlen(f->conf.prefix);
	char *end;
	long i;

	if (strncmp(id, f->conf.prefix, n) != 0 || id[n] != '-' ||
	    strspn(id + n + 1, "0123456789") != 6 || id[n + 7] != '\0')
		return -1;
	i = strtol(id + n + 1, &end, 10) - 1;
	return i >= 0 && i < f->conf.endpoints ? i : -1;
}

/* A template: a posture report a collector published, state collected;
 * its documents are kept as text. */
static int
load(struct fl_template *t, const char *file, char *err, size_t errlen)
{
	struct buf b, in;
	xmlDocPtr doc;
	xmlNodePtr root;
	char why[512], *state;
	int r = -1;

	buf_init(&b, MAX_TEMPLATE);
	if (buf_read_file(&b, file) < 0 || b.data == NULL) {
		snprintf(err, errlen, "%s: cannot read it (at most 1 MiB)",
		    file);
		buf_free(&b);
		return -1;
	}
	if (xmlsafe_parse_root(b.data, b.len, MAX_TEMPLATE, "posture-report",
	    SACM_NS, &doc, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: not a posture report: %s", file,
		    why);
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	root = xmlDocGetRootElement(doc);
	state = xml_prop(root, "state");
	if (state == NULL || strcmp(state, "collected") != 0) {
		snprintf(err, errlen, "%s: a report of a failed collection",
		    file);
		goto out;
	}
	buf_init(&in, MAX_TEMPLATE);
	for (xmlNodePtr c = root->children; c; c = c->next) {
		xmlBufferPtr x;

		if (c->type != XML_ELEMENT_NODE ||
		    (x = xmlBufferCreate()) == NULL)
			continue;
		if (xmlNodeDump(x, doc, c, 0, 0) > 0)
			buf_add(&in, (const char *)xmlBufferContent(x),
			    (size_t)xmlBufferLength(x));
		xmlBufferFree(x);
	}
	if (in.len == 0 || (t->inner = buf_steal(&in, NULL)) == NULL) {
		snprintf(err, errlen, "%s: no documents in it", file);
		buf_free(&in);
		goto out;
	}
	t->file = strdup(file);
	r = 0;
out:
	free(state);
	xmlFreeDoc(doc);
	return r;
}

int
fl_open(struct fleet *f, char *err, size_t errlen)
{
	char *list, *p, *save = NULL;

	if ((f->ann = calloc((size_t)f->conf.endpoints, 1)) == NULL ||
	    (list = strdup(f->conf.templates)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (p = strtok_r(list, " \t", &save); p; p = strtok_r(NULL, " \t",
	    &save)) {
		struct fl_template *nt = realloc(f->t, (f->nt + 1) *
		    sizeof(*nt));

		if (nt == NULL) {
			snprintf(err, errlen, "out of memory");
			break;
		}
		f->t = nt;
		memset(&f->t[f->nt], 0, sizeof(f->t[0]));
		if (load(&f->t[f->nt], p, err, errlen) < 0)
			break;
		f->nt++;
	}
	free(list);
	if (p != NULL)
		return -1;
	if (f->nt == 0) {
		snprintf(err, errlen, "no templates");
		return -1;
	}
	return 0;
}

void
fl_close(struct fleet *f)
{
	for (size_t i = 0; i < f->nt; i++) {
		free(f->t[i].file);
		free(f->t[i].inner);
	}
	free(f->t);
	free(f->ann);
	f->t = NULL;
	f->ann = NULL;
}

/* An announcement's answer: taken, or to be sent again. */
struct ann_ctx {
	struct fleet	*f;
	long		 i;
};

static void
announced(struct grid *g, int status, void *arg)
{
	struct ann_ctx *a = arg;
	struct fleet *f = a->f;

	(void)g;
	f->inflight--;
	if (f->ann) {
		f->ann[a->i] = status == 0 ? FL_DONE : FL_NEW;
		if (status == 0 && ++f->announced == f->conf.endpoints)
			log_info("%ld endpoints announced", f->announced);
		else if (status < 0 && a->i < f->next_ann)
			f->next_ann = a->i;
	}
	free(a);
}

static int
announce(struct fleet *f, long i)
{
	struct ann_ctx *a;
	struct buf b;
	char id[128];
	int r;

	buf_init(&b, 4096);
	identity(f, i, &b, "endpoint", "id", id, sizeof(id));
	buf_add_attr(&b, "collector", grid_jid(f->g));
	buf_adds(&b, "/>");
	if (b.data == NULL || (a = malloc(sizeof(*a))) == NULL) {
		buf_free(&b);
		return -ENOMEM;
	}
	a->f = f;
	a->i = i;
	if ((r = pubsub_publish_async(f->g, TOPIC_ENDPOINTS, id, b.data,
	    announced, a)) < 0)
		free(a);
	else {
		f->inflight++;
		f->ann[i] = FL_SENDING;
	}
	buf_free(&b);
	return r;
}

void
fl_tick(struct fleet *f)
{
	long sent = 0;

	if (grid_state(f->g) != GRID_ONLINE)
		return;
	while (f->next_ann < f->conf.endpoints && sent < f->conf.per_tick &&
	    f->inflight < MAX_INFLIGHT) {
		long i = f->next_ann;

		if (f->ann[i] == FL_NEW) {
			if (announce(f, i) < 0)
				break;
			sent++;
		}
		f->next_ann++;
	}
}

static void
reported(struct grid *g, int status, void *arg)
{
	struct fleet *f = arg;

	(void)g;
	f->inflight--;
	if (status == 0)
		f->reports++;
	else if (f->refused++ < 10)
		log_warnx("a report was not taken by the broker: %s",
		    strerror(-status));
}

/* Endpoint i's report for a request: its template's documents. */
static void
report(struct fleet *f, long i, const char *request, const char *policy,
    const char *profile)
{
	const struct fl_template *t = &f->t[(size_t)i % f->nt];
	struct buf b;
	char id[128], item[600], when[32];

	time_iso(when, 0);
	buf_init(&b, (size_t)grid_get_conf(f->g)->max_item_size);
	identity(f, i, &b, "posture-report", "endpoint", id, sizeof(id));
	buf_add_attr(&b, "request", request);
	buf_add_attr(&b, "policy", policy);
	buf_add_attr(&b, "profile", profile ? profile : "");
	buf_add_attr(&b, "collected", when);
	buf_printf(&b, " reason='request' sequence='%lu' duration-ms='0' "
	    "state='collected'>", ++f->seq);
	buf_adds(&b, t->inner);
	buf_adds(&b, "</posture-report>");
	snprintf(item, sizeof(item), "%s/%.400s", id, request);
	if (b.data && pubsub_publish_async(f->g, TOPIC_POSTURE, item, b.data,
	    reported, f) == 0)
		f->inflight++;
	else
		log_warnx("%s: report for %s not sent: %s", id, request,
		    b.data ? grid_errstr(f->g) : "over max_item_size");
	buf_free(&b);
}

static void
request_in(struct fleet *f, const struct grid_event *ev)
{
	xmlDocPtr doc;
	xmlNodePtr req;
	char err[512], *ann = NULL, *base = NULL, *policy = NULL, *profile;
	const char *bad;
	int any = 0;

	if (strlen(ev->item_id) > 200 || xmlsafe_parse_root(ev->payload,
	    ev->payload_len, 1 << 20, "collection-request", SACM_NS, &doc, err,
	    sizeof(err)) < 0)
		return;
	req = xmlDocGetRootElement(doc);
	if (!xml_ids_ok(req, xml_id_attrs, &bad) ||
	    policy_from_request(req, &ann, &base, &policy) < 0) {
		log_warnx("request %s ignored: no policy, or %s", ev->item_id,
		    "an identifier that is not one");
		goto out;
	}
	profile = xml_prop(req, "profile");
	for (xmlNodePtr e = req->children; e; e = e->next) {
		char *id;
		long i;

		if (!xml_is(e, "endpoint", SACM_NS))
			continue;
		any = 1;
		/* Ours, announced now or in an earlier run: a request
		 * caught up at start comes before the announcements. */
		if ((id = xml_prop(e, "id")) != NULL &&
		    (i = fl_index(f, id)) >= 0) {
			f->requests++;
			report(f, i, ev->item_id, policy, profile);
		}
		free(id);
	}
	if (!any)	/* every endpoint: every one of ours */
		for (long i = 0; i < f->conf.endpoints; i++)
			if (f->ann[i] == FL_DONE)
				report(f, i, ev->item_id, policy, profile);
	free(profile);
out:
	free(ann); free(base); free(policy);
	xmlFreeDoc(doc);
}

void
fl_on_event(struct grid *g, const struct grid_event *ev, void *arg)
{
	(void)g;
	if (ev->retract || ev->payload == NULL)
		return;
	if (strcmp(ev->node, TOPIC_COLLECTION_REQUESTS) == 0)
		request_in(arg, ev);
}
