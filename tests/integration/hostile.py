#!/usr/bin/python3
"""Hostile clients, written with slixmpp (an XMPP library we did not
write), against a grid that runs our daemons.

usage: hostile.py forge-reply ANSWERER_CONF FORGER_CONF MODE
  The ANSWERER (logged in with resource sacm-collector, as a collector
  is) waits for a disco#info request; when one comes, the FORGER, another
  account, answers it first, with the request's own id, naming itself
  "FORGED".  MODE "late": the answerer then answers for real ("GENUINE")
  after 2 s; MODE "never": it does not answer at all.  Prints what it saw.

usage: hostile.py publish CONF TOPIC ITEM_ID PAYLOAD_FILE
  Publishes the payload with that item id, escaped as any client would;
  prints the broker's verdict (ok or the error condition).

usage: hostile.py retract CONF TOPIC ITEM_ID
       hostile.py purge CONF TOPIC
  The same for a retraction and a purge.

usage: hostile.py front-run CONF OWN_ENDPOINT SECONDS
  For SECONDS, takes the report item id of every collection request for
  another endpoint before its collector can (a collector reads all the
  requests), publishing a forged failed report there; prints how many.

usage: hostile.py front-run-results CONF VICTIM SECONDS
  For SECONDS, as another evaluator account, takes the result item id of
  every evaluation request assigned to the evaluator account VICTIM
  before VICTIM can (an evaluator reads all the requests), publishing a
  forged complete result there; prints how many.

usage: hostile.py plain CONF
  Logs in with SASL PLAIN only; prints whether the broker accepted it.

usage: hostile.py hold CONF TOPIC SECONDS
  Logs in, subscribes to TOPIC and prints "event ID" for each item that
  arrives, until the broker ends the session ("disconnected") or SECONDS
  pass ("still connected").

usage: hostile.py subscribe CONF TO
  Asks the account TO for its presence (RFC 6121 subscription request)
  and watches for 5 s: prints "sees TO online" if an available presence
  of TO's arrives, else "no presence of TO"; and "answer subscribed" or
  "answer unsubscribed" when the broker delivers TO's answer.

usage: hostile.py login CONF
  Logs in as any client would (SCRAM); prints whether the broker let it.

usage: hostile.py subscriptions CONF TOPIC
  As the topic's owner: prints the JID of each subscription.

usage: hostile.py flood CONF TOPIC COUNT SECONDS
  Sends COUNT publishes (of one item id, its own) as fast as it can,
  without waiting for answers, and prints how many the broker answered
  within SECONDS.

usage: hostile.py latency CONF TOPIC COUNT
  Publishes COUNT items one after the other; prints the median and the
  largest round trip in milliseconds.

usage: hostile.py iq CONF TO TYPE PAYLOAD_FILE
  Sends an IQ (get or set) with the payload to TO; prints the answer or
  the error condition and text."""
import asyncio
import logging
import sys
import xml.etree.ElementTree as ET
from xml.sax.saxutils import quoteattr

import slixmpp

from labconf import client, connect, pubsub_service, read_conf
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

DISCO = "http://jabber.org/protocol/disco#info"


async def online(c, conf):
    ready = asyncio.get_event_loop().create_future()
    c.add_event_handler("session_start",
                        lambda e: ready.done() or ready.set_result(True))
    connect(c, conf)
    await asyncio.wait_for(ready, 20)
    c.send_presence()


def identity_answer(to, iq_id, name, frm=None):
    return ("<iq type='result' id=%s to=%s%s><query xmlns='%s'>"
            "<identity category='client' type='bot' name=%s/>"
            "<feature var='%s'/></query></iq>" % (
                quoteattr(iq_id), quoteattr(to),
                " from=%s" % quoteattr(frm) if frm else "", DISCO,
                quoteattr(name), DISCO))


async def forge_reply(aconf, fconf, mode):
    a, f = client(aconf, "sacm-collector"), client(fconf, "forger")
    asked = asyncio.get_event_loop().create_future()

    def on_disco(iq):
        if iq["type"] == "get" and not asked.done():
            asked.set_result((iq["id"], str(iq["from"])))

    a.register_handler(Callback("disco", MatchXPath(
        "{jabber:client}iq/{%s}query" % DISCO), on_disco))
    await online(a, aconf)
    await online(f, fconf)
    print("hostile: ready", flush=True)
    iq_id, asker = await asyncio.wait_for(asked, 60)
    print("hostile: asked by %s, id %s" % (asker, iq_id), flush=True)
    # The forger answers first, with the right id, from its own JID (the
    # broker stamps that), and once more claiming to be the answerer.
    f.send_raw(identity_answer(asker, iq_id, "FORGED"))
    f.send_raw(identity_answer(asker, iq_id, "FORGED",
                               frm=aconf["jid"] + "/sacm-collector"))
    print("hostile: forged answers sent", flush=True)
    if mode == "late":
        await asyncio.sleep(2)
        a.send_raw(identity_answer(asker, iq_id, "GENUINE"))
        print("hostile: genuine answer sent", flush=True)
    await asyncio.sleep(8)
    a.disconnect()
    f.disconnect()


async def publish(conf, topic, item_id, path):
    c = client(conf, "hostile")
    c.register_plugin("xep_0060")
    await online(c, conf)
    payload = ET.fromstring(open(path).read())
    service = pubsub_service(conf)
    try:
        await c["xep_0060"].publish(service, topic, id=item_id,
                                    payload=payload, timeout=20)
        print("hostile: published")
    except slixmpp.exceptions.IqError as e:
        print("hostile: refused: %s" % e.iq["error"]["condition"])
    c.disconnect()


async def retract_or_purge(conf, what, topic, item_id=None):
    c = client(conf, "hostile")
    c.register_plugin("xep_0060")
    await online(c, conf)
    service = pubsub_service(conf)
    try:
        if what == "retract":
            await c["xep_0060"].retract(service, topic, item_id, notify=True,
                                        timeout=20)
        else:
            await c["xep_0060"].purge(service, topic, timeout=20)
        print("hostile: %s done" % what)
    except slixmpp.exceptions.IqError as e:
        print("hostile: refused: %s" % e.iq["error"]["condition"])
    c.disconnect()


async def front_run_topic(conf, seconds, node, topic, forge, what):
    """For SECONDS, polls NODE (requests its role may read) and, for each
    new request, publishes on TOPIC what forge(ns, item) returns (a list
    of (item id, payload)) before the one the request is for can; prints
    how many it took."""
    c = client(conf, "hostile")
    c.register_plugin("xep_0060")
    await online(c, conf)
    service = pubsub_service(conf)
    ns = "http://sacm-grid.dev/protocol/1"
    seen, forged = set(), 0
    end = asyncio.get_event_loop().time() + float(seconds)
    print("hostile: front-running %s" % what, flush=True)
    while asyncio.get_event_loop().time() < end:
        try:
            r = await c["xep_0060"].get_items(service, node, max_items=20,
                                              timeout=10)
        except (slixmpp.exceptions.IqError, slixmpp.exceptions.IqTimeout):
            await asyncio.sleep(0.2)
            continue
        for item in r["pubsub"]["items"]:
            if item["id"] in seen:
                continue
            seen.add(item["id"])
            for item_id, payload in forge(ns, item):
                try:
                    await c["xep_0060"].publish(service, topic, id=item_id,
                                                payload=payload, timeout=10)
                    forged += 1
                except (slixmpp.exceptions.IqError,
                        slixmpp.exceptions.IqTimeout):
                    pass
        await asyncio.sleep(0.2)
    print("hostile: %d %s forged ahead of their %s" % (
        forged, what, "collectors" if what == "reports" else "evaluator"),
        flush=True)
    c.disconnect()


async def front_run(conf, own, seconds):
    """A forged failed report under every other endpoint's report item id
    (a collector reads the collection requests): to silence it."""
    def forge(ns, item):
        rid = item["id"]
        return [("%s/%s" % (e.get("id"), rid), ET.fromstring(
            "<posture-report xmlns='%s' endpoint=%s request=%s policy='x' "
            "state='failed' reason='request'><reason>forged</reason>"
            "</posture-report>" % (ns, quoteattr(e.get("id")),
                                   quoteattr(rid))))
                for e in item.xml.iter("{%s}endpoint" % ns)
                if e.get("id") != own]
    await front_run_topic(conf, seconds, "sacm/collection/requests",
                          "sacm/posture", forge, "reports")


async def front_run_results(conf, victim, seconds):
    """A forged passing result under the id of every request assigned to
    the evaluator account VICTIM (an evaluator reads the requests)."""
    def forge(ns, item):
        out = []
        for q in item.xml.iter("{%s}evaluation-request" % ns):
            if q.get("evaluator", "").split("/")[0] != victim:
                continue
            pol = q.find("{%s}policy" % ns)
            out.append((item["id"], ET.fromstring(
                "<evaluation-result xmlns='%s' request=%s endpoint=%s "
                "assessment=%s policy=%s profile=%s evaluator=%s "
                "state='complete' score='100' max='100' pass='1' "
                "fail='0'/>" % (ns, quoteattr(item["id"]),
                                quoteattr(q.get("endpoint", "")),
                                quoteattr(q.get("assessment", "")),
                                quoteattr(pol.get("id", "")
                                          if pol is not None else ""),
                                quoteattr(q.get("profile", "")),
                                quoteattr(victim)))))
        return out
    await front_run_topic(conf, seconds, "sacm/evaluation/requests",
                          "sacm/evaluation/results", forge, "results")


async def plain(conf):
    """Logs in with SASL PLAIN only: the password in the clear (under
    TLS) to the broker, which it should refuse."""
    c = slixmpp.ClientXMPP(conf["jid"] + "/hostile",
                           open(conf["password_file"]).read().strip(),
                           sasl_mech="PLAIN")
    c.ca_certs = conf["ca_file"]
    done = asyncio.get_event_loop().create_future()
    c.add_event_handler("session_start",
                        lambda e: done.done() or done.set_result("accepted"))
    c.add_event_handler("failed_auth",
                        lambda e: done.done() or done.set_result("refused"))
    c.add_event_handler("failed_all_auth",
                        lambda e: done.done() or done.set_result("refused"))
    c.add_event_handler("no_auth",
                        lambda e: done.done() or done.set_result("refused"))
    connect(c, conf)
    try:
        r = await asyncio.wait_for(done, 20)
    except asyncio.TimeoutError:
        r = "refused (no session)"
    print("hostile: PLAIN %s" % r)
    c.disconnect()


async def send_iq(conf, to, iq_type, path):
    """An IQ of our own making: prints the answer or its error."""
    c = client(conf, "hostile")
    await online(c, conf)
    iq = c.make_iq(ito=to, itype=iq_type)
    iq.append(ET.fromstring(open(path).read()))
    try:
        r = await iq.send(timeout=20)
        print("hostile: result %s" % r)
    except slixmpp.exceptions.IqError as e:
        print("hostile: refused: %s %s" % (e.iq["error"]["condition"],
                                            e.iq["error"]["text"]))
    except slixmpp.exceptions.IqTimeout:
        print("hostile: no answer")
    c.disconnect()


async def hold(conf, topic, seconds):
    c = client(conf, "hostile-hold")
    c.register_plugin("xep_0060")
    gone = asyncio.get_event_loop().create_future()
    c.add_event_handler("disconnected",
                        lambda e: gone.done() or gone.set_result(True))
    c.add_event_handler("pubsub_publish", lambda m: print(
        "hostile: event %s" % m["pubsub_event"]["items"]["item"]["id"],
        flush=True))
    await online(c, conf)
    service = pubsub_service(conf)
    try:
        await c["xep_0060"].subscribe(service, topic, timeout=20)
        print("hostile: subscribed", flush=True)
    except slixmpp.exceptions.IqError as e:
        print("hostile: refused: %s" % e.iq["error"]["condition"], flush=True)
    try:
        await asyncio.wait_for(asyncio.shield(gone), float(seconds))
        print("hostile: disconnected", flush=True)
    except asyncio.TimeoutError:
        print("hostile: still connected", flush=True)
        c.disconnect()


async def subscribe(conf, to):
    c = client(conf, "hostile")
    seen = []

    def on_presence(p):
        if p["from"].bare != to:
            return
        if p["type"] in ("subscribed", "unsubscribed"):
            print("hostile: answer %s" % p["type"], flush=True)
        elif p["type"] == "available" and p["from"].resource:
            seen.append(str(p["from"]))
    c.add_event_handler("presence", on_presence)
    await online(c, conf)
    c.send_presence(pto=to, ptype="subscribe")
    await asyncio.sleep(5)
    print("hostile: sees %s online" % seen[0] if seen else
          "hostile: no presence of %s" % to, flush=True)
    c.disconnect()


async def login(conf):
    c = client(conf, "hostile")
    done = asyncio.get_event_loop().create_future()
    c.add_event_handler("session_start",
                        lambda e: done.done() or done.set_result("accepted"))
    for ev in ("failed_auth", "failed_all_auth", "no_auth", "disconnected"):
        c.add_event_handler(ev, lambda e: done.done() or
                            done.set_result("refused"))
    connect(c, conf)
    try:
        r = await asyncio.wait_for(done, 20)
    except asyncio.TimeoutError:
        r = "refused (no session)"
    print("hostile: login %s" % r)
    c.disconnect()


async def subscriptions(conf, topic):
    c = client(conf, "hostile")
    c.register_plugin("xep_0060")
    await online(c, conf)
    service = pubsub_service(conf)
    r = await c["xep_0060"].get_node_subscriptions(service, topic, timeout=20)
    for sub in r["pubsub_owner"]["subscriptions"]:
        print("hostile: subscription %s %s" % (sub["jid"],
                                               sub["subscription"]))
    print("hostile: end")
    c.disconnect()


async def flood(conf, topic, count, seconds):
    c = client(conf, "hostile-flood")
    answered = [0]

    def on_iq(iq):
        if iq["id"].startswith("flood-"):
            answered[0] += 1

    c.register_handler(Callback("flood", MatchXPath("{jabber:client}iq"),
                                on_iq))
    await online(c, conf)
    service = pubsub_service(conf)
    item = ("<endpoint xmlns='http://sacm-grid.dev/protocol/1' id='flood' "
            "hostname='flood' platform='x' collector=%s/>"
            % quoteattr(conf["jid"] + "/sacm-collector"))
    stanza = ("<iq type='set' id='flood-%d' to='" + service + "'><pubsub "
              "xmlns='http://jabber.org/protocol/pubsub'><publish node='" +
              topic + "'><item id='flood'>" + item +
              "</item></publish></pubsub></iq>")
    t0 = asyncio.get_event_loop().time()
    for i in range(int(count)):
        c.send_raw(stanza % i)
        if i % 100 == 0:
            await asyncio.sleep(0)
    print("hostile: flood of %s publishes sent" % count, flush=True)
    end = t0 + float(seconds)
    while asyncio.get_event_loop().time() < end and answered[0] < int(count):
        await asyncio.sleep(0.1)
    print("hostile: %d of %s answered in %.1f s, %d bytes each" % (
        answered[0], count, asyncio.get_event_loop().time() - t0,
        len(stanza % 0)), flush=True)
    c.disconnect()


async def latency(conf, topic, count):
    c = client(conf, "hostile-latency")
    c.register_plugin("xep_0060")
    await online(c, conf)
    service = pubsub_service(conf)
    loop = asyncio.get_event_loop()
    times = []
    for i in range(int(count)):
        payload = ET.fromstring(
            "<endpoint xmlns='http://sacm-grid.dev/protocol/1' id='lat' "
            "hostname='lat' platform='x' collector=%s/>"
            % quoteattr(conf["jid"] + "/sacm-collector"))
        t = loop.time()
        try:
            await c["xep_0060"].publish(service, topic, id="latency",
                                        payload=payload, timeout=60)
        except (slixmpp.exceptions.IqError, slixmpp.exceptions.IqTimeout):
            times.append(60.0)
            continue
        times.append(loop.time() - t)
    times.sort()
    print("hostile: latency median %.0f ms, max %.0f ms" % (
        1000 * times[len(times) // 2], 1000 * times[-1]), flush=True)
    c.disconnect()


def main():
    logging.basicConfig(level=logging.CRITICAL)
    loop = asyncio.get_event_loop()
    if sys.argv[1] == "forge-reply":
        loop.run_until_complete(forge_reply(read_conf(sys.argv[2]),
                                            read_conf(sys.argv[3]),
                                            sys.argv[4]))
    elif sys.argv[1] == "publish":
        loop.run_until_complete(publish(read_conf(sys.argv[2]), sys.argv[3],
                                        sys.argv[4], sys.argv[5]))
    elif sys.argv[1] == "retract":
        loop.run_until_complete(retract_or_purge(read_conf(sys.argv[2]),
                                                 "retract", sys.argv[3],
                                                 sys.argv[4]))
    elif sys.argv[1] == "purge":
        loop.run_until_complete(retract_or_purge(read_conf(sys.argv[2]),
                                                 "purge", sys.argv[3]))
    elif sys.argv[1] == "front-run":
        loop.run_until_complete(front_run(read_conf(sys.argv[2]), sys.argv[3],
                                          sys.argv[4]))
    elif sys.argv[1] == "front-run-results":
        loop.run_until_complete(front_run_results(read_conf(sys.argv[2]),
                                                  sys.argv[3], sys.argv[4]))
    elif sys.argv[1] == "plain":
        loop.run_until_complete(plain(read_conf(sys.argv[2])))
    elif sys.argv[1] == "hold":
        loop.run_until_complete(hold(read_conf(sys.argv[2]), sys.argv[3],
                                     sys.argv[4]))
    elif sys.argv[1] == "subscribe":
        loop.run_until_complete(subscribe(read_conf(sys.argv[2]),
                                          sys.argv[3]))
    elif sys.argv[1] == "login":
        loop.run_until_complete(login(read_conf(sys.argv[2])))
    elif sys.argv[1] == "subscriptions":
        loop.run_until_complete(subscriptions(read_conf(sys.argv[2]),
                                              sys.argv[3]))
    elif sys.argv[1] == "flood":
        loop.run_until_complete(flood(read_conf(sys.argv[2]), sys.argv[3],
                                      sys.argv[4], sys.argv[5]))
    elif sys.argv[1] == "latency":
        loop.run_until_complete(latency(read_conf(sys.argv[2]), sys.argv[3],
                                        sys.argv[4]))
    elif sys.argv[1] == "iq":
        loop.run_until_complete(send_iq(read_conf(sys.argv[2]), sys.argv[3],
                                        sys.argv[4], sys.argv[5]))
    else:
        sys.exit(2)


if __name__ == "__main__":
    main()
