/* Fuzz target: scap_inspect, what the policy repository runs on every
 * submitted or fed policy before anything else reads it. */
#include "fuzz.h"
#include "scap.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scap_info si;
	char err[1024];
	static int inited;

	if (!inited) {
		scap_init();
		inited = 1;
	}
	if (scap_inspect((const char *)data, size, 1 << 20, &si, err,
	    sizeof(err)) == 0)
		scap_info_free(&si);
	return 0;
}
