/*
 * daemon.c - see daemon.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

void
daemon_signals(void)
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
usage(FILE *f, const char *name, const char *summary)
{
	fprintf(f, "usage: %s [-nv] [-f FILE]\n\n%s\n\n"
	    "  -f FILE    configuration file (default: $SACM_CONFIG)\n"
	    "  -n         check the configuration and exit\n"
	    "  -v         log debug messages\n"
	    "  --help     this text and the configuration options\n"
	    "  --version  print the version\n\n", name, summary);
}

void
daemon_setup(int argc, char **argv, const char *name, const char *summary,
    struct conf_table *t, size_t nt, const int *loglevel)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = getenv("SACM_CONFIG");
	int check = 0, verbose = 0, ch;
	char err[512];

	log_init(name, LOG_LVL_INFO, 1);
	while ((ch = getopt_long(argc, argv, "f:nvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': conf = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose = 1; break;
		case 'h':
			usage(stdout, name, summary);
			conf_usage(t, nt);
			exit(0);
		case 'V':
			printf("%s %s\n", name, SACM_VERSION);
			exit(0);
		default:
			usage(stderr, name, summary);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr, name, summary);
		exit(2);
	}
	if (conf == NULL) {
		fprintf(stderr, "%s: no configuration: use -f FILE or set "
		    "SACM_CONFIG\n", name);
		exit(2);
	}
	if (conf_load(conf, t, nt, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", name, err);
		exit(1);
	}
	if (check) {
		printf("%s: configuration %s OK\n", name, conf);
		exit(0);
	}
	log_setlevel(verbose ? LOG_LVL_DEBUG : *loglevel);
}

int
daemon_connect(struct grid *g)
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
