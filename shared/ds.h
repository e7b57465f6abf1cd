/*
 * ds.h - the components of a SCAP 1.3 source datastream, each as a
 * document of its own (the collector and the evaluator both need them).
 */
#ifndef SACM_DS_H
#define SACM_DS_H

#include <stddef.h>

/*
 * The ds:component with the given catalog name (or component id) as a
 * document of its own.  0, -ENOENT, -EINVAL.
 */
int	ds_component(const char *ds, size_t len, const char *name,
	    char **out, size_t *outlen, char *err, size_t errlen);

/* The CPE-OVAL component (the OVAL definitions the CPE dictionary's
 * catalog refers to).  0, -ENOENT (none), -EINVAL. */
int	ds_cpe_oval(const char *ds, size_t len, char **out,
	    size_t *outlen, char *err, size_t errlen);

/* The CPE dictionary (cpe-list) and the XCCDF benchmark, the same way. */
int	ds_cpe_dict(const char *ds, size_t len, char **out,
	    size_t *outlen, char *err, size_t errlen);
int	ds_benchmark(const char *ds, size_t len, char **out,
	    size_t *outlen, char *err, size_t errlen);

#endif
