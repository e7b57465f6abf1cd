/* Unit tests: SCAP inspection (scap.c) on Debian's real SSG content. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "buf.h"
#include "scap.h"
#include "syschar.h"
#include "t.h"

#define SSG	"/usr/share/xml/scap/ssg/content"
#define MAX	(64u << 20)

static int
inspect_file(const char *path, struct scap_info *s, char *err)
{
	struct buf b;
	int r;

	buf_init(&b, MAX);
	if ((r = buf_read_file(&b, path)) == 0)
		r = scap_inspect(b.data, b.len, MAX, s, err, 512);
	buf_free(&b);
	return r;
}

static const struct scap_profile *
profile(const struct scap_info *s, const char *suffix)
{
	for (size_t i = 0; i < s->nprofiles; i++) {
		size_t a = strlen(s->profiles[i].id), b = strlen(suffix);

		if (a >= b && strcmp(s->profiles[i].id + a - b, suffix) == 0)
			return &s->profiles[i];
	}
	return NULL;
}

static const char *
component_kind(const struct scap_info *s, const char *kind)
{
	for (size_t i = 0; i < s->ncomponents; i++)
		if (strcmp(s->components[i].kind, kind) == 0)
			return s->components[i].id;
	return NULL;
}

/* Numbers as `oscap info` prints them for ssg-debian11-ds.xml (0.1.65). */
static void
test_debian11(void)
{
	struct scap_info s;
	char err[512];
	const struct scap_profile *p;

	if (inspect_file(SSG "/ssg-debian11-ds.xml", &s, err) != 0)
		T_FAIL("%s", err);
	T_EQ(s.kind, SCAP_DATASTREAM);
	T_STREQ(s.scap_version, "1.3");
	T_STREQ(s.benchmark_id, "xccdf_org.ssgproject.content_benchmark_DEBIAN-11");
	T_EQ(s.nprofiles, 5);
	T_ASSERT((p = profile(&s, "_profile_standard")) != NULL);
	T_EQ(p->rules, 44);
	T_ASSERT((p = profile(&s, "_profile_anssi_np_nt28_minimal")) != NULL);
	T_EQ(p->rules, 24);
	T_ASSERT((p = profile(&s, "_profile_anssi_np_nt28_high")) != NULL);
	T_EQ(p->rules, 50);
	T_ASSERT(s.nplatforms >= 1);
	T_STREQ(s.platforms[0], "cpe:/o:debian:debian_linux:11");
	T_STREQ(component_kind(&s, "oval"),
	    "scap_org.open-scap_comp_ssg-debian11-oval.xml");
	T_STREQ(component_kind(&s, "cpe-oval"),
	    "scap_org.open-scap_comp_ssg-debian11-cpe-oval.xml");
	T_ASSERT(component_kind(&s, "xccdf") != NULL);
	for (size_t i = 0; i < s.ncomponents; i++)
		if (strcmp(s.components[i].kind, "oval") == 0)
			T_STREQ(s.components[i].name, "ssg-debian11-oval.xml");
	scap_info_free(&s);
}

/* What the reference tool says of the file, by its exit status: 1 valid,
 * 0 invalid, -1 when oscap could not be run (no oracle: the case fails). */
static int
oscap_says_valid(const char *path)
{
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof(cmd), "oscap ds sds-validate '%s' >/dev/null "
	    "2>&1", path);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) > 1)
		return -1;	/* 127: not installed; 2: oscap's own error */
	return WEXITSTATUS(st) == 0;
}

/* Every datastream Debian installs: our verdict is oscap's, and the
 * valid ones come with profiles, rule counts and an OVAL component. */
static void
test_every_ssg_datastream(void)
{
	glob_t g;
	char err[512];

	if (glob(SSG "/ssg-*-ds*.xml", 0, NULL, &g) != 0)
		T_FAIL("no SSG content in " SSG);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct scap_info s;
		struct timespec a, b;
		int valid = oscap_says_valid(g.gl_pathv[i]), r;

		if (valid < 0) {
			fprintf(stderr, "  FAIL %s: oscap ds sds-validate did "
			    "not run (openscap-scanner installed?)\n",
			    g.gl_pathv[i]);
			t_failed++;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &a);
		r = inspect_file(g.gl_pathv[i], &s, err);
		if ((r == 0) != valid) {
			fprintf(stderr, "  FAIL %s: ours %s, oscap %s (%s)\n",
			    g.gl_pathv[i], r == 0 ? "valid" : "invalid",
			    valid ? "valid" : "invalid", r ? err : "");
			t_failed++;
			if (r == 0)
				scap_info_free(&s);
			continue;
		}
		if (r != 0) {
			printf("     %-48s rejected like oscap: %.60s...\n",
			    strrchr(g.gl_pathv[i], '/') + 1, err);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("     %-48s %s %2zu profiles %.2f s\n",
		    strrchr(g.gl_pathv[i], '/') + 1, s.scap_version,
		    s.nprofiles, (b.tv_sec - a.tv_sec) +
		    (b.tv_nsec - a.tv_nsec) / 1e9);
		if (s.nprofiles == 0 || component_kind(&s, "oval") == NULL)
			T_FAIL("%s: no profiles or no OVAL", g.gl_pathv[i]);
		for (size_t j = 0; j < s.nprofiles; j++)
			if (s.profiles[j].rules < 0)
				T_FAIL("%s: %s has no rule count",
				    g.gl_pathv[i], s.profiles[j].id);
		scap_info_free(&s);
	}
	globfree(&g);
}

static void
test_rejects(void)
{
	struct scap_info s;
	char err[512];
	const char *oval = "<oval_definitions xmlns='http://oval.mitre.org/"
	    "XMLSchema/oval-definitions-5'/>";
	const char *bad_ds = "<ds:data-stream-collection xmlns:ds='http://"
	    "scap.nist.gov/schema/scap/source/1.2' id='x'><ds:data-stream "
	    "id='y' scap-version='1.3' use-case='OTHER'/><ds:bogus/>"
	    "</ds:data-stream-collection>";

	T_EQ(scap_inspect("not xml", 7, MAX, &s, err, sizeof(err)), -EINVAL);
	T_EQ(scap_inspect(oval, strlen(oval), MAX, &s, err, sizeof(err)),
	    -EINVAL);
	T_ASSERT(strstr(err, "not a SCAP source datastream") != NULL);
	T_EQ(scap_inspect(bad_ds, strlen(bad_ds), MAX, &s, err, sizeof(err)),
	    -EINVAL);
	T_ASSERT(strstr(err, "XSD validation failed") != NULL);
	printf("     (%s)\n", err);
}

/* A small, XSD-valid system-characteristics document. */
static char *
syschar(const char *stamp, int id, int atime, const char *path)
{
	char *s;

	if (asprintf(&s, "<oval_system_characteristics xmlns='http://oval."
	    "mitre.org/XMLSchema/oval-system-characteristics-5' xmlns:oval="
	    "'http://oval.mitre.org/XMLSchema/oval-common-5' xmlns:unix-sys="
	    "'http://oval.mitre.org/XMLSchema/oval-system-characteristics-5"
	    "#unix'><generator><oval:schema_version>5.11.2</oval:schema_version>"
	    "<oval:timestamp>%s</oval:timestamp></generator><system_info>"
	    "<os_name>Linux</os_name><os_version>1</os_version><architecture>"
	    "x86_64</architecture><primary_host_name>h</primary_host_name>"
	    "<interfaces/></system_info><collected_objects><object id='oval:x:"
	    "obj:1' version='1' flag='complete'><reference item_ref='%d'/>"
	    "</object></collected_objects><system_data><unix-sys:file_item "
	    "id='%d' status='exists'><unix-sys:filepath>%s</unix-sys:filepath>"
	    "<unix-sys:a_time datatype='int'>%d</unix-sys:a_time>"
	    "</unix-sys:file_item></system_data></oval_system_characteristics>",
	    stamp, id, id, path, atime) < 0)
		return NULL;
	return s;
}

static void
test_posture_digest(void)
{
	char *a = syschar("2026-11-23T04:34:32", 17, 100, "/etc/x");
	char *b = syschar("2026-11-23T05:00:00", 4242, 200, "/etc/x");
	char *c = syschar("2026-11-23T04:34:32", 17, 100, "/etc/y");
	char da[65], db[65], dc[65], err[512];
	const char *bogus = "<oval_system_characteristics xmlns='http://oval."
	    "mitre.org/XMLSchema/oval-system-characteristics-5'><bogus/>"
	    "</oval_system_characteristics>";

	T_EQ(syschar_check(a, strlen(a), MAX, da, err, sizeof(err)), 0);
	T_EQ(syschar_check(b, strlen(b), MAX, db, err, sizeof(err)), 0);
	T_EQ(syschar_check(c, strlen(c), MAX, dc, err, sizeof(err)), 0);
	/* time stamp, item ids and access times are not posture */
	T_STREQ(da, db);
	T_ASSERT(strcmp(da, dc) != 0);
	T_EQ(syschar_check(bogus, strlen(bogus), MAX, da, err,
	    sizeof(err)), -EINVAL);
	T_EQ(syschar_check("<x/>", 4, MAX, da, err, sizeof(err)),
	    -EINVAL);
	/* the schema is chosen by the document's OVAL version: only a
	 * version libopenscap has a schema for, never a path */
	for (size_t i = 0; i < 3; i++) {
		static const char *const bad[] = { "5.99", "../../../etc",
		    "5.11.2/../../x" };
		char *v = strdup(a), *p = strstr(v, "5.11.2"), *d = NULL;

		if (p && asprintf(&d, "%.*s%s%s", (int)(p - v), v, bad[i],
		    p + 6) > 0) {
			T_EQ(syschar_check(d, strlen(d), MAX, dc, err,
			    sizeof(err)), -EINVAL);
			T_ASSERT(strstr(err, "XSD validation failed") != NULL);
		}
		free(d);
		free(v);
	}
	free(a);
	free(b);
	free(c);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	scap_init();
	T_RUN(test_debian11);
	T_RUN(test_rejects);
	T_RUN(test_posture_digest);
	T_RUN(test_every_ssg_datastream);
	return T_DONE();
}
