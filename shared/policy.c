/*
 * policy.c - see policy.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "buf.h"
#include "grid_iq.h"
#include "log.h"
#include "policy.h"
#include "topics.h"
#include "xmlsafe.h"
#include "xmlutil.h"

static xmlNodePtr
blob_child(xmlNodePtr n)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, "blob") == 0)
			return n;
	return NULL;
}

int
policy_reshare(struct grid *g, const char *repo, const char *id,
    struct blob_ref *ref, char *err, size_t errlen)
{
	xmpp_stanza_t *reply = NULL, *b;
	struct buf q;
	char *text = NULL;
	size_t len;
	xmlDocPtr doc;
	int r;

	buf_init(&q, 4096);
	buf_adds(&q, "<reshare xmlns='" SACM_NS "' policy='");
	buf_add_xml(&q, id);
	buf_adds(&q, "'/>");
	r = q.data ? grid_iq(g, repo, "get", q.data, &reply) : -E2BIG;
	buf_free(&q);
	if (r < 0) {
		snprintf(err, errlen, "re-share by %s: %s", repo,
		    grid_errstr(g));
		return r;
	}
	b = xmpp_stanza_get_child_by_name_and_ns(reply, "blob", SACM_NS);
	if (b == NULL || xmpp_stanza_to_text(b, &text, &len) != XMPP_EOK) {
		xmpp_stanza_release(reply);
		snprintf(err, errlen, "re-share by %s: no blob in the answer",
		    repo);
		return -EPROTO;
	}
	r = xmlsafe_parse(text, len, 65536, &doc, err, errlen);
	xmpp_free(grid_xmpp_ctx(g), text);
	xmpp_stanza_release(reply);
	if (r < 0)
		return r;
	r = blob_ref_from_xml(xmlDocGetRootElement(doc), ref, err, errlen);
	xmlFreeDoc(doc);
	return r;
}

int
policy_fetch(struct grid *g, const char *ann, size_t alen, size_t max,
    char **content, size_t *clen, char *err, size_t errlen)
{
	struct blob_ref ref;
	xmlDocPtr doc;
	xmlNodePtr root;
	char *id = NULL, *repo = NULL, hex[65], e1[512];
	int r;

	if ((r = xmlsafe_parse_root(ann, alen, 1 << 20, "policy", SACM_NS,
	    &doc, err, errlen)) < 0)
		return r;
	root = xmlDocGetRootElement(doc);
	id = xml_prop(root, "id");
	repo = xml_prop(root, "repository");
	r = blob_ref_from_xml(blob_child(root), &ref, err, errlen);
	xmlFreeDoc(doc);
	if (r < 0 || id == NULL) {
		if (r == 0)
			blob_ref_free(&ref);
		snprintf(err, errlen, "announcement without id or blob");
		free(id);
		free(repo);
		return -EINVAL;
	}
	r = blob_get(g, &ref, max, content, clen, e1, sizeof(e1));
	blob_ref_free(&ref);
	if (r == -EIO && repo) {
		/* The link is gone: ask the owner for a fresh one. */
		log_info("policy %.12s: %s; asking %s to share it again", id,
		    e1, repo);
		if ((r = policy_reshare(g, repo, id, &ref, err, errlen)) == 0) {
			r = blob_get(g, &ref, max, content, clen, e1,
			    sizeof(e1));
			blob_ref_free(&ref);
		} else {
			free(id);
			free(repo);
			return r;
		}
	}
	if (r < 0) {
		snprintf(err, errlen, "%s", e1);
		free(id);
		free(repo);
		return r;
	}
	blob_sha256_hex(*content, *clen, hex);
	if (strcmp(hex, id) != 0) {
		snprintf(err, errlen, "content sha256 %s is not the policy id "
		    "%s", hex, id);
		free(*content);
		*content = NULL;
		r = -EBADMSG;
	}
	free(id);
	free(repo);
	return r;
}

int
policy_from_request(xmlNodePtr req, char **ann, char **base, char **id)
{
	xmlNodePtr pol = xml_child(req, "policy", SACM_NS);
	char *kind, *bid;
	size_t len;
	int r = 0;

	*ann = *base = *id = NULL;
	if (pol == NULL || (*id = xml_prop(pol, "id")) == NULL)
		return -ENOENT;
	if (xml_node_text(pol, ann, &len) < 0)
		return -ENOMEM;
	kind = xml_prop(pol, "kind");
	bid = xml_prop(pol, "base");
	if (kind && strcmp(kind, "tailoring") == 0) {
		r = -ENOENT;
		for (xmlNodePtr n = pol->next; n && bid && r; n = n->next) {
			char *nid;

			if (!xml_is(n, "policy", SACM_NS))
				continue;
			nid = xml_prop(n, "id");
			if (nid && strcmp(nid, bid) == 0)
				r = xml_node_text(n, base, &len) < 0 ?
				    -ENOMEM : 0;
			free(nid);
		}
	}
	free(kind);
	free(bid);
	return r;
}

int
policy_fetch_pair(struct grid *g, const char *ann, const char *base,
    size_t max, char **ds, size_t *dslen, char **tl, size_t *tlen, char *err,
    size_t errlen)
{
	int r;

	*ds = *tl = NULL;
	*dslen = *tlen = 0;
	if (base == NULL)
		return policy_fetch(g, ann, strlen(ann), max, ds, dslen, err,
		    errlen);
	if ((r = policy_fetch(g, ann, strlen(ann), max, tl, tlen, err,
	    errlen)) < 0)
		return r;
	if ((r = policy_fetch(g, base, strlen(base), max, ds, dslen, err,
	    errlen)) < 0) {
		free(*tl);
		*tl = NULL;
	}
	return r;
}
