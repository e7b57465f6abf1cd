# sacm-lab: the lab's PKI (sourced).  A CA, the broker's certificate, and
# a client certificate per account for SASL EXTERNAL.

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

# Client certificate with both lab identities as xmppAddr (RFC 6120
# 13.7.1.4): NAME@grid.test (ejabberd) and NAME@ext.grid.test (Prosody,
# whose EXTERNAL users live on their own host).
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
