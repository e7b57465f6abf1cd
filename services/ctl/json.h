/*
 * json.h - writing JSON text (for --json output).
 */
#ifndef SACM_JSON_H
#define SACM_JSON_H

#include "buf.h"

/* Appends s as a JSON string literal ("null" for NULL). */
int	json_str(struct buf *, const char *s);
/* The same for len bytes that may hold anything (invalid UTF-8 is
 * replaced by U+FFFD so the output stays valid). */
int	json_strn(struct buf *, const char *s, size_t len);

#endif
