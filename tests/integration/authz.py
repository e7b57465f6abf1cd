#!/usr/bin/python3
"""The authorization matrix, tried with slixmpp (a client we did not write):
every account of the lab (one per role, and a stranger with none) against
every topic, for each operation, compared cell by cell with the topic table
of docs/protocol.md (publishers and members per topic) and the role file
of the lab (ROLE JID lines).

usage: authz.py LAB_DIR PROTOCOL_MD

Cells: P publish, r retract its own item, x retract another's, R retrieve
items, S subscribe, p purge, c configure (the title re-submitted as it
is), d delete; an upper-case or
letter cell is allowed, '.' refused.  The grid administrator (column
admin, its certificate login) owns every topic: its purge and delete are
not tried (they would empty or remove the grid's topics), they are taken
from the broker's answer to a configure request.  Prints the matrix and every cell that
differs from the table; exits 1 if any does."""
import asyncio
import logging
import os
import re
import sys
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

from labconf import client, connect, pubsub_service, read_conf

OPS = "PrxRSpcd"
PROBE = "authz-probe"


def table(path):
    """topic -> (publisher roles, member roles, publish-only roles) from
    docs/protocol.md ("ROLE (publish-only)" among the publishers)."""
    topics = {}
    for line in open(path):
        m = re.match(r"\| `(sacm/[^`]*)` \|[^|]*\|[^|]*\|([^|]*)\|([^|]*)\|",
                     line)
        if m:
            split = lambda s: {r.strip() for r in s.split(",") if r.strip()}
            pubs = split(m.group(2))
            only = {r.split()[0] for r in pubs if r.endswith("(publish-only)")}
            pubs = {r for r in pubs if not r.endswith("(publish-only)")}
            topics[m.group(1)] = (pubs | only, split(m.group(3)), only)
    return topics


def expected(role, topic, topics):
    pubs, members, only = topics[topic]
    owner = role == "admin"
    pub = role in pubs or owner
    read = (pub and role not in only) or role in members
    return {"P": pub, "r": pub and role not in only, "x": owner, "R": read, "S": read,
            "p": owner, "c": owner, "d": owner}


def prober(role, topic, topics, accounts, seconds):
    """Who publishes the item that role then tries to retract."""
    pubs = topics[topic][0]
    if role == "admin":
        return accounts[sorted(pubs)[0]]
    if role in pubs and role in seconds:
        return seconds[role]
    return accounts["admin"]


def same_title(a, title):
    form = a.c["xep_0004"].make_form(ftype="submit")
    form.add_field(var="FORM_TYPE", ftype="hidden",
                   value="http://jabber.org/protocol/pubsub#node_config")
    form.add_field(var="pubsub#title", value=title)
    return form


class Account:
    def __init__(self, conf):
        self.conf = conf
        self.jid = conf["jid"]
        self.c = client(conf, "authz")
        self.c.register_plugin("xep_0004")
        self.c.register_plugin("xep_0060")
        self.service = pubsub_service(conf)

    async def online(self):
        ready = asyncio.get_event_loop().create_future()
        self.c.add_event_handler(
            "session_start", lambda e: ready.done() or ready.set_result(1))
        connect(self.c, self.conf)
        await asyncio.wait_for(ready, 20)

    async def tryit(self, coro):
        try:
            await coro
            return True
        except IqError:
            return False
        except IqTimeout:
            return None


def payload(text):
    return ET.fromstring("<probe xmlns='urn:test:authz'>%s</probe>" % text)


async def run(lab, proto):
    topics = table(proto)
    roles = {}
    for line in open(os.path.join(lab, "roles.conf")):
        role, jid = line.split()
        roles.setdefault(role, jid.split("@")[0])
    roles["admin"] = "admin"
    roles["none"] = "stranger"
    accounts, seconds = {}, {}
    for role, name in roles.items():
        accounts[role] = Account(read_conf(os.path.join(lab, "accounts",
                                                        name + ".conf")))
        await accounts[role].online()
    for role in ("collector", "evaluator"):
        seconds[role] = Account(read_conf(os.path.join(
            lab, "accounts", "%s-2.conf" % role)))
        await seconds[role].online()
    bad = []
    print("%-30s %s" % ("topic \\ role", " ".join("%-8s" % r[:8]
                                                  for r in roles)))
    for topic in sorted(topics):
        # the title as it is, re-submitted: a configure changes nothing
        op = accounts["admin"]
        conf = await op.c["xep_0060"].get_node_config(op.service, topic,
                                                      timeout=10)
        title = conf["pubsub"]["configure"]["form"].get_values().get(
            "pubsub#title", "")
        cells = {}
        # the administrator last: its retraction of the probe is the
        # cleanup
        for role in sorted(accounts, key=lambda r: r == "admin"):
            a = accounts[role]
            x = a.c["xep_0060"]
            own = "authz-%s" % a.jid.split("@")[0]
            got = {}
            got["P"] = await a.tryit(x.publish(a.service, topic, id=own,
                                               payload=payload("mine"),
                                               timeout=10))
            got["r"] = (await a.tryit(x.retract(a.service, topic, own,
                                                timeout=10))
                        if got["P"] else False)
            # another account's item: a second account of the same role,
            # the administrator's, or (for it) the publisher's
            pr = prober(role, topic, topics, accounts, seconds)
            await pr.tryit(pr.c["xep_0060"].publish(
                pr.service, topic, id=PROBE, payload=payload("theirs"),
                timeout=10))
            got["x"] = await a.tryit(x.retract(a.service, topic, PROBE,
                                               timeout=10))
            got["R"] = await a.tryit(x.get_items(a.service, topic,
                                                 max_items=1, timeout=10))
            got["S"] = await a.tryit(x.subscribe(a.service, topic,
                                                 timeout=10))
            if got["S"]:
                await a.tryit(x.unsubscribe(a.service, topic, timeout=10))
            got["c"] = await a.tryit(x.set_node_config(
                a.service, topic, same_title(a, title), timeout=10))
            if role == "admin":
                got["p"] = got["d"] = got["c"]
            else:
                got["p"] = await a.tryit(x.purge(a.service, topic,
                                                 timeout=10))
                got["d"] = await a.tryit(x.delete_node(a.service, topic,
                                                       timeout=10))
            want = expected(role, topic, topics)
            cells[role] = "".join(op if got[op] else "." for op in OPS)
            for op in OPS:
                if bool(got[op]) != want[op]:
                    bad.append("%s %s %s: %s, the table says %s" % (
                        topic, role, op, "allowed" if got[op] else
                        "refused", "allowed" if want[op] else "refused"))
        print("%-30s %s" % (topic, " ".join("%-8s" % cells[r]
                                            for r in accounts)))
    for a in list(accounts.values()) + list(seconds.values()):
        a.c.disconnect()
    for b in bad:
        print("authz: DIFFERS", b)
    print("authz: %d cells, %d differ from docs/protocol.md" % (
        len(topics) * len(accounts) * len(OPS), len(bad)))
    return 1 if bad else 0


def main():
    logging.basicConfig(level=logging.CRITICAL)
    sys.exit(asyncio.get_event_loop().run_until_complete(
        run(sys.argv[1], sys.argv[2])))


if __name__ == "__main__":
    main()
