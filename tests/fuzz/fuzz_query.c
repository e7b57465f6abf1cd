/* Fuzz target: the repositories' query parser (query_parse), as an IQ
 * payload from any account would reach it. */
#include <stdlib.h>

#include "buf.h"
#include "fuzz.h"
#include "grid.h"
#include "query.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *type = NULL, *ep = NULL, *pol = NULL, *prof = NULL, *ver = NULL;
	const struct query_attr a[] = {
		{ "type", &type, 1 }, { "endpoint", &ep, 1 },
		{ "policy", &pol, 1 }, { "profile", &prof, 1 },
		{ "version", &ver, 0 },
	};
	struct grid_request req = { "a@b/c", "get", (const char *)data, size };
	struct buf err;
	long max, off;

	buf_init(&err, 4096);
	(void)query_parse(&req, "http://sacm-grid.dev/protocol/1/posture", a,
	    sizeof(a) / sizeof(a[0]), 100, 500, &max, &off, &err);
	free(type); free(ep); free(pol); free(prof); free(ver);
	buf_free(&err);
	return 0;
}
