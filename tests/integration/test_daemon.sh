#!/usr/bin/env bash
# What every daemon's main does (shared/daemon.c), on a real daemon and
# the lab of run.sh: -n refuses what the daemon would refuse at start;
# SIGHUP re-reads the configuration, keeps the running one when the new
# file is bad, applies log_level when it is good; SIGTERM stops it.
set -uo pipefail
L=$SACM_LAB_DIR
. "$(dirname "$0")/lib.sh"
W=$L/daemon-test
rm -rf "$W"
mkdir -p "$W"

{ grep -v '^ *\(log_level\|db\|incident_severity\) *=' "$L/accounts/results-repo.conf"
  echo "db = $W/rr.sqlite"; } > "$W/rr.conf"
check "-n accepts the lab's configuration" "$BIN/sacm-results-repo" -n -f "$W/rr.conf"
{ cat "$W/rr.conf"; echo "incident_severity = bogus"; } > "$W/bad.conf"
"$BIN/sacm-results-repo" -n -f "$W/bad.conf" > /dev/null 2> "$W/n.err"
check "-n refuses a bad incident_severity, as the daemon would (exit 1)" bash -c "[ $? = 1 ] && grep -q 'incident_severity' '$W/n.err'"
sed 's/^jid = .*/jid = no-domain/' "$W/rr.conf" > "$W/bad2.conf"
"$BIN/sacm-results-repo" -n -f "$W/bad2.conf" > /dev/null 2> "$W/n2.err"
check "-n refuses a JID the grid would refuse" bash -c "[ $? = 1 ] && grep -q 'jid' '$W/n2.err'"

cp "$W/rr.conf" "$W/live.conf"
"$BIN/sacm-results-repo" -f "$W/live.conf" > "$W/log" 2>&1 &
pid=$!
check "the daemon starts and says ready" wait_for 30 grep -q "ready:" "$W/log"
echo "incident_severity = bogus" >> "$W/live.conf"
kill -HUP $pid
check "SIGHUP with a bad file: reported, running configuration kept" wait_for 10 grep -q "reload: incident_severity: .*running configuration is kept" "$W/log"
check "... and the daemon still runs" kill -0 $pid
{ cat "$W/rr.conf"; echo "log_level = debug"; } > "$W/live.conf"
kill -HUP $pid
check "SIGHUP with a good file: log_level applied" wait_for 10 grep -q "reload: .* is valid; log_level applied" "$W/log"
kill -TERM $pid
wait $pid
check "SIGTERM stops it, exit 0" test $? = 0
check "... saying so" grep -q "stopping" "$W/log"
exit $((fails > 0))
