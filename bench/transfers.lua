-- wrk script for bench/transfers.sh: every request is a new sandbox transfer
-- (POST /sandbox/transfers) with an id no other request uses.
--
--   wrk ... -s bench/transfers.lua URL -- RUNTAG [AMOUNT]
--
-- Ids are "<RUNTAG>-<thread>-<n>": RUNTAG tells runs against the same server
-- apart, <thread> the wrk threads, <n> counts per thread. The status of every
-- response is counted; done() prints "status CODE COUNT" lines for the caller
-- (201 = new transfer, 200 would be an idempotent replay, i.e. a repeated id).

local threads = {}

-- Runs once per thread, in the main Lua state, before the threads start.
function setup(thread)
	threads[#threads + 1] = thread
	thread:set("tid", #threads)
end

local prefix, n, body_head, body_tail, headers
local counts = {}

function init(args)
	local tag = args[1] or tostring(os.time())
	local amount = tonumber(args[2] or "1")
	prefix = string.format('%s-%d-', tag, tid)
	n = 0
	body_head = '{"id":"'
	body_tail = '","from":{"bank_code":"088","account_number":"1000000001"},'
		.. '"to":{"bank_code":"004","account_number":"11111111111"},'
		.. string.format('"amount":%d}', amount)
	headers = {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer sandbox-admin-token",
	}
	-- Exposed to done() through thread:get().
	statuses = counts
end

function request()
	n = n + 1
	return wrk.format("POST", nil, headers, body_head .. prefix .. n .. body_tail)
end

function response(status, _headers, _body)
	counts[status] = (counts[status] or 0) + 1
end

function done(_summary, _latency, _requests)
	local total = {}
	for _, t in ipairs(threads) do
		local s = t:get("statuses")
		if s ~= nil then
			for code, c in pairs(s) do
				total[code] = (total[code] or 0) + c
			end
		end
	end
	local codes = {}
	for code in pairs(total) do
		codes[#codes + 1] = code
	end
	table.sort(codes)
	for _, code in ipairs(codes) do
		io.write(string.format("status %d %d\n", code, total[code]))
	end
end
