#!/usr/bin/env bash
# The compose lab on a three-node ejabberd cluster (SACM_BROKER=ejabberd
# SACM_BROKER_NODES=3): broker, broker-2 and broker-3 form one cluster,
# each node in a container of its own, and the accounts are spread over
# them; a policy published gives each target its result.  The node that
# holds most daemons (the orchestrator's, the evaluator's, the
# repositories', a collector's) is killed: its clients move to another
# node, and the next assessment completes: one more result per target,
# none lost, none twice.  Started again, the node rejoins and takes
# logins; every healthcheck passes.
#
# A part of the lab (one evaluator, two targets): test_compose.sh checks
# the whole lab on Prosody, and its results against oscap.  Needs a
# container engine with docker-compose (tests/compose/lib.sh); skipped
# (exit 77) without one.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/compose/lib.sh
export SACM_BROKER=ejabberd SACM_BROKER_NODES=3
compose_init
compose_build
dc up -d pki broker broker-2 broker-3 policy-repo posture-repo \
    evaluator-1 results-repo orchestrator target-1 target-3 > "$W/up.log" 2>&1
check "up starts three broker nodes, five daemons and two targets" \
    test "$(dc ps --services --filter status=running | grep -vx pki | wc -l)" = 10

# The broker's line of sacm-lab status: "... node 2 on broker-2 (running,
# 3 sessions) ...".
cluster() { dc exec -T broker sacm-lab status --dir /lab 2>/dev/null | tr -d '\r' | sed -n 's/^broker *//p'; }
# sessions N: how many sessions node N holds, per node 1 (-1: stopped)
sessions() {
	local n
	n=$(cluster | grep -o "node $1 on [a-z0-9-]* [^)]*)" | sed -n 's/.*, \([0-9]*\) sessions)/\1/p')
	echo "${n:--1}"
}
# Accounts hash to nodes (sacm-lab node_hosts): node 3 holds the
# orchestrator, evaluator-1, both repositories and collector-1; node 1
# the policy repository; node 2 collector-3.
spread() { [ "$(sessions 1)" -ge 1 ] && [ "$(sessions 2)" -ge 1 ] && [ "$(sessions 3)" -ge 5 ]; }
check "the three nodes form one cluster, the daemons spread over them" wait_for 240 spread
cluster > "$W/cluster-1"
echo "     $(cat "$W/cluster-1")"
# every node takes every account's login, whichever node it tried first
# (a login tried on a node before it joined must not stick to it)
login_on() {	# host
	dc exec -T broker bash -c "sed 's/^host = .*/host = $1/' /lab/accounts/ctl.conf > /tmp/ctl-$1.conf &&
	    sacmctl -c /tmp/ctl-$1.conf items sacm/endpoints -n 1 >/dev/null"
}
for h in broker broker-2 broker-3; do
	check "the operator logs in to $h" login_on "$h"
done
check "... named by their containers" grep -q "cluster of 3 nodes, node 1 on broker (pid [0-9]*, [0-9]* sessions), node 2 on broker-2 (running, [0-9]* sessions), node 3 on broker-3 (running" "$W/cluster-1"
compose_publish "each target announces itself" 1 3
# results N: how many results target N has in the results repository
results() {
	ctl results history "${MID[$1]}" --json 2>/dev/null |
	    /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo 0
}
has() { [ "$(results "$1")" = "$2" ]; }
for n in 1 3; do
	check "publishing it gives target-$n a result" wait_for 300 has "$n" 1
done
before=$(( $(sessions 1) + $(sessions 2) + $(sessions 3) ))

# Node 3 dies (SIGKILL, no goodbye): its clients move to node 1, the
# next in their lists.
dc kill broker-3 >/dev/null 2>&1
moved() { [ "$(sessions 3)" -le 0 ] && [ $(( $(sessions 1) + $(sessions 2) )) -ge "$before" ]; }
check "node 3 killed: its sessions move to the other nodes ($before in all)" wait_for 120 moved
cluster > "$W/cluster-2"
echo "     $(cat "$W/cluster-2")"
assess_wait() { ctl assess "$ID" --profile "$PROFILE" --wait --timeout 300 > "$W/assess.out" 2>&1; }
check "... the assessment asked of the orchestrator on its new node completes" assess_wait
for n in 1 3; do
	wait_for 60 has "$n" 2
	check "... target-$n has two results: none lost, none twice ($(results "$n"))" has "$n" 2
done

# Back: node 3 finds its cluster by itself, and takes logins.
dc start broker-3 >/dev/null 2>&1
back() { cluster | grep -q "node 3 on broker-3 (running"; }
check "node 3 started again rejoins the cluster" wait_for 180 back
compose_healthchecks pki
exit $((fails > 0))
