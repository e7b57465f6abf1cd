# Shared by tests/targets/*.sh (source it first): the repository root as
# working directory, BIN, check/wait_for (tests/integration/lib.sh), a
# skip (exit 77) without root (the target trees need debootstrap), and a fresh work
# directory W readable by the lab's unprivileged broker.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
. tests/integration/lib.sh
if [ "$(id -u)" != 0 ]; then
	echo "skip: target trees need root (debootstrap)"
	exit 77
fi
W=$(mktemp -d "/tmp/sacm-$(basename "$0" .sh)-XXXXXX")
chmod 755 "$W"

# A broker-only lab in $L with the target trees in $W/t (for the suites
# that start the daemons they test themselves), and what they share.
L=$W/lab
S=$BIN/sacmctl
DS=/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml
PROFILE=xccdf_org.ssgproject.content_profile_standard
ORCH=$L/accounts/orchestrator.conf
PIDS=()
declare -A DPID
echo 'Dir::Etc::parts "/nonexistent";' > "$W/apt.conf"
broker_lab() {
	"$BIN/sacm-targets" build "$W/t" >/dev/null 2>"$W/build.err" ||
	    { cat "$W/build.err"; exit 1; }
	"$BIN/sacm-lab" up --dir "$L" --broker "${SACM_TEST_BROKER:-prosody}" \
	    --broker-only >/dev/null 2>&1 ||
	    { echo "lab did not start"; exit 1; }
	export SACM_CONFIG=$L/accounts/ctl.conf
}
# Stops what daemon started and the lab; shows the logs when a check
# failed.  KEEP=1 leaves everything as it is, for debugging.
broker_lab_down() {
	[ -n "${KEEP:-}" ] && return
	kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null
	"$BIN/sacm-lab" down --dir "$L" >/dev/null 2>&1
	[ "$fails" = 0 ] || for f in "$W"/*.log; do echo "== $f"; tail -20 "$f"; done
	rm -rf "$W"
}
# daemon NAME PROGRAM ACCOUNT [SETTING...]: $W/NAME.conf from the
# account's grid settings and the settings given, PROGRAM started with it
# (log $W/NAME.log, its pid in DPID[NAME] and PIDS), and once it logs that
# it is ready.
daemon() {
	local name=$1 prog=$2 account=$3 s n
	shift 3
	{ cat "$L/accounts/$account.conf"; for s in "$@"; do echo "$s"; done; } \
	    > "$W/$name.conf"
	n=$(lines "$W/$name.log")
	"$BIN/$prog" -f "$W/$name.conf" >> "$W/$name.log" 2>&1 &
	DPID[$name]=$!
	PIDS+=($!)
	ready_since "$W/$name.log" "$n" 60 ||
	    { echo "$prog ($name) did not get ready"; tail -5 "$W/$name.log"; }
}
