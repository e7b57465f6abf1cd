#!/usr/bin/env bash
# make check's runner.  Each argument is one suite, a command line run
# from the repository root; its exit status says passed (0), skipped (77:
# it could not run here, and said why) or failed (anything else).  At the
# end: a table of every suite and the line "N passed, N failed, N skipped".
#
# A skipped suite is not a passed one: the run fails when any suite
# skipped, unless SACM_ALLOW_SKIP=1 (for a machine that cannot run them,
# by choice; CI never sets it).
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0 skipped=0
table=
for suite in "$@"; do
	echo "== $suite"
	start=$(date +%s)
	bash -c "$suite"
	rc=$?
	secs=$(($(date +%s) - start))
	case $rc in
	0) verdict=pass; passed=$((passed + 1)) ;;
	77) verdict=SKIP; skipped=$((skipped + 1)) ;;
	*) verdict=FAIL; failed=$((failed + 1)) ;;
	esac
	table+=$(printf '%-4s %5ss  %s' "$verdict" "$secs" "$suite")$'\n'
done
echo
echo "== summary"
printf '%s' "$table"
echo "$passed passed, $failed failed, $skipped skipped"
if [ $skipped -gt 0 ] && [ "${SACM_ALLOW_SKIP:-0}" != 1 ]; then
	echo "check: $skipped suite(s) skipped: a skipped suite is not a" \
	    "passed one (SACM_ALLOW_SKIP=1 to accept that here)" >&2
	exit 1
fi
[ $failed = 0 ]
