#!/usr/bin/env bash
# The evaluator's core against `oscap-chroot TREE xccdf eval`: on the three
# bullseye trees, for the standard and anssi_np_nt28_high profiles and with
# every rule selected, the posture is collected (collect_tool) and then
# evaluated offline (eval_tool); every rule result must equal oscap's live
# one.  The ARF validates and names the endpoint; and the evaluation
# opens none of the host's files that the checks are about.
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$W"' EXIT
"$BIN/sacm-targets" build "$W/t" >/dev/null 2>"$W/build.err" || { cat "$W/build.err"; exit 1; }
DS=/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml
echo 'Dir::Etc::parts "/nonexistent";' > "$W/apt.conf"
mkdir -p "$W/empty"
# (helpers' leaks are checked by the unit tests and test_collect.sh)
export ASAN_OPTIONS=detect_leaks=0

for tree in installed hardened misconfigured; do
	for p in standard anssi_np_nt28_high '(all)'; do
		case $p in '(all)') prof=$p name=all ;; *) prof=xccdf_org.ssgproject.content_profile_$p name=$p ;; esac
		d=$W/$tree-$name
		mkdir -p "$d"
		APT_CONFIG=$W/apt.conf "$BUILD/tests/collect_tool" "$DS" "$prof" "$W/t/$tree" "$d" >/dev/null 2>"$d/collect.err" ||
		    { no "$tree, $name: collection"; cat "$d/collect.err"; continue; }
		OSCAP_PROBE_ROOT=$W/empty EVAL_HOSTNAME=target-$tree EVAL_ENDPOINT=$(cat "$W/t/$tree/etc/machine-id") \
		    strace -f -qq -e trace=open,openat,stat,lstat,newfstatat,access -o "$d/strace.log" \
		    "$BUILD/tests/eval_tool" "$DS" "$prof" "$d/syschar.xml" "$d/cpe-syschar.xml" "$d" >/dev/null 2>"$d/eval.err" ||
		    { no "$tree, $name: evaluation"; cat "$d/eval.err"; continue; }
		APT_CONFIG=$W/apt.conf oscap-chroot "$W/t/$tree" xccdf eval --profile "$prof" \
		    --results "$d/live.xml" "$DS" >/dev/null 2>&1
		sum=$(/usr/bin/python3 tests/targets/cmp_rules.py "$d/xccdf.xml" "$d/live.xml"); rc=$?
		check "$tree, $name: every rule result equals oscap-chroot's (${sum%%$'\n'*})" test $rc = 0
		[ $rc = 0 ] || echo "$sum"
	done
done

# A tailored profile that changes values (tests/targets/tailoring-
# password-ages.xml): the same tailoring goes to the plan, the evaluation
# and oscap.
TL=$PWD/tests/targets/tailoring-password-ages.xml
prof=xccdf_dev.sacm-grid_profile_password_ages
d=$W/tailored
mkdir -p "$d"
APT_CONFIG=$W/apt.conf "$BUILD/tests/collect_tool" "$DS" "$prof" "$W/t/hardened" "$d" "$TL" >/dev/null 2>"$d/collect.err" || cat "$d/collect.err"
OSCAP_PROBE_ROOT=$W/empty "$BUILD/tests/eval_tool" "$DS" "$prof" "$d/syschar.xml" "$d/cpe-syschar.xml" "$d" "$TL" >/dev/null 2>"$d/eval.err" || cat "$d/eval.err"
APT_CONFIG=$W/apt.conf oscap-chroot "$W/t/hardened" xccdf eval --tailoring-file "$TL" --profile "$prof" \
    --results "$d/live.xml" "$DS" >/dev/null 2>&1
sum=$(/usr/bin/python3 tests/targets/cmp_rules.py "$d/xccdf.xml" "$d/live.xml"); rc=$?
check "hardened, tailored profile: every rule result equals oscap-chroot's (${sum%%$'\n'*})" test $rc = 0
check "... the tailored value reached the OVAL variables" bash -c "grep -A1 'oval:ssg-var_accounts_minimum_age_login_defs:var:1' '$d/variables.xml' | grep -q '<value>1</value>'"
check "... and decides the rule (minimum age 1 passes; the default, 7, would fail)" \
    grep -q "content_rule_accounts_minimum_age_login_defs' result='pass'" "$d/rules.xml"

d=$W/misconfigured-all
check "the ARF passes oscap ds rds-validate" oscap ds rds-validate "$d/arf.xml"
check "... its target is the endpoint, not this host" grep -q "<target>target-misconfigured</target>" "$d/arf.xml"
check "... as is its asset" grep -q "<ai:hostname>target-misconfigured</ai:hostname>" "$d/arf.xml"
# (the Debian 11 content has no CCE identifiers; test_evaluate.c checks them)
check "the rule results carry titles and severities" \
    grep -q "<rule id='xccdf_org.ssgproject.content_rule_file_permissions_etc_passwd' result='fail' severity='medium' title='Verify Permissions on passwd File'>" "$d/rules.xml"
# Once the evaluator runs (after the dynamic loader), it opens none of the
# files the collection read: the posture is all it looks at.
check "the evaluation opens none of the host's files that the checks read" /usr/bin/python3 - "$d/strace.log" "$d/watch.txt" "$DS" <<'P'
import re, sys
log, watch, ds = open(sys.argv[1]).read().splitlines(), open(sys.argv[2]).read().split("\n"), sys.argv[3]
files = {l[2:] for l in watch if l.startswith("F ")}
dirs = {l[2:] for l in watch if l.startswith("D ")}
started, bad = False, []
for l in log:
    m = re.search(r'"(/[^"]*)"', l)
    if not m:
        continue
    p = m.group(1)
    if p == ds:
        started = True
    if started and (p in files or (p in dirs and p != "/")):
        bad.append(p)
if bad:
    print("opened on the host:", sorted(set(bad)))
sys.exit(1 if bad or not started else 0)
P
exit $((fails > 0))
