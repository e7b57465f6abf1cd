#!/usr/bin/env bash
# ROLIE (RFC 8322): sacm-policy-repo follows feeds served by a real HTTPS
# server (nginx from Debian, with a test CA), on the lab of run.sh.
set -uo pipefail
L=$SACM_LAB_DIR
S=$BIN/sacmctl
export SACM_CONFIG=$L/accounts/ctl.conf
SSG=/usr/share/xml/scap/ssg/content
W=$L/rolie-test
rm -rf "$W"
mkdir -p "$W/www/rolie/config" "$W/www/rolie/vuln" "$W/www/content" "$W/nginx"
chmod -R 755 "$W"
. "$(dirname "$0")/lib.sh"

# --- a test CA and an HTTPS server ------------------------------------
. "$(dirname "$0")/https.sh"
https_up "$W" || exit 1
# A server that accepts and never answers (for the timeout case).
SLOW=$(free_port)
/usr/bin/python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $SLOW)); s.listen(8)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
" &
SLOWPID=$!

# --- the policy repository ---------------------------------------------
DB=$W/policy.sqlite
{ cat "$L/accounts/policy-repo.conf"
  echo "db = $DB"
  echo "feed_timeout_ms = 2000"
  echo "feed_max_entries = 20"
  echo "catchup_items = 0  # not the other tests' submissions"; } > "$W/policy-repo.conf"
start() {	# the daemon, then wait until it says it is ready
	local n
	n=$(lines "$W/daemon.log")
	"$BIN/sacm-policy-repo" -f "$W/policy-repo.conf" >> "$W/daemon.log" 2>&1 &
	PR=$!
	ready_since "$W/daemon.log" "$n" || echo "sacm-policy-repo did not get ready"
}
cleanup() {
	kill "$PR" "$SLOWPID" 2>/dev/null
	https_down "$W"
	wait 2>/dev/null
}
trap cleanup EXIT
start

B="https://localhost:$PORT"
for f in ssg-firefox-ds.xml ssg-chromium-ds.xml ssg-debian10-ds-1.2.xml ssg-debian11-ds.xml \
    ssg-ubuntu1604-ds.xml ssg-ubuntu1804-ds.xml ssg-debian11-ds-1.2.xml; do
	cp "$SSG/$f" "$W/www/content/"
done
echo "just some text, not SCAP" > "$W/www/content/readme.txt"
cat > "$W/www/rolie/service.xml" <<EOF
<service xmlns="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom">
  <workspace><atom:title>SCAP content</atom:title>
    <collection href="config/feed.xml"><atom:title>Configuration checklists</atom:title>
      <categories fixed="yes"><atom:category scheme="urn:ietf:params:rolie:category:information-type" term="configuration"/></categories>
      <atom:category scheme="urn:ietf:params:rolie:category:information-type" term="configuration"/>
    </collection>
    <collection href="$B/rolie/vuln/feed.xml"><atom:title>Vulnerabilities</atom:title>
      <atom:category scheme="urn:ietf:params:rolie:category:information-type" term="vulnerability"/>
    </collection>
  </workspace>
</service>
EOF
entry() {	# id file [format-ns] [info-type]
	cat <<EOF
  <entry><id>$1</id><title>$2</title><updated>2026-11-01T00:00:00Z</updated>
    <category scheme="urn:ietf:params:rolie:category:information-type" term="${4:-configuration}"/>
    <link rel="alternate" href="../../content/$2"/>
    <rolie:format ns="${3:-http://scap.nist.gov/schema/scap/source/1.2}"/>
    <content type="application/xml" src="../../content/$2"/>
  </entry>
EOF
}
feed() {	# file next-link entries...
	local out=$1 next=$2
	shift 2
	{ echo '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:rolie="urn:ietf:params:xml:ns:rolie-1.0">'
	  echo '<id>urn:test:feed</id><title>SCAP</title><updated>2026-11-01T00:00:00Z</updated>'
	  echo '<category scheme="urn:ietf:params:rolie:category:information-type" term="configuration"/>'
	  [ -n "$next" ] && echo "<link rel=\"next\" href=\"$next\"/>"
	  echo "$@"
	  echo '</feed>'; } > "$out"
}
feed "$W/www/rolie/config/feed.xml" "feed2.xml" "$(entry urn:e:1 ssg-firefox-ds.xml; entry urn:e:2 ssg-chromium-ds.xml)"
feed "$W/www/rolie/config/feed2.xml" "" "$(entry urn:e:3 ssg-debian10-ds-1.2.xml; entry urn:e:4 readme.txt; entry urn:e:5 ssg-debian11-ds.xml http://example.org/not-scap)"
feed "$W/www/rolie/vuln/feed.xml" "" "$(entry urn:v:1 ssg-ubuntu1604-ds.xml "" vulnerability)"
chmod -R a+rX "$W/www"

sha() { sha256sum "$W/www/content/$1" | cut -d' ' -f1; }
stored() { sqlite3 "$DB" "SELECT count(*) FROM policy WHERE id = '$(sha "$1")'"; }
npolicies() { sqlite3 "$DB" 'SELECT count(*) FROM policy'; }
status_of() { "$S" feeds list --json | /usr/bin/python3 -c "import json,sys; [print(f['$2'] if f['$2'] is not None else '') for f in json.load(sys.stdin) if f['id']=='$1']"; }
# Waits until the feed's status shows a poll after the given time.
wait_poll() {	# id after-iso
	local i
	for i in $(seq 1 60); do
		local last; last=$(status_of "$1" last_poll)
		[ -n "$last" ] && [[ "$last" > "$2" || "$last" == "$2" ]] && return 0
		sleep 0.5
	done
	return 1
}
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

t0=$(now)
FEED=$("$S" feeds add "$B/rolie/service.xml" --ca "$W/ca.crt" --interval 3600)
check "feeds add prints the feed id" test -n "$FEED"
check "the feed is polled" wait_poll "$FEED" "$t0"
sleep 1
check "configuration entries ingested (firefox, chromium, debian10)" \
    test "$(stored ssg-firefox-ds.xml)$(stored ssg-chromium-ds.xml)$(stored ssg-debian10-ds-1.2.xml)" = 111
entry_state() { sqlite3 "$DB" "SELECT state FROM feed_entry WHERE entry_id='$1'"; }
check "a vulnerability collection is not followed" bash -c "! grep -q 'GET /rolie/vuln/' '$W/nginx/access.log'"
check "an entry of another format is skipped" bash -c "[ -z \"\$(sqlite3 '$DB' \"SELECT 1 FROM feed_entry WHERE entry_id='urn:e:5'\")\" ] && ! grep -q 'GET /content/ssg-debian11-ds.xml' '$W/nginx/access.log'"
check "the paging link was followed (feed2 entries)" grep -q 'GET /rolie/config/feed2.xml' "$W/nginx/access.log"
check "an entry whose content is not SCAP is rejected with a reason" \
    test "$(sqlite3 "$DB" "SELECT state FROM feed_entry WHERE entry_id='urn:e:4'")" = rejected
check "... and the feed status says so" bash -c "'$S' feeds list | grep -q 'urn:e:4 rejected'"
# test_lab announced firefox before (by an operator, so trusted): the
# feed's announcement replaces that item, which takes a moment.
from_feed() { "$S" items sacm/policy --id "$(sha "$1")" 2>/dev/null |
    grep -q "source=.rolie."; }
for f in ssg-firefox-ds.xml ssg-chromium-ds.xml ssg-debian10-ds-1.2.xml; do
	wait_for 15 from_feed $f || no "announced: $f"
done
ok "ingested entries are announced on sacm/policy"
check "... as content of a feed that is not trusted" bash -c "'$S' items sacm/policy --id '$(sha ssg-firefox-ds.xml)' | grep -q 'trusted=.false.'"
check "feeds list says the feed is not trusted" bash -c "'$S' feeds list --json | grep -q '\"id\":\"$FEED\".*\"trusted\":false'"

# The second poll of an unchanged feed: 304s, no content fetched.
lines=$(wc -l < "$W/nginx/access.log")
t1=$(now)
"$S" feeds poll "$FEED"
wait_poll "$FEED" "$t1"
sleep 0.5
tail -n +$((lines + 1)) "$W/nginx/access.log" > "$W/second.log"
check "second poll: the unchanged service document answers 304" grep -q 'GET /rolie/service.xml HTTP/1.1" 304' "$W/second.log"
check "second poll: the feeds answer 304 too" test "$(grep -c 'GET /rolie/config/feed[0-9]*.xml HTTP/1.1" 304' "$W/second.log")" = 2
check "second poll: no content fetched" test "$(grep -c '/content/' "$W/second.log")" = 0

# Broken feeds get a status with a reason and do not stop the others.
echo "<feed><entry>this is not Atom" > "$W/www/rolie/broken.xml"; chmod 644 "$W/www/rolie/broken.xml"
F404=$("$S" feeds add "$B/rolie/missing.xml" --ca "$W/ca.crt")
FSLOW=$("$S" feeds add "https://localhost:$SLOW/feed.xml" --ca "$W/ca.crt")
FTLS=$("$S" feeds add "$B/rolie/service.xml?wrong-ca" --ca "$L/pki/ca.crt")
FBAD=$("$S" feeds add "$B/rolie/broken.xml" --ca "$W/ca.crt")
wait_poll "$F404" "$t1"; wait_poll "$FSLOW" "$t1"; wait_poll "$FTLS" "$t1"; wait_poll "$FBAD" "$t1"
check "404 reason names the status" grep -q "HTTP 404" <<<"$(status_of "$F404" reason)"
check "timeout: reason says so" grep -qi "timed out\|timeout" <<<"$(status_of "$FSLOW" reason)"
check "bad TLS: reason names the certificate" grep -qi "certificate\|SSL" <<<"$(status_of "$FTLS" reason)"
check "malformed Atom: reason says so" grep -q "malformed Atom\|not an Atom" <<<"$(status_of "$FBAD" reason)"
check "broken feeds are in state error" test "$(status_of "$F404" state)$(status_of "$FBAD" state)" = errorerror

# A new entry appears after the next poll, with the broken feeds around.
sleep 1	# a new Last-Modified second for nginx
feed "$W/www/rolie/config/feed2.xml" "" "$(entry urn:e:3 ssg-debian10-ds-1.2.xml; entry urn:e:4 readme.txt; entry urn:e:6 ssg-ubuntu1804-ds.xml)"
chmod 644 "$W/www/rolie/config/feed2.xml"
t2=$(now)
"$S" feeds poll "$FEED"
wait_poll "$FEED" "$t2"
sleep 0.5
check "a new entry is ingested on the next poll" test "$(stored ssg-ubuntu1804-ds.xml)" = 1
check "the daemon is still running" kill -0 "$PR"

# Killed in the middle of a poll: after the restart every entry is
# ingested once, none twice, none lost.
for x in a b c; do
	{ cat "$SSG/ssg-debian10-ds.xml"; echo "<!-- $x $$ $RANDOM -->"; } > "$W/www/content/$x.xml"
done
chmod 644 "$W/www/content/"*.xml
mkdir -p "$W/www/rolie/more"; chmod 755 "$W/www/rolie/more"
feed "$W/www/rolie/more/feed.xml" "" "$(entry urn:m:a a.xml; entry urn:m:b b.xml; entry urn:m:c c.xml)"
chmod 644 "$W/www/rolie/more/feed.xml"
nmore() { echo $(( $(stored a.xml) + $(stored b.xml) + $(stored c.xml) )); }
seen=$(grep -c "rolie urn:m:" "$W/daemon.log")
FMORE=$("$S" feeds add "$B/rolie/more/feed.xml" --ca "$W/ca.crt" --trusted)
for i in $(seq 1 200); do
	[ "$(grep -c "rolie urn:m:" "$W/daemon.log")" -gt "$seen" ] && break
	sleep 0.05
done
kill -9 "$PR"; wait "$PR" 2>/dev/null
mid=$(nmore)
start
for i in $(seq 1 60); do [ "$(nmore)" = 3 ] && break; sleep 0.5; done
sleep 1
check "killed mid-poll (after $mid of 3 stored), all 3 entries ingested after restart" test "$(nmore)" = 3
check "... each once" test "$(sqlite3 "$DB" "SELECT count(*) FROM feed_entry WHERE feed_id='$FMORE' AND state='accepted'")" = 3
check "a feed added --trusted announces its content as trusted" wait_for 30 bash -c "'$S' items sacm/policy --id '$(sha a.xml)' 2>/dev/null | grep -q 'trusted=.true.'"
# A feed of vulnerability definitions: the same service document followed
# for its vulnerability collection, whose entries are OVAL definitions
# served as Debian serves them (bzip2).  A datastream there is rejected,
# and so is a 2 GB bzip2 bomb of 1.5 KB (head -c 2G /dev/zero | bzip2 -9).
/usr/bin/python3 tools/vuln-oval-gen.py lab /var/lib/dpkg/status > "$W/defs.xml"
/usr/bin/python3 -c "import bz2,sys; open(sys.argv[2],'wb').write(bz2.compress(open(sys.argv[1],'rb').read()))" \
    "$W/defs.xml" "$W/www/content/oval-definitions-test.xml.bz2"
cp tests/targets/bomb-2g.bz2 "$W/www/content/bomb.xml.bz2"
OVAL=http://oval.mitre.org/XMLSchema/oval-definitions-5
feed "$W/www/rolie/vuln/feed.xml" "" "$(entry urn:v:1 ssg-ubuntu1604-ds.xml "$OVAL" vulnerability
    entry urn:v:2 oval-definitions-test.xml.bz2 "$OVAL" vulnerability
    entry urn:v:3 bomb.xml.bz2 "$OVAL" vulnerability
    entry urn:v:4 ssg-debian10-ds.xml "" vulnerability)"
chmod -R a+rX "$W/www"
nvuln() { sqlite3 "$DB" 'SELECT count(*) FROM vuln_defs'; }
t3=$(now)
FV=$("$S" feeds add "$B/rolie/service.xml" --ca "$W/ca.crt" --type vulnerability)
check "the same service document as a vulnerability feed is another feed" \
    bash -c "[ -n '$FV' ] && [ '$FV' != '$FEED' ]"
check "the vulnerability feed is polled" wait_poll "$FV" "$t3"
vsha=$(sha256sum "$W/defs.xml" | cut -d' ' -f1)
check "its bzip2 definitions are stored, by the digest of the decoded document" \
    test "$(sqlite3 "$DB" "SELECT count(*) FROM vuln_defs WHERE id = '$vsha'")" = 1
check "... and announced on sacm/vulnerability/definitions" wait_for 15 bash -c \
    "'$S' items sacm/vulnerability/definitions --id $vsha 2>/dev/null | grep -q 'definitions=.$(grep -c '<definition ' "$W/defs.xml")'"
check "... which sacmctl vuln list shows" bash -c "'$S' vuln list | grep -q '^${vsha:0:12}.*oval-definitions-test.xml '"
check "a datastream in a vulnerability feed is rejected: not OVAL definitions" bash -c \
    "[ '$(entry_state urn:v:1)' = rejected ] && sqlite3 '$DB' \"SELECT reason FROM feed_entry WHERE entry_id='urn:v:1'\" | grep -q 'oval_definitions'"
check "the 2 GB bzip2 bomb is rejected: over the limit once decoded" bash -c \
    "[ '$(entry_state urn:v:3)' = rejected ] && sqlite3 '$DB' \"SELECT reason FROM feed_entry WHERE entry_id='urn:v:3'\" | grep -q 'bzip2 content over the limit of [0-9]* bytes once decoded'"
check "... which feeds list says, beside the feed's type" bash -c "'$S' feeds list | grep -A1 '^$FV vulnerability ' | grep -q 'urn:v:3 rejected: bzip2 content over the limit'"
check "... and nothing else was stored from the feed (1 definitions document, no policy)" bash -c \
    "[ \$(sqlite3 '$DB' \"SELECT count(*) FROM vuln_defs\") = 1 ] && [ \$(sqlite3 '$DB' \"SELECT count(*) FROM feed_entry WHERE feed_id='$FV' AND policy_id IS NOT NULL\") = 1 ]"
check "an entry not in OVAL's format is skipped (not fetched)" \
    test -z "$(entry_state urn:v:4)"
check "the daemon is still running after the bomb" kill -0 "$PR"
check "a feed of another type is refused by sacmctl" bash -c "! '$S' feeds add '$B/x.xml' --type advisories 2>/dev/null"
exit $((fails > 0))
