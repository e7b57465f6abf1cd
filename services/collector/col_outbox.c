/*
 * col_outbox.c - reports wait on disk until the grid takes them.
 *
 * Every report goes through the outbox, online or not, so there is one
 * path.  An entry is a directory state_dir/outbox/<sequence> holding the
 * report without its blobs (report.xml), its item id (item), and the
 * documents to upload (oval.xml, cpe-oval.xml, inventory.xml).  Entries
 * are made in state_dir/work and renamed in whole, so a crash leaves
 * either a complete entry or none.  They are sent oldest first: the
 * blobs uploaded, the report published, then the entry removed; if the
 * collector dies between publishing and removing, the same item id is
 * published again, which a consumer sees as the same report.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "buf.h"
#include "col.h"
#include "log.h"
#include "pubsub.h"
#include "topics.h"

#define MAX_DOC		(256u << 20)
#define SEND_PER_TICK	4
#define SENT_MAX	(512u << 10)

static const struct {
	const char	*file, *element, *kind;
} parts[] = {
	{ "oval.xml", "syschar", "oval" },
	{ "cpe-oval.xml", "syschar", "cpe-oval" },
	{ "inventory.xml", "inventory", "dpkg" },
};

static void
path(struct col *c, char *out, size_t len, const char *a, const char *b)
{
	snprintf(out, len, "%s/%s%s%s", c->conf.state_dir, a, b ? "/" : "",
	    b ? b : "");
}

/* Removes a flat directory and what is in it. */
static void
rmflat(const char *dir)
{
	char p[4096];
	struct dirent *d;
	DIR *dp;

	if ((dp = opendir(dir)) != NULL) {
		while ((d = readdir(dp)) != NULL) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
			unlink(p);
		}
		closedir(dp);
	}
	rmdir(dir);
}

static int
is_seq(const char *name, unsigned long *v)
{
	char *e;

	if (name[0] < '0' || name[0] > '9')
		return 0;
	*v = strtoul(name, &e, 10);
	return *e == '\0';
}

/* The sequence numbers in a directory, ascending. */
static int
cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a,
	    y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The entries' sequence numbers, ascending (free()); NULL when none. */
static unsigned long *
entries(struct col *c, size_t *np)
{
	char p[4096];
	struct dirent *d;
	unsigned long s, *v = NULL, *nv;
	size_t n = 0, cap = 0;
	DIR *dp;

	*np = 0;
	path(c, p, sizeof(p), "outbox", NULL);
	if ((dp = opendir(p)) == NULL)
		return NULL;
	while ((d = readdir(dp)) != NULL) {
		if (!is_seq(d->d_name, &s))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		v[n++] = s;
	}
	closedir(dp);
	if (n)
		qsort(v, n, sizeof(*v), cmp_ul);
	*np = n;
	return v;
}

static void
save_seq(struct col *c)
{
	char p[4096], t[4096];
	FILE *f;

	path(c, p, sizeof(p), "sequence", NULL);
	path(c, t, sizeof(t), "sequence.tmp", NULL);
	if ((f = fopen(t, "w")) == NULL) {
		log_warn("%s", t);
		return;
	}
	fprintf(f, "%lu\n", c->seq);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0 ||
	    rename(t, p) != 0)
		log_warn("%s", p);
}

int
col_outbox_open(struct col *c)
{
	static const char *const dirs[] = { "", "outbox", "work", "rejected" };
	char p[4096];
	struct dirent *d;
	unsigned long *v;
	size_t n;
	FILE *f;
	DIR *dp;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		path(c, p, sizeof(p), dirs[i], NULL);
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			log_warn("%s", p);
			return -errno;
		}
	}
	/* Collections cut short by a crash: their jobs are gone. */
	path(c, p, sizeof(p), "work", NULL);
	if ((dp = opendir(p)) != NULL) {
		while ((d = readdir(dp)) != NULL) {
			char w[4096];

			if (d->d_name[0] == '.')
				continue;
			path(c, w, sizeof(w), "work", d->d_name);
			rmflat(w);
		}
		closedir(dp);
	}
	path(c, p, sizeof(p), "sequence", NULL);
	if ((f = fopen(p, "r")) != NULL) {
		if (fscanf(f, "%lu", &c->seq) != 1)
			c->seq = 0;
		fclose(f);
	}
	if ((v = entries(c, &n)) != NULL) {
		if (v[n - 1] > c->seq)
			c->seq = v[n - 1];
		free(v);
	}
	if (n)
		log_info("outbox: %zu report(s) waiting", n);
	return 0;
}

size_t
col_outbox_count(struct col *c)
{
	size_t n;

	free(entries(c, &n));
	return n;
}

unsigned long
col_outbox_next_seq(struct col *c)
{
	c->seq++;
	save_seq(c);
	return c->seq;
}

int
col_outbox_commit(struct col *c, const char *workdir, unsigned long seq)
{
	char to[4096], name[32];
	int fd;

	snprintf(name, sizeof(name), "%012lu", seq);
	path(c, to, sizeof(to), "outbox", name);
	if ((fd = open(workdir, O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	if (rename(workdir, to) < 0) {
		log_warn("outbox: %s", to);
		return -errno;
	}
	path(c, to, sizeof(to), "outbox", NULL);
	if ((fd = open(to, O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	c->outbox_retry = 0;
	return 0;
}

static int
read_small(const char *dir, const char *name, struct buf *b, size_t max)
{
	char p[4096];

	snprintf(p, sizeof(p), "%.3900s/%.100s", dir, name);
	buf_init(b, max);
	return buf_read_file(b, p);
}

/*
 * The reports sent lately: one item id per line in state_dir/sent.  A
 * collector may not read sacm/posture (it is publish-only there), so this
 * is how it knows after a restart which requests it answered.  Past
 * SENT_MAX bytes the older half goes.
 */
static void
sent_note(struct col *c, const char *item)
{
	char p[4096], tmp[4200];
	struct stat st;
	struct buf b;
	FILE *f;

	path(c, p, sizeof(p), "sent", NULL);
	buf_init(&b, SENT_MAX);
	/* Read it only when it is due to be trimmed. */
	if (stat(p, &st) == 0 && (size_t)st.st_size > SENT_MAX / 2 &&
	    buf_read_file(&b, p) == 0 && b.len > SENT_MAX / 2) {
		const char *keep = b.data + b.len / 2;

		keep += strcspn(keep, "\n");
		keep += *keep == '\n';
		snprintf(tmp, sizeof(tmp), "%s.new", p);
		if ((f = fopen(tmp, "w")) != NULL) {
			fputs(keep, f);
			if (fclose(f) == 0)
				(void)rename(tmp, p);
		}
	}
	buf_free(&b);
	if ((f = fopen(p, "a")) == NULL) {
		log_warnx("%s: %s", p, strerror(errno));
		return;
	}
	fprintf(f, "%s\n", item);
	fclose(f);
}

int
col_lines_has(const char *file, const char *line, size_t max)
{
	struct buf b;
	size_t n = strlen(line);
	int found = 0;

	buf_init(&b, max);
	if (buf_read_file(&b, file) == 0 && b.data)
		for (const char *l = b.data; *l && !found;
		    l += strcspn(l, "\n"), l += *l == '\n')
			found = strncmp(l, line, n) == 0 && (l[n] == '\n' ||
			    l[n] == '\0');
	buf_free(&b);
	return found;
}

static int
sent_has(struct col *c, const char *item)
{
	char p[4096];

	path(c, p, sizeof(p), "sent", NULL);
	return col_lines_has(p, item, SENT_MAX);
}

int
col_outbox_has(struct col *c, const char *item)
{
	unsigned long *v;
	size_t n;
	int found = 0;

	if (sent_has(c, item))
		return 1;
	if ((v = entries(c, &n)) == NULL)
		return 0;
	for (size_t i = 0; i < n && !found; i++) {
		char dir[4096], name[32];
		struct buf b;

		snprintf(name, sizeof(name), "%012lu", v[i]);
		path(c, dir, sizeof(dir), "outbox", name);
		if (read_small(dir, "item", &b, 4096) == 0 && b.data &&
		    strcmp(b.data, item) == 0)
			found = 1;
		buf_free(&b);
	}
	free(v);
	return found;
}

/*
 * Publishes a report under <endpoint>/<request>; when another account
 * holds that item id (a publisher touches only its own items: one that
 * saw the request and published first, to silence this endpoint), under
 * <endpoint>/<request>/<random>, which the posture repository takes as
 * the same report.
 */
static int
publish(struct col *c, const char *item, const char *report)
{
	char used[700];
	int r;

	r = pubsub_publish_own(c->g, TOPIC_POSTURE, item, report, used,
	    sizeof(used));
	if (used[0] && strcmp(used, item) != 0)
		log_warnx("posture report %s: another account holds that item "
		    "id; publishing it as %s", item, used);
	if (r == 0) {
		log_info("posture report %s published", used);
		sent_note(c, item);
	}
	return r;
}

/* Uploads the entry's documents and publishes its report. */
static int
send_entry(struct col *c, const char *dir, char *err, size_t errlen)
{
	struct buf item, head, out;
	char *end;
	int r;

	if ((r = read_small(dir, "item", &item, 4096)) < 0 ||
	    (r = read_small(dir, "report.xml", &head, 1 << 20)) < 0 ||
	    item.data == NULL || head.data == NULL ||
	    (end = strstr(head.data, "</posture-report>")) == NULL) {
		buf_free(&item);
		buf_free(&head);
		snprintf(err, errlen, "damaged entry");
		return -EINVAL;
	}
	buf_init(&out, (size_t)grid_get_conf(c->g)->max_item_size);
	buf_add(&out, head.data, (size_t)(end - head.data));
	for (size_t i = 0; r == 0 && i < sizeof(parts) / sizeof(parts[0]);
	    i++) {
		struct blob_ref ref = { 0 };
		struct buf doc;

		if (read_small(dir, parts[i].file, &doc, MAX_DOC) < 0) {
			buf_free(&doc);
			continue;	/* not collected (failed, no dpkg) */
		}
		r = blob_put(c->g, parts[i].file, doc.data ? doc.data : "",
		    doc.len, "application/xml", 1, &ref);
		buf_free(&doc);
		if (r < 0) {
			snprintf(err, errlen, "uploading %s: %s", parts[i].file,
			    grid_errstr(c->g));
			break;
		}
		buf_printf(&out, "<%s kind='%s'>", parts[i].element,
		    parts[i].kind);
		blob_ref_to_xml(&ref, &out);
		buf_printf(&out, "</%s>", parts[i].element);
		blob_ref_free(&ref);
	}
	if (r == 0) {
		buf_adds(&out, end);
		if (out.data == NULL) {
			snprintf(err, errlen, "report over max_item_size");
			r = -E2BIG;
		} else if ((r = publish(c, item.data, out.data)) < 0)
			snprintf(err, errlen, "publishing: %s",
			    grid_errstr(c->g));
	}
	buf_free(&item);
	buf_free(&head);
	buf_free(&out);
	return r;
}

void
col_outbox_tick(struct col *c)
{
	unsigned long *v;
	size_t n;
	time_t now = time(NULL);

	if (grid_state(c->g) != GRID_ONLINE || now < c->outbox_retry ||
	    (v = entries(c, &n)) == NULL)
		return;
	for (size_t i = 0; i < n && i < SEND_PER_TICK; i++) {
		char dir[4096], name[32], err[1024];
		int r;

		snprintf(name, sizeof(name), "%012lu", v[i]);
		path(c, dir, sizeof(dir), "outbox", name);
		r = send_entry(c, dir, err, sizeof(err));
		if (r == 0) {
			rmflat(dir);
			c->outbox_fails = 0;
			continue;
		}
		if (r == -E2BIG || r == -EINVAL) {
			/* The broker will never take it: keep it aside. */
			char to[4096];

			path(c, to, sizeof(to), "rejected", name);
			log_warnx("outbox: report %lu refused for good (%s); "
			    "kept in %s", v[i], err, to);
			if (rename(dir, to) < 0)
				rmflat(dir);
			continue;
		}
		c->outbox_fails++;
		c->outbox_retry = now + (c->outbox_fails < 6 ?
		    1L << c->outbox_fails : 60);
		log_warnx("outbox: report %lu not sent (%s); %zu waiting, "
		    "retry in %ld s", v[i], err, n - i,
		    (long)(c->outbox_retry - now));
		break;
	}
	free(v);
}
