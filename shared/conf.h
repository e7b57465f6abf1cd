/*
 * conf.h - table-driven configuration files.
 *
 * A file is lines of "name = value"; '#' starts a comment; a value may be
 * double-quoted (then '#' and spaces are kept, \" and \\ are escapes).
 * Each option is a row of a table: name, type, where it goes, bounds and a
 * default.  Errors name the file and line: "grid.conf:12: port: 70000 is
 * out of range 1..65535".  Unknown and duplicate options are errors.
 */
#ifndef SACM_CONF_H
#define SACM_CONF_H

#include <stddef.h>

enum conf_type {
	CONF_STR,	/* char *, allocated */
	CONF_INT,	/* long, within [min, max] */
	CONF_BOOL,	/* int: yes/no, true/false, on/off, 1/0 */
	CONF_LOGLEVEL,	/* int: error, warn, info, debug */
};

struct conf_opt {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;		/* offsetof() in the target struct */
	long		 min, max;	/* CONF_INT bounds */
	const char	*def;		/* default as text, NULL for none */
	int		 required;
	const char	*help;
};

/* A table and the struct its offsets point into. */
struct conf_table {
	const struct conf_opt	*opts;
	size_t			 nopts;
	void			*base;
};

/*
 * Sets the defaults, then reads the file.  Returns 0, or -errno with a
 * one-line message in err: -ENOENT (file missing), -EINVAL (syntax, bad
 * value, unknown or missing option).
 */
int	conf_load(const char *path, struct conf_table *, size_t ntables,
	    char *err, size_t errlen);
/* The same for text in memory; name is used in error messages. */
int	conf_load_string(const char *name, const char *text,
	    struct conf_table *, size_t ntables, char *err, size_t errlen);
/* Frees the strings the tables hold. */
void	conf_free(struct conf_table *, size_t ntables);
/* Prints every option with its default and help, for --help. */
void	conf_usage(const struct conf_table *, size_t ntables);

#endif
