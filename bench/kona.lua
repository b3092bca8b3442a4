-- wrk script for bench/kona.sh: Kona holder verification
-- (POST /api/v1/bankaccounts/user/valid) or card payments
-- (POST /api/v1/payment/no-hce), every request sent once.
--
--   wrk ... -s bench/kona.lua URL -- PREFIX
--
-- Kona tran tokens (and a payment's one-time token) are single-use, so the
-- requests are made ahead by bench/kona_gen.py: thread t reads PREFIX.t (its
-- own slice; lines of correlation id, tran time, tran token, crypto key id or
-- "-", body, split by tabs) and sends each line once. If a thread runs out
-- it starts over; those requests are replays the server refuses, and done()
-- reports "exhausted" so the caller can rerun with more requests.
--
-- done() prints, for the caller:
--   status CODE COUNT        every HTTP status seen
--   kona CODE COUNT          Kona response codes (plain answers), "encData" for
--                            encrypted answers (not decrypted here), "?" otherwise
--   sent N of M              requests built by request() vs. prepared
--   exhausted                when some thread ran out

local threads = {}

-- Runs once per thread, in the main Lua state, before the threads start.
function setup(thread)
	threads[#threads + 1] = thread
	thread:set("tid", #threads)
end

local reqs, n, total
local counts, kcodes = {}, {}

function init(args)
	local prefix = args[1] or error("kona.lua: give the request file prefix after --")
	local path = prefix .. "." .. tid
	local f = io.open(path, "r") or error("kona.lua: cannot open " .. path)
	reqs = {}
	for line in f:lines() do
		local cid, ttime, token, keyid, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
		if cid == nil then
			error("kona.lua: bad line in " .. path)
		end
		local h = {
			["Content-Type"] = "application/json",
			["X-KM-User-AspId"] = "KONASANDBOX0001",
			["X-KM-Access-Key"] = "sandbox000000000000000000000000000000000",
			["X-KM-Correlation-Id"] = cid,
			["X-KM-Tran-Time"] = ttime,
			["X-KM-Time-Zone"] = "KST",
			["X-KM-Tran-Token"] = token,
		}
		if keyid ~= "-" then
			h["X-KM-Crypto-Key-Id"] = keyid
		end
		reqs[#reqs + 1] = wrk.format("POST", nil, h, body)
	end
	f:close()
	total = #reqs
	if total == 0 then
		error("kona.lua: no requests in " .. path)
	end
	n = 0
	-- Exposed to done() through thread:get().
	statuses, konacodes, sent, prepared = counts, kcodes, 0, total
end

function request()
	n = n + 1
	sent = n
	return reqs[(n - 1) % total + 1]
end

function response(status, _headers, body)
	counts[status] = (counts[status] or 0) + 1
	local code = "?"
	if body ~= nil then
		code = body:match('"code"%s*:%s*"([%d_]+)"')
			or (body:find('"encData"', 1, true) and "encData") or "?"
	end
	kcodes[code] = (kcodes[code] or 0) + 1
end

local function sum_into(total_t, part)
	if part ~= nil then
		for k, v in pairs(part) do
			total_t[k] = (total_t[k] or 0) + v
		end
	end
end

local function print_sorted(label, t)
	local keys = {}
	for k in pairs(t) do
		keys[#keys + 1] = k
	end
	table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
	for _, k in ipairs(keys) do
		io.write(string.format("%s %s %d\n", label, tostring(k), t[k]))
	end
end

function done(_summary, _latency, _requests)
	local st, kc, s, p, out = {}, {}, 0, 0, false
	for _, t in ipairs(threads) do
		sum_into(st, t:get("statuses"))
		sum_into(kc, t:get("konacodes"))
		local ts, tp = t:get("sent") or 0, t:get("prepared") or 0
		s, p = s + ts, p + tp
		if ts > tp then
			out = true
		end
	end
	print_sorted("status", st)
	print_sorted("kona", kc)
	io.write(string.format("sent %d of %d\n", s, p))
	if out then
		io.write("exhausted\n")
	end
end
