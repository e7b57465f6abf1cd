/*
 * ctl_blob.c - blob put / blob get.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "ctl.h"
#include "json.h"
#include "xmlsafe.h"

#define BLOB_MAX	(512u << 20)

static int
blob_put_cmd(struct ctl *c, const char *path)
{
	struct blob_ref ref;
	struct buf b;
	char *data, *copy;
	size_t len;
	int r;

	if ((r = ctl_read_file(path, BLOB_MAX, &data, &len)) < 0)
		return ctl_fail("blob put", "%s: %s", path, r == -E2BIG ?
		    "larger than 512 MiB" : strerror(-r));
	copy = strdup(path);
	r = blob_put(c->g, copy ? basename(copy) : "blob", data, len,
	    c->media_type ? c->media_type : "application/xml", !c->no_gzip,
	    &ref);
	free(copy);
	free(data);
	if (r < 0)
		return ctl_fail("blob put", "%s: %s", path, grid_errstr(c->g));
	buf_init(&b, 1 << 16);
	if (c->json) {
		buf_adds(&b, "{\"href\":");
		json_str(&b, ref.href);
		buf_printf(&b, ",\"sha256\":\"%s\",\"size\":%zu,"
		    "\"media_type\":", ref.sha256, ref.size);
		json_str(&b, ref.media_type);
		buf_adds(&b, ",\"encoding\":");
		json_str(&b, ref.encoding);
		buf_adds(&b, "}");
	} else
		blob_ref_to_xml(&ref, &b);
	printf("%s\n", b.data);
	buf_free(&b);
	blob_ref_free(&ref);
	return 0;
}

static int
blob_get_cmd(struct ctl *c, const char *refpath)
{
	struct blob_ref ref;
	xmlDocPtr doc;
	char *text, *data, err[512];
	size_t len;
	FILE *f;
	int r;

	if (c->out == NULL)
		return ctl_fail("blob get", "-o OUT is required");
	if ((r = ctl_read_file(refpath, 65536, &text, &len)) < 0)
		return ctl_fail("blob get", "%s: %s", refpath, strerror(-r));
	r = xmlsafe_parse(text, len, 65536, &doc, err, sizeof(err));
	free(text);
	if (r < 0)
		return ctl_fail("blob get", "%s: %s", refpath, err);
	r = blob_ref_from_xml(xmlDocGetRootElement(doc), &ref, err,
	    sizeof(err));
	xmlFreeDoc(doc);
	if (r < 0)
		return ctl_fail("blob get", "%s: %s", refpath, err);
	r = blob_get(c->g, &ref, BLOB_MAX, &data, &len, err, sizeof(err));
	blob_ref_free(&ref);
	if (r < 0)
		return ctl_fail("blob get", "%s", err);
	if ((f = fopen(c->out, "wb")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		free(data);
		return ctl_fail("blob get", "%s: %s", c->out, strerror(errno));
	}
	free(data);
	if (c->json) {
		char n[32];

		snprintf(n, sizeof(n), "%zu", len);
		ctl_print_object("file", c->out, "size", n, "verified",
		    "sha256", NULL);
	} else
		fprintf(stderr, "sacmctl: %zu bytes verified and written to "
		    "%s\n", len, c->out);
	return 0;
}

int
ctl_blob(struct ctl *c, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[0], "put") == 0)
		return blob_put_cmd(c, argv[1]);
	if (argc == 2 && strcmp(argv[0], "get") == 0)
		return blob_get_cmd(c, argv[1]);
	return ctl_fail("blob", "usage: sacmctl blob put FILE | blob get REF "
	    "-o OUT");
}
