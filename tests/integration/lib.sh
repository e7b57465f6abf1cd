# Shared by the integration test scripts: source it.
fails=0
ok() { echo "ok   $1"; }
no() { echo "FAIL $1"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else no "$what"; fi; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# free_port: a port nothing listens on, below the labs' ports (20000 and
# up) and the kernel's ephemeral ones (32768 and up), which an outgoing
# connection may hold unseen: the compose lab's broker once found its
# port taken so.
free_port() { local p; while :; do p=$((10000 + RANDOM % 10000)); port_free $p && { echo $p; return; }; done; }
wait_for() { local n=$(($1 * 4)); shift; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.25; n=$((n - 1)); done; return 1; }
# holds_for SECONDS CMD...: CMD keeps succeeding for SECONDS (checked every
# 0.25 s; fails at the first failure).  For absence: "nothing else
# happened" over a window the test names, checked all along it.
holds_for() { local n=$(($1 * 4)); shift; while [ $n -gt 0 ]; do "$@" || return 1; sleep 0.25; n=$((n - 1)); done; }
# lines FILE: how many lines FILE has now (0 when it does not exist).
lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
# ready_since LOG N [SECONDS]: a daemon logged "ready:" after the first N
# lines of LOG (started, connected and subscribed).
ready_since() { wait_for "${3:-30}" bash -c "tail -n +$(($2 + 1)) '$1' 2>/dev/null | grep -q 'ready:'"; }
# lab_test NAME: a test on run.sh's lab ($SACM_LAB_DIR): L, A (its
# accounts), S (sacmctl, as the operator), W (the test's own, empty work
# directory), H (the hostile client, hostile.py), DOMAIN and ADMIN (the
# grid administrator's JID, its certificate login: accounts/admin.conf).
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lab_test() {
	L=$SACM_LAB_DIR A=$SACM_LAB_DIR/accounts S=$BIN/sacmctl
	W=$SACM_LAB_DIR/$1
	export SACM_CONFIG=$A/ctl.conf
	rm -rf "$W"
	mkdir -p "$W"
	H="/usr/bin/python3 $LIB_DIR/hostile.py"
	DOMAIN=$(sed -n 's/^jid = [^@]*@//p' "$A/ctl.conf")
	ADMIN=$(sed -n 's/^jid = //p' "$A/admin.conf")
}
