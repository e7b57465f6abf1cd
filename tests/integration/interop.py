#!/usr/bin/python3
"""Interoperability: slixmpp, an XMPP library we did not write, against
the grid that our library set up.

usage: interop.py CONF ITEM_TO_READ ITEM_TO_PUBLISH
  CONF is an account file written by sacm-lab (jid, password_file, ...).
It discovers the topics (XEP-0030) and their pubsub#type, reads the item
ITEM_TO_READ on sacm/results (published by sacmctl), and publishes
ITEM_TO_PUBLISH there for sacmctl to read.  Exit 0 only if all worked."""
import asyncio
import logging
import sys
import xml.etree.ElementTree as ET

import slixmpp

from labconf import pubsub_service, read_conf

EXPECTED = {
    "sacm/policy/submissions", "sacm/policy", "sacm/endpoints",
    "sacm/endpoints/approvals",
    "sacm/assessments", "sacm/collection/requests", "sacm/posture",
    "sacm/posture/stored", "sacm/evaluation/requests",
    "sacm/evaluation/results", "sacm/results", "sacm/incidents",
}


class Probe(slixmpp.ClientXMPP):
    def __init__(self, conf, to_read, to_publish):
        # SCRAM only: Prosody offers EXTERNAL too (labconf.client)
        super().__init__(conf["jid"], open(conf["password_file"]).read().strip(),
                         sasl_mech="SCRAM-SHA-256")
        self.service = pubsub_service(conf)
        self.to_read, self.to_publish = to_read, to_publish
        self.failures = []
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0060")
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("failed_auth", lambda e: self.fail("auth failed"))

    def fail(self, why):
        self.failures.append(why)
        print("interop: FAIL", why)

    async def start(self, event):
        try:
            await self.run_checks()
        except Exception as e:  # any protocol error is a failure
            self.fail(repr(e))
        self.disconnect()

    async def run_checks(self):
        items = await self["xep_0030"].get_items(jid=self.service)
        nodes = {i[1] for i in items["disco_items"]["items"]}
        if not EXPECTED <= nodes:
            self.fail("topics missing: %s" % sorted(EXPECTED - nodes))
        info = await self["xep_0030"].get_info(jid=self.service, node="sacm/results")
        ptype = None
        for f in info.xml.iter("{jabber:x:data}field"):
            if f.get("var") == "pubsub#type":
                ptype = f.findtext("{jabber:x:data}value")
        if ptype != "http://sacm-grid.dev/protocol/1":
            self.fail("pubsub#type of sacm/results is %r" % ptype)
        else:
            print("interop: discovered %d topics, sacm/results is %s" % (len(nodes), ptype))

        got = await self["xep_0060"].get_item(self.service, "sacm/results", self.to_read)
        item = got["pubsub"]["items"]["item"]
        payload = item.get_payload()
        if item["id"] != self.to_read or payload is None or self.to_read not in ET.tostring(payload, encoding="unicode"):
            self.fail("item %s not read back" % self.to_read)
        else:
            print("interop: read item %s published by our library" % self.to_read)

        el = ET.Element("{urn:test:interop}probe")
        el.text = self.to_publish
        await self["xep_0060"].publish(self.service, "sacm/results", id=self.to_publish, payload=el)
        print("interop: published item %s" % self.to_publish)


def main():
    logging.basicConfig(level=logging.CRITICAL)
    conf = read_conf(sys.argv[1])
    p = Probe(conf, sys.argv[2], sys.argv[3])
    p.ca_certs = conf["ca_file"]
    p.enable_plaintext = False
    loop = asyncio.get_event_loop()
    p.connect(address=(conf["host"], int(conf["port"])))
    done = loop.create_future()
    p.add_event_handler("disconnected", lambda e: done.done() or done.set_result(True))
    loop.run_until_complete(asyncio.wait_for(done, 30))
    if p.failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
