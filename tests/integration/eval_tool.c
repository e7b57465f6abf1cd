/*
 * eval_tool - the evaluator's core on stored posture, for the tests:
 * loads the datastream (and tailoring) for a profile, evaluates it
 * against the system characteristics given, without probing anything.
 *
 * usage: eval_tool DS PROFILE SYSCHAR CPE_SYSCHAR OUTDIR [TAILORING]
 * writes OUTDIR/xccdf.xml, OUTDIR/arf.xml and OUTDIR/rules.xml
 *
 * With EVAL_REPEAT=N it evaluates N times more, each in a child forked
 * from the loaded policy as the evaluator does, and prints the time and
 * peak memory of each (for bench/evaluate.sh).
 */
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "evaluate.h"
#include "scap.h"

static int
slurp(const char *path, struct buf *b)
{
	buf_init(b, 256u << 20);
	if (buf_read_file(b, path) < 0) {
		perror(path);
		return -1;
	}
	return 0;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct buf ds, sc, csc, tl, x, rules;
	struct eval_target t = { 0 };
	struct eval *e;
	char err[2048], path[4096];
	double t0, t1, t2;
	FILE *f;

	if (argc < 6) {
		fprintf(stderr, "usage: eval_tool DS PROFILE SYSCHAR "
		    "CPE_SYSCHAR OUTDIR [TAILORING]\n");
		return 2;
	}
	scap_init();
	if (slurp(argv[1], &ds) || slurp(argv[3], &sc) || slurp(argv[4], &csc))
		return 1;
	if (argc > 6 && slurp(argv[6], &tl))
		return 1;
	t0 = now();
	if (eval_load(ds.data, ds.len, argc > 6 ? tl.data : NULL, argc > 6 ?
	    tl.len : 0, strcmp(argv[2], "-") ? argv[2] : NULL, argv[5], &e,
	    err, sizeof(err)) < 0) {
		fprintf(stderr, "eval_tool: %s\n", err);
		return 1;
	}
	t1 = now();
	t.sc = sc.data;
	t.sclen = sc.len;
	t.cpe_sc = csc.data;
	t.cpe_sclen = csc.len;
	t.hostname = getenv("EVAL_HOSTNAME");
	t.endpoint = getenv("EVAL_ENDPOINT");
	for (int i = 0, n = getenv("EVAL_REPEAT") ? atoi(getenv(
	    "EVAL_REPEAT")) : 0; i < n; i++) {
		struct rusage ru;
		double a = now();
		pid_t pid;
		int st;

		if ((pid = fork()) == 0)
			_exit(eval_run(e, &t, argv[5], err, sizeof(err)) < 0);
		if (pid < 0 || wait4(pid, &st, 0, &ru) != pid || st != 0) {
			fprintf(stderr, "eval_tool: repeat %d failed\n", i);
			return 1;
		}
		printf("repeat %d: %.3f s, %ld MB\n", i + 1, now() - a,
		    ru.ru_maxrss / 1024);
	}
	if (eval_run(e, &t, argv[5], err, sizeof(err)) < 0) {
		fprintf(stderr, "eval_tool: %s\n", err);
		return 1;
	}
	t2 = now();
	snprintf(path, sizeof(path), "%s/xccdf.xml", argv[5]);
	buf_init(&rules, 64u << 20);
	if (slurp(path, &x) || eval_rule_results(x.data, x.len, &rules, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "eval_tool: %s\n", err);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/rules.xml", argv[5]);
	if ((f = fopen(path, "w")) == NULL || fputs(rules.data, f) < 0 ||
	    fclose(f) != 0) {
		perror(path);
		return 1;
	}
	printf("load %.2f s, evaluate and export %.2f s\n", t1 - t0, t2 - t1);
	eval_free(e);
	buf_free(&ds); buf_free(&sc); buf_free(&csc); buf_free(&x);
	buf_free(&rules);
	if (argc > 6)
		buf_free(&tl);
	return 0;
}
