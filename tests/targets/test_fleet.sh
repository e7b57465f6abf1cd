#!/usr/bin/env bash
# The fleet simulator through the whole pipeline: `sacm-lab up` (every
# daemon, a collector per target tree), the SSG Debian 11 datastream
# published, and each tree's posture report taken as a template; then
# sacm-fleet, on one collector account of its own, announces FLEET_N
# endpoints (an operator approves them) and answers their collection
# requests with those templates (endpoint i: template i mod 3).  Each
# simulated endpoint gets exactly one result, rule for rule the one of
# its template's tree (whose own result test_pipeline checks against
# oscap-chroot); none is lost or duplicated.  It runs on a three-node
# ejabberd cluster (FLEET_BROKER, FLEET_NODES), the daemons spread over
# the nodes, and one node is killed while the endpoints are assessed:
# its clients move to the other nodes and nothing is lost; it is started
# again after.  The results repository misses half of the results
# (stopped, its subscriptions cancelled) and takes them from the topic
# when it is back.  An evaluator is stopped too (its work is assigned
# again), and FLEET_LATE endpoints of another account, approved while
# their collector is offline, wait and are assessed once it is back.
# At the end every daemon's sqlite database passes integrity_check.
# The defaults: 260 + 40 late, 300 endpoints.
. "$(dirname "$0")/lib.sh"
N=${FLEET_N:-260}
BROKER=${FLEET_BROKER:-ejabberd} NODES=${FLEET_NODES:-3}
L=$W/lab
FPID= LPID=
cleanup() {
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	[ -n "${KEEP:-}" ] && { echo "kept: $W (sacm-lab down --dir $L)"; return; }
	"$BIN/sacm-lab" down --dir "$L" >/dev/null 2>&1
	if [ "$fails" != 0 ]; then
		for f in "$L"/log/orchestrator.log "$L"/log/posture-repo.log \
		    "$W"/fleet.log "$W"/up.out; do
			[ -f "$f" ] && { echo "== $f"; tail -15 "$f"; }
		done
	fi
	rm -rf "$W"
}
trap cleanup EXIT
"$BIN/sacm-lab" up --dir "$L" --broker "$BROKER" --nodes "$NODES" > "$W/up.out" 2>&1 ||
    { cat "$W/up.out"; echo "lab did not start"; exit 1; }
export SACM_CONFIG=$L/accounts/ctl.conf
S=$BIN/sacmctl
DS=/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml
PROFILE=xccdf_org.ssgproject.content_profile_standard
TREES=(installed hardened misconfigured)
declare -A MID
for t in "${TREES[@]}"; do MID[$t]=$(cat "$L/targets/$t/etc/machine-id"); done
ID=$("$S" policy publish "$DS" 2>/dev/null | awk '/^accepted/ {print $3}')
current() { "$S" items sacm/results --id "$1/$ID/$PROFILE" >/dev/null 2>&1; }
for t in "${TREES[@]}"; do
	check "the $t tree has a result" wait_for 240 current "${MID[$t]}"
done

# Each tree's posture report (the newest, collected) is a template.
"$S" items sacm/posture -n 50 --json > "$W/posture.json"
template() {	# tree
	/usr/bin/python3 tests/targets/fleet_template.py "$W/posture.json" "${MID[$1]}" "$W/tmpl-$1.xml"
}
for t in "${TREES[@]}"; do
	check "the $t tree's posture report is a template" template "$t"
done

# The simulator's account: a collector, like any other.
fleet_conf() {	# account endpoints prefix
	local c
	c=$("$BIN/sacm-lab" account "$1" collector --dir "$L")
	{ cat "$c"; echo "endpoints = $2"; echo "prefix = $3"
	  echo "templates = $W/tmpl-installed.xml $W/tmpl-hardened.xml $W/tmpl-misconfigured.xml"; } > "$W/$1.conf"
}
fleet_conf fleet "$N" fleet

# LATE endpoints of another account are approved while their collector
# is offline: they wait (the starvation case), and are assessed when it
# comes back, after the others.
LATE=${FLEET_LATE:-40}
fleet_conf late "$LATE" late
"$BIN/sacm-fleet" -f "$W/late.conf" > "$W/late.log" 2>&1 &
LPID=$!
check "another account announces $LATE endpoints" wait_for 60 grep -q "$LATE endpoints announced" "$W/late.log"
kill "$LPID"; wait "$LPID" 2>/dev/null; LPID=
lates=()
for i in $(seq 1 "$LATE"); do lates+=("$(printf 'late-%06d' "$i")"); done
check "... goes offline, and an operator approves them" bash -c "'$S' endpoints approve ${lates[*]} > '$W/approve-late.out'"
check "sacm-fleet -n accepts its configuration" "$BIN/sacm-fleet" -n -f "$W/fleet.conf"
"$BIN/sacm-fleet" -f "$W/fleet.conf" > "$W/fleet.log" 2>&1 &
FPID=$!
check "sacm-fleet announces $N endpoints" wait_for 120 grep -q "$N endpoints announced" "$W/fleet.log"
eps=()
for i in $(seq 1 "$N"); do eps+=("$(printf 'fleet-%06d' "$i")"); done
check "the orchestrator knows them" wait_for 60 bash -c "[ \$(grep -c 'endpoint fleet-[0-9]* ' '$L/log/orchestrator.log') -ge $N ]"
# Notifications the broker drops are taken from the topics.  The
# results repository is stopped and its subscriptions to the requests
# and results cancelled (a broker closing a session drops what it had
# queued for it: ejabberd did, 3,000 results behind); it comes back with
# a catch-up of 5 items, after half of the results were published.
RR_CONF=$L/accounts/results-repo.conf
"$BIN/sacm-lab" stop results-repo --dir "$L" >/dev/null 2>&1
unsub() {	# topic: as results-repo itself, with a client we did not write
	printf "<pubsub xmlns='http://jabber.org/protocol/pubsub'><unsubscribe node='%s' jid='results-repo@grid.test'/></pubsub>" "$1" > "$W/unsub.xml"
	/usr/bin/python3 tests/integration/hostile.py iq "$RR_CONF" pubsub.grid.test set "$W/unsub.xml" > "$W/unsub.out" 2>&1 &&
	    grep -q "^hostile: result" "$W/unsub.out"
}
unsub_both() { unsub sacm/evaluation/requests && unsub sacm/evaluation/results; }
check "the results repository stopped, its subscriptions cancelled" unsub_both
# Meanwhile an evaluator account (a client we did not write) publishes
# results under ids that name no request: when the repository lists the
# topic, it fetches none of them.
echo "<result xmlns='http://sacm-grid.dev/protocol/1'/>" > "$W/junk.xml"
junk() {
	local id
	for id in "fleet-000001/../../etc" "no such request" "fleet-000002/"; do
		/usr/bin/python3 tests/integration/hostile.py publish \
		    "$L/accounts/evaluator-2.conf" sacm/evaluation/results \
		    "$id" "$W/junk.xml" 2>&1 | grep -q "^hostile: published" ||
		    return 1
	done
}
check "an evaluator publishes under ids that are not result ids" junk
echo "catchup_items = 5" > "$L/etc/results-repo.local"
# One account's first endpoint may be approved by auto_approve; an
# operator approves them all (approving an approved one changes
# nothing).
approve() { "$S" endpoints approve "$@" > "$W/approve.out"; }
check "an operator approves them" approve "${eps[@]}"
published() {	# results the evaluators published for the fleet
	[ "$(cat "$L"/log/evaluator-*.log | grep -c 'result published' || true)" -ge "$1" ]
}
check "half of the results published meanwhile" wait_for 300 published $((N / 2))
"$BIN/sacm-lab" start results-repo --dir "$L" >/dev/null 2>&1
check "the results repository back: it takes the results it missed" wait_for 120 grep -q "after connecting: [0-9]* missed results fetched, [1-9][0-9]* stored" "$L/log/results-repo.log"
check "... and not those ids" grep -q "after connecting: [3-9] ids on sacm/evaluation/results are not result ids" "$L/log/results-repo.log"
nresults() {
	"$S" results --policy "$ID" --json | /usr/bin/python3 -c '
import json, sys
print(sum(1 for r in json.load(sys.stdin) if r["endpoint"].startswith("fleet-")))'
}
if [ "$NODES" -gt 1 ]; then
	# Node 2 dies with a third of the results in.
	check "a third of the results in" wait_for 300 bash -c "[ \$($(declare -f nresults); S='$S' ID='$ID' nresults) -ge $((N / 3)) ]"
	on2=$(grep -l '^host = 127.0.0.2 ' "$L"/etc/*.conf 2>/dev/null | xargs -n1 basename 2>/dev/null | sed 's/\.conf$//' | paste -sd' ')
	kill -9 "$(cat "$L/ejabberd-2/ejabberd.pid")"
	moved() {
		local d
		for d in $on2; do
			grep -q "next broker node" "$L/log/$d.log" || return 1
		done
	}
	check "node 2 killed: its daemons ($on2) move to another node" wait_for 60 moved
fi
# An evaluator stops with work in hand: the other takes it over.
"$BIN/sacm-lab" stop evaluator-1 --dir "$L" >/dev/null 2>&1
check "evaluator-1 stopped: the orchestrator sees it gone" wait_for 60 grep -q "evaluator evaluator-1@grid.test/[^ ]* gone" "$L/log/orchestrator.log"
taken_over() {	# what it abandoned (if anything) is assigned again
	! grep -q "evaluation abandoned (stopping)" "$L/log/evaluator-1.log" ||
	    grep -q "the evaluator is gone; assigning again" "$L/log/orchestrator.log"
}
check "... and assigns again what it had in hand" wait_for 60 taken_over
if [ "$NODES" -gt 1 ]; then
	node2() { "$BIN/sacm-lab" node 2 --dir "$L" > "$W/node2.out" 2>&1 &&
	    grep -q "node 2 running (pid [0-9]*), in .*'s cluster" "$W/node2.out"; }
	check "node 2 started again, in the cluster" node2
fi
check "every simulated endpoint gets a result" wait_for 600 bash -c "[ \$($(declare -f nresults); S='$S' ID='$ID' nresults) -ge $N ]"
rules() {	# endpoint: "rule result" lines, sorted
	"$S" results rules "$1" --json | /usr/bin/python3 -c '
import json, sys
for r in sorted(json.load(sys.stdin), key=lambda r: r["id"]):
    print(r["id"], r["result"])'
}
# The late account comes back.
"$BIN/sacm-fleet" -f "$W/late.conf" > "$W/late.log" 2>&1 &
LPID=$!
nlate() {
	"$S" results --policy "$ID" --json | /usr/bin/python3 -c '
import json, sys
print(sum(1 for r in json.load(sys.stdin) if r["endpoint"].startswith("late-")))'
}
check "the late endpoints' collector is back: each gets its result" wait_for 300 bash -c "[ \$($(declare -f nlate); S='$S' ID='$ID' nlate) -ge $LATE ]"
for t in "${TREES[@]}"; do rules "${MID[$t]}" > "$W/rules-$t.txt"; done
same=0 once=0
for i in $(seq 1 "$N"); do
	e=$(printf 'fleet-%06d' "$i")
	t=${TREES[$(((i - 1) % 3))]}
	rules "$e" > "$W/rules-e.txt"
	[ -s "$W/rules-e.txt" ] && cmp -s "$W/rules-e.txt" "$W/rules-$t.txt" && same=$((same + 1))
	[ "$("$S" results history "$e" --json | grep -o '"assessment"' | wc -l)" = 1 ] && once=$((once + 1))
done
check "each one's rule results are its template tree's ($same of $N)" test "$same" = "$N"
check "... one evaluation each, none duplicated ($once of $N)" test "$once" = "$N"
late_once=0
for e in "${lates[@]}"; do
	[ "$("$S" results history "$e" --json | grep -o '"assessment"' | wc -l)" = 1 ] && late_once=$((late_once + 1))
done
check "... the late ones too ($late_once of $LATE)" test "$late_once" = "$LATE"
check "the templates give different results (installed != misconfigured)" \
    bash -c "! cmp -s '$W/rules-installed.txt' '$W/rules-misconfigured.txt'"
# A posture evaluated once is not evaluated again: the endpoints of one
# template share its digests, so most results reuse an evaluation, with
# the ARF retargeted to their own endpoint.
full=$(cat "$L"/log/evaluator-*.log | grep -c ': evaluated in ' || true)
reused=$(cat "$L"/log/evaluator-*.log | grep -c 'reused (same posture)' || true)
check "most evaluations are reused ($full evaluated, $reused reused)" test "$reused" -gt "$full"
rep=$(cat "$L"/log/evaluator-*.log | awk '
/ queued: endpoint fleet-/ { e = $8; sub(",", "", e); ep[$5] = e }
/ reused \(same posture\)/ { r = $4; sub(":", "", r); if (r in ep) { print ep[r]; exit } }')
reused_arf() {	# endpoint: its ARF names it, and validates
	"$S" arf "$1" -o "$W/reused.arf" >/dev/null &&
	    grep -q "<target>$1</target>" "$W/reused.arf" &&
	    grep -q "<ai:hostname>$1</ai:hostname>" "$W/reused.arf" &&
	    grep -q "identifier\" type=\"string\">$1</fact>" "$W/reused.arf" &&
	    oscap ds rds-validate "$W/reused.arf" >/dev/null 2>&1
}
check "a reused result's ARF ($rep) names its endpoint and validates" reused_arf "$rep"
kill "$FPID"; wait "$FPID" 2>/dev/null; FPID=
integrity() {	# every database as it is now, read-only
	local f n=0
	for f in "$L"/data/*.sqlite "$L"/data/*/*.sqlite; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		/usr/bin/python3 -c 'import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=30)
r = db.execute("PRAGMA integrity_check").fetchall()
if r != [("ok",)]:
    sys.exit("%s: %s" % (sys.argv[1], r[:3]))' "$f" || return 1
	done
	echo "$n databases" > "$W/integrity.out"
	[ "$n" -ge 5 ]
}
check "every daemon's database passes integrity_check" integrity
# A request may come twice (sent again to a collector back from a lost
# session); each one is answered, and the broker takes every report.
check "sacm-fleet stops and says what it did" grep -q "$N endpoints announced, \([0-9]*\) requests, \1 reports taken, 0 refused" "$W/fleet.log"
exit $((fails > 0))
