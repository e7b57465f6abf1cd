/*
 * buf.h - growable byte buffer with a hard limit (after curl's dynbuf).
 *
 * Every append fails with -E2BIG rather than grow past the limit given to
 * buf_init(), and with -ENOMEM when allocation fails.  The data is always
 * NUL-terminated so that text can be used as a C string.
 */
#ifndef SACM_BUF_H
#define SACM_BUF_H

#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

void	buf_init(struct buf *, size_t max);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);
int	buf_add(struct buf *, const void *, size_t);
int	buf_adds(struct buf *, const char *);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Appends text with the five XML special characters escaped. */
int	buf_add_xml(struct buf *, const char *);
/*
 * Appends the whole file at path ("-" = standard input), at most the
 * buffer's limit.  0, -E2BIG, or -errno from opening or reading.
 */
int	buf_read_file(struct buf *, const char *path);
/* Hands the data over to the caller (free() it); the buffer is reset. */
char	*buf_steal(struct buf *, size_t *lenp);

#endif
