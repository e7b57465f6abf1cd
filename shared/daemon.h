/*
 * daemon.h - the one main() of every SACM daemon, driven by a spec:
 * options (-f FILE, -n, -v, --help, --version), the configuration tables,
 * signals, the stores, the grid (connect until it works, subscribe), the
 * loop, and an orderly stop.  A service's main.c is its option table, its
 * spec and its hooks.
 *
 * Signals: SIGTERM and SIGINT stop the loop; SIGHUP reads the
 * configuration again and, when it is valid, applies what can change
 * while running (log_level) and says that the rest takes effect at the
 * next start; an invalid file is reported and the running configuration
 * kept.
 */
#ifndef SACM_DAEMON_H
#define SACM_DAEMON_H

#include <signal.h>

#include "conf.h"
#include "grid.h"

extern volatile sig_atomic_t daemon_quit;	/* SIGTERM, SIGINT */
extern volatile sig_atomic_t daemon_reload;	/* SIGHUP */

struct daemon_spec {
	const char		*name;		/* program; default resource */
	const char		*summary;	/* one line for --help */
	const struct conf_opt	*opts;		/* the service's own options */
	size_t			 nopts;
	void			*conf;		/* where they go ... */
	size_t			 conf_size;	/* ... and its size (reload) */
	int			*log_level;	/* in conf */
	struct grid_conf	*gc;		/* the grid's options */
	struct grid		**g;		/* set once the grid exists */
	const char *const	*topics;	/* subscribed with catch-up;
						 * NULL-terminated */
	/* Non-NULL: requests are answered on a session of their own
	 * (grid_new_sibling), set here before attach, on the resource;
	 * the topics are read on <resource>-events.  A service whose
	 * topics can bring more than it keeps up with answers in time all
	 * the same. */
	struct grid		**requests;
	unsigned long		 poll_ms;	/* longest wait per loop turn */
	void			*arg;		/* for the hooks */

	/* Every hook is optional; those returning int give 0, or -1 with a
	 * one-line reason in err (the daemon exits 1 with it). */
	/* What the table cannot check (enums, cross-field); -n and SIGHUP
	 * run it too, on the configuration being checked. */
	int	(*check)(const void *conf, char *err, size_t errlen);
	/* Before the grid exists: stores, state directories. */
	int	(*open)(void *arg, char *err, size_t errlen);
	/* The grid exists, not yet connected: handlers, capabilities. */
	int	(*attach)(void *arg, char *err, size_t errlen);
	/* Connected and subscribed. */
	void	(*online)(void *arg);
	/* Appends what "ready:" says after the JID. */
	void	(*ready)(void *arg, char *buf, size_t len);
	/* Each turn of the loop, after the grid's. */
	void	(*tick)(void *arg);
	/* A shorter wait than poll_ms for the next turn (work running). */
	unsigned long (*wait_ms)(void *arg);
	/* Stopping, while the grid is still there. */
	void	(*stop)(void *arg);
	/* After the grid is gone: close what open opened. */
	void	(*close)(void *arg);
};

/*
 * Runs the daemon; returns its exit status (0 after a signal to stop).
 * --help, --version and -n exit from here: 0, or 2 for a usage error, 1
 * for a configuration the daemon would refuse (with -n: every check the
 * daemon makes before it connects).
 */
int	daemon_main(int argc, char **argv, const struct daemon_spec *);

#endif
