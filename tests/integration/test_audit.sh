#!/usr/bin/env bash
# The audit trail (sacm-audit; RFC 8600 section 8.3.2, auditable logs) on
# the lab of run.sh, both brokers, with slixmpp (hostile.py) as a client
# we did not write:
#  - a known sequence of publishes (two accounts) and a retraction is
#    listed in order, with the account the broker named and the payload's
#    sha256 (as `sacmctl items` delivers it);
#  - --account and --topic select;
#  - the audit account can read but not publish;
#  - a restart (catch-up) records nothing twice;
#  - the broker's own refusals (a wrong password; on Prosody a forbidden
#    publish) are recorded from its log, each with the sha256 of its line;
#  - the database refuses to change a record, and a record changed or
#    removed behind its back breaks the chain: verify names it, exit 1.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lab_test audit-test
NS=http://sacm-grid.dev/protocol/1
BROKER=$(sed -n 's/^BROKER=//p' "$L/lab.env")
BLOG=$L/log/broker/$BROKER.log
{ grep -v '^ *\(db\|log_level\) *=' "$A/audit.conf"
  echo "db = $W/audit.sqlite"
  echo "broker_log = $BLOG"; } > "$W/audit.conf"
start() {
	local n
	n=$(lines "$W/audit.log")
	"$BIN/sacm-audit" -f "$W/audit.conf" >> "$W/audit.log" 2>&1 &
	ap=$!
	ready_since "$W/audit.log" "$n"
}
check "sacm-audit gets ready" start
t0=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
x=au-$$-$RANDOM
echo "<note xmlns='urn:test:audit'>first</note>" > "$W/a1.xml"
echo "<note xmlns='urn:test:audit'>second</note>" > "$W/a2.xml"
printf "<endpoint xmlns='%s' id='%s' hostname='h' platform='cpe:/o:debian:debian_linux:12' collector='collector-2@%s/sacm-collector'/>" "$NS" "$x" "$DOMAIN" > "$W/ep.xml"
"$S" publish sacm/policy/submissions "$W/a1.xml" --id "$x-1" > /dev/null
$H publish "$A/collector-2.conf" sacm/endpoints "$x" "$W/ep.xml" > /dev/null 2>&1
# The digest is over the payload's canonical form (C14N): Python's own.
ep_digest=$("$S" items sacm/endpoints --id "$x" --json | /usr/bin/python3 -c "import json,sys,hashlib,xml.etree.ElementTree as E; print(hashlib.sha256(E.canonicalize(json.loads(sys.stdin.readline())['payload']).encode()).hexdigest())")
$H retract "$A/admin.conf" sacm/endpoints "$x" > /dev/null 2>&1
"$S" publish sacm/policy/submissions "$W/a2.xml" --id "$x-2" > /dev/null
mine() { "$S" audit --since "$t0" --json 2>/dev/null | /usr/bin/python3 2>/dev/null -c "
import json, sys
rows = [r for r in json.load(sys.stdin) if r['item'].startswith('$x')]
for r in rows:
    print(r['action'], r['publisher'] or '-', r['topic'], r['item'], r['digest'] or '-')
"; }
want="publish ctl@$DOMAIN sacm/policy/submissions $x-1
publish collector-2@$DOMAIN sacm/endpoints $x $ep_digest
retract - sacm/endpoints $x -
publish ctl@$DOMAIN sacm/policy/submissions $x-2"
seq_ok() { [ "$(mine | cut -d' ' -f1-4)" = "$(echo "$want" | cut -d' ' -f1-4)" ]; }
check "the trail lists the sequence in order, with who published" wait_for 10 seq_ok
[ "$(mine | sed -n 2p | awk '{print $5}')" = "$ep_digest" ] && ok "... and the payload's sha256, as delivered" || no "the payload's sha256: $(mine | sed -n 2p) vs $ep_digest"
check "--account selects one account's records" bash -c "'$S' audit --account collector-2@$DOMAIN --json | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit(not r or any(x[\"publisher\"] != \"collector-2@$DOMAIN\" for x in r))'"
check "--topic selects one topic's" bash -c "'$S' audit --topic sacm/endpoints --json | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit(not r or any(x[\"topic\"] != \"sacm/endpoints\" for x in r))'"
check "the chain holds (verify, exit 0)" bash -c "'$S' audit verify | grep -q 'holds'"
check "the audit account cannot publish (forbidden)" bash -c "$H publish '$A/audit.conf' sacm/endpoints '$x-forged' '$W/ep.xml' 2>/dev/null | grep -q 'refused: forbidden'"
check "nobody but operators may ask (forbidden)" bash -c "printf \"<query xmlns='$NS/audit' type='verify'/>\" > '$W/q.xml'; $H iq '$A/collector-1.conf' audit@$DOMAIN/sacm-audit get '$W/q.xml' 2>/dev/null | grep -q 'refused: forbidden'"

# The broker's own denials, from its log: a login with a wrong password
# and a publish the affiliations forbid, both by slixmpp.  (ejabberd logs
# no pubsub refusal: there the login alone.)
sleep 2		# the log's backlog is in; what follows is new
td=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
sed "s|^password_file = .*|password_file = $W/wrong.pass|" "$A/collector-3.conf" > "$W/wrong.conf"
echo "not-the-password-$RANDOM" > "$W/wrong.pass"
check "a login with a wrong password is refused" bash -c "$H login '$W/wrong.conf' 2>/dev/null | grep -q 'login refused'"
$H publish "$A/collector-3.conf" sacm/policy "$x-denied" "$W/a1.xml" > /dev/null 2>&1
denied() { "$S" audit --topic broker --account "collector-3@$DOMAIN" --since "$td" --json 2>/dev/null |
	/usr/bin/python3 -c "import json,sys; r=json.load(sys.stdin); sys.exit(not any(x['item'] == '$1' and x['action'] == 'denied' for x in r))"; }
check "the broker's refusal of that login is in the trail (topic broker, $BROKER's log)" wait_for 15 denied login
if [ "$BROKER" = prosody ]; then
	check "... and its refusal of the publish" wait_for 15 denied "publish on sacm/policy"
fi
# Each such record's digest is the sha256 of one line of the broker's log
# that names the account (Python's hashlib over the log is the oracle).
"$S" audit --topic broker --since "$td" --json > "$W/denials.json" 2>/dev/null
check "... each digest is the sha256 of the broker's log line that names the account" /usr/bin/python3 -c "
import json, hashlib, sys
lines = {hashlib.sha256(l).hexdigest(): l for l in open('$BLOG', 'rb').read().split(b'\\n')}
rows = json.load(open('$W/denials.json'))
sys.exit(not rows or any(r['digest'] not in lines or r['publisher'].encode() not in lines[r['digest']] for r in rows))"

n1=$(sqlite3 "$W/audit.sqlite" "SELECT count(*) FROM record")
kill $ap; wait $ap 2>/dev/null
check "after a restart (catch-up)" start
sleep 2
check "... nothing is recorded twice" test "$(sqlite3 "$W/audit.sqlite" "SELECT count(*) FROM record")" = "$n1"

check "the database refuses to change a record" bash -c "! sqlite3 '$W/audit.sqlite' \"UPDATE record SET publisher = 'someone@else' WHERE seq = 2\" 2>/dev/null"
check "... or to delete one" bash -c "! sqlite3 '$W/audit.sqlite' 'DELETE FROM record WHERE seq = 2' 2>/dev/null"
sqlite3 "$W/audit.sqlite" "DROP TRIGGER record_no_update; UPDATE record SET publisher = 'someone@else' WHERE seq = 2"
check "a record changed behind its back: verify names it (exit 1)" bash -c "'$S' audit verify > '$W/v.out'; [ \$? = 1 ] && grep -q 'BROKEN at record 2: its hash does not match' '$W/v.out'"
check "... and says so in --json" bash -c "'$S' audit verify --json | /usr/bin/python3 -c 'import json,sys; v=json.load(sys.stdin); sys.exit(not (v[\"ok\"] is False and v[\"bad\"] == 2))'"
sqlite3 "$W/audit.sqlite" "DROP TRIGGER record_no_delete; DELETE FROM record WHERE seq = 1"
check "a record removed: verify says one is missing" bash -c "'$S' audit verify | grep -q 'BROKEN at record 2: a record is missing'"
kill $ap 2>/dev/null; wait $ap 2>/dev/null
[ $fails -eq 0 ] || tail -20 "$W/audit.log"
exit $((fails > 0))
