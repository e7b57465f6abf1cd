/* Fuzz target: vulnerability definitions from the wire (shared/vuln.c):
 * the check, the targeted collection's document and the system
 * characteristics made from an inventory, on any input.  What they make
 * must be well-formed XML.  (The evaluation is libopenscap's.) */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "fuzz.h"
#include "vuln.h"

static const char inventory[] =
    "<inventory xmlns='http://sacm-grid.dev/protocol/1' format='dpkg' "
    "count='3'><package name='bash' version='5.1-2+deb11u1' arch='amd64'/>"
    "<package name='base-files' version='11.1+deb11u9' arch='amd64'/>"
    "<package name='libaudit-common' version='1:3.0-2' arch='all'/>"
    "</inventory>";

static void
well_formed(const char *doc, size_t len)
{
	xmlDocPtr d;

	if (doc == NULL)
		return;
	if ((d = xmlReadMemory(doc, (int)len, "fuzz.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)) == NULL)
		abort();
	xmlFreeDoc(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vuln_info info;
	char err[512], *out = NULL;
	size_t len = 0;

	(void)vuln_check((const char *)data, size, &info, err, sizeof(err));
	if (vuln_targeted((const char *)data, size, &out, &len, err,
	    sizeof(err)) == 0)
		well_formed(out, len);
	free(out);
	out = NULL;
	if (vuln_syschar((const char *)data, size, inventory,
	    sizeof(inventory) - 1, NULL, 0, &out, &len, err, sizeof(err)) == 0)
		well_formed(out, len);
	free(out);
	return 0;
}
