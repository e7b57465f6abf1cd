/*
 * syschar.h - a posture document from the wire, checked and digested.
 */
#ifndef PS_SYSCHAR_H
#define PS_SYSCHAR_H

#include <stddef.h>

/*
 * Checks untrusted bytes to be an OVAL 5 system-characteristics document
 * (safe parse, root element, XSD with libopenscap) and gives the digest
 * of its posture: a SHA-256 that leaves out what differs between two
 * collections of the same system (the generator's time stamp, item ids,
 * file access times), so that the same posture has the same digest.
 * 0, -E2BIG, -EPERM, -EINVAL, -ENOMEM.
 */
int	syschar_check(const char *data, size_t len, size_t max,
	    char digest[65], char *err, size_t errlen);

#endif
