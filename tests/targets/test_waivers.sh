#!/usr/bin/env bash
# Waivers (services/results-repo/rr_waiver.c) on a Prosody lab with the
# policy and posture repositories, collectors on the misconfigured and
# installed trees, an evaluator and the results repository:
#  - an approver waives two failing rules on one endpoint: its waived
#    counts move by exactly those two, its raw score does not change, and
#    its waived score is the score oscap-chroot gives a copy of the tree
#    where those two rules are fixed (the independent oracle);
#  - the other endpoint is untouched;
#  - the ARF carries the two overrides and passes oscap ds rds-validate;
#    the HTML report marks them waived; sacm/results marks them;
#  - a waiver that expires during the test turns its rule back into a
#    failure on its own, with an incident, and is listed as expired;
#  - a waiver of the benchmark for every endpoint covers the policy, and
#    only where the rule fails;
#  - an operator who is not an approver cannot grant one; a revoked
#    waiver's rules fail again.
. "$(dirname "$0")/lib.sh"
trap broker_lab_down EXIT
broker_lab
MIS=$W/t/misconfigured INS=$W/t/installed
M1=$(cat "$MIS/etc/machine-id") M2=$(cat "$INS/etc/machine-id")
R=xccdf_org.ssgproject.content_rule_
APPROVER=$L/accounts/approver.conf
payload() { /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"])'; }

daemon pr sacm-policy-repo policy-repo "db = $W/pr.sqlite"
daemon ps sacm-posture-repo posture-repo "db = $W/ps.sqlite" "require_approval = no"
daemon c1 sacm-collector collector-1 "root = $MIS" "apt_config = $W/apt.conf" \
    "state_dir = $W/c1" "watch = no"
daemon c2 sacm-collector collector-2 "root = $INS" "apt_config = $W/apt.conf" \
    "state_dir = $W/c2" "watch = no"
daemon ev sacm-evaluator evaluator-1 "state_dir = $W/ev"
daemon rr sacm-results-repo results-repo "db = $W/rr.sqlite"

ID=$("$S" policy publish "$DS" 2>/dev/null | awk '/^accepted/ {print $3}')
ANN=$("$S" items sacm/policy --id "$ID" --json | payload)
# Both endpoints collected, then evaluated (as the orchestrator asks).
echo "<collection-request xmlns='http://sacm-grid.dev/protocol/1' profile='$PROFILE'>$ANN<endpoint id='$M1'/><endpoint id='$M2'/></collection-request>" > "$W/creq.xml"
SACM_CONFIG=$ORCH "$S" publish sacm/collection/requests "$W/creq.xml" --id c1 >/dev/null
for m in "$M1" "$M2"; do
	wait_for 120 bash -c "'$S' items sacm/posture/stored --id '$m/c1' --json 2>/dev/null > '$W/st-$m.json'" || echo "no posture for $m"
	echo "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1' endpoint='$m' assessment='a-$m' profile='$PROFILE' evaluator='evaluator-1@grid.test'>$ANN$(payload < "$W/st-$m.json")</evaluation-request>" > "$W/ereq.xml"
	SACM_CONFIG=$ORCH "$S" publish sacm/evaluation/requests "$W/ereq.xml" --id "e-$m" >/dev/null
done
check "both endpoints are evaluated and stored" wait_for 180 bash -c "grep -q 'result e-$M1 stored' '$W/rr.log' && grep -q 'result e-$M2 stored' '$W/rr.log'"

row() {	# endpoint key: from sacmctl results --json
	"$S" results --json | /usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r["endpoint"] == sys.argv[1]:
        print(r.get(sys.argv[2], ""))' "$1" "$2"
}
P0=$(row "$M1" pass) F0=$(row "$M1" fail) S0=$(row "$M1" score) O0=$(row "$M2" score)

# An operator is not an approver.
"$S" waive "${R}file_permissions_etc_passwd" --policy "$ID" --endpoints "$M1" \
    --reason "test" --expires 30d > /dev/null 2> "$W/op.err"; rc=$?
check "an operator who is not an approver cannot grant a waiver" bash -c "[ $rc = 1 ] && grep -q 'only an approver' '$W/op.err'"
# A waiver with no reason or no expiry is refused before it is sent.
SACM_CONFIG=$APPROVER "$S" waive "${R}file_permissions_etc_passwd" --policy "$ID" \
    --endpoints "$M1" --expires 30d > /dev/null 2> "$W/noreason.err"
check "a waiver needs a reason" grep -q "needs a --reason" "$W/noreason.err"

SACM_CONFIG=$APPROVER "$S" waive "${R}file_permissions_etc_passwd" "${R}file_permissions_etc_group" \
    --policy "$ID" --profile "$PROFILE" --endpoints "$M1" --reason "legacy NIS export, CHG-42" \
    --expires 30d --ticket CHG-42 > "$W/w1.out" 2>&1
W1=$(awk -F: '/^w-/ {print $1}' "$W/w1.out")
check "an approver grants a waiver of two failing rules on one endpoint ($W1)" \
    wait_for 30 grep -q "waiver $W1 granted by approver@" "$W/rr.log"
waived_is() { [ "$(row "$M1" waived)" = "$1" ]; }
check "... the endpoint's result counts them waived" wait_for 30 waived_is 2
check "... its waived counts move by exactly those two" \
    test "$(row "$M1" waived-pass)/$(row "$M1" waived-fail)" = "$((P0 + 2))/$((F0 - 2))"
check "... its raw counts and score do not change" \
    test "$(row "$M1" pass)/$(row "$M1" fail)/$(row "$M1" score)" = "$P0/$F0/$S0"
# The oracle: the same tree with those two rules fixed, scanned live.
cp -a "$MIS" "$W/fixed"
chmod 0644 "$W/fixed/etc/passwd" "$W/fixed/etc/group"
APT_CONFIG=$W/apt.conf oscap-chroot "$W/fixed" xccdf eval --profile "$PROFILE" \
    --results "$W/fixed.xml" "$DS" > /dev/null 2>&1
live=$(/usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
ns = "{http://checklists.nist.gov/xccdf/1.2}"
tr = ET.parse(sys.argv[1]).getroot().find(".//" + ns + "TestResult")
rr = {r.get("idref"): r.find(ns + "result").text for r in tr.iter(ns + "rule-result")}
s = [x for x in tr.iter(ns + "score") if x.get("system") == "urn:xccdf:scoring:default"][0]
print("%.4f %d %d" % (float(s.text), list(rr.values()).count("pass"), list(rr.values()).count("fail")))' "$W/fixed.xml")
ours=$(printf '%.4f %s %s' "$(row "$M1" waived-score)" "$(row "$M1" waived-pass)" "$(row "$M1" waived-fail)")
check "... its waived score and counts are oscap-chroot's for the tree with those two fixed ($ours; oscap: $live)" test "$ours" = "$live"
check "... and the score rose ($S0 -> $(row "$M1" waived-score))" \
    /usr/bin/python3 -c "import sys; sys.exit(not float('$(row "$M1" waived-score)') > float('$S0'))"
check "the other endpoint is untouched" \
    test "$(row "$M2" waived)/$(row "$M2" score)/$(row "$M2" waived-score)" = "0/$O0/$O0"
"$S" items sacm/results --id "$M1/$ID/$PROFILE" --json | payload > "$W/current.xml"
check "sacm/results marks the waived failures with their waiver" \
    test "$(grep -o "waiver=\"$W1\"\|waiver='$W1'" "$W/current.xml" | wc -l)" = 2
"$S" arf "$M1" -o "$W/waived.arf" > /dev/null 2>&1
check "the ARF carries the two overrides (authority, old and new result, remark)" bash -c "
    [ \$(grep -o '<override ' '$W/waived.arf' | wc -l) = 2 ] &&
    grep -q \"authority='approver@grid.test'><old-result>fail</old-result><new-result>pass</new-result><remark>legacy NIS export, CHG-42 (waiver $W1, ticket CHG-42\" '$W/waived.arf'"
check "... and passes oscap ds rds-validate" oscap ds rds-validate "$W/waived.arf"
"$S" arf "$M1" --raw -o "$W/raw.arf" > /dev/null 2>&1
check "... --raw gives the ARF as oscap wrote it, without them" bash -c "
    ! grep -q '<override ' '$W/raw.arf' && [ \$(grep -o '<rule-result ' '$W/raw.arf' | wc -l) = \$(grep -o '<rule-result ' '$W/waived.arf' | wc -l) ]"
"$S" report "$M1" -o "$W/report.html" > /dev/null 2>&1
check "the HTML report shows them waived" test "$(grep -c 'label-warning">waived' "$W/report.html")" -ge 2
"$S" waivers --json > "$W/waivers.json"
check "sacmctl waivers lists it, with its reason, ticket and approver" /usr/bin/python3 -c "
import json, sys
w = [w for w in json.load(open('$W/waivers.json')) if w['id'] == '$W1'][0]
sys.exit(not (w['state'] == 'active' and w['ticket'] == 'CHG-42' and w['granted-by'] == 'approver@grid.test' and w['endpoints'] == '$M1'))"

check "... and so does the approver's own account" bash -c "SACM_CONFIG='$APPROVER' '$S' waivers --json | grep -q '\"$W1\"'"

# A waiver that expires during the test.
SACM_CONFIG=$APPROVER "$S" waive "${R}file_permissions_etc_shadow" --policy "$ID" --endpoints "$M1" \
    --reason "until the migration" --expires 25s > "$W/w2.out" 2>&1
W2=$(awk -F: '/^w-/ {print $1}' "$W/w2.out")
check "a short waiver applies ($W2)" wait_for 30 waived_is 3
check "... and when it expires, its rule fails again on its own" wait_for 60 waived_is 2
check "... the repository says so" grep -q "waiver $W2 expired" "$W/rr.log"
check "... with an incident" wait_for 15 grep -q "incident .*: ${R}file_permissions_etc_shadow fails on $M1 again (waiver $W2 ended)" "$W/rr.log"
check "... on sacm/incidents" bash -c "'$S' items sacm/incidents -n 20 --json | grep -q 'file_permissions_etc_shadow'"
check "sacmctl waivers --expired lists it" bash -c "'$S' waivers --expired --json | grep -q '\"$W2\"'"

# A waiver of the benchmark for every endpoint follows the content: it
# covers the policy without naming it, and only where the rule fails.
BENCH=$("$S" policy show "$ID" --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print((d[0] if isinstance(d, list) else d)["benchmark"])')
SACM_CONFIG=$APPROVER "$S" waive "${R}file_groupowner_etc_group" --benchmark "$BENCH" --all \
    --reason "group file owned by the users group on purpose" --expires 1d > "$W/w3.out" 2>&1
W3=$(awk -F: '/^w-/ {print $1}' "$W/w3.out")
check "a waiver of the benchmark ($BENCH) for every endpoint applies to the policy ($W3)" wait_for 30 waived_is 3
check "... and leaves the endpoint where the rule passes as it was" test "$(row "$M2" waived)" = 0
SACM_CONFIG=$APPROVER "$S" unwaive "$W3" > /dev/null 2>&1
check "... until it is revoked" wait_for 30 waived_is 2

# Revoked: the rules fail again.
SACM_CONFIG=$APPROVER "$S" unwaive "$W1" > /dev/null 2>&1
check "a revoked waiver's rules fail again" wait_for 30 waived_is 0
check "... the waived score is the raw one again" test "$(row "$M1" waived-score)" = "$S0"
check "the results repository stayed up" kill -0 "${DPID[rr]}"
exit $((fails > 0))
