# sacm-lab: the ejabberd broker (sourced): its configuration from
# templates/ejabberd.yml.in, start, accounts.

ejctl() {
	local e=$LAB/ejabberd
	as_broker env HOME="$e/home" ERL_EPMD_ADDRESS=127.0.0.1 \
	    ERLANG_NODE="$EJABBERD_NODE" "$e/ejabberdctl" \
	    --config "$e/ejabberd.yml" --ctl-config "$e/ejabberdctl.cfg" \
	    --spool "$e/spool" --logs "$LAB/log/broker" "$@"
}

ejabberd_config() {
	local EJ_DIR=$LAB/ejabberd PKI=$LAB/pki
	local UNLIMITED_JIDS CLIENT_RATE CLIENT_BURST ADMIN_JID REVOKED_JIDS
	UNLIMITED_JIDS=$(unlimited_jids ", ") ADMIN_JID=$(admin_jid)
	REVOKED_JIDS=$(revoked_names | sed "s/.*/\"&@$DOMAIN\"/" | paste -sd, -)
	CLIENT_RATE=$((CLIENT_KBPS * 1000))
	CLIENT_BURST=$((CLIENT_KBPS * 1000 * CLIENT_BURST_S))
	local e=$EJ_DIR
	mkdir -p "$e/home" "$e/spool" "$e/upload" "$LAB/www"
	# its logs where the audit service reads its denials
	broker_log_dir >/dev/null
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
		chmod 755 "$PKI"
	fi
}

ejabberd_start() {
	local e=$LAB/ejabberd i
	spawn "$e" "$e/stdout.log" env HOME="$e/home" \
	    ERL_EPMD_ADDRESS=127.0.0.1 ERLANG_NODE="$EJABBERD_NODE" \
	    "$e/ejabberdctl" --config "$e/ejabberd.yml" \
	    --ctl-config "$e/ejabberdctl.cfg" --spool "$e/spool" \
	    --logs "$LAB/log/broker" foreground
	# The Erlang VM's own PID is the one that listens.
	for i in $(seq 1 100); do
		if ejctl status >/dev/null 2>&1; then
			(pgrep -f -- "beam.* -sname $EJABBERD_NODE " || true) |
			    head -1 > "$e/ejabberd.pid"
			[ -s "$e/ejabberd.pid" ] && return 0
		fi
		sleep 0.3
	done
	tail -20 "$LAB/log/broker/ejabberd.log" >&2 2>/dev/null || true
	die "ejabberd did not start (logs in $LAB/log/broker)"
}

ejabberd_pidfile() { echo "$LAB/ejabberd/ejabberd.pid"; }

ejabberd_register() {
	if [ -z "${EJ_USERS+x}" ]; then
		EJ_USERS=" $(ejctl registered_users "$DOMAIN" | tr '\n' ' ') "
	fi
	case "$EJ_USERS" in *" $1 "*) return 0 ;; esac
	ejctl register "$1" "$DOMAIN" "$2" >/dev/null
	EJ_USERS="$EJ_USERS$1 "
}

ejabberd_stop() { ejctl stop >/dev/null 2>&1 || kill "$1"; }
# fast_tls checks no CRL: the accounts whose certificate is revoked are
# refused at login by the c2s access rule instead (acl revoked), the
# configuration rendered again and reloaded.
ejabberd_reload() {
	ejabberd_config
	broker_pid > /dev/null || return 0
	ejctl reload_config >/dev/null || die "ejabberd: reload_config failed"
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
