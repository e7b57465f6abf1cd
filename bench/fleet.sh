#!/usr/bin/env bash
# make bench, part 5: bench/fleet.sh [N] - N simulated endpoints (sacm-fleet)
# through the whole pipeline of a native lab, every daemon and the
# simulator on this machine: on Prosody, or with BENCH_FLEET_BROKER=ejabberd
# on ejabberd, one node or a cluster of BENCH_FLEET_NODES (the daemons
# spread over the nodes; make bench runs all three).
#
# The lab is `sacm-lab up` with its three target trees; the SSG Debian 11
# datastream is published and each tree's posture report becomes a
# template; sacm-fleet then announces N endpoints on an account of its own
# (SACM_LAB_UNLIMITED: not rate-limited, it stands for N collectors), and
# the clock starts when an operator approves them: each approved endpoint
# is assessed on the published policy (collection request, report,
# storage, evaluation, result) with no other step.  Printed: the time from
# the approval to the last stored result, endpoints/s, p50/p99 time per
# endpoint (approval to its result), every daemon's peak RSS, bytes stored
# per evaluation in each repository and the upload service, the broker's
# CPU time and each daemon's (its evaluations included); the anchor is
# one live oscap-chroot scan of a tree, in the same run.  Last line: "fleet N endpoints: T s, R endpoints/s, B
# bytes/evaluation".  Needs root (target trees).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
N=${1:-${BENCH_FLEET:-300}}
BROKER=${BENCH_FLEET_BROKER:-prosody} NODES=${BENCH_FLEET_NODES:-1}
if [ "$(id -u)" != 0 ]; then
	echo "fleet bench skipped: target trees need root"
	exit 77
fi
W=$(mktemp -d /tmp/sacm-bench-fleet-XXXXXX)
chmod 755 "$W"
L=$W/lab
FPID=
cleanup() {
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null
	"$BIN/sacm-lab" down --dir "$L" >/dev/null 2>&1 || true
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
wait_for() { local n=$(($1 * 4)); shift; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.25; n=$((n - 1)); done; return 1; }
say() { printf 'fleet bench: %s\n' "$*" >&2; }

SACM_LAB_UNLIMITED=fleet "$BIN/sacm-lab" up --dir "$L" --broker "$BROKER" \
    --nodes "$NODES" > "$W/up.out" 2>&1 ||
    { cat "$W/up.out"; echo "fleet bench: the lab did not start"; exit 1; }
export SACM_CONFIG=$L/accounts/ctl.conf
S=$BIN/sacmctl
DS=/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml
PROFILE=xccdf_org.ssgproject.content_profile_standard
TREES=(installed hardened misconfigured)
declare -A MID
for t in "${TREES[@]}"; do MID[$t]=$(cat "$L/targets/$t/etc/machine-id"); done
ID=$("$S" policy publish "$DS" 2>/dev/null | awk '/^accepted/ {print $3}')
for t in "${TREES[@]}"; do
	wait_for 300 "$S" items sacm/results --id "${MID[$t]}/$ID/$PROFILE" >/dev/null 2>&1 ||
	    { echo "fleet bench: no result for the $t tree"; exit 1; }
done
"$S" items sacm/posture -n 50 --json > "$W/posture.json"
for t in "${TREES[@]}"; do
	/usr/bin/python3 tests/targets/fleet_template.py "$W/posture.json" "${MID[$t]}" "$W/tmpl-$t.xml"
done

# The anchor: one live scan of a tree, as oscap-chroot runs it.
echo 'Dir::Etc::parts "/nonexistent";' > "$W/apt.conf"
t0=$(date +%s.%N)
APT_CONFIG=$W/apt.conf oscap-chroot "$L/targets/hardened" xccdf eval --profile "$PROFILE" \
    --results "$W/live.xml" "$DS" >/dev/null 2>&1 || true
oscap_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')

FC=$("$BIN/sacm-lab" account fleet collector --dir "$L")
{ cat "$FC"; echo "endpoints = $N"; echo "prefix = fleet"
  echo "templates = $W/tmpl-installed.xml $W/tmpl-hardened.xml $W/tmpl-misconfigured.xml"; } > "$W/fleet.conf"
"$BIN/sacm-fleet" -f "$W/fleet.conf" > "$W/fleet.log" 2>&1 &
FPID=$!
wait_for 600 grep -q "$N endpoints announced" "$W/fleet.log" ||
    { tail -5 "$W/fleet.log"; echo "fleet bench: not every endpoint announced"; exit 1; }
wait_for 600 bash -c "[ \$(grep -c 'endpoint fleet-[0-9]* .*announced\|endpoint fleet-[0-9]* approved' '$L/log/orchestrator.log') -ge $N ]" || true

# Before: what is stored, the broker's CPU time.
# (what does not exist counts 0: one node has no ejabberd-*/spool)
bytes() { { du -sb "$@" 2>/dev/null || true; } | awk '{s += $1} END {print s + 0}'; }
PS_DB=$L/data/posture-repo.sqlite RR_DB=$L/data/results-repo.sqlite
if [ "$BROKER" = prosody ]; then
	UP_DIR=$(ls -d "$L"/prosody/data/*upload* "$L"/prosody/data/http_file_share* 2>/dev/null | head -1 || true)
	BR_DB=("$L"/prosody/data/prosody.sqlite*)
	BPIDS=$(cat "$L/prosody/prosody.pid")
else	# every node's Mnesia; one upload directory for all
	UP_DIR=$L/ejabberd/upload
	BR_DB=("$L"/ejabberd/spool "$L"/ejabberd-*/spool)
	BPIDS=$(cat "$L"/ejabberd/ejabberd.pid "$L"/ejabberd-*/ejabberd.pid 2>/dev/null || true)
fi
ps0=$(bytes "$PS_DB"*) rr0=$(bytes "$RR_DB"*) up0=$(bytes ${UP_DIR:-/nonexistent}) br0=$(bytes "${BR_DB[@]}")
cpu() { local p t=0; for p in $BPIDS; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
bc0=$(cpu)
# A daemon's CPU time, its reaped children's (the evaluations) included.
dcpu() { awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat" 2>/dev/null || echo 0; }
declare -A dc0
for d in policy-repo orchestrator posture-repo evaluator-1 evaluator-2 results-repo audit; do
	[ -s "$L/run/$d.pid" ] && dc0[$d]=$(dcpu "$(cat "$L/run/$d.pid")")
done
fc0=$(dcpu "$FPID")

ids=()
for i in $(seq 1 "$N"); do ids+=("$(printf 'fleet-%06d' "$i")"); done
start=$(date +%s.%N)
"$S" endpoints approve "${ids[@]}" > /dev/null || { echo "fleet bench: approval refused"; exit 1; }
# Results stored so far, read from the repository's database (read-only):
# a full listing over the grid every 2 s was itself load on a repository
# behind at 10,000. The last listing below is the grid's.
count() {
	/usr/bin/python3 - "$RR_DB" "$ID" <<'P' 2>/dev/null || echo 0
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
print(db.execute("SELECT count(*) FROM current WHERE policy = ? AND "
                 "endpoint LIKE 'fleet-%'", (sys.argv[2],)).fetchone()[0])
P
}
# One results query while the repository is busiest (half the results
# in): answered on a session of its own, it should not wait behind the
# notifications.
qsecs=-
query_busy() {
	local t0 t1
	t0=$(date +%s.%N)
	"$S" results history fleet-000001 --json > /dev/null 2>&1 || { qsecs="failed"; return; }
	t1=$(date +%s.%N)
	qsecs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}')
}
last=-1 stall=0
while :; do
	n=$(count)
	[ "$n" -ge "$N" ] && break
	[ "$qsecs" = - ] && [ "$n" -ge $((N / 2)) ] && query_busy
	if [ "$n" = "$last" ]; then
		stall=$((stall + 1))
		[ $stall -ge 150 ] && { echo "fleet bench: stuck at $n of $N results for 5 minutes"; exit 1; }
	else
		stall=0; last=$n; say "$n of $N results"
	fi
	sleep 2
done
end=$(date +%s.%N)
"$S" results --policy "$ID" --json > "$W/results.json"

secs=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b - a}')
rate=$(awk -v n="$N" -v s="$secs" 'BEGIN{printf "%.1f", n / s}')
read -r p50 p99 < <(/usr/bin/python3 - "$W/results.json" "$start" <<'P'
import json, sys
from datetime import datetime, timezone
t0 = float(sys.argv[2])
d = sorted(datetime.strptime(r["evaluated"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp() - t0
           for r in json.load(open(sys.argv[1])) if r["endpoint"].startswith("fleet-"))
q = lambda p: d[min(len(d) - 1, int(p * len(d)))]
print("%.1f %.1f" % (q(0.50), q(0.99)))
P
)
ps1=$(bytes "$PS_DB"*) rr1=$(bytes "$RR_DB"*) up1=$(bytes ${UP_DIR:-/nonexistent}) br1=$(bytes "${BR_DB[@]}")
bc1=$(cpu)
hz=$(getconf CLK_TCK)

what=$BROKER
[ "$NODES" -gt 1 ] && what="$BROKER, $NODES-node cluster"
printf '\n%-40s %12s\n' "fleet: $N simulated endpoints ($what)" "value"
printf '%-40s %12s\n' "approval to last result (s)" "$secs"
printf '%-40s %12s\n' "endpoints/s" "$rate"
printf '%-40s %12s\n' "p50 approval to result (s)" "$p50"
printf '%-40s %12s\n' "p99 approval to result (s)" "$p99"
printf '%-40s %12s\n' "a results query, half way (s)" "$qsecs"
printf '%-40s %12s\n' "anchor: one oscap-chroot scan (s)" "$oscap_s"
printf '%-40s %12s\n' "... N of them one after another (s)" "$(awk -v n="$N" -v s="$oscap_s" 'BEGIN{printf "%.0f", n * s}')"
printf '%-40s %12s\n' "broker CPU time (s)" "$(awk -v a="$bc0" -v b="$bc1" -v h="$hz" 'BEGIN{printf "%.1f", (b - a) / h}')"
i=0
for p in $BPIDS; do	# each broker node's, its heap's settings included
	i=$((i + 1))
	kb=$(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
	printf '%-40s %12s\n' "peak RSS broker node $i (MB)" "$(awk -v k="$kb" 'BEGIN{printf "%.1f", k / 1024}')"
done
for d in policy-repo orchestrator posture-repo evaluator-1 evaluator-2 results-repo audit; do
	f=$L/run/$d.pid
	[ -s "$f" ] || continue
	kb=$(awk '/VmHWM/ {print $2}' "/proc/$(cat "$f")/status" 2>/dev/null || echo 0)
	printf '%-40s %12s\n' "peak RSS $d (MB)" "$(awk -v k="$kb" 'BEGIN{printf "%.1f", k / 1024}')"
	printf '%-40s %12s\n' "CPU time $d (s)" "$(awk -v a="${dc0[$d]:-0}" -v b="$(dcpu "$(cat "$f")")" -v h="$hz" 'BEGIN{printf "%.1f", (b - a) / h}')"
done
kb=$(awk '/VmHWM/ {print $2}' "/proc/$FPID/status")
printf '%-40s %12s\n' "peak RSS sacm-fleet (MB)" "$(awk -v k="$kb" 'BEGIN{printf "%.1f", k / 1024}')"
printf '%-40s %12s\n' "CPU time sacm-fleet (s)" "$(awk -v a="$fc0" -v b="$(dcpu "$FPID")" -v h="$hz" 'BEGIN{printf "%.1f", (b - a) / h}')"
per() { awk -v a="$1" -v b="$2" -v n="$N" 'BEGIN{printf "%.0f", (b - a) / n}'; }
printf '%-40s %12s\n' "bytes/evaluation posture-repo" "$(per "$ps0" "$ps1")"
printf '%-40s %12s\n' "bytes/evaluation results-repo" "$(per "$rr0" "$rr1")"
printf '%-40s %12s\n' "bytes/evaluation upload service" "$(per "$up0" "$up1")"
printf '%-40s %12s\n' "bytes/evaluation broker (pubsub items)" "$(per "$br0" "$br1")"
echo "($what)"
total=$(awk -v a="$((ps1 - ps0 + rr1 - rr0 + up1 - up0))" -v n="$N" 'BEGIN{printf "%.0f", a / n}')
echo "fleet $N endpoints: $secs s, $rate endpoints/s, $total bytes/evaluation"
