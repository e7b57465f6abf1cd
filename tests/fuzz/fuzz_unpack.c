/* Fuzz target: plain, gzip or bzip2 content decoded within a limit. */
#include <stdlib.h>

#include "fuzz.h"
#include "unpack.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out, err[256];
	size_t len;

	if (unpack(data, size, 1 << 20, &out, &len, NULL, err,
	    sizeof(err)) == 0)
		free(out);
	return 0;
}
