#!/usr/bin/env bash
# The authorization matrix (tests/integration/authz.py, slixmpp): every
# role's account and a stranger x every topic x publish, retract own,
# retract another's, retrieve, subscribe, purge, configure, delete,
# compared cell by cell with the topic table of docs/protocol.md.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
/usr/bin/python3 tests/integration/authz.py "$SACM_LAB_DIR" docs/protocol.md 2>&1 |
    grep -v stringprep > "$SACM_LAB_DIR/authz.out"
rc=${PIPESTATUS[0]}
cat "$SACM_LAB_DIR/authz.out"
check "every cell of the matrix is what docs/protocol.md says" test "$rc" = 0
exit $((fails > 0))
