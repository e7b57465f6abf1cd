#!/usr/bin/env bash
# make bench, part 4: the whole pipeline on the native lab (`sacm-lab up`,
# supervised daemons, real broker) against oscap's live scan.
#
#   1 target:   `sacmctl policy publish` of the SSG Debian 11 datastream to
#               the last result on sacm/results, beside `oscap-chroot TREE
#               xccdf eval` of the standard profile (goal: at most 1.2x);
#               and an operator's `assess --wait` of the policy already
#               published (the cached path).
#   N targets:  the same publish to the last of N results (BENCH_TARGETS,
#               default 10) beside a sequential loop of oscap-chroot over
#               the same trees (goal: the pipeline faster).
#   memory:     peak RSS (VmHWM) of every daemon after the N-target run,
#               and the peak of the collection and evaluation processes
#               they fork (from their logs).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
N=${BENCH_TARGETS:-10}
if [ "$(id -u)" != 0 ]; then
	echo "pipeline bench skipped: target trees need root"
	exit 77
fi
W=$(mktemp -d /tmp/sacm-bench-pipe-XXXXXX)
chmod 755 "$W"
cleanup() {
	for l in "$W"/lab*; do [ -d "$l" ] && "$BIN/sacm-lab" down --dir "$l" >/dev/null 2>&1; done
	rm -rf "$W"
}
trap cleanup EXIT
DS=/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml
PROFILE=xccdf_org.ssgproject.content_profile_standard
echo 'Dir::Etc::parts "/nonexistent";' > "$W/apt.conf"
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN{printf "%.2f", a - b}'; }
S=$BIN/sacmctl

lab() {	# dir collectors
	"$BIN/sacm-lab" up --dir "$1" --collectors "$2" > "$1.up" 2>&1 ||
	    { cat "$1.up"; exit 1; }
	export SACM_CONFIG=$1/accounts/ctl.conf
	local i
	for i in $(seq 1 240); do
		[ "$("$S" items sacm/endpoints -n "$2" --json | grep -c '"id"')" -ge "$2" ] && return 0
		sleep 0.25
	done
	echo "the endpoints did not announce themselves"; exit 1
}
results() { "$S" results --json | grep -o '"endpoint"' | wc -l; }
publish_to_last() {	# n -> seconds
	local t0 i
	t0=$(now)
	"$S" policy publish "$DS" >/dev/null 2>&1
	for i in $(seq 1 2400); do
		[ "$(results)" -ge "$1" ] && break
		sleep 0.1
	done
	since "$t0"
}
oscap_live() {	# tree -> seconds
	local t0
	t0=$(now)
	APT_CONFIG=$W/apt.conf oscap-chroot "$1" xccdf eval --profile "$PROFILE" \
	    --results "$W/live.xml" "$DS" >/dev/null 2>&1 || true
	since "$t0"
}

# 1 target
lab "$W/lab1" 1
t1=$(publish_to_last 1)
tree1=$W/lab1/targets/installed
live1=$(oscap_live "$tree1")
ID=$("$S" policy list --json | grep -o '"id":"[0-9a-f]*"' | head -1 | cut -d'"' -f4)
t0=$(now)
"$S" assess "$ID" --wait >/dev/null 2>&1
again=$(since "$t0")
"$BIN/sacm-lab" down --dir "$W/lab1" >/dev/null 2>&1

# N targets
lab "$W/labn" "$N"
tn=$(publish_to_last "$N")
loop=0
for t in "$W"/labn/targets/*/; do
	loop=$(awk -v a="$loop" -v b="$(oscap_live "${t%/}")" 'BEGIN{print a + b}')
done

printf '\n%-34s %9s %12s %7s\n' "pipeline (standard profile)" "sacm s" "oscap s" "ratio"
awk -v a="$t1" -v b="$live1" 'BEGIN{printf "%-34s %9.2f %12.2f %6.2fx\n", "1 target, publish -> result", a, b, a / b}'
awk -v a="$again" -v b="$live1" 'BEGIN{printf "%-34s %9.2f %12.2f %6.2fx\n", "1 target, assess --wait (cached)", a, b, a / b}'
awk -v n="$N" -v a="$tn" -v b="$loop" 'BEGIN{printf "%-34s %9.2f %12.2f %6.2fx\n", n " targets, publish -> last result", a, b " (loop)", a / b}'

printf '\n%-16s %12s %16s\n' "daemon ($N targets)" "peak MB" "forked peak MB"
for f in "$W"/labn/run/*.pid; do
	case $f in *.supervisor.pid) continue ;; esac
	name=$(basename "$f" .pid)
	pid=$(cat "$f")
	hwm=$(awk '/^VmHWM/ {printf "%d", $2 / 1024}' "/proc/$pid/status" 2>/dev/null || echo "?")
	child=$(grep -o '(peak [0-9]* MB)' "$W/labn/log/$name.log" 2>/dev/null | tr -dc '0-9\n' | sort -n | tail -1 || true)
	printf '%-16s %12s %16s\n' "$name" "$hwm" "${child:--}"
done
