/*
 * conf.c - see conf.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "log.h"

#define CONF_MAX_FILE	(1024 * 1024)
#define CONF_MAX_LINE	4096

static int
set_value(const struct conf_opt *o, void *base, const char *val,
    char *err, size_t errlen)
{
	char *p = (char *)base + o->off;
	char *end;
	long n;
	int lvl;

	switch (o->type) {
	case CONF_STR: {
		char *s = strdup(val);

		if (s == NULL)
			return -ENOMEM;
		free(*(char **)(void *)p);
		*(char **)(void *)p = s;
		return 0;
	}
	case CONF_INT:
		errno = 0;
		n = strtol(val, &end, 10);
		if (*val == '\0' || *end != '\0' || errno) {
			snprintf(err, errlen, "%s: '%s' is not a number",
			    o->name, val);
			return -EINVAL;
		}
		if (n < o->min || n > o->max) {
			snprintf(err, errlen, "%s: %ld is out of range %ld..%ld",
			    o->name, n, o->min, o->max);
			return -EINVAL;
		}
		*(long *)(void *)p = n;
		return 0;
	case CONF_BOOL:
		if (!strcmp(val, "yes") || !strcmp(val, "true") ||
		    !strcmp(val, "on") || !strcmp(val, "1"))
			*(int *)(void *)p = 1;
		else if (!strcmp(val, "no") || !strcmp(val, "false") ||
		    !strcmp(val, "off") || !strcmp(val, "0"))
			*(int *)(void *)p = 0;
		else {
			snprintf(err, errlen, "%s: '%s' is not yes or no",
			    o->name, val);
			return -EINVAL;
		}
		return 0;
	case CONF_LOGLEVEL:
		if ((lvl = log_level_from_name(val)) < 0) {
			snprintf(err, errlen, "%s: '%s' is not one of error, "
			    "warn, info, debug", o->name, val);
			return -EINVAL;
		}
		*(int *)(void *)p = lvl;
		return 0;
	}
	return -EINVAL;
}

static const struct conf_opt *
find(struct conf_table *t, size_t nt, const char *name, size_t *ti,
    size_t *oi)
{
	for (size_t i = 0; i < nt; i++)
		for (size_t j = 0; j < t[i].nopts; j++)
			if (strcmp(t[i].opts[j].name, name) == 0) {
				*ti = i;
				*oi = j;
				return &t[i].opts[j];
			}
	return NULL;
}

/* Splits one line into name and value, in place.  1 = option, 0 = blank. */
static int
split_line(char *line, char **name, char **value, const char **why)
{
	char *s = line, *e, *v, *w;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '#')
		return 0;
	*name = s;
	while (*s && (isalnum((unsigned char)*s) || *s == '_' || *s == '-' ||
	    *s == '.'))
		s++;
	e = s;
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '=' || e == *name) {
		*why = "expected 'name = value'";
		return -1;
	}
	*e = '\0';
	s++;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '"') {
		v = w = ++s;
		for (; *s && *s != '"'; s++) {
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			*w++ = *s;
		}
		if (*s != '"') {
			*why = "unterminated quoted value";
			return -1;
		}
		s++;
		while (isspace((unsigned char)*s))
			s++;
		if (*s != '\0' && *s != '#') {
			*why = "text after quoted value";
			return -1;
		}
		*w = '\0';
	} else {
		v = s;
		while (*s && *s != '#')
			s++;
		while (s > v && isspace((unsigned char)s[-1]))
			s--;
		*s = '\0';
	}
	*value = v;
	return 1;
}

static int
set_defaults(struct conf_table *t, size_t nt, char *err, size_t errlen)
{
	for (size_t i = 0; i < nt; i++)
		for (size_t j = 0; j < t[i].nopts; j++) {
			const struct conf_opt *o = &t[i].opts[j];
			int r;

			if (o->def == NULL)
				continue;
			if ((r = set_value(o, t[i].base, o->def, err,
			    errlen)) < 0)
				return r;
		}
	return 0;
}

int
conf_load_string(const char *name, const char *text, struct conf_table *t,
    size_t nt, char *err, size_t errlen)
{
	size_t total = 0;
	unsigned char *seen;
	const char *p = text;
	int lineno = 0, r = 0;

	for (size_t i = 0; i < nt; i++)
		total += t[i].nopts;
	if ((seen = calloc(total + 1, 1)) == NULL)
		return -ENOMEM;
	if ((r = set_defaults(t, nt, err, errlen)) < 0)
		goto out;

	while (*p) {
		char line[CONF_MAX_LINE], msg[512];
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *k, *v;
		const char *why = NULL;
		const struct conf_opt *o;
		size_t ti, oi, idx;

		lineno++;
		if (len >= sizeof(line)) {
			snprintf(err, errlen, "%s:%d: line too long", name,
			    lineno);
			r = -EINVAL;
			goto out;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);

		switch (split_line(line, &k, &v, &why)) {
		case 0:
			continue;
		case -1:
			snprintf(err, errlen, "%s:%d: %s", name, lineno, why);
			r = -EINVAL;
			goto out;
		}
		if ((o = find(t, nt, k, &ti, &oi)) == NULL) {
			snprintf(err, errlen, "%s:%d: unknown option '%s'",
			    name, lineno, k);
			r = -EINVAL;
			goto out;
		}
		idx = 0;
		for (size_t i = 0; i < ti; i++)
			idx += t[i].nopts;
		idx += oi;
		if (seen[idx]) {
			snprintf(err, errlen, "%s:%d: option '%s' given twice",
			    name, lineno, k);
			r = -EINVAL;
			goto out;
		}
		seen[idx] = 1;
		msg[0] = '\0';
		if ((r = set_value(o, t[ti].base, v, msg, sizeof(msg))) < 0) {
			snprintf(err, errlen, "%s:%d: %s", name, lineno,
			    r == -ENOMEM ? "out of memory" : msg);
			goto out;
		}
	}

	/* Required options must have been given (or defaulted). */
	for (size_t i = 0, idx = 0; i < nt; i++)
		for (size_t j = 0; j < t[i].nopts; j++, idx++) {
			const struct conf_opt *o = &t[i].opts[j];

			if (o->required && !seen[idx] && o->def == NULL) {
				snprintf(err, errlen, "%s: missing required "
				    "option '%s'", name, o->name);
				r = -EINVAL;
				goto out;
			}
		}
out:
	free(seen);
	return r;
}

int
conf_load(const char *path, struct conf_table *t, size_t nt, char *err,
    size_t errlen)
{
	struct buf b;
	int r;

	buf_init(&b, CONF_MAX_FILE);
	if ((r = buf_read_file(&b, path)) < 0) {
		snprintf(err, errlen, "%s: %s", path, r == -E2BIG ?
		    "file larger than 1 MiB" : strerror(-r));
		buf_free(&b);
		return r;
	}
	if (memchr(b.data ? b.data : "", '\0', b.len) != NULL) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		buf_free(&b);
		return -EINVAL;
	}
	r = conf_load_string(path, b.data ? b.data : "", t, nt, err, errlen);
	buf_free(&b);
	return r;
}

void
conf_free(struct conf_table *t, size_t nt)
{
	for (size_t i = 0; i < nt; i++)
		for (size_t j = 0; j < t[i].nopts; j++) {
			const struct conf_opt *o = &t[i].opts[j];
			char **sp;

			if (o->type != CONF_STR)
				continue;
			sp = (char **)(void *)((char *)t[i].base + o->off);
			free(*sp);
			*sp = NULL;
		}
}

void
conf_usage(const struct conf_table *t, size_t nt)
{
	printf("configuration options (name = value):\n");
	for (size_t i = 0; i < nt; i++)
		for (size_t j = 0; j < t[i].nopts; j++) {
			const struct conf_opt *o = &t[i].opts[j];

			printf("  %-22s %s%s%s%s\n", o->name,
			    o->help ? o->help : "",
			    o->def ? " (default: " : "",
			    o->def ? o->def : "", o->def ? ")" : "");
		}
}
