/*
 * buf.h - growable byte buffer with a hard limit (after curl's dynbuf).
 *
 * Every append fails with -E2BIG rather than grow past the limit given to
 * buf_init(), and with -ENOMEM when allocation fails.  The data is always
 * NUL-terminated so that text can be used as a C string.
 *
 * A buffer that failed stays failed: the failing append frees the data
 * (data NULL, len 0), every later append is a no-op that returns the same
 * error, and buf_error() reports it.  So a message built by many appends
 * is checked once, before it is used, and can never go out truncated.
 * buf_reset() and buf_free() make it usable again.
 */
#ifndef SACM_BUF_H
#define SACM_BUF_H

#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	int	 err;		/* 0, or the first failure (sticky) */
};

void	buf_init(struct buf *, size_t max);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);
int	buf_add(struct buf *, const void *, size_t);
int	buf_adds(struct buf *, const char *);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Room for n more bytes, so that the next appends do not move the data:
 * 0, or the buffer's error. */
int	buf_reserve(struct buf *, size_t n);
/* 0, or the error of the first append that failed. */
int	buf_error(const struct buf *);
/* Appends text with the five XML special characters escaped. */
int	buf_add_xml(struct buf *, const char *);
/*
 * Appends  name='value'  with the value escaped; nothing when value is
 * NULL.  The name is ours, never the wire's: one that is not an XML name
 * fails the buffer with -EINVAL.
 */
int	buf_add_attr(struct buf *, const char *name, const char *value);
/*
 * Appends the whole file at path ("-" = standard input), at most the
 * buffer's limit.  0, -E2BIG, or -errno from opening or reading.
 */
int	buf_read_file(struct buf *, const char *path);
/* Hands the data over to the caller (free() it); the buffer is reset. */
char	*buf_steal(struct buf *, size_t *lenp);

#endif
