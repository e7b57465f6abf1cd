# sacm-lab: the Prosody broker (sourced): its configuration from
# templates/prosody.cfg.lua.in, start, accounts.

prosody_config() {
	local PROSODY_DIR=$LAB/prosody PKI=$LAB/pki
	local UNLIMITED_JIDS ADMIN_JID BROKER_LOG
	UNLIMITED_JIDS=$(unlimited_jids "; ") ADMIN_JID=$(admin_jid)
	BROKER_LOG=$(broker_log_dir)/prosody.log
	mkdir -p "$PROSODY_DIR/data" "$PROSODY_DIR/modules" "$LAB/www"
	render prosody.cfg.lua.in "$PROSODY_DIR/prosody.cfg.lua"
	cp "$SHARE/prosody/"*.lua "$PROSODY_DIR/modules/"
	if [ "$(id -u)" = 0 ]; then
		chown -R nobody:nogroup "$PROSODY_DIR"
		chmod 750 "$PROSODY_DIR"	# its database is nobody else's
		# The CA certificate is everyone's; the keys are not (the
		# server key the broker's group's, the others root's).
		chgrp nogroup "$PKI/server.key"
		chmod 755 "$PKI"
		chmod 640 "$PKI/server.key"
	fi
}

prosody_start() {
	local p=$LAB/prosody
	# Pubsub in SQLite with WAL: ~20x the default file store (reference).
	if [ ! -f "$p/data/prosody.sqlite" ]; then
		as_broker sqlite3 "$p/data/prosody.sqlite" \
		    'PRAGMA journal_mode=WAL;' >/dev/null
	fi
	[ -s "$p/prosody.err" ] && mv "$p/prosody.err" "$p/prosody.err.1"
	: > "$p/prosody.err"
	[ "$(id -u)" = 0 ] && chown nobody:nogroup "$p/prosody.err"
	spawn "$p" "$p/stdout.log" prosody -F --config "$p/prosody.cfg.lua"
}

prosody_pidfile() { echo "$LAB/prosody/prosody.pid"; }

# Prosody registers accounts with the server stopped or running alike.
prosody_register() {
	as_broker prosodyctl --config "$LAB/prosody/prosody.cfg.lua" \
	    register "$1" "$DOMAIN" "$2" >/dev/null
}

prosody_stop() { kill "$1"; }
# The CRL (and the configuration) again: Prosody reloads its certificates
# on SIGHUP.
prosody_reload() {
	local pid
	pid=$(broker_pid) || return 0
	kill -HUP "$pid"
	sleep 0.5
}
prosody_stopped() { :; }
