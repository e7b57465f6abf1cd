# Shared by the integration test scripts: source it.
fails=0
ok() { echo "ok   $1"; }
no() { echo "FAIL $1"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else no "$what"; fi; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p; while :; do p=$((30000 + RANDOM % 20000)); port_free $p && { echo $p; return; }; done; }
wait_for() { local n=$(($1 * 4)); shift; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.25; n=$((n - 1)); done; return 1; }
