#!/usr/bin/env bash
# Fleet scale: no query of a daemon reads a whole table that grows with
# the fleet or with time.  Every SQL text the services give db_prep() or
# db_count() (string literals joined, string macros expanded) is put to
# sqlite's EXPLAIN QUERY PLAN on each service's real schema, made by its
# own migrations (build/tests/schema_tool); a full scan of a table below
# fails, unless the query is one of the few listed here with the reason.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/sacm-query-plans-XXXXXX)
trap 'rm -rf "$W"' EXIT
check "every service's database is made by its migrations" "$BUILD/tests/schema_tool" "$W"
/usr/bin/python3 - "$W" > "$W/out.txt" <<'P'
import glob, os, re, sqlite3, sys
# Tables that grow with the endpoints or with time.
BIG = {"assessment", "endpoint", "record", "report", "doc", "package",
       "approval", "evaluation", "result", "current", "incident",
       "feed_entry", "submission", "vuln_targeted", "vuln_inventory",
       "vuln_eval", "vuln_scan", "vuln_finding", "vuln_finding_cve",
       "request"}
# Reviewed scans, each with why it is fine.
ALLOWED = {
    "FROM record ORDER BY seq DESC LIMIT 1": "rowid order: the last record",
    "FROM record ORDER BY seq": "sacmctl audit verify reads the whole chain",
    "FROM endpoint WHERE ?1 IS NULL OR approval = ?1 ORDER BY updated":
        "an operator's list (at most 10000 rows), not the hot path",
    "FROM endpoint WHERE approval = 'approved'":
        "a new targeted document of vulnerability definitions: a row per "
        "approved endpoint, once per document (orch_vuln.c)",
}
lit = r'"(?:[^"\\]|\\.)*"'
def strings(text):
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', text))
n = bad = 0
for d in sorted(glob.glob("services/*/")):
    svc = os.path.basename(d.rstrip("/"))
    db = os.path.join(sys.argv[1], svc + ".sqlite")
    if not os.path.exists(db):
        continue
    con = sqlite3.connect(db)
    macros = {}
    for f in glob.glob(d + "*.[ch]"):
        for m in re.finditer(r'#define\s+(\w+)\s+((?:%s\s*(?:\\\n\s*)?)+)' % lit,
                             open(f).read()):
            macros[m.group(1)] = strings(m.group(2))
    for f in sorted(glob.glob(d + "*.c")):
        src = open(f).read()
        for m in re.finditer(r'\b(?:db_prep|db_count)\s*\(\s*[^,()]+,\s*((?:%s\s*|[A-Z][A-Z_]+\s*)+)' % lit, src):
            sql = ""
            for s, mac in re.findall(r'"((?:[^"\\]|\\.)*)"|([A-Z][A-Z_]+)', m.group(1)):
                sql += s if s else macros.get(mac, "@" + mac + "@")
            line = src.count("\n", 0, m.start()) + 1
            if "%" in sql or "@" in sql:
                print("skip %s:%d: built at run time" % (f, line))
                continue
            plan = None
            for k in range(0, 64):
                try:
                    plan = con.execute("EXPLAIN QUERY PLAN " + sql, [None] * k).fetchall()
                    break
                except sqlite3.ProgrammingError:
                    continue
            if plan is None:
                print("FAIL %s:%d: sqlite cannot plan it: %s" % (f, line, sql[:120]))
                bad += 1
                continue
            n += 1
            for row in plan:
                step = row[3]
                t = re.match(r"SCAN (\w+)$", step)
                if not t or t.group(1) not in BIG:
                    continue
                why = [w for k2, w in ALLOWED.items() if k2 in sql]
                if why:
                    print("allowed %s:%d: %s (%s)" % (f, line, step, why[0]))
                else:
                    print("FAIL %s:%d: %s: %s" % (f, line, step, sql[:160]))
                    bad += 1
print("%d queries planned, %d scanning a growing table" % (n, bad))
sys.exit(1 if bad else 0)
P
rc=$?
grep -v '^allowed\|^skip' "$W/out.txt"
check "no query scans a table that grows with the fleet ($(tail -1 "$W/out.txt"))" test $rc = 0
n=$(tail -1 "$W/out.txt" | awk '{print $1}')
check "... and the queries were found (${n:-0} of them)" test "${n:-0}" -ge 80
exit $((fails > 0))
