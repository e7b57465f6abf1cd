/*
 * collect_tool - the collector's core on a target tree, for the tests:
 * plans the collection for a profile, extracts the OVAL component and
 * collects its system characteristics with libopenscap under ROOT.
 *
 * usage: collect_tool DS PROFILE ROOT OUTDIR [TAILORING]
 * writes OUTDIR/variables.xml, OUTDIR/oval.xml, OUTDIR/syschar.xml and
 * for the CPE-OVAL component (all of it) OUTDIR/cpe-oval.xml and
 * OUTDIR/cpe-syschar.xml, and what the collector would watch in
 * OUTDIR/watch.txt
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "collect.h"
#include "ds.h"
#include "scap.h"

static int
put(const char *dir, const char *name, const char *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(data, 1, len, f) != len ||
	    fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct collect_plan p;
	struct scap_info info;
	struct timespec a, b;
	struct buf ds, tl = { 0 };
	char err[1024], *oval, *sc, *coval, *csc;
	size_t olen, sclen, colen, csclen;
	const char *cpe = NULL;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: collect_tool DS PROFILE ROOT OUTDIR "
		    "[TAILORING]\n");
		return 2;
	}
	scap_init();
	buf_init(&ds, 256u << 20);
	if (buf_read_file(&ds, argv[1]) < 0) {
		perror(argv[1]);
		return 1;
	}
	if (argc == 6) {
		buf_init(&tl, 64u << 20);
		if (buf_read_file(&tl, argv[5]) < 0) {
			perror(argv[5]);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (collect_plan(ds.data, ds.len, tl.data, tl.len, argv[2], &p, err,
	    sizeof(err)) < 0 ||
	    ds_component(ds.data, ds.len, p.oval_href, &oval, &olen, err,
	    sizeof(err)) < 0 ||
	    collect_syschar(oval, olen, p.variables, p.variables_len, p.defs,
	    p.ndefs, argv[3], &sc, &sclen, err, sizeof(err)) < 0) {
		fprintf(stderr, "collect_tool: %s\n", err);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	{
		struct buf w;

		buf_init(&w, 64u << 20);
		if (collect_watch_paths(oval, olen, sc, sclen, &w, err,
		    sizeof(err)) < 0 || put(argv[4], "watch.txt", w.data ?
		    w.data : "", w.len)) {
			fprintf(stderr, "collect_tool: watch: %s\n", err);
			return 1;
		}
		buf_free(&w);
	}
	printf("%d rules, %d variables, %zu definitions, %.2f s\n", p.nrules,
	    p.nvars, p.ndefs, (b.tv_sec - a.tv_sec) +
	    (b.tv_nsec - a.tv_nsec) / 1e9);
	if (scap_inspect(ds.data, ds.len, ds.max, &info, err, sizeof(err)) < 0) {
		fprintf(stderr, "collect_tool: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < info.ncomponents; i++)
		if (strcmp(info.components[i].kind, "cpe-oval") == 0)
			cpe = info.components[i].id;
	if (cpe == NULL || ds_component(ds.data, ds.len, cpe, &coval,
	    &colen, err, sizeof(err)) < 0 || collect_syschar(coval, colen,
	    NULL, 0, NULL, 0, argv[3], &csc, &csclen, err, sizeof(err)) < 0) {
		fprintf(stderr, "collect_tool: CPE-OVAL: %s\n", cpe ? err :
		    "no CPE-OVAL component");
		return 1;
	}
	{
		struct buf d;	/* the planned definitions, for the oracle */
		int bad;

		buf_init(&d, 16u << 20);
		for (size_t i = 0; i < p.ndefs; i++)
			buf_printf(&d, "%s\n", p.defs[i]);
		bad = buf_error(&d) || put(argv[4], "defs.txt", d.data ?
		    d.data : "", d.len);
		buf_free(&d);
		if (bad)
			return 1;
	}
	if (put(argv[4], "variables.xml", p.variables, p.variables_len) ||
	    put(argv[4], "oval.xml", oval, olen) ||
	    put(argv[4], "syschar.xml", sc, sclen) ||
	    put(argv[4], "cpe-oval.xml", coval, colen) ||
	    put(argv[4], "cpe-syschar.xml", csc, csclen))
		return 1;
	free(coval);
	free(csc);
	scap_info_free(&info);
	free(oval);
	free(sc);
	collect_plan_free(&p);
	buf_free(&ds);
	buf_free(&tl);
	return 0;
}
