/* Fuzz target: Debian version ranges and comparison (inventory queries
 * carry a range from the wire).  Input: RANGE '\n' VERSION '\n' VERSION. */
#include <stdlib.h>
#include <string.h>

#include "debver.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *v1, *v2, err[256];

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if ((v1 = strchr(s, '\n')) != NULL)
		*v1++ = '\0';
	else
		v1 = s + size;
	if ((v2 = strchr(v1, '\n')) != NULL)
		*v2++ = '\0';
	else
		v2 = v1;
	if (debver_range_check(s, err, sizeof(err)) == 0)
		(void)debver_in_range(v1, s);
	/* a total order: antisymmetric */
	if ((debver_cmp(v1, v2) < 0) != (debver_cmp(v2, v1) > 0))
		abort();
	free(s);
	return 0;
}
