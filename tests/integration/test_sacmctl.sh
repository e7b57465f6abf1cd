#!/usr/bin/env bash
# sacmctl and sacm-lab as a user runs them, on the lab of run.sh.
set -uo pipefail
S=$BIN/sacmctl
A=$SACM_LAB_DIR/accounts
export SACM_CONFIG=$A/ctl.conf
. "$(dirname "$0")/lib.sh"
json_ok() { /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)'; }

check "sacmctl --help exits 0" bash -c "'$S' --help >/dev/null"
"$S" frobnicate >/dev/null 2>&1; check "unknown command exits 2" test $? = 2
for c in grid topics affiliations items watch publish retract blob policy feeds; do
	"$S" "$c" --help >/dev/null || no "sacmctl $c --help"
done
ok "every command has --help"

err=$(SACM_CONFIG= "$S" topics 2>&1); rc=$?
check "no configuration: non-zero and one line" test $rc = 1 -a "$(echo "$err" | wc -l)" = 1
# A broker that is down is said as such, not as a refused login.
sed 's/^port = .*/port = 1/' "$A/ctl.conf" > "$SACM_LAB_DIR/down.conf"
err=$("$S" -c "$SACM_LAB_DIR/down.conf" topics 2>&1)
check "a broker not listening: \"cannot reach the broker\" ($err)" \
    grep -q "cannot reach the broker at .*:1: Connection refused" <<<"$err"

# grid init is idempotent: a second run grants and revokes nothing.
out=$("$S" grid init --json)
check "grid init --json is JSON" json_ok <<<"$out"
check "grid init twice changes nothing" test "$(echo "$out" | grep -o '"granted":[1-9]' | wc -l)" = 0

out=$("$S" topics --json)
check "topics --json is JSON" json_ok <<<"$out"
check "topics lists all 19 with types" test "$(echo "$out" | grep -o '"type":"[^"]*"' | grep -c 'sacm-grid\|iodef')" = 19

# publish, items, watch
id=cli-$$-$RANDOM
echo "<t xmlns='urn:test'>$id</t>" > "$SACM_LAB_DIR/t.xml"
"$S" watch sacm/policy --count 1 --timeout 20 --json > "$SACM_LAB_DIR/watch.out" 2> "$SACM_LAB_DIR/watch.err" &
wpid=$!
# watch says so once it is subscribed
check "watch subscribes" wait_for 20 grep -q "watching 1 topic" "$SACM_LAB_DIR/watch.err"
# (as the grid administrator, who owns the topics: the operator only
# reads sacm/policy)
check "publish prints the item id" test "$("$S" -c "$A/admin.conf" publish sacm/policy "$SACM_LAB_DIR/t.xml" --id "$id")" = "$id"
wait $wpid; rc=$?
check "watch saw the event and exited 0" test $rc = 0
check "watch printed it as JSON" grep -q "\"id\":\"$id\"" "$SACM_LAB_DIR/watch.out"
out=$("$S" items sacm/policy --id "$id" --json)
check "items --id finds it" grep -q "$id" <<<"$out"
check "items --json is JSON" json_ok <<<"$out"

err=$("$S" items sacm/does-not-exist 2>&1); rc=$?
check "unknown topic: exit 1 with a reason" test $rc = 1 -a -n "$err"
echo "<bad>" > "$SACM_LAB_DIR/bad.xml"
err=$("$S" publish sacm/policy "$SACM_LAB_DIR/bad.xml" 2>&1); rc=$?
check "malformed XML is refused before sending" grep -q "not well-formed" <<<"$err"
err=$("$S" -c "$A/dashboard.conf" publish sacm/results "$SACM_LAB_DIR/t.xml" 2>&1); rc=$?
check "a dashboard cannot publish" grep -q "forbidden" <<<"$err"
err=$("$S" publish sacm/policy "$SACM_LAB_DIR/t.xml" 2>&1); rc=$?
check "nor can the operator where it only reads" grep -q "forbidden" <<<"$err"

# sacm-lab: up again is safe, status and env work
check "sacm-lab up twice is safe" bash -c "'$BIN/sacm-lab' up --dir '$SACM_LAB_DIR' --broker-only >/dev/null 2>&1"
check "sacm-lab status reports running" bash -c "'$BIN/sacm-lab' status --dir '$SACM_LAB_DIR' | grep -q running"
check "sacm-lab env points at ctl.conf" bash -c "eval \"\$('$BIN/sacm-lab' env --dir '$SACM_LAB_DIR')\" && test \"\$SACM_CONFIG\" = '$A/ctl.conf'"
exit $((fails > 0))
