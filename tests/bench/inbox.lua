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

-- BENCH_RATE (requests per second over BENCH_CONNS connections): a rate-limited client for
-- the latency at a given load (run.sh: half the peak). Each connection waits its share of
-- the interval after each answer, so the rate reached is a little below BENCH_RATE (wrk
-- reports it); without BENCH_RATE, as fast as answers come.
local rate = tonumber(os.getenv("BENCH_RATE") or "")
if rate then
	local interval = 1000 * tonumber(os.getenv("BENCH_CONNS")) / rate
	function delay()
		return math.floor(interval * (0.5 + math.random()))
	end
end
