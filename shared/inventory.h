/*
 * inventory.h - software inventory: the installed packages of a system
 * from its dpkg database, as the document that travels with every
 * posture report:
 *
 *   <inventory xmlns='http://sacm-grid.dev/protocol/1' format='dpkg'
 *       count='2'>
 *     <package name='bash' version='5.1-2+deb11u1' arch='amd64'/>
 *     <package name='zlib1g' version='1:1.2.11.dfsg-2+deb11u2' arch='amd64'/>
 *   </inventory>
 *
 * sorted by name, then architecture.
 */
#ifndef SACM_INVENTORY_H
#define SACM_INVENTORY_H

#include <stddef.h>

#include "buf.h"

struct inv_pkg {
	const char	*name, *version, *arch;
};

/*
 * Reads root/var/lib/dpkg/status (root NULL: this host) and appends the
 * inventory document to out.  0, or -errno with err.
 */
int	inv_dpkg(const char *root, struct buf *out, char *err, size_t errlen);

/* The same from the text of a dpkg status file (for tests). */
int	inv_dpkg_text(const char *status, size_t len, struct buf *out,
	    char *err, size_t errlen);

/*
 * Parses an inventory document (untrusted) and calls fn for each
 * package; a non-zero return from fn stops the walk and is returned.
 * 0, or -EINVAL (with err) when the document is not an inventory.
 */
typedef int inv_fn(const struct inv_pkg *, void *);
int	inv_foreach(const char *xml, size_t len, size_t max, inv_fn *fn,
	    void *arg, char *err, size_t errlen);

#endif
