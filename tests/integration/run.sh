#!/usr/bin/env bash
# Integration tests: real brokers started by sacm-lab, real processes.
#   tests/integration/run.sh [prosody] [ejabberd]   (default: both)
# Each broker gets a fresh lab in a temporary directory, removed afterwards
# unless SACM_KEEP_LAB=1.  The brokers' runs go on at the same time (their
# labs share nothing); each one's output is printed when it ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
T=$PWD/$BUILD/tests
brokers=("$@")
[ ${#brokers[@]} -gt 0 ] || brokers=(prosody ejabberd)

# on BROKER: every integration test on a fresh lab of BROKER; exit 1 when
# any failed (or skipped, unless SACM_ALLOW_SKIP=1).
on() {
	local broker=$1 fail=0 t rc start
	echo "=== integration on $broker"
	# not local: the EXIT trap (cleanup) needs it after on() returns
	lab=$(mktemp -d /tmp/sacm-it-XXXXXX)
	chmod 755 "$lab"
	cleanup() {
		"$BIN/sacm-lab" down --dir "$lab/lab" >/dev/null 2>&1 || true
		[ "${SACM_KEEP_LAB:-0}" = 1 ] || rm -rf "$lab"
	}
	trap cleanup EXIT
	# The tests start the daemons they test themselves.
	if ! "$BIN/sacm-lab" up --dir "$lab/lab" --broker "$broker" --broker-only > "$lab/up.log" 2>&1; then
		cat "$lab/up.log"
		echo "FAIL sacm-lab up ($broker)"
		return 1
	fi
	"$BIN/sacm-lab" account stranger --dir "$lab/lab" >/dev/null
	# A CA the broker's certificate does not chain to.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$lab/other.key" -out "$lab/other.crt" -days 2 \
	    -subj "/CN=Some other CA" 2>/dev/null
	export SACM_TEST_RESTART="'$BIN/sacm-lab' down --dir '$lab/lab' >/dev/null && '$BIN/sacm-lab' up --dir '$lab/lab' --broker-only >/dev/null"
	"$T/test_grid" "$lab/lab" "$lab/other.crt" || fail=1
	"$T/test_grid_serve" "$lab/lab" || fail=1
	for t in tests/integration/test_*.sh; do
		[ -e "$t" ] || continue
		echo "== $t"
		rc=0 start=$(date +%s)
		SACM_LAB_DIR=$lab/lab BIN=$BIN bash "$t" || rc=$?
		echo "-- $t: $(($(date +%s) - start)) s on $broker"
		case $rc in
		0) ;;
		77) echo "SKIP $t"; [ "${SACM_ALLOW_SKIP:-0}" = 1 ] || fail=1 ;;
		*) echo "FAIL $t (exit $rc, on $broker)"; fail=1 ;;
		esac
	done
	return $fail
}

out=$(mktemp -d /tmp/sacm-it-out-XXXXXX)
declare -A pids
for broker in "${brokers[@]}"; do
	( on "$broker" ) < /dev/null > "$out/$broker.log" 2>&1 &
	pids[$broker]=$!
done
fail=0
for broker in "${brokers[@]}"; do
	wait "${pids[$broker]}" || fail=1
	cat "$out/$broker.log"
done
rm -rf "$out"
exit $fail
