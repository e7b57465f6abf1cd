#!/usr/bin/env bash
# make bench, part 3: the evaluator's core against oscap's live scan.
# For each profile, on the hardened bullseye tree: `oscap-chroot xccdf
# eval` (time, peak RSS) beside the offline evaluation of the same tree's
# stored posture: loading the policy, then each evaluation in a child
# forked from the loaded policy, as sacm-evaluator does (best of the
# repeats; peak RSS of the child, which shares the loaded policy).  Goal:
# a cached evaluation at most a tenth of the live scan.  The grid's part
# (fetching posture, uploading the ARF) is not included; test_evaluator.sh
# logs the whole per-request time.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
REPEAT=${BENCH_ROUNDS:-3}
if [ "$(id -u)" != 0 ]; then
	echo "evaluator bench skipped: target trees need root"
	exit 77
fi
W=$(mktemp -d /tmp/sacm-bench-eval-XXXXXX)
trap 'rm -rf "$W"' EXIT
"$BIN/sacm-targets" build "$W/t" >/dev/null 2>&1
DS=/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml
TREE=$W/t/hardened
echo 'Dir::Etc::parts "/nonexistent";' > "$W/apt.conf"
mkdir -p "$W/empty"
export ASAN_OPTIONS=detect_leaks=0
printf '\n%-20s %9s %8s %11s %10s %8s %8s\n' "evaluation (hardened)" "oscap s" "MB" "1st endp s" "cached s" "MB" "cached"
for p in standard anssi_np_nt28_high '(all)'; do
	case $p in '(all)') prof=$p ;; *) prof=xccdf_org.ssgproject.content_profile_$p ;; esac
	d=$W/$RANDOM
	mkdir -p "$d"
	APT_CONFIG=$W/apt.conf "$BUILD/tests/collect_tool" "$DS" "$prof" "$TREE" "$d" >/dev/null
	read -r live livemb < <(APT_CONFIG=$W/apt.conf /usr/bin/python3 - oscap-chroot "$TREE" xccdf eval --profile "$prof" --results "$d/live.xml" "$DS" <<'P'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("%.2f %d" % (time.monotonic() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))
P
)
	EVAL_REPEAT=$REPEAT OSCAP_PROBE_ROOT=$W/empty "$BUILD/tests/eval_tool" "$DS" "$prof" "$d/syschar.xml" "$d/cpe-syschar.xml" "$d" > "$d/eval.out"
	load=$(awk '/^load/ {print $2}' "$d/eval.out")
	cached=$(awk '/^repeat/ {print $3}' "$d/eval.out" | sort -n | head -1)
	mb=$(awk '/^repeat/ {print $5}' "$d/eval.out" | sort -n | tail -1)
	awk -v n="$p" -v l="$live" -v lm="$livemb" -v ld="$load" -v c="$cached" -v m="$mb" \
	    'BEGIN{printf "%-20s %9.2f %8d %11.2f %10.3f %8d %7.0f%%\n", n, l, lm, ld + c, c, m, c / l * 100}'
done
