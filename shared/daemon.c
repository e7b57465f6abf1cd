/*
 * daemon.c - see daemon.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backoff.h"
#include "daemon.h"
#include "log.h"

volatile sig_atomic_t daemon_quit;
volatile sig_atomic_t daemon_reload;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		daemon_reload = 1;
	else
		daemon_quit = 1;
}

static void
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void
usage(FILE *f, const struct daemon_spec *s)
{
	fprintf(f, "usage: %s [-nv] [-f FILE]\n\n%s\n\n"
	    "  -f FILE    configuration file (default: $SACM_CONFIG)\n"
	    "  -n         check the configuration (everything the daemon checks"
	    "\n             before it connects) and exit\n"
	    "  -v         log debug messages\n"
	    "  --help     this text and the configuration options\n"
	    "  --version  print the version\n\n"
	    "signals: TERM and INT stop it; HUP reads the configuration again"
	    "\n(log_level applies at once, the rest at the next start)\n\n",
	    s->name, s->summary);
}

/* Loads path into the tables and runs every check that needs no grid.
 * 0, or -1 with err. */
static int
load(const struct daemon_spec *s, const char *path, struct conf_table *t,
    char *err, size_t errlen)
{
	struct grid *g;

	if (conf_load(path, t, 2, err, errlen) < 0)
		return -1;
	if (s->check && s->check(t[1].base, err, errlen) < 0)
		return -1;
	/* The grid's settings as grid_new() takes them (the JID, the CA,
	 * the password file), without connecting. */
	if ((g = grid_new(t[0].base, err, errlen)) == NULL)
		return -1;
	grid_free(g);
	return 0;
}

/* SIGHUP: a new configuration, checked; only log_level changes live. */
static void
reload(const struct daemon_spec *s, const char *path)
{
	struct grid_conf gc;
	void *conf = calloc(1, s->conf_size);
	struct conf_table t[] = {
		{ grid_conf_opts, grid_conf_nopts, &gc },
		{ s->opts, s->nopts, conf },
	};
	char err[512];
	int level;

	memset(&gc, 0, sizeof(gc));
	if (conf == NULL) {
		log_warnx("reload: out of memory; configuration kept");
		return;
	}
	if (load(s, path, t, err, sizeof(err)) < 0)
		log_warnx("reload: %s; the running configuration is kept", err);
	else {
		level = *(int *)(void *)((char *)conf +
		    ((char *)s->log_level - (char *)s->conf));
		*s->log_level = level;
		log_setlevel(level);
		log_info("reload: %s is valid; log_level applied, other "
		    "changes take effect at the next start", path);
	}
	conf_free(t, 2);
	free(conf);
}

/* The grid, and the requests' session when the spec asks for one: the
 * grid on <resource>-events, the requests on the resource. */
static int
new_grids(const struct daemon_spec *s, char *err, size_t errlen)
{
	char *resource = s->gc->resource, *events = NULL;

	if (s->requests && asprintf(&events, "%s-events", resource) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (events)
		s->gc->resource = events;
	*s->g = grid_new(s->gc, err, errlen);
	s->gc->resource = resource;
	free(events);
	if (*s->g == NULL)
		return -1;
	if (s->requests && (*s->requests = grid_new_sibling(*s->g, resource,
	    err, errlen)) == NULL)
		return -1;
	return 0;
}

/* Connects, retrying with backoff until it works or a signal asks to
 * quit; 0 or -EINTR. */
static int
connect_grid(struct grid *g)
{
	struct backoff b;

	backoff_init(&b, 500, 30000, (unsigned)getpid());
	while (!daemon_quit) {
		unsigned ms;

		if (grid_connect(g) == 0)
			return 0;
		ms = backoff_next(&b);
		log_warnx("cannot connect to the grid: %s; retrying in %u ms",
		    grid_errstr(g), ms);
		while (ms > 0 && !daemon_quit) {
			unsigned step = ms > 200 ? 200 : ms;

			usleep(step * 1000);
			ms -= step;
		}
	}
	return -EINTR;
}

int
daemon_main(int argc, char **argv, const struct daemon_spec *s)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_table t[] = {
		{ grid_conf_opts, grid_conf_nopts, s->gc },
		{ s->opts, s->nopts, s->conf },
	};
	const char *path = getenv("SACM_CONFIG");
	int check = 0, verbose = 0, ch, rc = 1;
	char err[512], ready[512] = "";

	log_init(s->name, LOG_LVL_INFO, 1);
	umask(077);	/* databases, outboxes, work: ours alone */
	while ((ch = getopt_long(argc, argv, "f:nvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': path = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose = 1; break;
		case 'h':
			usage(stdout, s);
			conf_usage(t, 2);
			return 0;
		case 'V':
			printf("%s %s\n", s->name, SACM_VERSION);
			return 0;
		default:
			usage(stderr, s);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, s);
		return 2;
	}
	if (path == NULL) {
		fprintf(stderr, "%s: no configuration: use -f FILE or set "
		    "SACM_CONFIG\n", s->name);
		return 2;
	}
	if (load(s, path, t, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", s->name, err);
		conf_free(t, 2);
		return 1;
	}
	if (check) {
		printf("%s: configuration %s OK\n", s->name, path);
		conf_free(t, 2);
		return 0;
	}
	log_setlevel(verbose ? LOG_LVL_DEBUG : *s->log_level);
	signals();
	if (s->gc->resource == NULL && (s->gc->resource = strdup(s->name)) ==
	    NULL)
		fatalx("out of memory");
	if (s->open && s->open(s->arg, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		goto out;
	}
	if (new_grids(s, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		goto free;
	}
	if (s->attach && s->attach(s->arg, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		goto free;
	}
	rc = 0;
	if (connect_grid(*s->g) < 0 || (s->requests &&
	    connect_grid(*s->requests) < 0))
		goto free;
	for (size_t i = 0; s->topics && s->topics[i]; i++)
		if (grid_subscribe(*s->g, s->topics[i], GRID_SUB_CATCHUP) < 0) {
			log_warnx("cannot subscribe to %s: %s", s->topics[i],
			    grid_errstr(*s->g));
			rc = 1;
			goto stop;
		}
	if (s->online)
		s->online(s->arg);
	if (s->ready)
		s->ready(s->arg, ready, sizeof(ready));
	log_info("ready: %s%s%s%s%s", grid_jid(*s->g), s->requests ?
	    ", requests on " : "", s->requests ? grid_jid(*s->requests) : "",
	    ready[0] ? ", " : "", ready);
	while (!daemon_quit) {
		grid_run_once(*s->g, s->wait_ms ? s->wait_ms(s->arg) :
		    s->poll_ms);
		if (s->requests)	/* read by the turn above */
			grid_run_once(*s->requests, 0);
		if (daemon_reload) {
			daemon_reload = 0;
			reload(s, path);
		}
		if (s->tick)
			s->tick(s->arg);
	}
	log_info("stopping");
stop:
	if (s->stop)
		s->stop(s->arg);
	if (s->requests)
		grid_close(*s->requests);
	grid_close(*s->g);
free:
	if (s->requests) {
		grid_free(*s->requests);
		*s->requests = NULL;
	}
	grid_free(*s->g);
	*s->g = NULL;
	if (s->close)
		s->close(s->arg);
out:
	conf_free(t, 2);
	return rc;
}
