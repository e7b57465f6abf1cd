#!/usr/bin/env bash
# sacm-entrypoint - what each container of the compose lab runs.
#
#   pki [revoke|reinstate NAME]
#                             the one-shot certificate step: the lab CA,
#                             its key and database in its own volume /ca,
#                             everything it signs and the CRL in the
#                             broker's /lab (sacm-lab certs); or one
#                             certificate revoked or issued anew
#   broker                    the XMPP broker; once the certificate step
#                             has run, it makes the accounts and topics in
#                             its volume /lab (sacm-lab), and gives each
#                             other container its own credentials (its
#                             volume, mounted at /export/NAME here); it
#                             never holds the CA key; with
#                             SACM_BROKER_NODES=2 or 3 (ejabberd), node 1
#                             of a cluster
#   broker-node N             node N of that cluster, in a container of
#                             its own (it shares the broker's /lab); ends
#                             at once when the lab has fewer nodes
#   node-health               the broker node here takes logins
#   daemon NAME PROGRAM       a SACM daemon logged in as account NAME, its
#                             state in /data
#   target NAME CONFIG        a target system: CONFIG (installed, hardened,
#                             misconfigured) applied once, then its own
#                             collector, account NAME, on / (root)
set -euo pipefail
LAB=/lab
NODES=${SACM_BROKER_NODES:-1}
case "$NODES" in 1|2|3) ;; *) echo "sacm-entrypoint: error: SACM_BROKER_NODES: 1 to 3" >&2; exit 1 ;; esac
say() { printf 'sacm-entrypoint: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# A cluster (SACM_BROKER_NODES > 1): ejabberd nodes in the containers
# broker, broker-2, broker-3, each reached by its name; sacm-lab spreads
# the accounts over them.
cluster() {
	[ "$NODES" -gt 1 ] || return 0
	[ "${SACM_BROKER:-prosody}" = ejabberd ] ||
	    die "SACM_BROKER_NODES=$NODES: a cluster is ejabberd's (SACM_BROKER=ejabberd, and build with it)"
	SACM_LAB_NODE_HOSTS="broker$(seq -f ' broker-%g' 2 "$NODES" | tr -d '\n')"
	export SACM_LAB_NODE_HOSTS
}

# The broker has made our account and the topics (it exports our
# credentials into our volume, ready last, after grid init), and we can
# log in.
wait_grid() {
	local name=$1 i
	for i in $(seq 1 180); do
		if [ -f "$LAB/ready" ] && [ -f "$LAB/accounts/$name.conf" ] &&
		    sacmctl -c "$LAB/accounts/$name.conf" disco grid.test >/dev/null 2>&1; then
			return 0
		fi
		[ $((i % 15)) = 1 ] && say "waiting for the broker and account $name"
		sleep 1
	done
	die "no grid after 180 s (is the broker running?)"
}

# A daemon's configuration: its account's certificate login (SASL
# EXTERNAL) and its own settings.  A collector logs in again after it
# dropped root: its key is copied where its user (nobody) reads it.
config() {	# name program extra-lines...
	local name=$1 prog=$2 key
	shift 2
	mkdir -p /etc/sacm
	key=$(sed -n 's/^key = //p' "$LAB/accounts/$name-cert.conf")
	if [ "$prog" = sacm-collector ]; then
		install -m 400 -o nobody "$key" "/etc/sacm/$name.key"
		key=/etc/sacm/$name.key
	fi
	{ echo "# $prog as $name (written by sacm-entrypoint)"
	  grep -v -e '^#' -e '^key = ' "$LAB/accounts/$name-cert.conf"
	  echo "key = $key"
	  printf '%s\n' "$@"; } > "/etc/sacm/$name.conf"
	chmod 600 "/etc/sacm/$name.conf"
	"$prog" -n -f "/etc/sacm/$name.conf" >/dev/null ||
	    die "$prog: bad configuration /etc/sacm/$name.conf"
}

case "${1:-}" in
pki)
	case "${2:-}" in
	'') exec sacm-lab certs --dir "$LAB" --ca /ca \
	    --collectors "${SACM_COLLECTORS:-3}" ;;
	revoke|reinstate)
		[ $# = 3 ] || die "usage: sacm-entrypoint pki $2 NAME"
		exec sacm-lab "$2" "$3" --dir "$LAB" --ca /ca ;;
	*) die "usage: sacm-entrypoint pki [revoke|reinstate NAME]" ;;
	esac
	;;
broker)
	for i in $(seq 1 120); do
		[ -f "$LAB/pki/issued" ] && break
		[ $((i % 15)) = 1 ] && say "waiting for the certificate step (pki)"
		sleep 1
	done
	[ -f "$LAB/pki/issued" ] || die "no certificates after 120 s (did the pki service run?)"
	cluster
	exec sacm-lab up --dir "$LAB" --broker-only --foreground --export /export \
	    --broker "${SACM_BROKER:-prosody}" --collectors "${SACM_COLLECTORS:-3}" \
	    --nodes "$NODES"
	;;
broker-node)
	[ $# = 2 ] || die "usage: sacm-entrypoint broker-node N"
	if [ "$2" -gt "$NODES" ]; then
		say "broker node $2: the lab has $NODES (SACM_BROKER_NODES); nothing to run"
		exit 0
	fi
	cluster
	for i in $(seq 1 300); do
		[ -f "$LAB/ejabberd-$2/ejabberd.yml" ] && break
		[ $((i % 15)) = 1 ] && say "waiting for node 1 (broker) to configure the cluster"
		sleep 1
	done
	exec sacm-lab node "$2" --dir "$LAB" --foreground
	;;
node-health)
	# the health account's login, on this node only
	sed 's/^host = .*/host = 127.0.0.1/' "$LAB/accounts/health.conf" > /tmp/node-health.conf
	exec sacmctl -c /tmp/node-health.conf disco grid.test
	;;
daemon)
	[ $# = 3 ] || die "usage: sacm-entrypoint daemon NAME PROGRAM"
	name=$2 prog=$3
	wait_grid "$name"
	mkdir -p /data
	case $prog in
	sacm-policy-repo) config "$name" "$prog" "db = /data/policy-repo.sqlite" ;;
	sacm-posture-repo) config "$name" "$prog" "db = /data/posture-repo.sqlite" ;;
	sacm-results-repo) config "$name" "$prog" "db = /data/results-repo.sqlite" ;;
	sacm-audit) config "$name" "$prog" "db = /data/audit.sqlite" \
	    "broker_log = /broker-log/${SACM_BROKER:-prosody}.log" ;;
	# auto_approve: a lab convenience (an account's first endpoint
	# needs no operator)
	sacm-orchestrator) config "$name" "$prog" \
	    "db = /data/orchestrator.sqlite" "auto_approve = yes" \
	    "admins = $(cat "$LAB/accounts/admin.jid")" ;;
	sacm-evaluator) config "$name" "$prog" "state_dir = /data/$name" ;;
	*) die "unknown daemon $prog" ;;
	esac
	say "starting $prog as $name"
	exec "$prog" -f "/etc/sacm/$name.conf"
	;;
target)
	[ $# = 3 ] || die "usage: sacm-entrypoint target NAME CONFIG"
	name=$2 conf=$3
	state=/var/lib/sacm-collector
	mkdir -p "$state"
	# This system's identity, kept in its volume across re-creations.
	[ -s "$state/machine-id" ] ||
	    head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$state/machine-id"
	cp "$state/machine-id" /etc/machine-id
	if [ ! -f "$state/configured-$conf" ]; then
		sacm-targets configure "$conf" /
		touch "$state/configured-$conf"
		say "configured as $conf"
	fi
	wait_grid "$name"
	config "$name" sacm-collector "state_dir = $state"
	say "collector $name on $(hostname) ($conf)"
	exec sacm-collector -f "/etc/sacm/$name.conf"
	;;
-h|--help|'')
	sed -n '2,26s/^# \{0,1\}//p' "$0"
	;;
*)
	exec "$@"
	;;
esac
