/* Fuzz target: a broker log line read for denials (services/audit/
 * au_brokerlog.c): another program writes that log.  Input: one line. */
#include <stdlib.h>
#include <string.h>

#include "au.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), what[128], account[512];

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (au_denial(s, what, sizeof(what), account, sizeof(account))) {
		/* what is printable, the account a plain JID or nothing */
		if (strlen(what) >= sizeof(what) || strchr(account, ' ') ||
		    strchr(account, '<') || strchr(account, '/'))
			abort();
	}
	free(s);
	return 0;
}
