#!/usr/bin/env bash
# sacm-evaluator on its own Prosody lab, with the policy and posture
# repositories and two collectors: an evaluation request (policy + stored
# posture) gets results equal to `oscap-chroot TREE xccdf eval`, with an
# ARF that validates and names the endpoint; a policy is loaded when its
# collection is requested, ahead of the evaluations, and reused for the
# next endpoint, and the ARF's shared parts (datastream, OVAL definitions)
# are not uploaded again; a request assigned to another evaluator is left
# to it; requests that cannot be evaluated fail with a reason, and the
# evaluator carries on.
. "$(dirname "$0")/lib.sh"
cleanup() {
	[ "$fails" = 0 ] || head -c 600 "$W/res-e1.xml" 2>/dev/null
	broker_lab_down
}
trap cleanup EXIT
broker_lab
payload() { /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"])'; }
attr() { /usr/bin/python3 -c 'import sys, xml.etree.ElementTree as ET; print(ET.parse(sys.argv[1]).getroot().get(sys.argv[2]))' "$1" "$2"; }

daemon pr sacm-policy-repo policy-repo "db = $W/pr.sqlite"
daemon ps sacm-posture-repo posture-repo "db = $W/ps.sqlite" "require_approval = no"
declare -A MID
i=1
for t in hardened misconfigured; do
	daemon "col-$t" sacm-collector "collector-$i" "root = $W/t/$t" \
	    "apt_config = $W/apt.conf" "state_dir = $W/state-$t" "watch = no"
	MID[$t]=$(cat "$W/t/$t/etc/machine-id")
	i=$((i + 1))
done
for i in 1 2; do
	daemon "ev$i" sacm-evaluator "evaluator-$i" "state_dir = $W/ev$i"
done
EV1=${DPID[ev1]}

ID=$("$S" policy publish "$DS" 2>/dev/null | awk '/^accepted/ {print $3}')
ANN=$("$S" items sacm/policy --id "$ID" --json | payload)
collect() {	# request-id profile
	echo "<collection-request xmlns='http://sacm-grid.dev/protocol/1' profile='$2'>$ANN</collection-request>" > "$W/creq.xml"
	SACM_CONFIG=$ORCH "$S" publish sacm/collection/requests "$W/creq.xml" --id "$1" >/dev/null
}
stored() { "$S" items sacm/posture/stored --id "${MID[$1]}/$2" --json 2>/dev/null | payload > "$W/stored-$1-$2.xml" 2>/dev/null && [ -s "$W/stored-$1-$2.xml" ]; }
collect c1 "$PROFILE"
for t in hardened misconfigured; do
	wait_for 90 stored $t c1 || no "posture of $t stored"
done
request() {	# id tree evaluator profile posture-file
	echo "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1' endpoint='${MID[$2]}' hostname='target-$2' assessment='a-$1' profile='$4' evaluator='$3'>$ANN$(cat "$5")</evaluation-request>" > "$W/ereq.xml"
	SACM_CONFIG=$ORCH "$S" publish sacm/evaluation/requests "$W/ereq.xml" --id "$1" >/dev/null
}
result() { "$S" items sacm/evaluation/results --id "$1" --json 2>/dev/null | payload > "$W/res-$1.xml" 2>/dev/null && [ -s "$W/res-$1.xml" ]; }

request e1 hardened evaluator-1@grid.test "$PROFILE" "$W/stored-hardened-c1.xml"
check "an evaluation request gets a result" wait_for 120 result e1
check "... complete, by the evaluator it was assigned to" test "$(attr "$W/res-e1.xml" state) $(attr "$W/res-e1.xml" evaluator)" = "complete evaluator-1@grid.test"
APT_CONFIG=$W/apt.conf oscap-chroot "$W/t/hardened" xccdf eval --profile "$PROFILE" --results "$W/live-hardened.xml" "$DS" >/dev/null 2>&1
cmp_live() {	# result-file live-file
	/usr/bin/python3 - "$1" "$2" <<'P'
import sys, xml.etree.ElementTree as ET
S = "{http://sacm-grid.dev/protocol/1}"
X = "{http://checklists.nist.gov/xccdf/1.2}"
ours = {r.get("id"): r.get("result") for r in ET.parse(sys.argv[1]).getroot().iter(S + "rule")}
live = {rr.get("idref"): rr.find(X + "result").text
        for rr in ET.parse(sys.argv[2]).getroot().iter(X + "rule-result")
        if rr.find(X + "result").text != "notselected"}
diff = [k for k in set(ours) | set(live) if ours.get(k) != live.get(k)]
print("%d rules, %d differ %s" % (len(ours), len(diff), diff[:5]))
sys.exit(1 if diff or not ours else 0)
P
}
check "... its rule results equal oscap-chroot's on the tree" cmp_live "$W/res-e1.xml" "$W/live-hardened.xml"
check "... with counts" test "$(attr "$W/res-e1.xml" pass)/$(attr "$W/res-e1.xml" fail)" = 30/10
check "the ARF, its skeleton and shared parts joined, is the one the result names" bash -c "tests/targets/arf_join.py '$W/res-e1.xml' '$W/arf.xml' '$S' > '$W/parts-e1'"
check "... cut in shared parts (the datastream, the OVAL definitions)" test "$(wc -l < "$W/parts-e1")" -ge 2
check "... and passes oscap ds rds-validate" oscap ds rds-validate "$W/arf.xml"
check "... and its target is the endpoint" grep -q "<target>target-hardened</target>" "$W/arf.xml"

request e2 misconfigured evaluator-1@grid.test "$PROFILE" "$W/stored-misconfigured-c1.xml"
check "the next endpoint is evaluated too" wait_for 120 result e2
APT_CONFIG=$W/apt.conf oscap-chroot "$W/t/misconfigured" xccdf eval --profile "$PROFILE" --results "$W/live-mis.xml" "$DS" >/dev/null 2>&1
check "... equal to oscap-chroot's on its tree" cmp_live "$W/res-e2.xml" "$W/live-mis.xml"
check "... with the policy loaded once for both" test "$(grep -c ' loaded in ' "$W/ev1.log")" = 1
check "... ahead of the evaluations, on the collection request" grep -q "profile $PROFILE: loading ahead of its evaluations" "$W/ev1.log"
check "... and its ARF's shared parts not uploaded again (the first's blobs)" bash -c "tests/targets/arf_join.py '$W/res-e2.xml' '$W/arf-e2.xml' '$S' | cmp -s - '$W/parts-e1'"

request e3 hardened evaluator-2@grid.test "$PROFILE" "$W/stored-hardened-c1.xml"
check "a request assigned to the other evaluator is done by it" wait_for 120 result e3
only_e2() { [ "$(attr "$W/res-e3.xml" evaluator)" = evaluator-2@grid.test ] && ! grep -q 'request e3 ' "$W/ev1.log"; }
check "... and only by it" only_e2

# A tailored profile that changes values, end to end: the tailoring is a
# policy of its own; the requests carry its announcement and its
# datastream's.
TL=$PWD/tests/targets/tailoring-password-ages.xml
TPROF=xccdf_dev.sacm-grid_profile_password_ages
"$S" policy publish "$DS" --tailoring "$TL" >/dev/null 2>&1
TANN=$("$S" items sacm/policy -n 20 --json | /usr/bin/python3 -c '
import json, sys
for i in json.load(sys.stdin):
    if "kind=\"tailoring\"" in i["payload"]:
        print(i["payload"])' 2>/dev/null | head -1)
# This collection request names the evaluator its evaluation is meant
# for (the orchestrator's pick): that one loads the policy ahead, the
# other leaves the cores to the collection.
echo "<collection-request xmlns='http://sacm-grid.dev/protocol/1' profile='$TPROF' evaluator='evaluator-1@grid.test'><endpoint id='${MID[hardened]}'/>$TANN$ANN</collection-request>" > "$W/creq.xml"
SACM_CONFIG=$ORCH "$S" publish sacm/collection/requests "$W/creq.xml" --id t1 >/dev/null
check "a tailored profile: the posture is collected" wait_for 90 stored hardened t1
check "... the policy loaded ahead by the evaluator the request names" grep -q "profile $TPROF: loading ahead of its evaluations" "$W/ev1.log"
check "... and by no other" bash -c "! grep -q 'profile $TPROF: loading ahead' '$W/ev2.log'"
echo "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1' endpoint='${MID[hardened]}' hostname='target-hardened' assessment='a-t' profile='$TPROF' evaluator='evaluator-1@grid.test'>$TANN$ANN$(cat "$W/stored-hardened-t1.xml")</evaluation-request>" > "$W/ereq.xml"
SACM_CONFIG=$ORCH "$S" publish sacm/evaluation/requests "$W/ereq.xml" --id et >/dev/null
check "... and evaluated" wait_for 120 result et
APT_CONFIG=$W/apt.conf oscap-chroot "$W/t/hardened" xccdf eval --tailoring-file "$TL" --profile "$TPROF" --results "$W/live-t.xml" "$DS" >/dev/null 2>&1
check "... equal to oscap-chroot --tailoring-file on the tree" cmp_live "$W/res-et.xml" "$W/live-t.xml"
rule_result() {	# file rule-suffix
	/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as ET
print([r.get("result") for r in ET.parse(sys.argv[1]).getroot().iter("{http://sacm-grid.dev/protocol/1}rule") if r.get("id").endswith(sys.argv[2])][0])' "$1" "$2"
}
check "... with the tailored value deciding the rule" test "$(rule_result "$W/res-et.xml" _accounts_minimum_age_login_defs)" = pass

# Requests that cannot be evaluated.
request f1 hardened evaluator-1@grid.test xccdf_org.ssgproject.content_profile_anssi_np_nt28_high "$W/stored-hardened-c1.xml"
check "posture collected for another profile: failed, with the reason" wait_for 60 result f1
check "... (another profile)" grep -q 'state="failed".*<reason>the posture was collected for another profile' "$W/res-f1.xml"
sed 's/sha256="[0-9a-f]*"/sha256="'"$(printf 'f%.0s' $(seq 64))"'"/' "$W/stored-hardened-c1.xml" > "$W/corrupt.xml"
request f2 hardened evaluator-1@grid.test "$PROFILE" "$W/corrupt.xml"
check "a corrupt posture blob: failed, with the reason" wait_for 60 result f2
check "... (the digest)" grep -q 'state="failed".*<reason>posture: .*does not match' "$W/res-f2.xml"
echo "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1' endpoint='${MID[hardened]}' evaluator='evaluator-1@grid.test'>$ANN</evaluation-request>" > "$W/ereq.xml"
SACM_CONFIG=$ORCH "$S" publish sacm/evaluation/requests "$W/ereq.xml" --id f3 >/dev/null
check "no posture at all: failed, with the reason" wait_for 60 result f3
check "... (no posture)" grep -q '<reason>no posture in the request' "$W/res-f3.xml"
echo "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1'><unclosed></evaluation-request>" > "$W/bad.xml"
SACM_CONFIG=$ORCH "$S" publish sacm/evaluation/requests "$W/bad.xml" --id f4 >/dev/null 2>&1
request e4 misconfigured evaluator-1@grid.test "$PROFILE" "$W/stored-misconfigured-c1.xml"
check "after all that the evaluator carries on" wait_for 120 result e4
check "... and is still running" kill -0 "$EV1"
exit $((fails > 0))
