#!/usr/bin/env bash
# make check's runner.  Each argument is one suite, a command line run
# from the repository root; its exit status says passed (0), skipped (77:
# it could not run here, and said why) or failed (anything else).  At the
# end: a table of every suite and the line "N passed, N failed, N skipped".
#
# Suites run SACM_CHECK_JOBS at a time (default 2), in the order given:
# every suite makes its own lab on ports and in directories of its own,
# and most of their time is spent waiting on a broker, not on a core.  A
# suite's output is printed whole when it ends, after a line that says
# when it started, so that the log reads as if they ran one by one.
#
# A skipped suite is not a passed one: the run fails when any suite
# skipped, unless SACM_ALLOW_SKIP=1 (for a machine that cannot run them,
# by choice; CI never sets it).
set -uo pipefail
cd "$(dirname "$0")/.."
jobs_max=${SACM_CHECK_JOBS:-2}
case $jobs_max in '' | *[!0-9]* | 0)
	echo "check: SACM_CHECK_JOBS must be a positive number" >&2; exit 2 ;;
esac
out=$(mktemp -d /tmp/sacm-check-XXXXXX)
trap 'rm -rf "$out"' EXIT
t0=$(date +%s)
passed=0 failed=0 skipped=0
suites=("$@")
declare -A idx_of=() start_of=()
verdicts=()

# cpu_seconds: the whole seconds of CPU in the output of `times`, its
# second line ("0m1.5s 0m0.2s": user and system time of the processes the
# suite waited for).
cpu_seconds() {
	awk 'NR == 2 {
		for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
		printf "%d\n", t + 0.5
	}'
}

# finish PID RC: prints the suite's output and records its verdict.
finish() {
	local i=${idx_of[$1]} rc=$2 secs cpu verdict
	secs=$(($(date +%s) - start_of[$1]))
	cpu=$(cpu_seconds < "$out/$i.cpu")
	case $rc in
	0) verdict=pass; passed=$((passed + 1)) ;;
	77) verdict=SKIP; skipped=$((skipped + 1)) ;;
	*) verdict=FAIL; failed=$((failed + 1)) ;;
	esac
	echo "== ${suites[$i]} (started at +$((start_of[$1] - t0)) s)"
	cat "$out/$i.log"
	echo "-- ${suites[$i]}: $verdict, $secs s (CPU $cpu s)"
	verdicts[$i]=$(printf '%-4s %5ss %5ss  %s' "$verdict" "$secs" "$cpu" \
	    "${suites[$i]}")
	unset "idx_of[$1]"
}

# wait_one: waits for any running suite to end.
wait_one() {
	local pid rc
	wait -n -p pid
	rc=$?
	finish "$pid" "$rc"
}

for i in "${!suites[@]}"; do
	while [ ${#idx_of[@]} -ge "$jobs_max" ]; do wait_one; done
	(
		bash -c "${suites[$i]}"
		rc=$?
		times > "$out/$i.cpu"	# not in a pipe: a subshell of its own
		exit $rc
	) < /dev/null > "$out/$i.log" 2>&1 &
	idx_of[$!]=$i
	start_of[$!]=$(date +%s)
done
while [ ${#idx_of[@]} -gt 0 ]; do wait_one; done

echo
echo "== summary ($(($(date +%s) - t0)) s, $jobs_max at a time)"
echo "verdict  wall   CPU  suite"
printf '%s\n' "${verdicts[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
if [ $skipped -gt 0 ] && [ "${SACM_ALLOW_SKIP:-0}" != 1 ]; then
	echo "check: $skipped suite(s) skipped: a skipped suite is not a" \
	    "passed one (SACM_ALLOW_SKIP=1 to accept that here)" >&2
	exit 1
fi
[ $failed = 0 ]
