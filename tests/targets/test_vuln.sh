#!/usr/bin/env bash
# Vulnerability definitions evaluated from a stored inventory
# (shared/vuln.c), the first step of the vulnerability scenario:
#  - definitions in Debian's form, generated for the packages of the lab's
#    trees (tools/vuln-oval-gen.py: fixed versions above and below the
#    installed ones, epochs, tildes, source names that are not binaries);
#  - for each tree, the inventory as the collector sends it, the objects
#    it cannot answer collected on the tree alone (the targeted
#    collection: /etc/debian_version and uname, no package database), and
#    the result equals `oscap-chroot TREE oval eval` of the same
#    definitions, definition for definition (the oracle);
#  - hostile content is refused with a reason: entities (billion laughs),
#    a definition of another class, a test whose object is not in the
#    document;
#  - the way in: `sacmctl vuln publish` through the policy repository
#    (plain or bzip2), stored by digest and announced on
#    sacm/vulnerability/definitions; the same hostile documents, one that
#    fails OVAL's XSD and a 2 GB bzip2 bomb are refused there with their
#    reason, and nothing of them is stored;
#  - the targeted collection: the announcement carries the OVAL document
#    of what an endpoint must collect (the objects the inventory lacks); a
#    collection request with it gets a posture report of exactly those
#    objects from the collector, equal to `oscap oval collect` of the same
#    document on the tree, and the inventory;
#  - the orchestrator (vulnerabilities = yes) asks each approved endpoint
#    for it by itself, once per endpoint and targeted document: a new
#    definitions document that needs the same objects publishes no
#    collection request, one that needs others does.
. "$(dirname "$0")/lib.sh"
trap broker_lab_down EXIT
T=$PWD/$BUILD/tests/vuln_tool
"$BIN/sacm-targets" build "$W/t" > /dev/null 2> "$W/build.err" || { cat "$W/build.err"; exit 1; }
/usr/bin/python3 tools/vuln-oval-gen.py lab "$W"/t/*/var/lib/dpkg/status > "$W/defs.xml"
check "the generated definitions are valid OVAL (oscap oval validate)" oscap oval validate "$W/defs.xml"
"$T" check "$W/defs.xml" > "$W/check.out"
n=$(grep -c '<definition ' "$W/defs.xml")
check "vuln_tool check takes them: $(cat "$W/check.out")" \
    grep -q "^$n definitions, $((n + 2)) objects, $n from inventory" "$W/check.out"
"$T" targeted "$W/defs.xml" "$W/targeted.xml"
check "the targeted collection asks for the two objects the inventory lacks, no package" bash -c "
    [ \$(grep -o '_object ' '$W/targeted.xml' | wc -l) = 2 ] && grep -q textfilecontent54_object '$W/targeted.xml' &&
    grep -q uname_object '$W/targeted.xml' && ! grep -q dpkginfo '$W/targeted.xml'"
for t in misconfigured installed hardened; do
	"$T" inventory "$W/t/$t" "$W/inv-$t.xml"
	"$T" collect "$W/targeted.xml" "$W/t/$t" "$W/sc-$t.xml" 2> /dev/null
	"$T" eval "$W/defs.xml" "$W/inv-$t.xml" "$W/sc-$t.xml" > "$W/ours-$t.txt"
	APT_CONFIG=$W/apt.conf oscap-chroot "$W/t/$t" oval eval --results "$W/res-$t.xml" \
	    "$W/defs.xml" > /dev/null 2>&1
	/usr/bin/python3 tests/targets/oval_defs.py "$W/res-$t.xml" > "$W/oscap-$t.txt"
	check "$t: the collected part holds no package item" bash -c "! grep -q dpkginfo_item '$W/sc-$t.xml'"
	check "$t: every definition equals oscap-chroot's ($(grep -c ' true$' "$W/ours-$t.txt") true, $(grep -c ' false$' "$W/ours-$t.txt") false)" \
	    bash -c "[ -s '$W/ours-$t.txt' ] && diff '$W/oscap-$t.txt' '$W/ours-$t.txt' && grep -q ' true$' '$W/ours-$t.txt' && grep -q ' false$' '$W/ours-$t.txt'"
done
# Without the targeted collection the release check is not known: nothing
# is claimed true.
"$T" eval "$W/defs.xml" "$W/inv-misconfigured.xml" > "$W/inv-only.txt"
check "from the inventory alone, no definition is claimed true" bash -c "
    [ -s '$W/inv-only.txt' ] && ! grep -q ' true$' '$W/inv-only.txt'"

# Hostile content.
refused() {	# WHAT FILE REASON
	local out=$2.out rc
	"$T" check "$2" > "$out" 2>&1; rc=$?
	check "refused: $1 ($(cut -c1-100 "$out"))" bash -c "[ $rc = 1 ] && grep -q '^refused: .*$3' '$out'"
}
{ echo '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
  sed 1d "$W/defs.xml" | sed '0,/<title>/s//<title>\&lol2;/'; } > "$W/laughs.xml"
refused "entities (billion laughs)" "$W/laughs.xml" "DTD\|entit"
sed '0,/class="vulnerability"/s//class="compliance"/' "$W/defs.xml" > "$W/class.xml"
refused "a definition of class compliance" "$W/class.xml" "class compliance"
/usr/bin/python3 - "$W/defs.xml" "$W/dangling.xml" <<'EOF'
import re, sys
s = open(sys.argv[1]).read()
s = re.sub(r'<linux-def:dpkginfo_object id="oval:org.debian.oval:obj:3".*?</linux-def:dpkginfo_object>', "", s, count=1, flags=re.S)
open(sys.argv[2], "w").write(s)
EOF
refused "a test whose object is not in the document" "$W/dangling.xml" "refers to object oval:org.debian.oval:obj:3, which is not in the document"
# The way in: sacmctl vuln publish, through the policy repository.
broker_lab
daemon pr sacm-policy-repo policy-repo "db = $W/pr.sqlite"
nstored() { sqlite3 "$W/pr.sqlite" 'SELECT count(*) FROM vuln_defs'; }
nitems() { "$S" items sacm/vulnerability/definitions -n 100 2>/dev/null | grep -c '^== '; }
vsha=$(sha256sum "$W/defs.xml" | cut -d' ' -f1)
"$S" vuln publish "$W/defs.xml" > "$W/pub.out" 2> "$W/pub.err"
check "sacmctl vuln publish: accepted, by the digest of the document" \
    grep -q "^accepted: vulnerability definitions $vsha" "$W/pub.out"
check "... with what it holds ($n definitions, $n from inventory)" bash -c \
    "grep -q 'definitions  *$n\$' '$W/pub.out' && grep -q 'from-inventory  *$n\$' '$W/pub.out'"
check "... announced on sacm/vulnerability/definitions" wait_for 15 bash -c \
    "'$S' items sacm/vulnerability/definitions --id $vsha | grep -q 'definitions=.$n.'"
/usr/bin/python3 -c "import bz2,sys; open(sys.argv[2],'wb').write(bz2.compress(open(sys.argv[1],'rb').read()))" \
    "$W/defs.xml" "$W/defs.xml.bz2"
check "the same definitions as .bz2: the same document, stored once" bash -c \
    "'$S' vuln publish '$W/defs.xml.bz2' 2>/dev/null | grep -q '^accepted: vulnerability definitions $vsha (already stored'"
check "sacmctl vuln list shows it" bash -c "'$S' vuln list | grep -q '^${vsha:0:12}'"
rejected() {	# WHAT FILE REASON
	local rc=0
	"$S" vuln publish "$2" > /dev/null 2> "$2.err" || rc=$?
	check "vuln publish refuses $1 ($(grep -o 'rejected: .*' "$2.err" | cut -c1-90))" \
	    bash -c "[ $rc = 1 ] && grep -q 'rejected: .*$3' '$2.err'"
}
rejected "entities (billion laughs)" "$W/laughs.xml" "DTD\|entit"
rejected "a definition of class compliance" "$W/class.xml" "class compliance"
rejected "a test whose object is not in the document" "$W/dangling.xml" "which is not in the document"
sed '0,/<title>/s//<titel>/; 0,/<\/title>/s//<\/titel>/' "$W/defs.xml" > "$W/xsd.xml"
rejected "a document that fails OVAL's XSD" "$W/xsd.xml" "XSD validation failed: .*titel"
cp tests/targets/bomb-2g.bz2 "$W/bomb.xml.bz2"
check "the bomb is 2 GB of zeros in $(stat -c %s "$W/bomb.xml.bz2") bytes (bzip2 -dc | wc -c)" \
    test "$(bzip2 -dc "$W/bomb.xml.bz2" | wc -c)" = 2147483648
rejected "a 2 GB bzip2 bomb" "$W/bomb.xml.bz2" "bzip2 content over the limit of 268435456 bytes once decoded"
check "... and nothing of them is stored or announced (1 document, 1 item)" \
    test "$(nstored) $(nitems)" = "1 1"
check "SCAP content submitted as vulnerability definitions is refused" bash -c \
    "! '$S' vuln publish $DS 2>&1 | grep -q accepted"
check "the policy repository is still running" kill -0 "${DPID[pr]}"
# The targeted collection, as the orchestrator will ask for it: the
# announcement's <targeted/> in a collection request for one endpoint.
daemon col sacm-collector collector-1 "root = $W/t/misconfigured" \
    "apt_config = $W/apt.conf" "state_dir = $W/col-state"
MID=$(cat "$W/t/misconfigured/etc/machine-id")
"$S" items sacm/vulnerability/definitions --id "$vsha" > "$W/ann.xml" 2>/dev/null
/usr/bin/python3 - "$W/ann.xml" "$W" "$MID" "$vsha" <<'PYEOF2'
import sys, xml.etree.ElementTree as ET
raw = open(sys.argv[1]).read()
ann = ET.fromstring(raw[raw.index("<vulnerability-definitions"):])
NS = "{http://sacm-grid.dev/protocol/1}"
t = ann.find(NS + "targeted")
oval = t[0]
ET.register_namespace("", "http://oval.mitre.org/XMLSchema/oval-definitions-5")
open(sys.argv[2] + "/ann-targeted.xml", "w").write(ET.tostring(oval, encoding="unicode"))
open(sys.argv[2] + "/targeted-objects", "w").write(t.get("objects"))
body = ET.tostring(oval, encoding="unicode")
open(sys.argv[2] + "/treq.xml", "w").write(
    "<collection-request xmlns='http://sacm-grid.dev/protocol/1'><endpoint id='%s'/>"
    "<targeted definitions='%s'>%s</targeted></collection-request>" % (sys.argv[3], sys.argv[4], body))
PYEOF2
check "the announcement carries the targeted collection: $(cat "$W/targeted-objects" 2>/dev/null) objects" \
    bash -c "[ \"\$(cat '$W/targeted-objects')\" = 2 ] && grep -q textfilecontent54_object '$W/ann-targeted.xml' && grep -q uname_object '$W/ann-targeted.xml' && ! grep -q dpkginfo '$W/ann-targeted.xml'"
SACM_CONFIG=$ORCH "$S" publish sacm/collection/requests "$W/treq.xml" --id treq-1 > /dev/null
check "a targeted collection request gets a posture report" wait_for 60 bash -c \
    "'$S' items sacm/posture --id '$MID/treq-1' > '$W/treport.xml' 2>/dev/null"
check "... for the definitions, marked targeted and collected" bash -c \
    "grep -q 'policy=\"$vsha\"' '$W/treport.xml' && grep -q 'kind=\"targeted\"' '$W/treport.xml' && grep -q 'state=\"collected\"' '$W/treport.xml'"
/usr/bin/python3 - "$W/treport.xml" "$W" <<'PYEOF2'
import re, sys
s = open(sys.argv[1]).read()
for kind, el in (("oval", "syschar"), ("dpkg", "inventory")):
    m = re.search(r'<%s kind="%s"><blob ([^>]*)/>' % (el, kind), s)
    if m:
        open("%s/tref-%s.xml" % (sys.argv[2], kind), "w").write(
            "<blob xmlns='http://sacm-grid.dev/protocol/1' %s/>" % m.group(1))
PYEOF2
"$S" blob get "$W/tref-oval.xml" -o "$W/tsc.xml" 2>/dev/null
"$S" blob get "$W/tref-dpkg.xml" -o "$W/tinv.xml" 2>/dev/null
APT_CONFIG=$W/apt.conf OSCAP_PROBE_ROOT=$W/t/misconfigured oscap oval collect \
    --syschar "$W/tref.xml" "$W/ann-targeted.xml" > /dev/null 2>&1
check "its system characteristics equal oscap oval collect of the targeted document on the tree" \
    /usr/bin/python3 tests/targets/cmp_syschar.py "$W/tsc.xml" "$W/tref.xml"
check "... of the two objects alone (no package item)" bash -c \
    "[ \$(grep -o '<object ' '$W/tsc.xml' | wc -l) = 2 ] && ! grep -q dpkginfo_item '$W/tsc.xml'"
check "... and the report carries the inventory ($(grep -o '<package ' "$W/tinv.xml" 2>/dev/null | wc -l) packages)" \
    bash -c "[ \$(grep -o '<package ' '$W/tinv.xml' | wc -l) -gt 50 ]"
"$T" eval "$W/defs.xml" "$W/tinv.xml" "$W/tsc.xml" > "$W/ours-grid.txt"
check "definitions evaluated from what the grid collected equal oscap-chroot's on the tree" \
    diff "$W/oscap-misconfigured.txt" "$W/ours-grid.txt"
bad=$(sed "s|definitions='$vsha'|definitions='not-a-digest'|" "$W/treq.xml")
echo "$bad" > "$W/treq-bad.xml"
SACM_CONFIG=$ORCH "$S" publish sacm/collection/requests "$W/treq-bad.xml" --id treq-2 > /dev/null
check "a targeted request without a definitions digest is ignored, with a reason" \
    wait_for 20 grep -q "request treq-2 ignored: a targeted collection needs" "$W/col.log"
check "... and answered by no report" bash -c "! '$S' items sacm/posture --id '$MID/treq-2' >/dev/null 2>&1"
# The orchestrator asks for targeted collections itself: once per endpoint
# and targeted document.
daemon ps sacm-posture-repo posture-repo "db = $W/ps.sqlite" "require_approval = no"
daemon orch sacm-orchestrator orchestrator "db = $W/orch.sqlite" \
    "auto_approve = yes" "vulnerabilities = yes"
ntreq() { "$S" items sacm/collection/requests -n 1000 2>/dev/null | grep -c '^== sacm/collection/requests t-'; }
tstate() { sqlite3 "$W/orch.sqlite" "SELECT group_concat(state) FROM vuln_targeted WHERE endpoint = '$MID'"; }
check "the orchestrator asks the endpoint for the targeted collection" \
    wait_for 60 bash -c "$(declare -f ntreq); S='$S' ntreq | grep -qx 1"
check "... and records it collected when the posture is stored" \
    wait_for 60 bash -c "$(declare -f tstate); W='$W' MID='$MID' tstate | grep -qx collected"
# Another file, one fixed version changed: the same targeted document.
sed '0,/operation="less than">0:3.118+deb11u1~sacm1</s//operation="less than">0:3.118+deb11u2</' "$W/defs.xml" > "$W/defs2.xml"
"$S" vuln publish "$W/defs2.xml" > /dev/null 2>&1
check "a new file needing the same objects: the orchestrator knows the endpoint has them" \
    wait_for 30 grep -q "every approved endpoint has it: no collection" "$W/orch.log"
check "... and publishes no collection request" holds_for 5 bash -c "$(declare -f ntreq); S='$S' ntreq | grep -qx 1"
# A file whose release check differs: other objects, asked again.
sed 's|<ind-def:pattern operation="pattern match">(\\d+)\\.\\d</ind-def:pattern>|<ind-def:pattern operation="pattern match">^(\\d+)\\.\\d</ind-def:pattern>|' "$W/defs.xml" > "$W/defs3.xml"
"$S" vuln publish "$W/defs3.xml" > /dev/null 2>&1
check "a file that needs other objects: a second targeted collection, collected" \
    wait_for 60 bash -c "$(declare -f ntreq tstate); S='$S'; W='$W'; MID='$MID'; ntreq | grep -qx 2 && tstate | grep -qx collected,collected"
exit $((fails > 0))
