#!/usr/bin/python3
"""bench/pubsub_store.py CONF K COUNT PID - one topic with K subscriptions and
COUNT publishes, as the grid administrator (CONF, its certificate login):

  - creates a topic of its own (open access, items kept);
  - sets K subscriptions as its owner (XEP-0060 8.8.2), 500 an IQ, to
    accounts that do not exist: every notification is routed and bounced
    the same way whatever the store, so what differs is the store;
  - publishes COUNT items one after the other.

Prints one line: "subscribe_s S median_ms M max_ms X cpu_ms C", C the
CPU time of process PID (the broker) per publish, then deletes the
topic.  slixmpp: a client we did not write, as in the attack tests."""
import asyncio
import logging
import os
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "integration"))
from labconf import client, connect, pubsub_service, read_conf  # noqa: E402

OWNER = "http://jabber.org/protocol/pubsub#owner"


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


async def run(conf, k, count, pid):
    c = client(conf, "bench-store")
    c.register_plugin("xep_0060")
    c.register_plugin("xep_0004")
    ready = asyncio.get_event_loop().create_future()
    c.add_event_handler("session_start",
                        lambda e: ready.done() or ready.set_result(True))
    connect(c, conf)
    await asyncio.wait_for(ready, 30)
    service = pubsub_service(conf)
    node = "bench/store-%d" % os.getpid()
    form = c["xep_0004"].make_form("submit")
    form.add_field("FORM_TYPE", ftype="hidden",
                   value="http://jabber.org/protocol/pubsub#node_config")
    form.add_field("pubsub#access_model", value="open")
    form.add_field("pubsub#persist_items", value="1")
    form.add_field("pubsub#max_items", value="1000")
    await c["xep_0060"].create_node(service, node, config=form, timeout=60)
    domain = conf["jid"].split("@")[1]
    t0 = time.monotonic()
    for base in range(0, k, 500):
        iq = c.Iq(stype="set", sto=service)
        ps = ET.SubElement(iq.xml, "{%s}pubsub" % OWNER)
        subs = ET.SubElement(ps, "{%s}subscriptions" % OWNER, node=node)
        for i in range(base, min(k, base + 500)):
            ET.SubElement(subs, "{%s}subscription" % OWNER,
                          jid="ghost-%06d@%s" % (i, domain),
                          subscription="subscribed")
        await iq.send(timeout=600)
    subscribe_s = time.monotonic() - t0
    times = []
    c0 = cpu_s(pid)
    for i in range(count):
        payload = ET.fromstring("<tick xmlns='urn:sacm:bench' n='%d'/>" % i)
        t = time.monotonic()
        await c["xep_0060"].publish(service, node, id="t%d" % i,
                                    payload=payload, timeout=600)
        times.append(time.monotonic() - t)
    cpu = (cpu_s(pid) - c0) / count
    times.sort()
    print("subscribe_s %.1f median_ms %.0f max_ms %.0f cpu_ms %.0f" % (
        subscribe_s, 1000 * times[len(times) // 2], 1000 * times[-1],
        1000 * cpu), flush=True)
    await c["xep_0060"].delete_node(service, node, timeout=600)
    c.disconnect()


def main():
    logging.basicConfig(level=logging.CRITICAL)
    if len(sys.argv) != 5:
        sys.exit("usage: pubsub_store.py CONF K COUNT PID")
    asyncio.get_event_loop().run_until_complete(
        run(read_conf(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
            int(sys.argv[4])))


if __name__ == "__main__":
    main()
