/* Fuzz target: blob references as they arrive in items. */
#include "blob.h"
#include "fuzz.h"
#include "xmlsafe.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blob_ref r;
	xmlDocPtr doc;
	char err[256];

	if (xmlsafe_parse((const char *)data, size, 65536, &doc, err,
	    sizeof(err)) < 0)
		return 0;
	if (blob_ref_from_xml(xmlDocGetRootElement(doc), &r, err,
	    sizeof(err)) == 0)
		blob_ref_free(&r);
	xmlFreeDoc(doc);
	return 0;
}
