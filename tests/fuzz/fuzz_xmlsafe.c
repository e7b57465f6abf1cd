/*
 * Fuzz target: the untrusted-XML parser, and the check of a skeleton with
 * a part put back (the results repository's ARFs): where the skeleton
 * check passes, the joined document must pass the whole check.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "fuzz.h"
#include "xmlsafe.h"

#define MAX	(1 << 20)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char part[] = "<e>--]]&gt;?&gt;<!-- x --></e>";
	xmlDocPtr doc = NULL;
	char err[256], *whole;
	size_t at;

	if (xmlsafe_parse((const char *)data, size, MAX, &doc, err,
	    sizeof(err)) == 0)
		xmlFreeDoc(doc);
	/* the part goes back at an offset the input's last byte picks */
	if (size < 2)
		return 0;
	at = data[size - 1] % size;
	size--;
	if (at > size || xmlsafe_check_skeleton((const char *)data, size, &at,
	    1, MAX, NULL, NULL, err, sizeof(err)) != 0)
		return 0;
	if ((whole = malloc(size + sizeof(part))) == NULL)
		return 0;
	memcpy(whole, data, at);
	memcpy(whole + at, part, sizeof(part) - 1);
	memcpy(whole + at + sizeof(part) - 1, data + at, size - at);
	if (xmlsafe_check_root(whole, size + sizeof(part) - 1, MAX, NULL, NULL,
	    err, sizeof(err)) != 0)
		abort();	/* the skeleton check let through a break */
	free(whole);
	return 0;
}
