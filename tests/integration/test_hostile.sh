#!/usr/bin/env bash
# Trust: what a hostile account can try with a client we did not write
# (slixmpp, tests/integration/hostile.py), on the lab of run.sh.
#  - A reply with the right id from the wrong account is ignored: an
#    answer counts only from the entity that was asked.
#  - An item whose id is not an identifier is dropped by our library
#    (every service, sacmctl) and a repository refuses an announcement
#    whose identifiers are hostile, and stays up.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lab_test hostile-test
{ cat "$A/ctl.conf"; echo "iq_timeout_ms = 6000"; } > "$W/ctl.conf"

# 1. Forged replies.
: > "$W/late.out"; : > "$W/never.out"
$H forge-reply "$A/collector-1.conf" "$A/stranger.conf" late > "$W/late.out" 2>&1 &
hp=$!
check "forger and answerer are online" wait_for 30 grep -q "hostile: ready" "$W/late.out"
"$S" -c "$W/ctl.conf" disco "collector-1@$DOMAIN/sacm-collector" --json > "$W/late.json" 2> "$W/late.err"
wait $hp
check "the forger saw the request (it had the right id)" grep -q "forged answers sent" "$W/late.out"
check "a reply with the right id from another account is ignored" bash -c "! grep -q FORGED '$W/late.json'"
check "... and the genuine one, arriving later, is taken" grep -q GENUINE "$W/late.json"

$H forge-reply "$A/collector-1.conf" "$A/stranger.conf" never > "$W/never.out" 2>&1 &
hp=$!
wait_for 30 grep -q "hostile: ready" "$W/never.out"
"$S" -c "$W/ctl.conf" disco "collector-1@$DOMAIN/sacm-collector" --json > "$W/never.json" 2> "$W/never.err"; rc=$?
wait $hp
check "with only forged replies, the request times out (exit 1, nothing taken)" bash -c "[ $rc = 1 ] && ! grep -q FORGED '$W/never.json' && grep -q 'no answer' '$W/never.err'"

# 2. Identifiers that are not identifiers.
{ grep -v '^ *\(db\|log_level\) *=' "$A/posture-repo.conf"; echo "db = $W/ps.sqlite"
  echo "require_approval = no"; } > "$W/ps.conf"
"$BIN/sacm-posture-repo" -f "$W/ps.conf" > "$W/ps.log" 2>&1 &
ps=$!
check "the posture repository gets ready" ready_since "$W/ps.log" 0
"$S" watch sacm/endpoints --count 1 --timeout 30 --json > "$W/watch.out" 2> "$W/watch.err" &
wp=$!
wait_for 20 grep -q "watching 1 topic" "$W/watch.err"
inject="x'/></items></event></message><iq type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='sacm/evaluation/requests'/>"
n=0
for bad in "$inject" "a'b" 'a"b' 'a<b' 'a&b' 'a b' "$(printf 'a\tb')" "$(head -c 10000 /dev/zero | tr '\0' x)"; do
	n=$((n + 1))
	printf "<endpoint xmlns='http://sacm-grid.dev/protocol/1' id=%s hostname='evil' platform='cpe:/o:debian:debian_linux:11' collector='collector-1@%s/sacm-collector'/>" \
	    "$(/usr/bin/python3 -c 'import sys; from xml.sax.saxutils import quoteattr; print(quoteattr(sys.argv[1]))' "$bad")" "$DOMAIN" > "$W/bad$n.xml"
	$H publish "$A/collector-1.conf" sacm/endpoints "$bad" "$W/bad$n.xml" >> "$W/publish.out" 2>&1
done
good=good-$$-$RANDOM
printf "<endpoint xmlns='http://sacm-grid.dev/protocol/1' id='%s' hostname='fine' platform='cpe:/o:debian:debian_linux:11' collector='collector-1@%s/sacm-collector'/>" "$good" "$DOMAIN" > "$W/good.xml"
$H publish "$A/collector-1.conf" sacm/endpoints "$good" "$W/good.xml" >> "$W/publish.out" 2>&1
wait $wp
check "our library passes on the first good item after $n hostile ones" grep -q "\"id\":\"$good\"" "$W/watch.out"
check "... and nothing else" test "$(grep -c '"topic"' "$W/watch.out")" = 1
check "... saying why it dropped them" grep -q "not an identifier" "$W/watch.err"
check "the posture repository refused them and stays up" bash -c "grep -q 'not an identifier' '$W/ps.log' && kill -0 $ps"
# a valid item id whose payload names a hostile endpoint
printf "<endpoint xmlns='http://sacm-grid.dev/protocol/1' id=\"x'y\" hostname='evil'/>" > "$W/bad-payload.xml"
n0=$(grep -c "not an identifier" "$W/ps.log")
$H publish "$A/collector-1.conf" sacm/endpoints "ok-item-$$" "$W/bad-payload.xml" >> "$W/publish.out" 2>&1
check "an announcement whose payload id is hostile is refused" wait_for 10 bash -c "[ \$(grep -c 'not an identifier' '$W/ps.log') -gt $n0 ]"
check "... the repository lists no hostile endpoint" bash -c "! '$S' endpoints --json | grep -q evil"
# Endpoints belong to the collector account that announced them.
e1=ep1-$$-$RANDOM e2=ep2-$$-$RANDOM
ann() {	# account endpoint collector-jid
	printf "<endpoint xmlns='http://sacm-grid.dev/protocol/1' id='%s' hostname='h-%s' platform='cpe:/o:debian:debian_linux:11' collector='%s'/>" "$2" "$2" "$3" > "$W/ann.xml"
	$H publish "$A/$1.conf" sacm/endpoints "$2" "$W/ann.xml"
}
ann collector-1 "$e1" "collector-1@$DOMAIN/sacm-collector" >> "$W/publish.out" 2>&1
check "a collector's own announcement is taken" wait_for 10 grep -q "endpoint $e1 .* by collector-1@" "$W/ps.log"
ann collector-2 "$e2" "collector-1@$DOMAIN/sacm-collector" >> "$W/publish.out" 2>&1
check "an announcement naming another account's collector is refused" wait_for 10 grep -q "endpoint $e2 ignored: it names collector collector-1@$DOMAIN but collector-2@$DOMAIN published it" "$W/ps.log"
printf "<posture-report xmlns='http://sacm-grid.dev/protocol/1' endpoint='%s' request='r1' policy='p1' profile='x' reason='request' state='collected' sequence='1' collected='2026-12-01T00:00:00Z'/>" "$e1" > "$W/rep.xml"
$H publish "$A/collector-2.conf" sacm/posture "$e1/r1" "$W/rep.xml" >> "$W/publish.out" 2>&1
check "posture for another account's endpoint is refused" wait_for 10 grep -q "collector-2@$DOMAIN reports for endpoint $e1, which belongs to collector-1@$DOMAIN" "$W/ps.log"
# Leave the lab's topics as they were: the endpoints announced here
# would otherwise be taken up by the lab's own daemons later.
$H retract "$A/admin.conf" sacm/posture "$e1/r1" >> "$W/publish.out" 2>&1
$H retract "$A/admin.conf" sacm/endpoints "$e1" >> "$W/publish.out" 2>&1
$H retract "$A/admin.conf" sacm/endpoints "ok-item-$$" >> "$W/publish.out" 2>&1
$H retract "$A/admin.conf" sacm/endpoints "$e2" >> "$W/publish.out" 2>&1
$H retract "$A/admin.conf" sacm/endpoints "$good" >> "$W/publish.out" 2>&1
# Who may ask: the operators and the dashboard, not a collector.
check "the operator may query the posture repository" "$S" endpoints
"$S" -c "$A/collector-2.conf" endpoints > /dev/null 2> "$W/q.err"
check "a collector may not (forbidden)" grep -q "forbidden" "$W/q.err"
kill $ps 2>/dev/null; wait $ps 2>/dev/null

# 3. A publisher touches only its own items; only an owner purges.
mine=mine-$$-$RANDOM
printf "<endpoint xmlns='http://sacm-grid.dev/protocol/1' id='%s' hostname='one'/>" "$mine" > "$W/mine.xml"
"$S" -c "$A/collector-1.conf" publish sacm/endpoints "$W/mine.xml" --id "$mine" > /dev/null
printf "<endpoint xmlns='http://sacm-grid.dev/protocol/1' id='%s' hostname='HIJACKED'/>" "$mine" > "$W/theirs.xml"
check "another publisher cannot replace an item" bash -c "$H publish '$A/collector-2.conf' sacm/endpoints '$mine' '$W/theirs.xml' | grep -q 'refused: forbidden'"
check "... nor retract it" bash -c "$H retract '$A/collector-2.conf' sacm/endpoints '$mine' | grep -q 'refused: forbidden'"
check "... nor purge the topic" bash -c "$H purge '$A/collector-2.conf' sacm/endpoints | grep -q 'refused'"
check "... and the item is as its publisher left it" bash -c "'$S' items sacm/endpoints --id '$mine' | grep -q \"hostname=.one.\""
check "its publisher replaces it" bash -c "$H publish '$A/collector-1.conf' sacm/endpoints '$mine' '$W/mine.xml' | grep -q 'hostile: published'"
check "... but may not retract it (collectors are publish-only there)" bash -c "$H retract '$A/collector-1.conf' sacm/endpoints '$mine' | grep -q 'refused: forbidden'"
check "the topic's owner may" bash -c "$H retract '$A/admin.conf' sacm/endpoints '$mine' | grep -q 'retract done'"

# 4. Passwords never cross the wire: no SASL PLAIN, on either broker.
check "a login with SASL PLAIN is refused" bash -c "$H plain '$A/collector-1.conf' | grep -q 'PLAIN refused'"

# 5. Blob links point at the upload service, nowhere else.
echo "blob $$" > "$W/blob.txt"
"$S" blob put "$W/blob.txt" > "$W/ref.xml"
check "a blob link on the upload service is fetched" bash -c "'$S' blob get '$W/ref.xml' -o '$W/back.txt' 2>/dev/null && cmp -s '$W/blob.txt' '$W/back.txt'"
sed 's#https://upload\.[^/:]*:[0-9]*#https://127.0.0.1:1#' "$W/ref.xml" > "$W/ref-elsewhere.xml"
check "a link to another host is refused before any request" bash -c "'$S' blob get '$W/ref-elsewhere.xml' -o '$W/x' 2>&1 | grep -q 'is not on the upload service'"
sed 's#\(https://upload\.[^/:]*\):[0-9]*#\1:1#' "$W/ref.xml" > "$W/ref-port.xml"
check "... and to another port" bash -c "'$S' blob get '$W/ref-port.xml' -o '$W/x' 2>&1 | grep -q 'is not on the upload service'"

# 6. A result counts only from an evaluator, for a request the orchestrator
# made, assigned to that evaluator, repeating the request's claims.
{ grep -v '^ *\(db\|log_level\) *=' "$A/results-repo.conf"; echo "db = $W/rr.sqlite"; } > "$W/rr.conf"
"$BIN/sacm-results-repo" -f "$W/rr.conf" > "$W/rr.log" 2>&1 &
rp=$!
check "the results repository gets ready" ready_since "$W/rr.log" 0
ep=hostile-ep-$$ pol=$(printf '%064d' $$)
req() {	# request-id endpoint evaluator
	printf "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1' endpoint='%s' assessment='a-%s' profile='p' evaluator='%s@%s'><policy id='%s' kind='datastream'/></evaluation-request>" "$2" "$1" "$3" "$DOMAIN" "$pol" > "$W/req.xml"
}
res() {	# endpoint assessment
	printf "<evaluation-result xmlns='http://sacm-grid.dev/protocol/1' state='failed' endpoint='%s' policy='%s' profile='p' assessment='a-%s'><reason>forged</reason></evaluation-result>" "$1" "$pol" "$2" > "$W/res.xml"
}
r1=e-h1-$$ r2=e-h2-$$ r3=e-h3-$$
req "$r1" "$ep" evaluator-1
$H publish "$A/orchestrator.conf" sacm/evaluation/requests "$r1" "$W/req.xml" >> "$W/publish.out" 2>&1
res "$ep" "$r1"
$H publish "$A/evaluator-2.conf" sacm/evaluation/results "$r1" "$W/res.xml" >> "$W/publish.out" 2>&1
check "a result from an evaluator the request was not assigned to is refused" wait_for 15 grep -q "result $r1 rejected: request $r1 was assigned to evaluator-1@$DOMAIN, not evaluator-2@$DOMAIN" "$W/rr.log"
res "$ep" "never-$$"
$H publish "$A/evaluator-1.conf" sacm/evaluation/results "e-never-$$" "$W/res.xml" >> "$W/publish.out" 2>&1
check "a result for a request never made is refused" wait_for 15 grep -q "result e-never-$$ rejected: no evaluation request e-never-$$" "$W/rr.log"
req "$r3" "$ep" evaluator-1
$H publish "$A/orchestrator.conf" sacm/evaluation/requests "$r3" "$W/req.xml" >> "$W/publish.out" 2>&1
res "someone-else" "$r3"
$H publish "$A/evaluator-1.conf" sacm/evaluation/results "$r3" "$W/res.xml" >> "$W/publish.out" 2>&1
check "a result whose endpoint is not its request's is refused" wait_for 15 grep -q "result $r3 rejected: its endpoint is not the request's" "$W/rr.log"
req "$r2" "$ep" evaluator-1
check "a collector cannot publish an evaluation request (forbidden)" bash -c "$H publish '$A/collector-1.conf' sacm/evaluation/requests '$r2' '$W/req.xml' | grep -q 'refused: forbidden'"
res "$ep" "$r2"
check "... nor a result" bash -c "$H publish '$A/collector-1.conf' sacm/evaluation/results '$r2' '$W/res.xml' | grep -q 'refused: forbidden'"
check "an evaluator cannot publish a request to cover its result (forbidden)" bash -c "$H publish '$A/evaluator-1.conf' sacm/evaluation/requests '$r2' '$W/req.xml' | grep -q 'refused: forbidden'"
check "nothing was stored for the endpoint" bash -c "! '$S' results --json | grep -q '$ep'"
res "$ep" "$r3"
$H publish "$A/evaluator-1.conf" sacm/evaluation/results "$r3" "$W/res.xml" >> "$W/publish.out" 2>&1
check "the assigned evaluator's result, agreeing with the request, is stored" wait_for 15 grep -q "result $r3 stored: endpoint $ep, failed" "$W/rr.log"
# r1's id was taken by evaluator-2 (above). The real evaluator-1, started
# now, catches r1 up: the forged result under its id does not count as
# its answer, and its own (failed: the request names no announcement) is
# published under another id, and stored as r1's.
{ cat "$A/evaluator-1.conf"; echo "state_dir = $W/ev"; } > "$W/ev.conf"
mkdir -p "$W/ev"; chmod 700 "$W/ev"
"$BIN/sacm-evaluator" -f "$W/ev.conf" > "$W/ev.log" 2>&1 &
evp=$!
check "an evaluator does not take another account's result under a request's id for its own answer" wait_for 30 grep -q "$r1: another account holds that item id; publishing the result as $r1/" "$W/ev.log"
check "... and the results repository stores its result as the request's" wait_for 15 grep -q "result $r1 stored: endpoint $ep, failed" "$W/rr.log"
check "... but not evaluator-2's, under the same id" bash -c "[ \$(grep -c 'result $r1 rejected' '$W/rr.log') = 1 ]"
kill $evp 2>/dev/null; wait $evp 2>/dev/null
r1b=$(sed -n "s/.*publishing the result as \($r1\/[0-9a-f]*\).*/\1/p" "$W/ev.log" | head -1)
check "the results repository stayed up" kill -0 $rp
kill $rp 2>/dev/null; wait $rp 2>/dev/null
for r in "$r1" "$r3"; do
	$H retract "$A/orchestrator.conf" sacm/evaluation/requests "$r" >> "$W/publish.out" 2>&1
done
$H retract "$A/evaluator-1.conf" sacm/evaluation/results "$r3" >> "$W/publish.out" 2>&1
$H retract "$A/evaluator-2.conf" sacm/evaluation/results "$r1" >> "$W/publish.out" 2>&1
[ -n "$r1b" ] && $H retract "$A/evaluator-1.conf" sacm/evaluation/results "$r1b" >> "$W/publish.out" 2>&1
$H retract "$A/evaluator-1.conf" sacm/evaluation/results "e-never-$$" >> "$W/publish.out" 2>&1
exit $((fails > 0))
