#!/usr/bin/env bash
# sacm-collector on a target tree, on its own Prosody lab: the endpoint is
# announced, a collection request gets a posture report whose system
# characteristics equal `oscap oval collect`'s on the same tree, requests
# for other endpoints are left alone, and a failure is reported as such.
. "$(dirname "$0")/lib.sh"
trap broker_lab_down EXIT
broker_lab
daemon pr sacm-policy-repo policy-repo "db = $W/pr.sqlite"
daemon col sacm-collector collector-1 "root = $W/t/hardened" \
    "apt_config = $W/apt.conf" "state_dir = $W/col-state"
COL=${DPID[col]}
MID=$(cat "$W/t/hardened/etc/machine-id")
# Started as root, it keeps what reading a tree takes (the kernel says):
# CAP_DAC_READ_SEARCH (bit 2) and CAP_SYS_CHROOT (bit 18), as nobody.
check "the collector gave up root: it runs as nobody" \
    awk '/^Uid:/ { exit !($2 == 65534 && $3 == 65534 && $4 == 65534) }' /proc/$COL/status
check "... with CAP_DAC_READ_SEARCH and CAP_SYS_CHROOT only, in every set" \
    bash -c "grep -q '^CapEff:.*0000000000040004\$' /proc/$COL/status && grep -q '^CapPrm:.*0000000000040004\$' /proc/$COL/status && grep -q '^CapBnd:.*0000000000040004\$' /proc/$COL/status && grep -q '^NoNewPrivs:.*1' /proc/$COL/status"

for i in $(seq 1 20); do "$S" items sacm/endpoints --id "$MID" > "$W/ep.xml" 2>/dev/null && break; sleep 0.5; done
check "the endpoint is announced under its machine-id" grep -q "id=\"$MID\"" "$W/ep.xml"
check "... with its hostname and platform" grep -q 'hostname="target-hardened".*platform="cpe:/o:debian:debian_linux:11"\|platform="cpe:/o:debian:debian_linux:11".*hostname="target-hardened"' "$W/ep.xml"

"$S" disco collector-1@grid.test/sacm-collector > "$W/disco.txt" 2>&1
check "its disco#info names the endpoint and its platform (XEP-0128)" \
    grep -q "^field *endpoint = $MID" "$W/disco.txt"
check "... with its capabilities" grep -q "^field *capability = .*software-inventory" "$W/disco.txt"
check "... and the collector feature" grep -q "^feature *http://sacm-grid.dev/protocol/1#collector" "$W/disco.txt"

ID=$("$S" policy publish "$DS" 2>/dev/null | awk '/^accepted/ {print $3}')
request() {	# id endpoint policy-xml
	echo "<collection-request xmlns='http://sacm-grid.dev/protocol/1' profile='xccdf_org.ssgproject.content_profile_standard'><endpoint id='$2'/>$3</collection-request>" > "$W/$1.xml"
	SACM_CONFIG=$ORCH "$S" publish sacm/collection/requests "$W/$1.xml" --id "$1" >/dev/null
}
wait_report() {	# item
	local i
	for i in $(seq 1 60); do
		"$S" items sacm/posture --id "$1" > "$W/report.xml" 2>/dev/null && return 0
		sleep 0.5
	done
	return 1
}
ANN=$("$S" items sacm/policy --id "$ID" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"])')
request req-a "$MID" "$ANN"
check "a request for this endpoint gets a posture report" wait_report "$MID/req-a"
check "... marked collected" grep -q 'state="collected"' "$W/report.xml"
# The reported system characteristics, fetched and verified like any blob.
/usr/bin/python3 - "$W/report.xml" "$W" <<'P'
import re, sys
s = open(sys.argv[1]).read()
for kind in ("oval", "cpe-oval"):
    b = re.search(r'<syschar kind="%s"><blob ([^>]*)/>' % kind, s).group(1)
    open("%s/ref-%s.xml" % (sys.argv[2], kind), "w").write(
        "<blob xmlns='http://sacm-grid.dev/protocol/1' %s/>" % b)
P
"$S" blob get "$W/ref-oval.xml" -o "$W/sc.xml" 2>/dev/null
"$S" blob get "$W/ref-cpe-oval.xml" -o "$W/cpe-sc.xml" 2>/dev/null
# The variables and the OVAL component for the reference run (leaks of
# this helper are checked by test_collect.sh).
ASAN_OPTIONS=detect_leaks=0 "$BUILD/tests/collect_tool" "$DS" \
    xccdf_org.ssgproject.content_profile_standard "$W/t/installed" "$W" >/dev/null
APT_CONFIG=$W/apt.conf OSCAP_PROBE_ROOT=$W/t/hardened oscap oval collect \
    --variables "$W/variables.xml" --syschar "$W/ref.xml" "$W/oval.xml" >/dev/null 2>&1
APT_CONFIG=$W/apt.conf OSCAP_PROBE_ROOT=$W/t/hardened oscap oval collect \
    --syschar "$W/cpe-ref.xml" "$W/cpe-oval.xml" >/dev/null 2>&1
check "the reported posture equals oscap oval collect on the tree, every planned object" \
    /usr/bin/python3 tests/targets/cmp_syschar.py "$W/sc.xml" "$W/ref.xml" "$W/oval.xml" "$W/defs.txt"
check "... and so does its CPE-OVAL posture" \
    /usr/bin/python3 tests/targets/cmp_syschar.py "$W/cpe-sc.xml" "$W/cpe-ref.xml"

# A request for another endpoint, then one for this endpoint whose
# policy does not match its id: the collector takes requests in order, so
# once the second is answered the first was seen, and left alone.
request req-b "someone-else" "$ANN"
BAD=$(sed "s/id=\"$ID\"/id=\"$(printf '0%.0s' $(seq 1 64))\"/" <<<"$ANN")
request req-c "$MID" "$BAD"
check "a collection that cannot be done is reported as failed" wait_report "$MID/req-c"
check "... with the reason" grep -q 'state="failed".*<reason>.*is not the policy id' "$W/report.xml"
check "a request for another endpoint is left alone (answered before it: none)" bash -c "! '$S' items sacm/posture --id '$MID/req-b' >/dev/null 2>&1"
# Another collector account saw a request (collectors all read them) and
# published first under the report's item id, to silence this endpoint:
# the collector publishes under <endpoint>/<request>/<random> instead.
echo "<posture-report xmlns='http://sacm-grid.dev/protocol/1' endpoint='$MID' request='req-d' policy='$ID' state='failed' reason='request'><reason>all fine here</reason></posture-report>" > "$W/front.xml"
/usr/bin/python3 tests/integration/hostile.py publish "$L/accounts/collector-2.conf" sacm/posture "$MID/req-d" "$W/front.xml" > "$W/front.out" 2>&1
check "another account can take a report's item id first" grep -q "hostile: published" "$W/front.out"
request req-d "$MID" "$ANN"
check "the collector still publishes its report, under another item id" wait_for 60 grep -q "posture report $MID/req-d/[0-9a-f]\{16\} published" "$W/col.log"
check "... saying why" grep -q "posture report $MID/req-d: another account holds that item id" "$W/col.log"
check "the collector keeps running" kill -0 $COL

# A collection process that dies of a fault (libopenscap's probes run in
# threads; one crashed now and then in the compose lab) is run once more;
# a second fault fails the collection, with the reason.
# crash_child [not-PID]: SIGSEGV to the collection process (a child of
# the collector other than not-PID) as soon as there is one; prints it.
crash_child() {
	local i p
	for i in $(seq 1 400); do
		p=$(pgrep -P "$COL" | grep -vx "${1:-0}" | head -1)
		if [ -n "$p" ]; then kill -SEGV "$p"; echo "$p"; return 0; fi
		sleep 0.05
	done
	return 1
}
request req-e "$MID" "$ANN"
c1=$(crash_child)
check "a collection process killed by SIGSEGV is run once more" \
    wait_for 30 grep -q "request req-e: the collection process crashed after .* (killed by signal 11); collecting once more" "$W/col.log"
check "... and its report is the collection's" wait_report "$MID/req-e"
check "... marked collected" grep -q 'state="collected"' "$W/report.xml"
request req-f "$MID" "$ANN"
c1=$(crash_child)
crash_child "$c1" > /dev/null
check "a collection that crashes twice is reported as failed" wait_report "$MID/req-f"
check "... with the reason" grep -q 'state="failed".*<reason>killed by signal 11</reason>' "$W/report.xml"
# The platform checks (CPE-OVAL) are collected by a process of the
# collection process's own: its fault is the collection's.
crash_grandchild() {
	local i p g
	for i in $(seq 1 400); do
		for p in $(pgrep -P "$COL"); do
			g=$(pgrep -P "$p" | head -1)
			if [ -n "$g" ]; then kill -SEGV "$g"; return 0; fi
		done
		sleep 0.02
	done
	return 1
}
request req-g "$MID" "$ANN"
check "the platform checks have a process of their own" crash_grandchild
check "... whose fault is the collection's, run once more" \
    wait_for 30 grep -q "request req-g: the collection process crashed after .* (killed by signal 11); collecting once more" "$W/col.log"
check "... and its report is the collection's" wait_report "$MID/req-g"
check "... marked collected" grep -q 'state="collected"' "$W/report.xml"
check "the collector keeps running" kill -0 $COL

# A restart catches up on the requests on the topic; those it answered
# (its own record: it may not read sacm/posture, where it is
# publish-only) are not collected again.
n=$(grep -c "posture report $MID/req-.* published" "$W/col.log")
kill $COL; wait $COL 2>/dev/null
daemon col sacm-collector collector-1 "root = $W/t/hardened" \
    "apt_config = $W/apt.conf" "state_dir = $W/col-state"
COL=${DPID[col]}
check "after a restart, no request answered before is collected again" \
    holds_for 10 bash -c "[ \$(grep -c 'posture report $MID/req-.* published' '$W/col.log') = $n ]"
exit $((fails > 0))
