/* Fuzz target: the datastream component streamer (ds.c), over a policy
 * from a submission or a ROLIE feed. */
#include <stdlib.h>

#include "ds.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL, err[256];
	size_t len;

	if (ds_benchmark((const char *)data, size, &out, &len, err,
	    sizeof(err)) == 0)
		free(out);
	out = NULL;
	if (ds_cpe_oval((const char *)data, size, &out, &len, err,
	    sizeof(err)) == 0)
		free(out);
	out = NULL;
	if (ds_component((const char *)data, size, "oval.xml", &out, &len,
	    err, sizeof(err)) == 0)
		free(out);
	return 0;
}
