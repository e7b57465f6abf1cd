/*
 * col.h - sacm-collector: the Collector of Figure 2, for one endpoint.
 */
#ifndef COL_H
#define COL_H

#include "grid.h"

struct col_conf {
	char	*root;		/* target root (OSCAP_PROBE_ROOT), or none */
	char	*endpoint_id;	/* default: the target's machine-id */
	char	*hostname;	/* default: the target's /etc/hostname */
	char	*apt_config;	/* APT_CONFIG for the dpkginfo probe */
	long	 max_content;	/* largest policy accepted */
	int	 log_level;
};

struct col {
	struct col_conf	 conf;
	struct grid_conf gc;
	struct grid	*g;
	char		 id[128];	/* endpoint id */
	char		 host[256];
	char		 os[128];	/* CPE name */
};

/* col_identity.c */
int	col_identity(struct col *);
int	col_announce(struct col *);

/* col_request.c */
void	col_on_event(struct grid *, const struct grid_event *, void *);

#endif
