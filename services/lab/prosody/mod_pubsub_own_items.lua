-- mod_pubsub_own_items: a publisher touches only its own items.
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

local function guard(service)
	if service.sacm_own_items then
		return;
	end
	service.sacm_own_items = true;
	local publish, retract, purge = service.publish, service.retract, service.purge;

	function service:publish(node, actor, id, item, requested_config)
		if actor ~= true and not is_owner(self, node, actor) then
			local by, exists = publisher_of(self, node, id);
			if exists and by ~= jid_bare(actor) then
				module:log("warn", "%s may not replace item %s of %s on %s",
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
				module:log("warn", "%s may not retract item %s of %s on %s",
					tostring(actor), tostring(id), tostring(by), node);
				return false, "forbidden";
			end
		end
		return retract(self, node, actor, id, notify);
	end

	function service:purge(node, actor, notify)
		if actor ~= true and not is_owner(self, node, actor) then
			module:log("warn", "%s may not purge %s", tostring(actor), node);
			return false, "forbidden";
		end
		return purge(self, node, actor, notify);
	end
end

guard(mod_pubsub.get_service());
-- mod_pubsub replaces its service on reload: guard the new one too.
function module.load()
	guard(mod_pubsub.get_service());
end
