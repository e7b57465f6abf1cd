/*
 * grid_conf.c - the grid's configuration options (see grid.h), one table
 * that conf.c reads and --help prints.
 */
#include <stddef.h>

#include "grid.h"

#define OFF(f)	offsetof(struct grid_conf, f)
const struct conf_opt grid_conf_opts[] = {
	{ "jid", CONF_STR, OFF(jid), 0, 0, NULL, 1,
	    "this service's XMPP address" },
	{ "password_file", CONF_STR, OFF(password_file), 0, 0, NULL, 0,
	    "file whose first line is the password (SCRAM-SHA-256)" },
	{ "password", CONF_STR, OFF(password), 0, 0, NULL, 0,
	    "the password inline (prefer password_file)" },
	{ "cert", CONF_STR, OFF(cert), 0, 0, NULL, 0,
	    "client certificate (PEM) for SASL EXTERNAL" },
	{ "key", CONF_STR, OFF(key), 0, 0, NULL, 0,
	    "client certificate's private key (PEM)" },
	{ "ca_file", CONF_STR, OFF(ca_file), 0, 0, NULL, 1,
	    "CA certificate that signed the broker's certificate" },
	{ "host", CONF_STR, OFF(host), 0, 0, NULL, 0,
	    "broker address (default: the JID's domain); a list (space or "
	    "comma separated) names a cluster's nodes, tried in turn: the "
	    "next one when the connection fails or is lost" },
	{ "port", CONF_INT, OFF(port), 1, 65535, "5222", 0,
	    "broker client port" },
	{ "domain", CONF_STR, OFF(domain), 0, 0, NULL, 0,
	    "the grid's domain, where its services' accounts live (default: "
	    "the JID's domain)" },
	{ "pubsub", CONF_STR, OFF(pubsub), 0, 0, NULL, 0,
	    "pubsub service (default: pubsub.<domain>)" },
	{ "upload", CONF_STR, OFF(upload), 0, 0, NULL, 0,
	    "HTTP upload service (default: upload.<domain>)" },
	{ "upload_resolve", CONF_STR, OFF(upload_resolve), 0, 0, NULL, 0,
	    "address the upload host name is pinned to (labs without DNS); "
	    "broker: the node connected to (a cluster sharing its uploads)" },
	{ "upload_port", CONF_INT, OFF(upload_port), 1, 65535, "443", 0,
	    "HTTPS port of the upload service: blob links elsewhere are "
	    "refused" },
	{ "connect_timeout_ms", CONF_INT, OFF(connect_timeout_ms), 100,
	    600000, "15000", 0, "time allowed for one connection attempt" },
	{ "iq_timeout_ms", CONF_INT, OFF(iq_timeout_ms), 100, 3600000,
	    "30000", 0, "time allowed for an answer to a request" },
	{ "catchup_items", CONF_INT, OFF(catchup_items), 0, 10000, "50", 0,
	    "newest items retrieved per topic after a (re)connect" },
	{ "max_item_size", CONF_INT, OFF(max_item_size), 1024,
	    16 * 1024 * 1024, "1048576", 0, "largest item payload in bytes" },
	{ "reconnect_max_ms", CONF_INT, OFF(reconnect_max_ms), 100, 3600000,
	    "30000", 0, "longest wait between reconnection attempts" },
	{ "direct_tls", CONF_BOOL, OFF(direct_tls), 0, 0, "no", 0,
	    "TLS from the first byte (XEP-0368) instead of STARTTLS" },
	{ "resource", CONF_STR, OFF(resource), 0, 0, NULL, 0,
	    "resource to bind (default: the program's name for services)" },
	{ "presence_allow", CONF_STR, OFF(presence_allow), 0, 0, NULL, 0,
	    "accounts whose presence subscription is accepted, so that they "
	    "see when this service is online (bare JIDs, space-separated; "
	    "default: orchestrator@<domain>)" },
	{ "insecure_trust_any_cert", CONF_BOOL, OFF(insecure_trust_any_cert),
	    0, 0, "no", 0, "TESTS ONLY: accept any broker certificate" },
};
const size_t grid_conf_nopts = sizeof(grid_conf_opts) /
    sizeof(grid_conf_opts[0]);
