#!/usr/bin/env python3
"""Prints "definition-id result" per line, sorted, from an OVAL results
document (oscap oval eval --results), for comparing with vuln_tool eval."""
import sys
import xml.etree.ElementTree as ET

NS = "{http://oval.mitre.org/XMLSchema/oval-results-5}"
root = ET.parse(sys.argv[1]).getroot()
out = sorted("%s %s" % (d.get("definition_id"), d.get("result"))
             for d in root.iter(NS + "definition") if d.get("result"))
print("\n".join(out))
