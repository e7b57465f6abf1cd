#!/usr/bin/env bash
# Every test script is run by `make check`: each tests/{targets,cluster,
# dashboard,compose}/test_*.sh is named in the Makefile's
# INTEGRATION_SUITES (tests/integration/test_*.sh are run by their
# run.sh, and tests/scripts/test_*.sh by the glob of UNIT_SUITES). A
# suite written and never listed passes nowhere.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
suites=$(make -s -f - print <<'MK'
include Makefile
print: ; @echo $(INTEGRATION_SUITES)
MK
)
missing=
for t in tests/targets/test_*.sh tests/cluster/test_*.sh \
    tests/dashboard/test_*.sh tests/compose/test_*.sh; do
	[ -e "$t" ] || continue
	case " $suites " in *" $t "*) ;; *) missing="$missing $t" ;; esac
done
check "every test script is in make check${missing:+ (missing:$missing)}" test -z "$missing"
check "... and the integration runner too" bash -c "case ' $suites ' in *' tests/integration/run.sh '*) ;; *) exit 1 ;; esac"
exit $((fails > 0))
