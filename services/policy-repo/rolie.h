/*
 * rolie.h - reading one ROLIE document (RFC 8322): a service document,
 * a feed or an entry, from untrusted bytes.
 *
 * The reader only reports what the document says, every reference already
 * resolved against the document's URL; what to fetch, and whether an
 * entry is wanted, is pr_rolie.c's business.
 */
#ifndef ROLIE_H
#define ROLIE_H

#include <stddef.h>

#define ROLIE_FORMAT_SDS	"http://scap.nist.gov/schema/scap/source/1.2"
/* A vulnerability feed's entries: OVAL definitions. */
#define ROLIE_FORMAT_OVAL	\
	"http://oval.mitre.org/XMLSchema/oval-definitions-5"

struct rolie_entry {
	const char	*id;		/* atom:id, or NULL */
	const char	*updated;	/* atom:updated, or NULL */
	const char	*type;		/* information-type: the entry's or its
					 * feed's, or NULL */
	const char	*format;	/* rolie:format/@ns, or NULL */
	const char	*content;	/* absolute URL of the content, or NULL
					 * (none, or not a URL) */
};

struct rolie_reader {
	const char	*type;		/* information-type followed */
	/* A document to read next: a collection of that type, a next page. */
	void		(*link)(void *arg, const char *url);
	void		(*entry)(void *arg, const struct rolie_entry *);
	void		*arg;
};

/*
 * Reads the document at url (its body, at most max bytes) and calls the
 * reader back.  0, or -EINVAL when it is not a well-formed service
 * document, feed or entry (err says why).
 */
int	rolie_read(const char *body, size_t len, size_t max, const char *url,
	    const struct rolie_reader *, char *err, size_t errlen);

/* ref resolved against base; NULL when either is not a URL. free(). */
char	*rolie_resolve(const char *base, const char *ref);

#endif
