#!/usr/bin/python3
"""bench/pubsub_store.py subs CONF K COUNT PID
bench/pubsub_store.py items CONF N MAX PERSIST PID

As the grid administrator (CONF, its certificate login), on a topic of
its own (open access), deleted at the end.  slixmpp: a client we did not
write, as in the attack tests.

subs: K subscriptions and COUNT publishes.
  - sets K subscriptions as its owner (XEP-0060 8.8.2), 500 an IQ, to
    accounts that do not exist: every notification is routed and bounced
    the same way whatever the store, so what differs is the store;
  - publishes COUNT items one after the other.
  Prints "subscribe_s S median_ms M max_ms X cpu_ms C", C the CPU time
  of process PID (the broker) per publish.

items: one publisher's N items, each a new id (as the orchestrator's
  and the repositories' are: one an endpoint), 1.5 KB each, 16 in
  flight; the topic keeps MAX items ("max": no limit) if PERSIST is 1.
  What a publish costs the broker as the items its publisher already has
  on the topic grow.  Prints "first_pps A first_cpu_ms B last_pps C
  last_cpu_ms D": publishes a second and the broker's CPU per publish
  over the first and the last tenth of the N."""
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


async def topic(conf, max_items, persist):
    """A client logged in, the pubsub service and a fresh topic."""
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
    form.add_field("pubsub#persist_items", value=persist)
    form.add_field("pubsub#max_items", value=max_items)
    await c["xep_0060"].create_node(service, node, config=form, timeout=60)
    return c, service, node


async def items(conf, n, max_items, persist, pid):
    c, service, node = await topic(conf, max_items, persist)
    sem = asyncio.Semaphore(16)
    pad = "x" * 1500

    async def one(i):
        async with sem:
            payload = ET.fromstring(
                "<tick xmlns='urn:sacm:bench' n='%d'>%s</tick>" % (i, pad))
            await c["xep_0060"].publish(
                service, node, id="item-%08d-0123456789abcdef" % i,
                payload=payload, timeout=600)

    step = max(1, n // 10)
    out = []
    for base in range(0, n, step):
        t0, c0 = time.monotonic(), cpu_s(pid)
        await asyncio.gather(*[one(i)
                               for i in range(base, min(n, base + step))])
        m = min(n, base + step) - base
        if base == 0 or base + step >= n:
            out.append((m / (time.monotonic() - t0),
                        1000 * (cpu_s(pid) - c0) / m))
    print("first_pps %.0f first_cpu_ms %.2f last_pps %.0f last_cpu_ms %.2f"
          % (out[0][0], out[0][1], out[-1][0], out[-1][1]), flush=True)
    await c["xep_0060"].delete_node(service, node, timeout=600)
    c.disconnect()


async def subs(conf, k, count, pid):
    c, service, node = await topic(conf, "1000", "1")
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
    a = sys.argv[1:]
    if len(a) == 5 and a[0] == "subs":
        job = subs(read_conf(a[1]), int(a[2]), int(a[3]), int(a[4]))
    elif len(a) == 6 and a[0] == "items":
        job = items(read_conf(a[1]), int(a[2]), a[3], a[4], int(a[5]))
    else:
        sys.exit("usage: pubsub_store.py subs CONF K COUNT PID\n"
                 "       pubsub_store.py items CONF N MAX PERSIST PID")
    asyncio.get_event_loop().run_until_complete(job)


if __name__ == "__main__":
    main()
