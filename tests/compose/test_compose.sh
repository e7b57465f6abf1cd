#!/usr/bin/env bash
# The compose lab for real: build the image from Debian images, bring up
# the broker, every daemon and three Debian 12 target containers (each with
# its own configuration and collector), publish the datastream that fits
# them (Debian 13's ssg-debian12-ds.xml, in the image), and check that every
# target gets a result equal rule for rule to `oscap xccdf eval` run inside
# that container; every healthcheck passes.
#
# Needs a container engine with docker-compose (tests/compose/lib.sh);
# skipped (exit 77) without one.  Nodes 2 and 3 of a cluster
# (SACM_BROKER_NODES) are not started: test_compose_cluster.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/compose/lib.sh
compose_init
compose_build
dc up -d > "$W/up.log" 2>&1
check "docker-compose up starts the broker, the daemons (audit too) and three targets" \
    test "$(dc ps --services --filter status=running | grep -vx -e pki -e broker-2 -e broker-3 | wc -l)" = 11
check "... after the one-shot certificate step, which exits 0" \
    wait_for 60 bash -c "docker-compose -p $P -f compose/docker-compose.yml ps pki | grep -q 'Exit 0'"
check "... nodes 2 and 3 of a cluster end at once without one" \
    wait_for 60 bash -c "docker-compose -p $P -f compose/docker-compose.yml ps broker-2 broker-3 | grep -c 'Exit 0' | grep -qx 2"
compose_publish "the broker makes accounts and topics on first start; each target announces itself" 1 2 3
current() { ctl items sacm/results --id "${MID[$1]}/$ID/$PROFILE" >/dev/null 2>&1; }
for n in 1 2 3; do
	check "publishing it gives target-$n a result" wait_for 300 current "$n"
done
for n in 1 2 3; do
	dc exec -T "target-$n" oscap xccdf eval --profile "$PROFILE" \
	    --results /tmp/live.xml "$DS" >/dev/null 2>&1
	dc exec -T "target-$n" cat /tmp/live.xml > "$W/live-$n.xml"
	req=$(ctl results history "${MID[$n]}" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
	ctl items sacm/evaluation/results --id "$req" --json |
	    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["payload"])' > "$W/res-$n.xml"
	check "... target-$n's rule results equal oscap xccdf eval inside it" /usr/bin/python3 tests/targets/cmp_rules.py "$W/res-$n.xml" "$W/live-$n.xml"
done
# target-1 installed, target-2 hardened, target-3 misconfigured: the
# hardened one fails no more rules than the installed one (a fresh
# Debian 12 container may already pass the standard profile), the
# misconfigured one more than both.
fail3=$(ctl results --json | /usr/bin/python3 -c 'import json,sys; f={r["endpoint"]: r["fail"] for r in json.load(sys.stdin)}; print(" ".join(str(f.get(m, -1)) for m in sys.argv[1:]))' "${MID[1]}" "${MID[2]}" "${MID[3]}")
check "the targets' own configurations give different results (fail: $fail3)" bash -c "set -- $fail3; [ \$2 -ge 0 ] && [ \$2 -le \$1 ] && [ \$1 -lt \$3 ]"
check "the broker serves the dashboard on the published HTTPS port" bash -c "curl -skf https://127.0.0.1:$SACM_HTTPS_PORT/files/dashboard/index.html | grep -q 'SACM Grid dashboard' && curl -skf https://127.0.0.1:$SACM_HTTPS_PORT/files/dashboard/strophe.esm.js >/dev/null && curl -skf https://127.0.0.1:$SACM_HTTPS_PORT/files/dashboard/config.json | grep -q xmpp-websocket"
# Healthchecks of every service that stays (not the one-shot steps).
compose_healthchecks pki broker-2 broker-3
# Secrets per container: root in a target (or in a daemon's container)
# finds its own login and the CA certificate, and none of the CA key,
# another account's password or the administrator's login.
cakey=$(dc run --rm -T pki sed -n 2p /ca/ca.key 2>/dev/null | tr -d '\r')
ctlpass=$(dc exec -T broker cat /lab/accounts/ctl.pass | tr -d '\r')
c2pass=$(dc exec -T broker cat /lab/accounts/collector-2.pass | tr -d '\r')
adminkey=$(dc exec -T broker sed -n 2p /lab/pki/clients/admin.key | tr -d '\r')
secrets_absent() {	# service
	dc exec -T "$1" sh -c "[ \"\$(id -u)\" = 0 ] && [ ! -e /lab/pki/ca.key ] &&
	    [ ! -e /lab/accounts/ctl.conf ] && [ ! -e /lab/accounts/ctl.pass ] &&
	    [ ! -e /lab/pki/clients/admin.key ] &&
	    ! grep -rqsF -e '$cakey' -e '$ctlpass' -e '$c2pass' -e '$adminkey' /lab /etc /var /root /tmp /run /data /usr/local"
}
check "the broker holds the secrets looked for (${#cakey} ${#ctlpass} ${#c2pass} ${#adminkey} characters)" \
    test ${#cakey} -gt 40 -a ${#ctlpass} -gt 10 -a ${#c2pass} -gt 10 -a ${#adminkey} -gt 40
check "inside target-1, as root: no CA key, no other account's password, no admin login" \
    secrets_absent target-1
check "... nor inside the orchestrator's container" secrets_absent orchestrator
check "the CA key is in the certificate step's volume alone: not in the broker's container" \
    dc exec -T broker sh -c "[ ! -e /lab/pki/ca.key ] && ! grep -rqsF -e '$cakey' /lab /etc /var /root /tmp /run /usr/local"
check "... while target-1 has its own login and the CA certificate" \
    dc exec -T target-1 sh -c "test -s /lab/accounts/collector-1.pass && test -s /lab/pki/ca.crt"
collector_uid() {
	dc exec -T target-1 sh -c 'for p in /proc/[0-9]*; do
	    [ "$(cat $p/comm 2>/dev/null)" = sacm-collector ] &&
	    sed -n "s/^Uid:[[:space:]]*\([0-9]*\).*/\1/p" $p/status; done' |
	    tr -d '\r' | head -1
}
check "its collector runs as nobody (it started as root): uid $(collector_uid)" \
    test "$(collector_uid)" = 65534
# The broker's own denials reach the audit trail (the audit container
# reads the broker's log, read only): a login with a wrong password.
dc exec -T broker sh -c "echo wrong > /tmp/wrong.pass; sed 's|^password_file = .*|password_file = /tmp/wrong.pass|' /lab/accounts/collector-2.conf > /tmp/wrong.conf; sacmctl -c /tmp/wrong.conf topics" >/dev/null 2>&1
trail_denied() {
	dc exec -T broker sacmctl -c /lab/accounts/ctl.conf audit --topic broker \
	    --account collector-2@grid.test 2>/dev/null | grep -q denied
}
check "a refused login is in the audit trail (from the broker's log)" wait_for 30 trail_denied
# Restarting a daemon's container keeps its data (volumes).
dc restart results-repo >/dev/null 2>&1
check "a repository keeps its data across a restart (volumes)" wait_for 60 bash -c "[ \"\$(docker-compose -p $P -f compose/docker-compose.yml exec -T broker sacmctl -c /lab/accounts/ctl.conf results --json 2>/dev/null | grep -o '\"endpoint\"' | wc -l)\" = 3 ]"
exit $((fails > 0))
