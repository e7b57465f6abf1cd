#!/usr/bin/env bash
# Vulnerability assessment through the grid, end to end (issue 17):
#  - three endpoints (the lab's misconfigured and hardened trees, and a
#    copy of the installed tree) are assessed against definitions in
#    Debian's form: the orchestrator (vulnerabilities = yes) asks each for
#    the targeted collection once, and the evaluator evaluates the
#    definitions from the inventory the posture repository stored;
#  - for each tree, the result equals `oscap-chroot TREE oval eval` of the
#    same definitions, definition for definition (the oracle), and each
#    vulnerable definition carries its CVE id, package, the installed
#    version (the tree's dpkg database) and the fixed version (the
#    definition's state), and its severity when the definition gives one;
#  - the results repository keeps them: sacm/vulnerabilities current per
#    endpoint, sacmctl vulns / vulns history / vulns cves / vulns who CVE,
#    an IODEF incident for each endpoint newly vulnerable;
#  - a new file of the same stream, from a ROLIE feed over HTTPS, makes an
#    endpoint vulnerable to one more CVE without any collection request
#    (the topic is checked);
#  - upgrading the package in a tree (the collector's change event) makes
#    that endpoint fixed, and the result still equals oscap-chroot's.
. "$(dirname "$0")/lib.sh"
trap 'https_down "$W/https"; broker_lab_down' EXIT
. tests/integration/https.sh
broker_lab
cp -a "$W/t/installed" "$W/upg"
MIS=$W/t/misconfigured HAR=$W/t/hardened UPG=$W/upg
M1=$(cat "$MIS/etc/machine-id") M2=$(cat "$HAR/etc/machine-id")
M3=$(cat "$UPG/etc/machine-id")
NAME=oval-definitions-bullseye.xml
/usr/bin/python3 tools/vuln-oval-gen.py lab "$W"/t/*/var/lib/dpkg/status > "$W/defs.xml"
n=$(grep -c '<definition ' "$W/defs.xml")
oracle() {	# TREE DEFS OUT: oscap-chroot's non-false definitions
	APT_CONFIG=$W/apt.conf oscap-chroot "$1" oval eval --results "$3.xml" \
	    "$2" > /dev/null 2>&1
	/usr/bin/python3 tests/targets/oval_defs.py "$3.xml" | grep -v ' false$' > "$3"
}
# ours: the evaluator's result for the endpoint, newest, as "id result"
# lines (vulnerable: true), and its facts checked against the definitions
# and the tree's dpkg database
ours() {	# ENDPOINT TREE DEFS OUT
	"$S" items sacm/evaluation/results -n 1000 --json 2>/dev/null > "$W/results.all"
	S=$S /usr/bin/python3 tests/targets/vuln_result.py "$W/results.all" "$1" \
	    "$3" "$2/var/lib/dpkg/status" > "$4" 2> "$4.err"
}
daemon pr sacm-policy-repo policy-repo "db = $W/pr.sqlite"
daemon ps sacm-posture-repo posture-repo "db = $W/ps.sqlite" "require_approval = no"
# SACM_TEST_FINDINGS_BLOB=1 (the ejabberd run): an evaluator whose items
# are small, so that every result's findings travel as a blob
EVSET=("state_dir = $W/ev")
[ -n "${SACM_TEST_FINDINGS_BLOB:-}" ] && EVSET+=("max_item_size = 6144")
daemon ev sacm-evaluator evaluator-1 "${EVSET[@]}"
daemon rr sacm-results-repo results-repo "db = $W/rr.sqlite"
daemon or sacm-orchestrator orchestrator "db = $W/or.sqlite" \
    "auto_approve = yes" "vulnerabilities = yes"
daemon c1 sacm-collector collector-1 "root = $MIS" "apt_config = $W/apt.conf" \
    "state_dir = $W/c1" "watch = no"
daemon c2 sacm-collector collector-2 "root = $HAR" "apt_config = $W/apt.conf" \
    "state_dir = $W/c2" "watch = no"
daemon c3 sacm-collector collector-3 "root = $UPG" "apt_config = $W/apt.conf" \
    "state_dir = $W/c3" "watch = yes" "change_settle_ms = 500"
approved() { "$S" endpoints approved --json > "$W/approved.json" 2>/dev/null &&
    grep -q "$M1" "$W/approved.json" && grep -q "$M2" "$W/approved.json" &&
    grep -q "$M3" "$W/approved.json"; }
wait_for 60 approved || echo "the endpoints were not approved"
for t in misconfigured hardened; do oracle "$W/t/$t" "$W/defs.xml" "$W/oscap-$t.txt"; done
oracle "$UPG" "$W/defs.xml" "$W/oscap-upg.txt"

"$S" vuln publish "$W/defs.xml" --name "$NAME" > /dev/null 2>&1
# an attribute of the root of an item on sacm/vulnerabilities
vattr() { "$S" items sacm/vulnerabilities --id "$1" 2>/dev/null | /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
s = sys.stdin.read()
print(ET.fromstring(s[s.index("<vulnerabilities"):]).get(sys.argv[1]))' "$2"; }
nvulns() { "$S" items sacm/vulnerabilities -n 100 2>/dev/null | grep -c '^== '; }
check "every endpoint's vulnerabilities are on sacm/vulnerabilities" \
    wait_for 180 bash -c "$(declare -f nvulns); S='$S'; [ \$(nvulns) = 3 ]"
for e in "misconfigured $M1 $MIS" "hardened $M2 $HAR" "upg $M3 $UPG"; do
	set -- $e
	ours "$2" "$3" "$W/defs.xml" "$W/ours-$1.txt"
	check "$1: every definition equals oscap-chroot's ($(grep -c ' true$' "$W/oscap-$1.txt") true of $n)" \
	    bash -c "grep -q ' true$' '$W/oscap-$1.txt' && diff '$W/oscap-$1.txt' '$W/ours-$1.txt'"
	check "$1: each vulnerable definition with its CVE, package, installed and fixed versions, severity ($(cat "$W/ours-$1.txt.err" | head -1))" \
	    bash -c "[ ! -s '$W/ours-$1.txt.err' ]"
done
if [ -n "${SACM_TEST_FINDINGS_BLOB:-}" ]; then
	check "findings too many for an item travel as a blob, and are taken from it" bash -c \
	    "grep -q '<findings><blob' '$W/results.all' && ! grep -q '<vulnerable ' '$W/results.all'"
else
	check "findings that fit travel inline" grep -q '<vulnerable ' "$W/results.all"
fi
check "the evaluator loaded the definitions once" \
    test "$(grep -c 'vulnerability definitions .* loaded' "$W/ev.log")" = 1
check "... no XCCDF collection or evaluation was asked for (targeted collections only)" bash -c \
    "! '$S' items sacm/collection/requests -n 1000 2>/dev/null | grep '^== ' | grep -qv ' t-'"
check "the result says what was decided from the inventory ($(vattr "$M1/$NAME" from-inventory)) and what needed the targeted collection ($(vattr "$M1/$NAME" needed-collection))" \
    test "$(vattr "$M1/$NAME" from-inventory) $(vattr "$M1/$NAME" needed-collection)" = "0 $n"
"$S" vulns > "$W/vulns.out" 2>&1
check "sacmctl vulns: the estate by endpoint" bash -c \
    "grep -q '$M1' '$W/vulns.out' && grep -q '$M2' '$W/vulns.out' && grep -q '$M3' '$W/vulns.out'"
"$S" vulns "$M1" --json > "$W/vulns-m1.json" 2>&1
check "sacmctl vulns ENDPOINT: its open findings, one per true definition" bash -c \
    "[ \$(grep -o '\"cves\"' '$W/vulns-m1.json' | wc -l) = $(grep -c ' true$' "$W/oscap-misconfigured.txt") ]"
CVE=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["cves"])' "$W/vulns-m1.json" 2>/dev/null)
"$S" vulns who "$CVE" > "$W/who.out" 2>&1
check "sacmctl vulns who $CVE: the endpoints that have it" grep -q "$CVE" "$W/who.out"
"$S" vulns cves > "$W/cves.out" 2>&1
check "sacmctl vulns cves: the estate by CVE" grep -q "$CVE" "$W/cves.out"
check "an IODEF incident for each endpoint newly vulnerable" bash -c \
    "[ \$('$S' items sacm/incidents -n 100 2>/dev/null | grep -c 'Newly vulnerable') -ge 2 ]"

# Attacks, with slixmpp (a client we did not write).
hostile() { /usr/bin/python3 tests/integration/hostile.py "$@"; }
nscans() { sqlite3 "$W/rr.sqlite" 'SELECT count(*) FROM vuln_scan'; }
REQ=$("$S" items sacm/evaluation/requests -n 100 2>/dev/null | awk '/^== sacm\/evaluation\/requests v-/ {print $3; exit}')
cat > "$W/clean.xml" <<EOF
<vulnerability-result xmlns='http://sacm-grid.dev/protocol/1' request='$REQ' endpoint='$M1'
  definitions='$(sha256sum "$W/defs.xml" | cut -c1-64)' name='$NAME' state='complete'
  evaluated='2026-12-03T00:00:00Z' count='$n' true='0' false='$n' other='0'/>
EOF
scans=$(nscans)
hostile publish "$L/accounts/collector-2.conf" sacm/evaluation/results "$REQ/forged" "$W/clean.xml" > "$W/a1.out" 2>&1
check "a collector publishing a clean vulnerability result: the broker refuses ($(tail -1 "$W/a1.out"))" \
    grep -qi "forbidden\|not-authorized\|not-allowed" "$W/a1.out"
hostile publish "$L/accounts/evaluator-2.conf" sacm/evaluation/results "$REQ/forged" "$W/clean.xml" > /dev/null 2>&1
check "another evaluator's clean result for a request assigned to evaluator-1: rejected" \
    wait_for 20 grep -q "vulnerability result $REQ/forged rejected: request $REQ was assigned to evaluator-1@grid.test, not evaluator-2@grid.test" "$W/rr.log"
sed "s/request='$REQ'/request='v-999-1'/" "$W/clean.xml" > "$W/clean2.xml"
hostile publish "$L/accounts/evaluator-2.conf" sacm/evaluation/results v-999-1 "$W/clean2.xml" > /dev/null 2>&1
check "a result for a request the orchestrator never made: rejected" \
    wait_for 20 grep -q "vulnerability result v-999-1 rejected: no evaluation request v-999-1" "$W/rr.log"
check "... and neither is stored: M1 is still vulnerable" bash -c \
    "[ \$(sqlite3 '$W/rr.sqlite' 'SELECT count(*) FROM vuln_scan') = $scans ] &&
     [ \"\$(sqlite3 '$W/rr.sqlite' \"SELECT count(*) FROM vuln_finding WHERE endpoint = '$M1' AND fixed_at IS NULL\")\" -gt 0 ]"
cat > "$W/fakedefs.xml" <<EOF
<vulnerability-definitions xmlns='http://sacm-grid.dev/protocol/1' id='$(printf '%064d' 0)'
  name='$NAME' repository='policy-repo@grid.test'/>
EOF
hostile publish "$L/accounts/collector-2.conf" sacm/vulnerability/definitions "$(printf '%064d' 0)" "$W/fakedefs.xml" > "$W/a4.out" 2>&1
check "a collector announcing vulnerability definitions: the broker refuses ($(tail -1 "$W/a4.out"))" \
    grep -qi "forbidden\|not-authorized\|not-allowed" "$W/a4.out"
hostile publish "$L/accounts/policy-repo.conf" sacm/vulnerability/definitions other-id "$W/fakedefs.xml" > /dev/null 2>&1
check "definitions announced under another id than their own: the orchestrator ignores them" \
    wait_for 20 grep -q "vulnerability definitions other-id ignored: not announced by the repository it names, under its own id" "$W/or.log"
# targeted requests the collector must refuse, as the orchestrator's
# account would publish them (entities cannot travel in XMPP at all: a
# client sends them expanded, and xmlsafe refuses any DTD besides)
cat > "$W/evil.xml" <<EOF
<collection-request xmlns='http://sacm-grid.dev/protocol/1'><endpoint id='$M1'/><targeted definitions='../../etc/passwd'><oval_definitions xmlns='http://oval.mitre.org/XMLSchema/oval-definitions-5'><objects/></oval_definitions></targeted></collection-request>
EOF
hostile publish "$ORCH" sacm/collection/requests t-evil-1 "$W/evil.xml" > "$W/a6.out" 2>&1
check "a targeted request whose definitions id is a path: refused by the collector, with a reason" \
    wait_for 20 grep -q "request t-evil-1 ignored: " "$W/c1.log"
sed "s|definitions='../../etc/passwd'><oval_definitions xmlns='http://oval.mitre.org/XMLSchema/oval-definitions-5'><objects/></oval_definitions>|definitions='$(sha256sum "$W/defs.xml" | cut -c1-64)'><policy/>|" "$W/evil.xml" > "$W/evil2.xml"
hostile publish "$ORCH" sacm/collection/requests t-evil-2 "$W/evil2.xml" > /dev/null 2>&1
check "a targeted request without an OVAL document: refused, with a reason" \
    wait_for 20 grep -q "request t-evil-2 ignored: a targeted collection needs" "$W/c1.log"
check "... and neither is answered by a report" bash -c \
    "! '$S' items sacm/posture --id '$M1/t-evil-1' > /dev/null 2>&1 && ! '$S' items sacm/posture --id '$M1/t-evil-2' > /dev/null 2>&1"

# A new file of the stream, from a ROLIE feed (RFC 8322) served over HTTPS
# as Debian serves its files (bzip2): one more definition true, no
# collection.
https_up "$W/https" || { echo "FAIL the HTTPS server did not start"; fails=$((fails + 1)); }
mkdir -p "$W/https/www/rolie" "$W/https/www/content"
cat > "$W/https/www/rolie/service.xml" <<EOF
<service xmlns="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom">
  <workspace><atom:title>Security tracker</atom:title>
    <collection href="feed.xml"><atom:title>Vulnerabilities</atom:title>
      <atom:category scheme="urn:ietf:params:rolie:category:information-type" term="vulnerability"/>
    </collection>
  </workspace>
</service>
EOF
cat > "$W/https/www/rolie/feed.xml" <<EOF
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:rolie="urn:ietf:params:xml:ns:rolie-1.0">
  <id>urn:test:tracker</id><title>OVAL</title><updated>2026-12-03T00:00:00Z</updated>
  <category scheme="urn:ietf:params:rolie:category:information-type" term="vulnerability"/>
  <entry><id>urn:debian:oval:bullseye:2</id><title>$NAME.bz2</title>
    <updated>2026-12-03T00:00:00Z</updated>
    <category scheme="urn:ietf:params:rolie:category:information-type" term="vulnerability"/>
    <link rel="alternate" href="../content/$NAME.bz2"/>
    <rolie:format ns="http://oval.mitre.org/XMLSchema/oval-definitions-5"/>
    <content type="application/x-bzip2" src="../content/$NAME.bz2"/>
  </entry>
</feed>
EOF
nreq() { "$S" items sacm/collection/requests -n 1000 2>/dev/null | grep -c '^== '; }
before=$(nreq)
/usr/bin/python3 - "$W/defs.xml" "$W/defs2.xml" "$MIS/var/lib/dpkg/status" <<'EOF'
import re, sys
s = open(sys.argv[1]).read()
inst = set(re.findall(r'Package: (\S+)\n(?:[^\n]+\n)*?Version: (\S+)', open(sys.argv[3]).read()))
# a definition fixed "below" a version misconfigured has (false there):
# fixed above it now (true there); tools/vuln-oval-gen.py numbers a
# definition's state ste:K, its object obj:K+1
for m in re.finditer(r'id="oval:org.debian.oval:ste:(\d+)" version="1">\s*<linux-def:evr [^>]*>((?:\d+:)?([^<]*))~sacm1<', s):
    name = re.search(r'id="oval:org.debian.oval:obj:%d" version="1">\s*<linux-def:name>([^<]*)<' % (int(m.group(1)) + 1), s).group(1)
    if (name, m.group(3)) in inst or (name, m.group(2)) in inst:
        s = s[:m.end(2)] + "+sacm9" + s[m.end(2) + len("~sacm1"):]
        break
open(sys.argv[2], "w").write(s)
EOF
/usr/bin/python3 -c "import bz2,sys; open(sys.argv[2],'wb').write(bz2.compress(open(sys.argv[1],'rb').read()))" \
    "$W/defs2.xml" "$W/https/www/content/$NAME.bz2"
chmod -R a+rX "$W/https/www"
"$S" feeds add "https://localhost:$PORT/rolie/service.xml" --ca "$W/https/ca.crt" \
    --type vulnerability > /dev/null 2> "$W/feed.err"
oracle "$MIS" "$W/defs2.xml" "$W/oscap2-misconfigured.txt"
two() { "$S" items sacm/vulnerabilities -n 100 2>/dev/null | grep -c "definitions=.$(sha256sum "$W/defs2.xml" | cut -c1-64)."; }
check "a new file of the stream in a ROLIE feed: every endpoint evaluated again" \
    wait_for 120 bash -c "$(declare -f two); S='$S'; W='$W'; [ \$(two) = 3 ]"
check "... without any collection request ($(nreq) before and after)" test "$(nreq)" = "$before"
ours "$M1" "$MIS" "$W/defs2.xml" "$W/ours2-misconfigured.txt"
check "... its result equals oscap-chroot's ($(grep -c ' true$' "$W/oscap2-misconfigured.txt") true, one more)" bash -c \
    "diff '$W/oscap2-misconfigured.txt' '$W/ours2-misconfigured.txt' &&
     [ \$(grep -c ' true$' '$W/oscap2-misconfigured.txt') = \$((\$(grep -c ' true$' '$W/oscap-misconfigured.txt') + 1)) ]"
check "... newly vulnerable to it, says sacm/vulnerabilities" test "$(vattr "$M1/$NAME" newly)" = 1
check "... and the endpoint gets an incident" bash -c \
    "[ \$('$S' items sacm/incidents -n 100 2>/dev/null | grep -c 'Newly vulnerable') -ge 3 ]"

# The upgrade: a vulnerable package of the third tree at its fixed version.
PKG=$(/usr/bin/python3 - "$W/ours-upg.txt" "$W/defs.xml" "$UPG/var/lib/dpkg/status" <<'EOF'
import re, sys
true = [l.split()[0] for l in open(sys.argv[1]) if l.endswith(" true\n")]
s = open(sys.argv[2]).read()
for d in true:
    m = re.search(r'id="%s".*?DPKG is earlier than ([^"]*)" test_ref="([^"]*)"' % re.escape(d), s, re.S)
    tst = m.group(2)
    t = re.search(r'id="%s".*?state_ref="([^"]*)"' % re.escape(tst), s, re.S).group(1)
    evr = re.search(r'id="%s".*?>([^<]*)</linux-def:evr>' % re.escape(t), s, re.S).group(1)
    pkg = re.search(r'id="%s".*?<product>([^<]*)</product>' % re.escape(d), s, re.S).group(1)
    if evr.endswith("+sacm1"):
        st = open(sys.argv[3]).read()
        ver = evr.split(":", 1)[1] if evr.startswith("0:") else evr
        new, k = re.subn(r'(Package: %s\n(?:[^\n]+\n)*?Version: )[^\n]+' % re.escape(pkg), r'\g<1>' + ver, st, count=1)
        if k:
            open(sys.argv[3] + ".new", "w").write(new)
            print(pkg)
            break
EOF
)
oracle "$UPG" "$W/defs2.xml" "$W/oscap1-upg.txt"
mv "$UPG/var/lib/dpkg/status.new" "$UPG/var/lib/dpkg/status"
oracle "$UPG" "$W/defs2.xml" "$W/oscap2-upg.txt"
# the definitions oscap-chroot finds true before and not after
nfixed=$(comm -23 <(grep ' true$' "$W/oscap1-upg.txt") <(grep ' true$' "$W/oscap2-upg.txt") | wc -l)
fixed() { [ "$(vattr "$M3/$NAME" fixed)" = "$nfixed" ]; }
check "upgrading $PKG in a tree: the collector's change event makes the endpoint fixed ($nfixed definitions, as oscap-chroot finds)" \
    wait_for 120 fixed
ours "$M3" "$UPG" "$W/defs2.xml" "$W/ours2-upg.txt"
check "... and its result equals oscap-chroot's on the upgraded tree" \
    diff "$W/oscap2-upg.txt" "$W/ours2-upg.txt"
check "... sacmctl vulns no longer lists it for that endpoint" bash -c \
    "! '$S' vulns '$M3' | grep -q ' $PKG '"
"$S" vulns history "$M3" --json > "$W/history.json" 2>&1
check "... and its history: newly vulnerable first, then $nfixed fixed since" \
    /usr/bin/python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))
sys.exit(not (h[0]["fixed"] == int(sys.argv[2]) and h[-1]["newly"] > 0 and h[-1]["fixed"] == 0))' "$W/history.json" "$nfixed"
exit $((fails > 0))
