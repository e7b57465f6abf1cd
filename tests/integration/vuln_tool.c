/*
 * vuln_tool - vulnerability evaluation from a stored inventory
 * (shared/vuln.c), step by step, for the tests and the benchmark:
 *
 *   vuln_tool check DEFS               what it holds, or why it is refused
 *   vuln_tool inventory ROOT OUT       the tree's inventory (as collected)
 *   vuln_tool targeted DEFS OUT        the objects the inventory does not
 *                                      answer (empty OUT: none)
 *   vuln_tool collect OVAL ROOT OUT    their system characteristics,
 *                                      collected under ROOT (the collector's
 *                                      collect_syschar)
 *   vuln_tool syschar DEFS INVENTORY COLLECTED OUT
 *                                      the system characteristics made
 *   vuln_tool eval DEFS INVENTORY [COLLECTED]
 *                                      "definition-id result" per line,
 *                                      sorted
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "collect.h"
#include "inventory.h"
#include "scap.h"
#include "vuln.h"

static int
slurp(const char *path, struct buf *b)
{
	buf_init(b, VULN_MAX);
	if (buf_read_file(b, path) < 0 || b->data == NULL) {
		fprintf(stderr, "vuln_tool: cannot read %s\n", path);
		return -1;
	}
	return 0;
}

static int
put(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

struct lines {
	char	**v;
	size_t	  n, cap;
};

static int
line(const struct vuln_result *r, void *arg)
{
	struct lines *l = arg;

	if (l->n == l->cap) {
		char **v = realloc(l->v, (l->cap = l->cap ? l->cap * 2 : 1024) *
		    sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		l->v = v;
	}
	if (asprintf(&l->v[l->n], "%s %s", r->id, r->result) < 0)
		return -ENOMEM;
	l->n++;
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	struct buf d, i, c;
	char err[1024] = "", *out = NULL;
	size_t len = 0;
	int r;

	scap_init();
	if (argc == 3 && strcmp(argv[1], "check") == 0) {
		struct vuln_info info;

		if (slurp(argv[2], &d) < 0)
			return 1;
		if (vuln_check(d.data, d.len, &info, err, sizeof(err)) < 0) {
			printf("refused: %s\n", err);
			return 1;
		}
		printf("%zu definitions, %zu objects, %zu from inventory\n",
		    info.definitions, info.objects, info.from_inventory);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "inventory") == 0) {
		buf_init(&i, VULN_MAX);
		if (inv_dpkg(argv[2], &i, err, sizeof(err)) < 0) {
			fprintf(stderr, "vuln_tool: %s\n", err);
			return 1;
		}
		return put(argv[3], i.data, i.len);
	}
	if (argc == 4 && strcmp(argv[1], "targeted") == 0) {
		if (slurp(argv[2], &d) < 0 || vuln_targeted(d.data, d.len, &out,
		    &len, err, sizeof(err)) < 0) {
			fprintf(stderr, "vuln_tool: %s\n", err);
			return 1;
		}
		return put(argv[3], out ? out : "", len);
	}
	if (argc == 5 && strcmp(argv[1], "collect") == 0) {
		if (slurp(argv[2], &d) < 0 || collect_syschar(d.data, d.len,
		    NULL, 0, NULL, 0, argv[3], &out, &len, err,
		    sizeof(err)) < 0) {
			fprintf(stderr, "vuln_tool: %s\n", err);
			return 1;
		}
		return put(argv[4], out, len);
	}
	if (argc == 6 && strcmp(argv[1], "syschar") == 0) {
		if (slurp(argv[2], &d) < 0 || slurp(argv[3], &i) < 0 ||
		    slurp(argv[4], &c) < 0 || vuln_syschar(d.data, d.len,
		    i.data, i.len, c.data, c.len, &out, &len, err,
		    sizeof(err)) < 0) {
			fprintf(stderr, "vuln_tool: %s\n", err);
			return 1;
		}
		return put(argv[5], out, len);
	}
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "eval") == 0) {
		struct lines l = { 0 };

		if (slurp(argv[2], &d) < 0 || slurp(argv[3], &i) < 0 ||
		    (argc == 5 && slurp(argv[4], &c) < 0))
			return 1;
		r = vuln_syschar(d.data, d.len, i.data, i.len, argc == 5 ?
		    c.data : NULL, argc == 5 ? c.len : 0, &out, &len, err,
		    sizeof(err));
		if (r == 0)
			r = vuln_eval(d.data, d.len, out, len, line, &l, NULL,
			    NULL, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "vuln_tool: %s\n", err);
			return 1;
		}
		qsort(l.v, l.n, sizeof(*l.v), cmp);
		for (size_t k = 0; k < l.n; k++)
			printf("%s\n", l.v[k]);
		return 0;
	}
	fprintf(stderr, "usage: vuln_tool check DEFS | inventory ROOT OUT | "
	    "targeted DEFS OUT | collect OVAL ROOT OUT | eval DEFS INVENTORY "
	    "[COLLECTED]\n");
	return 2;
}
