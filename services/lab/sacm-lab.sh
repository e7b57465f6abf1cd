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
set -euo pipefail

PROG=sacm-lab
VERSION=@VERSION@
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SACMCTL=${SACMCTL:-$HERE/sacmctl}
DOMAIN=grid.test
# One account per service instance and per collector (DESIGN.md, Security).
SERVICES="policy-repo:policy-repo orchestrator:orchestrator
posture-repo:posture-repo evaluator-1:evaluator evaluator-2:evaluator
results-repo:results-repo dashboard:dashboard siem:siem"

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

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

usage() {
	cat <<EOF
usage: sacm-lab COMMAND [--dir DIR] [options]

commands:
  up [--broker prosody|ejabberd] [--collectors N] [--broker-only]
     [--foreground]
                 create (first time) and start the lab: CA and certificates,
                 one account per service and collector, the broker on free
                 loopback ports, every topic with its affiliations, and the
                 SACM daemons (not with --broker-only): policy repository,
                 posture repository, two evaluators, results repository,
                 orchestrator, and one collector per target tree (N trees,
                 default 3, built with sacm-targets when missing).  Each
                 daemon is supervised: restarted when it dies, logged.
                 --foreground stays until the broker ends (for a
                 container; TERM stops everything).
                 Running it again is safe.
  down           stop the daemons and the broker (state is kept)
  status         what runs where: the broker, every daemon (with its
                 restarts), the endpoints, the topics
  start|stop|restart NAME
                 one daemon (a stopped daemon stays stopped until 'start'
                 or the next 'up')
  env            print the exports that point sacmctl at this lab:
                 eval "\$(sacm-lab env)"
  account NAME [ROLE]
                 add an account (and grant ROLE on the topics)
  targets        build the Debian 11 target trees in DIR/targets
                 (debootstrap, cached; see sacm-targets --help)
  destroy        stop and delete the lab directory
  --version      print the version

options:
  --dir DIR      lab state directory (default: \$SACM_LAB_DIR, else
                 $(default_dir))
EOF
}

default_dir() {
	if [ "$(id -u)" = 0 ]; then
		echo /var/lib/sacm-lab
	else
		echo "${XDG_STATE_HOME:-$HOME/.local/state}/sacm-lab"
	fi
}

# The broker runs as this user: ourselves, or nobody when we are root.
if [ "$(id -u)" = 0 ]; then
	AS_BROKER=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
else
	AS_BROKER=()
fi
as_broker() {
	"${AS_BROKER[@]}" "$@"
}

# Starts a long-running broker process detached from this script: its own
# session, no inherited terminal or pipes.
spawn() {
	local dir=$1 log=$2
	shift 2
	(cd "$dir" && exec "${AS_BROKER[@]}" setsid "$@") \
	    >>"$log" 2>&1 </dev/null &
}

port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A block of four consecutive free ports.
pick_ports() {
	local base tries=0
	while [ $tries -lt 200 ]; do
		base=$((20000 + (RANDOM % 2000) * 16))
		if port_free "$base" && port_free $((base + 1)) &&
		    port_free $((base + 2)) && port_free $((base + 3)); then
			echo "$base"
			return 0
		fi
		tries=$((tries + 1))
	done
	die "no free loopback ports found"
}

load_env() {
	[ -f "$LAB/lab.env" ] || die "no lab in $LAB (run: sacm-lab up)"
	# shellcheck disable=SC1091
	. "$LAB/lab.env"
}

broker_pid() {
	local f
	case "${BROKER:-}" in
	prosody) f=$LAB/prosody/prosody.pid ;;
	ejabberd) f=$LAB/ejabberd/ejabberd.pid ;;
	*) return 1 ;;
	esac
	[ -s "$f" ] || return 1
	local pid
	pid=$(cat "$f")
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

# ---- PKI --------------------------------------------------------------

make_ca() {
	local d=$LAB/pki
	mkdir -p "$d/clients"
	[ -f "$d/ca.crt" ] && return 0
	say "creating the lab CA and the broker certificate"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/ca.key" -out "$d/ca.crt" -days 3650 \
	    -subj "/O=SACM Grid lab/CN=SACM Grid lab CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/server.key" -out "$d/server.csr" \
	    -subj "/O=SACM Grid lab/CN=$DOMAIN" 2>/dev/null
	cat > "$d/server.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:$DOMAIN,DNS:pubsub.$DOMAIN,DNS:upload.$DOMAIN,DNS:ext.$DOMAIN,DNS:localhost,IP:127.0.0.1
EOF
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" \
	    -CAkey "$d/ca.key" -CAcreateserial -days 825 \
	    -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
	rm -f "$d/server.csr"
	chmod 600 "$d/ca.key" "$d/server.key"
}

# Client certificate with both lab identities as xmppAddr (RFC 6120
# 13.7.1.4): NAME@grid.test (ejabberd) and NAME@ext.grid.test (Prosody,
# whose EXTERNAL users live on their own host).
make_client_cert() {
	local name=$1 d=$LAB/pki/clients
	[ -f "$d/$name.crt" ] && return 0
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/$name.key" -out "$d/$name.csr" \
	    -subj "/O=SACM Grid lab/CN=$name" 2>/dev/null
	cat > "$d/$name.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=otherName:1.3.6.1.5.5.7.8.5;UTF8:$name@$DOMAIN,otherName:1.3.6.1.5.5.7.8.5;UTF8:$name@ext.$DOMAIN
EOF
	openssl x509 -req -in "$d/$name.csr" -CA "$LAB/pki/ca.crt" \
	    -CAkey "$LAB/pki/ca.key" -CAcreateserial -days 825 \
	    -extfile "$d/$name.ext" -out "$d/$name.crt" 2>/dev/null
	rm -f "$d/$name.csr" "$d/$name.ext"
	chmod 600 "$d/$name.key"
}

# ---- accounts ---------------------------------------------------------

write_account_conf() {
	local name=$1 a=$LAB/accounts
	# Certificate logins: Prosody keeps them on their own host; ejabberd
	# verifies client certificates on its direct-TLS listener.
	local extdom=$DOMAIN certport=$C2S_TLS_PORT direct=yes
	if [ "$BROKER" = prosody ]; then
		extdom=ext.$DOMAIN certport=$C2S_PORT direct=no
	fi
	cat > "$a/$name.conf" <<EOF
# $name on the SACM Grid lab in $LAB (written by sacm-lab)
jid = $name@$DOMAIN
password_file = $a/$name.pass
ca_file = $LAB/pki/ca.crt
host = $CONNECT
port = $C2S_PORT
${RESOLVE}
EOF
	[ "$name" = ctl ] && echo "roles_file = $LAB/roles.conf" >> "$a/$name.conf"
	cat > "$a/$name-cert.conf" <<EOF
# $name authenticating with its client certificate (SASL EXTERNAL)
jid = $name@$extdom
cert = $LAB/pki/clients/$name.crt
key = $LAB/pki/clients/$name.key
ca_file = $LAB/pki/ca.crt
host = $CONNECT
port = $certport
direct_tls = $direct
pubsub = pubsub.$DOMAIN
upload = upload.$DOMAIN
${RESOLVE}
EOF
	chmod 600 "$a/$name.conf" "$a/$name-cert.conf"
}

register() {
	local name=$1 pw=$2
	case "$BROKER" in
	prosody)
		as_broker prosodyctl --config "$LAB/prosody/prosody.cfg.lua" \
		    register "$name" "$DOMAIN" "$pw" >/dev/null ;;
	ejabberd)
		if [ -z "${EJ_USERS+x}" ]; then
			EJ_USERS=" $(ejctl registered_users "$DOMAIN" | tr '\n' ' ') "
		fi
		case "$EJ_USERS" in *" $name "*) return 0 ;; esac
		ejctl register "$name" "$DOMAIN" "$pw" >/dev/null
		EJ_USERS="$EJ_USERS$name " ;;
	esac
}

# Creates NAME's password, certificate and settings once; registers it
# with the broker (idempotent); records ROLE in roles.conf.
ensure_account() {
	local name=$1 role=${2:-} a=$LAB/accounts
	mkdir -p "$a"
	if [ ! -s "$a/$name.pass" ]; then
		(umask 077; openssl rand -hex 18 > "$a/$name.pass")
	fi
	make_client_cert "$name"
	write_account_conf "$name"
	register "$name" "$(cat "$a/$name.pass")"
	if [ -n "$role" ]; then
		touch "$LAB/roles.conf"
		grep -qx "$role $name@$DOMAIN" "$LAB/roles.conf" ||
		    echo "$role $name@$DOMAIN" >> "$LAB/roles.conf"
		[ "$BROKER" = prosody ] && ! grep -qx "$role $name@ext.$DOMAIN" \
		    "$LAB/roles.conf" && echo "$role $name@ext.$DOMAIN" >> "$LAB/roles.conf"
	fi
	return 0
}

all_accounts() {
	ensure_account ctl operator
	local s
	for s in $SERVICES; do
		ensure_account "${s%%:*}" "${s##*:}"
	done
	local i
	for i in $(seq 1 "$COLLECTORS"); do
		ensure_account "collector-$i" collector
	done
}

# ---- Prosody ----------------------------------------------------------

prosody_config() {
	local p=$LAB/prosody pki=$LAB/pki
	mkdir -p "$p/data"
	cat > "$p/prosody.cfg.lua" <<EOF
-- SACM Grid lab broker (written by sacm-lab; edits are overwritten)
pidfile = "$p/prosody.pid"
data_path = "$p/data"
admin_socket = "$p/data/prosody.sock"
log = { info = "$p/prosody.log"; error = "$p/prosody.err" }
admins = { "ctl@$DOMAIN" }   -- the grid administrator owns every topic
modules_enabled = {
  "roster"; "saslauth"; "tls"; "disco"; "ping"; "time"; "version";
  "offline"; "admin_shell"; "http"; "websocket"; "bosh"; "http_files";
}
modules_disabled = { "s2s" }
interfaces = { "$LISTEN" }
c2s_ports = { $C2S_PORT }
c2s_direct_tls_ports = { $C2S_TLS_PORT }
http_ports = { $HTTP_PORT }
https_ports = { $HTTPS_PORT }
http_interfaces = { "$LISTEN" }
https_interfaces = { "$LISTEN" }
c2s_require_encryption = true
tls_profile = "intermediate"          -- TLS 1.2+
certificates = "$pki"
ssl = { certificate = "$pki/server.crt"; key = "$pki/server.key" }
https_ssl = { certificate = "$pki/server.crt"; key = "$pki/server.key" }
password_hash = "SHA-256"             -- SCRAM-SHA-256
disable_sasl_mechanisms = { "PLAIN"; "DIGEST-MD5" }
c2s_stanza_size_limit = 16*1024*1024
http_max_content_size = 64*1024*1024
http_files_dir = "$LAB/www"
http_default_host = "$DOMAIN"          -- the dashboard at https://127.0.0.1:PORT/files/
storage = { pubsub_data = "sql"; pubsub_nodes = "sql" }
sql = { driver = "SQLite3"; database = "$p/data/prosody.sqlite" }

VirtualHost "$DOMAIN"
  authentication = "internal_hashed"

VirtualHost "ext.$DOMAIN"
  authentication = "ccert"
  certificate_match = "xmppaddr"
  ssl = {
    certificate = "$pki/server.crt"; key = "$pki/server.key";
    cafile = "$pki/ca.crt"; capath = false;
    verify = { "peer"; "client_once" };
    verifyext = { lsec_ignore_purpose = false };
  }

Component "pubsub.$DOMAIN" "pubsub"
  name = "SACM XMPP-Grid"
  pubsub_max_items = 10000
  expose_publisher = true

Component "upload.$DOMAIN" "http_file_share"
  http_file_share_size_limit = 64*1024*1024
  http_file_share_daily_quota = 4*1024*1024*1024
  http_file_share_expires_after = 7*86400
  http_file_share_access = { "$DOMAIN"; "ext.$DOMAIN" }
  http_external_url = "https://upload.$DOMAIN:$HTTPS_PORT/"
EOF
	mkdir -p "$LAB/www"
	if [ "$(id -u)" = 0 ]; then
		chown -R nobody:nogroup "$p"
		chgrp nogroup "$LAB/pki" "$LAB/pki/server.key"
		chmod 750 "$LAB/pki"
		chmod 640 "$LAB/pki/server.key"
	fi
}

prosody_start() {
	local p=$LAB/prosody
	# Pubsub in SQLite with WAL: ~20x the default file store (reference).
	if [ ! -f "$p/data/prosody.sqlite" ]; then
		as_broker sqlite3 "$p/data/prosody.sqlite" \
		    'PRAGMA journal_mode=WAL;' >/dev/null
	fi
	: > "$p/prosody.err"
	[ "$(id -u)" = 0 ] && chown nobody:nogroup "$p/prosody.err"
	spawn "$p" "$p/stdout.log" prosody -F --config "$p/prosody.cfg.lua"
}

# ---- ejabberd ---------------------------------------------------------

ejctl() {
	local e=$LAB/ejabberd
	as_broker env HOME="$e/home" ERL_EPMD_ADDRESS=127.0.0.1 \
	    ERLANG_NODE="$EJABBERD_NODE" "$e/ejabberdctl" \
	    --config "$e/ejabberd.yml" --ctl-config "$e/ejabberdctl.cfg" \
	    --spool "$e/spool" --logs "$e/logs" "$@"
}

ejabberd_config() {
	local e=$LAB/ejabberd pki=$LAB/pki
	mkdir -p "$e/home" "$e/spool" "$e/logs" "$e/upload" "$LAB/www"
	cat "$pki/server.crt" "$pki/server.key" > "$e/server.pem"
	chmod 600 "$e/server.pem"
	# ejabberdctl insists on its own system user; a copy without that
	# check runs as anyone (reference notes, ejabberd section).
	sed -e 's/^INSTALLUSER=.*/INSTALLUSER=/' \
	    -e "s|^ERL_INETRC=.*|ERL_INETRC=$e/inetrc|" \
	    /usr/sbin/ejabberdctl > "$e/ejabberdctl"
	echo '{lookup, [file, native]}.' > "$e/inetrc"
	chmod 755 "$e/ejabberdctl"
	cat > "$e/ejabberdctl.cfg" <<EOF
ERLANG_NODE=$EJABBERD_NODE
INET_DIST_INTERFACE=127.0.0.1
ERL_OPTIONS="-kernel inet_dist_use_interface {127,0,0,1}"
EOF
	cat > "$e/ejabberd.yml" <<EOF
# SACM Grid lab broker (written by sacm-lab; edits are overwritten)
hosts: ["$DOMAIN"]
loglevel: info
certfiles: ["$e/server.pem"]
ca_file: "$pki/ca.crt"
define_macro:
  TLSOPTS: ["no_sslv2", "no_sslv3", "no_tlsv1", "no_tlsv1_1", "cipher_server_preference", "no_compression"]
c2s_protocol_options: TLSOPTS
listen:
  - port: $C2S_PORT
    ip: "$LISTEN_IP"
    module: ejabberd_c2s
    starttls_required: true
    max_stanza_size: 16777216
    tls_verify: false
    shaper: none
  - port: $C2S_TLS_PORT
    ip: "$LISTEN_IP"
    module: ejabberd_c2s
    tls: true
    tls_verify: true
    cafile: "$pki/ca.crt"
    max_stanza_size: 16777216
    shaper: none
  - port: $HTTPS_PORT
    ip: "$LISTEN_IP"
    module: ejabberd_http
    tls: true
    request_handlers:
      /ws: ejabberd_http_ws
      /bosh: mod_bosh
      /upload: mod_http_upload
      /: mod_http_fileserver
auth_method: internal
auth_password_format: scram
auth_scram_hash: sha256
s2s_access: none
acl:
  admin: {user: "ctl@$DOMAIN"}
  local: {user_regexp: ""}
access_rules:
  local: {allow: local}
  c2s: {allow: all}
  pubsub_createnode: {allow: admin}
  upload: {allow: local}
shaper_rules:
  c2s_shaper: none
  max_user_sessions: 10
  max_user_offline_messages: 100000
modules:
  mod_disco: {}
  mod_ping: {}
  mod_roster: {}
  mod_offline: {access_max_user_messages: max_user_offline_messages}
  mod_stream_mgmt: {resume_timeout: 60}
  mod_bosh: {}
  mod_http_fileserver:
    docroot: "$LAB/www"
  mod_http_upload:
    host: "upload.$DOMAIN"
    put_url: "https://upload.$DOMAIN:$HTTPS_PORT/upload"
    docroot: "$e/upload"
    max_size: 67108864
    access: upload
  mod_pubsub:
    host: "pubsub.$DOMAIN"
    access_createnode: pubsub_createnode
    plugins: ["flat"]
    max_items_node: 10000
    default_node_config:
      access_model: whitelist
      persist_items: true
      max_items: 1000
      notification_type: normal
      send_last_published_item: never
      max_payload_size: 16000000
EOF
	if [ "$(id -u)" = 0 ]; then
		chown -R nobody:nogroup "$e"
		chmod 755 "$LAB/pki"
	fi
}

ejabberd_start() {
	local e=$LAB/ejabberd
	spawn "$e" "$e/stdout.log" env HOME="$e/home" \
	    ERL_EPMD_ADDRESS=127.0.0.1 ERLANG_NODE="$EJABBERD_NODE" \
	    "$e/ejabberdctl" --config "$e/ejabberd.yml" \
	    --ctl-config "$e/ejabberdctl.cfg" --spool "$e/spool" \
	    --logs "$e/logs" foreground
	# The Erlang VM's own PID is the one that listens.
	local i
	for i in $(seq 1 100); do
		if ejctl status >/dev/null 2>&1; then
			(pgrep -f -- "beam.* -sname $EJABBERD_NODE " || true) |
			    head -1 > "$e/ejabberd.pid"
			[ -s "$e/ejabberd.pid" ] && return 0
		fi
		sleep 0.3
	done
	tail -20 "$e/logs/ejabberd.log" >&2 2>/dev/null || true
	die "ejabberd did not start (logs in $e/logs)"
}

# ---- daemons ----------------------------------------------------------
# The SACM daemons of the lab, one instance per account ("NAME:program"),
# and one sacm-collector per target tree (collector-I on the I-th tree of
# `sacm-targets names`).  Each runs under a supervisor (`sacm-lab
# supervise`, below) that restarts it when it dies and logs the event.
SERVICE_DAEMONS="policy-repo:sacm-policy-repo posture-repo:sacm-posture-repo
evaluator-1:sacm-evaluator evaluator-2:sacm-evaluator
results-repo:sacm-results-repo orchestrator:sacm-orchestrator"

instances() {
	echo "$SERVICE_DAEMONS" | tr ' ' '\n'
	local i=1 t
	for t in $("$HERE/sacm-targets" names --count "${COLLECTORS:-3}"); do
		echo "collector-$i:sacm-collector:$t"
		i=$((i + 1))
	done
}

daemon_pid() {
	local f=$LAB/run/$1.pid pid
	[ -s "$f" ] || return 1
	pid=$(cat "$f")
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

# Collectors read the target trees as root reads a system; the other
# daemons run as nobody when we are root.
runs_as() {
	case "$1" in
	sacm-collector) ;;
	*) [ "$(id -u)" = 0 ] && echo nobody ;;
	esac
}

# A daemon's configuration: its account's grid settings, then its own.
daemon_config() {
	local name=$1 prog=$2 tree=${3:-} c=$LAB/etc/$1.conf
	mkdir -p "$LAB/etc" "$LAB/data" "$LAB/run" "$LAB/log"
	{ echo "# $prog ($name) in the lab $LAB (written by sacm-lab)"
	  grep -v '^#' "$LAB/accounts/$name.conf"
	  case "$prog" in
	  sacm-policy-repo) echo "db = $LAB/data/policy-repo.sqlite" ;;
	  sacm-posture-repo) echo "db = $LAB/data/posture-repo.sqlite" ;;
	  sacm-evaluator) echo "state_dir = $LAB/data/$name" ;;
	  sacm-results-repo) echo "db = $LAB/data/results-repo.sqlite" ;;
	  sacm-orchestrator) echo "db = $LAB/data/orchestrator.sqlite" ;;
	  sacm-collector)
		echo "root = $LAB/targets/$tree"
		echo "state_dir = $LAB/data/$name"
		# dpkg probes read the tree's apt settings, not the host's
		echo "apt_config = $LAB/etc/apt-targets.conf"
		echo "change_settle_ms = 2000" ;;
	  esac; } > "$c"
	chmod 600 "$c"
	if [ "$(runs_as "$prog")" = nobody ]; then
		chown nobody:nogroup "$c" "$LAB/data" "$LAB/run" "$LAB/log" \
		    "$LAB/accounts/$name.pass"
		chmod 755 "$LAB/accounts"
	fi
}

# sacm-lab supervise NAME PROGRAM CONFIG (started by `up`, detached):
# runs the daemon, and when it dies logs how and starts it again after
# 1 s, doubling up to 60 s while it keeps dying within a minute.  TERM
# stops the daemon and the supervisor.
cmd_supervise() {
	local name=$1 prog=$2 conf=$3 child= stopping=0 delay=1 started rc ran how
	local log=$LAB/log/$name.log user
	user=$(runs_as "$prog")
	trap 'stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM INT HUP
	echo $$ > "$LAB/run/$name.supervisor.pid"
	while [ $stopping = 0 ]; do
		started=$(date +%s)
		if [ -n "$user" ]; then
			setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
			    "$HERE/$prog" -f "$conf" >>"$log" 2>&1 </dev/null &
		else
			"$HERE/$prog" -f "$conf" >>"$log" 2>&1 </dev/null &
		fi
		child=$!
		echo "$child" > "$LAB/run/$name.pid"
		while :; do
			rc=0
			wait "$child" 2>/dev/null || rc=$?
			kill -0 "$child" 2>/dev/null || break
		done
		child=
		rm -f "$LAB/run/$name.pid"
		[ $stopping = 1 ] && break
		ran=$(( $(date +%s) - started ))
		[ $ran -ge 60 ] && delay=1
		if [ $rc -gt 128 ]; then how="killed by signal $((rc - 128))"
		else how="exited with status $rc"; fi
		printf '%s sacm-lab: %s (%s) %s after %ss; restarting in %ss\n' \
		    "$(date -u +%FT%TZ)" "$name" "$prog" "$how" "$ran" "$delay" |
		    tee -a "$log" >> "$LAB/log/supervisor.log"
		sleep "$delay" & wait $! 2>/dev/null || true
		delay=$(( delay * 2 > 60 ? 60 : delay * 2 ))
	done
	rm -f "$LAB/run/$name.supervisor.pid"
}

start_daemon() {
	local name=$1 prog=$2 tree=${3:-}
	if daemon_pid "$name.supervisor" >/dev/null; then
		return 0
	fi
	[ -x "$HERE/$prog" ] || { say "$prog not built; $name skipped"; return 0; }
	if [ "$prog" = sacm-collector ] && [ ! -f "$LAB/targets/$tree/etc/debian_version" ]; then
		say "no target tree $LAB/targets/$tree; $name skipped (sacm-lab targets)"
		return 0
	fi
	daemon_config "$name" "$prog" "$tree"
	local user
	user=$(runs_as "$prog")
	if ! ${user:+setpriv --reuid=nobody --regid=nogroup --clear-groups --} \
	    "$HERE/$prog" -n -f "$LAB/etc/$name.conf" >/dev/null; then
		die "$name: bad configuration $LAB/etc/$name.conf"
	fi
	(exec setsid "$0" supervise --dir "$LAB" "$name" "$prog" \
	    "$LAB/etc/$name.conf" >>"$LAB/log/supervisor.log" 2>&1 </dev/null) &
	local i
	for i in $(seq 1 50); do
		daemon_pid "$name" >/dev/null && break
		sleep 0.1
	done
	say "started $name ($prog, log $LAB/log/$name.log)"
}

start_daemons() {
	local d name prog tree
	echo 'Dir::Etc::parts "/nonexistent";' > "$LAB/etc/apt-targets.conf" 2>/dev/null ||
	    { mkdir -p "$LAB/etc"; echo 'Dir::Etc::parts "/nonexistent";' > "$LAB/etc/apt-targets.conf"; }
	for d in $(instances); do
		IFS=: read -r name prog tree <<<"$d"
		start_daemon "$name" "$prog" "$tree"
	done
}

stop_daemon() {
	local name=$1 spid pid i
	spid=$(daemon_pid "$name.supervisor") || spid=
	pid=$(daemon_pid "$name") || pid=
	[ -n "$spid$pid" ] || return 0
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	[ -z "$spid" ] && [ -n "$pid" ] && kill "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		{ [ -z "$spid" ] || ! kill -0 "$spid" 2>/dev/null; } &&
		    { [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; } && break
		sleep 0.1
	done
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
	[ -n "$spid" ] && kill -0 "$spid" 2>/dev/null && kill -9 "$spid"
	rm -f "$LAB/run/$name.pid" "$LAB/run/$name.supervisor.pid"
	say "stopped $name"
}

# All at once: TERM to every supervisor (or daemon without one), then
# wait for all of them.
stop_daemons() {
	local f name pid names=() pids=() i alive
	for f in "$LAB"/run/*.pid; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .pid)
		name=${name%.supervisor}
		pid=$(daemon_pid "$name.supervisor") || pid=$(daemon_pid "$name") || pid=
		case " ${names[*]} " in *" $name "*) continue ;; esac
		names+=("$name")
		[ -n "$pid" ] && kill "$pid" 2>/dev/null && pids+=("$pid")
		pid=$(daemon_pid "$name") && pids+=("$pid")
	done
	for i in $(seq 1 100); do
		alive=0
		for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && kill -9 "$pid"; done
	for name in "${names[@]}"; do
		rm -f "$LAB/run/$name.pid" "$LAB/run/$name.supervisor.pid"
		say "stopped $name"
	done
	return 0
}

# Target trees for the collectors: built when missing (debootstrap needs
# root; otherwise say how).
ensure_targets() {
	local missing=0 t
	for t in $("$HERE/sacm-targets" names --count "$COLLECTORS"); do
		[ -f "$LAB/targets/$t/etc/debian_version" ] || missing=1
	done
	[ $missing = 1 ] || return 0
	if [ "$(id -u)" = 0 ]; then
		say "building the target trees in $LAB/targets (first time: a few minutes)"
		"$HERE/sacm-targets" build "$LAB/targets" --count "$COLLECTORS" >&2 ||
		    die "target trees not built"
	elif sudo -n true 2>/dev/null; then
		sudo "$HERE/sacm-targets" build "$LAB/targets" --count "$COLLECTORS" >&2 ||
		    die "target trees not built"
	else
		say "target trees need root: run 'sudo $HERE/sacm-targets build $LAB/targets --count $COLLECTORS' (collectors without a tree are skipped)"
	fi
}

# The dashboard (make dashboard) in the broker's HTTP file tree, with the
# lab's settings; the browser connects back over WebSocket.
DASH_PATH=/files/dashboard/
install_dashboard() {
	local src=$HERE/../www/dashboard d=$LAB/www/dashboard ws=/xmpp-websocket
	[ -f "$src/index.html" ] || return 0
	[ "$BROKER" = ejabberd ] && ws=/ws
	mkdir -p "$d"
	cp "$src"/* "$d"/
	cat > "$d/config.json" <<EOF
{"domain": "$DOMAIN", "pubsub": "pubsub.$DOMAIN",
 "results": "results-repo@$DOMAIN/sacm-results-repo",
 "websocket": "$ws", "jid": "dashboard@$DOMAIN"}
EOF
	chmod -R a+rX "$LAB/www"
}

# ejabberd serves files only for a Host header that is one of its hosts:
# the browser must reach it as the lab domain (a hosts entry).
dashboard_url() {
	if [ "$BROKER" = ejabberd ]; then
		echo "https://$DOMAIN:$HTTPS_PORT/dashboard/ ($DOMAIN -> 127.0.0.1 in /etc/hosts)"
	else
		echo "https://127.0.0.1:$HTTPS_PORT$DASH_PATH"
	fi
}

# ---- commands ---------------------------------------------------------

wait_port() {
	local i
	for i in $(seq 1 100); do
		port_free "$1" || return 0
		sleep 0.1
	done
	return 1
}

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
	case "$BROKER" in prosody|ejabberd) ;; *) die "unknown broker '$BROKER'";; esac
	command -v "$BROKER" >/dev/null || [ -x /usr/sbin/ejabberdctl ] ||
	    die "$BROKER is not installed (run: make deps)"

	if pid=$(broker_pid); then
		say "$BROKER already running (pid $pid)"
	else
		if [ -n "${SACM_LAB_PORTS:-}" ]; then
			read -r C2S_PORT C2S_TLS_PORT HTTP_PORT HTTPS_PORT <<<"$SACM_LAB_PORTS"
		elif [ -z "${C2S_PORT:-}" ] || ! port_free "$C2S_PORT" ||
		    ! port_free "$C2S_TLS_PORT" || ! port_free "$HTTPS_PORT"; then
			local base
			base=$(pick_ports)
			C2S_PORT=$base C2S_TLS_PORT=$((base + 1))
			HTTP_PORT=$((base + 2)) HTTPS_PORT=$((base + 3))
		fi
		EJABBERD_NODE=${EJABBERD_NODE:-sacmlab$C2S_PORT@localhost}
		cat > "$LAB/lab.env" <<EOF
BROKER=$BROKER
DOMAIN=$DOMAIN
C2S_PORT=$C2S_PORT
C2S_TLS_PORT=$C2S_TLS_PORT
HTTP_PORT=$HTTP_PORT
HTTPS_PORT=$HTTPS_PORT
COLLECTORS=$COLLECTORS
EJABBERD_NODE=$EJABBERD_NODE
EOF
		make_ca
		"${BROKER}_config"
		if [ "$BROKER" = prosody ]; then
			# Prosody registers accounts with the server stopped.
			all_accounts
		fi
		say "starting $BROKER on $LISTEN:$C2S_PORT"
		"${BROKER}_start"
		wait_port "$C2S_PORT" || die "$BROKER did not open port $C2S_PORT (see $LAB/$BROKER/)"
		[ "$BROKER" = ejabberd ] && all_accounts
	fi
	[ "$BROKER" = ejabberd ] || all_accounts >/dev/null
	# Topics and affiliations; retried while the broker settles.
	local i ok=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		if "$SACMCTL" -c "$LAB/accounts/ctl.conf" grid init \
		    --roles "$LAB/roles.conf" > "$LAB/grid-init.log" 2>&1; then
			ok=1
			break
		fi
		sleep 0.5
	done
	[ $ok = 1 ] || { cat "$LAB/grid-init.log" >&2; die "grid init failed"; }
	sed -i "s/^COLLECTORS=.*/COLLECTORS=$COLLECTORS/" "$LAB/lab.env"
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
	load_env
	stop_daemons
	local pid
	if pid=$(broker_pid); then
		say "stopping $BROKER (pid $pid)"
		if [ "$BROKER" = ejabberd ]; then
			ejctl stop >/dev/null 2>&1 || kill "$pid"
		else
			kill "$pid"
		fi
		local i
		for i in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
	else
		say "$BROKER is not running"
	fi
	if [ "$BROKER" = ejabberd ]; then
		# ejabberd leaves an epmd behind (reference notes).
		pkill -u "$( [ "$(id -u)" = 0 ] && echo nobody || id -un)" -x epmd 2>/dev/null || true
	fi
	return 0
}

cmd_status() {
	load_env
	local pid state
	if pid=$(broker_pid); then state="running (pid $pid)"; else state="stopped"; fi
	cat <<EOF
lab        $LAB
broker     $BROKER, $state
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
		elif daemon_pid "$name.supervisor" >/dev/null; then
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
		stop) stop_daemon "$name" ;;
		start) start_daemon "$name" "$prog" "$tree" ;;
		restart) stop_daemon "$name"; start_daemon "$name" "$prog" "$tree" ;;
		esac
		return 0
	done
	die "no daemon '$want' in this lab (see sacm-lab status)"
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
		"$SACMCTL" -c "$LAB/accounts/ctl.conf" grid init \
		    --roles "$LAB/roles.conf" >/dev/null
	fi
	echo "$LAB/accounts/$1.conf"
}

cmd_targets() {
	mkdir -p "$LAB"
	if [ "$(id -u)" = 0 ]; then
		"$HERE/sacm-targets" build "$LAB/targets"
	else
		sudo "$HERE/sacm-targets" build "$LAB/targets"
	fi
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
	BROKER_ARG= COLLECTORS_ARG= BROKER_ONLY=0 FOREGROUND=0
	local args=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--dir) LAB=$2; shift 2 ;;
		--dir=*) LAB=${1#--dir=}; shift ;;
		--broker) BROKER_ARG=$2; shift 2 ;;
		--broker=*) BROKER_ARG=${1#--broker=}; shift ;;
		--collectors) COLLECTORS_ARG=$2; shift 2 ;;
		--broker-only) BROKER_ONLY=1; shift ;;
		--foreground) FOREGROUND=1; shift ;;
		-h|--help) usage; exit 0 ;;
		*) args+=("$1"); shift ;;
		esac
	done
	case "$LAB" in /*) ;; *) LAB=$PWD/$LAB ;; esac
	case "$cmd" in
	up) cmd_up ;;
	down) cmd_down ;;
	status) cmd_status ;;
	start|stop|restart) cmd_one "$cmd" "${args[@]}" ;;
	supervise) load_env; cmd_supervise "${args[@]}" ;;
	env) cmd_env ;;
	account) cmd_account "${args[@]}" ;;
	targets) cmd_targets ;;
	destroy) cmd_destroy ;;
	-h|--help|help) usage ;;
	-V|--version|version) echo "sacm-lab $VERSION" ;;
	*) usage >&2; exit 2 ;;
	esac
}

main "$@"
