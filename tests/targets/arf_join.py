#!/usr/bin/python3
"""The ARF of a SACM Grid <evaluation-result>, joined as the results
repository joins it: the skeleton blob with each shared <part> put back at
its offset, every blob downloaded (and verified) by `sacmctl blob get`,
every part and the whole checked against the sha256 and size named.

usage: arf_join.py RESULT.xml OUT.xml SACMCTL
Prints the parts' hrefs, one per line, and exits 1 on any mismatch."""
import hashlib, os, subprocess, sys, tempfile
import xml.etree.ElementTree as ET

S = "{http://sacm-grid.dev/protocol/1}"


def get(blob, sacmctl, tmp):
    ref = os.path.join(tmp, "ref.xml")
    out = os.path.join(tmp, "out")
    with open(ref, "wb") as f:
        f.write(ET.tostring(blob))
    subprocess.run([sacmctl, "blob", "get", ref, "-o", out], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return open(out, "rb").read()


def main():
    item, dest, sacmctl = sys.argv[1:4]
    arf = ET.parse(item).getroot().find(S + "arf")
    with tempfile.TemporaryDirectory() as tmp:
        skel = get(arf.find(S + "blob"), sacmctl, tmp)
        whole, at = b"", 0
        for p in arf.findall(S + "part"):
            data = get(p.find(S + "blob"), sacmctl, tmp)
            if hashlib.sha256(data).hexdigest() != p.get("sha256") or \
                    len(data) != int(p.get("size")):
                sys.exit("part %s: not the bytes named" % p.get("sha256"))
            off = int(p.get("at"))
            whole += skel[at:off] + data
            at = off
            print(p.find(S + "blob").get("href"))
        whole += skel[at:]
    if arf.get("sha256") and (hashlib.sha256(whole).hexdigest() !=
                              arf.get("sha256") or
                              len(whole) != int(arf.get("size"))):
        sys.exit("the joined ARF is not the one named")
    open(dest, "wb").write(whole)


main()
