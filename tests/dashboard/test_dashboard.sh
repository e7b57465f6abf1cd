#!/usr/bin/env bash
# The dashboard end to end on the native lab: `sacm-lab up` (daemons,
# collectors, the dashboard served by the broker), a policy published, then
# an approver's waiver granted; test_dashboard.mjs drives Debian's
# chromium through playwright-core.
# Screenshots of each view go to $SHOTS (default build/screenshots).
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
. tests/integration/lib.sh
if [ "$(id -u)" != 0 ]; then echo "skip: target trees need root"; exit 77; fi
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null ||
    [ ! -d services/dashboard/node_modules/playwright-core ]; then
	echo "skip: chromium, node or playwright-core missing (scripts/install-deps.sh, make)"
	exit 77
fi
SHOTS=${SHOTS:-$PWD/$BUILD/screenshots}
mkdir -p "$SHOTS"
W=$(mktemp -d /tmp/sacm-dash-XXXXXX)
chmod 755 "$W"
L=$W/lab
cleanup() {
	"$BIN/sacm-lab" down --dir "$L" >/dev/null 2>&1
	[ "$fails" = 0 ] || for f in "$L"/log/orchestrator.log "$L"/prosody/prosody.log; do [ -f "$f" ] && tail -20 "$f"; done
	rm -rf "$W"
}
trap cleanup EXIT
"$BIN/sacm-lab" up --dir "$L" > "$W/up.out" 2>&1 || { cat "$W/up.out"; exit 1; }
export SACM_CONFIG=$L/accounts/ctl.conf
S=$BIN/sacmctl
wait_for 30 bash -c "[ \$('$S' items sacm/endpoints -n 10 --json | grep -c '\"id\"') -ge 3 ]" || { echo "FAIL endpoints"; exit 1; }
"$S" policy publish /usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml >/dev/null 2>&1
check "the lab has a result for each target" wait_for 180 bash -c "[ \$('$S' results --json | grep -o '\"endpoint\"' | wc -l) = 3 ]"
MIS=$(cat "$L/targets/misconfigured/etc/machine-id")
# An approver waives a rule that fails there: the pages mark it.
WAIVED_RULE=xccdf_org.ssgproject.content_rule_file_permissions_etc_group
POLICY=$("$S" results --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["policy"])')
WAIVER=$(SACM_CONFIG=$L/accounts/approver.conf "$S" waive "$WAIVED_RULE" --policy "$POLICY" \
    --endpoints "$MIS" --reason "dashboard test: shared group file" --expires 30d --ticket DASH-1 --json |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
check "an approver waives a failing rule on the misconfigured target ($WAIVER)" \
    wait_for 30 bash -c "'$S' results --json | grep -q '\"waived\":1'"
# Vulnerability definitions for the lab's trees: every endpoint is
# evaluated from its stored inventory.
/usr/bin/python3 tools/vuln-oval-gen.py lab "$L"/targets/*/var/lib/dpkg/status > "$W/defs.xml"
"$S" vuln publish "$W/defs.xml" > /dev/null 2>&1
check "the lab has vulnerability results for each target" wait_for 120 bash -c \
    "[ \$('$S' vulns --json | grep -o '\"endpoint\"' | wc -l) = 3 ]"
URL=$(sed -n 's/^Dashboard: \([^ ]*\).*/\1/p' "$W/up.out")
check "sacm-lab up prints the dashboard's URL and account" test -n "$URL"
WAIVED_RULE=$WAIVED_RULE WAIVER=$WAIVER DASH_URL=$URL DASH_JID=dashboard@grid.test DASH_PASSWORD=$(cat "$L/accounts/dashboard.pass") \
    SHOTS=$SHOTS SACMCTL=$S CHANGED=$MIS CHANGE_CMD="chmod 0644 '$L/targets/misconfigured/etc/passwd'" \
    PLAYWRIGHT_CORE=$PWD/services/dashboard/node_modules/playwright-core \
    BROKER_STOP_CMD="p=\$(cat '$L/prosody/prosody.pid'); kill \$p; while kill -0 \$p 2>/dev/null; do sleep 0.1; done" \
    BROKER_START_CMD="'$BIN/sacm-lab' up --dir '$L' >/dev/null 2>&1" \
    node tests/dashboard/test_dashboard.mjs || fails=$((fails + 1))
echo "screenshots: $(ls "$SHOTS" | tr '\n' ' ')"
exit $((fails > 0))
