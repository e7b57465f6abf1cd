#!/usr/bin/env bash
# bench/prosody_profile.sh LAB_DIR [SECONDS] - where a lab's Prosody spends
# its Lua time, while it runs (a fleet bench, say: KEEP=1 keeps its lab).
# Through the broker's admin socket it loads bench/prosody/profile_*.lua,
# samples for SECONDS (default 20), and prints the hottest functions and
# lines and the publishes by topic. Sampling slows the broker while it
# lasts. For time inside C (the collector, sqlite, TLS): perf record -p PID.
set -euo pipefail
L=${1:?usage: bench/prosody_profile.sh LAB_DIR [SECONDS]} SECS=${2:-20}
SOCK=$L/prosody/data/prosody.sock
[ -S "$SOCK" ] || { echo "prosody_profile: no admin socket at $SOCK" >&2; exit 1; }
# The broker runs as another user: the scripts and the report where it
# can read and write them.
T=$(mktemp -d /tmp/sacm-prosody-profile-XXXXXX)
trap 'rm -rf "$T"' EXIT
cp "$(dirname "$0")"/prosody/profile_*.lua "$T"/
touch "$T/report.txt"
chmod 755 "$T"; chmod 644 "$T"/*.lua; chmod 666 "$T/report.txt"
shell() {	# one line for the admin shell; fails on an error result
	/usr/bin/python3 - "$SOCK" "$1" <<'PY'
import socket, sys
from xml.sax.saxutils import escape
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(60)
s.sendall(b"<?xml version='1.0'?><stream:stream xmlns='xmpp:prosody.im/admin'"
          b" xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")
s.sendall(("<repl-input>%s</repl-input>" % escape(sys.argv[2])).encode())
buf = b""
while b"</repl-result>" not in buf:
    d = s.recv(65536)
    if not d:
        break
    buf += d
out = buf.decode(errors="replace")
if "<repl-result type='error'>" in out or "</repl-result>" not in out:
    sys.exit("prosody_profile: " + out[out.find("<repl-result"):])
PY
}
shell "> rawset(_G, 'sacm_profile_out', '$T/report.txt')"
shell "> dofile('$T/profile_start.lua')"
sleep "$SECS"
shell "> dofile('$T/profile_stop.lua')"
cat "$T/report.txt"
