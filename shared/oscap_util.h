/*
 * oscap_util.h - what the programs that drive libopenscap share (collector,
 * evaluator, policy and posture repositories): its last error as text,
 * the first system of a results model, its file exports read back, and
 * XSD validation with a short report.  Prefix ou_ ("oscap util": the
 * library owns oscap_).
 */
#ifndef SACM_OSCAP_UTIL_H
#define SACM_OSCAP_UTIL_H

#include <stddef.h>

#include <libxml/tree.h>

struct oscap_source;
struct oval_results_model;
struct oval_result_system;

/* libopenscap's last error description, or what when it has none. */
const char *ou_reason(const char *what);

/* The first (in practice the only) system of a results model, or NULL. */
struct oval_result_system *ou_first_system(struct oval_results_model *);

/* A new empty file $TMPDIR/sacm-WHAT-XXXXXX for libopenscap to export
 * into; path gets its name.  0 or -errno. */
int	ou_tmpfile(char *path, size_t n, const char *what);

/* Reads back a file libopenscap exported (at most 256 MiB) and removes
 * it.  0 with *out (to free), or -errno. */
int	ou_slurp_tmp(const char *path, char **out, size_t *len);

/* Validates src against its XSD.  0, or -EINVAL with "XSD validation
 * failed: line N: ..." (the first three problems) in err. */
int	ou_validate(struct oscap_source *src, char *err, size_t errlen);

/* The same for a parsed document against the schema rel (relative to
 * libopenscap's schema directory, e.g. "oval/5.11/oval-system-
 * characteristics-schema.xsd"), which is parsed once per process and
 * kept.  rel must not come from the wire unchecked. */
int	ou_validate_doc(xmlDocPtr doc, const char *rel, char *err,
	    size_t errlen);

#endif
