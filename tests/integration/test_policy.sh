#!/usr/bin/env bash
# sacm-policy-repo with real SSG content on the lab of run.sh.
set -uo pipefail
L=$SACM_LAB_DIR
S=$BIN/sacmctl
export SACM_CONFIG=$L/accounts/ctl.conf
SSG=/usr/share/xml/scap/ssg/content
W=$L/policy-test
rm -rf "$W"
mkdir -p "$W"
. "$(dirname "$0")/lib.sh"

DB=$W/policy.sqlite
{ cat "$L/accounts/policy-repo.conf"
  echo "db = $DB"
  echo "max_content_size = 20000000"; } > "$W/policy-repo.conf"
start() {	# the daemon, then wait until it says it is ready
	local n
	n=$(lines "$W/daemon.log")
	"$BIN/sacm-policy-repo" -f "$W/policy-repo.conf" >> "$W/daemon.log" 2>&1 &
	PR=$!
	ready_since "$W/daemon.log" "$n" || echo "sacm-policy-repo did not get ready"
}
stop() { kill "$PR" 2>/dev/null; wait "$PR" 2>/dev/null; }
npolicies() { sqlite3 "$DB" 'SELECT count(*) FROM policy'; }
nitems() { "$S" items sacm/policy -n 10000 --json | grep -c '"topic"'; }
trap 'stop' EXIT
start
check "sacm-policy-repo -n checks its configuration" bash -c "'$BIN/sacm-policy-repo' -n -f '$W/policy-repo.conf' >/dev/null"

# Every SSG datastream Debian installs: our verdict is oscap's, and the
# profiles are the ones `oscap info` lists.
bad=0 n=0
for f in "$SSG"/ssg-*-ds*.xml; do
	n=$((n + 1))
	want=accepted
	oscap ds sds-validate "$f" > "$W/validate.out" 2>&1
	grep -q 'OpenSCAP Error' "$W/validate.out" && want=rejected
	out=$("$S" policy publish "$f" --json 2>"$W/err")
	if [ "$want" = rejected ]; then
		grep -q "rejected: XSD validation failed" "$W/err" || { echo "  $f: expected an XSD rejection: $(cat "$W/err")"; bad=1; }
		continue
	fi
	got=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print("\n".join(sorted(p["id"] for p in json.load(sys.stdin)["profiles"])))' 2>/dev/null)
	exp=$(oscap info --profiles "$f" 2>/dev/null | cut -d: -f1 | sort)
	if [ -z "$got" ] || [ "$got" != "$exp" ]; then
		echo "  $f: profiles differ from oscap info"; echo "$got" | head -3; echo "--"; echo "$exp" | head -3
		bad=1
	fi
done
check "all $n SSG datastreams: verdicts and profiles as oscap says" test $bad = 0

# The same bytes again: accepted, nothing stored or announced anew.
before_db=$(npolicies) before_items=$(nitems)
out=$("$S" policy publish "$SSG/ssg-debian11-ds.xml" 2>&1)
check "a second submission of the same bytes is accepted as already stored" grep -q "already stored" <<<"$out"
check "... and stores nothing new" test "$(npolicies)" = "$before_db"
check "... and announces nothing new" test "$(nitems)" = "$before_items"
id=$(sqlite3 "$DB" "SELECT id FROM policy WHERE name = 'ssg-debian11-ds.xml'")
check "policy show finds it by a prefix" bash -c "'$S' policy show '${id:0:10}' | grep -q '44 rules.*profile_standard'"
check "policy list shows it" bash -c "'$S' policy list | grep -q '^${id:0:12}'"

# Tailoring (made with Debian's autotailor): a policy of its own, bound to
# its datastream, with the rule count oscap gives the tailored profile.
autotailor -u xccdf_org.ssgproject.content_rule_ensure_logrotate_activated \
    -p standard_tailored -o "$W/tailoring.xml" "$SSG/ssg-debian11-ds.xml" standard
out=$("$S" policy publish "$SSG/ssg-debian11-ds.xml" --tailoring "$W/tailoring.xml" 2>&1)
check "a datastream with --tailoring: the tailoring is accepted" grep -q "kind       tailoring" <<<"$out"
oscap xccdf eval --tailoring-file "$W/tailoring.xml" --profile standard_tailored \
    --results "$W/tres.xml" "$SSG/ssg-debian11-ds.xml" >/dev/null 2>&1
want=$(/usr/bin/python3 -c "
import re
s = open('$W/tres.xml').read()
print(len([r for r in re.findall(r'<rule-result.*?<result>([a-z]+)</result>', s, re.S) if r != 'notselected']))")
check "the tailored profile selects as many rules as oscap evaluates ($want)" grep -q " $want rules  xccdf_org.ssgproject.content_profile_standard_tailored" <<<"$out"
tid=$(sqlite3 "$DB" "SELECT id FROM policy WHERE kind = 'tailoring' AND name = 'tailoring.xml'")
check "the tailoring names its datastream" test "$(sqlite3 "$DB" "SELECT base_id FROM policy WHERE id = '$tid'")" = "$id"
autotailor -u xccdf_org.ssgproject.content_rule_file_groupowner_etc_gshadow \
    -p standard_t2 -o "$W/tailoring2.xml" "$SSG/ssg-debian11-ds.xml" standard
check "a tailoring alone finds its datastream by file name" bash -c "'$S' policy publish '$W/tailoring2.xml' 2>/dev/null | grep -q 'profile_standard_t2'"

# Hostile and broken input: a reason each, nothing stored, still running.
before=$(npolicies)
reject() {
	local what=$1 file=$2 expect=$3 out
	out=$("$S" policy publish "$file" 2>&1); local rc=$?
	if [ $rc = 1 ] && grep -q "rejected: .*$expect" <<<"$out"; then ok "rejected: $what"; else no "rejected: $what: $out"; fi
}
echo "this is not XML" > "$W/notxml.xml"
reject "not XML" "$W/notxml.xml" "not well-formed"
cat > "$W/laughs.xml" <<'X'
<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]><lolz>&lol9;</lolz>
X
reject "billion laughs" "$W/laughs.xml" "DOCTYPE not allowed"
printf '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>' > "$W/xxe.xml"
reject "external entity" "$W/xxe.xml" "DOCTYPE not allowed"
reject "XML that is not a datastream" "$SSG/ssg-debian11-oval.xml" "not a SCAP source datastream"
# 25 MB that gzip makes tiny: refused while decoding, past max_content_size.
{ echo "<r>"; head -c 25000000 /dev/zero | tr '\0' 'a'; echo "</r>"; } > "$W/big.xml"
reject "oversized content (a gzip bomb)" "$W/big.xml" "over the limit"
cat > "$W/tailoring.xml" <<'X'
<Tailoring xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.example_tailoring_t"><benchmark href="no-such-benchmark.xml"/><version time="2026-01-01T00:00:00">1</version><Profile id="xccdf_org.example_profile_p"><title>p</title></Profile></Tailoring>
X
reject "a tailoring file (for an unknown benchmark)" "$W/tailoring.xml" "tailoring"
# A submission whose digest does not match its blob.
"$S" blob put "$SSG/ssg-firefox-ds.xml" > "$W/ref.xml"
python3_fix() { /usr/bin/python3 - "$W/ref.xml" <<'P'
import re, sys
s = open(sys.argv[1]).read()
m = re.search(r"sha256='([0-9a-f]{64})'", s)
d = m.group(1)
bad = ("0" if d[0] != "0" else "1") + d[1:]
print("<submission xmlns='http://sacm-grid.dev/protocol/1' name='tampered.xml'>" + s.strip().replace(d, bad) + "</submission>")
P
}
python3_fix > "$W/tampered.xml"
sid=tampered-$$-$RANDOM
"$S" publish sacm/policy/submissions "$W/tampered.xml" --id "$sid" >/dev/null
st=""
for i in $(seq 1 30); do
	st=$("$S" items sacm/policy/submissions --id "$sid/status" 2>/dev/null) && break
	sleep 0.5
done
check "rejected: a wrong digest" grep -q "state=\"rejected\".*sha256.*does not match" <<<"$st"
check "nothing stored by any rejected submission" test "$(npolicies)" = "$before"
check "the daemon kept running" kill -0 "$PR"

# Killed while it inspects a submission: after a restart the submission is
# handled once, not lost and not doubled.  (New bytes: a comment added.)
before=$(npolicies)
{ cat "$SSG/ssg-debian10-ds.xml"; echo "<!-- variant $$ $RANDOM -->"; } > "$W/variant.xml"
seen=$(grep -c "bytes, inspecting" "$W/daemon.log")
"$S" policy publish "$W/variant.xml" --timeout 1 >/dev/null 2>&1 &
for i in $(seq 1 200); do
	[ "$(grep -c "bytes, inspecting" "$W/daemon.log")" -gt "$seen" ] && break
	sleep 0.05
done
kill -9 "$PR" 2>/dev/null; wait "$PR" 2>/dev/null
check "killed while inspecting, before storing" test "$(npolicies)" = "$before"
start
for i in $(seq 1 40); do [ "$(npolicies)" -gt "$before" ] && break; sleep 0.5; done
sleep 1
check "a submission interrupted by kill -9 is stored once after restart" test "$(npolicies)" = $((before + 1))
id10=$(sqlite3 "$DB" "SELECT id FROM policy WHERE name = 'variant.xml'")
for i in $(seq 1 20); do "$S" items sacm/policy --id "$id10" >/dev/null 2>&1 && break; sleep 0.5; done
check "... and announced" bash -c "'$S' items sacm/policy --id '$id10' >/dev/null 2>&1"
# The broker loses the uploaded files: fetching the policy asks the
# repository to share it again, and the content still checks out.
"$S" policy fetch "$id10" -o "$W/fetched1.xml" 2>/dev/null
check "policy fetch writes the content" cmp -s "$W/fetched1.xml" "$W/variant.xml"
. "$L/lab.env"
find "$L/prosody/data/upload%2egrid%2etest" "$L/ejabberd/upload" -type f -delete 2>/dev/null
"$S" items sacm/policy --id "$id10" --json | /usr/bin/python3 -c '
import json, re, sys
b = re.search(r"<blob[^>]*/>", json.load(sys.stdin)["payload"]).group(0)
if "xmlns" not in b:
    b = b.replace("<blob", "<blob xmlns=\"http://sacm-grid.dev/protocol/1\"", 1)
print(b)' > "$W/annref.xml"
check "... the announced link is gone" bash -c "! '$S' blob get '$W/annref.xml' -o '$W/y.xml' 2>/dev/null"
"$S" policy fetch "$id10" -o "$W/x.xml" 2>/dev/null
check "after the link expired, fetch succeeds through a re-share" cmp -s "$W/x.xml" "$W/variant.xml"
check "... which the repository logged" grep -q "shared again" "$W/daemon.log"
exit $((fails > 0))
