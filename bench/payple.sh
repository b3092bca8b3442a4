#!/usr/bin/env bash
# bench/payple.sh — durable Payple transfer requests (POST /transfer/request,
# each a reservation on the ledger in the commit writer) against wonpay's raw
# durable transfer rate (POST /sandbox/transfers, bench/transfers.lua) in the
# same run, on the same server; then execution of groups of 100 items with a
# webhook per item to a local receiver (bench/payple_webhooks.py).
#
#   DURATION=10 CONNS=64 EXEC_GROUPS=50 bench/payple.sh
#
# Prints requests/s, p50, p99, CPU per request (utime+stime of the server /
# requests: the stable figure on a shared machine) and the commit writer's
# share of it (the serial stage), RSS, and the ratio of the two rates (target
# >= 0.5); items settled and webhooks delivered per second (target >= 2,000).
# After a SIGTERM, `ledger verify` must pass and every A0000 answer must be a
# reservation on disk; no webhook may be lost or delivered twice. Exit 1 if a
# check fails.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
THREADS=2
HOST=127.0.0.1
PY=/usr/bin/python3

die() { echo "payple.sh: $*" >&2; exit 1; }
case "$DURATION" in '' | *[!0-9]* | 0) die "DURATION must be a positive integer (seconds)" ;; esac
[ "$DURATION" -le 45 ] || die "DURATION must be at most 45: the access tokens live 60 s"
case "$CONNS" in '' | *[!0-9]* | 0) die "CONNS must be a positive integer" ;; esac
EXEC_GROUPS=${EXEC_GROUPS:-50}
case "$EXEC_GROUPS" in '' | *[!0-9]* | 0) die "EXEC_GROUPS must be a positive integer" ;; esac
"$root/scripts/deps.sh" bench

tmp=$(mktemp -d "${TMPDIR:-/tmp}/payple-bench.XXXXXX")
wonpay_pid=""
# shellcheck disable=SC2317  # invoked via trap
cleanup() { local rc=$?; stop_pid "$wonpay_pid"; rm -rf "$tmp"; exit "$rc"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_wonpay
leave_bank_night
echo "# DURATION=$DURATION CONNS=$CONNS $0"
echo "# $(head -1 "$tmp/wonpay.out")"

hz=$(getconf CLK_TCK)

writer_ticks "$wonpay_pid" >/dev/null # stops the run here when the writer thread cannot be found

# Run wrk, print "rps p50 p99 cpu_us_per_request writer_us_per_request":
# $1 = label, rest = wrk arguments.
measure() {
	local label=$1; shift
	local out="$tmp/wrk-$label.txt" t0 t1 w0 w1 rps p50 p99 _rest requests
	t0=$(cpu_ticks "$wonpay_pid")
	w0=$(writer_ticks "$wonpay_pid")
	wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s --latency "$@" >"$out" 2>&1 ||
		{ cat "$out" >&2; die "wrk failed ($label)"; }
	t1=$(cpu_ticks "$wonpay_pid")
	w1=$(writer_ticks "$wonpay_pid")
	read -r rps p50 p99 _rest < <(parse_wrk "$out") || { cat "$out" >&2; die "cannot parse wrk ($label)"; }
	requests=$(awk '/requests in/ { print $1; exit }' "$out")
	awk -v r="$rps" -v a="$p50" -v b="$p99" -v t=$((t1 - t0)) -v w=$((w1 - w0)) -v hz="$hz" \
		-v n="$requests" 'BEGIN { printf "%s %s %s %.1f %.1f\n", r, a, b,
			(n > 0 ? t / hz * 1e6 / n : 0), (n > 0 ? w / hz * 1e6 / n : 0) }'
}

# 1. The reference: raw durable transfers from a large account.
curl -sS --max-time 10 -o /dev/null -H 'Authorization: Bearer sandbox-admin-token' \
	--data-binary '{"bank_code":"088","account_number":"1000000001","holder_name":"벤치","birth_date":"19900101","balance":1000000000000}' \
	"$wbase/sandbox/bank-accounts"
read -r t_rps t_p50 t_p99 t_cpu t_w < <(measure transfers -s "$root/bench/transfers.lua" \
	"$wbase/sandbox/transfers" -- ref)

# 2. Payple: a billing key, then tokens for the whole run (60 s each), then requests.
"$PY" - "$wbase" "$tmp" "$DURATION" "$CONNS" <<'PYEOF'
import json, sys, urllib.request
base, tmp, duration, conns = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
creds = {"cst_id": "test", "custKey": "abcd1234567890"}
def post(path, body, token=None):
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    req = urllib.request.Request(base + path, json.dumps(body).encode(), h)
    return json.load(urllib.request.urlopen(req, timeout=10))
tok = lambda: post("/oauth/token", {**creds, "code": "bench12345"})["access_token"]
t = tok()
b = post("/inquiry/real_name", {**creds, "bank_code_std": "004", "account_num": "11111111111",
                                "account_holder_info_type": "0", "account_holder_info": "900101"}, t)
assert b["result"] == "A0000", b
open(tmp + "/billing", "w").write(b["billing_tran_id"])
# Enough tokens that no group passes 1,000 requests even at 20,000 requests/s.
with open(tmp + "/tokens", "w") as f:
    for _ in range(max(64, duration * 40)):
        f.write(tok() + "\n")
PYEOF
read -r p_rps p_p50 p_p99 p_cpu p_w < <(measure payple -s "$root/bench/payple.lua" \
	"$wbase/transfer/request" -- "$tmp/tokens" "$(cat "$tmp/billing")" "$THREADS")
grep '^result' "$tmp/wrk-payple.txt" >&2 || true
acked=$(awk '$1 == "result" && $2 == "A0000" { s += $3 } END { print s + 0 }' "$tmp/wrk-payple.txt")
other=$(awk '$1 == "result" && $2 != "A0000" { s += $3 } END { print s + 0 }' "$tmp/wrk-payple.txt")
rss="$(rss_of VmRSS "$wonpay_pid") / $(rss_of VmHWM "$wonpay_pid")"

kill -TERM "$wonpay_pid"
rc=0
wait "$wonpay_pid" || rc=$?
wonpay_pid=""
failed=0
[ "$rc" -eq 0 ] || { echo "!! wonpay exited with $rc after SIGTERM" >&2; failed=1; }
"$root/build/wonpay" ledger verify --db "$tmp/wonpay.db" >"$tmp/verify.txt" 2>&1 ||
	{ cat "$tmp/verify.txt" >&2; failed=1; }
on_disk=$(sqlite3 "$tmp/wonpay.db" "select count(*) from ledger_transfers where id like 'payple:req:%' and result = 0")
# Every A0000 is on disk; a few more may be (requests wrk gave up on at the end).
if [ "$on_disk" -lt "$acked" ] || [ "$on_disk" -gt $((acked + CONNS)) ]; then
	echo "!! $acked requests answered A0000, $on_disk reservations on disk" >&2; failed=1
fi
[ "$other" -eq 0 ] || { echo "!! $other answers other than A0000" >&2; failed=1; }

# 3. Execution with webhooks: EXEC_GROUPS groups of 100 items, each executed NOW with a
# webhook_url on a local receiver (its own server, as bench/payple_webhooks.py says).
hooks_ok="none lost, none twice"
"$PY" "$root/bench/payple_webhooks.py" "$root/build/wonpay" "$EXEC_GROUPS" 100 >"$tmp/webhooks.txt" 2>&1 ||
	{ cat "$tmp/webhooks.txt" >&2; echo "!! webhook run failed (lost, duplicated or exit)" >&2
	  hooks_ok="FAILED: lost, duplicated or a bad exit (above)"; failed=1; }
settled=$(sed -n 's/.*(\([0-9]*\) items settled\/s).*/\1/p' "$tmp/webhooks.txt")
hooks=$(sed -n 's/.*: \([0-9]*\)\/s end to end.*/\1/p' "$tmp/webhooks.txt")
received=$(sed -n 's/^received \([0-9]*\) webhooks.*/\1/p' "$tmp/webhooks.txt")

ratio=$(awk -v a="$p_rps" -v b="$t_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
echo
echo "| run ($CONNS connections) | requests/s | p50 ms | p99 ms | CPU µs/request | of it the writer |"
echo "|---|---|---|---|---|---|"
echo "| raw transfers (/sandbox/transfers) | $t_rps | $t_p50 | $t_p99 | $t_cpu | $t_w |"
echo "| Payple /transfer/request | $p_rps | $p_p50 | $p_p99 | $p_cpu | $p_w |"
echo
echo "ratio $ratio (target >= 0.5); RSS now/peak $rss MiB; A0000 $acked, reservations on disk $on_disk; ledger verify: $(tail -1 "$tmp/verify.txt")"
echo "execute: $EXEC_GROUPS groups x 100 items, ${settled:-?} items settled/s; ${received:-0} of $((EXEC_GROUPS * 100)) webhooks received, ${hooks:-?}/s end to end (target >= 2,000), $hooks_ok"
exit "$failed"
