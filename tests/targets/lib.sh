# Shared by tests/targets/*.sh (source it first): the repository root as
# working directory, BIN, check/wait_for (tests/integration/lib.sh), a
# skip (exit 77) without root (the target trees need debootstrap), and a fresh work
# directory W readable by the lab's unprivileged broker.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
. tests/integration/lib.sh
if [ "$(id -u)" != 0 ]; then
	echo "skip: target trees need root (debootstrap)"
	exit 77
fi
W=$(mktemp -d "/tmp/sacm-$(basename "$0" .sh)-XXXXXX")
chmod 755 "$W"
