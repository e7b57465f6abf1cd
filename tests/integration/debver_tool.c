/*
 * debver_tool - debver.c from the command line, for the test that holds
 * it against dpkg (tests/scripts/test_debver.sh):
 *
 *   debver_tool sort   < versions        one a line, printed in our order
 *   debver_tool cmp    < pairs           "A B" a line -> -1, 0 or 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debver.h"

static int
cmp(const void *a, const void *b)
{
	return debver_cmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	char line[4096], **v = NULL;
	size_t n = 0, cap = 0;

	if (argc != 2 || (strcmp(argv[1], "sort") && strcmp(argv[1], "cmp"))) {
		fprintf(stderr, "usage: debver_tool sort|cmp < input\n");
		return 2;
	}
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (argv[1][0] == 'c') {
			char *b = strchr(line, ' ');
			int r;

			if (b == NULL)
				continue;
			*b++ = '\0';
			r = debver_cmp(line, b);
			printf("%d\n", r < 0 ? -1 : r > 0);
			continue;
		}
		if (n == cap && (v = realloc(v, (cap = cap ? cap * 2 : 1024) *
		    sizeof(*v))) == NULL)
			return 1;
		if ((v[n++] = strdup(line)) == NULL)
			return 1;
	}
	if (argv[1][0] == 's') {
		qsort(v, n, sizeof(*v), cmp);
		for (size_t i = 0; i < n; i++)
			printf("%s\n", v[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return 0;
}
