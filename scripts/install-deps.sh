#!/bin/sh
# Installs everything SACM Grid needs on Debian 12, from Debian's archive
# only.  Run as root or with sudo available.  Safe to run again.
#
# The brokers' packages start system services when installed; the lab runs
# its own broker, unprivileged, so a policy-rc.d keeps apt from starting
# them (and from taking the standard ports).
set -eu

PKGS="
build-essential pkg-config git ca-certificates openssl curl sqlite3
libstrophe-dev libxml2-dev libxslt1-dev libopenscap-dev libsqlite3-dev
libcurl4-openssl-dev zlib1g-dev libbz2-dev libssl-dev
prosody prosody-modules lua-dbi-sqlite3 ejabberd erlang-base debootstrap
openscap-scanner openscap-utils ssg-base ssg-debian ssg-debderived ssg-applications
python3 python3-slixmpp util-linux procps iproute2 clang libclang-rt-14-dev nginx
strace chromium bzip2
postgresql erlang-p1-pgsql
"
# (postgresql and erlang-p1-pgsql: ejabberd's pubsub on SQL, which
# bench/pubsub_store.sh measures against Mnesia)

# The dashboard's build (npm: strophe.js) and its browser tests
# (playwright-core drives Debian's chromium): Debian's nodejs and npm,
# unless a node with npm is installed already.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: run as root" >&2; exit 1; }
	SUDO=sudo
fi

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: everything is installed"
	exit 0
fi
echo "install-deps: installing$missing"

# SACM_POLICY_RC_D: for the test of this script only.
rc_d=${SACM_POLICY_RC_D:-/usr/sbin/policy-rc.d}
own_rc_d=
if [ ! -e "$rc_d" ]; then
	printf '#!/bin/sh\n# installed by SACM Grid install-deps\nexit 101\n' | $SUDO tee "$rc_d" >/dev/null
	$SUDO chmod 755 "$rc_d"
	own_rc_d=1
fi
# The trap's own status must not become the script's: a plain `&&` list
# here made every run on a machine with a policy-rc.d of its own exit 1.
cleanup() {
	if [ -n "$own_rc_d" ]; then
		$SUDO rm -f "$rc_d" || true
	fi
}
trap cleanup EXIT

$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends $missing
echo "install-deps: done"
exit 0
