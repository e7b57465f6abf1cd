#!/usr/bin/env bash
# scripts/install-deps.sh's install path, with every package missing, on a
# machine with and without a policy-rc.d of its own: it must install, keep
# services from starting while it does, leave the machine's policy-rc.d
# alone (or remove its own), and exit 0 so that `install-deps && make lab`
# goes on.  dpkg-query, apt-get and sudo are shims on PATH: nothing is
# installed for real.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

W=$(mktemp -d /tmp/sacm-install-deps-XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir "$W/bin"
cat > "$W/bin/dpkg-query" <<'SH'
#!/bin/sh
exit 1
SH
# apt-get: records its arguments and whether a policy-rc.d that refuses
# (exit 101) was in place while it installed.
cat > "$W/bin/apt-get" <<'SH'
#!/bin/sh
echo "$*" >> "$SHIM_LOG"
if [ "$1" = update ]; then exit 0; fi
if [ -x "$SACM_POLICY_RC_D" ]; then "$SACM_POLICY_RC_D"; echo "rc=$?" >> "$SHIM_LOG"; fi
exit 0
SH
printf '#!/bin/sh\nexec "$@"\n' > "$W/bin/sudo"
chmod +x "$W/bin/"*

run() {	# run NAME: the script with the shims; its status and output kept
	SHIM_LOG=$W/$1.log SACM_POLICY_RC_D=$W/policy-rc.d \
	    PATH=$W/bin:$PATH sh scripts/install-deps.sh > "$W/$1.out" 2>&1
	echo $? > "$W/$1.rc"
}

# 1. No policy-rc.d before: one is put in place for the install, then
#    removed.
rm -f "$W/policy-rc.d"
run fresh
check "without a policy-rc.d: exit 0" [ "$(cat "$W/fresh.rc")" = 0 ]
check "without a policy-rc.d: says done" grep -q "install-deps: done" "$W/fresh.out"
check "without a policy-rc.d: apt-get install ran" grep -q "^install .*libstrophe-dev" "$W/fresh.log"
check "without a policy-rc.d: services kept from starting" grep -qx "rc=101" "$W/fresh.log"
check "without a policy-rc.d: ours removed afterwards" [ ! -e "$W/policy-rc.d" ]

# 2. The machine's own policy-rc.d (as in Docker-built images): used, kept.
printf '#!/bin/sh\n# the machine s own\nexit 101\n' > "$W/policy-rc.d"
chmod 755 "$W/policy-rc.d"
cp "$W/policy-rc.d" "$W/policy-rc.d.orig"
run docker
check "with a policy-rc.d: exit 0" [ "$(cat "$W/docker.rc")" = 0 ]
check "with a policy-rc.d: apt-get install ran" grep -q "^install .*prosody" "$W/docker.log"
check "with a policy-rc.d: left as it was" cmp -s "$W/policy-rc.d" "$W/policy-rc.d.orig"

# 3. apt-get failing is a failure.
printf '#!/bin/sh\n[ "$1" = update ] && exit 0\nexit 100\n' > "$W/bin/apt-get"
rm -f "$W/policy-rc.d"
run broken
check "apt-get failing: non-zero exit" [ "$(cat "$W/broken.rc")" != 0 ]
check "apt-get failing: ours removed" [ ! -e "$W/policy-rc.d" ]

# 4. Everything installed: says so, exit 0.
printf '#!/bin/sh\necho "install ok installed"\n' > "$W/bin/dpkg-query"
run done
check "everything installed: exit 0" [ "$(cat "$W/done.rc")" = 0 ]
check "everything installed: says so" grep -q "everything is installed" "$W/done.out"

[ $fails = 0 ] || { cat "$W"/*.out; exit 1; }
