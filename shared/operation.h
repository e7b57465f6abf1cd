/*
 * operation.h - who asked for what, as an item of sacm/operations
 * (docs/protocol.md, "Audit"): the one builder of <operation/> that
 * the administrator's sacmctl and the orchestrator both publish.
 *
 *	op_open(&b, "revoke", by);
 *	buf_add_attr(&b, "account", account);	(the action's own attributes)
 *	if (op_close(&b, "ok", id) == 0)
 *		publish b.data as item id on TOPIC_OPERATIONS
 */
#ifndef SACM_OPERATION_H
#define SACM_OPERATION_H

#include "buf.h"

/* Starts <operation action=... by=...> in b (initialised by the caller). */
void	op_open(struct buf *b, const char *action, const char *by);
/* Adds the result and the time, closes the element and makes a new
 * random item id "op-<16 hex>" in id.  0, or -1 without randomness. */
int	op_close(struct buf *b, const char *result, char id[40]);

#endif
