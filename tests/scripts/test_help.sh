#!/usr/bin/env bash
# Every program's --help and --version, and every sacmctl command's
# --help: exit 0, something on stdout, nothing on stderr (a newcomer's
# first command must not print shell errors).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
BIN=$PWD/${BUILD:-build}/bin
W=$(mktemp -d /tmp/sacm-help-XXXXXX)
trap 'rm -rf "$W"' EXIT

clean() {	# clean WHAT CMD...: exit 0, stdout not empty, stderr empty
	local what=$1; shift
	"$@" > "$W/out" 2> "$W/err" < /dev/null
	local rc=$?
	if [ $rc = 0 ] && [ -s "$W/out" ] && [ ! -s "$W/err" ]; then
		ok "$what"
	else
		no "$what (exit $rc)"; head -5 "$W/err"
	fi
}

progs=$(cd "$BIN" && ls)
check "programs built" [ -n "$progs" ]
for p in $progs; do
	clean "$p --help" "$BIN/$p" --help
	clean "$p --version" "$BIN/$p" --version
	check "$p --version names it" grep -q "^$p [0-9]" "$W/out"
done
cmds=$("$BIN/sacmctl" --help | sed -n 's/^  \([a-z]\+\)\b.*/\1/p' | sort -u)
check "sacmctl lists its commands" [ "$(echo "$cmds" | wc -w)" -ge 20 ]
for c in $cmds; do
	clean "sacmctl $c --help" "$BIN/sacmctl" "$c" --help
done
# A bad option is a usage error: exit 2, said on stderr.
"$BIN/sacmctl" --no-such-option > "$W/out" 2> "$W/err"
check "sacmctl: bad option exits 2 with a message" [ $? = 2 -a -s "$W/err" ]
"$BIN/sacm-lab" no-such-command > "$W/out" 2> "$W/err"
check "sacm-lab: bad command exits 2 with a message" [ $? = 2 -a -s "$W/err" ]
[ $fails = 0 ]
