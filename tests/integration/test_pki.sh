#!/usr/bin/env bash
# The CA apart from the broker (RFC 8600 section 8.3.6), as the compose
# lab runs it, on a second lab with run.sh's broker: `sacm-lab certs --ca`
# (the one-shot certificate step) keeps the CA key in its own directory
# and issues every certificate and the CRL; the broker's `up` then runs
# without the key anywhere in its lab, issues nothing (a new account is
# refused, naming the step), and a certificate the step revokes is
# refused at login once the broker's revoke has run (openssl verify and
# slixmpp are the oracles).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lab_test pki-test
BROKER=$(sed -n 's/^BROKER=//p' "$L/lab.env")
P=$W/lab CA=$W/ca
chmod 755 "$W"
cleanup() {
	"$BIN/sacm-lab" down --dir "$P" >/dev/null 2>&1
	[ "$fails" = 0 ] || tail -n 15 "$W"/*.out 2>/dev/null
}
trap cleanup EXIT

"$BIN/sacm-lab" certs --dir "$P" --ca "$CA" --collectors 2 > "$W/certs.out" 2>&1
check "sacm-lab certs issues the CA, the broker's and every account's certificate" \
    bash -c "[ -s '$CA/ca.key' ] && [ -s '$P/pki/server.crt' ] && [ -s '$P/pki/clients/collector-2.crt' ] && [ -s '$P/pki/clients/admin.crt' ] && [ -s '$P/pki/crl.pem' ]"
check "... and keeps the CA key in its own directory" test ! -e "$P/pki/ca.key"
check "... each certificate chains to the CA (openssl verify)" bash -c \
    "openssl verify -CAfile '$P/pki/ca.crt' '$P/pki/server.crt' '$P/pki/clients/collector-1.crt' > /dev/null"

"$BIN/sacm-lab" up --dir "$P" --broker "$BROKER" --broker-only --collectors 2 > "$W/up.out" 2>&1
check "the broker's sacm-lab up runs without the CA key ($BROKER)" test $? = 0
key=$(sed -n 2p "$CA/ca.key")
check "... which is nowhere in the broker's lab" bash -c "! grep -rqsF -e '$key' '$P'"
check "a daemon's certificate login works (SASL EXTERNAL)" bash -c \
    "'$BIN/sacmctl' -c '$P/accounts/collector-1-cert.conf' topics > /dev/null"
out=$("$BIN/sacm-lab" account newone --dir "$P" 2>&1)
check "the broker issues no certificate: a new account is refused, naming the step" \
    grep -q "the CA key is not here.*sacm-lab certs" <<<"$out"

"$BIN/sacm-lab" revoke collector-1 --dir "$P" --ca "$CA" > "$W/revoke-ca.out" 2>&1
check "the certificate step revokes a certificate" test $? = 0
check "... it is on the CRL (openssl verify -crl_check)" bash -c \
    "openssl verify -crl_check -CAfile '$P/pki/ca.crt' -CRLfile '$P/pki/crl.pem' '$P/pki/clients/collector-1.crt' 2>&1 | grep -q 'certificate revoked'"
"$BIN/sacm-lab" revoke collector-1 --dir "$P" > "$W/revoke.out" 2>&1
# (no orchestrator runs here: the endpoints step fails, the rest holds)
check "the broker's revoke then runs without the CA key" bash -c \
    "grep -q '^login .*refused' '$W/revoke.out' && ! grep -q 'not on the CRL' '$W/revoke.out'"
check "... and the revoked certificate's login is refused (slixmpp)" wait_for 10 \
    bash -c "$H login '$P/accounts/collector-1-cert.conf' 2>/dev/null | grep -q 'login refused'"
check "... while another's still logs in" \
    bash -c "$H login '$P/accounts/collector-2-cert.conf' 2>/dev/null | grep -q 'login accepted'"
exit $((fails > 0))
