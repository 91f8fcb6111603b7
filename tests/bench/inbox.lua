-- wrk: a caseworker's inbox, newest first (GET /v1/referrals?box=inbox&status=sent,received).
-- Each request uses one of the 200 bench tokens (tests/bench/generate.sql), picked at random,
-- so the reads spread over the 200 busy nodes. wrk counts non-2xx answers itself.
local path = "/v1/referrals?box=inbox&status=sent,received&limit=50"
local ntokens = 200

local threads = {}
local counter = 1

function setup(thread)
	thread:set("id", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

function init(args)
	math.randomseed(id * 7919)
end

function request()
	local t = math.random(1, ntokens)
	return wrk.format("GET", path, {["Authorization"] = "Bearer bench-token-" .. t})
end
