/* Fuzz target: an ARF cut into shared parts and a skeleton (arfpart.c)
 * joins back to the same bytes, whatever the bytes are; a join with the
 * parts out of place is refused, never read out of bounds. */
#include <stdlib.h>
#include <string.h>

#include "arfpart.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *arf = (const char *)data;
	struct arfpart p[ARFPART_MAX];
	struct arfpiece pc[ARFPART_MAX];
	size_t n = arfpart_split(arf, size, p, ARFPART_MAX);
	size_t at[ARFPART_MAX], slen, len;
	char *skel, *out;

	if (arfpart_skeleton(arf, size, p, n, &skel, &slen, at) < 0)
		abort();		/* split's parts are in order */
	for (size_t i = 0; i < n; i++) {
		pc[i].off = at[i];
		pc[i].data = arf + p[i].off;
		pc[i].len = p[i].len;
	}
	if (arfpart_join(skel, slen, pc, n, size, &out, &len) < 0 ||
	    len != size || memcmp(out, arf, size) != 0)
		abort();
	free(out);
	/* the skeleton's first bytes as offsets: out of place or not */
	for (size_t i = 0; i < n && i < slen; i++)
		pc[i].off = (unsigned char)skel[i] * (slen / 256 + 1);
	if (arfpart_join(skel, slen, pc, n, size, &out, &len) == 0)
		free(out);
	free(skel);
	return 0;
}
