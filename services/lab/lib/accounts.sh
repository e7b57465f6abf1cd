# sacm-lab: accounts (sourced).  One per service instance and per
# collector (DESIGN.md, Security), each with a password, a client
# certificate and two settings files (templates/account*.conf.in).

write_account_conf() {
	local NAME=$1 a=$LAB/accounts EXTRA=
	# Certificate logins: Prosody keeps them on their own host; ejabberd
	# verifies client certificates on its direct-TLS listener.
	local EXTDOM=$DOMAIN CERTPORT=$C2S_TLS_PORT DIRECT=yes
	if [ "$BROKER" = prosody ]; then
		EXTDOM=ext.$DOMAIN CERTPORT=$C2S_PORT DIRECT=no
	fi
	[ "$NAME" = ctl ] && EXTRA="roles_file = $LAB/roles.conf"
	render account.conf.in "$a/$NAME.conf"
	render account-cert.conf.in "$a/$NAME-cert.conf"
	chmod 600 "$a/$NAME.conf" "$a/$NAME-cert.conf"
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
	"${BROKER}_register" "$name" "$(cat "$a/$name.pass")"
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
	local s i
	ensure_account ctl operator
	for s in $SERVICES; do
		ensure_account "${s%%:*}" "${s##*:}"
	done
	for i in $(seq 1 "$COLLECTORS"); do
		ensure_account "collector-$i" collector
	done
}
