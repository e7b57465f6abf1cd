/*
 * bench_xsd: XSD validation of one OVAL system-characteristics document,
 * the posture repository's way (syschar_check: parsed once, the schema
 * parsed once per process) beside libopenscap's oscap_source_validate
 * (the schema loaded for every document), the anchor, in the same run.
 *   bench_xsd FILE [ROUNDS]  prints "xsd <oscap ms> <ours ms>" per document
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openscap/oscap_source.h>

#include "buf.h"
#include "oscap_util.h"
#include "scap.h"
#include "syschar.h"

static double
ms_since(const struct timespec *a)
{
	struct timespec z;

	clock_gettime(CLOCK_MONOTONIC, &z);
	return (z.tv_sec - a->tv_sec) * 1e3 + (z.tv_nsec - a->tv_nsec) / 1e6;
}

int
main(int argc, char **argv)
{
	struct timespec t;
	struct buf b;
	char digest[65], err[1024];
	int rounds = argc > 2 ? atoi(argv[2]) : 20;
	double theirs, ours;

	if (argc < 2 || rounds < 1) {
		fprintf(stderr, "usage: bench_xsd FILE [ROUNDS]\n");
		return 2;
	}
	scap_init();
	buf_init(&b, 256u << 20);
	if (buf_read_file(&b, argv[1]) < 0 || b.data == NULL) {
		fprintf(stderr, "bench_xsd: cannot read %s\n", argv[1]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (int i = 0; i < rounds; i++) {
		struct oscap_source *src = oscap_source_new_from_memory(b.data,
		    b.len, "syschar.xml");

		if (ou_validate(src, err, sizeof(err)) < 0) {
			fprintf(stderr, "bench_xsd: %s\n", err);
			return 1;
		}
		oscap_source_free(src);
	}
	theirs = ms_since(&t) / rounds;
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (int i = 0; i < rounds; i++)
		if (syschar_check(b.data, b.len, b.len + 1, digest, err,
		    sizeof(err)) < 0) {
			fprintf(stderr, "bench_xsd: %s\n", err);
			return 1;
		}
	ours = ms_since(&t) / rounds;
	printf("xsd %.1f %.1f\n", theirs, ours);
	buf_free(&b);
	return 0;
}
