#!/usr/bin/env python3
"""A template for sacm-fleet: the first collected posture report of an
endpoint in `sacmctl items sacm/posture --json` output.

usage: fleet_template.py ITEMS_JSON ENDPOINT OUT_XML   (exit 1: none)
"""
import json
import sys
import xml.etree.ElementTree as ET

items, endpoint, out = sys.argv[1:4]
for it in json.load(open(items)):
    r = ET.fromstring(it["payload"])
    if r.get("endpoint") == endpoint and r.get("state") == "collected":
        with open(out, "w") as f:
            f.write(it["payload"])
        sys.exit(0)
sys.exit("no collected posture report of %s" % endpoint)
