/* Fuzz target: what the posture repository checks in a collector's
 * documents before storing them: OVAL system characteristics
 * (syschar_check) and the dpkg inventory (inv_foreach). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "inventory.h"
#include "syschar.h"

static int
on_pkg(const struct inv_pkg *p, void *arg)
{
	(void)arg;
	if (p->name == NULL || p->version == NULL || p->arch == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char digest[65], err[512];

	if (syschar_check((const char *)data, size, 1 << 20, digest, err,
	    sizeof(err)) == 0 && strlen(digest) != 64)
		abort();
	(void)inv_foreach((const char *)data, size, 1 << 20, on_pkg, NULL,
	    err, sizeof(err));
	return 0;
}
