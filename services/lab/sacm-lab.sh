#!/usr/bin/env bash
# sacm-lab - a complete SACM Grid lab on this machine, unprivileged, on
# loopback ports that are free.  See `sacm-lab --help`.
#
# State lives in one directory (--dir, $SACM_LAB_DIR, or a default):
#   lab.env            broker kind, domain, ports (shell variables)
#   pki/               lab CA, broker certificate, client certificates
#   accounts/NAME.conf service settings (password and certificate variants)
#   roles.conf         role -> JID, read by `sacmctl grid init`
#   prosody/ or ejabberd/   the broker's config, data and logs
#   log/               the daemons' logs; log/broker/ the broker's log the
#                      audit service reads for denials
set -euo pipefail

PROG=sacm-lab
VERSION=@VERSION@
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# The parts and the templates: installed beside the programs
# (build/share/sacm-lab), or in the source tree (services/lab).
if [ -d "$HERE/../share/sacm-lab/lib" ]; then
	SHARE=$(cd "$HERE/../share/sacm-lab" && pwd)
else
	SHARE=$HERE
fi
for part in common pki accounts prosody ejabberd daemons; do
	# shellcheck disable=SC1090
	. "$SHARE/lib/$part.sh"
done
SACMCTL=${SACMCTL:-$HERE/sacmctl}
DOMAIN=grid.test
# One account per service instance and per collector (DESIGN.md, Security).
SERVICES="policy-repo:policy-repo orchestrator:orchestrator
posture-repo:posture-repo evaluator-1:evaluator evaluator-2:evaluator
results-repo:results-repo dashboard:dashboard siem:siem audit:auditor
approver:approver"
# Every account but these (and ctl) is rate-limited at the broker: it
# sends at most CLIENT_KBPS kB/s, after a burst of CLIENT_BURST_S seconds'
# worth (a collector needs far less; a flood from one slows that one).
CLIENT_KBPS=16 CLIENT_BURST_S=4

# Containers (compose/): the broker listens on every interface
# (SACM_LAB_LISTEN=*), on fixed ports (SACM_LAB_PORTS="C2S TLS HTTP
# HTTPS"), and clients reach it by name (SACM_LAB_CONNECT=broker; the
# network resolves upload.grid.test too).
LISTEN=${SACM_LAB_LISTEN:-127.0.0.1}
LISTEN_IP=$LISTEN
[ "$LISTEN" = "*" ] && LISTEN_IP=0.0.0.0
CONNECT=${SACM_LAB_CONNECT:-127.0.0.1}
RESOLVE="upload_resolve = 127.0.0.1"
[ "$CONNECT" = 127.0.0.1 ] || RESOLVE=
# An ejabberd cluster whose nodes run apart (compose: SACM_LAB_NODE_HOSTS=
# "broker broker-2 broker-3", node i's host the i-th name; lib/ejabberd.sh).
NODE_HOSTS=${SACM_LAB_NODE_HOSTS:-}

usage() {
	cat <<EOF
usage: sacm-lab COMMAND [--dir DIR] [options]

commands:
  up [--broker prosody|ejabberd] [--nodes N] [--collectors N]
     [--broker-only] [--foreground] [--export DIR]
                 create (first time) and start the lab: CA and certificates,
                 one account per service and collector, the broker on free
                 loopback ports, every topic with its affiliations, and the
                 SACM daemons (not with --broker-only): policy repository,
                 posture repository, two evaluators, results repository,
                 orchestrator, and one collector per target tree (N trees,
                 default 3, built with sacm-targets when missing).  Each
                 daemon is supervised: restarted when it dies, logged.
                 --foreground stays until the broker ends (for a
                 container; TERM stops everything).  --export DIR gives
                 each account with a directory DIR/NAME what it needs to
                 log in and nothing else (for a container's own volume).
                 --nodes N (ejabberd, 1-5, default 1) forms a cluster of N
                 ejabberd nodes on 127.0.0.1 ... 127.0.0.N, the same
                 ports; each account starts on its own node and moves to
                 the next when its node goes away.  Running it again is
                 safe.  With SACM_LAB_NODE_HOSTS the nodes run apart: up
                 starts node 1, and each other node is 'node N' on its
                 own host.
  node N [--foreground]
                 start node N of a cluster whose nodes run apart (its own
                 container) and join it to node 1's cluster; the lab
                 directory is shared and 'up' has configured it.  In a
                 cluster on this machine: start node N again after it
                 stopped or died (its clients come back to it as they
                 reconnect)
  down           stop the daemons and the broker (state is kept)
  status         what runs where: the broker, every daemon (with its
                 restarts), the endpoints, the topics
  start|stop|restart NAME
                 one daemon (a stopped daemon stays stopped until 'start'
                 or the next 'up'); its configuration DIR/etc/NAME.conf
                 is written again at each start, with the lines of
                 DIR/etc/NAME.local (if any) added: options of your own
  env            print the exports that point sacmctl at this lab:
                 eval "\$(sacm-lab env)"
  account NAME [ROLE]
                 add an account (and grant ROLE on the topics)
  revoke NAME    take account NAME off the grid at once: the lab CA
                 revokes its certificate (the CRL the broker checks) and
                 the administrator revokes the account (sacmctl grid
                 revoke: password, sessions, topics, endpoints)
  reinstate NAME give it back: a new certificate and a new password
                 (sacmctl grid reinstate); its endpoints wait for an
                 operator
  certs [--ca CADIR] [--collectors N]
                 the one-shot certificate step: the lab CA (its key and
                 database in CADIR), the broker's certificate, one client
                 certificate per account and the CRL, in DIR/pki; starts
                 and registers nothing.  Where the CA key is not in
                 DIR/pki (compose: the pki service's own volume), 'up'
                 issues nothing and the broker never sees that key; run
                 this again to renew the CRL (30 days).  With --ca,
                 revoke and reinstate act on the certificate only.
  targets        build the Debian 11 target trees in DIR/targets
                 (debootstrap, cached; see sacm-targets --help)
  destroy        stop and delete the lab directory
  --version      print the version

options:
  --dir DIR      lab state directory (default: \$SACM_LAB_DIR, else
                 $(default_dir))
  --ca CADIR     where the CA key and database are (default: DIR/pki)

environment:
  SACM_LAB_UNLIMITED="NAME ..."  accounts the broker does not rate-limit,
                 besides the services (at up; a fleet simulator's account
                 answers for many endpoints: bench/fleet.sh)
  SACM_LAB_NODE_HOSTS="HOST1 HOST2 ..."
                 the hosts of a cluster's nodes when each runs on its own
                 (compose, SACM_BROKER_NODES: docs/compose.md); node 1's
                 is this one, and each listens on every interface
  SACM_LAB_PUBSUB_SQL=HOST:PORT:DATABASE:USER:PASSWORD
                 ejabberd keeps pubsub in that PostgreSQL database (its
                 schema loaded: /usr/share/ejabberd/sql/pg.new.sql), not
                 in Mnesia (at up; bench/pubsub_store.sh compares them)
EOF
}

default_dir() {
	if [ "$(id -u)" = 0 ]; then
		echo /var/lib/sacm-lab
	else
		echo "${XDG_STATE_HOME:-$HOME/.local/state}/sacm-lab"
	fi
}

# A restarted lab keeps its ports (the daemons' configurations name them);
# a broker that was just stopped may hold them for a moment.
ports_free_soon() {
	local i
	for i in $(seq 1 50); do
		port_free "$C2S_PORT" && port_free "$C2S_TLS_PORT" &&
		    port_free "$HTTPS_PORT" && return 0
		sleep 0.2
	done
	return 1
}

broker_pid() {
	local f pid
	case "${BROKER:-}" in prosody|ejabberd) ;; *) return 1 ;; esac
	f=$("${BROKER}_pidfile")
	[ -s "$f" ] || return 1
	pid=$(cat "$f")
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

# ", cluster of N nodes: ..." for an ejabberd cluster: each node, and how
# many sessions it holds (asked of node 1).
cluster_status() {
	local n out= pid info state
	[ "${NODES:-1}" -gt 1 ] || return 0
	info=$(ejctl connected_users_info 2>/dev/null | cut -f6 || true)
	for n in $(seq 1 "$NODES"); do
		state=stopped
		if [ -n "$NODE_HOSTS" ] && [ "$n" != 1 ]; then
			ejctl_node "$n" status >/dev/null 2>&1 && state=running
		elif pid=$(node_pid "$n"); then
			state="pid $pid"
		fi
		[ "$state" = stopped ] ||
		    state="($state, $(grep -cx "$(node_name "$n")" <<<"$info" || true) sessions)"
		out="$out, node $n on $(node_host "$n") $state"
	done
	echo "; cluster of $NODES nodes$out"
}

# ---- commands ---------------------------------------------------------

cmd_up() {
	mkdir -p "$LAB"
	chmod 755 "$LAB"
	if [ -f "$LAB/lab.env" ]; then
		local want=$BROKER_ARG
		load_env
		if [ -n "$want" ] && [ "$want" != "$BROKER" ]; then
			die "$LAB holds a $BROKER lab; use another --dir for $want"
		fi
	else
		BROKER=${BROKER_ARG:-prosody}
	fi
	COLLECTORS=${COLLECTORS_ARG:-${COLLECTORS:-3}}
	NODES=${NODES_ARG:-${NODES:-1}}
	case "$BROKER" in prosody|ejabberd) ;; *) die "unknown broker '$BROKER'";; esac
	case "$NODES" in [1-5]) ;; *) die "--nodes: 1 to 5" ;; esac
	if [ "$NODES" -gt 1 ] && [ "$BROKER" != ejabberd ]; then
		die "--nodes $NODES: only ejabberd clusters (Prosody is one process)"
	fi
	if [ -n "$NODE_HOSTS" ]; then
		case "$NODE_HOSTS" in *[!a-z0-9\ -]*)
			die "SACM_LAB_NODE_HOSTS: short host names (a-z, 0-9, '-')" ;;
		esac
		[ "$(wc -w <<<"$NODE_HOSTS")" = "$NODES" ] ||
		    die "SACM_LAB_NODE_HOSTS: one host per node ($NODES)"
	elif [ "$NODES" -gt 1 ] && [ "$LISTEN" != 127.0.0.1 ]; then
		die "--nodes $NODES: a cluster lab listens on loopback addresses" \
		    "(or on hosts of their own: SACM_LAB_NODE_HOSTS)"
	fi
	command -v "$BROKER" >/dev/null || [ -x /usr/sbin/ejabberdctl ] ||
	    die "$BROKER is not installed (run: make deps)"

	if pid=$(broker_pid); then
		say "$BROKER already running (pid $pid)"
	else
		if [ -n "${SACM_LAB_PORTS:-}" ]; then
			read -r C2S_PORT C2S_TLS_PORT HTTP_PORT HTTPS_PORT <<<"$SACM_LAB_PORTS"
		elif [ -z "${C2S_PORT:-}" ] || ! ports_free_soon; then
			local base
			base=$(pick_ports)
			C2S_PORT=$base C2S_TLS_PORT=$((base + 1))
			HTTP_PORT=$((base + 2)) HTTPS_PORT=$((base + 3))
		fi
		EJABBERD_NODE=${EJABBERD_NODE:-sacmlab$C2S_PORT@localhost}
		# a cluster apart: node 1 is named on its own host
		[ -z "$NODE_HOSTS" ] ||
		    EJABBERD_NODE=${EJABBERD_NODE%%@*}@${NODE_HOSTS%% *}
		cat > "$LAB/lab.env" <<EOF
BROKER=$BROKER
DOMAIN=$DOMAIN
C2S_PORT=$C2S_PORT
C2S_TLS_PORT=$C2S_TLS_PORT
HTTP_PORT=$HTTP_PORT
HTTPS_PORT=$HTTPS_PORT
COLLECTORS=$COLLECTORS
EJABBERD_NODE=$EJABBERD_NODE
NODES=$NODES
NODE_HOSTS='$NODE_HOSTS'
EOF
		make_ca
		crl_update
		"${BROKER}_config"
		if [ "$BROKER" = prosody ]; then
			# Prosody registers accounts with the server stopped.
			all_accounts
		fi
		say "starting $BROKER on $LISTEN:$C2S_PORT"
		"${BROKER}_start"
		if ! wait_port "$C2S_PORT" 300; then
			tail -n 20 "$LAB/$BROKER"/*.err "$LAB/$BROKER/stdout.log" \
			    "$LAB/log/broker/error.log" >&2 2>/dev/null || true
			die "$BROKER did not open port $C2S_PORT in 30 s" \
			    "(logs in $LAB/$BROKER/ and $LAB/log/broker/)"
		fi
		[ "$BROKER" = ejabberd ] && all_accounts
	fi
	[ "$BROKER" = ejabberd ] || all_accounts >/dev/null
	# Topics and affiliations; retried while the broker settles.
	local i ok=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		if "$SACMCTL" -c "$LAB/accounts/admin.conf" grid init \
		    --roles "$LAB/roles.conf" > "$LAB/grid-init.log" 2>&1; then
			ok=1
			break
		fi
		sleep 0.5
	done
	[ $ok = 1 ] || { cat "$LAB/grid-init.log" >&2; die "grid init failed"; }
	[ -n "$EXPORT" ] && export_credentials "$EXPORT"
	sed -i "s/^COLLECTORS=.*/COLLECTORS=$COLLECTORS/" "$LAB/lab.env"
	grep -q '^NODES=' "$LAB/lab.env" || echo "NODES=$NODES" >> "$LAB/lab.env"
	install_dashboard
	if [ "$BROKER_ONLY" != 1 ]; then
		ensure_targets
		start_daemons
	fi
	if [ "$FOREGROUND" = 1 ]; then
		# A container's main process: stays with the broker, stops it
		# on TERM, and ends (with its status) when it ends.
		local bpid
		bpid=$(broker_pid) || die "$BROKER is not running"
		say "$BROKER running (pid $bpid); in the foreground"
		trap 'say "stopping"; cmd_down; exit 0' TERM INT
		while kill -0 "$bpid" 2>/dev/null; do sleep 1 & wait $! || true; done
		die "$BROKER (pid $bpid) ended"
	fi
	cmd_status
	echo
	echo "Point sacmctl at this lab with:  eval \"\$($HERE/sacm-lab env --dir $LAB)\""
	if [ -f "$LAB/www/dashboard/index.html" ]; then
		echo "Dashboard: $(dashboard_url)  (trust $LAB/pki/ca.crt in the browser)"
		echo "  account dashboard@$DOMAIN, password $(cat "$LAB/accounts/dashboard.pass")"
	fi
}

cmd_down() {
	local pid i
	load_env
	# shellcheck disable=SC2046
	stop_daemons $(all_daemon_names)
	if pid=$(broker_pid); then
		say "stopping $BROKER (pid $pid)"
		"${BROKER}_stop" "$pid"
		for i in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
		"${BROKER}_stopped"
	else
		say "$BROKER is not running"
	fi
	return 0
}

cmd_status() {
	load_env
	local pid state
	if pid=$(broker_pid); then state="running (pid $pid)"; else state="stopped"; fi
	cat <<EOF
lab        $LAB
broker     $BROKER, $state$(cluster_status)
xmpp       127.0.0.1:$C2S_PORT (STARTTLS), 127.0.0.1:$C2S_TLS_PORT (direct TLS)
domain     $DOMAIN, pubsub.$DOMAIN, upload.$DOMAIN
https      https://127.0.0.1:$HTTPS_PORT/ (uploads, websocket)
CA         $LAB/pki/ca.crt
accounts   $LAB/accounts/NAME.conf (password) and NAME-cert.conf (certificate)
EOF
	local d name prog tree dpid restarts what
	echo "daemons:"
	for d in $(instances); do
		IFS=: read -r name prog tree <<<"$d"
		[ -f "$LAB/etc/$name.conf" ] || continue
		restarts=$(grep -c " sacm-lab: $name (" "$LAB/log/supervisor.log" 2>/dev/null || true)
		what=$prog${tree:+ on targets/$tree}
		if dpid=$(daemon_pid "$name"); then
			printf '  %-14s %-40s running (pid %s, %s restarts)\n' "$name" "$what" "$dpid" "${restarts:-0}"
		elif supervised "$name"; then
			printf '  %-14s %-40s restarting (%s restarts)\n' "$name" "$what" "${restarts:-0}"
		else
			printf '  %-14s %-40s stopped\n' "$name" "$what"
		fi
	done
	echo "  logs: $LAB/log/NAME.log; restarts: $LAB/log/supervisor.log"
	if [ "$state" != stopped ]; then
		echo "endpoints:"
		timeout 20 "$SACMCTL" -c "$LAB/accounts/ctl.conf" endpoints 2>&1 | sed 's/^/  /' || true
		echo "topics:"
		timeout 20 "$SACMCTL" -c "$LAB/accounts/ctl.conf" topics 2>&1 | sed 's/^/  /' || true
	fi
}

# sacm-lab start|stop|restart NAME: one daemon (names as in status).
cmd_one() {
	local what=$1 want=${2:-} d name prog tree
	load_env
	[ -n "$want" ] || die "usage: sacm-lab $what NAME"
	for d in $(instances); do
		IFS=: read -r name prog tree <<<"$d"
		[ "$name" = "$want" ] || continue
		case $what in
		stop) stop_daemons "$name" ;;
		start) start_daemon "$name" "$prog" "$tree" ;;
		restart) stop_daemons "$name"; start_daemon "$name" "$prog" "$tree" ;;
		esac
		return 0
	done
	die "no daemon '$want' in this lab (see sacm-lab status)"
}

# joined_before N: nodes 2 to N-1 run in node 1's cluster.
joined_before() {
	local m running
	# (a name with a '-' comes quoted, as an Erlang atom)
	running=$(ejctl_node 1 list_cluster 2>/dev/null | tr -d "'") ||
	    return 1
	for m in $(seq 2 $(($1 - 1))); do
		grep -qx "$(node_name "$m")" <<<"$running" || return 1
		ejctl_node "$m" status >/dev/null 2>&1 || return 1
	done
}

# sacm-lab node N: node N of a cluster whose nodes run apart, on this
# host (a container of its own); node 1's `up` has configured it in the
# shared lab directory.  It joins node 1's cluster the first time (node 1
# has to be up then); later it finds the cluster by itself.
cmd_node() {
	local n=${1:-} pid i
	[ $# = 1 ] || die "usage: sacm-lab node N [--foreground]"
	load_env
	[ "$BROKER" = ejabberd ] && [ "${NODES:-1}" -gt 1 ] ||
	    die "node: only for an ejabberd cluster (up --nodes N)"
	case "$n" in [2-5]) ;; *) die "node: 2 to $NODES" ;; esac
	[ "$n" -le "$NODES" ] || die "node $n: the cluster has $NODES nodes"
	[ -f "$(node_dir "$n")/ejabberd.yml" ] ||
	    die "node $n is not configured (sacm-lab up on node 1 first)"
	[ -z "$NODE_HOSTS" ] || LOCAL_NODE=$n
	if pid=$(node_pid "$n"); then
		say "ejabberd node $n already running (pid $pid)"
	else
		say "starting ejabberd node $n on $(node_host "$n")"
		node_start "$n"
	fi
	if ! ejctl_node "$n" list_cluster 2>/dev/null | grep -q "$(node_name 1)"; then
		for i in $(seq 1 300); do
			ejctl_node 1 status >/dev/null 2>&1 && break
			[ $((i % 15)) = 1 ] && say "waiting for node 1 ($(node_host 1))"
			sleep 1
		done
		# One join at a time: two nodes joining at once can leave
		# one outside the cluster with empty tables (Mnesia's schema
		# changes).  The nodes before this one first; one that does
		# not come within 120 s is not waited for.
		for i in $(seq 1 120); do
			joined_before "$n" && break
			[ $((i % 15)) = 1 ] && say "waiting for the nodes before node $n to join"
			sleep 1
		done
		node_join "$n"
	fi
	pid=$(node_pid "$n") || die "ejabberd node $n ended"
	say "ejabberd node $n running (pid $pid), in $(node_name 1)'s cluster"
	[ "$FOREGROUND" = 1 ] || return 0
	trap 'say "stopping node $n"; ejctl_node "$n" stop >/dev/null 2>&1 || kill "$pid"; exit 0' TERM INT
	while kill -0 "$pid" 2>/dev/null; do sleep 1 & wait $! || true; done
	die "ejabberd node $n (pid $pid) ended"
}

cmd_env() {
	load_env
	cat <<EOF
export SACM_LAB_DIR='$LAB'
export SACM_CONFIG='$LAB/accounts/ctl.conf'
export PATH='$HERE':"\$PATH"
EOF
}

cmd_account() {
	[ $# -ge 1 ] || die "usage: sacm-lab account NAME [ROLE]"
	load_env
	case "$1" in *[!a-z0-9-]*|'') die "account names are lowercase letters, digits and -";; esac
	COLLECTORS=${COLLECTORS:-3}
	ensure_account "$1" "${2:-}"
	if [ -n "${2:-}" ]; then
		"$SACMCTL" -c "$LAB/accounts/admin.conf" grid init \
		    --roles "$LAB/roles.conf" >/dev/null
	fi
	echo "$LAB/accounts/$1.conf"
}

# Where the CA key is, its part (the certificate on the CRL); where the
# broker runs, the broker's (the CRL again, the account off the grid).
# Natively both are here; in compose the certificate step and the broker
# each do theirs (docs/compose.md).
cmd_revoke() {
	[ $# = 1 ] || die "usage: sacm-lab revoke NAME"
	[ -s "$LAB/pki/clients/$1.crt" ] || die "no account $1 in $LAB"
	[ "$1" != admin ] || die "the administrator does not revoke itself"
	if have_ca_key; then
		revoke_cert "$1"
		say "certificate of $1 revoked (CRL $LAB/pki/crl.pem)"
	elif ! revoked_names | grep -qx "$1"; then
		say "warning: the certificate of $1 is not on the CRL (the CA" \
		    "key is not here: run the certificate step's revoke too)"
	fi
	[ "$CERTS_ONLY" = 1 ] && return 0
	load_env
	"${BROKER}_reload"
	"$SACMCTL" -c "$LAB/accounts/admin.conf" grid revoke "$1@$DOMAIN"
}

cmd_reinstate() {
	local rc=0
	[ $# = 1 ] || die "usage: sacm-lab reinstate NAME"
	[ -s "$LAB/pki/clients/$1.crt" ] || die "no account $1 in $LAB"
	if have_ca_key; then
		rm -f "$LAB/pki/clients/$1.crt" "$LAB/pki/clients/$1.key"
		make_client_cert "$1"
		say "a new certificate for $1"
	elif revoked_names | grep -qx "$1"; then
		no_ca_key "the certificate of $1 is revoked; a new one"
	fi
	[ "$CERTS_ONLY" = 1 ] && return 0
	load_env
	"${BROKER}_reload"
	(umask 077; openssl rand -hex 18 > "$LAB/accounts/$1.pass.new")
	"$SACMCTL" -c "$LAB/accounts/admin.conf" grid reinstate "$1@$DOMAIN" \
	    --password-file "$LAB/accounts/$1.pass.new" || rc=1
	mv "$LAB/accounts/$1.pass.new" "$LAB/accounts/$1.pass"
	say "$1 reinstated: a new certificate and password (grid init grants its role again)"
	"$SACMCTL" -c "$LAB/accounts/admin.conf" grid init \
	    --roles "$LAB/roles.conf" >/dev/null || rc=1
	return $rc
}

cmd_targets() {
	mkdir -p "$LAB"
	if [ "$(id -u)" = 0 ]; then
		"$HERE/sacm-targets" build "$LAB/targets"
	else
		sudo "$HERE/sacm-targets" build "$LAB/targets"
	fi
}

# The one-shot certificate step (compose's pki service): everything the
# CA signs, then the CRL; the broker's `up` then issues nothing.
cmd_certs() {
	local n
	mkdir -p "$LAB"
	chmod 755 "$LAB"
	COLLECTORS=${COLLECTORS_ARG:-3}
	make_ca
	for n in $(account_names); do
		make_client_cert "$n"
	done
	crl_update
	chmod 755 "$LAB/pki" "$LAB/pki/clients"
	touch "$LAB/pki/issued"
	say "certificates for $(account_names | wc -w) accounts in $LAB/pki;" \
	    "CRL until $(openssl crl -in "$LAB/pki/crl.pem" -noout \
	    -nextupdate | sed 's/^nextUpdate=//'); CA key in $CA_DIR"
}

cmd_destroy() {
	[ -f "$LAB/lab.env" ] || die "no lab in $LAB"
	cmd_down || true
	rm -rf "$LAB"
	say "removed $LAB"
}

main() {
	[ $# -ge 1 ] || { usage >&2; exit 2; }
	local cmd=$1
	shift
	LAB=${SACM_LAB_DIR:-$(default_dir)}
	BROKER_ARG= COLLECTORS_ARG= NODES_ARG= BROKER_ONLY=0 FOREGROUND=0 EXPORT=
	CA_DIR= CERTS_ONLY=0
	local args=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--dir) LAB=$2; shift 2 ;;
		--dir=*) LAB=${1#--dir=}; shift ;;
		--broker) BROKER_ARG=$2; shift 2 ;;
		--broker=*) BROKER_ARG=${1#--broker=}; shift ;;
		--collectors) COLLECTORS_ARG=$2; shift 2 ;;
		--nodes) NODES_ARG=$2; shift 2 ;;
		--broker-only) BROKER_ONLY=1; shift ;;
		--foreground) FOREGROUND=1; shift ;;
		--export) EXPORT=$2; shift 2 ;;
		--ca) CA_DIR=$2; CERTS_ONLY=1; shift 2 ;;
		-h|--help) usage; exit 0 ;;
		*) args+=("$1"); shift ;;
		esac
	done
	case "$LAB" in /*) ;; *) LAB=$PWD/$LAB ;; esac
	CA_DIR=${CA_DIR:-$LAB/pki}
	case "$CA_DIR" in /*) ;; *) CA_DIR=$PWD/$CA_DIR ;; esac
	case "$cmd" in
	up) cmd_up ;;
	down) cmd_down ;;
	status) cmd_status ;;
	start|stop|restart) cmd_one "$cmd" "${args[@]}" ;;
	node) cmd_node "${args[@]}" ;;
	env) cmd_env ;;
	account) cmd_account "${args[@]}" ;;
	revoke) cmd_revoke "${args[@]}" ;;
	reinstate) cmd_reinstate "${args[@]}" ;;
	certs) cmd_certs ;;
	targets) cmd_targets ;;
	destroy) cmd_destroy ;;
	-h|--help|help) usage ;;
	-V|--version|version) echo "sacm-lab $VERSION" ;;
	*) usage >&2; exit 2 ;;
	esac
}

main "$@"
