/*
 * scap.h - what a SCAP document is and holds, with libopenscap.
 *
 * scap_inspect() takes untrusted bytes: it parses them safely first (no
 * DOCTYPE, size limit), checks the root, validates against the XSDs with
 * libopenscap (never Schematron), and for a source datastream reads the
 * benchmark: id, version, title, platforms, every profile with the number
 * of rules it selects, and the components (OVAL, CPE-OVAL, ...).
 */
#ifndef SACM_SCAP_H
#define SACM_SCAP_H

#include <stddef.h>

enum scap_kind {
	SCAP_DATASTREAM,	/* SCAP 1.2/1.3 source datastream collection */
	SCAP_TAILORING,		/* XCCDF 1.2 tailoring */
};

struct scap_profile {
	char	*id;
	char	*title;
	int	 rules;		/* selected rules */
};

struct scap_component {
	char	*id;		/* ds:component id */
	char	*name;		/* catalog name the XCCDF refers to, or NULL */
	char	*kind;		/* xccdf oval cpe-oval ocil cpe-dictionary other */
};

struct scap_info {
	enum scap_kind		 kind;
	char			*scap_version;	/* "1.2", "1.3" (datastream) */
	char			*datastream_id;
	char			*benchmark_id;	/* tailoring: the benchmark href */
	char			*benchmark_version;
	char			*title;
	char			*tailoring_id;
	char			**platforms;
	size_t			 nplatforms;
	struct scap_profile	*profiles;
	size_t			 nprofiles;
	struct scap_component	*components;
	size_t			 ncomponents;
};

/* Once per process, before anything else here. */
void	scap_init(void);

/*
 * Inspects len bytes.  Returns 0, -E2BIG (over max), -EPERM (DOCTYPE),
 * -EINVAL (not XML, not a datastream or tailoring, XSD-invalid, no
 * benchmark), -ENOMEM.  err says why in one line.
 */
int	scap_inspect(const char *data, size_t len, size_t max,
	    struct scap_info *, char *err, size_t errlen);
void	scap_info_free(struct scap_info *);

/*
 * Binds a tailoring (inspected already into t) to the datastream ds:
 * checks that every tailored profile resolves against the datastream's
 * benchmark and fills in each profile's rule count.  -EINVAL with err
 * when the tailoring does not fit the datastream.
 */
int	scap_tailor(const char *ds, size_t dslen, const char *tailoring,
	    size_t tlen, struct scap_info *t, char *err, size_t errlen);

/* The XCCDF 1.2 rule results that the protocol counts, in the order of
 * its count attributes (docs/protocol.md, evaluation-result). */
#define SCAP_NRESULTS	8
extern const char *const scap_result_names[SCAP_NRESULTS];

#endif
