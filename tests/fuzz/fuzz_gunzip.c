/* Fuzz target: bounded gzip decoding of downloaded blobs. */
#include <stdlib.h>

#include "blob.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out;
	size_t len;

	if (blob_gunzip(data, size, 1 << 20, &out, &len) == 0)
		free(out);
	return 0;
}
