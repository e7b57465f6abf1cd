/*
 * operation.c - <operation/> items for sacm/operations (operation.h).
 */
#include <stdio.h>

#include "grid.h"
#include "operation.h"
#include "topics.h"
#include "xmlutil.h"

void
op_open(struct buf *b, const char *action, const char *by)
{
	buf_adds(b, "<operation xmlns='" SACM_NS "'");
	buf_add_attr(b, "action", action);
	buf_add_attr(b, "by", by);
}

int
op_close(struct buf *b, const char *result, char id[40])
{
	char rnd[17], now[32];

	if (grid_random_hex(rnd, 8) < 0)
		return -1;
	time_iso(now, 0);
	buf_add_attr(b, "result", result);
	buf_add_attr(b, "at", now);
	buf_adds(b, "/>");
	snprintf(id, 40, "op-%s", rnd);
	return 0;
}
