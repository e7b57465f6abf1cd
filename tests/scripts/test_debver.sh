#!/usr/bin/env bash
# debver.c against dpkg itself (the oracle), over real Debian versions:
# every installed package's (dpkg's status file) and, where apt has
# package lists, a sample of the archive's.  Our order of all of them,
# checked pair by adjacent pair with `dpkg --compare-versions`, and random
# pairs compared both ways (<, =, >).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
T=$PWD/${BUILD:-build}/tests/debver_tool
command -v dpkg >/dev/null || { echo "skip: no dpkg (the oracle)"; exit 77; }
W=$(mktemp -d /tmp/sacm-debver-XXXXXX)
trap 'rm -rf "$W"' EXIT

sed -n 's/^Version: //p' /var/lib/dpkg/status > "$W/all"
for f in /var/lib/apt/lists/*_Packages*; do
	[ -e "$f" ] || continue
	/usr/lib/apt/apt-helper cat-file "$f" 2>/dev/null | sed -n 's/^Version: //p'
done | shuf -n 1000 --random-source=<(yes) >> "$W/all"
sort -u "$W/all" > "$W/versions"
n=$(wc -l < "$W/versions")
check "real versions to compare ($n)" test "$n" -ge 300
# a few that real archives rarely show, each legal
printf '%s\n' 1.0~rc1 1.0 1.0+b1 1:0.9 0:1.0 1.0-0 1.0~ 1.0~~ 1.0~~a \
    1.0a 1.0.0 1.0-1~bpo1 2.30-21 007 7 >> "$W/versions"

"$T" sort < "$W/versions" > "$W/ours"
check "the tool sorts every version" test "$(wc -l < "$W/ours")" = "$(wc -l < "$W/versions")"
# adjacent pairs in our order: dpkg must agree that a <= b
paste -d' ' <(head -n -1 "$W/ours") <(tail -n +2 "$W/ours") > "$W/adjacent"
bad=0
while read -r a b; do
	dpkg --compare-versions "$a" le "$b" 2>/dev/null || { echo "  dpkg: $a > $b"; bad=$((bad + 1)); }
done < "$W/adjacent"
check "our order of $(wc -l < "$W/ours") versions is dpkg's (adjacent pairs)" test $bad = 0

# random pairs: the same answer, <, = or >
paste -d' ' <(shuf --random-source=<(yes 1) "$W/versions") \
    <(shuf --random-source=<(yes 2) "$W/versions") | head -500 > "$W/pairs"
"$T" cmp < "$W/pairs" > "$W/ourcmp"
bad=0
while read -r a b && read -r r <&3; do
	if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then want=-1
	elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then want=0
	else want=1; fi
	[ "$r" = "$want" ] || { echo "  $a vs $b: ours $r, dpkg $want"; bad=$((bad + 1)); }
done < "$W/pairs" 3< "$W/ourcmp"
check "500 random pairs compare as dpkg compares them" test $bad = 0
exit $((fails > 0))
