/*
 * ctl_grid.c - grid init, topics, affiliations.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"
#include "disco.h"
#include "json.h"
#include "pubsub.h"
#include "topics.h"

#define MAX_MEMBERS	4096

struct member {
	char	*role;
	char	*jid;
};

static void
members_free(struct member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].role);
		free(m[i].jid);
	}
	free(m);
}

static int
known_role(const char *role)
{
	for (size_t i = 0; topic_roles[i]; i++)
		if (strcmp(topic_roles[i], role) == 0)
			return 1;
	return 0;
}

/* A roles file: "ROLE JID" per line, '#' comments. */
static int
read_roles(const char *path, struct member **out, size_t *nout)
{
	struct member *m = NULL;
	size_t n = 0;
	char line[1024], role[128], jid[512], extra[2];
	int lineno = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return ctl_fail("grid init", "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		struct member *nm;
		char *p = line;

		lineno++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '#' || *p == '\0')
			continue;
		if (sscanf(p, "%127s %511s %1s", role, jid, extra) != 2 ||
		    strchr(jid, '@') == NULL) {
			fclose(f);
			members_free(m, n);
			return ctl_fail("grid init", "%s:%d: expected 'ROLE "
			    "user@domain'", path, lineno);
		}
		if (!known_role(role)) {
			fclose(f);
			members_free(m, n);
			return ctl_fail("grid init", "%s:%d: unknown role '%s'",
			    path, lineno, role);
		}
		if (n >= MAX_MEMBERS || (nm = realloc(m, (n + 1) *
		    sizeof(*m))) == NULL) {
			fclose(f);
			members_free(m, n);
			return ctl_fail("grid init", "%s: too many entries",
			    path);
		}
		m = nm;
		m[n].role = strdup(role);
		m[n].jid = strdup(jid);
		n++;
	}
	fclose(f);
	*out = m;
	*nout = n;
	return 0;
}

/* What jid should be on topic t: the strongest grant over its roles. */
static const char *
wanted(const struct topic_def *t, const struct member *m, size_t n,
    const char *jid)
{
	const char *best = NULL;

	for (size_t i = 0; i < n; i++) {
		const char *a;

		if (strcmp(m[i].jid, jid) != 0)
			continue;
		if ((a = topic_affiliation(t, m[i].role)) == NULL)
			continue;
		if (best == NULL || strcmp(a, "publisher") == 0)
			best = a;
	}
	return best;
}

static int
reconcile(struct ctl *c, const struct topic_def *t, const struct member *m,
    size_t n, int *created, size_t *nset, size_t *nremoved)
{
	struct pubsub_node_conf nc;
	struct pubsub_affiliation *cur = NULL, *want = NULL;
	size_t ncur = 0, nwant = 0;
	const char *self = grid_bare_jid(c->g);
	int r;

	pubsub_node_conf_init(&nc);
	nc.type = t->type;
	nc.title = t->title;
	nc.max_items = t->max_items;
	if ((r = pubsub_create(c->g, t->node, &nc, created)) < 0)
		return r;
	if ((r = pubsub_affiliations_get(c->g, t->node, &cur, &ncur)) < 0)
		return r;
	if ((want = calloc(n + ncur + 1, sizeof(*want))) == NULL) {
		pubsub_affiliations_free(cur, ncur);
		return -ENOMEM;
	}
	/* Grants that are missing or different. */
	for (size_t i = 0; i < n; i++) {
		const char *a = wanted(t, m, n, m[i].jid);
		int dup = 0, have = 0;

		if (a == NULL || strcmp(m[i].jid, self) == 0)
			continue;
		for (size_t j = 0; j < nwant; j++)
			if (strcmp(want[j].jid, m[i].jid) == 0)
				dup = 1;
		/* An outcast was revoked: only reinstate lifts that. */
		for (size_t j = 0; j < ncur; j++)
			if (strcmp(cur[j].jid, m[i].jid) == 0 &&
			    (strcmp(cur[j].affiliation, a) == 0 ||
			    strcmp(cur[j].affiliation, "outcast") == 0))
				have = 1;
		if (dup || have)
			continue;
		want[nwant].jid = m[i].jid;
		want[nwant++].affiliation = (char *)a;
	}
	*nset = nwant;
	/* Grants nobody asked for any more (owners are left alone). */
	*nremoved = 0;
	for (size_t j = 0; j < ncur; j++) {
		if (strcmp(cur[j].affiliation, "owner") == 0 ||
		    strcmp(cur[j].affiliation, "none") == 0 ||
		    strcmp(cur[j].affiliation, "outcast") == 0 ||
		    strcmp(cur[j].jid, self) == 0)
			continue;
		if (wanted(t, m, n, cur[j].jid) != NULL)
			continue;
		want[nwant].jid = cur[j].jid;
		want[nwant++].affiliation = "none";
		(*nremoved)++;
	}
	r = pubsub_affiliations_set(c->g, t->node, want, nwant);
	/* A grant taken away ends the subscription too (ejabberd keeps it,
	 * and so did Prosody until mod_pubsub_own_items). */
	for (size_t j = nwant - *nremoved; r == 0 && j < nwant; j++) {
		size_t cancelled = 0;

		r = ctl_cancel_subscriptions(c, t->node, want[j].jid,
		    &cancelled);
	}
	free(want);
	pubsub_affiliations_free(cur, ncur);
	return r;
}

int
ctl_grid(struct ctl *c, int argc, char **argv)
{
	const char *roles = c->roles ? c->roles : c->roles_file;
	struct member *m = NULL;
	size_t n = 0;
	struct buf out;
	size_t granted = 0, revoked = 0;
	int fails = 0, changed = 0;

	if (argc >= 1 && (strcmp(argv[0], "revoke") == 0 ||
	    strcmp(argv[0], "reinstate") == 0))
		return ctl_revoke(c, argc, argv);
	if (argc != 1 || strcmp(argv[0], "init") != 0)
		return 2;
	if (roles && read_roles(roles, &m, &n) != 0)
		return 1;
	buf_init(&out, 1 << 20);
	if (c->json)
		buf_adds(&out, "[");
	for (size_t i = 0; i < topic_ndefs; i++) {
		const struct topic_def *t = &topic_defs[i];
		size_t nset = 0, nrem = 0;
		int created = 0, r;

		r = reconcile(c, t, m, n, &created, &nset, &nrem);
		granted += nset;
		revoked += nrem;
		changed |= created || nset || nrem;
		if (r < 0) {
			ctl_fail("grid init", "%s: %s", t->node,
			    grid_errstr(c->g));
			fails++;
			continue;
		}
		if (c->json) {
			buf_printf(&out, "%s{\"topic\":", i ? "," : "");
			json_str(&out, t->node);
			buf_printf(&out, ",\"created\":%s,\"granted\":%zu,"
			    "\"revoked\":%zu}", created ? "true" : "false",
			    nset, nrem);
		} else
			buf_printf(&out, "%-26s %-11s %zu granted, %zu "
			    "revoked\n", t->node, created ? "created" :
			    "reconciled", nset, nrem);
	}
	if (c->json)
		buf_adds(&out, "]\n");
	if (changed || fails) {
		char detail[64];

		snprintf(detail, sizeof(detail), "%zu granted, %zu revoked",
		    granted, revoked);
		ctl_record(c, "grid-init", NULL, fails ? "failed" : "ok",
		    detail);
	}
	fputs(out.data ? out.data : "", stdout);
	buf_free(&out);
	members_free(m, n);
	return fails ? 1 : 0;
}

struct node_list {
	char	**nodes;
	size_t	 n;
};

static int
collect_node(const char *jid, const char *node, const char *name, void *arg)
{
	struct node_list *l = arg;
	char **nn;

	(void)jid; (void)name;
	if (node == NULL)
		return 0;
	if ((nn = realloc(l->nodes, (l->n + 1) * sizeof(*nn))) == NULL)
		return -ENOMEM;
	l->nodes = nn;
	if ((nn[l->n] = strdup(node)) == NULL)
		return -ENOMEM;
	l->n++;
	return 0;
}

static int
count_item(const char *jid, const char *node, const char *name, void *arg)
{
	(void)jid; (void)node; (void)name;
	(*(long *)arg)++;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
ctl_topics(struct ctl *c, int argc, char **argv)
{
	struct node_list l = { 0 };
	const char *ps = grid_pubsub_jid(c->g);
	struct buf out;
	int r;

	(void)argv;
	if (argc != 0)
		return ctl_fail("topics", "usage: sacmctl topics [--json]");
	if ((r = disco_items(c->g, ps, NULL, collect_node, &l)) < 0) {
		for (size_t i = 0; i < l.n; i++)
			free(l.nodes[i]);
		free(l.nodes);
		return ctl_fail("topics", "%s", grid_errstr(c->g));
	}
	qsort(l.nodes, l.n, sizeof(*l.nodes), cmp_str);
	buf_init(&out, 1 << 22);
	if (c->json)
		buf_adds(&out, "[");
	else
		buf_printf(&out, "%-26s %-42s %6s  %s\n", "TOPIC", "TYPE",
		    "ITEMS", "TITLE");
	for (size_t i = 0; i < l.n; i++) {
		struct disco_info d;
		const char *type = NULL, *title = NULL, *access = NULL;
		long items = 0;
		int ri, rc;

		ri = disco_info(c->g, ps, l.nodes[i], &d);
		if (ri == 0) {
			type = disco_field(&d, "pubsub#type");
			title = disco_field(&d, "pubsub#title");
			access = disco_field(&d, "pubsub#access_model");
		}
		rc = disco_items(c->g, ps, l.nodes[i], count_item, &items);
		if (c->json) {
			buf_adds(&out, i ? ",{\"topic\":" : "{\"topic\":");
			json_str(&out, l.nodes[i]);
			buf_adds(&out, ",\"type\":");
			json_str(&out, type);
			buf_adds(&out, ",\"title\":");
			json_str(&out, title);
			buf_adds(&out, ",\"access_model\":");
			json_str(&out, access);
			if (rc == 0)
				buf_printf(&out, ",\"items\":%ld}", items);
			else
				buf_adds(&out, ",\"items\":null}");
		} else {
			char cnt[24];

			snprintf(cnt, sizeof(cnt), "%ld", items);
			buf_printf(&out, "%-26s %-42s %6s  %s\n", l.nodes[i],
			    type ? type : "-", rc == 0 ? cnt : "?",
			    title ? title : "");
		}
		if (ri == 0)
			disco_info_free(&d);
		free(l.nodes[i]);
	}
	if (c->json)
		buf_adds(&out, "]\n");
	fputs(out.data ? out.data : "", stdout);
	buf_free(&out);
	free(l.nodes);
	return 0;
}

int
ctl_affiliations(struct ctl *c, int argc, char **argv)
{
	struct pubsub_affiliation *a;
	size_t n;
	struct buf out;

	if (argc != 1)
		return ctl_fail("affiliations", "usage: sacmctl affiliations "
		    "TOPIC");
	if (pubsub_affiliations_get(c->g, argv[0], &a, &n) < 0)
		return ctl_fail("affiliations", "%s: %s", argv[0],
		    grid_errstr(c->g));
	buf_init(&out, 1 << 20);
	if (c->json)
		buf_adds(&out, "[");
	for (size_t i = 0; i < n; i++) {
		if (c->json) {
			buf_adds(&out, i ? ",{\"jid\":" : "{\"jid\":");
			json_str(&out, a[i].jid);
			buf_adds(&out, ",\"affiliation\":");
			json_str(&out, a[i].affiliation);
			buf_adds(&out, "}");
		} else
			buf_printf(&out, "%-40s %s\n", a[i].jid,
			    a[i].affiliation);
	}
	if (c->json)
		buf_adds(&out, "]\n");
	fputs(out.data ? out.data : "", stdout);
	buf_free(&out);
	pubsub_affiliations_free(a, n);
	return 0;
}

/* disco JID [--node N]: what an entity says it is (XEP-0030/0128). */
int
ctl_disco(struct ctl *c, int argc, char **argv)
{
	struct disco_info d;
	struct buf b;

	if (argc != 1)
		return 2;
	if (disco_info(c->g, argv[0], c->node, &d) < 0)
		return ctl_fail("disco", "%s: %s", argv[0], grid_errstr(c->g));
	if (c->json) {
		buf_init(&b, 1 << 20);
		buf_adds(&b, "{\"jid\":");
		json_str(&b, argv[0]);
		buf_adds(&b, ",\"identity\":{\"category\":");
		json_str(&b, d.category);
		buf_adds(&b, ",\"type\":");
		json_str(&b, d.type);
		buf_adds(&b, ",\"name\":");
		json_str(&b, d.name);
		buf_adds(&b, "},\"features\":[");
		for (size_t i = 0; i < d.nfeatures; i++) {
			buf_adds(&b, i ? "," : "");
			json_str(&b, d.features[i]);
		}
		buf_adds(&b, "],\"form\":{");
		for (size_t i = 0; i < d.nfields; i++) {
			buf_adds(&b, i ? "," : "");
			json_str(&b, d.fields[i].var);
			buf_adds(&b, ":");
			json_str(&b, d.fields[i].value);
		}
		buf_adds(&b, "}}\n");
		fputs(b.data ? b.data : "{}\n", stdout);
		buf_free(&b);
	} else {
		printf("identity  %s/%s %s\n", d.category ? d.category : "?",
		    d.type ? d.type : "?", d.name ? d.name : "");
		for (size_t i = 0; i < d.nfeatures; i++)
			printf("feature   %s\n", d.features[i]);
		for (size_t i = 0; i < d.nfields; i++)
			printf("field     %s = %s\n", d.fields[i].var,
			    d.fields[i].value ? d.fields[i].value : "");
	}
	disco_info_free(&d);
	return 0;
}
