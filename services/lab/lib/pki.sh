# sacm-lab: the lab's PKI (sourced).  A CA, the broker's certificate, a
# client certificate per account for SASL EXTERNAL, and the CA's
# revocation list (CRL) the broker checks those against.
#
# What only the CA has (its key, serial, revocation database) is in
# $CA_DIR; what everyone may see (the CA certificate, the CRL) and the
# certificates it issued are in $LAB/pki.  Natively CA_DIR is $LAB/pki
# (root's, mode 600: the broker runs as nobody).  In compose it is the
# one-shot certificate step's own volume (`sacm-lab certs --ca DIR`), so
# the CA key never reaches the broker or any daemon: the broker then
# issues nothing itself and says which step to run when a certificate
# is missing.

have_ca_key() { [ -f "$CA_DIR/ca.key" ]; }

no_ca_key() {	# what could not be done
	die "$1: the CA key is not here ($CA_DIR); run the certificate" \
	    "step where it is (sacm-lab certs --ca DIR; in compose:" \
	    "docker compose run --rm pki)"
}

make_ca() {
	local d=$LAB/pki
	mkdir -p "$d/clients" "$CA_DIR"
	if [ ! -f "$CA_DIR/ca.crt" ] && [ ! -f "$d/ca.crt" ]; then
		say "creating the lab CA"
		(umask 077; openssl req -x509 -newkey ec \
		    -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout "$CA_DIR/ca.key" -out "$CA_DIR/ca.crt" -days 3650 \
		    -subj "/O=SACM Grid lab/CN=SACM Grid lab CA" \
		    -addext "basicConstraints=critical,CA:TRUE" \
		    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null)
		chmod 644 "$CA_DIR/ca.crt"
	fi
	[ -f "$d/ca.crt" ] || cp "$CA_DIR/ca.crt" "$d/ca.crt"
	[ -f "$d/server.crt" ] && return 0
	have_ca_key || no_ca_key "no broker certificate"
	say "issuing the broker certificate"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/server.key" -out "$d/server.csr" \
	    -subj "/O=SACM Grid lab/CN=$DOMAIN" 2>/dev/null
	render server.ext.in "$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$CA_DIR/ca.crt" \
	    -CAkey "$CA_DIR/ca.key" -CAserial "$CA_DIR/ca.srl" \
	    -CAcreateserial -days 825 \
	    -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
	rm -f "$d/server.csr"
	chmod 600 "$d/server.key"
}

# Client certificate with the account as xmppAddr (RFC 6120 13.7.1.4).
make_client_cert() {
	local NAME=$1 d=$LAB/pki/clients
	[ -f "$d/$NAME.crt" ] && return 0
	have_ca_key || no_ca_key "no certificate for $NAME"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/$NAME.key" -out "$d/$NAME.csr" \
	    -subj "/O=SACM Grid lab/CN=$NAME" 2>/dev/null
	render client.ext.in "$d/$NAME.ext"
	openssl x509 -req -in "$d/$NAME.csr" -CA "$CA_DIR/ca.crt" \
	    -CAkey "$CA_DIR/ca.key" -CAserial "$CA_DIR/ca.srl" \
	    -CAcreateserial -days 825 \
	    -extfile "$d/$NAME.ext" -out "$d/$NAME.crt" 2>/dev/null
	rm -f "$d/$NAME.csr" "$d/$NAME.ext"
	chmod 600 "$d/$NAME.key"
}

# The CA's database of revoked certificates (openssl ca) and its CRL,
# renewed on every `up` where the CA key is (valid 30 days); ca-crl.pem
# (the CA certificate and the CRL) is what the broker verifies
# certificate logins with.  Without the key the CRL is kept as it is.
crl_update() {
	local c=$CA_DIR d=$LAB/pki
	if ! have_ca_key; then
		[ -s "$d/ca-crl.pem" ] || no_ca_key "no CRL"
		return 0
	fi
	[ -f "$c/ca.cnf" ] || cat > "$c/ca.cnf" <<EOC
# The lab CA's revocation database (written by sacm-lab)
[ ca ]
default_ca = lab
[ lab ]
database = $c/index.txt
crlnumber = $c/crlnumber
default_md = sha256
default_crl_days = 30
EOC
	[ -f "$c/index.txt" ] || : > "$c/index.txt"
	[ -f "$c/crlnumber" ] || echo 1000 > "$c/crlnumber"
	openssl ca -config "$c/ca.cnf" -keyfile "$c/ca.key" -cert "$c/ca.crt" \
	    -gencrl -out "$d/crl.pem.new" 2>/dev/null || die "cannot make the CRL"
	cat "$d/ca.crt" "$d/crl.pem.new" > "$d/ca-crl.pem.new"
	chmod 644 "$d/crl.pem.new" "$d/ca-crl.pem.new"
	mv "$d/crl.pem.new" "$d/crl.pem"
	mv "$d/ca-crl.pem.new" "$d/ca-crl.pem"
}

# revoke_cert NAME: NAME's certificate goes on the CRL (once).
revoke_cert() {
	local c=$LAB/pki/clients/$1.crt serial
	[ -f "$c" ] || die "no certificate for $1"
	have_ca_key || no_ca_key "cannot revoke the certificate of $1"
	serial=$(openssl x509 -in "$c" -noout -serial | sed 's/^serial=//')
	if ! grep -q "^R.*	$serial	" "$CA_DIR/index.txt" 2>/dev/null; then
		openssl ca -config "$CA_DIR/ca.cnf" -keyfile "$CA_DIR/ca.key" \
		    -cert "$CA_DIR/ca.crt" -revoke "$c" 2>/dev/null ||
		    die "cannot revoke the certificate of $1"
	fi
	crl_update
}

# The accounts whose current certificate is revoked, one a line: read
# from the CRL (public), so that the broker knows them without the CA.
revoked_names() {
	local c serial revoked
	[ -s "$LAB/pki/crl.pem" ] || return 0
	revoked=$(openssl crl -in "$LAB/pki/crl.pem" -noout -text 2>/dev/null |
	    sed -n 's/^ *Serial Number: *//p')
	[ -n "$revoked" ] || return 0
	for c in "$LAB"/pki/clients/*.crt; do
		[ -f "$c" ] || continue
		serial=$(openssl x509 -in "$c" -noout -serial | sed 's/^serial=//')
		grep -qix "$serial" <<<"$revoked" && basename "$c" .crt
	done
	return 0
}
