/* Fuzz target: configuration files (grid options). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "grid.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grid_conf gc;
	struct conf_table t = { grid_conf_opts, grid_conf_nopts, &gc };
	char *text = malloc(size + 1), err[512];

	memcpy(text, data, size);
	text[size] = '\0';
	memset(&gc, 0, sizeof(gc));
	(void)conf_load_string("fuzz.conf", text, &t, 1, err, sizeof(err));
	conf_free(&t, 1);
	free(text);
	return 0;
}
