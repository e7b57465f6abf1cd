/*
 * http.c - see http.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "http.h"

struct ctx {
	struct buf		 body;
	struct http_resp	*resp;
};

static size_t
on_body(char *p, size_t size, size_t n, void *ud)
{
	struct ctx *c = ud;

	if (buf_add(&c->body, p, size * n) < 0)
		return 0;
	return size * n;
}

/* A validator is sent back in a request header: printable ASCII only,
 * so that a server cannot make us send a header of its choosing. */
static int
header_value_ok(const char *v, size_t n)
{
	if (n == 0 || n > HTTP_MAX_VALIDATOR)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return 0;
	return 1;
}

int
http_header(struct http_resp *r, const char *p, size_t len)
{
	size_t k;
	char **dst = NULL, *v;
	const char *s;

	if (len > 5 && strncasecmp(p, "ETag:", 5) == 0)
		dst = &r->etag, k = 5;
	else if (len > 14 && strncasecmp(p, "Last-Modified:", 14) == 0)
		dst = &r->last_modified, k = 14;
	else
		return 0;
	s = p + k;
	while (s < p + len && isspace((unsigned char)*s))
		s++;
	while (len > k && isspace((unsigned char)p[len - 1]))
		len--;
	if (p + len <= s || !header_value_ok(s, (size_t)(p + len - s)))
		return -EINVAL;
	if ((v = strndup(s, (size_t)(p + len - s))) == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = v;
	return 0;
}

/* Keeps the validators for the next conditional request. */
static size_t
on_header(char *p, size_t size, size_t n, void *ud)
{
	struct ctx *c = ud;

	(void)http_header(c->resp, p, size * n);
	return size * n;
}

int
http_get(const struct http_req *q, struct http_resp *r, char *err,
    size_t errlen)
{
	char ebuf[CURL_ERROR_SIZE] = "", hdr[1200];
	struct curl_slist *hdrs = NULL;
	struct ctx c;
	CURLcode cr;
	CURL *h;
	char *ct = NULL, *eff = NULL;

	memset(r, 0, sizeof(*r));
	if (strncmp(q->url, "https://", 8) != 0) {
		snprintf(err, errlen, "%s: only https URLs are fetched",
		    q->url);
		return -EINVAL;
	}
	if ((h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl init failed");
		return -ENOMEM;
	}
	buf_init(&c.body, q->max);
	c.resp = r;
	curl_easy_setopt(h, CURLOPT_URL, q->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, q->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, q->timeout_ms);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &c);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "sacm-grid/" SACM_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	if (q->ca_pem) {
		struct curl_blob b = { (void *)(uintptr_t)q->ca_pem,
		    strlen(q->ca_pem), CURL_BLOB_COPY };

		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
	} else if (q->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, q->ca_file);
	if (q->etag) {
		snprintf(hdr, sizeof(hdr), "If-None-Match: %s", q->etag);
		hdrs = curl_slist_append(hdrs, hdr);
	}
	if (q->last_modified) {
		snprintf(hdr, sizeof(hdr), "If-Modified-Since: %s",
		    q->last_modified);
		hdrs = curl_slist_append(hdrs, hdr);
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/atom+xml, "
	    "application/atomsvc+xml, application/xml;q=0.9, */*;q=0.5");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	cr = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
	curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
	r->content_type = ct ? strdup(ct) : NULL;
	r->effective_url = eff ? strdup(eff) : NULL;
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	if (cr != CURLE_OK) {
		int e = cr == CURLE_WRITE_ERROR ? -E2BIG :
		    cr == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT :
		    (cr == CURLE_PEER_FAILED_VERIFICATION ||
		    cr == CURLE_SSL_CACERT_BADFILE ||
		    cr == CURLE_SSL_CONNECT_ERROR) ? -EBADMSG : -EIO;

		if (e == -E2BIG)
			snprintf(err, errlen, "%s: larger than %zu bytes",
			    q->url, q->max);
		else
			snprintf(err, errlen, "%s: %s", q->url,
			    ebuf[0] ? ebuf : curl_easy_strerror(cr));
		buf_free(&c.body);
		http_resp_free(r);
		return e;
	}
	r->body = buf_steal(&c.body, &r->len);
	return r->body ? 0 : -ENOMEM;
}

void
http_resp_free(struct http_resp *r)
{
	free(r->body);
	free(r->etag);
	free(r->last_modified);
	free(r->content_type);
	free(r->effective_url);
	memset(r, 0, sizeof(*r));
}
