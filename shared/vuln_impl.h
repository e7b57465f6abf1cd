/*
 * vuln_impl.h - what vuln.c and vuln_sc.c share (not an interface).
 */
#ifndef SACM_VULN_IMPL_H
#define SACM_VULN_IMPL_H

#include <stddef.h>

#include <libxml/tree.h>

#define NS_DEF	"http://oval.mitre.org/XMLSchema/oval-definitions-5"
#define NS_LDEF	"http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"
#define NS_SC	"http://oval.mitre.org/XMLSchema/oval-system-characteristics-5"
#define NS_LSC	NS_SC "#linux"
#define NS_COM	"http://oval.mitre.org/XMLSchema/oval-common-5"

/* The definitions document, parsed safely (vuln_check's limits). */
xmlDocPtr	vuln_parse_defs(const char *defs, size_t len, char *err,
		    size_t errlen);
int		vuln_elem(xmlNodePtr);
/* Does the inventory answer this object? */
int		vuln_from_inventory(xmlNodePtr obj);
xmlNodePtr	vuln_section(xmlNodePtr root, const char *name);

/* The objects of a definitions document, as the syschar needs them. */
struct vobj {
	char	*id, *version;
	char	*name;		/* answered by the inventory: the package */
};

struct vobjs {
	struct vobj	*v;
	size_t		 n;
};

int	vuln_vobjs_load(const char *defs, size_t len, struct vobjs *,
	    char *err, size_t errlen);
/* The same from the parsed document.  0, -EINVAL or -ENOMEM (err). */
int	vuln_vobjs_of(xmlDocPtr, struct vobjs *, char *err, size_t errlen);
void	vuln_vobjs_free(struct vobjs *);
int	vuln_build_syschar(const struct vobjs *, const char *inventory,
	    size_t ilen, const char *collected, size_t clen, char **sc,
	    size_t *sclen, char *err, size_t errlen);

/* Every definition's facts (vuln_facts.c), sorted by id. */
struct vuln_facts {
	struct vuln_fact	*v;
	size_t			 n;
};
int	vuln_facts_build(xmlDocPtr, const struct vobjs *, struct vuln_facts *);
const struct vuln_fact *vuln_facts_find(const struct vuln_facts *,
	    const char *id);
void	vuln_facts_free(struct vuln_facts *);

#endif
