#!/usr/bin/env bash
# The lab as a user starts it: `sacm-lab up` brings the daemons up with the
# broker, and publishing a datastream needs no other step.
set -uo pipefail
L=$SACM_LAB_DIR
export SACM_CONFIG=$L/accounts/ctl.conf
. "$(dirname "$0")/lib.sh"

"$BIN/sacm-lab" up --dir "$L" > "$L/lab-up.log" 2>&1
check "sacm-lab up starts the policy repository" grep -q "started sacm-policy-repo" "$L/lab-up.log"
check "sacm-lab status shows it running" bash -c "'$BIN/sacm-lab' status --dir '$L' | grep -q 'sacm-policy-repo *running'"
for d in sacm-posture-repo sacm-evaluator sacm-results-repo sacm-orchestrator; do
	check "... and $d" bash -c "'$BIN/sacm-lab' status --dir '$L' | grep -q '$d *running'"
done
out=$("$BIN/sacmctl" policy publish /usr/share/xml/scap/ssg/content/ssg-firefox-ds.xml 2>&1)
check "policy publish works against the lab's own repository" grep -q "^accepted: policy" <<<"$out"
check "the daemon runs unprivileged" bash -c "[ \"\$(ps -o user= -p \$(cat '$L/run/sacm-policy-repo.pid'))\" = '$( [ "$(id -u)" = 0 ] && echo nobody || id -un)' ]"
"$BIN/sacm-lab" down --dir "$L" > "$L/lab-down.log" 2>&1
check "sacm-lab down stops it" grep -q "stopped sacm-policy-repo" "$L/lab-down.log"
# Give the other tests their broker back.
"$BIN/sacm-lab" up --dir "$L" --broker-only >/dev/null 2>&1
exit $((fails > 0))
