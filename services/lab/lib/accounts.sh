# sacm-lab: accounts (sourced).  One per service instance and per
# collector (DESIGN.md, Security), each with a password, a client
# certificate and two settings files (templates/account*.conf.in).

# cert_conf NAME FILE: NAME's certificate login settings in FILE.
# Prosody asks for the certificate on its STARTTLS port; ejabberd verifies
# them on its direct-TLS listener.
cert_conf() {
	local hosts
	hosts=$(node_hosts "$1")
	local NAME=$1 CERTPORT=$C2S_TLS_PORT DIRECT=yes CONNECT=$hosts
	local RESOLVE=$RESOLVE
	[ "${NODES:-1}" -gt 1 ] && RESOLVE="upload_resolve = broker"
	if [ "$BROKER" = prosody ]; then
		CERTPORT=$C2S_PORT DIRECT=no
	fi
	render account-cert.conf.in "$2"
	chmod 600 "$2"
}

# node_hosts NAME: in a cluster lab, the nodes' addresses starting from
# NAME's own node (spread by a hash of the name), the order its client
# tries them in; else $CONNECT.
node_hosts() {
	local n first out=
	if [ "${NODES:-1}" -le 1 ]; then
		echo "$CONNECT"
		return
	fi
	first=$(( $(printf %s "$1" | cksum | cut -d' ' -f1) % NODES ))
	for n in $(seq 0 $((NODES - 1))); do
		out="$out${out:+ }$(node_host $(( (first + n) % NODES + 1 )))"
	done
	echo "$out"
}

write_account_conf() {
	local hosts
	hosts=$(node_hosts "$1")
	local NAME=$1 a=$LAB/accounts EXTRA= CONNECT=$hosts RESOLVE=$RESOLVE
	# a cluster's nodes share the uploads: the one connected to serves
	[ "${NODES:-1}" -gt 1 ] && RESOLVE="upload_resolve = broker"
	[ "$NAME" = ctl ] && EXTRA="# grid and affiliations: the grid administrator's
admin_config = $a/admin.conf"
	render account.conf.in "$a/$NAME.conf"
	chmod 600 "$a/$NAME.conf"
	cert_conf "$NAME" "$a/$NAME-cert.conf"
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
	fi
	return 0
}

# The grid administrator (XEP-0133, owner of every topic): a certificate
# login only (SASL EXTERNAL), no password, no account on the broker;
# accounts/admin.conf is its settings, with the role file grid init reads.
ensure_admin() {
	mkdir -p "$LAB/accounts"
	make_client_cert admin
	cert_conf admin "$LAB/accounts/admin.conf"
	echo "roles_file = $LAB/roles.conf" >> "$LAB/accounts/admin.conf"
}

# Every account's name: the administrator, the operator, the health
# check, each service instance and each collector.
account_names() {
	local s i
	echo admin ctl health
	for s in $SERVICES; do echo "${s%%:*}"; done
	for i in $(seq 1 "$COLLECTORS"); do echo "collector-$i"; done
}

all_accounts() {
	local s i
	ensure_admin
	ensure_account ctl operator
	# No role: it may log in and ask disco#info, which is all a
	# container's healthcheck needs.
	ensure_account health
	for s in $SERVICES; do
		ensure_account "${s%%:*}" "${s##*:}"
	done
	for i in $(seq 1 "$COLLECTORS"); do
		ensure_account "collector-$i" collector
	done
}

# export_credentials DIR: for each account but the administrator, what
# that account needs and nothing else, in DIR/NAME laid out as the lab is
# (so the settings' paths hold when DIR/NAME is mounted as the lab): its
# settings, password, certificate and key, the CA certificate, and the
# health account's login.  Never the CA key, another account's secrets or
# the administrator's login (its JID only, accounts/admin.jid).
# DIR/NAME/ready is written last.
export_credentials() {
	local dir=$1 conf name d a=$LAB/accounts
	for conf in "$a"/*.conf; do
		name=$(basename "$conf" .conf)
		case "$name" in admin|ctl|ctl-cert|*-cert) continue ;; esac
		[ -d "$dir/$name" ] || continue	# only where a volume waits
		d=$dir/$name
		rm -f "$d/ready"
		mkdir -p "$d/accounts" "$d/pki/clients"
		cp "$LAB/pki/ca.crt" "$d/pki/ca.crt"
		for f in "$name.conf" "$name-cert.conf" "$name.pass" \
		    health.conf health.pass; do
			[ -f "$a/$f" ] && cp "$a/$f" "$d/accounts/$f"
		done
		for f in "$name.crt" "$name.key"; do
			[ -f "$LAB/pki/clients/$f" ] &&
			    cp "$LAB/pki/clients/$f" "$d/pki/clients/$f"
		done
		# who the grid administrator is (no secret): the orchestrator
		# takes revocations from it alone
		admin_jid > "$d/accounts/admin.jid"
		chmod -R go-rwx "$d/accounts" "$d/pki/clients"
		touch "$d/ready"
	done
}
