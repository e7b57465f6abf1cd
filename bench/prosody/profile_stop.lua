-- bench/prosody/profile_stop.lua: ends what profile_start.lua began and
-- writes the report to the file named by rawget(_G, "sacm_profile_out").
local P = rawget(_G, "sacm_profile")
P.on = false
debug.sethook()
for _, s in pairs(prosody.full_sessions) do
	local t = s.thread and s.thread.thread
	if t then debug.sethook(t) end
end
if P.svc then P.svc.publish = P.publish end
local function top(t, n)
	local a, out = {}, {}
	for k, v in pairs(t) do a[#a + 1] = { k, v } end
	table.sort(a, function (x, y) return x[2] > y[2] end)
	for i = 1, math.min(n, #a) do
		out[#out + 1] = string.format("%8d %5.1f%%  %s", a[i][2],
			100 * a[i][2] / math.max(P.n, 1), a[i][1])
	end
	return table.concat(out, "\n")
end
local pubs = {}
for node, n in pairs(P.pubs) do
	pubs[#pubs + 1] = string.format("%8d %12d  %s", n, P.bytes[node], node)
end
table.sort(pubs)
local f = assert(io.open(rawget(_G, "sacm_profile_out"), "w"))
f:write("Lua samples (every 1000 instructions): ", P.n, "\n",
	"\n== inclusive, by function\n", top(P.counts, 40),
	"\n\n== self, by line\n", top(P.self, 25),
	"\n\n== publishes and their bytes, by topic\n", table.concat(pubs, "\n"), "\n",
	"\nLua heap: ", string.format("%.0f KB", collectgarbage("count")), "\n")
f:close()
rawset(_G, "sacm_profile", nil)
return "stopped"
