#!/usr/bin/env bash
# Remediation applied (services/collector/col_fix.c,
# services/orchestrator/orch_fix.c, sacmctl remediation apply) on a lab
# with every daemon (Prosody; ejabberd in test_remediate_ejabberd.sh):
# collector-1 on a copy of the misconfigured tree with remediate = yes,
# collector-2 on the installed tree with the default (no).
#  - an operator applies the bash fix of the misconfigured endpoint's
#    evaluation: its collector runs it chrooted into the copy, says how it
#    ran on sacm/remediation/results, collects again, and the new
#    evaluation passes rules that failed; the new result equals a live
#    oscap-chroot scan of the remediated copy, rule for rule (the oracle);
#  - the assessment shows the remediating step and how the fix ran;
#  - a collector without remediate = yes refuses, and its tree is
#    untouched;
#  - a remediation request whose script is not the approved one (a
#    client we did not write, slixmpp, with the orchestrator's account) is
#    refused and runs nothing; the genuine request published again is not
#    run twice; one that names no endpoint is run by none;
#  - a remediation result forged by another collector's account is
#    ignored by the orchestrator; only an operator may apply a fix.
. "$(dirname "$0")/lib.sh"
trap broker_lab_down EXIT
broker_lab
cp -a "$W/t/misconfigured" "$W/fixme"
FIX=$W/fixme INS=$W/t/installed
M1=$(cat "$FIX/etc/machine-id") M2=$(cat "$INS/etc/machine-id")
R=xccdf_org.ssgproject.content_rule_
payload() { /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"])'; }
hostile() { /usr/bin/python3 tests/integration/hostile.py "$@"; }

daemon pr sacm-policy-repo policy-repo "db = $W/pr.sqlite"
daemon ps sacm-posture-repo posture-repo "db = $W/ps.sqlite" "require_approval = no"
daemon ev sacm-evaluator evaluator-1 "state_dir = $W/ev"
daemon rr sacm-results-repo results-repo "db = $W/rr.sqlite"
daemon or sacm-orchestrator orchestrator "db = $W/or.sqlite" "auto_approve = yes"
daemon c1 sacm-collector collector-1 "root = $FIX" "apt_config = $W/apt.conf" \
    "state_dir = $W/c1" "watch = no" "remediate = yes" "remediate_timeout = 120"
daemon c2 sacm-collector collector-2 "root = $INS" "apt_config = $W/apt.conf" \
    "state_dir = $W/c2" "watch = no"
check "collector-1 keeps a helper for fixes; collector-2 has none" bash -c "
    grep -q 'remediate = yes: fixes operators approve run here, as root' '$W/c1.log' &&
    ! grep -q 'remediate = yes' '$W/c2.log'"
approved() { "$S" endpoints approved --json > "$W/approved.json" 2>/dev/null &&
    grep -q "$M1" "$W/approved.json" && grep -q "$M2" "$W/approved.json"; }
wait_for 60 approved || echo "the endpoints were not approved"

ID=$("$S" policy publish "$DS" 2>/dev/null | awk '/^accepted/ {print $3}')
"$S" assess "$ID" --profile "$PROFILE" --endpoint "$M1,$M2" --wait > /dev/null 2> "$W/assess.err"
check "both endpoints are assessed" grep -q "2/2 done" "$W/assess.err"
BEFORE=$("$S" results rules "$M1" --json)
failed_before() { grep -q "\"id\":\"$R$1\",[^}]*" <<<"$BEFORE" && /usr/bin/python3 -c '
import json, sys
r = [x for x in json.load(sys.stdin) if x["id"] == sys.argv[1]]
sys.exit(not (r and r[0]["result"] == "fail"))' "$R$1" <<<"$BEFORE"; }
check "the misconfigured endpoint fails file_permissions_etc_group before" failed_before file_permissions_etc_group
find "$INS/etc" -printf '%p %m %s %T@\n' | sort | sha256sum > "$W/ins.before"

# The fix, applied and assessed again.
"$S" remediation apply "$M1" --wait > "$W/apply.out" 2> "$W/apply.err"; rc=$?
cat "$W/apply.out" "$W/apply.err" > "$W/apply.all"
check "sacmctl remediation apply --wait runs to the end (rc $rc)" test $rc = 0
A=$(awk -F: '/^a-/ {print $1; exit}' "$W/apply.out")
check "... the collector checked the script's sha256 and ran it chrooted" bash -c "
    grep -q 'remediation r-$A-1: running the .*-byte fix approved by ctl@grid.test' '$W/c1.log'"
check "... its exit status and output are on sacm/remediation/results" bash -c "
    '$S' items sacm/remediation/results --id '$M1/r-$A-1' --json | grep -q 'exit-code' &&
    '$S' items sacm/remediation/results --id '$M1/r-$A-1' --json | grep -q 'Remediating rule 1/'"
check "... the assessment went through remediating to complete" bash -c "
    grep -q 'assessment $A: requested -> remediating' '$W/or.log' &&
    grep -q 'assessment $A: remediating -> collecting' '$W/or.log' &&
    '$S' assessments show '$A' | grep -q 'state=\"complete\"' &&
    '$S' assessments show '$A' | grep -q 'remediation-sha256='"
check "... sacmctl says how many rules the fix turned to pass" grep -qE "^[1-9][0-9]* rule\(s\) fixed" "$W/apply.out"
check "... the tree copy is fixed (/etc/group is 0644 now)" test "$(stat -c %a "$FIX/etc/group")" = 644
AFTER=$("$S" results rules "$M1" --json)
check "... and file_permissions_etc_group passes now" /usr/bin/python3 -c '
import json, sys
r = [x for x in json.load(sys.stdin) if x["id"] == sys.argv[1]]
sys.exit(not (r and r[0]["result"] == "pass"))' "${R}file_permissions_etc_group" <<<"$AFTER"
"$S" arf "$M1" --raw -o "$W/after.arf" > /dev/null 2>&1
APT_CONFIG=$W/apt.conf oscap-chroot "$FIX" xccdf eval --profile "$PROFILE" \
    --results "$W/live.xml" "$DS" > /dev/null 2>&1
check "the result after the fix equals a live oscap-chroot scan of the fixed tree, rule for rule" \
    /usr/bin/python3 tests/targets/cmp_rules.py "$W/after.arf" "$W/live.xml"

# A collector that does not allow it refuses; nothing changes there.
"$S" remediation apply "$M2" --wait > "$W/no.out" 2> "$W/no.err"; rc=$?
check "a collector without remediate = yes refuses the fix" bash -c "
    [ $rc = 1 ] && grep -q 'remediate = no' '$W/no.err'"
find "$INS/etc" -printf '%p %m %s %T@\n' | sort | sha256sum > "$W/ins.after"
check "... and its tree is untouched" cmp -s "$W/ins.before" "$W/ins.after"

# Only an operator may approve a fix: collector-1 asks the orchestrator
# itself (slixmpp), with the approved script's blob.
"$S" items sacm/remediation/requests --id "r-$A-1" --json | payload > "$W/genuine.xml"
/usr/bin/python3 - "$W/genuine.xml" "$W/ask.xml" <<'EOF'
import re, sys
req = open(sys.argv[1]).read()
blob = re.search(r"<blob [^>]*/>", req).group(0)
ep = re.search(r"<endpoint id=.([0-9a-f]+)", req).group(1)
sha = re.search(r"sha256=.([0-9a-f]{64})", req).group(1)
pol = re.search(r"<policy [^>]* id=.([0-9a-f]{64})", req).group(1)
open(sys.argv[2], "w").write("<remediate xmlns='http://sacm-grid.dev/protocol/1/orchestrator' endpoint='%s' policy='%s' type='bash' sha256='%s'>%s</remediate>" % (ep, pol, sha, blob))
EOF
hostile iq "$L/accounts/collector-1.conf" orchestrator@grid.test/sacm-orchestrator set "$W/ask.xml" > "$W/ask.out" 2>&1
check "a collector's account cannot approve a fix" bash -c "
    grep -q 'refused: forbidden only operators' '$W/ask.out' && ! grep -q 'approved a bash fix for .* by collector' '$W/or.log'"

# A forged request (the orchestrator's account, through slixmpp): the
# approved digest, another script.
printf '#!/bin/bash\n# BEGIN fix\ntouch /pwned\n' > "$W/evil.sh"
"$S" blob put "$W/evil.sh" --media-type text/plain > "$W/evil.blob" 2>/dev/null
/usr/bin/python3 - "$W/evil.blob" "$W/forged.xml" "$W/genuine.xml" <<'EOF'
import re, sys
req = open(sys.argv[3]).read()
blob = open(sys.argv[1]).read().strip()
open(sys.argv[2], "w").write(re.sub(r"<blob [^>]*/>", lambda m: blob, req, count=1))
EOF
hostile publish "$ORCH" sacm/remediation/requests forged-1 "$W/forged.xml" > "$W/forged.out" 2>&1
check "a request whose script is not the approved one is refused" \
    wait_for 30 bash -c "'$S' items sacm/remediation/results --id '$M1/forged-1' --json | grep -q 'not the approved'"
check "... and runs nothing" test ! -e "$FIX/pwned"
# The genuine request again, under its own id: a fix runs once.
hostile publish "$ORCH" sacm/remediation/requests "r-$A-1" "$W/genuine.xml" > "$W/again.out" 2>&1
check "the genuine request published again is not run twice" \
    wait_for 30 grep -q "remediation r-$A-1 ran before; not again" "$W/c1.log"
# A fix that names no endpoint (a collection request naming none is for
# every endpoint): run by none.
sed "s|<endpoint id=\"$M1\"/>||" "$W/genuine.xml" > "$W/noep.xml"
hostile publish "$ORCH" sacm/remediation/requests noep-1 "$W/noep.xml" > /dev/null 2>&1
check "a fix that names no endpoint is run by none" \
    holds_for 5 bash -c "! grep -q noep-1 '$W/c1.log' && grep -q '<policy' '$W/noep.xml' && ! grep -q '<endpoint' '$W/noep.xml'"
# Another collector's account answers for this endpoint: ignored.
echo "<remediation-result xmlns='http://sacm-grid.dev/protocol/1' endpoint='$M1' request='r-x' state='applied' exit-code='0'/>" > "$W/fake.xml"
hostile publish "$L/accounts/collector-2.conf" sacm/remediation/results "$M1/r-x" "$W/fake.xml" > /dev/null 2>&1
check "a remediation result from another collector's account is ignored" \
    wait_for 30 grep -q "remediation result $M1/r-x ignored: published by collector-2@grid.test" "$W/or.log"
exit $((fails > 0))
