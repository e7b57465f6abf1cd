#!/usr/bin/env bash
# Target trees: real debootstrap from the configured mirror, three
# configurations that oscap (run offline on each tree, as oscap-chroot
# does) tells apart in the intended order.
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$W"' EXIT
DS=/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml

want=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
[ -n "$want" ] || want=$(awk '$1=="deb" && !/security/ {print $2; exit}' /etc/apt/sources.list)
check "the mirror is the one apt uses ($want)" test "$("$BIN/sacm-targets" mirror)" = "$want"

"$BIN/sacm-targets" build "$W/t" > "$W/build.out" 2> "$W/build.err" || { cat "$W/build.err"; no "build"; }
for t in installed hardened misconfigured; do
	check "$t: a Debian 11 tree" grep -q '^11\.' "$W/t/$t/etc/debian_version"
done
check "each tree has its own machine-id" test "$(cat "$W/t"/*/etc/machine-id | sort -u | wc -l)" = 3

# The dpkginfo probe reads the host's apt configuration; with Docker-style
# settings (Dir::Cache::pkgcache "") it fails inside the tree and package
# rules come out wrong.  Without the host's parts it reads the tree's.
echo 'Dir::Etc::parts "/nonexistent";' > "$W/apt.conf"
count() {	# tree result
	APT_CONFIG=$W/apt.conf oscap-chroot "$W/t/$1" xccdf eval \
	    --profile standard "$DS" 2>/dev/null |
	    grep -c "^Result.*[[:space:]]$2\$"
}
pi=$(count installed pass) ph=$(count hardened pass) pm=$(count misconfigured pass)
fi=$(count installed fail) fh=$(count hardened fail) fm=$(count misconfigured fail)
echo "     pass/fail: installed $pi/$fi, hardened $ph/$fh, misconfigured $pm/$fm"
check "hardened passes more rules than installed, installed more than misconfigured" \
    test "$ph" -gt "$pi" -a "$pi" -gt "$pm"
check "misconfigured fails more rules than installed, installed more than hardened" \
    test "$fm" -gt "$fi" -a "$fi" -gt "$fh"

"$BIN/sacm-targets" build "$W/t" 2> "$W/again.err" >/dev/null
check "a second build keeps the trees" test "$(grep -c 'exists; kept' "$W/again.err")" = 3
exit $((fails > 0))
