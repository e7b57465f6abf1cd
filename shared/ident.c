/*
 * ident.c - see ident.h.
 */
#include <stddef.h>

#include "ident.h"

int
ident_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; *s; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (n >= IDENT_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == ':' || c == '/' || c == '-'))
			return 0;
	}
	return n > 0;
}
