#!/usr/bin/env python3
"""Compares the rule results of two XCCDF 1.2 result documents (or ARFs):
every rule-result idref must have the same result in both.  Prints a
summary (counts per result) and each difference; exit 1 if any."""
import sys
import xml.etree.ElementTree as ET

NS = "{http://checklists.nist.gov/xccdf/1.2}"


def results(path):
    out = {}
    for tr in ET.parse(path).getroot().iter(NS + "TestResult"):
        for rr in tr.iter(NS + "rule-result"):
            out[rr.get("idref")] = rr.find(NS + "result").text
    return out


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
