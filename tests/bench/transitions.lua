-- wrk: confirm receipt of distinct sent referrals (POST /v1/referrals/{id}/transitions with
-- {"to":"received"} and If-Match "1"). The runner writes BENCH_IDS, one "token id" line per
-- sent referral of a busy node; thread k of n takes lines k, k+n, ... so no two requests
-- touch the same referral. Every answer but 200 counts as an error (reported in done()).
local threads = {}
local counter = 1

function setup(thread)
	thread:set("id", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

local lines = {}
local next_line = 1
local body = '{"to":"received"}'

function init(args)
	-- wrk ... -- THREADS: init runs before later threads exist, so the count comes as an argument.
	nthreads = tonumber(args[1]) or error("pass the thread count: wrk ... -- THREADS")
	local path = os.getenv("BENCH_IDS") or error("BENCH_IDS is not set")
	local i = 0
	for line in io.lines(path) do
		if i % nthreads == id - 1 then
			local token, rid = line:match("^(%d+)%s+(%S+)$")
			table.insert(lines, {token, rid})
		end
		i = i + 1
	end
	if os.getenv("BENCH_PHASE") == "warmup" then
		-- The warm-up before the measured run (run.sh) takes its referrals from the end.
		for a = 1, math.floor(#lines / 2) do
			lines[a], lines[#lines + 1 - a] = lines[#lines + 1 - a], lines[a]
		end
	end
	errors = 0
	exhausted = 0
end

function request()
	local entry = lines[next_line]
	if not entry then
		-- More requests than sent referrals: repeat the first (answers 409, counted).
		exhausted = exhausted + 1
		entry = lines[1]
	else
		next_line = next_line + 1
	end
	return wrk.format("POST", "/v1/referrals/" .. entry[2] .. "/transitions", {
		["Authorization"] = "Bearer bench-token-" .. entry[1],
		["Content-Type"] = "application/json",
		["If-Match"] = '"1"',
	}, body)
end

function response(status, headers, body)
	if status ~= 200 then
		errors = errors + 1
	end
end

function done(summary, latency, requests)
	local e, x = 0, 0
	for _, t in ipairs(threads) do
		e = e + t:get("errors")
		x = x + t:get("exhausted")
	end
	io.write(string.format("bench: non-200 answers %d, requests past the id list %d\n", e, x))
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
