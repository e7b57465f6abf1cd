#!/usr/bin/env bash
# Revocation at once (RFC 8600 section 8.3; sacmctl grid revoke|reinstate),
# tried with a client we did not write (slixmpp, hostile.py) on the lab
# of run.sh, on both brokers:
#  - a revoked collector's live session ends and it cannot log in again,
#    all within 5 s of the command;
#  - it is an outcast on every topic, its subscriptions are cancelled (the
#    broker's own list, read by slixmpp), and grid init keeps it an outcast;
#  - the orchestrator rejects its endpoints and ignores what it published;
#  - taking a role away (affiliation none) ends the subscription too:
#    Prosody 0.12 alone kept it and failed the request;
#  - reinstate with a new password lets it log in again; grid init grants
#    its role again; its endpoint waits for an operator.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lab_test revoke-test
NS=http://sacm-grid.dev/protocol/1
rv=rv-$$-$RANDOM gone=gone-$$-$RANDOM
"$BIN/sacm-lab" account "$rv" collector --dir "$L" > /dev/null
"$BIN/sacm-lab" account "$gone" collector --dir "$L" > /dev/null

{ grep -v '^ *\(db\|log_level\) *=' "$A/orchestrator.conf"
  echo "db = $W/orch.sqlite"; echo "auto_approve = yes"; } > "$W/orch.conf"
"$BIN/sacm-orchestrator" -f "$W/orch.conf" > "$W/orch.log" 2>&1 &
op=$!
check "the orchestrator gets ready" ready_since "$W/orch.log" 0
ann() {	# account endpoint
	printf "<endpoint xmlns='%s' id='%s' hostname='h' platform='cpe:/o:debian:debian_linux:12' collector='%s@%s/sacm-collector'/>" "$NS" "$2" "$1" "$DOMAIN" > "$W/ann.xml"
	$H publish "$A/$1.conf" sacm/endpoints "$2" "$W/ann.xml" 2>/dev/null
}
quiet() { "$@" > /dev/null 2>&1; }
# The broker's own list, as the topic's owner reads it with slixmpp:
# "yes", "no", or nothing when the list could not be read.
sub_state() {	# account topic
	local out
	out=$($H subscriptions "$A/ctl.conf" "$2" 2> /dev/null)
	grep -q "hostile: end" <<< "$out" || return
	if grep -q "subscription $1@$DOMAIN" <<< "$out"; then echo yes
	else echo no; fi
}
subscribed() { [ "$(sub_state "$@")" = yes ]; }
unsubscribed() { [ "$(sub_state "$@")" = no ]; }
affiliation() {	# account topic
	"$S" affiliations "$2" | awk -v j="$1@$DOMAIN" '$1 == j { print $2 }'
}
e=ep-$$-$RANDOM
ann "$rv" "$e" > "$W/ann.out"
check "the collector announces its endpoint" grep -q published "$W/ann.out"
check "... which is approved" wait_for 15 grep -q "endpoint $e approved by auto_approve" "$W/orch.log"

# The collector holds a session, subscribed to sacm/collection/requests.
$H hold "$A/$rv.conf" sacm/collection/requests 60 > "$W/hold.out" 2>&1 &
hp=$!
check "the collector is online and subscribed" wait_for 20 grep -q "hostile: subscribed" "$W/hold.out"
check "... as the broker's list shows" wait_for 10 subscribed "$rv" sacm/collection/requests

t0=$(date +%s.%N)
"$S" grid revoke "$rv@$DOMAIN" > "$W/revoke.out" 2>&1
rc=$?
check "grid revoke succeeds (every step)" test $rc = 0
check "its live session ends within 5 s" wait_for 5 grep -q "hostile: disconnected" "$W/hold.out"
t1=$(date +%s.%N)
echo "     (revoke to session end: $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s at most)"
check "it cannot log in again" bash -c "$H login '$A/$rv.conf' 2>/dev/null | grep -q 'login refused'"
check "it is an outcast on every topic" bash -c "for t in \$('$S' topics --json | /usr/bin/python3 -c 'import json,sys; [print(t[\"topic\"]) for t in json.load(sys.stdin)]'); do [ \"\$('$S' affiliations \$t | awk -v j=$rv@$DOMAIN '\$1 == j { print \$2 }')\" = outcast ] || exit 1; done"
check "its subscription is gone (the broker's list)" wait_for 10 unsubscribed "$rv" sacm/collection/requests
check "the orchestrator rejected its endpoint" wait_for 10 grep -q "account $rv@$DOMAIN revoked by ctl@$DOMAIN: 1 endpoints rejected" "$W/orch.log"
check "sacmctl endpoints rejected lists it" bash -c "'$S' endpoints rejected | grep -q '$e'"
# Who asked for it is on sacm/operations: the administrator's revocation,
# and the orchestrator's record of the request it answered.
ops() { "$S" items sacm/operations -n 50 2>/dev/null; }
check "the revocation is on sacm/operations, by the administrator" \
    bash -c "$(declare -f ops); S='$S'; ops | grep -A1 'by ctl@$DOMAIN' | grep 'action=.revoke.' | grep -q 'account=.$rv@$DOMAIN.'"
check "... and the orchestrator's record of the request it answered" \
    bash -c "$(declare -f ops); S='$S'; ops | grep -A1 'by orchestrator@$DOMAIN' | grep 'action=.revoke.' | grep 'by=.ctl@$DOMAIN.' | grep -q 'account=.$rv@$DOMAIN.'"
"$S" grid init > /dev/null 2>&1
check "grid init leaves the outcast an outcast" test "$(affiliation "$rv" sacm/endpoints)" = outcast
"$S" grid revoke "$rv@$DOMAIN" --json > "$W/revoke.json" 2>&1
check "revoking twice is fine (--json: every step ok)" /usr/bin/python3 -c "
import json, sys
r = json.load(open('$W/revoke.json'))
sys.exit(not (r['ok'] and r['action'] == 'revoke' and all(
    r[k]['ok'] for k in ('login', 'sessions', 'topics', 'endpoints'))))"

# Taking a role away ends the subscription (the broker's set_affiliation).
$H hold "$A/$gone.conf" sacm/collection/requests 60 > "$W/hold2.out" 2>&1 &
hp2=$!
check "another collector is subscribed" wait_for 20 grep -q "hostile: subscribed" "$W/hold2.out"
grep -v "$gone@" "$L/roles.conf" > "$W/roles.conf"
check "grid init without its role succeeds" quiet "$S" grid init --roles "$W/roles.conf"
check "... and its subscription is gone" wait_for 10 unsubscribed "$gone" sacm/collection/requests
"$S" publish sacm/collection/requests "$W/ann.xml" --id "after-$$" > /dev/null 2>&1
check "... so it receives no more events" holds_for 3 bash -c "! grep -q 'event after-$$' '$W/hold2.out'"
kill $hp2 2>/dev/null

# Reinstate: a new password, the role again, the endpoint pending.
head -c 24 /dev/urandom | base64 > "$W/new.pass"
check "grid reinstate with a new password succeeds" quiet "$S" grid reinstate "$rv@$DOMAIN" --password-file "$W/new.pass"
sed "s|^password_file = .*|password_file = $W/new.pass|" "$A/$rv.conf" > "$W/rv.conf"
check "it logs in with the new password" bash -c "$H login '$W/rv.conf' 2>/dev/null | grep -q 'login accepted'"
check "... not with the old one" bash -c "$H login '$A/$rv.conf' 2>/dev/null | grep -q 'login refused'"
"$S" grid init > /dev/null 2>&1
check "grid init grants its role again (publish-only)" test "$(affiliation "$rv" sacm/endpoints)" = publish-only
check "its endpoint waits for an operator" bash -c "'$S' endpoints pending | grep -q '$e'"
check "an operator approves it again" bash -c "'$S' endpoints approve '$e' | grep -q approved"

# Bad input: a clear error, nothing done.
check "revoking a non-account is refused (exit 1)" bash -c "'$S' grid revoke 'not an account' 2>/dev/null; [ \$? = 1 ]"
check "the command's own account is refused" bash -c "! '$S' grid revoke ctl@$DOMAIN 2>&1 | grep -q revoked"

kill $hp $op 2>/dev/null
wait $op 2>/dev/null
# Leave the lab's roles as they were: both accounts revoked, out of the
# role file.
"$S" grid revoke "$gone@$DOMAIN" > /dev/null 2>&1
"$S" grid revoke "$rv@$DOMAIN" > /dev/null 2>&1
grep -v -e " $rv@" -e " $gone@" "$L/roles.conf" > "$W/roles.left"
cat "$W/roles.left" > "$L/roles.conf"
"$S" grid init > /dev/null 2>&1
[ $fails -eq 0 ] || { tail -20 "$W/orch.log"; cat "$W/revoke.out"; }
exit $((fails > 0))
