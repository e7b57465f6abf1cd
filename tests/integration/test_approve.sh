#!/usr/bin/env bash
# Endpoints are approved, not trusted on first use (the orchestrator,
# docs/protocol.md "Approval"), tried with a client we did not write
# (slixmpp, hostile.py) on the lab of run.sh:
#  - auto_approve approves an account's first endpoint; its second waits;
#  - only an operator lists, approves and rejects (a collector account
#    asking the orchestrator is refused, and so is its assess request);
#  - a rejected endpoint's id is free for another account, pending again;
#  - an approved endpoint stays its account's;
#  - the posture repository follows the approvals: posture only for an
#    approved endpoint, from the account approved, and an id squatted
#    by one account and approved for another moves to that account.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lab_test approve-test
ORCH=orchestrator@$DOMAIN/sacm-orchestrator

{ grep -v '^ *\(db\|log_level\) *=' "$A/posture-repo.conf"
  echo "db = $W/ps.sqlite"; } > "$W/ps.conf"
"$BIN/sacm-posture-repo" -f "$W/ps.conf" > "$W/ps.log" 2>&1 &
pp=$!
check "the posture repository gets ready" ready_since "$W/ps.log" 0
{ grep -v '^ *\(db\|log_level\) *=' "$A/orchestrator.conf"
  echo "db = $W/orch.sqlite"; echo "auto_approve = yes"; } > "$W/orch.conf"
"$BIN/sacm-orchestrator" -f "$W/orch.conf" > "$W/orch.log" 2>&1 &
op=$!
check "the orchestrator gets ready" ready_since "$W/orch.log" 0
ann() {	# account endpoint
	printf "<endpoint xmlns='http://sacm-grid.dev/protocol/1' id='%s' hostname='h-%s' platform='cpe:/o:debian:debian_linux:11' collector='%s@%s/sacm-collector'/>" "$2" "$2" "$1" "$DOMAIN" > "$W/ann.xml"
	$H publish "$A/$1.conf" sacm/endpoints "$2" "$W/ann.xml" >> "$W/publish.out" 2>&1
}
report() {	# account endpoint request
	printf "<posture-report xmlns='http://sacm-grid.dev/protocol/1' endpoint='%s' request='%s' policy='p1' reason='request' state='failed' sequence='1' collected='2026-12-01T00:00:00Z'><reason>test</reason></posture-report>" "$2" "$3" > "$W/rep.xml"
	$H publish "$A/$1.conf" sacm/posture "$2/$3" "$W/rep.xml" >> "$W/publish.out" 2>&1
}
listed() {	# approval endpoint [collector]
	"$S" endpoints "$1" --json > "$W/list.json" 2>> "$W/list.err" &&
	    /usr/bin/python3 - "$W/list.json" "$2" "${3:-}" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
sys.exit(0 if any(r["id"] == sys.argv[2] and
                  (not sys.argv[3] or r["collector"].startswith(sys.argv[3] + "@"))
                  for r in rows) else 1)
PY
}
e1=first-$$-$RANDOM e2=second-$$-$RANDOM
ann collector-3 "$e1"
check "an account's first endpoint is approved (auto_approve)" wait_for 15 grep -q "endpoint $e1 approved by auto_approve" "$W/orch.log"
ann collector-3 "$e2"
check "its second endpoint waits for an operator" wait_for 15 grep -q "endpoint $e2 announced by collector-3@$DOMAIN waits for an operator" "$W/orch.log"
check "sacmctl endpoints pending lists it" listed pending "$e2" collector-3
check "... and approved lists the first" listed approved "$e1" collector-3
check "the posture repository learns both approvals" wait_for 15 bash -c "grep -q 'endpoint $e1: approved for collector-3@$DOMAIN by auto_approve' '$W/ps.log' && grep -q 'endpoint $e2: pending for collector-3@$DOMAIN' '$W/ps.log'"
report collector-3 "$e2" r1
check "... and refuses posture for the pending one" wait_for 15 grep -q "report $e2/r1 rejected: endpoint $e2 is pending, not approved" "$W/ps.log"

# A collector account is no operator.
printf "<approve xmlns='http://sacm-grid.dev/protocol/1/orchestrator'><endpoint id='%s'/></approve>" "$e2" > "$W/approve.xml"
check "a collector cannot approve an endpoint (forbidden)" bash -c "$H iq '$A/collector-3.conf' '$ORCH' set '$W/approve.xml' | grep -q 'refused: forbidden'"
printf "<endpoints xmlns='http://sacm-grid.dev/protocol/1/orchestrator'/>" > "$W/list.xml"
check "... nor list the approvals" bash -c "$H iq '$A/collector-3.conf' '$ORCH' get '$W/list.xml' | grep -q 'refused: forbidden'"
printf "<assess xmlns='http://sacm-grid.dev/protocol/1/orchestrator' policy='p'><endpoint id='%s'/></assess>" "$e2" > "$W/assess.xml"
check "... nor request an assessment" bash -c "$H iq '$A/collector-3.conf' '$ORCH' set '$W/assess.xml' | grep -q 'refused: forbidden'"
check "... and the endpoint is still pending" listed pending "$e2"

# Identifiers that would break out of the orchestrator's answer, from an
# operator's client: refused, nothing of theirs published, and the
# orchestrator's stream stays up.
inject="x'/></assessments></iq><iq type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='sacm/evaluation/requests'><item id='INJECTED'/></publish></pubsub></iq><x a='"
for bad in "$inject" "a<b" 'a"b' "a&b" "$(head -c 10000 /dev/zero | tr '\0' x)"; do
	/usr/bin/python3 - "$bad" "$W/inject.xml" <<'PY'
import sys
from xml.sax.saxutils import quoteattr
open(sys.argv[2], "w").write("<assess xmlns='http://sacm-grid.dev/protocol/1/orchestrator' policy='p'><endpoint id=%s/></assess>" % quoteattr(sys.argv[1]))
PY
	$H iq "$A/ctl.conf" "$ORCH" set "$W/inject.xml" >> "$W/inject.out" 2>&1
	/usr/bin/python3 - "$bad" "$W/inject.xml" <<'PY'
import sys
from xml.sax.saxutils import quoteattr
open(sys.argv[2], "w").write("<approve xmlns='http://sacm-grid.dev/protocol/1/orchestrator'><endpoint id=%s/></approve>" % quoteattr(sys.argv[1]))
PY
	$H iq "$A/ctl.conf" "$ORCH" set "$W/inject.xml" >> "$W/inject.out" 2>&1
done
check "hostile identifiers in an operator's request are refused (10 of 10)" test "$(grep -c 'refused: bad-request.*is not an identifier' "$W/inject.out")" = 10
check "... nothing of theirs was published" bash -c "! '$S' items sacm/evaluation/requests --id INJECTED >/dev/null 2>&1"
check "... and the orchestrator answers on" bash -c "'$S' endpoints pending --json >/dev/null"

# The operator decides.
check "the operator approves it" bash -c "'$S' endpoints approve '$e2' | grep -q '$e2 approved'"
check "... and it is approved" listed approved "$e2" collector-3
# An approval whose answer does not come in time (the orchestrator busy
# with a fleet's batch, or its session lost with the answer) is sent
# again: approving an approved endpoint changes nothing.
{ cat "$A/ctl.conf"; echo "iq_timeout_ms = 3000"; } > "$W/ctl-short.conf"
kill -STOP "$op"; (sleep 4; kill -CONT "$op") &
cont=$!
SACM_CONFIG=$W/ctl-short.conf "$S" endpoints approve "$e2" > "$W/again.out" 2> "$W/again.err"; rc=$?
wait "$cont"
check "an approval unanswered in time is sent again, and answered" bash -c "[ $rc = 0 ] && grep -q 'asking again' '$W/again.err' && grep -q '$e2 approved' '$W/again.out'"
report collector-3 "$e2" r2
check "... and its posture is stored" wait_for 15 grep -q "report $e2/r2 stored" "$W/ps.log"
check "the operator rejects the first" bash -c "'$S' endpoints reject '$e1' | grep -q '$e1 rejected'"
check "... and it is rejected" listed rejected "$e1"
"$S" endpoints approve "nope-$$" > /dev/null 2> "$W/unknown.err"; rc=$?
check "approving an unknown endpoint fails, saying so" bash -c "[ $rc = 1 ] && grep -q 'unknown endpoint' '$W/unknown.err'"
# A fleet's operator names hundreds at once: sacmctl sends them 256 at a
# time (the most the orchestrator takes in one request), each answered.
"$S" endpoints approve $(for i in $(seq 1 300); do printf 'nosuch-%d ' "$i"; done) 2> "$W/many.err" >/dev/null
check "approving 300 endpoints at once answers each of them" test "$(grep -c 'nosuch-[0-9]*: unknown endpoint' "$W/many.err")" = 300

# A rejected binding does not keep the id; an approved one does.
$H retract "$A/admin.conf" sacm/endpoints "$e1" >> "$W/publish.out" 2>&1
ann collector-2 "$e1"
check "another account may announce a rejected endpoint: pending again" wait_for 15 grep -q "endpoint $e1 (rejected for collector-3@$DOMAIN) announced by collector-2@$DOMAIN: pending again" "$W/orch.log"
check "... listed as pending, for that account" listed pending "$e1" collector-2
check "... and not approved automatically (an operator decided on it)" wait_for 10 grep -q "endpoint $e1 announced by collector-2@$DOMAIN waits for an operator.*decided on it before" "$W/orch.log"
report collector-2 "$e1" r3
check "posture for it is refused while it waits" wait_for 15 grep -q "report $e1/r3 rejected" "$W/ps.log"
"$S" endpoints approve "$e1" > /dev/null
check "approved for the new account, it moves there in the posture repository" wait_for 15 grep -q "endpoint $e1 now belongs to collector-2@$DOMAIN (approved)" "$W/ps.log"
report collector-2 "$e1" r4
check "... which stores its posture" wait_for 15 grep -q "report $e1/r4 stored" "$W/ps.log"
report collector-3 "$e1" r5
check "... and refuses the old account's" wait_for 15 grep -q "report $e1/r5 rejected" "$W/ps.log"
$H retract "$A/admin.conf" sacm/endpoints "$e2" >> "$W/publish.out" 2>&1
ann collector-2 "$e2"
check "an approved endpoint stays its account's" wait_for 15 grep -q "endpoint $e2 ignored: it belongs to collector-3@$DOMAIN, not collector-2@$DOMAIN" "$W/orch.log"
check "the orchestrator and the posture repository stayed up" bash -c "kill -0 $op && kill -0 $pp"

# Content from a ROLIE feed nobody marked trusted waits for an operator;
# from a trusted feed (or an operator's submission) it is assessed.
pol() {	# id trusted
	printf "<policy xmlns='http://sacm-grid.dev/protocol/1' id='%s' kind='datastream' name='x.xml' benchmark='xccdf_test_benchmark_%s' source='rolie' source-ref='urn:e:%s' submitted-by='https://feeds.example/rolie/feed.xml' trusted='%s'><platform cpe='cpe:/o:debian:debian_linux:11'/><profile id='xccdf_test_profile_standard' rules='1'/></policy>" "$1" "$2" "$2" "$2" > "$W/pol.xml"
	$H publish "$A/policy-repo.conf" sacm/policy "$1" "$W/pol.xml" >> "$W/publish.out" 2>&1
}
p1=$(printf '%s' "untrusted-$$" | sha256sum | cut -c1-64)
p2=$(printf '%s' "trusted-$$" | sha256sum | cut -c1-64)
pol "$p1" false
check "a policy from a feed that is not trusted is not assessed by itself" wait_for 15 grep -q "policy ${p1:0:12} came from a feed that is not trusted" "$W/orch.log"
check "... no assessment for it" bash -c "! grep -q 'policy ${p1:0:12}.*assessment(s) requested' '$W/orch.log'"
pol "$p2" true
check "from a trusted feed, it is assessed on the approved endpoints" wait_for 15 grep -q "policy ${p2:0:12} (datastream): [1-9][0-9]* assessment(s) requested" "$W/orch.log"
"$S" assess "$p1" --profile xccdf_test_profile_standard --endpoint "$e2" > /dev/null 2>&1
check "an operator may still assess the untrusted one" wait_for 15 grep -q "assessment .*requested (request), policy ${p1:0:12}" "$W/orch.log"
$H retract "$A/policy-repo.conf" sacm/policy "$p1" >> "$W/publish.out" 2>&1
$H retract "$A/policy-repo.conf" sacm/policy "$p2" >> "$W/publish.out" 2>&1

# Leave the lab's topics as they were.
$H retract "$A/admin.conf" sacm/endpoints "$e1" >> "$W/publish.out" 2>&1
$H retract "$A/admin.conf" sacm/endpoints "$e2" >> "$W/publish.out" 2>&1
for r in r1 r2; do $H retract "$A/admin.conf" sacm/posture "$e2/$r" >> "$W/publish.out" 2>&1; done
for r in r3 r4; do $H retract "$A/admin.conf" sacm/posture "$e1/$r" >> "$W/publish.out" 2>&1; done
$H retract "$A/admin.conf" sacm/posture "$e1/r5" >> "$W/publish.out" 2>&1
kill $op $pp 2>/dev/null; wait $op $pp 2>/dev/null
[ "$fails" = 0 ] || tail -n 30 "$W/orch.log" "$W/ps.log"
exit $((fails > 0))
