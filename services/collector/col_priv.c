/*
 * col_priv.c - the collector gives up root.
 *
 * Reading a system needs to read every file, not to be root.  Started as
 * root, the collector becomes `user` (default nobody) and keeps one
 * capability, CAP_DAC_READ_SEARCH (read any file, search any directory;
 * and CAP_SYS_CHROOT for a target tree, which libopenscap's probes enter):
 * the grid-facing process can then write only its state directory and do
 * nothing else root may; every other capability leaves the bounding set,
 * and no exec can gain any (no_new_privs).  The collection child runs
 * besides under rlimits: address space, CPU time, open files and the size
 * of a file it writes.  The password was read before (grid_new); the
 * client key and the CA certificate stay readable through the capability.
 *
 * A container must grant the capability (compose: cap_add
 * DAC_READ_SEARCH); without it the collector says so and stops rather
 * than run as root.  `user = root` keeps root, for those who must.
 */
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "col.h"
#include "log.h"

static uid_t	tree_uid;
static gid_t	tree_gid;

static int
chown_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return lchown(p, tree_uid, tree_gid) < 0 ? -1 : 0;
}

/* The capabilities kept: reading, and for a target tree (root option)
 * the chroot libopenscap's probes do into it. */
static unsigned
kept(const struct col *c)
{
	int tree = c->conf.root && strcmp(c->conf.root, "/") != 0;

	return 1u << CAP_DAC_READ_SEARCH | (tree ? 1u << CAP_SYS_CHROOT : 0);
}

/* Keeps only those: permitted and effective, nothing to inherit. */
static int
keep(unsigned mask)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].permitted = d[0].effective = mask;
	return (int)syscall(SYS_capset, &h, d);
}

int
col_priv_drop(struct col *c, char *err, size_t errlen)
{
	const char *user = c->conf.user;
	struct passwd *pw;

	if (geteuid() != 0 || user == NULL || strcmp(user, "root") == 0) {
		if (geteuid() == 0)
			log_warnx("running as root (user = root)");
		return 0;
	}
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user %s: no such user", user);
		return -1;
	}
	/* The state directory becomes the user's: the only place the
	 * collector writes. */
	tree_uid = pw->pw_uid;
	tree_gid = pw->pw_gid;
	if (nftw(c->conf.state_dir, chown_one, 16, FTW_PHYS) < 0) {
		snprintf(err, errlen, "state_dir %s: cannot give it to %s: %s",
		    c->conf.state_dir, user, strerror(errno));
		return -1;
	}
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if ((cap >= 32 || !(kept(c) & 1u << cap)) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EINVAL) {
			snprintf(err, errlen, "cannot drop capability %d: %s",
			    cap, strerror(errno));
			return -1;
		}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
	    setgroups(0, NULL) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		snprintf(err, errlen, "cannot become %s: %s", user,
		    strerror(errno));
		return -1;
	}
	if (keep(kept(c)) < 0) {
		snprintf(err, errlen, "cannot keep CAP_DAC_READ_SEARCH%s as "
		    "%s (%s): a container must grant it (cap_add), or set "
		    "user = root", kept(c) & 1u << CAP_SYS_CHROOT ?
		    " and CAP_SYS_CHROOT" : "", user, strerror(errno));
		return -1;
	}
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || setuid(0) == 0) {
		snprintf(err, errlen, "root could be regained; stopping");
		return -1;
	}
	/* Libraries keep their state under HOME (Debian's librpm its
	 * database, ~/.rpmdb): ours, not root's. */
	setenv("HOME", c->conf.state_dir, 1);
	log_info("running as %s with CAP_DAC_READ_SEARCH%s only", user,
	    kept(c) & 1u << CAP_SYS_CHROOT ? " and CAP_SYS_CHROOT (a tree)" :
	    "");
	return 0;
}

/* In the collection child, before it reads anything. */
void
col_priv_child(const struct col *c)
{
	struct rlimit cpu = { (rlim_t)c->conf.timeout + 5,
	    (rlim_t)c->conf.timeout + 10 };
	struct rlimit files = { 4096, 4096 };
	struct rlimit fsize = { 1ul << 30, 1ul << 30 };

	(void)setrlimit(RLIMIT_CPU, &cpu);
	(void)setrlimit(RLIMIT_NOFILE, &files);
	(void)setrlimit(RLIMIT_FSIZE, &fsize);
#if !defined(__SANITIZE_ADDRESS__)
	if (c->conf.max_memory > 0) {
		struct rlimit as = { (rlim_t)c->conf.max_memory << 20,
		    (rlim_t)c->conf.max_memory << 20 };

		(void)setrlimit(RLIMIT_AS, &as);
	}
#endif
}
