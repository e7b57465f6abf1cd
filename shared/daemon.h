/*
 * daemon.h - what every service's main() shares: the options (-f FILE,
 * -n, -v, --help, --version), loading the configuration tables, signals,
 * and connecting to the grid until it works.
 */
#ifndef SACM_DAEMON_H
#define SACM_DAEMON_H

#include <signal.h>

#include "conf.h"
#include "grid.h"

extern volatile sig_atomic_t daemon_quit;	/* SIGTERM, SIGINT */
extern volatile sig_atomic_t daemon_reload;	/* SIGHUP */

/*
 * Parses the command line and loads the configuration into the tables.
 * Prints help or version and exits 0; prints a one-line error and exits
 * 1 (bad configuration) or 2 (usage).  With -n, checks the configuration,
 * says so, and exits.  Afterwards logging is set up at the configured
 * level (or debug with -v).
 */
void	daemon_setup(int argc, char **argv, const char *name,
	    const char *summary, struct conf_table *, size_t ntables,
	    const int *loglevel);

/* Installs the signal handlers (flags only). */
void	daemon_signals(void);

/* Connects, retrying with the grid's backoff until it works or a signal
 * asks to quit; 0 or -EINTR. */
int	daemon_connect(struct grid *);

#endif
