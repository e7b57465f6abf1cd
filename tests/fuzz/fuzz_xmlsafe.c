/* Fuzz target: the untrusted-XML parser. */
#include <libxml/parser.h>

#include "fuzz.h"
#include "xmlsafe.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	xmlDocPtr doc = NULL;
	char err[256];

	if (xmlsafe_parse((const char *)data, size, 1 << 20, &doc, err,
	    sizeof(err)) == 0)
		xmlFreeDoc(doc);
	return 0;
}
