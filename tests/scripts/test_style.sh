#!/usr/bin/env bash
# What the tree's style can check mechanically (../shared/STYLE.md; the
# KNF of OpenBSD's style(9), which clang-format cannot reproduce, so the
# tree has no formatter configuration):
#   - no C file over 800 lines (one concept per file);
#   - no trailing white space, no spaces before a tab in C;
#   - lines over 80 columns (tabs of 8) only fewer over time: the count
#     may not grow past LONG_LINES_MAX, which goes down as they are fixed;
#   - no XML built by printf of a value into an attribute (buf_add_attr
#     escapes; the name check in buf.c refuses a bad name).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
LONG_LINES_MAX=72

c_files=$(git ls-files 'shared/*.[ch]' 'services/*.[ch]' 'tests/*.[ch]' \
    'bench/*.[ch]' 2>/dev/null || find shared services tests bench -name '*.[ch]')
big=$(for f in $c_files; do n=$(wc -l < "$f"); [ "$n" -gt 800 ] && echo "$f ($n)"; done)
check "no C file over 800 lines${big:+: $big}" test -z "$big"
trailing=$(grep -nE '[[:space:]]+$' $c_files | head -5)
check "no trailing white space${trailing:+: $trailing}" test -z "$trailing"
spacetab=$(grep -nP '^\t* +\t' $c_files | head -5)
check "no spaces before a tab${spacetab:+: $spacetab}" test -z "$spacetab"
long=$(for f in $c_files; do expand -t8 "$f" | awk 'length > 80'; done | wc -l)
check "lines over 80 columns: $long, at most $LONG_LINES_MAX" test "$long" -le "$LONG_LINES_MAX"
attr=$(grep -nE "buf_printf\([^,]+, \" ?%s='\"" $c_files | head -5)
check "no attribute written with printf of a name and a value${attr:+: $attr}" test -z "$attr"
exit $((fails > 0))
