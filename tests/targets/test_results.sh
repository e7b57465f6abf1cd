#!/usr/bin/env bash
# sacm-results-repo on its own Prosody lab with the policy and posture
# repositories, a collector on the misconfigured tree and an evaluator:
# every evaluation is stored; sacm/results holds one current item per
# endpoint and policy/profile; history and diff answer after evaluations
# with changes between them; an incident is raised once for a newly
# failing rule and again only after it passed; the HTML report equals
# `oscap xccdf generate report` for the ARF; the ARF is stored with its
# shared parts once and joined on demand byte for byte; a result delivered twice is
# stored once and a malformed one is rejected.
. "$(dirname "$0")/lib.sh"
trap broker_lab_down EXIT
broker_lab
T=$W/t/misconfigured
MID=$(cat "$T/etc/machine-id")
payload() { /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"])'; }
count() { /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

daemon pr sacm-policy-repo policy-repo "db = $W/pr.sqlite"
daemon ps sacm-posture-repo posture-repo "db = $W/ps.sqlite" "require_approval = no"
daemon col sacm-collector collector-1 "root = $T" "apt_config = $W/apt.conf" \
    "state_dir = $W/col" "watch = no"
daemon ev sacm-evaluator evaluator-1 "state_dir = $W/ev"
daemon rr sacm-results-repo results-repo "db = $W/rr.sqlite"
RR=${DPID[rr]}

ID=$("$S" policy publish "$DS" 2>/dev/null | awk '/^accepted/ {print $3}')
ANN=$("$S" items sacm/policy --id "$ID" --json | payload)
assess() {	# n: collect, then evaluate, then wait for the repository
	echo "<collection-request xmlns='http://sacm-grid.dev/protocol/1' profile='$PROFILE'>$ANN</collection-request>" > "$W/creq.xml"
	SACM_CONFIG=$ORCH "$S" publish sacm/collection/requests "$W/creq.xml" --id "c$1" >/dev/null
	wait_for 90 bash -c "'$S' items sacm/posture/stored --id '$MID/c$1' --json 2>/dev/null > '$W/st.json'" || return 1
	echo "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1' endpoint='$MID' hostname='target-misconfigured' assessment='a$1' profile='$PROFILE' evaluator='evaluator-1@grid.test'>$ANN$(payload < "$W/st.json")</evaluation-request>" > "$W/ereq-$1.xml"
	SACM_CONFIG=$ORCH "$S" publish sacm/evaluation/requests "$W/ereq-$1.xml" --id "e$1" >/dev/null
	wait_for 90 grep -q "result e$1 stored" "$W/rr.log"
}
check "an evaluation is stored by the results repository" assess 1
"$S" items sacm/evaluation/results --id e1 --json | payload > "$W/e1.xml"
check "sacm/results holds the endpoint's current result" wait_for 20 bash -c "'$S' items sacm/results --id '$MID/$ID/$PROFILE' >/dev/null 2>&1"
"$S" results --json > "$W/state.json"
check "results (the state query) agrees with the evaluation's counts" /usr/bin/python3 - "$W/state.json" "$W/e1.xml" <<'P'
import json, sys, xml.etree.ElementTree as ET
s = json.load(open(sys.argv[1]))
e = ET.parse(sys.argv[2]).getroot()
# --json gives numbers (the protocol's attributes are text)
sys.exit(not (len(s) == 1 and all(isinstance(s[0][k], (int, float)) and
    s[0][k] == float(e.get(k)) for k in ("pass", "fail", "notapplicable", "score"))))
P
N1=$(/usr/bin/python3 - "$W/e1.xml" <<'P'
import sys, xml.etree.ElementTree as ET
S = "{http://sacm-grid.dev/protocol/1}"
print(sum(1 for r in ET.parse(sys.argv[1]).getroot().iter(S + "rule")
          if r.get("result") == "fail" and r.get("severity") in ("medium", "high")))
P
)
check "an incident for each failing rule of medium severity or more ($N1)" wait_for 20 bash -c "[ \$('$S' incidents --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') = $N1 ]"
check "... as IODEF 2.0 documents" bash -c "'$S' items sacm/incidents -n 1 | grep -q 'IODEF-Document.*urn:ietf:params:xml:ns:iodef-2.0\|urn:ietf:params:xml:ns:iodef-2.0.*IODEF-Document'"
# One publish for the evaluation: its incidents in one document, each an
# Incident with its own IncidentID (RFC 7970 allows one or more).
check "... one document for the evaluation's $N1, each its own IncidentID" /usr/bin/python3 - "$N1" <("$S" items sacm/incidents --json) <<'P'
import json, sys, xml.etree.ElementTree as ET
I = "{urn:ietf:params:xml:ns:iodef-2.0}"
items = json.load(open(sys.argv[2]))
ids = [i.text for it in items for inc in ET.fromstring(it["payload"]).findall(I + "Incident")
       for i in inc.findall(I + "IncidentID")]
assert len(items) == 1, "%d items" % len(items)
assert len(ids) == int(sys.argv[1]) == len(set(ids)), ids
assert items[0]["id"] == ids[0], (items[0]["id"], ids[0])
P

chmod 0644 "$T/etc/passwd"
check "a second evaluation after a change is stored" assess 2
"$S" results diff "$MID" --json > "$W/diff.json"
check "diff: the passwd permissions rule is newly passing" /usr/bin/python3 -c '
import json, sys
d = {r["id"]: r for r in json.load(open(sys.argv[1]))}
r = d.get("xccdf_org.ssgproject.content_rule_file_permissions_etc_passwd")
sys.exit(not (r and r["change"] == "newly-passing" and r["before"] == "fail" and r["after"] == "pass"))' "$W/diff.json"
check "results rules: the latest evaluation's rule results, as evaluated" /usr/bin/python3 - <("$S" results rules "$MID" --json) <("$S" items sacm/evaluation/results --id e2 --json | payload) <<'P'
import json, sys, xml.etree.ElementTree as ET
S = "{http://sacm-grid.dev/protocol/1}"
ours = {r["id"]: (r["result"], r.get("severity")) for r in json.load(open(sys.argv[1]))}
ev = {r.get("id"): (r.get("result"), r.get("severity")) for r in ET.parse(sys.argv[2]).getroot().iter(S + "rule")}
sys.exit(not ours or ours != ev)
P
check "... and of an earlier one by its request id" bash -c "'$S' results rules --id e1 --json | grep -q '\"id\":\"xccdf_org.ssgproject.content_rule_file_permissions_etc_passwd\",[^}]*\"result\":\"fail\"'"
check "history lists both evaluations, newest first" test "$("$S" results history "$MID" --json | /usr/bin/python3 -c 'import json,sys; print(",".join(e["id"] for e in json.load(sys.stdin)))')" = "e2,e1"
check "sacm/results still holds one item for the endpoint" test "$("$S" items sacm/results -n 100 --json | grep -c "\"id\":\"$MID/")" = 1
check "no new incident for rules that kept failing" test "$("$S" incidents --json | count)" = "$N1"
check "results failing: the endpoint fails the shadow permissions rule" bash -c "'$S' results failing xccdf_org.ssgproject.content_rule_file_permissions_etc_shadow --json | grep -q '\"id\":\"$MID\"'"
check "... and no longer the passwd one" test "$("$S" results failing xccdf_org.ssgproject.content_rule_file_permissions_etc_passwd --json | count)" = 0
chmod 0666 "$T/etc/passwd"
check "a third evaluation, the rule failing again" assess 3
check "... raises one new incident" wait_for 20 bash -c "[ \$('$S' incidents --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') = $((N1 + 1)) ]"

# The HTML report, as oscap renders it for the same ARF.
"$S" report "$MID" --assessment a3 -o "$W/report.html" >/dev/null
"$S" items sacm/evaluation/results --id e3 --json | payload > "$W/e3.xml"
tests/targets/arf_join.py "$W/e3.xml" "$W/arf.xml" "$S" >/dev/null
(cd / && oscap xccdf generate report "$W/arf.xml" > "$W/oscap.html" 2>/dev/null)
check "the HTML report equals oscap xccdf generate report's" cmp -s "$W/report.html" "$W/oscap.html"

# The ARF, stored compactly and joined on demand.
"$S" arf "$MID" --assessment a3 -o "$W/arf-rr.xml" >/dev/null
check "the ARF joined on demand is byte for byte the evaluator's" cmp -s "$W/arf-rr.xml" "$W/arf.xml"
check "... and passes oscap ds rds-validate" oscap ds rds-validate "$W/arf-rr.xml"
sql() { /usr/bin/python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$W/rr.sqlite" "$1"; }
stored=$(sql 'select count(*) from arf')/$(sql 'select count(*) from arf_part')/$(sql 'select count(*) from arf_splice')
stored_ok() { set -- $(echo "$stored" | tr / ' '); [ "$1" = 3 ] && [ "$2" -ge 2 ] && [ "$3" = $(($2 * 3)) ]; }
check "three ARFs, their shared parts stored once (datastream, OVAL definitions): $stored" stored_ok
check "... each ARF's own bytes under 100 KB gzip'ed (the whole is 8 MB)" test "$(sql 'select max(length(gz)) from arf')" -lt 100000
# A result whose part or whole is not what it names: refused.
hostile_arf() {	# id sed-expression reason
	echo "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1' endpoint='$MID' hostname='target-misconfigured' assessment='a$1' profile='$PROFILE' evaluator='evaluator-2@grid.test'>$ANN</evaluation-request>" > "$W/ereq-$1.xml"
	SACM_CONFIG=$ORCH "$S" publish sacm/evaluation/requests "$W/ereq-$1.xml" --id "$1" >/dev/null
	sed -e "s/assessment=.a3./assessment='a$1'/" -e "$2" "$W/e3.xml" > "$W/$1.xml"
	SACM_CONFIG=$L/accounts/evaluator-2.conf "$S" publish sacm/evaluation/results "$W/$1.xml" --id "$1" >/dev/null
	wait_for 30 grep -q "result $1 rejected: .*$3" "$W/rr.log"
}
check "a part whose bytes are not the ones named is refused" hostile_arf e11 "0,/\\(<part [^>]*sha256=.\\)[0-9a-f]*/s//\\1$(printf a%.0s $(seq 64))/" "its bytes are not the ones named"
check "an ARF whose joined bytes are not the ones named is refused" hostile_arf e12 "s/\\(<arf [^>]*sha256=.\\)[0-9a-f]*/\\1$(printf b%.0s $(seq 64))/" "the joined bytes are not the ones named"
check "... nothing of either stored" test "$(sql 'select count(*) from arf')/$(sql 'select count(*) from evaluation')" = "3/3"

# Redelivery and garbage.
SACM_CONFIG=$L/accounts/evaluator-1.conf "$S" publish sacm/evaluation/results "$W/e1.xml" --id e1 >/dev/null
check "a result delivered twice is stored once" test "$("$S" results history "$MID" --json | count)" = 3
# A malformed result for a real request (assigned to evaluator-2, which
# does not run here, so that no daemon answers it for real).
echo "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1' endpoint='$MID' assessment='a6' profile='$PROFILE' evaluator='evaluator-2@grid.test'>$ANN</evaluation-request>" > "$W/ereq-6.xml"
SACM_CONFIG=$ORCH "$S" publish sacm/evaluation/requests "$W/ereq-6.xml" --id e6 >/dev/null
echo "<evaluation-result xmlns='http://sacm-grid.dev/protocol/1' state='complete' endpoint='$MID' policy='$ID' profile='$PROFILE' assessment='a6'/>" > "$W/bad.xml"
SACM_CONFIG=$L/accounts/evaluator-2.conf "$S" publish sacm/evaluation/results "$W/bad.xml" --id e6 >/dev/null
check "a malformed result is rejected with a reason" wait_for 20 grep -q "result e6 rejected: a complete result needs rule results" "$W/rr.log"

# A result counts only for a request the orchestrator made, from an
# evaluator, repeating the request's claims.
SACM_CONFIG=$L/accounts/evaluator-1.conf "$S" publish sacm/evaluation/results "$W/e1.xml" --id never-asked >/dev/null
check "a result for a request never made is not stored" wait_for 20 grep -q "result never-asked rejected: no evaluation request never-asked" "$W/rr.log"
echo "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1' endpoint='$MID' assessment='a9' profile='$PROFILE' evaluator='evaluator-2@grid.test'>$ANN</evaluation-request>" > "$W/ereq-9.xml"
SACM_CONFIG=$ORCH "$S" publish sacm/evaluation/requests "$W/ereq-9.xml" --id e9 >/dev/null
SACM_CONFIG=$L/accounts/evaluator-1.conf "$S" publish sacm/evaluation/results "$W/e1.xml" --id e9 >/dev/null
check "a result from an evaluator the request was not assigned to is not stored" wait_for 20 grep -q "result e9 rejected: request e9 was assigned to evaluator-2@grid.test, not evaluator-1@grid.test" "$W/rr.log"
echo "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1' endpoint='someone-else' assessment='a8' profile='$PROFILE' evaluator='evaluator-2@grid.test'>$ANN</evaluation-request>" > "$W/ereq-8.xml"
SACM_CONFIG=$ORCH "$S" publish sacm/evaluation/requests "$W/ereq-8.xml" --id e8 >/dev/null
SACM_CONFIG=$L/accounts/evaluator-2.conf "$S" publish sacm/evaluation/results "$W/e1.xml" --id e8 >/dev/null
check "a result whose claims differ from its request (another endpoint) is not stored" wait_for 20 grep -q "result e8 rejected: its endpoint is not the request's" "$W/rr.log"
SACM_CONFIG=$L/accounts/collector-1.conf "$S" publish sacm/evaluation/requests "$W/ereq-8.xml" --id e7 >/dev/null 2>&1
check "... and a collector cannot publish a request to cover one (forbidden)" bash -c "! '$S' items sacm/evaluation/requests --id e7 >/dev/null 2>&1"
check "... the history is unchanged" test "$("$S" results history "$MID" --json | count)" = 3
# The same assessment answered again under another request id (an
# evaluation assigned again): one result per assessment.
SACM_CONFIG=$ORCH "$S" publish sacm/evaluation/requests "$W/ereq-1.xml" --id e1-again >/dev/null
check "a second result for an assessment is not stored" wait_for 90 grep -q "result e1-again: assessment a1 has its result already" "$W/rr.log"
check "... the history is unchanged" test "$("$S" results history "$MID" --json | count)" = 3
# The repository keeps each request as it comes: a result whose request
# the broker no longer holds (it keeps the last 1,000; here it is taken
# off without a notification, as when it falls out) is still stored,
# and a request withdrawn (retracted with a notification) counts no more.
ereq() {	# id evaluator: a request for a fresh assessment, published
	echo "<evaluation-request xmlns='http://sacm-grid.dev/protocol/1' endpoint='$MID' hostname='target-misconfigured' assessment='a$1' profile='$PROFILE' evaluator='$2@grid.test'>$ANN</evaluation-request>" > "$W/ereq-$1.xml"
	SACM_CONFIG=$ORCH "$S" publish sacm/evaluation/requests "$W/ereq-$1.xml" --id "$1" >/dev/null
	sed -e "s/assessment=.a3./assessment='a$1'/" "$W/e3.xml" > "$W/$1.xml"
}
ereq e14 evaluator-2
check "... a request taken off the broker silently (slixmpp, no notify)" /usr/bin/python3 - "$ORCH" <<'P'
import asyncio, sys
sys.path.insert(0, "tests/integration")
from labconf import client, connect, pubsub_service, read_conf
conf = read_conf(sys.argv[1])
c = client(conf)
c.register_plugin("xep_0060")
ok = []
async def go(_):
    await c["xep_0060"].retract(pubsub_service(conf), "sacm/evaluation/requests", "e14", timeout=20)
    ok.append(1)
    c.disconnect()
c.add_event_handler("session_start", go)
connect(c, conf)
c.loop.run_until_complete(c.disconnected)
sys.exit(0 if ok else 1)
P
check "... is gone from the topic" bash -c "! '$S' items sacm/evaluation/requests --id e14 >/dev/null 2>&1"
SACM_CONFIG=$L/accounts/evaluator-2.conf "$S" publish sacm/evaluation/results "$W/e14.xml" --id e14 >/dev/null
check "a result for it is stored all the same (the repository kept the request)" wait_for 30 grep -q "result e14 stored" "$W/rr.log"
ereq e15 evaluator-2
SACM_CONFIG=$ORCH "$S" retract sacm/evaluation/requests e15 >/dev/null
SACM_CONFIG=$L/accounts/evaluator-2.conf "$S" publish sacm/evaluation/results "$W/e15.xml" --id e15 >/dev/null
check "a result for a withdrawn request is not stored" wait_for 30 grep -q "result e15 rejected: no evaluation request e15" "$W/rr.log"
check "a stored result's request is no longer kept" wait_for 10 test "$(sql "select count(*) from request where id in ('e1','e2','e3','e14','e15')")" = 0
check "the results repository is still running" kill -0 $RR
check "its database is intact" test "$(/usr/bin/python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("pragma integrity_check").fetchone()[0])' "$W/rr.sqlite")" = ok
exit $((fails > 0))
