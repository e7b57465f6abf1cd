/*
 * http.h - HTTPS GET with libcurl for fetching feeds and content.
 *
 * HTTPS only, TLS 1.2+, the given CA bundle (or the system's), a size cap
 * that aborts the transfer, a time limit, and conditional requests
 * (ETag / Last-Modified) so that an unchanged feed costs one small
 * request.
 */
#ifndef SACM_HTTP_H
#define SACM_HTTP_H

#include <stddef.h>

struct http_req {
	const char	*url;
	const char	*ca_file;	/* NULL: the system's CA store */
	const char	*ca_pem;	/* or CA certificates as PEM text */
	const char	*etag;		/* If-None-Match, or NULL */
	const char	*last_modified;	/* If-Modified-Since, or NULL */
	size_t		 max;		/* largest body accepted */
	long		 timeout_ms;
};

struct http_resp {
	long	 status;		/* 200, 304, 404, ... */
	char	*body;
	size_t	 len;
	char	*etag;
	char	*last_modified;
	char	*content_type;
	char	*effective_url;		/* after redirects */
};

/*
 * 0 when an HTTP answer came (any status: check resp->status), or
 * -E2BIG (body over max), -ETIMEDOUT, -EBADMSG (TLS verification failed),
 * -EINVAL (not an https URL), -EIO (anything else).  err says why.
 */
int	http_get(const struct http_req *, struct http_resp *, char *err,
	    size_t errlen);
void	http_resp_free(struct http_resp *);

/*
 * One response header line: keeps an ETag or Last-Modified value in r
 * (replacing an earlier one).  0 (also for other headers), -EINVAL for
 * a validator that is empty, longer than HTTP_MAX_VALIDATOR or not
 * printable ASCII (not kept), -ENOMEM.
 */
#define HTTP_MAX_VALIDATOR	512
int	http_header(struct http_resp *r, const char *line, size_t len);

#endif
