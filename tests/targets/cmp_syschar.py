#!/usr/bin/python3
"""Compares two OVAL system-characteristics files, ours and the reference
(oscap oval collect over the same OVAL definitions, so every object that
was planned): the same objects both ways, each with the same flag and the
same items (item ids differ between files, so items are compared by
content, without the access times, which the probes themselves change).
An empty collection is a failure, not a match."""
import sys
import xml.etree.ElementTree as ET

SC = "{http://oval.mitre.org/XMLSchema/oval-system-characteristics-5}"

def load(path):
    root = ET.parse(path).getroot()
    items = {}
    for it in root.find(SC + "system_data") or []:
        c = ET.Element(it.tag, {k: v for k, v in it.attrib.items() if k != "id"})
        # Access times move as the probes read the files.
        c.extend([e for e in it if not e.tag.endswith("}a_time")])
        items[it.get("id")] = ET.tostring(c)
    objs = {}
    for o in root.find(SC + "collected_objects"):
        refs = sorted(items[r.get("item_ref")] for r in o.findall(SC + "reference"))
        objs[o.get("id")] = (o.get("flag"), refs)
    return objs

ours, ref = load(sys.argv[1]), load(sys.argv[2])
bad = 0
for oid, (flag, refs) in ours.items():
    if oid not in ref:
        print("missing in reference:", oid); bad += 1
    elif ref[oid] != (flag, refs):
        print("differs:", oid, flag, len(refs), "vs", ref[oid][0], len(ref[oid][1])); bad += 1
for oid in ref:
    if oid not in ours:
        print("missing in ours:", oid); bad += 1
if not ref or not ours:
    print("no objects: ours %d, reference %d" % (len(ours), len(ref))); bad += 1
print("%d objects compared, %d differ, %d items" % (len(ours), bad, sum(len(r) for _, r in ours.values())))
sys.exit(1 if bad else 0)
