#!/usr/bin/env bash
# The collector's core (shared/collect.c) on each target tree: the same
# objects, flags and items as `oscap oval collect` run offline on the same
# tree with the same variables.
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$W"' EXIT
DS=/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml
"$BUILD/bin/sacm-targets" build "$W/t" >/dev/null 2>"$W/build.err" || { cat "$W/build.err"; exit 1; }
# dpkginfo reads the tree's package database only without the host's apt
# parts (reference notes; tests/targets/test_targets.sh).
echo 'Dir::Etc::parts "/nonexistent";' > "$W/apt.conf"
export APT_CONFIG=$W/apt.conf
# Under make check-asan: the first run checks for leaks with full stacks
# (so that tests/lsan.supp can tell libopenscap's probe threads apart),
# the others only for memory errors; slow unwinding costs 20x.
first=1
for t in installed hardened misconfigured; do
	for p in standard anssi_np_nt28_high; do
		o=$W/$t-$p
		mkdir -p "$o"
		if [ $first = 1 ]; then
			asan=fast_unwind_on_malloc=0
		else
			asan=detect_leaks=0
		fi
		first=0
		echo "     $t $p: $(ASAN_OPTIONS=$asan "$BUILD/tests/collect_tool" "$DS" \
		    "xccdf_org.ssgproject.content_profile_$p" "$W/t/$t" "$o")"
		OSCAP_PROBE_ROOT=$W/t/$t oscap oval collect \
		    --variables "$o/variables.xml" --syschar "$o/ref.xml" \
		    "$o/oval.xml" >/dev/null 2>&1
		check "$t, $p: same objects and items as oscap oval collect, every planned object" \
		    /usr/bin/python3 tests/targets/cmp_syschar.py "$o/syschar.xml" "$o/ref.xml" "$o/oval.xml" "$o/defs.txt"
		[ "$p" = standard ] || continue
		OSCAP_PROBE_ROOT=$W/t/$t oscap oval collect \
		    --syschar "$o/cpe-ref.xml" "$o/cpe-oval.xml" >/dev/null 2>&1
		check "$t: CPE-OVAL, same objects and items as oscap oval collect" \
		    /usr/bin/python3 tests/targets/cmp_syschar.py "$o/cpe-syschar.xml" "$o/cpe-ref.xml"
	done
done
exit $((fails > 0))
