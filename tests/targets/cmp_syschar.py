#!/usr/bin/python3
"""Compares two OVAL system-characteristics files, ours and the reference
(oscap oval collect over the same OVAL document):

    cmp_syschar.py OURS REF [OVAL DEFS]

Every object of ours must be in the reference with the same flag and the
same items (item ids differ between files, so items are compared by
content, without the access times, which the probes themselves change).

What must be in ours: with OVAL and DEFS (the definitions the plan chose,
one id a line), every object those definitions reach in OVAL (through
tests, states, filters, variables and extended definitions), worked out
here from the OVAL document itself; without them, every object of the
reference.  The members of a <set> are not objects of their own: the
set object carries their items, as oscap's own collection records it.
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


def reachable_objects(oval_path, defs):
    """The objects the definitions need, by following every reference."""
    root = ET.parse(oval_path).getroot()
    by_id = {}
    for e in root.iter():
        i = e.get("id")
        if i and ":" in i:
            by_id.setdefault(i, e)
    seen, todo = set(), list(defs)
    while todo:
        i = todo.pop()
        if i in seen or i not in by_id:
            continue
        seen.add(i)
        for e in by_id[i].iter():
            for k, v in e.attrib.items():
                if k.endswith("_ref"):
                    todo.append(v)
            tag = e.tag.split("}")[-1]
            if tag == "filter" and e.text:
                todo.append(e.text.strip())
    return {i for i in seen if ":obj:" in i}


ours, ref = load(sys.argv[1]), load(sys.argv[2])
if len(sys.argv) > 4:
    defs = open(sys.argv[4]).read().split()
    want = reachable_objects(sys.argv[3], defs)
    what = "planned objects"
else:
    want = set(ref)
    what = "objects of the reference"
bad = 0
for oid, (flag, refs) in ours.items():
    if oid not in ref:
        print("missing in reference:", oid); bad += 1
    elif ref[oid] != (flag, refs):
        print("differs:", oid, flag, len(refs), "vs", ref[oid][0], len(ref[oid][1])); bad += 1
for oid in sorted(want - set(ours)):
    print("not collected:", oid); bad += 1
if not ours or not want:
    print("nothing to compare: ours %d, %s %d" % (len(ours), what, len(want))); bad += 1
print("%d objects compared (%d %s), %d differ, %d items" % (
    len(ours), len(want), what, bad, sum(len(r) for _, r in ours.values())))
sys.exit(1 if bad else 0)
