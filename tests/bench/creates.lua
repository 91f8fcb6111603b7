-- wrk: create referrals (POST /v1/referrals) on distinct (case, receiver) pairs, so that no
-- answer is a 409 duplicate. Pair m (thread k of n takes m = k-1, k-1+n, ...): case
-- 1 + m % 50000 (owned by busy node 1 + (case-1) % 200, whose token is used), receiver
-- node 4901 + (m / 50000) % 100, a node the generated data never refers to (generate.sql).
local threads = {}
local counter = 1

function setup(thread)
	thread:set("id", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

local i = 0

local function bench_id(kind, n)
	return string.format("bbbbbbb%s-0000-4000-8000-%012d", kind, n)
end

function init(args)
	-- wrk ... -- THREADS: init runs before later threads exist, so the count comes as an argument.
	nthreads = tonumber(args[1]) or error("pass the thread count: wrk ... -- THREADS")
	errors = 0
end

-- The warm-up before the measured run (run.sh) takes the pairs of receivers 4951-5000.
local first_pair = os.getenv("BENCH_PHASE") == "warmup" and 50 * 50000 or 0

function request()
	local m = first_pair + (id - 1) + nthreads * i
	i = i + 1
	local c = 1 + m % 50000
	local receiver = 4901 + math.floor(m / 50000) % 100
	local token = 1 + (c - 1) % 200
	local body = string.format('{"case_id":"%s","to_node_id":"%s","reason":"Bench"}',
		bench_id(6, c), bench_id(2, receiver))
	return wrk.format("POST", "/v1/referrals", {
		["Authorization"] = "Bearer bench-token-" .. token,
		["Content-Type"] = "application/json",
	}, body)
end

function response(status, headers, body)
	if status ~= 201 then
		errors = errors + 1
	end
end

function done(summary, latency, requests)
	local e = 0
	for _, t in ipairs(threads) do
		e = e + t:get("errors")
	end
	io.write(string.format("bench: non-201 answers %d\n", e))
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
