#!/usr/bin/env python3
"""Generates vulnerability OVAL definitions in the form Debian's security
tracker publishes (https://www.debian.org/security/oval/
oval-definitions-<release>.xml): one definition per CVE and source
package, class "vulnerability", a release check on /etc/debian_version, an
architecture check (uname) and a dpkginfo test "<package> is earlier than
<fixed version>" (evr, debian_evr_string, less than).

No Debian package ships this content and the test machines cannot download
it, so the tests and the benchmark use this.  A deployment uses Debian's
own files (https://www.debian.org/security/oval/), which have this form,
through `sacmctl vuln publish FILE` or a ROLIE feed of information-type
vulnerability (`sacmctl feeds add URL --type vulnerability`; see
docs/architecture.md, Vulnerabilities).

usage:
  vuln-oval-gen.py lab STATUS... > defs.xml
      for the packages of these dpkg status files: fixed versions above and
      below the installed ones (some definitions true, some false), with
      epochs, tildes and a source name that is not an installed binary
  vuln-oval-gen.py large N [STATUS...] > defs.xml
      N definitions (Debian's bullseye file has about 40,000), over the
      packages of the status files and made-up names, deterministic
"""
import random
import sys
from xml.sax.saxutils import escape, quoteattr

RELEASE = "11"
NS = {
    "": "http://oval.mitre.org/XMLSchema/oval-definitions-5",
    "oval": "http://oval.mitre.org/XMLSchema/oval-common-5",
    "ind-def": "http://oval.mitre.org/XMLSchema/oval-definitions-5#independent",
    "linux-def": "http://oval.mitre.org/XMLSchema/oval-definitions-5#linux",
    "unix-def": "http://oval.mitre.org/XMLSchema/oval-definitions-5#unix",
}


def packages(paths):
    """(name, version, source) of the installed packages."""
    out = []
    for path in paths:
        for para in open(path, encoding="utf-8", errors="replace").read().split("\n\n"):
            f = {}
            for line in para.splitlines():
                if line[:1] not in (" ", "\t") and ":" in line:
                    k, v = line.split(":", 1)
                    f[k] = v.strip()
            if "Package" in f and "installed" in f.get("Status", ""):
                src = f.get("Source", f["Package"]).split(" ")[0]
                out.append((f["Package"], f["Version"], src))
    return sorted(set(out))


def bump(v):
    """A version just above v."""
    return v + "+sacm1"


def below(v):
    """A version just below v: a tilde sorts before everything."""
    return v + "~sacm1"


def epoch_up(v):
    """v with an epoch one higher: above v whatever the rest."""
    if ":" in v:
        e, rest = v.split(":", 1)
        return "%d:%s" % (int(e) + 1, rest)
    return "1:" + v


def lab_cases(pkgs):
    """(cve, package name in the tests, fixed version) per definition."""
    cases = []
    n = 0
    for i, (name, ver, src) in enumerate(pkgs):
        if i % 3:
            continue
        n += 1
        kind = n % 5
        if kind == 0:
            fixed = bump(ver)              # installed < fixed: true
        elif kind == 1:
            fixed = below(ver)             # fixed ~ below: false
        elif kind == 2:
            fixed = epoch_up(ver)          # an epoch: true
        elif kind == 3:
            fixed = ver                    # fixed in this very version: false
        else:
            fixed = "0:" + bump(ver.split(":", 1)[-1]) if ":" not in ver else bump(ver)
        cases.append(("CVE-2099-%04d" % n, name, fixed))
        if src != name:
            # the tracker names source packages; dpkginfo matches binary
            # names, so this one is true only where the source package is
            # installed as a binary of the same name
            n += 1
            cases.append(("CVE-2099-%04d" % n, src, bump(ver)))
    cases.append(("CVE-2099-9998", "sacm-not-installed", "1.0-1"))
    cases.append(("CVE-2099-9999", "sacm-not-installed-either", "0"))
    return cases


def large_cases(n, pkgs):
    rnd = random.Random(8322)
    names = [p[0] for p in pkgs] or ["bash"]
    cases = []
    for i in range(n):
        if pkgs and i % 4 == 0:
            name, ver, _ = pkgs[rnd.randrange(len(pkgs))]
            fixed = bump(ver) if rnd.random() < 0.5 else below(ver)
        else:
            name = "pkg%05d" % rnd.randrange(20000) if i % 4 != 1 else rnd.choice(names)
            fixed = "%d.%d-%d" % (rnd.randrange(10), rnd.randrange(20), rnd.randrange(5))
        cases.append(("CVE-%d-%05d" % (2000 + i // 10000, i % 100000), name, fixed))
    return cases


def severity(i):
    """Debian's files carry none; Ubuntu's and Red Hat's say it in an
    <advisory/>: every fourth definition gets one, so both forms are
    exercised."""
    if i % 4:
        return ""
    return ("        <advisory>\n          <severity>%s</severity>\n        </advisory>\n"
            % ("low", "medium", "high", "critical")[(i // 4) % 4])


def write(cases, out):
    w = out.write
    w('<?xml version="1.0" encoding="UTF-8"?>\n<oval_definitions')
    for p, uri in NS.items():
        w(' xmlns%s="%s"' % (":" + p if p else "", uri))
    w('>\n  <generator>\n    <oval:product_name>Debian</oval:product_name>\n'
      '    <oval:schema_version>5.11.2</oval:schema_version>\n'
      '    <oval:timestamp>2026-12-01T00:00:00</oval:timestamp>\n  </generator>\n'
      '  <definitions>\n')
    for i, (cve, name, fixed) in enumerate(cases):
        w('    <definition class="vulnerability" id="oval:org.debian:def:%d" version="1">\n'
          '      <metadata>\n        <title>%s %s</title>\n'
          '        <affected family="unix">\n          <platform>Debian GNU/Linux %s</platform>\n'
          '          <product>%s</product>\n        </affected>\n'
          '        <reference ref_id="%s" ref_url="https://security-tracker.debian.org/tracker/%s" source="CVE"/>\n'
          '        <description>%s: generated for SACM Grid tests</description>\n'
          '        <debian>\n          <moreinfo>generated</moreinfo>\n        </debian>\n'
          '%s'
          '      </metadata>\n'
          '      <criteria comment="Release section" operator="AND">\n'
          '        <criterion comment="Debian %s is installed" test_ref="oval:org.debian.oval:tst:1"/>\n'
          '        <criteria comment="Architecture section" operator="OR">\n'
          '          <criteria comment="Architecture independent section" operator="AND">\n'
          '            <criterion comment="all architecture" test_ref="oval:org.debian.oval:tst:2"/>\n'
          '            <criterion comment="%s DPKG is earlier than %s" test_ref="oval:org.debian.oval:tst:%d"/>\n'
          '          </criteria>\n        </criteria>\n      </criteria>\n    </definition>\n'
          % (1000000 + i, escape(cve), escape(name), RELEASE, escape(name), cve, cve,
             escape(cve), severity(i), RELEASE, escape(name), escape(fixed), 3 + i))
    w('  </definitions>\n  <tests>\n'
      '    <ind-def:textfilecontent54_test check="all" check_existence="at_least_one_exists" '
      'comment="Debian GNU/Linux %s is installed" id="oval:org.debian.oval:tst:1" version="1">\n'
      '      <ind-def:object object_ref="oval:org.debian.oval:obj:1"/>\n'
      '      <ind-def:state state_ref="oval:org.debian.oval:ste:1"/>\n'
      '    </ind-def:textfilecontent54_test>\n'
      '    <unix-def:uname_test check="all" check_existence="all_exist" '
      'comment="Installed architecture is all" id="oval:org.debian.oval:tst:2" version="1">\n'
      '      <unix-def:object object_ref="oval:org.debian.oval:obj:2"/>\n'
      '    </unix-def:uname_test>\n' % RELEASE)
    for i, (cve, name, fixed) in enumerate(cases):
        w('    <linux-def:dpkginfo_test check="all" check_existence="all_exist" '
          'comment=%s id="oval:org.debian.oval:tst:%d" version="1">\n'
          '      <linux-def:object object_ref="oval:org.debian.oval:obj:%d"/>\n'
          '      <linux-def:state state_ref="oval:org.debian.oval:ste:%d"/>\n'
          '    </linux-def:dpkginfo_test>\n'
          % (quoteattr("%s is earlier than %s" % (name, fixed)), 3 + i, 3 + i, 2 + i))
    w('  </tests>\n  <objects>\n'
      '    <ind-def:textfilecontent54_object id="oval:org.debian.oval:obj:1" version="1">\n'
      '      <ind-def:path>/etc</ind-def:path>\n'
      '      <ind-def:filename>debian_version</ind-def:filename>\n'
      '      <ind-def:pattern operation="pattern match">(\\d+)\\.\\d</ind-def:pattern>\n'
      '      <ind-def:instance datatype="int">1</ind-def:instance>\n'
      '    </ind-def:textfilecontent54_object>\n'
      '    <unix-def:uname_object id="oval:org.debian.oval:obj:2" version="1"/>\n')
    for i, (cve, name, fixed) in enumerate(cases):
        w('    <linux-def:dpkginfo_object id="oval:org.debian.oval:obj:%d" version="1">\n'
          '      <linux-def:name>%s</linux-def:name>\n'
          '    </linux-def:dpkginfo_object>\n' % (3 + i, escape(name)))
    w('  </objects>\n  <states>\n'
      '    <ind-def:textfilecontent54_state id="oval:org.debian.oval:ste:1" version="1">\n'
      '      <ind-def:subexpression operation="equals">%s</ind-def:subexpression>\n'
      '    </ind-def:textfilecontent54_state>\n' % RELEASE)
    for i, (cve, name, fixed) in enumerate(cases):
        evr = fixed if ":" in fixed else "0:" + fixed
        w('    <linux-def:dpkginfo_state id="oval:org.debian.oval:ste:%d" version="1">\n'
          '      <linux-def:evr datatype="debian_evr_string" operation="less than">%s</linux-def:evr>\n'
          '    </linux-def:dpkginfo_state>\n' % (2 + i, escape(evr)))
    w('  </states>\n</oval_definitions>\n')


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "lab":
        write(lab_cases(packages(sys.argv[2:])), sys.stdout)
    elif len(sys.argv) >= 3 and sys.argv[1] == "large":
        write(large_cases(int(sys.argv[2]), packages(sys.argv[3:])), sys.stdout)
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
