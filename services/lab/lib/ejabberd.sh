# sacm-lab: the ejabberd broker (sourced): its configuration from
# templates/ejabberd.yml.in, start, accounts; and its cluster.
#
# The cluster (up --nodes N, ejabberd only): node 1 is $LAB/ejabberd on
# $LISTEN_IP, node i is $LAB/ejabberd-$i on 127.0.0.i, all on the same
# ports, one Erlang cookie, Mnesia replicated by `join_cluster` (accounts,
# topics and items live on every node).  The nodes share one upload
# directory (one machine), so a blob uploaded through one node is served
# by any.  Node 1 starts first and stops last (ejabberd's rule: the node
# that stopped last starts first).  Its log is the one the audit service
# reads; node i logs in $LAB/ejabberd-$i/log.
#
# Apart (compose, SACM_LAB_NODE_HOSTS="broker broker-2 broker-3"): node i
# runs in a container of its own named by the i-th word, on every
# interface of that container, Erlang's distribution and epmd too, its
# node name on that host; the lab directory is one volume the nodes
# share.  `up` configures every node and starts node 1; node i is
# `sacm-lab node i` in its own container (cmd_node).

node_dir() { if [ "$1" = 1 ]; then echo "$LAB/ejabberd"; else echo "$LAB/ejabberd-$1"; fi; }
node_name() {
	local host=${EJABBERD_NODE#*@}
	[ -n "$NODE_HOSTS" ] && host=$(node_host "$1")
	if [ "$1" = 1 ]; then echo "${EJABBERD_NODE%%@*}@$host"
	else echo "${EJABBERD_NODE%%@*}n$1@$host"; fi
}
node_ip() {
	if [ "$1" = 1 ] || [ -n "$NODE_HOSTS" ]; then echo "$LISTEN_IP"
	else echo "127.0.0.$1"; fi
}
# node_host N: the address clients reach node N at.
node_host() {
	if [ -n "$NODE_HOSTS" ]; then
		set -- "$1" $NODE_HOSTS
		shift "$1"
		echo "$1"
	else
		echo "127.0.0.$1"
	fi
}
# Erlang's distribution on loopback, but between containers.
dist_env() {
	DIST_ENV=(ERL_EPMD_ADDRESS=127.0.0.1) DIST_IP=127.0.0.1
	[ -z "$NODE_HOSTS" ] || DIST_ENV=() DIST_IP=0.0.0.0
	DIST_IP_TUPLE=${DIST_IP//./,}
}
node_logs() { if [ "$1" = 1 ]; then echo "$LAB/log/broker"; else echo "$(node_dir "$1")/log"; fi; }

ejctl_node() {
	local n=$1 e DIST_ENV DIST_IP DIST_IP_TUPLE
	shift
	e=$(node_dir "$n")
	dist_env
	as_broker env HOME="$e/home" "${DIST_ENV[@]}" \
	    ERLANG_NODE="$(node_name "$n")" "$e/ejabberdctl" \
	    --config "$e/ejabberd.yml" --ctl-config "$e/ejabberdctl.cfg" \
	    --spool "$e/spool" --logs "$(node_logs "$n")" "$@"
}
ejctl() { ejctl_node 1 "$@"; }

# node_config N DIR IP NAME COOKIE: node N's files (the template's
# variables set from the arguments, evaluated before they are local).
node_config() {
	local n=$1 e=$2 EJ_DIR=$2 LISTEN_IP=$3 EJABBERD_NODE=$4 cookie=$5
	local PUBSUB_DB=mnesia SQL_CONFIG="" h p d u w
	local DIST_ENV DIST_IP DIST_IP_TUPLE
	dist_env
	# SACM_LAB_PUBSUB_SQL=HOST:PORT:DATABASE:USER:PASSWORD keeps pubsub
	# (topics, subscriptions, items) in PostgreSQL, ejabberd's new schema
	# loaded (/usr/share/ejabberd/sql/pg.new.sql); the rest stays in Mnesia
	if [ -n "${SACM_LAB_PUBSUB_SQL:-}" ]; then
		IFS=: read -r h p d u w <<< "$SACM_LAB_PUBSUB_SQL"
		[ -n "$w" ] || die "SACM_LAB_PUBSUB_SQL: HOST:PORT:DATABASE:USER:PASSWORD"
		PUBSUB_DB=sql
		SQL_CONFIG=$(printf 'sql_type: pgsql\nsql_server: "%s"\nsql_port: %s\nsql_database: "%s"\nsql_username: "%s"\nsql_password: "%s"\nnew_sql_schema: true' \
		    "$h" "$p" "$d" "$u" "$w")
	fi
	mkdir -p "$e/home" "$e/spool" "$(node_logs "$n")"
	[ "$n" = 1 ] || cp -p "$cookie" "$e/home/.erlang.cookie"
	cat "$PKI/server.crt" "$PKI/server.key" > "$e/server.pem"
	chmod 600 "$e/server.pem"
	# ejabberdctl insists on its own system user; a copy without that
	# check runs as anyone (reference notes, ejabberd section).
	sed -e 's/^INSTALLUSER=.*/INSTALLUSER=/' \
	    -e "s|^ERL_INETRC=.*|ERL_INETRC=$e/inetrc|" \
	    /usr/sbin/ejabberdctl > "$e/ejabberdctl"
	echo '{lookup, [file, native]}.' > "$e/inetrc"
	chmod 755 "$e/ejabberdctl"
	render ejabberdctl.cfg.in "$e/ejabberdctl.cfg"
	render ejabberd.yml.in "$e/ejabberd.yml"
	if [ "$(id -u)" = 0 ]; then
		chown -R nobody:nogroup "$e"
		chmod 750 "$e"		# its database is nobody else's
	fi
}

ejabberd_config() {
	local PKI=$LAB/pki UPLOAD_DIR=$LAB/ejabberd/upload n
	local UNLIMITED_JIDS CLIENT_RATE CLIENT_BURST ADMIN_JID REVOKED_JIDS
	UNLIMITED_JIDS=$(unlimited_jids ", ") ADMIN_JID=$(admin_jid)
	REVOKED_JIDS=$(revoked_names | sed "s/.*/\"&@$DOMAIN\"/" | paste -sd, -)
	CLIENT_RATE=$((CLIENT_KBPS * 1000))
	CLIENT_BURST=$((CLIENT_KBPS * 1000 * CLIENT_BURST_S))
	# its logs where the audit service reads its denials
	broker_log_dir >/dev/null
	mkdir -p "$UPLOAD_DIR" "$LAB/www" "$LAB/ejabberd/home"
	local cookie=$LAB/ejabberd/home/.erlang.cookie
	if [ "${NODES:-1}" -gt 1 ] && [ ! -s "$cookie" ]; then
		(umask 077; openssl rand -hex 20 | tr a-f A-F > "$cookie")
	fi
	for n in $(seq 1 "${NODES:-1}"); do
		node_config "$n" "$(node_dir "$n")" "$(node_ip "$n")" \
		    "$(node_name "$n")" "$cookie"
	done
	[ "$(id -u)" = 0 ] && chmod 755 "$PKI"
	return 0
}

# node_start N: starts node N and waits until it answers.
node_start() {
	local n=$1 e i name DIST_ENV DIST_IP DIST_IP_TUPLE
	e=$(node_dir "$n") name=$(node_name "$n")
	dist_env
	spawn "$e" "$e/stdout.log" env HOME="$e/home" \
	    "${DIST_ENV[@]}" ERLANG_NODE="$name" \
	    "$e/ejabberdctl" --config "$e/ejabberd.yml" \
	    --ctl-config "$e/ejabberdctl.cfg" --spool "$e/spool" \
	    --logs "$(node_logs "$n")" foreground
	# The Erlang VM's own PID is the one that listens.
	for i in $(seq 1 100); do
		if ejctl_node "$n" status >/dev/null 2>&1; then
			(pgrep -f -- "beam.* -sname $name " || true) |
			    head -1 > "$e/ejabberd.pid"
			[ -s "$e/ejabberd.pid" ] && return 0
		fi
		sleep 0.3
	done
	tail -20 "$(node_logs "$n")/ejabberd.log" >&2 2>/dev/null || true
	die "ejabberd node $n did not start (logs in $(node_logs "$n"))"
}

# node_join N: node N (running) in node 1's cluster, once.  Its caches
# are cleared after: a login tried on it before it joined (a client whose
# host list starts there) found no such account in its own empty tables,
# and ejabberd keeps that miss (auth_cache_missed) for an hour, across
# the join; the account's logins to that node then fail as "Invalid
# username or password" while the other nodes take them.
node_join() {
	ejctl_node "$1" list_cluster 2>/dev/null |
	    grep -q "$(node_name 1)" && return 0
	say "ejabberd node $1 joins the cluster"
	ejctl_node "$1" --no-timeout join_cluster "$(node_name 1)" \
	    >/dev/null || die "ejabberd node $1: join_cluster failed"
	ejctl_node "$1" clear_cache >/dev/null ||
	    die "ejabberd node $1: clear_cache failed"
}

ejabberd_start() {
	local n i
	node_start 1
	if [ -n "$NODE_HOSTS" ]; then
		say "ejabberd nodes 2 to $NODES start on their own hosts" \
		    "(sacm-lab node N)"
		return 0
	fi
	for n in $(seq 2 "${NODES:-1}"); do
		node_start "$n"
		node_join "$n"
	done
	# Every node takes clients (a joining node restarts its services).
	for n in $(seq 2 "${NODES:-1}"); do
		for i in $(seq 1 300); do
			! (exec 3<>"/dev/tcp/$(node_ip "$n")/$C2S_PORT") \
			    2>/dev/null || break
			sleep 0.1
		done
	done
	return 0
}

ejabberd_pidfile() { echo "$LAB/ejabberd/ejabberd.pid"; }

# node_pid N: the running node's VM, or nothing (a node on another host:
# nothing; this host's is node $LOCAL_NODE, node 1's unless `sacm-lab
# node N` runs here).
node_pid() {
	local f
	[ -n "$NODE_HOSTS" ] && [ "$1" != "${LOCAL_NODE:-1}" ] && return 1
	f=$(node_dir "$1")/ejabberd.pid
	[ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"
}

ejabberd_register() {
	if [ -z "${EJ_USERS+x}" ]; then
		EJ_USERS=" $(ejctl registered_users "$DOMAIN" | tr '\n' ' ') "
	fi
	case "$EJ_USERS" in *" $1 "*) return 0 ;; esac
	ejctl register "$1" "$DOMAIN" "$2" >/dev/null
	EJ_USERS="$EJ_USERS$1 "
}

# The other nodes first, node 1 (pid) last.
ejabberd_stop() {
	local n pid i
	for n in $(seq "${NODES:-1}" -1 2); do
		pid=$(node_pid "$n") || continue
		ejctl_node "$n" stop >/dev/null 2>&1 || kill "$pid"
		for i in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	done
	ejctl stop >/dev/null 2>&1 || kill "$1"
}
# fast_tls checks no CRL: the accounts whose certificate is revoked are
# refused at login by the c2s access rule instead (acl revoked), the
# configuration rendered again and reloaded, on every node.
ejabberd_reload() {
	local n
	ejabberd_config
	broker_pid > /dev/null || return 0
	for n in $(seq 1 "${NODES:-1}"); do
		if [ -n "$NODE_HOSTS" ] && [ "$n" != 1 ]; then
			# on its own host: a node that is down reads its
			# configuration when it starts
			ejctl_node "$n" reload_config >/dev/null 2>&1 ||
			    say "ejabberd node $n: not running; it reads the" \
				"configuration when it starts"
			continue
		fi
		node_pid "$n" >/dev/null || continue
		ejctl_node "$n" reload_config >/dev/null ||
		    die "ejabberd node $n: reload_config failed"
	done
}

# ejabberd leaves an epmd behind (reference notes).
ejabberd_stopped() {
	local u
	u=$( [ "$(id -u)" = 0 ] && echo nobody || id -un)
	# epmd serves every Erlang node of the user: another lab's ejabberd
	# still running needs it (its ejabberdctl finds the node there).
	pgrep -u "$u" -x beam.smp >/dev/null 2>&1 && return 0
	pkill -u "$u" -x epmd 2>/dev/null || true
}
