#!/usr/bin/env bash
# Per-account limits at the broker (RFC 8600 section 8.3.2; sacm-lab's
# Prosody mod_limits and ejabberd shaper, CLIENT_KBPS), on the lab of
# run.sh, both brokers, with slixmpp (hostile.py):
#  - one collector account floods (10,000 publishes as fast as it can);
#  - the broker answers it no faster than the limit allows (the bound is
#    computed from the limit and the stanza size, not from this machine);
#  - meanwhile another collector's publishes take about what they took
#    before the flood.
# The figures (the other collector's round trip with and without the
# flood, and how much of the flood got through) are printed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lab_test flood-test
KBPS=$(sed -n 's/^CLIENT_KBPS=\([0-9]*\).*/\1/p' "$BIN/sacm-lab")
BURST=$(sed -n 's/.*CLIENT_BURST_S=\([0-9]*\).*/\1/p' "$BIN/sacm-lab")
WINDOW=15
median() { sed -n 's/.*latency median \([0-9]*\) ms.*/\1/p' "$1"; }

$H latency "$A/collector-1.conf" sacm/endpoints 20 > "$W/before.out" 2>/dev/null
before=$(median "$W/before.out")
check "another collector's publishes, before: median ${before:-?} ms" test -n "$before"
$H flood "$A/collector-2.conf" sacm/endpoints 10000 $WINDOW > "$W/flood.out" 2>/dev/null &
fp=$!
wait_for 20 grep -q "flood of 10000 publishes sent" "$W/flood.out"
sleep 2
$H latency "$A/collector-1.conf" sacm/endpoints 20 > "$W/during.out" 2>/dev/null
during=$(median "$W/during.out")
wait $fp
read -r got secs size <<< "$(sed -n 's/.*: \([0-9]*\) of 10000 answered in \([0-9.]*\) s, \([0-9]*\) bytes each/\1 \2 \3/p' "$W/flood.out")"
echo "     (flood: ${got:-?} of 10000 publishes answered in ${secs:-?} s; the other collector: median ${before:-?} ms before, ${during:-?} ms during)"
# The most the limit lets through: the burst and the rate over the
# window, in stanzas of this size (TLS and the login cost more, so this
# is an upper bound), with a margin of a quarter.
bound=$(( (KBPS * 1000 * (WINDOW + BURST)) / ${size:-1} * 5 / 4 ))
check "the flooding account is held to its limit (${got:-?} answered, at most $bound)" \
    test -n "$got" -a "${got:-0}" -le "$bound" -a "${got:-0}" -gt 0
check "the other collector is not slowed (median ${during:-?} ms, before ${before:-?} ms)" \
    test -n "$during" -a "${during:-99999}" -le $(( before * 5 > before + 200 ? before * 5 : before + 200 ))
exit $((fails > 0))
