-- wrk script for bench/payple.sh: durable Payple transfer requests
-- (POST /transfer/request) as a partner's code sends them.
--
--   wrk ... -s bench/payple.lua URL -- TOKENS_FILE BILLING_TRAN_ID
--
-- TOKENS_FILE holds one access token per line (fetched just before the run:
-- they live 60 s). A group holds at most 1,000 requests and every request
-- under one token joins the token's group, so each thread moves to its next
-- token every 900 requests (thread t uses lines t, t+T, t+2T, ...). done()
-- prints "result CODE COUNT" lines (A0000 = reserved) for the caller.

local threads = {}

function setup(thread)
	threads[#threads + 1] = thread
	thread:set("tid", #threads)
	thread:set("nthreads", 0)
end

local tokens, n, body, counts, step = {}, 0, nil, {}, 0

function init(args)
	for line in io.lines(args[1]) do
		tokens[#tokens + 1] = line
	end
	body = '{"cst_id":"test","custKey":"abcd1234567890","billing_tran_id":"' .. args[2]
		.. '","tran_amt":"1","print_content":"벤치"}'
	step = tonumber(args[3] or "2")
	results = counts
end

function request()
	local i = tid + step * math.floor(n / 900)
	n = n + 1
	local token = tokens[((i - 1) % #tokens) + 1]
	return wrk.format("POST", nil, {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. token,
	}, body)
end

function response(status, _headers, b)
	local code = string.match(b or "", '"result":"(%w+)"') or tostring(status)
	counts[code] = (counts[code] or 0) + 1
end

function done(_summary, _latency, _requests)
	local total = {}
	for _, t in ipairs(threads) do
		local r = t:get("results")
		if r ~= nil then
			for code, c in pairs(r) do
				total[code] = (total[code] or 0) + c
			end
		end
	end
	for code, c in pairs(total) do
		io.write(string.format("result %s %d\n", code, c))
	end
end
