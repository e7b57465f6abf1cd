#!/usr/bin/env bash
# Liveness from presence (services/orchestrator/orch_presence.c), on the
# lab of run.sh:
#  - the orchestrator asks each evaluator for its presence; a real
#    sacm-evaluator accepts and is seen coming and going by presence;
#  - an approved endpoint's account is asked too: its collector (slixmpp,
#    tests/integration/hostile.py, which accepts as any client does) is
#    seen online, and offline the moment its session ends, by presence;
#  - a daemon of ours accepts a presence subscription only from its
#    presence_allow (default: the orchestrator): another account, here a
#    collector's, is refused (hostile.py subscribe).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lab_test presence-test
{ grep -v '^ *\(db\|log_level\) *=' "$A/orchestrator.conf"
  echo "db = $W/orch.sqlite"; echo "auto_approve = yes"; } > "$W/orch.conf"
{ cat "$A/evaluator-1.conf"; echo "state_dir = $W/ev"; } > "$W/ev.conf"
mkdir -p "$W/ev"
chmod 700 "$W/ev"
op= ep= hp=
cleanup() {
	kill $op $ep $hp 2>/dev/null; wait 2>/dev/null
	[ "$fails" = 0 ] || { tail -20 "$W/orch.log"; tail -5 "$W/ev.log"; }
}
trap cleanup EXIT
"$BIN/sacm-orchestrator" -f "$W/orch.conf" > "$W/orch.log" 2>&1 &
op=$!
check "the orchestrator gets ready" ready_since "$W/orch.log" 0
check "... and asks the evaluators for their presence" wait_for 10 grep -q "presence asked of 2 evaluators" "$W/orch.log"
"$BIN/sacm-evaluator" -f "$W/ev.conf" > "$W/ev.log" 2>&1 &
ep=$!
check "an evaluator gets ready" ready_since "$W/ev.log" 0
check "... and the orchestrator sees it by its presence" wait_for 20 grep -q "evaluator evaluator-1@$DOMAIN/sacm-evaluator available (presence)" "$W/orch.log"

# Another account asks the evaluator for its presence: refused.
$H subscribe "$A/collector-2.conf" "evaluator-1@$DOMAIN" > "$W/sub.out" 2>&1
check "a collector's account may not see the evaluator's presence" grep -q "hostile: no presence of evaluator-1@$DOMAIN" "$W/sub.out"
check "... and the evaluator says so" grep -q "presence subscription of collector-2@$DOMAIN refused" "$W/ev.log"

kill $ep; wait $ep 2>/dev/null; ep=
check "an evaluator that stops is gone at once (presence)" wait_for 10 grep -q "evaluator evaluator-1@$DOMAIN/sacm-evaluator gone (presence)" "$W/orch.log"

# A collector (slixmpp) with an endpoint the operator approves.
$H hold "$A/collector-1.conf" sacm/collection/requests 120 > "$W/hold.out" 2>&1 &
hp=$!
check "a collector logs in" wait_for 20 grep -q "hostile: subscribed" "$W/hold.out"
e=presence-$$-$RANDOM
printf "<endpoint xmlns='http://sacm-grid.dev/protocol/1' id='%s' hostname='h-%s' platform='cpe:/o:debian:debian_linux:11' collector='collector-1@%s/hostile-hold'/>" "$e" "$e" "$DOMAIN" > "$W/ann.xml"
$H publish "$A/collector-1.conf" sacm/endpoints "$e" "$W/ann.xml" > "$W/publish.out" 2>&1
wait_for 15 grep -q "endpoint $e " "$W/orch.log"
"$S" endpoints approve "$e" > /dev/null 2>&1
check "its approval has its account asked for its presence; it is seen online" wait_for 20 grep -q "collector collector-1@$DOMAIN/hostile-hold is online (presence)" "$W/orch.log"
kill $hp; wait $hp 2>/dev/null; hp=
check "... and offline the moment its session ends (presence)" wait_for 10 grep -q "collector collector-1@$DOMAIN/hostile-hold is offline (presence)" "$W/orch.log"
check "the orchestrator stayed up" kill -0 $op
"$S" -c "$A/admin.conf" retract sacm/endpoints "$e" > /dev/null 2>&1
exit $((fails > 0))
