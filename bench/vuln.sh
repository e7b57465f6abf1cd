#!/usr/bin/env bash
# make bench, part 6: vulnerability definitions from a stored inventory
# (shared/vuln.c) against oscap's live evaluation of the same file.  A
# generated file the size of Debian's bullseye OVAL (BENCH_VULN_DEFS,
# default 40,000 definitions; tools/vuln-oval-gen.py), on the
# misconfigured tree: `oscap-chroot oval eval` (time, peak RSS) beside
# vuln_tool eval of the tree's inventory with its targeted collection
# (the two objects the inventory lacks), and whether every definition
# agrees.  Then a fleet (BENCH_VULN_FLEET, default 1,000 endpoints: the
# tree's inventory with a different package upgraded on each) with the
# definitions loaded once, evaluated one at a time and two at a time (the
# evaluator's capacity, children forked from the process that loaded
# them).  The goal (issue 17): the whole fleet in less time than oscap
# takes for ten endpoints.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
N=${BENCH_VULN_DEFS:-40000}
F=${BENCH_VULN_FLEET:-1000}
if [ "$(id -u)" != 0 ]; then
	echo "vulnerability bench skipped: target trees need root"
	exit 77
fi
W=$(mktemp -d /tmp/sacm-bench-vuln-XXXXXX)
trap 'rm -rf "$W"' EXIT
"$BIN/sacm-targets" build "$W/t" >/dev/null 2>&1
TREE=$W/t/misconfigured T=$BUILD/tests/vuln_tool
echo 'Dir::Etc::parts "/nonexistent";' > "$W/apt.conf"
export ASAN_OPTIONS=detect_leaks=0
/usr/bin/python3 tools/vuln-oval-gen.py large "$N" "$TREE/var/lib/dpkg/status" > "$W/defs.xml"
timed() {	# prints "seconds MB" of the command
	/usr/bin/python3 - "$@" <<'P'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("%.2f %d" % (time.monotonic() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))
P
}
read -r live livemb < <(APT_CONFIG=$W/apt.conf timed oscap-chroot "$TREE" oval eval --results "$W/live.xml" "$W/defs.xml")
"$T" inventory "$TREE" "$W/inv.xml"
"$T" targeted "$W/defs.xml" "$W/targeted.xml"
"$T" collect "$W/targeted.xml" "$TREE" "$W/sc.xml" 2>/dev/null
read -r ours oursmb < <(timed sh -c "'$T' eval '$W/defs.xml' '$W/inv.xml' '$W/sc.xml' > '$W/ours.txt'")
/usr/bin/python3 tests/targets/oval_defs.py "$W/live.xml" > "$W/live.txt"
same=$(diff -q "$W/live.txt" "$W/ours.txt" > /dev/null && echo yes || echo NO)
printf '\n%-34s %9s %8s %12s %8s %6s %6s\n' "vulnerability ($N definitions)" "oscap s" "MB" "inventory s" "MB" "ratio" "same"
awk -v l="$live" -v lm="$livemb" -v o="$ours" -v om="$oursmb" -v s="$same" \
    'BEGIN{printf "%-34s %9.2f %8d %12.2f %8d %5.0f%% %6s\n", "one endpoint (misconfigured tree)", l, lm, o, om, o / l * 100, s}'
# the evaluator evaluates capacity endpoints at a time, each in a child
# forked from the process that loaded the definitions: one, then two
for j in 1 2; do
	"$T" fleet "$W/defs.xml" "$F" "$W/inv.xml" "$W/sc.xml" "$j" > "$W/fleet$j.out"
	read -r load fleet each < <(awk '{print $2, $7, $9}' "$W/fleet$j.out")
	total=$(awk -v l="$load" -v f="$fleet" 'BEGIN{printf "%.1f", l + f}')
	awk -v f="$F" -v t="$total" -v l="$live" -v j="$j" \
	    'BEGIN{printf "%-34s %9.1f %8s %12.1f %8s %5.0f%%   goal %.0f s (10 x oscap)\n", f " endpoints, capacity " j, l * 10, "", t, "", t / (l * 10) * 100, l * 10}'
	eval "total$j=$total each$j=$each"
done
echo "vuln $N definitions: oscap $live s, from inventory $ours s, identical: $same; $F endpoints $total1 s ($each1 s each), capacity 2: $total2 s"
