/*
 * col_identity.c - who this endpoint is, and saying so on sacm/endpoints.
 *
 * The endpoint id is the target's machine-id (stable across reboots and
 * collector restarts), the hostname its /etc/hostname, and its platform a
 * CPE name built from its /etc/os-release.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "caps.h"
#include "col.h"
#include "log.h"
#include "pubsub.h"
#include "topics.h"

static int
read_line(const char *root, const char *path, char *out, size_t len)
{
	char p[4096];
	FILE *f;

	snprintf(p, sizeof(p), "%s%s", root ? root : "", path);
	if ((f = fopen(p, "r")) == NULL)
		return -errno;
	if (fgets(out, (int)len, f) == NULL) {
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static void
os_release(const char *root, char *id, size_t idlen, char *ver, size_t vlen)
{
	char p[4096], line[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/etc/os-release", root ? root : "");
	*id = *ver = '\0';
	if ((f = fopen(p, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, '='), *q;

		if (v == NULL)
			continue;
		*v++ = '\0';
		v[strcspn(v, "\r\n")] = '\0';
		if (*v == '"' && (q = strrchr(v + 1, '"')) != NULL) {
			*q = '\0';
			v++;
		}
		if (strcmp(line, "ID") == 0)
			snprintf(id, idlen, "%s", v);
		else if (strcmp(line, "VERSION_ID") == 0)
			snprintf(ver, vlen, "%s", v);
	}
	fclose(f);
}

int
col_identity(struct col *c)
{
	const char *root = c->conf.root;
	char id[64], ver[64];
	int r;

	if (c->conf.endpoint_id)
		snprintf(c->id, sizeof(c->id), "%s", c->conf.endpoint_id);
	else if ((r = read_line(root, "/etc/machine-id", c->id,
	    sizeof(c->id))) < 0) {
		log_warnx("%s/etc/machine-id: %s; set endpoint_id", root ?
		    root : "", strerror(-r));
		return r;
	}
	for (const char *p = c->id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
			log_warnx("endpoint id '%s': letters, digits, - and _ "
			    "only", c->id);
			return -EINVAL;
		}
	if (c->id[0] == '\0')
		return -EINVAL;
	if (c->conf.hostname)
		snprintf(c->host, sizeof(c->host), "%s", c->conf.hostname);
	else if (read_line(root, "/etc/hostname", c->host, sizeof(c->host)) <
	    0)
		snprintf(c->host, sizeof(c->host), "%s", c->id);
	os_release(root, id, sizeof(id), ver, sizeof(ver));
	if (strcmp(id, "debian") == 0)
		snprintf(c->os, sizeof(c->os), "cpe:/o:debian:debian_linux:%s",
		    ver);
	else if (strcmp(id, "ubuntu") == 0)
		snprintf(c->os, sizeof(c->os), "cpe:/o:canonical:ubuntu_linux:"
		    "%s", ver);
	else
		snprintf(c->os, sizeof(c->os), "cpe:/o:%.32s:%.32s:%.32s", id[0] ? id :
		    "unknown", id[0] ? id : "unknown", ver);
	return 0;
}

static const char *const capabilities[] = {
	"oval-system-characteristics", "cpe-oval", "software-inventory",
	"change-events",
};
#define NCAPS	(sizeof(capabilities) / sizeof(capabilities[0]))
#define FORM	SACM_NS "#endpoint"

/* Who we are in disco#info and in the caps of our presence. */
void
col_caps(struct col *c)
{
	struct caps *k = grid_caps(c->g);

	(void)caps_add_feature(k, SACM_NS "#collector");
	(void)caps_add_field(k, FORM, "endpoint", c->id);
	(void)caps_add_field(k, FORM, "hostname", c->host);
	(void)caps_add_field(k, FORM, "platform", c->os);
	for (size_t i = 0; i < NCAPS; i++)
		if (c->conf.watch || strcmp(capabilities[i], "change-events"))
			(void)caps_add_field(k, FORM, "capability",
			    capabilities[i]);
}

int
col_announce(struct col *c)
{
	struct buf b;
	int r;

	buf_init(&b, 16384);
	buf_adds(&b, "<endpoint xmlns='" SACM_NS "' id='");
	buf_add_xml(&b, c->id);
	buf_adds(&b, "' hostname='");
	buf_add_xml(&b, c->host);
	buf_adds(&b, "' platform='");
	buf_add_xml(&b, c->os);
	buf_adds(&b, "' collector='");
	buf_add_xml(&b, grid_jid(c->g));
	buf_adds(&b, "'>");
	for (size_t i = 0; i < NCAPS; i++)
		if (c->conf.watch || strcmp(capabilities[i], "change-events"))
			buf_printf(&b, "<capability>%s</capability>",
			    capabilities[i]);
	buf_adds(&b, "</endpoint>");
	r = b.data ? pubsub_publish(c->g, TOPIC_ENDPOINTS, c->id, b.data,
	    NULL, NULL) : -ENOMEM;
	buf_free(&b);
	if (r < 0)
		log_warnx("announcing endpoint %s: %s", c->id,
		    grid_errstr(c->g));
	else
		log_info("endpoint %s (%s, %s) announced", c->id, c->host,
		    c->os);
	return r;
}
