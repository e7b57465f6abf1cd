-- SACM Grid lab: passwords (SCRAM, Prosody's internal_hashed) and client
-- certificates (SASL EXTERNAL, as mod_auth_ccert does it) on one host, so
-- that an account is the same JID whichever way it logs in, as on
-- ejabberd.  A certificate logs in when it chains to the host's cafile,
-- is not on its CRL (ssl.verifyext crl_check) and names the account as an
-- xmppAddr of this host (RFC 6120 13.7.1.4).
--
-- authentication = "hashed_ccert"; the host's ssl asks for a client
-- certificate (verify = { "peer"; "client_once" }) and keeps Prosody's
-- lsec_continue, so a client without one still logs in with its password.

local new_sasl = require "util.sasl".new;
local jid_compare = require "util.jid".compare;
local jid_split = require "util.jid".prepped_split;

local id_on_xmppAddr = "1.3.6.1.5.5.7.8.5";
local subject_alternative_name = "2.5.29.17";

local hashed;
module:handle_items("auth-provider", function (event)
	if event.item.name == "internal_hashed" then hashed = event.item; end
end, function (event)
	if event.item == hashed then hashed = nil; end
end);
module:depends("auth_internal_hashed");

-- The first account of this host a certificate names (verified or not).
local function named_user(cert)
	local sans = cert:extensions()[subject_alternative_name];
	for _, addr in ipairs(sans and sans[id_on_xmppAddr] or {}) do
		local user, host = jid_split(addr);
		if user and host == module.host then
			return user;
		end
	end
end

-- The account a verified certificate names on this host, if any.
local function certificate_user(session, authz)
	local log = session.log or module._log;
	local sock = session.conn:socket();
	local cert = sock.getpeercertificate and sock:getpeercertificate();
	if not cert then
		log("warn", "EXTERNAL without a client certificate");
		return nil, false;
	end
	session.sacm_cert_user = named_user(cert);
	if not cert:validat(os.time()) then
		log("warn", "client certificate expired");
		return nil, "expired";
	end
	local valid, errors = sock:getpeerverification();
	if not valid then
		log("warn", "client certificate refused");
		for i, e in ipairs(errors or {}) do
			log("warn", "%d: %s", i, table.concat(e, ", "));
		end
		return nil, false;
	end
	local sans = cert:extensions()[subject_alternative_name];
	for _, addr in ipairs(sans and sans[id_on_xmppAddr] or {}) do
		if authz == "" or jid_compare(authz, addr) then
			local user, host = jid_split(addr);
			if user and host == module.host then
				return user, true;
			end
		end
	end
	log("warn", "client certificate names no account of %s", module.host);
	return nil, false;
end

local provider = {};
for _, f in ipairs { "test_password", "get_password", "set_password",
    "user_exists", "users", "create_user", "delete_user" } do
	provider[f] = function (...) return hashed[f](...); end
end

function provider.get_sasl_handler(session)
	local base = hashed.get_sasl_handler(session);
	local profile = {};
	for k, v in pairs(base.profile) do
		if k ~= "mechanisms" then profile[k] = v; end
	end
	if session and session.secure then
		profile.external = function (authz)
			return certificate_user(session, authz);
		end
	end
	return new_sasl(module.host, profile);
end

module:provides("auth", provider);

-- Every refused login, in the one form the audit service reads from the
-- log (services/audit/au_brokerlog.c): "denied: login by JID (why)".
module:hook("authentication-failure", function (event)
	local session = event.session;
	local handler = session.sasl_handler;
	local user = handler and handler.username or session.sacm_cert_user;
	module:log("warn", "denied: login by %s (%s)",
		user and (user .. "@" .. module.host) or "?",
		tostring(event.condition));
end);
