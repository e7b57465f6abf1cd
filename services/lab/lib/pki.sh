# sacm-lab: the lab's PKI (sourced).  A CA, the broker's certificate, a
# client certificate per account for SASL EXTERNAL, and the CA's
# revocation list (CRL) the broker checks those against.

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
	render server.ext.in "$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" \
	    -CAkey "$d/ca.key" -CAcreateserial -days 825 \
	    -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
	rm -f "$d/server.csr"
	chmod 600 "$d/ca.key" "$d/server.key"
}

# Client certificate with the account as xmppAddr (RFC 6120 13.7.1.4).
make_client_cert() {
	local NAME=$1 d=$LAB/pki/clients
	[ -f "$d/$NAME.crt" ] && return 0
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/$NAME.key" -out "$d/$NAME.csr" \
	    -subj "/O=SACM Grid lab/CN=$NAME" 2>/dev/null
	render client.ext.in "$d/$NAME.ext"
	openssl x509 -req -in "$d/$NAME.csr" -CA "$LAB/pki/ca.crt" \
	    -CAkey "$LAB/pki/ca.key" -CAcreateserial -days 825 \
	    -extfile "$d/$NAME.ext" -out "$d/$NAME.crt" 2>/dev/null
	rm -f "$d/$NAME.csr" "$d/$NAME.ext"
	chmod 600 "$d/$NAME.key"
}

# The CA's database of revoked certificates (openssl ca) and its CRL,
# renewed on every `up` (valid 30 days); ca-crl.pem (the CA certificate
# and the CRL) is what the broker verifies certificate logins with.
crl_update() {
	local d=$LAB/pki
	[ -f "$d/ca.cnf" ] || cat > "$d/ca.cnf" <<EOC
# The lab CA's revocation database (written by sacm-lab)
[ ca ]
default_ca = lab
[ lab ]
database = $d/index.txt
crlnumber = $d/crlnumber
default_md = sha256
default_crl_days = 30
EOC
	[ -f "$d/index.txt" ] || : > "$d/index.txt"
	[ -f "$d/crlnumber" ] || echo 1000 > "$d/crlnumber"
	openssl ca -config "$d/ca.cnf" -keyfile "$d/ca.key" -cert "$d/ca.crt" \
	    -gencrl -out "$d/crl.pem" 2>/dev/null || die "cannot make the CRL"
	cat "$d/ca.crt" "$d/crl.pem" > "$d/ca-crl.pem.new"
	chmod 644 "$d/crl.pem" "$d/ca-crl.pem.new"
	mv "$d/ca-crl.pem.new" "$d/ca-crl.pem"
}

# revoke_cert NAME: NAME's certificate goes on the CRL (once).
revoke_cert() {
	local d=$LAB/pki c=$LAB/pki/clients/$1.crt serial
	[ -f "$c" ] || die "no certificate for $1"
	serial=$(openssl x509 -in "$c" -noout -serial | sed 's/^serial=//')
	if ! grep -q "^R.*	$serial	" "$d/index.txt" 2>/dev/null; then
		openssl ca -config "$d/ca.cnf" -keyfile "$d/ca.key" \
		    -cert "$d/ca.crt" -revoke "$c" 2>/dev/null ||
		    die "cannot revoke the certificate of $1"
	fi
	crl_update
}

# The accounts whose current certificate is revoked, one a line.
revoked_names() {
	local c serial
	[ -s "$LAB/pki/index.txt" ] || return 0
	for c in "$LAB"/pki/clients/*.crt; do
		serial=$(openssl x509 -in "$c" -noout -serial | sed 's/^serial=//')
		grep -q "^R.*	$serial	" "$LAB/pki/index.txt" &&
		    basename "$c" .crt
	done
	return 0
}
