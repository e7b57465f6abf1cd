#!/usr/bin/env python3
"""Compares the rule results of two documents, each an XCCDF 1.2 result
document (or an ARF) or a SACM Grid <evaluation-result>: every rule must
have the same result in both (rules not selected are left out).  Prints a
summary (counts per result) and each difference; exit 1 if any."""
import sys
import xml.etree.ElementTree as ET

NS = "{http://checklists.nist.gov/xccdf/1.2}"
SACM = "{http://sacm-grid.dev/protocol/1}"


def results(path):
    out = {}
    root = ET.parse(path).getroot()
    if root.tag == SACM + "evaluation-result":
        out = {r.get("id"): r.get("result") for r in root.iter(SACM + "rule")}
    for tr in root.iter(NS + "TestResult"):
        for rr in tr.iter(NS + "rule-result"):
            out[rr.get("idref")] = rr.find(NS + "result").text
    return {k: v for k, v in out.items() if v != "notselected"}


ours, live = results(sys.argv[1]), results(sys.argv[2])
counts = {}
for v in ours.values():
    counts[v] = counts.get(v, 0) + 1
diff = [(k, ours.get(k), live.get(k)) for k in sorted(set(ours) | set(live))
        if ours.get(k) != live.get(k)]
print("%d rules, %s; %d differ" % (len(ours), ", ".join(
    "%s %d" % kv for kv in sorted(counts.items())), len(diff)))
for k, a, b in diff[:20]:
    print("  %s: ours %s, oscap %s" % (k, a, b))
sys.exit(1 if diff or not ours else 0)
