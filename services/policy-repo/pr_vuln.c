/*
 * pr_vuln.c - vulnerability definitions in.
 *
 * OVAL definitions of class vulnerability or patch, in the form Debian's
 * security tracker publishes (oval-definitions-<release>.xml), from a
 * submission of kind "vulnerability" (sacmctl vuln publish) or a ROLIE
 * feed of information-type vulnerability, already decoded by pr_ingest()
 * (bzip2 or gzip as served).  Checked like every untrusted document
 * (vuln_check: parsed safely, every definition's class, every test's
 * object and state present, OVAL's XSD), stored once by sha256 and
 * announced on sacm/vulnerability/definitions, item id = that sha256.
 *
 * The announcement carries the targeted collection inline: an OVAL
 * document of the objects a stored inventory does not answer (for
 * Debian's files, the release and architecture checks), which is all an
 * endpoint is ever asked to collect for these definitions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "buf.h"
#include "log.h"
#include "pr.h"
#include "topics.h"
#include "vuln.h"
#include "xmlutil.h"

/* The targeted collection, inline in the announcement and in each
 * request: Debian's is some 2.5 KB. */
#define TARGETED_MAX	(256u << 10)

/* What a consumer needs to decide and to fetch. */
static char *
announcement(const char *id, const struct vuln_info *vi, const char *name,
    const struct pr_origin *o, const struct blob_ref *ref,
    const char *repository, const char *targeted)
{
	struct buf b;

	/* room for the targeted document at its largest */
	buf_init(&b, 64 * 1024 + TARGETED_MAX);
	buf_adds(&b, "<vulnerability-definitions xmlns='" SACM_NS "'");
	buf_add_attr(&b, "id", id);
	buf_add_attr(&b, "name", name);
	buf_printf(&b, " definitions='%zu' objects='%zu' "
	    "from-inventory='%zu'", vi->definitions, vi->objects,
	    vi->from_inventory);
	buf_add_attr(&b, "product", vi->product[0] ? vi->product : NULL);
	buf_add_attr(&b, "schema-version", vi->schema[0] ? vi->schema : NULL);
	buf_add_attr(&b, "generated", vi->generated[0] ? vi->generated :
	    NULL);
	pr_add_origin(&b, o);
	buf_add_attr(&b, "repository", repository);
	buf_adds(&b, ">");
	blob_ref_to_xml(ref, &b);
	if (targeted) {
		/* Our own document (vuln_targeted), not the wire's.  Its
		 * digest leaves out the generator (a time): two files that
		 * need the same objects give the same digest, and endpoints
		 * that collected them need not again. */
		const char *g = strstr(targeted, "</generator>");
		char digest[65];

		g = g ? g : targeted;
		blob_sha256_hex(g, strlen(g), digest);
		buf_printf(&b, "<targeted objects='%zu' digest='%s'>",
		    vi->objects - vi->from_inventory, digest);
		buf_adds(&b, targeted);
		buf_adds(&b, "</targeted>");
	}
	if (buf_adds(&b, "</vulnerability-definitions>") < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

int
pr_ingest_vuln(struct pr *pr, const char *content, size_t len,
    const char *name, const struct pr_origin *o, char id[65], char *err,
    size_t errlen)
{
	struct blob_ref own = { 0 };
	struct vuln_info vi;
	char *ann, *tg;
	size_t tglen;
	int v;

	blob_sha256_hex(content, len, id);
	if (pr_store_has_vuln(pr, id) == 1)
		return PR_DUPLICATE;
	log_info("%s %s: %zu bytes of vulnerability definitions, checking",
	    o->source, o->source_ref ? o->source_ref : "", len);
	if (vuln_check(content, len, &vi, err, errlen) < 0 ||
	    vuln_targeted(content, len, &tg, &tglen, err, errlen) < 0)
		return PR_REJECTED;
	if (tglen > TARGETED_MAX) {
		snprintf(err, errlen, "the objects an endpoint would collect "
		    "for these definitions take %zu bytes (at most %u)", tglen,
		    TARGETED_MAX);
		free(tg);
		return PR_REJECTED;
	}
	/* The repository serves its own copy: it owns that link. */
	if (blob_put(pr->g, name ? name : "definitions.xml", content, len,
	    "application/xml", 1, &own) < 0) {
		snprintf(err, errlen, "upload failed: %s", grid_errstr(pr->g));
		free(tg);
		return PR_RETRY;
	}
	ann = announcement(id, &vi, name, o, &own, grid_jid(pr->g), tg);
	free(tg);
	if (ann == NULL || pr_store_vuln(pr, id, content, len, name, o,
	    ann) < 0) {
		snprintf(err, errlen, "internal error: cannot store the "
		    "definitions");
		v = PR_RETRY;
	} else {
		log_info("vulnerability definitions %s stored: %zu "
		    "definitions, %zu objects (%zu from inventory)%s%s", id,
		    vi.definitions, vi.objects, vi.from_inventory,
		    vi.product[0] ? ", from " : "", vi.product);
		v = PR_ACCEPTED;
	}
	free(ann);
	blob_ref_free(&own);
	return v;
}
