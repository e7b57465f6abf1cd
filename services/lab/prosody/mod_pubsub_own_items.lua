-- mod_pubsub_own_items: a publisher touches only its own items (and the
-- publish-only affiliation).
--
-- Prosody 0.12 lets any account with the "publisher" affiliation
-- overwrite or retract any item of a node and purge the node (its
-- "publisher" capabilities include retract, and purge checks retract).
-- SACM Grid needs what ejabberd's node_flat does: a publisher may
-- publish new items and replace or retract the items it published
-- itself; only an owner (the grid administrator) may touch another's
-- item or purge a node.  Without this, one collector could rewrite or
-- delete every other endpoint's announcement and posture.
--
-- Loaded on the pubsub component (SACM Grid lab, templates/prosody.cfg.lua.in).
local jid_bare = require "util.jid".bare;

local mod_pubsub = module:depends("pubsub");

-- Owners (and the admins, who are owners of every node) may configure.
local function is_owner(service, node, actor)
	return service:may(node, actor, "configure");
end

-- The bare JID that published item id on node, or nil (no such item).
local function publisher_of(service, node, id)
	local node_obj = service.nodes[node];
	if id == nil or node_obj == nil then
		return nil;
	end
	local store = service.data[node] or service.config.itemstore(node_obj.config, node);
	local item = store and store:get(id);
	return item and item.attr.publisher and jid_bare(item.attr.publisher), item ~= nil;
end

-- XEP-0060's publish-only affiliation, which Prosody 0.12 lacks (ejabberd
-- has it, and these are its rules): publish (and replace its own items),
-- nothing else: no retraction, no reading.  Collectors get it on the
-- topics they publish on, so one endpoint learns nothing of the others.
local publish_only = {
	create = false; publish = true; retract = false; delete = false;
	get_nodes = false; configure = false; get_configuration = false;
	subscribe = false; unsubscribe = true; get_subscription = true;
	get_subscriptions = true; get_items = false;
	subscribe_other = false; unsubscribe_other = false;
	get_subscription_other = false; get_subscriptions_other = false;
	be_subscribed = false; be_unsubscribed = true;
	set_affiliation = false;
};

-- The service's actions whose refusals are logged, and their names there.
local watched = {
	publish = "publish"; retract = "retract"; purge = "purge";
	get_items = "read"; add_subscription = "subscribe";
	create = "create"; delete = "delete"; set_affiliation = "grant";
	set_node_config = "configure";
};
local unpack = table.unpack or unpack;
local function pack(...) return { n = select("#", ...), ... }; end

local function guard(service)
	if service.sacm_own_items then
		return;
	end
	service.sacm_own_items = true;
	local caps = {};
	for affiliation, c in pairs(service.config.capabilities) do
		caps[affiliation] = c;
	end
	caps["publish-only"] = publish_only;
	service.config.capabilities = caps;
	local publish, retract, purge = service.publish, service.retract, service.purge;
	local set_affiliation = service.set_affiliation;

	function service:publish(node, actor, id, item, requested_config)
		if actor ~= true and not is_owner(self, node, actor) then
			local by, exists = publisher_of(self, node, id);
			if exists and by ~= jid_bare(actor) then
				module:log("info", "%s may not replace item %s of %s on %s",
					tostring(actor), tostring(id), tostring(by), node);
				return false, "forbidden";
			end
		end
		return publish(self, node, actor, id, item, requested_config);
	end

	function service:retract(node, actor, id, notify)
		if actor ~= true and not is_owner(self, node, actor) then
			local by, exists = publisher_of(self, node, id);
			if exists and by ~= jid_bare(actor) then
				module:log("info", "%s may not retract item %s of %s on %s",
					tostring(actor), tostring(id), tostring(by), node);
				return false, "forbidden";
			end
		end
		return retract(self, node, actor, id, notify);
	end

	-- Prosody 0.12 keeps the subscription of an account whose new
	-- affiliation may not be subscribed (outcast, or none on a whitelist
	-- node): it calls add_subscription for it, which fails, so the IQ
	-- fails and events keep flowing.  Cancel every subscription of the
	-- account (bare or full JID) first.
	function service:set_affiliation(node, actor, jid, affiliation)
		local node_obj = self.nodes[node];
		if node_obj and self:may(node, actor, "set_affiliation") then
			local bare = jid_bare(jid);
			local old = node_obj.affiliations[bare];
			node_obj.affiliations[bare] = affiliation;
			local may = self:may(node, bare, "be_subscribed");
			node_obj.affiliations[bare] = old;
			if not may then
				local subs = {};
				for sub in pairs(node_obj.subscribers) do
					if jid_bare(sub) == bare then
						subs[#subs + 1] = sub;
					end
				end
				for _, sub in ipairs(subs) do
					self:remove_subscription(node, true, sub);
					module:log("info", "%s: subscription of %s cancelled (affiliation %s)",
						node, sub, tostring(affiliation));
				end
			end
		end
		return set_affiliation(self, node, actor, jid, affiliation);
	end

	function service:purge(node, actor, notify)
		if actor ~= true and not is_owner(self, node, actor) then
			module:log("info", "%s may not purge %s", tostring(actor), node);
			return false, "forbidden";
		end
		return purge(self, node, actor, notify);
	end

	-- Every refusal, in one form the audit service reads from the log
	-- (services/audit/au_brokerlog.c): "denied: WHAT on NODE by JID".
	for method, what in pairs(watched) do
		local inner = service[method];
		service[method] = function (self, node, actor, ...)
			local r = pack(inner(self, node, actor, ...));
			if actor ~= true and r[1] == false and r[2] == "forbidden" then
				-- a node name came from the wire: shown when plain
				local name = type(node) == "string" and #node <= 255 and
					node:match("^[%w._/:-]+$") or "?";
				module:log("warn", "denied: %s on %s by %s (forbidden)",
					what, name, jid_bare(actor) or "?");
			end
			return unpack(r, 1, r.n);
		end
	end
end

guard(mod_pubsub.get_service());
-- mod_pubsub replaces its service on reload: guard the new one too.
function module.load()
	guard(mod_pubsub.get_service());
end
