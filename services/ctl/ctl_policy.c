/*
 * ctl_policy.c - policy publish / list / show.
 *
 * publish uploads the file as a blob, submits it on
 * sacm/policy/submissions and waits for the policy repository's verdict,
 * the item "<submission id>/status".  list and show read the
 * announcements on sacm/policy, which carry all the metadata.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "blob.h"
#include "buf.h"
#include "ctl.h"
#include "json.h"
#include "policy.h"
#include "pubsub.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

#define POLICY_MAX	(512u << 20)

static void
random_id(char *out, size_t len)
{
	unsigned char r[12];
	int fd = open("/dev/urandom", O_RDONLY);

	if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r))
		memset(r, 0, sizeof(r));
	if (fd >= 0)
		close(fd);
	snprintf(out, len, "sub-%ld-", (long)time(NULL));
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + strlen(out), len - strlen(out), "%02x", r[i]);
}

/* ---- list / show ---------------------------------------------------- */

static void
print_policy(struct ctl *c, xmlNodePtr p, struct buf *out, int detail)
{
	char *id = xml_prop(p, "id"), *name = xml_prop(p, "name");
	char *bench = xml_prop(p, "benchmark"), *ver = xml_prop(p, "version");
	char *when = xml_prop(p, "received"), *kind = xml_prop(p, "kind");
	char *scapv = xml_prop(p, "scap-version");
	xmlNodePtr t = xml_child(p, "title", NULL);
	xmlChar *title = t ? xmlNodeGetContent(t) : NULL;
	int nprof = 0, first = 1;

	for (xmlNodePtr x = p->children; x; x = x->next)
		if (x->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)x->name, "profile") == 0)
			nprof++;
	if (c->json) {
		buf_adds(out, "{\"id\":");
		json_str(out, id);
		buf_adds(out, ",\"name\":");
		json_str(out, name);
		buf_adds(out, ",\"kind\":");
		json_str(out, kind);
		buf_adds(out, ",\"scap_version\":");
		json_str(out, scapv);
		buf_adds(out, ",\"benchmark\":");
		json_str(out, bench);
		buf_adds(out, ",\"version\":");
		json_str(out, ver);
		buf_adds(out, ",\"title\":");
		json_str(out, (const char *)title);
		buf_adds(out, ",\"received\":");
		json_str(out, when);
		buf_adds(out, ",\"platforms\":[");
		for (xmlNodePtr x = p->children; x; x = x->next) {
			char *cpe;

			if (x->type != XML_ELEMENT_NODE ||
			    strcmp((const char *)x->name, "platform") != 0)
				continue;
			cpe = xml_prop(x, "cpe");
			buf_adds(out, first ? "" : ",");
			json_str(out, cpe);
			free(cpe);
			first = 0;
		}
		buf_adds(out, "],\"profiles\":[");
		first = 1;
		for (xmlNodePtr x = p->children; x; x = x->next) {
			char *pid, *rules;
			xmlChar *pt;

			if (x->type != XML_ELEMENT_NODE ||
			    strcmp((const char *)x->name, "profile") != 0)
				continue;
			pid = xml_prop(x, "id");
			rules = xml_prop(x, "rules");
			pt = xmlNodeGetContent(x);
			buf_adds(out, first ? "{\"id\":" : ",{\"id\":");
			json_str(out, pid);
			buf_printf(out, ",\"rules\":%s,\"title\":",
			    rules ? rules : "null");
			json_str(out, (const char *)pt);
			buf_adds(out, "}");
			free(pid);
			free(rules);
			xmlFree(pt);
			first = 0;
		}
		buf_adds(out, "]}");
	} else if (!detail) {
		buf_printf(out, "%.12s  %-28.28s %-14.14s %3d  %s\n",
		    id ? id : "?", name ? name : "-", ver ? ver : "-", nprof,
		    title ? (const char *)title : "");
	} else {
		buf_printf(out, "policy     %s\nname       %s\nkind       %s "
		    "(SCAP %s)\nbenchmark  %s %s\ntitle      %s\nreceived   "
		    "%s\n", id, name ? name : "-", kind ? kind : "-",
		    scapv ? scapv : "?", bench ? bench : "-", ver ? ver : "",
		    title ? (const char *)title : "", when ? when : "");
		for (xmlNodePtr x = p->children; x; x = x->next) {
			char *v;

			if (x->type != XML_ELEMENT_NODE ||
			    strcmp((const char *)x->name, "platform") != 0)
				continue;
			v = xml_prop(x, "cpe");
			buf_printf(out, "platform   %s\n", v ? v : "?");
			free(v);
		}
		buf_printf(out, "profiles   %d\n", nprof);
		for (xmlNodePtr x = p->children; x; x = x->next) {
			char *pid, *rules;
			xmlChar *pt;

			if (x->type != XML_ELEMENT_NODE ||
			    strcmp((const char *)x->name, "profile") != 0)
				continue;
			pid = xml_prop(x, "id");
			rules = xml_prop(x, "rules");
			pt = xmlNodeGetContent(x);
			buf_printf(out, "  %4s rules  %s\n             %s\n",
			    rules ? rules : "?", pid ? pid : "?",
			    pt ? (const char *)pt : "");
			free(pid);
			free(rules);
			xmlFree(pt);
		}
	}
	free(id); free(name); free(bench); free(ver); free(when); free(kind);
	free(scapv);
	xmlFree(title);
}

struct listing {
	struct ctl	*c;
	struct buf	*out;
	const char	*prefix;	/* show: id prefix */
	int		 n;
	char		*match;		/* show: the payload */
	int		 matches;
};

static int
list_item(const struct grid_event *ev, void *arg)
{
	struct listing *l = arg;
	xmlDocPtr doc;
	char err[256];

	if (ev->payload == NULL)
		return 0;
	if (l->prefix) {
		if (strncmp(ev->item_id, l->prefix, strlen(l->prefix)) == 0) {
			l->matches++;
			free(l->match);
			l->match = strdup(ev->payload);
		}
		return 0;
	}
	if (xmlsafe_parse_root(ev->payload, ev->payload_len, 1 << 20,
	    "policy", SACM_NS, &doc, err, sizeof(err)) < 0)
		return 0;
	if (l->c->json && l->n)
		buf_adds(l->out, ",");
	print_policy(l->c, xmlDocGetRootElement(doc), l->out, 0);
	l->n++;
	xmlFreeDoc(doc);
	return 0;
}

static int
policy_list(struct ctl *c)
{
	struct buf out;
	struct listing l = { c, &out, NULL, 0, NULL, 0 };

	buf_init(&out, 64u << 20);
	if (c->json)
		buf_adds(&out, "[");
	else
		buf_printf(&out, "%-12s  %-28s %-14s %3s  %s\n", "POLICY",
		    "NAME", "VERSION", "PRF", "TITLE");
	if (pubsub_items(c->g, TOPIC_POLICY, NULL, 0, list_item, &l) < 0) {
		buf_free(&out);
		return ctl_fail("policy list", "%s", grid_errstr(c->g));
	}
	if (c->json)
		buf_adds(&out, "]\n");
	fputs(out.data, stdout);
	buf_free(&out);
	return 0;
}

static int
show_payload(struct ctl *c, const char *payload)
{
	struct buf out;
	xmlDocPtr doc;
	char err[256];

	if (xmlsafe_parse_root(payload, strlen(payload), 1 << 20, "policy",
	    SACM_NS, &doc, err, sizeof(err)) < 0)
		return ctl_fail("policy show", "malformed announcement: %s",
		    err);
	buf_init(&out, 1 << 20);
	print_policy(c, xmlDocGetRootElement(doc), &out, 1);
	if (c->json)
		buf_adds(&out, "\n");
	fputs(out.data, stdout);
	buf_free(&out);
	xmlFreeDoc(doc);
	return 0;
}

static int
policy_show(struct ctl *c, const char *id)
{
	struct listing l = { c, NULL, id, 0, NULL, 0 };
	int r;

	if (strlen(id) < 4)
		return ctl_fail("policy show", "give at least 4 characters of "
		    "the policy id");
	if (pubsub_items(c->g, TOPIC_POLICY, NULL, 0, list_item, &l) < 0)
		return ctl_fail("policy show", "%s", grid_errstr(c->g));
	if (l.matches == 0)
		r = ctl_fail("policy show", "no policy %s", id);
	else if (l.matches > 1)
		r = ctl_fail("policy show", "%s is ambiguous (%d policies)",
		    id, l.matches);
	else
		r = show_payload(c, l.match);
	free(l.match);
	return r;
}

/* ---- publish -------------------------------------------------------- */

static int
submit(struct ctl *c, const char *path, const char *base, char idout[65])
{
	return ctl_submit(c, path, NULL, base, idout);
}

int
ctl_submit(struct ctl *c, const char *path, const char *kind,
    const char *base, char idout[65])
{
	const char *what = kind ? "vuln publish" : "policy publish";
	const char *idattr = kind ? "definitions" : "policy";
	const char *topic = kind ? TOPIC_VULN_DEFS : TOPIC_POLICY;
	struct blob_ref ref;
	struct buf sub;
	char subid[64], statusid[80], *data, *copy, *status = NULL;
	const char *name;
	size_t len;
	time_t end, last = 0;
	int r, rc;
	long wait = c->timeout ? c->timeout : 600;

	if ((r = ctl_read_file(path, POLICY_MAX, &data, &len)) < 0)
		return ctl_fail(what, "%s: %s", path, r == -E2BIG ?
		    "larger than 512 MiB" : strerror(-r));
	copy = strdup(path);
	name = c->name && base == NULL ? c->name : basename(copy);
	fprintf(stderr, "sacmctl: uploading %s (%zu bytes)\n", path, len);
	r = blob_put(c->g, name, data, len, len > 3 && memcmp(data, "BZh",
	    3) == 0 ? "application/x-bzip2" : len > 2 && (unsigned char)
	    data[0] == 0x1f && (unsigned char)data[1] == 0x8b ?
	    "application/gzip" : "application/xml", 1, &ref);
	free(data);
	if (r < 0) {
		free(copy);
		return ctl_fail(what, "upload: %s",
		    grid_errstr(c->g));
	}
	random_id(subid, sizeof(subid));
	buf_init(&sub, 65536);
	buf_adds(&sub, "<submission xmlns='" SACM_NS "'");
	buf_add_attr(&sub, "name", name);
	buf_add_attr(&sub, "base-policy", base);
	buf_add_attr(&sub, "kind", kind);
	buf_adds(&sub, ">");
	blob_ref_to_xml(&ref, &sub);
	buf_adds(&sub, "</submission>");
	blob_ref_free(&ref);
	free(copy);
	r = pubsub_publish(c->g, TOPIC_SUBMISSIONS, subid, sub.data, NULL,
	    NULL);
	buf_free(&sub);
	if (r < 0)
		return ctl_fail(what, "submitting: %s",
		    grid_errstr(c->g));
	fprintf(stderr, "sacmctl: submitted as %s; waiting for the policy "
	    "repository\n", subid);

	/* The verdict is an item; ask for it until it is there. */
	snprintf(statusid, sizeof(statusid), "%s/status", subid);
	end = time(NULL) + wait;
	while (!ctl_quit && time(NULL) < end) {
		if (time(NULL) != last) {
			last = time(NULL);
			status = ctl_item(c, TOPIC_SUBMISSIONS, statusid, &rc);
			if (status)
				break;
			if (rc < 0 && rc != -ENOENT)
				return ctl_fail(what, "%s",
				    grid_errstr(c->g));
		}
		grid_run_once(c->g, 200);
	}
	if (status == NULL)
		return ctl_fail(what, "no verdict from the policy "
		    "repository within %ld s (is sacm-policy-repo running?)",
		    wait);
	{
		xmlDocPtr doc;
		xmlNodePtr root, rn;
		char err[256], *state, *policy, *dup;
		xmlChar *reason;

		if (xmlsafe_parse_root(status, strlen(status), 1 << 20,
		    "submission-status", SACM_NS, &doc, err, sizeof(err)) < 0) {
			free(status);
			return ctl_fail(what, "malformed verdict: "
			    "%s", err);
		}
		free(status);
		root = xmlDocGetRootElement(doc);
		state = xml_prop(root, "state");
		policy = xml_prop(root, idattr);
		dup = xml_prop(root, "duplicate");
		rn = xml_child(root, "reason", NULL);
		reason = rn ? xmlNodeGetContent(rn) : NULL;
		if (state && strcmp(state, "accepted") == 0 && policy &&
		    strlen(policy) == 64) {
			char *ann;

			if (!c->json)
				printf("accepted: %s %s%s\n", kind ?
				    "vulnerability definitions" : "policy",
				    policy,
				    dup ? " (already stored; nothing changed)"
				    : "");
			if (idout)
				memcpy(idout, policy, 65);
			ann = ctl_item(c, topic, policy, &rc);
			r = !ann ? 0 : kind ? ctl_vuln_show(c, ann) :
			    show_payload(c, ann);
			free(ann);
		} else {
			r = ctl_fail(what, "%s: rejected: %s", path,
			    reason ? (const char *)reason : "no reason given");
		}
		free(state);
		free(policy);
		free(dup);
		xmlFree(reason);
		xmlFreeDoc(doc);
	}
	return r;
}

static int
policy_publish(struct ctl *c, const char *path)
{
	char id[65];
	int r;

	if (c->tailoring == NULL)
		return submit(c, path, NULL, NULL);
	/* A datastream and its tailoring: the second names the first. */
	if ((r = submit(c, path, NULL, id)) != 0)
		return r;
	return submit(c, c->tailoring, id, NULL);
}

/* The content of a policy, verified; through a re-share if the link
 * in the announcement no longer works. */
static int
policy_fetch_cmd(struct ctl *c, const char *id)
{
	struct listing l = { c, NULL, id, 0, NULL, 0 };
	char *content = NULL, err[1024];
	size_t len;
	FILE *f;
	int r;

	if (c->out == NULL)
		return ctl_fail("policy fetch", "-o FILE is required");
	if (strlen(id) < 4)
		return ctl_fail("policy fetch", "give at least 4 characters of "
		    "the policy id");
	if (pubsub_items(c->g, TOPIC_POLICY, NULL, 0, list_item, &l) < 0)
		return ctl_fail("policy fetch", "%s", grid_errstr(c->g));
	if (l.matches != 1) {
		free(l.match);
		return ctl_fail("policy fetch", l.matches ? "%s is ambiguous" :
		    "no policy %s", id);
	}
	r = policy_fetch(c->g, l.match, strlen(l.match), POLICY_MAX, &content,
	    &len, err, sizeof(err));
	free(l.match);
	if (r < 0)
		return ctl_fail("policy fetch", "%s", err);
	if ((f = fopen(c->out, "wb")) == NULL ||
	    fwrite(content, 1, len, f) != len || fclose(f) != 0) {
		free(content);
		return ctl_fail("policy fetch", "%s: %s", c->out,
		    strerror(errno));
	}
	free(content);
	fprintf(stderr, "sacmctl: %zu bytes, sha256 verified, written to %s\n",
	    len, c->out);
	return 0;
}

int
ctl_policy(struct ctl *c, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[0], "fetch") == 0)
		return policy_fetch_cmd(c, argv[1]);
	if (argc == 2 && strcmp(argv[0], "publish") == 0)
		return policy_publish(c, argv[1]);
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return policy_list(c);
	if (argc == 2 && strcmp(argv[0], "show") == 0)
		return policy_show(c, argv[1]);
	return ctl_fail("policy", "usage: sacmctl policy publish FILE "
	    "[--name NAME] [--tailoring FILE] | list | show ID | fetch ID "
	    "-o FILE");
}
