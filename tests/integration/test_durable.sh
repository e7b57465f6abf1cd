#!/usr/bin/env bash
# Durability: on a full disk a repository keeps a report or result it
# could not store, and stores it once there is room again, never
# rejecting it for good (shared/retry.c; the items persist on their
# topics).  The repositories' data directory is a small tmpfs filled to
# the last byte.  Root only (mount).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then echo "skip: mounting a tmpfs needs root"; exit 77; fi
umount "$SACM_LAB_DIR/durable-test/data" 2>/dev/null
lab_test durable-test
D=$W/data
mkdir -p "$D"
mount -t tmpfs -o size=2m tmpfs "$D" || { echo "FAIL cannot mount a tmpfs"; exit 1; }
trap 'kill $pp $rp 2>/dev/null; wait 2>/dev/null; umount "$D"' EXIT

{ grep -v '^ *\(db\|log_level\) *=' "$A/posture-repo.conf"
  echo "db = $D/ps.sqlite"; echo "require_approval = no"; } > "$W/ps.conf"
{ grep -v '^ *\(db\|log_level\) *=' "$A/results-repo.conf"
  echo "db = $D/rr.sqlite"; } > "$W/rr.conf"
"$BIN/sacm-posture-repo" -f "$W/ps.conf" > "$W/ps.log" 2>&1 &
pp=$!
"$BIN/sacm-results-repo" -f "$W/rr.conf" > "$W/rr.log" 2>&1 &
rp=$!
check "the posture repository gets ready on the small disk" ready_since "$W/ps.log" 0
check "... and the results repository" ready_since "$W/rr.log" 0
ep=durable-$$
printf "<endpoint xmlns='http://sacm-grid.dev/protocol/1' id='%s' hostname='d' platform='cpe:/o:debian:debian_linux:11' collector='collector-1@%s/sacm-collector'/>" "$ep" "$DOMAIN" > "$W/ep.xml"
$H publish "$A/collector-1.conf" sacm/endpoints "$ep" "$W/ep.xml" >> "$W/publish.out" 2>&1
check "an endpoint is stored while there is room" wait_for 15 grep -q "endpoint $ep (d," "$W/ps.log"
req=e-durable-$$ pol=$(printf '%064d' 7)
printf "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1' endpoint='%s' assessment='a-%s' profile='p' evaluator='evaluator-1@%s'><policy id='%s' kind='datastream'/></evaluation-request>" "$ep" "$req" "$DOMAIN" "$pol" > "$W/req.xml"
$H publish "$A/orchestrator.conf" sacm/evaluation/requests "$req" "$W/req.xml" >> "$W/publish.out" 2>&1

dd if=/dev/zero of="$D/fill" bs=4k 2>/dev/null
check "the disk is full" test "$(df --output=avail "$D" | tail -1 | tr -d ' ')" = 0
printf "<posture-report xmlns='http://sacm-grid.dev/protocol/1' endpoint='%s' request='r1' policy='%s' reason='request' state='failed' sequence='1' collected='2026-12-01T00:00:00Z'><reason>disk test</reason></posture-report>" "$ep" "$pol" > "$W/rep.xml"
$H publish "$A/collector-1.conf" sacm/posture "$ep/r1" "$W/rep.xml" >> "$W/publish.out" 2>&1
printf "<evaluation-result xmlns='http://sacm-grid.dev/protocol/1' state='failed' endpoint='%s' policy='%s' profile='p' assessment='a-%s'><reason>disk test</reason></evaluation-result>" "$ep" "$pol" "$req" > "$W/res.xml"
$H publish "$A/evaluator-1.conf" sacm/evaluation/results "$req" "$W/res.xml" >> "$W/publish.out" 2>&1
check "a report that does not fit is kept, not rejected" wait_for 15 grep -q "sacm/posture/$ep/r1 not stored (the database refused it); kept" "$W/ps.log"
check "... the log says why" grep -q "storing report $ep/r1: database or disk is full" "$W/ps.log"
check "... and so is a result" wait_for 15 grep -q "result $req not stored (.*); kept, to be taken again" "$W/rr.log"
check "... neither was rejected" bash -c "! grep -q 'rejected.*\($ep\|$req\)' '$W/ps.log' '$W/rr.log'"
rm -f "$D/fill"
check "with room again, the report is stored" wait_for 30 grep -q "report $ep/r1 stored" "$W/ps.log"
check "... and the result" wait_for 30 grep -q "result $req stored: endpoint $ep, failed" "$W/rr.log"
check "the posture repository answers for it" bash -c "'$S' posture show '$ep' --history --json | grep -q '\"request\":\"r1\"'"
check "the repositories stayed up" bash -c "kill -0 $pp && kill -0 $rp"
for db in ps rr; do
	ic=$(sqlite3 "$D/$db.sqlite" 'pragma integrity_check' 2>&1)
	check "$db.sqlite passes integrity_check ($ic)" test "$ic" = ok
done
$H retract "$A/admin.conf" sacm/endpoints "$ep" >> "$W/publish.out" 2>&1
$H retract "$A/admin.conf" sacm/posture "$ep/r1" >> "$W/publish.out" 2>&1
$H retract "$A/orchestrator.conf" sacm/evaluation/requests "$req" >> "$W/publish.out" 2>&1
$H retract "$A/evaluator-1.conf" sacm/evaluation/results "$req" >> "$W/publish.out" 2>&1
[ "$fails" = 0 ] || tail -n 15 "$W/ps.log" "$W/rr.log"
exit $((fails > 0))
