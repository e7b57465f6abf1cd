/*
 * col_watch.c - noticing that what was collected has changed.
 *
 * inotify on the directories that hold the collected files (events for
 * other names in them are ignored), on the directories a collection
 * listed in whole, and on the package database.  A change arms a settle
 * timer; when settle_ms pass without another event the change is
 * reported once, so an upgrade that touches hundreds of files gives one
 * new collection.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "col.h"
#include "log.h"

#define MAX_WATCHES	4096
#define MASK	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | \
		 IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_ONLYDIR)

struct dirwatch {
	int	  wd;
	char	 *dir;
	int	  any;		/* every name in the directory counts */
	char	**names;	/* else only these */
	size_t	  nnames;
};

struct col_watch {
	int		 fd;
	struct dirwatch	*v;
	size_t		 n;
	int		 armed;
	struct timespec	 last;
};

struct col_watch *
col_watch_new(void)
{
	struct col_watch *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		log_warn("inotify");
		free(w);
		return NULL;
	}
	return w;
}

static void
clear(struct col_watch *w)
{
	for (size_t i = 0; i < w->n; i++) {
		inotify_rm_watch(w->fd, w->v[i].wd);
		free(w->v[i].dir);
		for (size_t k = 0; k < w->v[i].nnames; k++)
			free(w->v[i].names[k]);
		free(w->v[i].names);
	}
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

void
col_watch_free(struct col_watch *w)
{
	if (w == NULL)
		return;
	clear(w);
	close(w->fd);
	free(w);
}

static struct dirwatch *
find_dir(struct col_watch *w, const char *dir)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].dir, dir) == 0)
			return &w->v[i];
	return NULL;
}

/* Watches dir (a path on this host); name NULL: any change in it. */
static void
add(struct col_watch *w, const char *dir, const char *name)
{
	struct dirwatch *d = find_dir(w, dir), *nv;
	char **nn;
	int wd;

	if (d == NULL) {
		if (w->n >= MAX_WATCHES)
			return;
		if ((wd = inotify_add_watch(w->fd, dir, MASK)) < 0)
			return;	/* not there (yet): nothing to watch */
		for (size_t i = 0; i < w->n; i++)
			if (w->v[i].wd == wd)	/* the same directory */
				d = &w->v[i];
		if (d == NULL) {
			if ((nv = reallocarray(w->v, w->n + 1,
			    sizeof(*nv))) == NULL)
				return;
			w->v = nv;
			d = &w->v[w->n];
			memset(d, 0, sizeof(*d));
			d->wd = wd;
			if ((d->dir = strdup(dir)) == NULL)
				return;
			w->n++;
		}
	}
	if (name == NULL) {
		d->any = 1;
		return;
	}
	for (size_t i = 0; i < d->nnames; i++)
		if (strcmp(d->names[i], name) == 0)
			return;
	if ((nn = reallocarray(d->names, d->nnames + 1, sizeof(*nn))) == NULL)
		return;
	d->names = nn;
	if ((nn[d->nnames] = strdup(name)) != NULL)
		d->nnames++;
}

static void
add_path(struct col_watch *w, const char *root, char kind, const char *p)
{
	char full[PATH_MAX], *slash;

	if (snprintf(full, sizeof(full), "%s%s", root ? root : "", p) >=
	    (int)sizeof(full))
		return;
	if (kind == 'D') {
		add(w, full, NULL);
		return;
	}
	if ((slash = strrchr(full, '/')) == NULL)
		return;
	*slash = '\0';
	add(w, full[0] ? full : "/", slash + 1);
}

void
col_watch_set(struct col_watch *w, const char *root, const char *list)
{
	const char *p = list;
	size_t files = 0, dirs = 0;

	if (w == NULL)
		return;
	if (root && strcmp(root, "/") == 0)
		root = NULL;
	clear(w);
	add_path(w, root, 'F', "/var/lib/dpkg/status");
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[PATH_MAX + 3];

		if (n > 2 && n < sizeof(line) && (p[0] == 'F' || p[0] == 'D') &&
		    p[1] == ' ') {
			memcpy(line, p, n);
			line[n] = '\0';
			add_path(w, root, p[0], line + 2);
		}
		p += n + (nl != NULL);
	}
	for (size_t i = 0; i < w->n; i++) {
		dirs += w->v[i].any;
		files += w->v[i].nnames;
	}
	log_info("watching %zu directories (%zu whole, %zu files) for "
	    "changes", w->n, dirs, files);
}

static int
relevant(struct col_watch *w, const struct inotify_event *ev)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->v[i].wd != ev->wd)
			continue;
		if (w->v[i].any || ev->len == 0)
			return 1;
		for (size_t k = 0; k < w->v[i].nnames; k++)
			if (strcmp(w->v[i].names[k], ev->name) == 0)
				return 1;
		return 0;
	}
	return 0;
}

int
col_watch_poll(struct col_watch *w, long settle_ms)
{
	char b[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct timespec now;
	ssize_t n;

	if (w == NULL)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	while ((n = read(w->fd, b, sizeof(b))) > 0) {
		for (char *p = b; p < b + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if ((ev->mask & IN_Q_OVERFLOW) || relevant(w, ev)) {
				if (!w->armed)
					log_debug("change: %s", ev->len ?
					    ev->name : "(directory)");
				w->armed = 1;
				w->last = now;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
	if (w->armed && (now.tv_sec - w->last.tv_sec) * 1000 +
	    (now.tv_nsec - w->last.tv_nsec) / 1000000 >= settle_ms) {
		w->armed = 0;
		return 1;
	}
	return 0;
}
