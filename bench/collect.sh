#!/usr/bin/env bash
# make bench, part 2: the collector against `oscap oval collect` on the
# same bullseye tree and policy (time and peak memory), and the posture
# repository's ingest rate with real reports.  Needs root (target trees).
#
# The collector's figures are its own, from its reports: duration-ms
# (fetching the policy is cached after the first request, so the best of
# the rounds is the collection) and max-rss-kb (peak RSS of the process
# that collects).  oscap's are two runs (the profile's OVAL with the
# variables, then the CPE-OVAL), summed for time, max for memory; the
# collector does both of those and the dpkg inventory in one job.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
ROUNDS=${BENCH_ROUNDS:-3}
NREPORTS=${BENCH_REPORTS:-50}
if [ "$(id -u)" != 0 ]; then
	echo "collector bench skipped: target trees need root"
	exit 77
fi
W=$(mktemp -d /tmp/sacm-bench-collect-XXXXXX)
chmod 755 "$W"
L=$W/lab
PIDS=()
cleanup() {
	kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true
	"$BIN/sacm-lab" down --dir "$L" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
"$BIN/sacm-targets" build "$W/t" >/dev/null 2>&1
"$BIN/sacm-lab" up --dir "$L" --broker-only >/dev/null 2>&1
export SACM_CONFIG=$L/accounts/ctl.conf
S=$BIN/sacmctl
DS=/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml
PROFILE=xccdf_org.ssgproject.content_profile_standard
TREE=$W/t/hardened
MID=$(cat "$TREE/etc/machine-id")
echo 'Dir::Etc::parts "/nonexistent";' > "$W/apt.conf"
wait_for() { local n=$(($1 * 4)); shift; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.25; n=$((n - 1)); done; return 1; }

{ cat "$L/accounts/policy-repo.conf"; echo "db = $W/pr.sqlite"; } > "$W/pr.conf"
"$BIN/sacm-policy-repo" -f "$W/pr.conf" > "$W/pr.log" 2>&1 & PIDS+=($!)
{ cat "$L/accounts/collector-1.conf"; echo "root = $TREE"; echo "apt_config = $W/apt.conf"
  echo "state_dir = $W/state"; echo "watch = no"; } > "$W/col.conf"
"$BIN/sacm-collector" -f "$W/col.conf" > "$W/col.log" 2>&1 & PIDS+=($!)
ID=$("$S" policy publish "$DS" 2>/dev/null | awk '/^accepted/ {print $3}')
ANN=$("$S" items sacm/policy --id "$ID" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"])')
best_ms=999999999 best_kb=999999999
for r in $(seq 1 "$ROUNDS"); do
	echo "<collection-request xmlns='http://sacm-grid.dev/protocol/1' profile='$PROFILE'><endpoint id='$MID'/>$ANN</collection-request>" > "$W/req.xml"
	SACM_CONFIG=$L/accounts/orchestrator.conf "$S" publish sacm/collection/requests "$W/req.xml" --id "bench-$r" >/dev/null
	wait_for 300 bash -c "'$S' items sacm/posture --id '$MID/bench-$r' > '$W/rep.xml' 2>/dev/null" ||
	    { echo "collector bench: no report"; exit 1; }
	ms=$(grep -o 'duration-ms="[0-9]*"' "$W/rep.xml" | tr -dc 0-9)
	kb=$(grep -o 'max-rss-kb="[0-9]*"' "$W/rep.xml" | tr -dc 0-9)
	[ "$ms" -lt "$best_ms" ] && best_ms=$ms
	[ "$kb" -lt "$best_kb" ] && best_kb=$kb
done

# oscap on the same tree, the same OVAL and variables.
ASAN_OPTIONS=detect_leaks=0 "$BUILD/tests/collect_tool" "$DS" "$PROFILE" "$TREE" "$W" >/dev/null
run_oscap() {	# prints "seconds maxrss_kb" for one oscap run
	/usr/bin/python3 - "$@" <<'P'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print("%.0f %d" % ((time.monotonic() - t) * 1000, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
P
}
o_ms=999999999 o_kb=999999999
for r in $(seq 1 "$ROUNDS"); do
	read -r a ka < <(APT_CONFIG=$W/apt.conf OSCAP_PROBE_ROOT=$TREE run_oscap oscap oval collect \
	    --variables "$W/variables.xml" --syschar "$W/ref.xml" "$W/oval.xml")
	read -r b kb < <(APT_CONFIG=$W/apt.conf OSCAP_PROBE_ROOT=$TREE run_oscap oscap oval collect \
	    --syschar "$W/cpe-ref.xml" "$W/cpe-oval.xml")
	t=$((a + b)); m=$((ka > kb ? ka : kb))
	[ "$t" -lt "$o_ms" ] && o_ms=$t
	[ "$m" -lt "$o_kb" ] && o_kb=$m
done
printf '\n%-34s %10s %12s\n' "collection (hardened tree, standard)" "ms" "peak MB"
printf '%-34s %10s %12.1f\n' "sacm-collector (job)" "$best_ms" "$(awk -v k="$best_kb" 'BEGIN{print k / 1024}')"
printf '%-34s %10s %12.1f\n' "oscap oval collect (oval + cpe)" "$o_ms" "$(awk -v k="$o_kb" 'BEGIN{print k / 1024}')"

# Ingest: NREPORTS real reports (the blobs of the last one, new item ids)
# wait on the topic; a fresh posture repository takes them all in.
"$S" items sacm/posture --id "$MID/bench-$ROUNDS" --json |
    /usr/bin/python3 -c 'import json,sys,re; print(re.sub(r"request=\"bench-[0-9]+\"", "request=\"REQ\"", json.load(sys.stdin)["payload"]))' > "$W/tmpl.xml"
C1=$L/accounts/collector-1.conf
for i in $(seq 1 "$NREPORTS"); do
	sed "s/REQ/ingest-$i/" "$W/tmpl.xml" > "$W/r.xml"
	SACM_CONFIG=$C1 "$S" publish sacm/posture "$W/r.xml" --id "$MID/ingest-$i" >/dev/null
done
{ cat "$L/accounts/posture-repo.conf"; echo "db = $W/ps.sqlite"
  echo "catchup_items = $((NREPORTS + ROUNDS + 10))"
  echo "require_approval = no"; } > "$W/ps.conf"
start=$(date +%s.%N)
"$BIN/sacm-posture-repo" -f "$W/ps.conf" > "$W/ps.log" 2>&1 & PIDS+=($!)
want=$((NREPORTS + ROUNDS))
wait_for 600 bash -c "[ \$(grep -c ' stored (' '$W/ps.log') -ge $want ]" || { echo "ingest: only $(grep -c ' stored (' "$W/ps.log") of $want stored"; exit 1; }
end=$(date +%s.%N)
first=$(grep -m1 ' ready: ' "$W/ps.log" | cut -d' ' -f1)
last=$(grep ' stored (' "$W/ps.log" | tail -1 | cut -d' ' -f1)
secs=$(/usr/bin/python3 -c "from datetime import datetime as d; import sys; f=lambda s: d.strptime(s, '%Y-%m-%dT%H:%M:%S.%fZ'); print((f(sys.argv[2]) - f(sys.argv[1])).total_seconds())" "$first" "$last")
# XSD validation of that collection: libopenscap loads the schema for
# every document; the posture repository parses it once per process.
read -r _ x_oscap x_ours < <("$BUILD/bench/bench_xsd" "$W/ref.xml" 20)
printf '\n%-34s %10s\n' "XSD check of one collection" "ms"
printf '%-34s %10s\n' "oscap_source_validate (anchor)" "$x_oscap"
printf '%-34s %10s\n' "posture-repo (parse+XSD+digest)" "$x_ours"
printf '\n%-34s %10s %12s\n' "posture-repo ingest" "reports" "reports/s"
printf '%-34s %10s %12.1f\n' "fetch+verify+XSD+store+announce" "$want" "$(awk -v n="$want" -v s="$secs" 'BEGIN{print n / s}')"

# Results: one real evaluation by the evaluator, then NREPORTS copies of
# its result (new ids) taken in by a fresh results repository.
{ cat "$L/accounts/evaluator-1.conf"; echo "state_dir = $W/ev"; } > "$W/ev.conf"
"$BIN/sacm-evaluator" -f "$W/ev.conf" > "$W/ev.log" 2>&1 & PIDS+=($!)
wait_for 60 bash -c "'$S' items sacm/posture/stored --id '$MID/bench-$ROUNDS' --json > '$W/st.json' 2>/dev/null"
ST=$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"])' < "$W/st.json")
echo "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1' endpoint='$MID' profile='$PROFILE' evaluator='evaluator-1@grid.test'>$ANN$ST</evaluation-request>" > "$W/ereq.xml"
SACM_CONFIG=$L/accounts/orchestrator.conf "$S" publish sacm/evaluation/requests "$W/ereq.xml" --id bench-e >/dev/null
wait_for 120 bash -c "'$S' items sacm/evaluation/results --id bench-e --json > '$W/er.json' 2>/dev/null" ||
    { echo "results bench: no evaluation"; exit 1; }
/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"])' < "$W/er.json" > "$W/er.xml"
for i in $(seq 1 "$NREPORTS"); do
	SACM_CONFIG=$L/accounts/evaluator-1.conf "$S" publish sacm/evaluation/results "$W/er.xml" --id "ingest-$i" >/dev/null
done
{ cat "$L/accounts/results-repo.conf"; echo "db = $W/rr.sqlite"
  echo "catchup_items = $((NREPORTS + 10))"; } > "$W/rr.conf"
"$BIN/sacm-results-repo" -f "$W/rr.conf" > "$W/rr.log" 2>&1 & PIDS+=($!)
want=$((NREPORTS + 1))
wait_for 600 bash -c "[ \$(grep -c ' stored: ' '$W/rr.log') -ge $want ]" || { echo "results ingest: only $(grep -c ' stored: ' "$W/rr.log") of $want"; exit 1; }
first=$(grep -m1 ' ready: ' "$W/rr.log" | cut -d' ' -f1)
last=$(grep ' stored: ' "$W/rr.log" | tail -1 | cut -d' ' -f1)
secs=$(/usr/bin/python3 -c "from datetime import datetime as d; import sys; f=lambda s: d.strptime(s, '%Y-%m-%dT%H:%M:%S.%fZ'); print((f(sys.argv[2]) - f(sys.argv[1])).total_seconds())" "$first" "$last")
printf '\n%-34s %10s %12s\n' "results-repo ingest" "results" "results/s"
printf '%-34s %10s %12.1f\n' "fetch ARF+store+current+incidents" "$want" "$(awk -v n="$want" -v s="$secs" 'BEGIN{print n / s}')"
