#!/usr/bin/env bash
# An independent client (slixmpp) and our library read each other's items.
set -euo pipefail
A=$SACM_LAB_DIR/accounts
ours=ours-$$-$RANDOM theirs=theirs-$$-$RANDOM
echo "<probe xmlns='urn:test:interop'>$ours</probe>" > "$SACM_LAB_DIR/ours.xml"
"$BIN/sacmctl" -c "$A/results-repo.conf" publish sacm/results "$SACM_LAB_DIR/ours.xml" --id "$ours" >/dev/null
/usr/bin/python3 "$(dirname "$0")/interop.py" "$A/results-repo.conf" "$ours" "$theirs"
out=$("$BIN/sacmctl" -c "$A/dashboard.conf" items sacm/results --id "$theirs" --json)
case "$out" in
*"\"id\":\"$theirs\""*"urn:test:interop"*"$theirs"*) echo "ok   sacmctl read the item slixmpp published" ;;
*) echo "FAIL sacmctl did not read $theirs: $out"; exit 1 ;;
esac
