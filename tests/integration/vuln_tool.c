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
 *   vuln_tool fleet DEFS N INVENTORY COLLECTED [JOBS]
 *                                      N endpoints, each the inventory with
 *                                      one package upgraded (the k-th),
 *                                      the definitions loaded once, JOBS
 *                                      processes forked from it: times
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* The inventory again, its k-th package (mod n) upgraded. */
struct varied {
	struct buf	 out;
	size_t		 k, i;
};

static int
vary(const struct inv_pkg *p, void *arg)
{
	struct varied *v = arg;

	buf_adds(&v->out, "<package name='");
	buf_add_xml(&v->out, p->name);
	buf_adds(&v->out, "' version='");
	buf_add_xml(&v->out, p->version);
	if (v->i++ == v->k)
		buf_adds(&v->out, "+sacm1");
	buf_adds(&v->out, "' arch='");
	buf_add_xml(&v->out, p->arch ? p->arch : "");
	buf_adds(&v->out, "'/>");
	return 0;
}

static int
count_true(const struct vuln_result *r, void *arg)
{
	*(size_t *)arg += strcmp(r->result, "true") == 0;
	return 0;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* One worker's share of the fleet: endpoints k = first, first + step,
 * ...; "lo hi" (true definitions per endpoint) written to fd. */
static int
fleet_part(struct vuln_defs *vd, long n, long first, long step,
    const struct buf *inv, const struct buf *col, size_t npkg, int fd)
{
	size_t lo = (size_t)-1, hi = 0;
	char err[1024], line[64];

	for (long k = first; k < n; k += step) {
		struct varied v = { .k = (size_t)k % npkg };
		char *sc = NULL;
		size_t sclen, t = 0;
		int r;

		buf_init(&v.out, VULN_MAX);
		buf_adds(&v.out, "<inventory xmlns='http://sacm-grid.dev/"
		    "protocol/1' format='dpkg'>");
		(void)inv_foreach(inv->data, inv->len, VULN_MAX, vary, &v, err,
		    sizeof(err));
		buf_adds(&v.out, "</inventory>");
		r = vuln_defs_syschar(vd, v.out.data, v.out.len, col->data,
		    col->len, &sc, &sclen, err, sizeof(err));
		if (r == 0)
			r = vuln_defs_eval(vd, sc, sclen, count_true, &t, NULL,
			    NULL, err, sizeof(err));
		free(sc);
		buf_free(&v.out);
		if (r < 0) {
			fprintf(stderr, "vuln_tool: endpoint %ld: %s\n", k,
			    err);
			return 1;
		}
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	snprintf(line, sizeof(line), "%zu %zu\n", lo, hi);
	return write(fd, line, strlen(line)) < 0;
}

/*
 * The definitions loaded once, then n endpoints (the inventory with a
 * different package upgraded on each) evaluated by jobs processes forked
 * from the one that holds them, as the evaluator's children are.
 */
static int
fleet(const struct buf *d, long n, const struct buf *inv,
    const struct buf *col, long jobs)
{
	struct vuln_defs *vd;
	char err[1024], got[64];
	double t0 = now(), t1;
	size_t npkg, lo = (size_t)-1, hi = 0;
	int fds[2], r = 0;
	FILE *f;

	if ((vd = vuln_defs_load(d->data, d->len, err, sizeof(err))) == NULL) {
		fprintf(stderr, "vuln_tool: %s\n", err);
		return 1;
	}
	t1 = now();
	{
		struct varied v = { .k = (size_t)-1 };

		buf_init(&v.out, VULN_MAX);
		(void)inv_foreach(inv->data, inv->len, VULN_MAX, vary, &v, err,
		    sizeof(err));
		npkg = v.i ? v.i : 1;
		buf_free(&v.out);
	}
	if (pipe(fds) < 0)
		return 1;
	for (long j = 0; j < jobs; j++) {
		pid_t pid = fork();

		if (pid == 0) {
			close(fds[0]);
			_exit(fleet_part(vd, n, j, jobs, inv, col, npkg,
			    fds[1]));
		}
		if (pid < 0)
			r = 1;
	}
	close(fds[1]);
	for (long j = 0; j < jobs; j++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			r = 1;
	}
	if ((f = fdopen(fds[0], "r")) != NULL) {
		while (fgets(got, sizeof(got), f)) {
			size_t a, b;

			if (sscanf(got, "%zu %zu", &a, &b) == 2) {
				lo = a < lo ? a : lo;
				hi = b > hi ? b : hi;
			}
		}
		fclose(f);
	}
	printf("load %.2f s; %ld endpoints in %.2f s, %.3f s each; true per "
	    "endpoint %zu-%zu; %ld process(es)\n", t1 - t0, n, now() - t1,
	    (now() - t1) / n, lo, hi, jobs);
	vuln_defs_free(vd);
	return r;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What main reads and makes, freed at exit (leak checks see a tool that
 * frees what it took). */
static struct buf d, i, c;
static char *out;

static void
cleanup(void)
{
	buf_free(&d);
	buf_free(&i);
	buf_free(&c);
	free(out);
}

int
main(int argc, char **argv)
{
	char err[1024] = "";
	size_t len = 0;
	int r;

	buf_init(&d, 1);
	buf_init(&i, 1);
	buf_init(&c, 1);
	atexit(cleanup);
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
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "fleet") == 0) {
		long jobs = argc == 7 ? strtol(argv[6], NULL, 10) : 1;

		if (slurp(argv[2], &d) < 0 || slurp(argv[4], &i) < 0 ||
		    slurp(argv[5], &c) < 0 || jobs < 1 || jobs > 64)
			return 1;
		return fleet(&d, strtol(argv[3], NULL, 10), &i, &c, jobs);
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
		struct vuln_defs *vd;

		if (slurp(argv[2], &d) < 0 || slurp(argv[3], &i) < 0 ||
		    (argc == 5 && slurp(argv[4], &c) < 0))
			return 1;
		/* as an evaluator would: the definitions loaded once */
		if ((vd = vuln_defs_load(d.data, d.len, err, sizeof(err))) ==
		    NULL)
			r = -EINVAL;
		else if ((r = vuln_defs_syschar(vd, i.data, i.len, argc == 5 ?
		    c.data : NULL, argc == 5 ? c.len : 0, &out, &len, err,
		    sizeof(err))) == 0)
			r = vuln_defs_eval(vd, out, len, line, &l, NULL, NULL,
			    err, sizeof(err));
		vuln_defs_free(vd);
		if (r < 0) {
			fprintf(stderr, "vuln_tool: %s\n", err);
			return 1;
		}
		qsort(l.v, l.n, sizeof(*l.v), cmp);
		for (size_t k = 0; k < l.n; k++) {
			printf("%s\n", l.v[k]);
			free(l.v[k]);
		}
		free(l.v);
		return 0;
	}
	fprintf(stderr, "usage: vuln_tool check DEFS | inventory ROOT OUT | "
	    "targeted DEFS OUT | collect OVAL ROOT OUT | eval DEFS INVENTORY "
	    "[COLLECTED]\n");
	return 2;
}
