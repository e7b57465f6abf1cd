/* Fuzz target: the ROLIE reader (rolie.c) over a document a feed's
 * server sends, and the HTTP header callback over its header lines.
 * Every URL handed back must be absolute and without control bytes;
 * every validator kept must be printable ASCII. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"
#include "rolie.h"

static void
check_url(const char *u)
{
	if (u == NULL)
		return;
	if (strncmp(u, "http", 4) != 0 && strstr(u, "://") == NULL)
		abort();
	for (const char *s = u; *s; s++)
		if ((unsigned char)*s < 0x20)
			abort();
}

static void
on_link(void *arg, const char *url)
{
	(void)arg;
	if (url == NULL)
		abort();
	check_url(url);
}

static void
on_entry(void *arg, const struct rolie_entry *e)
{
	(void)arg;
	check_url(e->content);
}

static void
check_value(const char *v)
{
	if (v == NULL)
		return;
	if (*v == '\0' || strlen(v) > HTTP_MAX_VALIDATOR)
		abort();
	for (; *v; v++)
		if (*v < 0x20 || *v > 0x7e)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct rolie_reader r = {
		.type = "configuration", .link = on_link, .entry = on_entry,
	};
	struct http_resp resp = { 0 };
	const char *p = (const char *)data, *end = p + size;
	char err[1024];

	(void)rolie_read(p, size, 1 << 20, "https://feeds.example/rolie/a/b",
	    &r, err, sizeof(err));
	/* The same bytes as header lines, as curl hands them over. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		(void)http_header(&resp, p, n);
		p += n;
	}
	check_value(resp.etag);
	check_value(resp.last_modified);
	http_resp_free(&resp);
	return 0;
}
