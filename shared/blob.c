/*
 * blob.c - see blob.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "blob.h"
#include "grid_iq.h"
#include "log.h"
#include "xmlutil.h"

#define NS_UPLOAD	"urn:xmpp:http:upload:0"
#define MAX_HEADERS	8

void
blob_ref_free(struct blob_ref *r)
{
	free(r->href);
	free(r->media_type);
	free(r->encoding);
	memset(r, 0, sizeof(*r));
}

int
blob_sha256_ok(const char *s)
{
	if (s == NULL || strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return 0;
	return 1;
}

void
blob_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

int
blob_gzip(const void *in, size_t len, int level, char **out,
    size_t *outlen)
{
	z_stream z = { 0 };
	size_t cap = compressBound((uLong)len) + 64;
	char *p;
	int r;

	if ((p = malloc(cap)) == NULL)
		return -ENOMEM;
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		free(p);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)p;
	z.avail_out = (uInt)cap;
	r = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(p);
		return -ENOMEM;
	}
	*out = p;
	*outlen = z.total_out;
	return 0;
}

int
blob_gunzip(const void *in, size_t len, size_t max, char **out,
    size_t *outlen)
{
	z_stream z = { 0 };
	struct buf b;
	char chunk[65536];
	int r, rc = 0;

	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -ENOMEM;
	buf_init(&b, max);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	do {
		z.next_out = (Bytef *)chunk;
		z.avail_out = sizeof(chunk);
		r = inflate(&z, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END) {
			rc = r == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
			break;
		}
		if ((rc = buf_add(&b, chunk, sizeof(chunk) - z.avail_out)) < 0)
			break;
		if (r == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
			rc = -EBADMSG;	/* truncated stream */
			break;
		}
		/* another member follows (gzip files may have several:
		 * pigz, cat a.gz b.gz): all of it, not the first alone */
		if (r == Z_STREAM_END && z.avail_in > 0) {
			if (inflateReset(&z) != Z_OK) {
				rc = -ENOMEM;
				break;
			}
			r = Z_OK;
		}
	} while (r != Z_STREAM_END);
	inflateEnd(&z);
	if (rc < 0) {
		buf_free(&b);
		return rc;
	}
	*out = buf_steal(&b, outlen);
	return *out ? 0 : -ENOMEM;
}

/* ---- HTTP ----------------------------------------------------------- */

struct upload_src {
	const char	*data;
	size_t		 len, off;
};

static size_t
read_cb(char *dst, size_t size, size_t nmemb, void *ud)
{
	struct upload_src *s = ud;
	size_t n = size * nmemb;

	if (n > s->len - s->off)
		n = s->len - s->off;
	memcpy(dst, s->data + s->off, n);
	s->off += n;
	return n;
}

static size_t
discard_cb(char *src, size_t size, size_t nmemb, void *ud)
{
	(void)src; (void)ud;
	return size * nmemb;
}

static size_t
write_cb(char *src, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;

	if (buf_add(b, src, size * nmemb) < 0)
		return 0;	/* over the limit: curl aborts the transfer */
	return size * nmemb;
}

/*
 * The address of the broker node a transfer goes to, for CURLOPT_RESOLVE,
 * which takes numbers only: a node named (a cluster's node in a container
 * of its own) is looked up.  0, or -1 (logged) when the name has none.
 */
static int
node_addr(const char *name, char *addr, size_t len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM }, *res = NULL;
	unsigned char bin[sizeof(struct in6_addr)];
	char num[INET6_ADDRSTRLEN];
	const void *a;
	int rc;

	if (inet_pton(AF_INET, name, bin) == 1 ||
	    inet_pton(AF_INET6, name, bin) == 1) {	/* a number already */
		rc = snprintf(addr, len, "%s", name);
		return rc >= 0 && (size_t)rc < len ? 0 : -1;
	}
	if ((rc = getaddrinfo(name, NULL, &hints, &res)) != 0) {
		log_warnx("blob: upload node %s: %s", name, gai_strerror(rc));
		return -1;
	}
	if (res->ai_family == AF_INET6)
		a = &((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr;
	else
		a = &((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr;
	rc = inet_ntop(res->ai_family, a, num, sizeof(num)) ? 0 : -1;
	/* curl takes an IPv6 address in brackets */
	if (rc == 0)
		rc = snprintf(addr, len, res->ai_family == AF_INET6 ?
		    "[%s]" : "%s", num) < (int)len ? 0 : -1;
	freeaddrinfo(res);
	return rc;
}

/*
 * One connection cache (and TLS session and DNS cache) per process: the
 * blobs of a grid go to one upload service or two, so a transfer mostly
 * reuses a connection instead of making a TCP and a TLS handshake each
 * time.  A forked child starts a cache of its own and leaves its
 * parent's connections alone.
 */
static CURLSH *
share(void)
{
	static CURLSH *sh;
	static pid_t pid;

	if (sh && pid == getpid())
		return sh;
	if ((sh = curl_share_init()) == NULL)
		return NULL;
	curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	pid = getpid();
	return sh;
}

/* Common options: HTTPS only, the deployment's CA, TLS 1.2+, the upload
 * host pinned to the broker's address when the lab has no DNS. */
static CURL *
easy_new(struct grid *g, const char *url, struct curl_slist **resolve,
    char *errbuf)
{
	const struct grid_conf *c = grid_get_conf(g);
	CURLSH *sh = share();
	CURL *h;

	if ((h = curl_easy_init()) == NULL)
		return NULL;
	if (sh)
		curl_easy_setopt(h, CURLOPT_SHARE, sh);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->insecure_trust_any_cert) {
		log_warnx("blob: INSECURE: not verifying %s", url);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	*resolve = NULL;
	if (c->upload_resolve && *c->upload_resolve) {
		CURLU *u = curl_url();
		const char *node = strcmp(c->upload_resolve, "broker") == 0 ?
		    grid_host(g) : c->upload_resolve;
		char *host = NULL, *port = NULL, entry[512], addr[64];

		if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
		    curl_url_get(u, CURLUPART_PORT, &port,
		    CURLU_DEFAULT_PORT) == CURLUE_OK &&
		    node_addr(node, addr, sizeof(addr)) == 0) {
			snprintf(entry, sizeof(entry), "%s:%s:%s", host, port,
			    addr);
			*resolve = curl_slist_append(NULL, entry);
			curl_easy_setopt(h, CURLOPT_RESOLVE, *resolve);
		}
		curl_free(host);
		curl_free(port);
		curl_url_cleanup(u);
	}
	return h;
}

/*
 * A blob link must point at the upload service this grid uses: https,
 * the upload host, the configured port.  A link elsewhere (another host,
 * another port, a redirect target) would let whoever wrote the reference
 * make us fetch from anywhere.  0, or -EPERM with err.
 */
static int
href_ok(struct grid *g, const char *href, char *err, size_t errlen)
{
	const struct grid_conf *c = grid_get_conf(g);
	char *scheme = NULL, *host = NULL, *port = NULL;
	CURLU *u = curl_url();
	int ok;

	ok = u && href && curl_url_set(u, CURLUPART_URL, href, 0) ==
	    CURLUE_OK && curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ==
	    CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &host, 0) ==
	    CURLUE_OK && curl_url_get(u, CURLUPART_PORT, &port,
	    CURLU_DEFAULT_PORT) == CURLUE_OK && strcmp(scheme, "https") == 0 &&
	    strcasecmp(host, grid_upload_jid(g)) == 0 &&
	    strtol(port, NULL, 10) == (c->upload_port ? c->upload_port : 443);
	if (!ok)
		snprintf(err, errlen, "blob link %.200s is not on the upload "
		    "service (https://%s:%ld/)", href ? href : "(none)",
		    grid_upload_jid(g), c->upload_port ? c->upload_port : 443);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ok ? 0 : -EPERM;
}

struct slot {
	char	*put, *get;
	char	*headers[MAX_HEADERS];
	size_t	 nheaders;
};

static void
slot_free(struct slot *s)
{
	free(s->put);
	free(s->get);
	for (size_t i = 0; i < s->nheaders; i++)
		free(s->headers[i]);
}

/* XEP-0363 4: ask the upload service for a PUT/GET pair. */
static int
request_slot(struct grid *g, const char *name, size_t size,
    const char *ctype, struct slot *s)
{
	xmpp_stanza_t *reply = NULL, *slot, *put, *get;
	struct buf b;
	int r;

	memset(s, 0, sizeof(*s));
	buf_init(&b, 4096);
	if (buf_adds(&b, "<request xmlns='" NS_UPLOAD "' filename='") < 0 ||
	    buf_add_xml(&b, name) < 0 ||
	    buf_printf(&b, "' size='%zu' content-type='", size) < 0 ||
	    buf_add_xml(&b, ctype) < 0 || buf_adds(&b, "'/>") < 0) {
		buf_free(&b);
		return grid_fail(g, -E2BIG, "file name too long");
	}
	r = grid_iq(g, grid_upload_jid(g), "get", b.data, &reply);
	buf_free(&b);
	if (r < 0)
		return r;
	slot = xmpp_stanza_get_child_by_name_and_ns(reply, "slot", NS_UPLOAD);
	put = slot ? xmpp_stanza_get_child_by_name(slot, "put") : NULL;
	get = slot ? xmpp_stanza_get_child_by_name(slot, "get") : NULL;
	if (!put || !get || !xmpp_stanza_get_attribute(put, "url") ||
	    !xmpp_stanza_get_attribute(get, "url")) {
		xmpp_stanza_release(reply);
		return grid_fail(g, -EPROTO, "malformed upload slot");
	}
	s->put = strdup(xmpp_stanza_get_attribute(put, "url"));
	s->get = strdup(xmpp_stanza_get_attribute(get, "url"));
	/* Only these headers may be passed on (XEP-0363 4.1). */
	for (xmpp_stanza_t *h = xmpp_stanza_get_children(put); h;
	    h = xmpp_stanza_get_next(h)) {
		const char *hn = xmpp_stanza_is_tag(h) ?
		    xmpp_stanza_get_attribute(h, "name") : NULL;
		char *val, line[2048];

		if (hn == NULL || s->nheaders >= MAX_HEADERS ||
		    (strcasecmp(hn, "Authorization") != 0 &&
		    strcasecmp(hn, "Cookie") != 0 &&
		    strcasecmp(hn, "Expires") != 0))
			continue;
		if ((val = xmpp_stanza_get_text(h)) == NULL)
			continue;
		if (strpbrk(val, "\r\n") == NULL) {
			snprintf(line, sizeof(line), "%s: %s", hn, val);
			s->headers[s->nheaders++] = strdup(line);
		}
		xmpp_free(grid_xmpp_ctx(g), val);
	}
	xmpp_stanza_release(reply);
	if (!s->put || !s->get) {
		slot_free(s);
		return grid_fail(g, -ENOMEM, "out of memory");
	}
	{
		char why[512];

		/* the links we publish are the ones consumers accept */
		if (href_ok(g, s->put, why, sizeof(why)) < 0 ||
		    href_ok(g, s->get, why, sizeof(why)) < 0) {
			slot_free(s);
			return grid_fail(g, -EPROTO, "the upload service gave "
			    "%s (check upload_port)", why);
		}
	}
	return 0;
}

int
blob_put(struct grid *g, const char *name, const void *data, size_t len,
    const char *media_type, int gzip, struct blob_ref *ref)
{
	char errbuf[CURL_ERROR_SIZE] = "", *z = NULL;
	const char *body = data, *ctype;
	struct curl_slist *hdrs = NULL, *resolve = NULL;
	struct upload_src src;
	struct slot s;
	size_t blen = len;
	long code = 0;
	CURLcode cr;
	CURL *h;
	int r;

	if (gzip) {	/* fastest: uploads come once per evaluation */
		if ((r = blob_gzip(data, len, 1, &z, &blen)) < 0)
			return grid_fail(g, r, "gzip failed");
		body = z;
	}
	ctype = gzip ? "application/gzip" : media_type;
	if ((r = request_slot(g, name, blen, ctype, &s)) < 0) {
		free(z);
		return r;
	}
	memset(ref, 0, sizeof(*ref));
	blob_sha256_hex(body, blen, ref->sha256);
	ref->size = blen;
	if ((h = easy_new(g, s.put, &resolve, errbuf)) == NULL) {
		r = grid_fail(g, -ENOMEM, "curl init failed");
		goto out;
	}
	for (size_t i = 0; i < s.nheaders; i++)
		hdrs = curl_slist_append(hdrs, s.headers[i]);
	{
		char ct[256];

		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		hdrs = curl_slist_append(hdrs, ct);
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	src.data = body;
	src.len = blen;
	src.off = 0;
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &src);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)blen);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_cb);
	cr = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	if (cr != CURLE_OK) {
		r = grid_fail(g, -EIO, "upload failed: %s",
		    errbuf[0] ? errbuf : curl_easy_strerror(cr));
		goto out;
	}
	if (code != 200 && code != 201) {
		r = grid_fail(g, code == 413 ? -E2BIG : -EIO,
		    "upload refused: HTTP %ld", code);
		goto out;
	}
	ref->href = strdup(s.get);
	ref->media_type = strdup(media_type);
	ref->encoding = strdup(gzip ? "gzip" : "identity");
	if (!ref->href || !ref->media_type || !ref->encoding) {
		blob_ref_free(ref);
		r = grid_fail(g, -ENOMEM, "out of memory");
		goto out;
	}
	r = 0;
out:
	curl_slist_free_all(hdrs);
	curl_slist_free_all(resolve);
	slot_free(&s);
	free(z);
	return r;
}

int
blob_get(struct grid *g, const struct blob_ref *ref, size_t max, char **out,
    size_t *outlen, char *err, size_t errlen)
{
	char errbuf[CURL_ERROR_SIZE] = "", hex[65];
	struct curl_slist *resolve = NULL;
	struct buf b;
	long code = 0;
	CURLcode cr;
	CURL *h;
	int gz, r;

	gz = ref->encoding && strcmp(ref->encoding, "gzip") == 0;
	if (!gz && ref->encoding && strcmp(ref->encoding, "identity") != 0) {
		snprintf(err, errlen, "unknown encoding '%s'", ref->encoding);
		return -EINVAL;
	}
	if (!gz && ref->size > max) {
		snprintf(err, errlen, "blob of %zu bytes is over the limit of "
		    "%zu", ref->size, max);
		return -E2BIG;
	}
	if ((r = href_ok(g, ref->href, err, errlen)) < 0)
		return r;
	if ((h = easy_new(g, ref->href, &resolve, errbuf)) == NULL) {
		snprintf(err, errlen, "curl init failed");
		return -ENOMEM;
	}
	/* A whole download has a deadline too, not only a speed floor:
	 * 30 s and a second per 256 KB announced. */
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(30000 + ref->size /
	    256));
	/* Never read more than the reference announces. */
	buf_init(&b, ref->size);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	cr = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	curl_slist_free_all(resolve);
	if (cr == CURLE_WRITE_ERROR) {
		snprintf(err, errlen, "%s: more bytes than the %zu announced",
		    ref->href, ref->size);
		buf_free(&b);
		return -EBADMSG;
	}
	if (cr != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", ref->href,
		    errbuf[0] ? errbuf : curl_easy_strerror(cr));
		buf_free(&b);
		return -EIO;
	}
	if (b.len != ref->size) {
		snprintf(err, errlen, "%s: %zu bytes, %zu announced",
		    ref->href, b.len, ref->size);
		buf_free(&b);
		return -EBADMSG;
	}
	blob_sha256_hex(b.data ? b.data : "", b.len, hex);
	if (strcmp(hex, ref->sha256) != 0) {
		snprintf(err, errlen, "%s: sha256 %s does not match the "
		    "announced %s", ref->href, hex, ref->sha256);
		buf_free(&b);
		return -EBADMSG;
	}
	if (gz) {
		r = blob_gunzip(b.data ? b.data : "", b.len, max, out, outlen);
		buf_free(&b);
		if (r == -E2BIG)
			snprintf(err, errlen, "decoded blob over the limit of "
			    "%zu bytes", max);
		else if (r < 0)
			snprintf(err, errlen, "corrupt gzip data");
		return r;
	}
	*out = buf_steal(&b, outlen);
	return *out ? 0 : -ENOMEM;
}

int
blob_ref_to_xml(const struct blob_ref *r, struct buf *b)
{
	if (buf_adds(b, "<blob xmlns='" BLOB_NS "' href='") < 0 ||
	    buf_add_xml(b, r->href) < 0 ||
	    buf_printf(b, "' sha256='%s' size='%zu' media-type='", r->sha256,
	    r->size) < 0 || buf_add_xml(b, r->media_type) < 0 ||
	    buf_adds(b, "' encoding='") < 0 ||
	    buf_add_xml(b, r->encoding) < 0 || buf_adds(b, "'/>") < 0)
		return -E2BIG;
	return 0;
}

int
blob_ref_from_xml(xmlNodePtr n, struct blob_ref *r, char *err, size_t errlen)
{
	char *sha = NULL, *size = NULL, *end;
	unsigned long long sz;

	memset(r, 0, sizeof(*r));
	if (n == NULL || n->type != XML_ELEMENT_NODE ||
	    strcmp((const char *)n->name, "blob") != 0 || n->ns == NULL ||
	    strcmp((const char *)n->ns->href, BLOB_NS) != 0) {
		snprintf(err, errlen, "not a blob element");
		return -EINVAL;
	}
	r->href = xml_prop(n, "href");
	r->media_type = xml_prop(n, "media-type");
	r->encoding = xml_prop(n, "encoding");
	sha = xml_prop(n, "sha256");
	size = xml_prop(n, "size");
	if (!r->href || strncmp(r->href, "https://", 8) != 0) {
		snprintf(err, errlen, "blob: href must be an https URL");
		goto bad;
	}
	if (!blob_sha256_ok(sha)) {
		snprintf(err, errlen, "blob: sha256 must be 64 lowercase hex "
		    "digits");
		goto bad;
	}
	memcpy(r->sha256, sha, 65);
	errno = 0;
	if (!size || !*size || (sz = strtoull(size, &end, 10), *end) ||
	    errno || size[0] == '-') {
		snprintf(err, errlen, "blob: bad size");
		goto bad;
	}
	r->size = (size_t)sz;
	if (!r->media_type || !*r->media_type) {
		snprintf(err, errlen, "blob: media-type missing");
		goto bad;
	}
	if (!r->encoding)
		r->encoding = strdup("identity");
	if (!r->encoding || (strcmp(r->encoding, "gzip") != 0 &&
	    strcmp(r->encoding, "identity") != 0)) {
		snprintf(err, errlen, "blob: encoding must be gzip or "
		    "identity");
		goto bad;
	}
	free(sha);
	free(size);
	return 0;
bad:
	free(sha);
	free(size);
	blob_ref_free(r);
	return -EINVAL;
}
