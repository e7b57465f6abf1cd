/* Fuzz target: identifiers and the builders.  Whatever the input, an
 * identifier (ident.h) built into an element with buf_add_attr() and
 * buf_add_xml() gives XML that parses, with the value intact; and
 * xml_ids_ok() over any parsed document does not fail. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "ident.h"
#include "xmlsafe.h"
#include "xmlutil.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256], *back;
	const char *bad;
	struct buf b;
	xmlDocPtr doc;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (xmlsafe_parse(s, size, 65536, &doc, err, sizeof(err)) == 0) {
		(void)xml_ids_ok(xmlDocGetRootElement(doc), xml_id_attrs,
		    &bad);
		xmlFreeDoc(doc);
	}
	if (ident_ok(s)) {
		buf_init(&b, 1 << 20);
		buf_adds(&b, "<e");
		buf_add_attr(&b, "id", s);
		buf_adds(&b, ">");
		buf_add_xml(&b, s);
		buf_adds(&b, "</e>");
		if (buf_error(&b) || xmlsafe_parse(b.data, b.len, 1 << 20,
		    &doc, err, sizeof(err)) < 0)
			abort();	/* an identifier broke the XML */
		back = xml_prop(xmlDocGetRootElement(doc), "id");
		if (back == NULL || strcmp(back, s) != 0)
			abort();
		free(back);
		xmlFreeDoc(doc);
		buf_free(&b);
	}
	free(s);
	return 0;
}
