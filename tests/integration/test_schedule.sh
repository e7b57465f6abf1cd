#!/usr/bin/env bash
# Assessments that wait do not starve the others (the orchestrator's
# due-time scheduling), on the lab of run.sh with slixmpp (hostile.py) as
# the endpoints' collectors:
#  - 40 endpoints whose collector is offline, each with an assessment
#    waiting for it (more than the orchestrator looks at in one turn);
#  - an endpoint announced after them, whose collector is online, gets
#    its collection request at once all the same (before, the 32 oldest
#    waiting assessments filled every turn and it never did);
#  - an offline endpoint that comes back is assessed at once.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lab_test schedule-test
NS=http://sacm-grid.dev/protocol/1
{ grep -v '^ *\(db\|log_level\) *=' "$A/orchestrator.conf"
  echo "db = $W/orch.sqlite"; echo "auto_approve = yes"; } > "$W/orch.conf"
"$BIN/sacm-orchestrator" -f "$W/orch.conf" > "$W/orch.log" 2>&1 &
op=$!
hp=
cleanup() {
	kill $op $hp 2>/dev/null; wait 2>/dev/null
	[ "$fails" = 0 ] || tail -25 "$W/orch.log"
}
trap cleanup EXIT
check "the orchestrator gets ready" ready_since "$W/orch.log" 0
ann() {	# account endpoint resource
	printf "<endpoint xmlns='%s' id='%s' hostname='h-%s' platform='cpe:/o:debian:debian_linux:11' collector='%s@%s/%s'/>" "$NS" "$2" "$2" "$1" "$DOMAIN" "$3" > "$W/ann-$2.xml"
	$H publish "$A/$1.conf" sacm/endpoints "$2" "$W/ann-$2.xml" >> "$W/publish.out" 2>&1
}
t=sched-$$-$RANDOM
off=()
for i in $(seq 1 40); do off+=("$t-off-$i"); ann collector-2 "$t-off-$i" sacm-collector; done
"$S" endpoints approve "${off[@]}" > /dev/null 2>&1
check "40 endpoints of an account are approved" wait_for 30 bash -c "[ \$(grep -c 'endpoint $t-off-[0-9]* approved' '$W/orch.log') -ge 40 ]"
p=$(printf '%s' "$t" | sha256sum | cut -c1-64)
printf "<policy xmlns='%s' id='%s' kind='datastream' name='x.xml' benchmark='xccdf_test_benchmark_%s' source='operator' submitted-by='ctl@%s' trusted='true'><platform cpe='cpe:/o:debian:debian_linux:11'/><profile id='xccdf_test_profile_standard' rules='1'/></policy>" "$NS" "$p" "$t" "$DOMAIN" > "$W/pol.xml"
$H publish "$A/policy-repo.conf" sacm/policy "$p" "$W/pol.xml" >> "$W/publish.out" 2>&1
waiting() { [ "$(grep -c "assessment .*: requested: endpoint offline since" "$W/orch.log")" -ge 40 ]; }
check "a policy: each of them waits for its endpoint (offline)" wait_for 60 waiting
sleep 3		# every turn now starts with the waiting ones

# A collector that is online (slixmpp answers disco#info), and its endpoint.
$H hold "$A/collector-1.conf" sacm/collection/requests 120 > "$W/hold.out" 2>&1 &
hp=$!
check "an online collector subscribes to the collection requests" wait_for 20 grep -q "hostile: subscribed" "$W/hold.out"
ann collector-1 "$t-on" hostile-hold
# (its account may have an approved endpoint already: an operator's)
wait_for 15 grep -q "endpoint $t-on " "$W/orch.log"
"$S" endpoints approve "$t-on" > /dev/null 2>&1
collecting() {	# endpoint
	"$S" assessments --json 2>/dev/null | /usr/bin/python3 -c "
import json, sys
sys.exit(not any(r.get('endpoint') == '$1' and r.get('state') == 'collecting' for r in json.load(sys.stdin)))"
}
check "an endpoint announced after them gets its collection request at once" wait_for 15 collecting "$t-on"

# One of the offline endpoints comes back: its collector logs in (slixmpp)
# and announces it again.
kill $hp 2>/dev/null; wait $hp 2>/dev/null
$H hold "$A/collector-2.conf" sacm/collection/requests 60 > "$W/hold2.out" 2>&1 &
hp=$!
check "an offline collector comes online" wait_for 20 grep -q "hostile: subscribed" "$W/hold2.out"
ann collector-2 "$t-off-7" hostile-hold
check "... its endpoint is assessed at once (no wait for the next check)" wait_for 10 collecting "$t-off-7"
check "the orchestrator stayed up" kill -0 $op
# Leave the lab's topics as they were.
$H retract "$A/policy-repo.conf" sacm/policy "$p" >> "$W/publish.out" 2>&1
for e in "${off[@]}" "$t-on"; do
	"$S" -c "$A/admin.conf" retract sacm/endpoints "$e" > /dev/null 2>&1
done
exit $((fails > 0))
