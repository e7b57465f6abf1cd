# sacm-lab: the SACM daemons of the lab (sourced), each kept running by
# its own sacm-supervise.  One instance per account ("NAME:program"), and
# one sacm-collector per target tree (collector-I on the I-th tree of
# `sacm-targets names`).
SERVICE_DAEMONS="policy-repo:sacm-policy-repo posture-repo:sacm-posture-repo
evaluator-1:sacm-evaluator evaluator-2:sacm-evaluator
results-repo:sacm-results-repo orchestrator:sacm-orchestrator
audit:sacm-audit"

instances() {
	echo "$SERVICE_DAEMONS" | tr ' ' '\n'
	local i=1 t
	for t in $("$HERE/sacm-targets" names --count "${COLLECTORS:-3}"); do
		echo "collector-$i:sacm-collector:$t"
		i=$((i + 1))
	done
}

# Is NAME supervised?  The supervisor holds a lock on its pid file for as
# long as it runs: no pid that may have been reused is trusted.
supervised() {
	local f=$LAB/run/$1.supervisor.pid
	[ -e "$f" ] && ! flock -n "$f" true 2>/dev/null
}

# The daemon's pid, while its supervisor runs it.
daemon_pid() {
	local pid
	supervised "$1" || return 1
	pid=$(cat "$LAB/run/$1.pid" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

# When we are root each daemon runs as its own user (lab_user); a
# collector starts as root and becomes its user itself, keeping what
# reading a tree takes (its `user` setting).
runs_as() {	# name program
	[ "$(id -u)" = 0 ] || return 0
	case "$2" in
	sacm-collector) ;;
	*) lab_user "$1" ;;
	esac
}

# A daemon's configuration: its account's grid settings (its certificate
# login: SASL EXTERNAL), then its own, then the operator's own lines in
# etc/NAME.local if there are any.
daemon_config() {
	local name=$1 prog=$2 tree=${3:-} c=$LAB/etc/$1.conf user
	mkdir -p "$LAB/etc" "$LAB/data" "$LAB/run" "$LAB/log"
	{ echo "# $prog ($name) in the lab $LAB (written by sacm-lab)"
	  grep -v '^#' "$LAB/accounts/$name-cert.conf"
	  case "$prog" in
	  sacm-policy-repo) echo "db = $LAB/data/policy-repo.sqlite" ;;
	  sacm-posture-repo) echo "db = $LAB/data/posture-repo.sqlite" ;;
	  sacm-evaluator) echo "state_dir = $LAB/data/$name" ;;
	  sacm-results-repo) echo "db = $LAB/data/results-repo.sqlite" ;;
	  sacm-audit) echo "db = $LAB/data/audit.sqlite"
		echo "broker_log = $LAB/log/broker/$BROKER.log" ;;
	  sacm-orchestrator) echo "db = $LAB/data/orchestrator.sqlite"
		echo "admins = $(admin_jid)"
		echo "# a lab convenience: an account's first endpoint needs no operator"
		echo "auto_approve = yes" ;;
	  sacm-collector)
		[ "$(id -u)" = 0 ] && echo "user = $(lab_user "$name")"
		echo "root = $LAB/targets/$tree"
		echo "state_dir = $LAB/data/$name"
		# dpkg probes read the tree's apt settings, not the host's
		echo "apt_config = $LAB/etc/apt-targets.conf"
		echo "change_settle_ms = 2000" ;;
	  esac
	  # An operator's own settings for this daemon (options the lines
	  # above do not set), kept across up and start.
	  [ -f "$LAB/etc/$name.local" ] && grep -v '^#' "$LAB/etc/$name.local"
	  true; } > "$c"
	chmod 600 "$c"
	user=$(runs_as "$name" "$prog")
	[ -n "$user" ] && [ "$prog" = sacm-audit ] && broker_log_reader "$user"
	if [ -n "$user" ]; then
		# Its own files only; the data directory is shared like /tmp.
		chgrp sacm-lab "$LAB/data"
		chmod 1770 "$LAB/data"
		# The CA certificate is everyone's (a lab made before per-daemon
		# users had the directory closed); the keys in it are not.
		chmod 755 "$LAB/accounts" "$LAB/pki" "$LAB/pki/clients"
		chown "$user:sacm-lab" "$c" "$LAB/accounts/$name.pass" \
		    "$LAB/pki/clients/$name.key"
		local f
		for f in "$LAB/data/$name" "$LAB/data/$name".sqlite*; do
			if [ -e "$f" ]; then chown -R "$user:sacm-lab" "$f"; fi
		done
	elif [ "$prog" = sacm-collector ] && [ "$(id -u)" = 0 ]; then
		# Started as root, it logs in again as its own user later.
		chmod 755 "$LAB/pki" "$LAB/pki/clients"
		chown "$(lab_user "$name"):sacm-lab" "$LAB/pki/clients/$name.key"
	fi
}

start_daemon() {
	local name=$1 prog=$2 tree=${3:-} user i
	supervised "$name" && return 0
	[ -x "$HERE/$prog" ] || { say "$prog not built; $name skipped"; return 0; }
	if [ "$prog" = sacm-collector ] && [ ! -f "$LAB/targets/$tree/etc/debian_version" ]; then
		say "no target tree $LAB/targets/$tree; $name skipped (sacm-lab targets)"
		return 0
	fi
	daemon_config "$name" "$prog" "$tree"
	user=$(runs_as "$name" "$prog")
	${user:+setpriv --reuid="$user" --regid=sacm-lab --clear-groups --} \
	    "$HERE/$prog" -n -f "$LAB/etc/$name.conf" >/dev/null ||
	    die "$name: bad configuration $LAB/etc/$name.conf"
	(exec setsid "$HERE/sacm-supervise" -n "$name" -r "$LAB/run" \
	    -l "$LAB/log/$name.log" -s "$LAB/log/supervisor.log" \
	    ${user:+-u "$user"} -- "$HERE/$prog" -f "$LAB/etc/$name.conf" \
	    >>"$LAB/log/supervisor.log" 2>&1 </dev/null) &
	for i in $(seq 1 50); do
		daemon_pid "$name" >/dev/null && break
		sleep 0.1
	done
	say "started $name ($prog, log $LAB/log/$name.log)"
}

start_daemons() {
	local d name prog tree
	mkdir -p "$LAB/etc"
	echo 'Dir::Etc::parts "/nonexistent";' > "$LAB/etc/apt-targets.conf"
	for d in $(instances); do
		IFS=: read -r name prog tree <<<"$d"
		start_daemon "$name" "$prog" "$tree"
	done
}

# TERM to the supervisors of NAMES (each stops its daemon, then itself),
# then wait until none of them holds its lock any more.
stop_daemons() {
	local name pid i left stopping=()
	for name in "$@"; do
		supervised "$name" || continue
		pid=$(cat "$LAB/run/$name.supervisor.pid" 2>/dev/null) &&
		    kill "$pid" 2>/dev/null && stopping+=("$name")
	done
	for i in $(seq 1 150); do
		left=0
		for name in "${stopping[@]}"; do
			supervised "$name" && left=1
		done
		[ $left = 0 ] && break
		sleep 0.1
	done
	for name in "${stopping[@]}"; do
		if supervised "$name"; then
			say "$name did not stop"
		else
			rm -f "$LAB/run/$name.supervisor.pid" "$LAB/run/$name.pid"
			say "stopped $name"
		fi
	done
}

all_daemon_names() {
	local f n
	for f in "$LAB"/run/*.supervisor.pid; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .supervisor.pid)
		echo "$n"
	done
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
install_dashboard() {
	local src=$HERE/../www/dashboard d=$LAB/www/dashboard WS=/xmpp-websocket
	[ -f "$src/index.html" ] || return 0
	[ "$BROKER" = ejabberd ] && WS=/ws
	mkdir -p "$d"
	cp "$src"/* "$d"/
	render dashboard-config.json.in "$d/config.json"
	chmod -R a+rX "$LAB/www"
}

# ejabberd serves files only for a Host header that is one of its hosts:
# the browser must reach it as the lab domain (a hosts entry).
dashboard_url() {
	if [ "$BROKER" = ejabberd ]; then
		echo "https://$DOMAIN:$HTTPS_PORT/dashboard/ ($DOMAIN -> 127.0.0.1 in /etc/hosts)"
	else
		echo "https://127.0.0.1:$HTTPS_PORT/files/dashboard/"
	fi
}
