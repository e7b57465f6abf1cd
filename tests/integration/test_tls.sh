#!/usr/bin/env bash
# The broker speaks TLS 1.2 or later only.  The client side is opened up
# (SECLEVEL=0) so that a refusal can only come from the broker; TLS 1.2 is
# the control that shows the probe itself works.
set -uo pipefail
. "$SACM_LAB_DIR/lab.env"
probe() {
	timeout 10 openssl s_client -starttls xmpp -xmpphost "$DOMAIN" \
	    -connect "127.0.0.1:$C2S_PORT" -CAfile "$SACM_LAB_DIR/pki/ca.crt" \
	    -verify_return_error -cipher 'DEFAULT@SECLEVEL=0' "$@" </dev/null >/dev/null 2>&1
}
fails=0
if probe -tls1_2; then echo "ok   TLS 1.2 accepted and the certificate verifies"; else echo "FAIL TLS 1.2"; fails=1; fi
if probe -tls1_1; then echo "FAIL TLS 1.1 accepted"; fails=1; else echo "ok   TLS 1.1 refused"; fi
if probe -tls1; then echo "FAIL TLS 1.0 accepted"; fails=1; else echo "ok   TLS 1.0 refused"; fi
exit $fails
