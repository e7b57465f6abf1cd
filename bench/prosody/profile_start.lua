-- bench/prosody/profile_start.lua: run inside a lab's Prosody by
-- bench/prosody_profile.sh (admin socket, "> dofile(...)").  Samples the
-- Lua stack every 1000 VM instructions in the main thread and in every
-- c2s session's runner (stanzas are handled there), and counts the
-- publishes and their bytes by topic.  Time spent inside C (sqlite, TLS,
-- the collector) is not sampled: perf shows it.
local P = { counts = {}, self = {}, n = 0, on = true, pubs = {}, bytes = {} }
rawset(_G, "sacm_profile", P)
local getinfo = debug.getinfo
local function hook()
	P.n = P.n + 1
	local seen = {}
	for level = 2, 60 do
		local info = getinfo(level, "Sl")
		if not info then break end
		local k = info.short_src .. ":" .. info.linedefined
		if level == 2 then
			local kl = info.short_src .. ":" .. (info.currentline or 0)
			P.self[kl] = (P.self[kl] or 0) + 1
		end
		if not seen[k] then
			seen[k] = true
			P.counts[k] = (P.counts[k] or 0) + 1
		end
	end
end
P.hook = hook
local function hook_sessions()
	if not P.on then return end
	for _, s in pairs(prosody.full_sessions) do
		local t = s.thread and s.thread.thread
		if t and debug.gethook(t) ~= hook then
			debug.sethook(t, hook, "", 1000)
		end
	end
	return 1
end
debug.sethook(hook, "", 1000)
hook_sessions()
require "util.timer".add_task(1, hook_sessions)
for host, h in pairs(prosody.hosts) do
	local svc = h.modules.pubsub and h.modules.pubsub.service
	if svc and not P.svc then
		P.svc, P.publish = svc, svc.publish
		svc.publish = function (self, node, actor, id, item, ...)
			P.pubs[node] = (P.pubs[node] or 0) + 1
			P.bytes[node] = (P.bytes[node] or 0) + #tostring(item)
			return P.publish(self, node, actor, id, item, ...)
		end
	end
end
return "profiling"
