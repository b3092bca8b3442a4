#!/usr/bin/env bash
# bench/kona.sh — wrk against wonpay's Kona holder verification
# (POST /api/v1/bankaccounts/user/valid), plain and encrypted (JWE), and the
# CPU cost of the JWE path per request against the plain path.
#
#   DURATION=10 bench/kona.sh         (DURATION: seconds per wrk run, default 10)
#
# Kona tran tokens are single-use and must be within 5 minutes of the server
# clock, so wrk cannot resend one request: just before each run
# bench/kona_gen.py (/usr/bin/python3 + jwcrypto) signs enough distinct
# requests — RSA-OAEP-256 + A128GCM for the encrypted run — and
# bench/kona.lua sends each once (one file per wrk thread). If a run uses
# them all up it is redone with twice as many.
#
# wrk -t2 -c64 per mode; wonpay's CPU time (utime + stime from /proc/PID/stat)
# is read before and after each run: CPU ms per request = delta / requests.
# Everything is on 127.0.0.1. Prints a Markdown table and writes it to
# bench/results/kona-<timestamp>.md (wrk's reports next to it). Exit 1 if
# any answer was not a success (non-2xx, socket errors, or not 000_000).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
DURATION=${DURATION:-10}
CONNS=64
THREADS=2
HOST=127.0.0.1
PY=/usr/bin/python3
# Requests prepared per second of run, per mode (doubled and rerun if too few).
declare -A RATE_GUESS=([plain]=50000 [enc]=3000)
MAX_TRIES=3
PATH_VALID=/api/v1/bankaccounts/user/valid

die() { echo "kona.sh: $*" >&2; exit 1; }

case "$DURATION" in '' | *[!0-9]* | 0) die "DURATION must be a positive integer (seconds)" ;; esac
[ $# -eq 0 ] || die "no arguments; set DURATION in the environment"
# Tokens are stamped when generated and refused 5 minutes later.
[ "$DURATION" -le 200 ] || die "DURATION must be at most 200 s (tokens expire after 5 minutes)"

# --- tools: scripts/deps.sh installs what is missing (a no-op otherwise) ---

"$root/scripts/deps.sh" bench
CLK_TCK=$(getconf CLK_TCK)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kona-bench.XXXXXX")
wonpay_pid=""

# Stop what we started (by pid only), then remove the temp dir.
# shellcheck disable=SC2317  # invoked via trap
cleanup() {
	local rc=$?
	stop_pid "$wonpay_pid"
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers --------------------------------------------------------------
# utime + stime of a process (all its threads), in clock ticks. The command
# name may hold spaces, so count fields after its closing parenthesis.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

admin() { curl -sS --max-time 10 -H 'Authorization: Bearer sandbox-admin-token' "$@"; }

failed_checks=0
check_fail() { failed_checks=1; echo "!! $*" >&2; }

cmdline="DURATION=$DURATION $0"
echo "# $cmdline"

# --- wonpay ---------------------------------------------------------------
start_wonpay
banner=$(head -1 "$tmp/wonpay.out")
sandbox_dir="$tmp/sandbox" # beside the database: the PEM files
[ -r "$sandbox_dir/kona-server-public.pem" ] || die "no $sandbox_dir/kona-server-public.pem"

leave_bank_night
# Tran tokens are checked against the sandbox clock, offset included.
offset_ms=$(admin "$wbase/sandbox/clock" | sed -n 's/.*"offset_ms":\(-\{0,1\}[0-9]*\).*/\1/p')
[ -n "$offset_ms" ] || die "reading the sandbox clock offset failed"

# One member, then one verification by hand per mode, so a broken request
# shape fails here and not as 100% non-2xx.
user_id=$("$PY" "$root/bench/kona_gen.py" register "$wbase" "$offset_ms") || die "member registration failed"
for mode in plain enc; do
	probe=$("$PY" "$root/bench/kona_gen.py" probe "$wbase" "$sandbox_dir" "$offset_ms" "$user_id" "$mode") ||
		die "$mode probe failed"
	[ "$(echo "$probe" | awk '{ print $1, $2 }')" = "200 000_000" ] || die "$mode probe: $probe"
done

echo "# $banner (pid $wonpay_pid); member $user_id; sandbox clock offset ${offset_ms} ms; $(nproc) cores"

# --- measurements ---------------------------------------------------------
declare -A r_rps r_p50 r_p99 r_non2xx r_sock r_reqs r_cpu_ms r_per_req r_cores r_rss r_gen r_codes
for mode in plain enc; do
	count=$((RATE_GUESS[$mode] * DURATION))
	out="$tmp/wrk-$mode.txt"
	try=1
	while :; do
		rm -f "$tmp/req-$mode".*
		gen_args=(gen "$mode" --count "$count" --threads "$THREADS" --out "$tmp/req-$mode"
			--user-id "$user_id" --offset-ms "$offset_ms" --sandbox-dir "$sandbox_dir")
		echo "## kona_gen.py ${gen_args[*]:0:4} (try $try)" >&2
		gen_start=$(date +%s)
		read -r _ gen_s _ < <("$PY" "$root/bench/kona_gen.py" "${gen_args[@]}") ||
			die "generating $mode requests failed"
		cmd=(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s --latency
			-s "$root/bench/kona.lua" "$wbase$PATH_VALID" -- "$tmp/req-$mode")
		echo "## ${cmd[*]}" >&2
		cpu0=$(cpu_ticks "$wonpay_pid")
		"${cmd[@]}" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed ($mode)"; }
		cpu1=$(cpu_ticks "$wonpay_pid")
		# The oldest token must still have been fresh at the end of the run.
		age=$(( $(date +%s) - gen_start ))
		[ "$age" -lt 290 ] || check_fail "$mode: run ended ${age}s after the tokens were stamped (limit 300 s)"
		kill -0 "$wonpay_pid" 2>/dev/null || die "wonpay exited during the $mode run"
		grep -qx exhausted "$out" || break
		[ "$try" -lt "$MAX_TRIES" ] || { check_fail "$mode: $count requests were still too few"; break; }
		echo "## $mode: used up all $count prepared requests; again with $((count * 2))" >&2
		count=$((count * 2))
		try=$((try + 1))
	done

	read -r rps p50 p99 non2xx sockerr _ _ < <(parse_wrk "$out") ||
		{ cat "$out" >&2; die "could not parse wrk output ($mode)"; }
	read -r reqs secs < <(awk '/ requests in / { s = $4; sub(/s,?$/, "", s); print $1, s; exit }' "$out")
	if [ -z "${reqs:-}" ] || [ "$reqs" -eq 0 ]; then cat "$out" >&2; die "no completed requests ($mode)"; fi
	ticks=$((cpu1 - cpu0))
	cpu_ms=$(awk -v t="$ticks" -v hz="$CLK_TCK" 'BEGIN { printf "%.0f", t * 1000 / hz }')
	r_rps[$mode]=$rps r_p50[$mode]=$p50 r_p99[$mode]=$p99 r_non2xx[$mode]=$non2xx r_sock[$mode]=$sockerr
	r_reqs[$mode]=$reqs r_cpu_ms[$mode]=$cpu_ms r_gen[$mode]="$count in ${gen_s}s"
	r_per_req[$mode]=$(awk -v c="$cpu_ms" -v n="$reqs" 'BEGIN { printf "%.3f", c / n }')
	r_cores[$mode]=$(awk -v c="$cpu_ms" -v s="$secs" 'BEGIN { printf "%.2f", (s > 0 ? c / 1000 / s : 0) }')
	r_rss[$mode]="$(rss_of VmRSS "$wonpay_pid") / $(rss_of VmHWM "$wonpay_pid")"
	r_codes[$mode]=$(awk '$1 == "status" || $1 == "kona" { printf "%s%s %s: %s", sep, $1, $2, $3; sep = ", " }' "$out")

	# Every answer must be a success: HTTP 200 and 000_000 (plain) / encData (encrypted).
	want=$([ "$mode" = plain ] && echo 000_000 || echo encData)
	ok=$(awk -v w="$want" '$1 == "kona" && $2 == w { print $3 }' "$out")
	if [ "$non2xx" != 0 ] || [ "$sockerr" != 0 ] || [ "${ok:-0}" != "$reqs" ]; then
		check_fail "$mode: $non2xx non-2xx, $sockerr socket errors, $reqs requests, ${ok:-0} answered $want (${r_codes[$mode]})"
		grep -E 'Socket errors|Non-2xx' "$out" >&2 || true
	fi
	echo "| $mode | $CONNS | $rps | $p50 | $p99 | $non2xx | $sockerr | ${r_per_req[$mode]} | ${r_cores[$mode]} | ${r_rss[$mode]} |" >&2
done

# Still answering after the load.
after=$("$PY" "$root/bench/kona_gen.py" probe "$wbase" "$sandbox_dir" "$offset_ms" "$user_id" plain 2>&1) || true
[ "$(echo "$after" | awk '{ print $1, $2 }')" = "200 000_000" ] || check_fail "verification after the load: $after"

# --- report ---------------------------------------------------------------
extra=$(awk -v e="${r_per_req[enc]}" -v p="${r_per_req[plain]}" 'BEGIN { printf "%.3f", e - p }')
ratio=$(awk -v e="${r_per_req[enc]}" -v p="${r_per_req[plain]}" 'BEGIN { if (p > 0) printf "%.1f", e / p; else printf "—" }')
label() { [ "$1" = plain ] && echo "plain JSON" || echo "encrypted (JWE RSA-OAEP-256 + A128GCM)"; }
rows=""
for mode in plain enc; do
	rows+="| $(label "$mode") | $CONNS | ${r_rps[$mode]} | ${r_p50[$mode]} | ${r_p99[$mode]} | ${r_non2xx[$mode]} | ${r_sock[$mode]}"
	rows+=" | ${r_reqs[$mode]} | ${r_cpu_ms[$mode]} | ${r_per_req[$mode]} | ${r_cores[$mode]} | ${r_rss[$mode]} |"$'\n'
done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$root/bench/results"
report="$root/bench/results/kona-$stamp.md"
raw="${report%.md}.wrk.txt"
for mode in plain enc; do
	printf '==> wrk-%s <==\n' "$mode"
	cat "$tmp/wrk-$mode.txt"
	echo
done >"$raw"
{
	echo "# wonpay Kona holder verification benchmark $stamp"
	echo
	echo "Command: \`$cmdline\`"
	echo
	echo "POST $PATH_VALID (fixture account 004 11111111111, answer 000_000), wrk -t$THREADS -c$CONNS, ${DURATION}s per run," \
		"$(nproc) cores, wonpay $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo '+dirty')" \
		"($(echo "$banner" | sed 's/.*(\(.*\))$/\1/' | sed 's/database [^,]*, //'))." \
		"Every request has its own tran token, signed just before the run by bench/kona_gen.py" \
		"(plain: ${r_gen[plain]}; encrypted: ${r_gen[enc]}); wrk runs on the same machine."
	echo "CPU = wonpay's utime + stime (/proc/PID/stat, all threads, CLK_TCK $CLK_TCK) during the run;" \
		"per request = CPU / requests completed; cores = CPU / wall time of the run." \
		"RSS MiB = VmRSS / VmHWM after the run."
	echo
	echo "| mode | conns | req/s | p50 ms | p99 ms | non-2xx | sock err | requests | wonpay CPU ms | CPU ms/request | cores busy | RSS MiB (now / peak) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s' "$rows"
	echo
	echo "JWE path: **+$extra ms CPU per request** over plain (${r_per_req[enc]} vs ${r_per_req[plain]} ms, ×$ratio)."
	echo
	echo "Answers: plain — ${r_codes[plain]}; encrypted — ${r_codes[enc]}."
	[ "$failed_checks" = 0 ] || echo "Some checks FAILED (see the script's output)."
} >"$report"

echo
cat "$report"
echo
echo "written to ${report#"$root"/} and ${raw#"$root"/}"
exit "$failed_checks"
