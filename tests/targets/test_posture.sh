#!/usr/bin/env bash
# Three collectors on the three bullseye trees and the posture repository,
# on their own Prosody lab: reports are stored, announced and answered by
# the queries; the inventory search finds exactly the trees that have a
# package; a change in a tree brings a new report by itself; with the
# broker stopped, reports wait in the outbox and arrive in order; and
# hostile reports are rejected, storing nothing, while the daemon serves.
. "$(dirname "$0")/lib.sh"
trap broker_lab_down EXIT
broker_lab

daemon pr sacm-policy-repo policy-repo "db = $W/pr.sqlite"
daemon ps sacm-posture-repo posture-repo "db = $W/ps.sqlite" "require_approval = no"
PS=${DPID[ps]}
declare -A MID
i=1
for t in installed hardened misconfigured; do
	daemon "col-$t" sacm-collector "collector-$i" "root = $W/t/$t" \
	    "apt_config = $W/apt.conf" "state_dir = $W/state-$t" \
	    "change_settle_ms = 1000"
	MID[$t]=$(cat "$W/t/$t/etc/machine-id")
	i=$((i + 1))
done

ID=$("$S" policy publish "$DS" 2>/dev/null | awk '/^accepted/ {print $3}')
ANN=$("$S" items sacm/policy --id "$ID" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"])')
echo "<collection-request xmlns='http://sacm-grid.dev/protocol/1' profile='$PROFILE'>$ANN</collection-request>" > "$W/req.xml"
SACM_CONFIG=$ORCH "$S" publish sacm/collection/requests "$W/req.xml" --id req-1 >/dev/null

stored() { "$S" items sacm/posture/stored --id "${MID[$1]}/$2" > "$W/stored.xml" 2>/dev/null; }
for t in installed hardened misconfigured; do
	check "the $t tree's report is stored and announced" wait_for 60 stored $t req-1
done
check "... the announcement names the posture and the inventory" \
    grep -q "state=\"collected\".*<syschar kind=\"oval\" digest=\"[0-9a-f]\{64\}\"><blob.*<inventory kind=\"dpkg\"" "$W/stored.xml"

"$S" endpoints --json > "$W/endpoints.json"
check "endpoints lists the three endpoints, each with one report" /usr/bin/python3 - "$W/endpoints.json" "${MID[@]}" <<'P'
import json, sys
e = {x["id"]: x for x in json.load(open(sys.argv[1]))}
want = set(sys.argv[2:])
sys.exit(not (set(e) == want and all(e[i]["reports"] == 1 and
    e[i]["last-state"] == "collected" and e[i]["age-s"] < 600 for i in want)))
P
"$S" endpoints > "$W/endpoints.txt"
check "... and as a table" bash -c "head -1 '$W/endpoints.txt' | grep -q '^ENDPOINT  *HOSTNAME' && grep -q '^${MID[hardened]}  *target-hardened ' '$W/endpoints.txt'"
"$S" posture show "${MID[hardened]}" > "$W/show.txt"
check "posture show gives the latest posture" grep -q "^state *collected" "$W/show.txt"
check "... for the policy" grep -q "^policy *$ID" "$W/show.txt"

# Inventory questions.
count() { /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
"$S" inventory search auditd --json > "$W/auditd.json"
check "inventory search finds exactly the tree with auditd (hardened)" \
    /usr/bin/python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); sys.exit(not ([x["id"] for x in e] == [sys.argv[2]]))' "$W/auditd.json" "${MID[hardened]}"
check "... every tree has bash" test "$("$S" inventory search bash --json | count)" = 3
check "... in a version range" test "$("$S" inventory search bash --version '>=5.0,<<6' --json | count)" = 3
check "... and none outside it" test "$("$S" inventory search bash --version '<<5' --json | count)" = 0
check "... a bad range is refused" bash -c "! '$S' inventory search bash --version '>=' 2>/dev/null"
N=$(chroot "$W/t/installed" dpkg-query -W -f '${db:Status-Abbrev}\n' | grep -c '^ii')
check "inventory show lists the tree's installed packages ($N)" test "$("$S" inventory show "${MID[installed]}" --json | count)" = "$N"
check "... with their versions" grep -q "^bash  *$(chroot "$W/t/installed" dpkg-query -W -f '${Version}' bash) " <("$S" inventory show "${MID[installed]}")

# A change in a watched file: a new report by itself, for that endpoint only.
reports() { "$S" posture show "${MID[$1]}" --history --json | count; }
# (the tree's /etc/passwd is world-writable; a file permission rule reads it)
chmod 0644 "$W/t/misconfigured/etc/passwd"
change_seen() { "$S" posture show "${MID[misconfigured]}" --history --json | grep -q '"reason":"change"'; }
check "a change in a watched file brings a new report by itself" wait_for 60 change_seen
check "... marked changed" bash -c "'$S' posture show '${MID[misconfigured]}' --json | grep -q '\"changed\":\"true\"'"
# No other endpoint reports over three settle times (change_settle_ms is
# 1000 here), checked all along.
others_quiet() { [ "$(reports installed)/$(reports hardened)" = 1/1 ]; }
check "... and only that endpoint reported (3 s watched)" holds_for 3 others_quiet
check "... once" test "$(reports misconfigured)" = 2

# The broker away: two collections wait in the outbox, then arrive in order.
"$BIN/sacm-lab" down --dir "$L" >/dev/null 2>&1
chmod 0600 "$W/t/installed/etc/passwd"
outbox() { [ "$(ls "$W/state-installed/outbox" | wc -l)" = "$1" ]; }
check "with the broker down, a collection goes to the outbox" wait_for 60 outbox 1
chmod 0644 "$W/t/installed/etc/passwd"
check "... and a second one" wait_for 60 outbox 2
"$BIN/sacm-lab" up --dir "$L" --broker-only >/dev/null 2>&1 || no "the broker came back"
check "after the broker returns the outbox empties" wait_for 90 outbox 0
history_ok() {
	"$S" posture show "${MID[installed]}" --history --json > "$W/hist.json" 2>/dev/null &&
	/usr/bin/python3 - "$W/hist.json" <<'P'
import json, sys
h = [x for x in json.load(open(sys.argv[1])) if x["reason"] == "change"]
h.sort(key=lambda x: int(x["id"]))            # the order they were stored in
seq = [int(x["sequence"]) for x in h]
sys.exit(not (len(h) == 2 and seq == sorted(seq) and seq[1] == seq[0] + 1))
P
}
check "... and both reports are stored, in the order they were made" wait_for 60 history_ok

# Hostile reports, published by collector-3 (it may publish on sacm/posture).
C3=$L/accounts/collector-3.conf
M3=${MID[misconfigured]}
M1=${MID[installed]}
before=$("$S" posture show "$M3" --history --json | count)
blobref() {	# file -> the <blob/> element
	SACM_CONFIG=$C3 "$S" blob put "$1" 2>/dev/null
}
report() {	# item endpoint request inner-xml
	echo "<posture-report xmlns='http://sacm-grid.dev/protocol/1' endpoint='$2' request='$3' policy='$ID' profile='$PROFILE' reason='request' state='collected'>$4</posture-report>" > "$W/evil.xml"
	SACM_CONFIG=$C3 "$S" publish sacm/posture "$W/evil.xml" --id "$1" >/dev/null 2>"$W/pub.err" || cat "$W/pub.err"
}
rejected() { grep -q "report $1 rejected: .*$2" "$W/ps.log"; }
printf 'this is not XML <' > "$W/bad.xml"
report "$M3/evil-1" "$M3" evil-1 "<syschar kind='oval'>$(blobref "$W/bad.xml")</syschar>"
check "a report whose posture is not XML is rejected" wait_for 20 rejected "$M3/evil-1" "not well-formed\|parse\|XML"
cp "$W/stored.xml" "$W/x.xml"
GOOD=$(grep -o '<syschar kind="oval"[^>]*><blob[^>]*/>' "$W/stored.xml" | sed 's/<syschar[^>]*>//')
BADSUM=$(sed 's/sha256="[0-9a-f]*"/sha256="'"$(printf '0%.0s' $(seq 64))"'"/' <<<"$GOOD")
report "$M3/evil-2" "$M3" evil-2 "<syschar kind='oval'>$BADSUM</syschar>"
check "a report with a wrong digest is rejected" wait_for 20 rejected "$M3/evil-2" "sha256\|digest"
echo "<Benchmark xmlns='http://checklists.nist.gov/xccdf/1.2' id='x'/>" > "$W/other.xml"
report "$M3/evil-3" "$M3" evil-3 "<syschar kind='oval'>$(blobref "$W/other.xml")</syschar>"
check "a report with another document type is rejected" wait_for 20 rejected "$M3/evil-3" "oval_system_characteristics"
echo "<oval_system_characteristics xmlns='http://oval.mitre.org/XMLSchema/oval-system-characteristics-5'><bogus/></oval_system_characteristics>" > "$W/invalid.xml"
report "$M3/evil-4" "$M3" evil-4 "<syschar kind='oval'>$(blobref "$W/invalid.xml")</syschar>"
check "a report that fails the XSD is rejected" wait_for 20 rejected "$M3/evil-4" "XSD"
report "nosuch/evil-5" nosuch evil-5 "<syschar kind='oval'>$GOOD</syschar>"
check "a report for an unknown endpoint is rejected" wait_for 20 rejected "nosuch/evil-5" "unknown endpoint"
report "$M1/evil-6" "$M1" evil-6 "<syschar kind='oval'>$GOOD</syschar>"
check "a report for another collector's endpoint is rejected" wait_for 20 rejected "$M1/evil-6" "belongs to"
echo "<endpoint xmlns='http://sacm-grid.dev/protocol/1' id='$M1' collector='collector-3@grid.test/x'/>" > "$W/ep.xml"
SACM_CONFIG=$C3 "$S" publish sacm/endpoints "$W/ep.xml" --id "$M1" >/dev/null 2> "$W/takeover.err"
check "... and so is taking its endpoint over (the broker refuses it)" grep -q "forbidden" "$W/takeover.err"
check "... the endpoint stays its collector's" bash -c "'$S' endpoints --json | /usr/bin/python3 -c 'import json,sys; sys.exit(0 if [e for e in json.load(sys.stdin) if e[\"id\"] == sys.argv[1] and e[\"collector\"].startswith(\"collector-1@\")] else 1)' '$M1'"
SACM_CONFIG=$ORCH "$S" publish sacm/collection/requests "$W/req.xml" --id req-2 >/dev/null
check "the repository keeps serving: the next real report is stored" wait_for 60 stored installed req-2
wait_for 60 stored misconfigured req-2
check "... and the rejected ones stored nothing" test "$("$S" posture show "$M3" --history --json | count)" = "$((before + 1))"
wait_for 60 stored hardened req-2
check "the same posture collected again is not a change" grep -q 'changed="false"' "$W/stored.xml"
H=$(/usr/bin/python3 - "$W/ps.sqlite" "${MID[hardened]}" <<'P'
import sqlite3, sys
d = sqlite3.connect(sys.argv[1])
print(d.execute("select count(distinct oval), count(*) from report where endpoint = ?", (sys.argv[2],)).fetchone())
P
)
check "... and is stored once ($H)" test "$H" = "(1, 2)"
# A report under <endpoint>/<request>/<suffix> (its collector's answer
# when another account held the plain item id) is the same report.
echo "<posture-report xmlns='http://sacm-grid.dev/protocol/1' endpoint='$M3' request='alt-1' policy='$ID' state='failed' reason='request'><reason>test</reason></posture-report>" > "$W/alt.xml"
SACM_CONFIG=$C3 "$S" publish sacm/posture "$W/alt.xml" --id "$M3/alt-1/0123456789abcdef" >/dev/null
check "a report under a suffixed item id is stored as <endpoint>/<request>" wait_for 20 bash -c "'$S' items sacm/posture/stored --id '$M3/alt-1' >/dev/null 2>&1"
SACM_CONFIG=$C3 "$S" publish sacm/posture "$W/alt.xml" --id "$M3/alt-1/fedcba9876543210" >/dev/null
SACM_CONFIG=$C3 "$S" publish sacm/posture "$W/alt.xml" --id "$M3/alt-1/x/y" >/dev/null
check "... once" wait_for 20 rejected "$M3/alt-1/x/y" "item id is not"
check "... (one report for the request)" test "$(sqlite3 "$W/ps.sqlite" "select count(*) from report where endpoint = '$M3' and request = 'alt-1'")" = 1
check "the posture repository is still running" kill -0 $PS
ic=$(/usr/bin/python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("pragma integrity_check").fetchone()[0])' "$W/ps.sqlite" 2>&1)
check "its database passes integrity_check ($ic)" test "$ic" = ok
exit $((fails > 0))
