"""An account file written by sacm-lab (name = value lines), as a dict,
and a slixmpp client logged in as that account: what the Python test
clients (interop.py, hostile.py, authz.py) log in with.  An account file
with cert and key logs in with its certificate (SASL EXTERNAL, as the
grid administrator does), direct TLS when it says direct_tls = yes."""


def read_conf(path):
    conf = {}
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if "=" in line:
            k, v = line.split("=", 1)
            conf[k.strip()] = v.strip()
    return conf


def client(conf, resource=None):
    import slixmpp
    jid = conf["jid"] + ("/" + resource if resource else "")
    if "cert" in conf:
        c = slixmpp.ClientXMPP(jid, "", sasl_mech="EXTERNAL")
        c.certfile, c.keyfile = conf["cert"], conf["key"]
        # ejabberd wants the JID as authorization identity
        c.credentials["authzid"] = conf["jid"]
    else:
        # SCRAM only: a broker that also offers EXTERNAL (Prosody asks
        # every client for a certificate) is not tried with none first
        c = slixmpp.ClientXMPP(jid, open(conf["password_file"]).read().strip(),
                               sasl_mech="SCRAM-SHA-256")
    c.ca_certs = conf["ca_file"]
    c.enable_plaintext = False
    return c


def connect(c, conf):
    """To the account's first broker address (a cluster lab lists its
    nodes, the account's own first)."""
    direct = conf.get("direct_tls") == "yes"
    c.connect(address=(conf["host"].replace(",", " ").split()[0],
                       int(conf["port"])), use_ssl=direct,
              force_starttls=not direct, disable_starttls=direct)


def pubsub_service(conf):
    """The pubsub service: the account file's, or pubsub.DOMAIN."""
    return conf.get("pubsub") or "pubsub." + conf["jid"].split("@")[1]
