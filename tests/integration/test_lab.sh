#!/usr/bin/env bash
# The lab as a user starts it: `sacm-lab up` brings up every daemon with the
# broker (policy repository, posture repository, two evaluators, results
# repository, orchestrator, a collector per target tree), supervised:
# a daemon killed is restarted and the event logged.
set -uo pipefail
L=$SACM_LAB_DIR
export SACM_CONFIG=$L/accounts/ctl.conf
. "$(dirname "$0")/lib.sh"

n0=$(lines "$L/log/supervisor.log")
"$BIN/sacm-lab" up --dir "$L" > "$L/lab-up.log" 2>&1
check "sacm-lab up starts the policy repository" grep -q "started policy-repo (sacm-policy-repo" "$L/lab-up.log"
running() { "$BIN/sacm-lab" status --dir "$L" > "$L/status.out" 2>&1; grep -q "^  $1 .* running (pid" "$L/status.out"; }
for d in policy-repo posture-repo evaluator-1 evaluator-2 results-repo orchestrator; do
	check "sacm-lab status shows $d running" wait_for 30 running "$d"
done
check "no daemon died while the lab came up" bash -c "! tail -n +$((n0 + 1)) '$L/log/supervisor.log' 2>/dev/null | grep -q 'exited with status\|killed by signal'"
[ $fails = 0 ] || { cat "$L/status.out"; tail -20 "$L/log/supervisor.log" "$L/log/orchestrator.log" 2>/dev/null; }
if [ "$(id -u)" = 0 ]; then
	for i in 1 2 3; do
		check "... and collector-$i on its own target tree" grep -q "^  collector-$i *sacm-collector on targets/.* running" "$L/status.out"
	done
	check "status lists the endpoints" wait_for 30 bash -c "'$BIN/sacm-lab' status --dir '$L' | sed -n '/^endpoints:/,/^topics:/p' | grep -c target- | grep -qx 3"
fi
out=$("$BIN/sacmctl" policy publish /usr/share/xml/scap/ssg/content/ssg-firefox-ds.xml 2>&1)
check "policy publish works against the lab's own repository" grep -q "^accepted: policy" <<<"$out"
check "the daemons run unprivileged (as root: each its own user)" bash -c "[ \"\$(stat -c %U /proc/\$(cat '$L/run/policy-repo.pid'))\" = '$( [ "$(id -u)" = 0 ] && echo sacm-policy-repo || id -un)' ]"

# Supervision: kill -9 a daemon; it comes back, and the event is logged.
old=$(cat "$L/run/results-repo.pid")
kill -9 "$old"
back() { local p; p=$(cat "$L/run/results-repo.pid" 2>/dev/null) && [ "$p" != "$old" ] && kill -0 "$p"; }
check "a daemon killed with -9 is restarted by its supervisor" wait_for 15 back
check "... and the event logged" grep -q "results-repo (sacm-results-repo) killed by signal 9 after .*; restarting in 1s" "$L/log/supervisor.log"
check "... status counts the restart" bash -c "'$BIN/sacm-lab' status --dir '$L' | grep -q '^  results-repo .*running (pid .*, [1-9][0-9]* restarts)'"
"$BIN/sacm-lab" stop evaluator-2 --dir "$L" >/dev/null 2>&1
check "sacm-lab stop NAME stops one daemon" bash -c "'$BIN/sacm-lab' status --dir '$L' | grep -q '^  evaluator-2 .* stopped'"
# sacm-lab asks whether a name is supervised by taking its lock for an
# instant: a supervisor starting in that instant still starts; a second
# supervisor of a name is refused.
sup() { "$BIN/sacm-supervise" -n probe -r "$L/run" -l "$L/log/probe.log" \
    -s "$L/log/probe-sup.log" -- /bin/sleep 60; }
flock "$L/run/probe.supervisor.pid" sleep 0.3 &
sleep 0.1
sup 2> "$L/probe.err" &
sp=$!
check "a supervisor that finds its lock taken for an instant still starts" \
    wait_for 10 bash -c "kill -0 \$(cat '$L/run/probe.pid' 2>/dev/null) 2>/dev/null"
check "a second supervisor of the same name is refused" bash -c "! sup_out=\$('$BIN/sacm-supervise' -n probe -r '$L/run' -l /dev/null -s /dev/null -- /bin/true 2>&1) && grep -q 'probe is supervised already' <<<\"\$sup_out\""
kill "$sp"; wait "$sp" 2>/dev/null
"$BIN/sacm-lab" down --dir "$L" > "$L/lab-down.log" 2>&1
check "sacm-lab down stops them" grep -q "stopped policy-repo" "$L/lab-down.log"
check "... every one" bash -c "! pgrep -f -- '-f $L/[e]tc/' >/dev/null"
# Give the other tests their broker back.
"$BIN/sacm-lab" up --dir "$L" --broker-only >/dev/null 2>&1
exit $((fails > 0))
