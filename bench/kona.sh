#!/usr/bin/env bash
# bench/kona.sh — wrk against wonpay's Kona holder verification
# (POST /api/v1/bankaccounts/user/valid, the reference) and Kona card payments
# (POST /api/v1/payment/no-hce), each plain and encrypted (JWE), and the CPU
# cost per request of each.
#
#   DURATION=10 bench/kona.sh         (DURATION: seconds per wrk run, default 10)
#   TOKENS_PER_CARD=16                (payments: one-time tokens per card, 1..256)
#
# Kona tran tokens are single-use and must be within 5 minutes of the server
# clock, so wrk cannot resend one request: just before each run
# bench/kona_gen.py (/usr/bin/python3 + jwcrypto) signs enough distinct
# requests — RSA-OAEP-256 + A128GCM for the encrypted runs — and
# bench/kona.lua sends each once (one file per wrk thread). If a run uses
# them all up it is redone with twice as many.
#
# A payment also spends a one-time token of the card, so before a payment run
# kona_gen.py asks wonpay for one per payment (v2 payment/generate/onetimetoken
# with type CREDIT: 5 minutes, where a plain token's 30 s would run out before
# its payment is sent), TOKENS_PER_CARD from each card and every run on cards
# of its own (a card keeps at most 256 live tokens, and a payment's cost grows
# with them). The cards are members' mobile cards (user/registration), each
# with the sandbox account 004 46400000001 of 홍길동 registered (ARS answered
# through the control API) and 10,000 won charged from it; a payment is 1 won
# to one merchant. After the runs the cards' balances must be down by the
# payments answered 200, plus at most those still in flight when wrk stopped
# (sent, never answered to wrk).
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
declare -A RATE_GUESS=([check-plain]=50000 [check-enc]=3000 [pay-plain]=2000 [pay-enc]=1500)
MODES=(check-plain check-enc pay-plain pay-enc)
MAX_TRIES=3
PATH_VALID=/api/v1/bankaccounts/user/valid
PATH_PAY=/api/v1/payment/no-hce
TOKENS_PER_CARD=${TOKENS_PER_CARD:-16}
CHARGE=10000 # won charged onto each card

die() { echo "kona.sh: $*" >&2; exit 1; }

case "$DURATION" in '' | *[!0-9]* | 0) die "DURATION must be a positive integer (seconds)" ;; esac
case "$TOKENS_PER_CARD" in '' | *[!0-9]* | 0) die "TOKENS_PER_CARD must be a positive integer" ;; esac
[ "$TOKENS_PER_CARD" -le 256 ] || die "TOKENS_PER_CARD must be at most 256 (a card keeps at most 256 live tokens)"
[ $# -eq 0 ] || die "no arguments; set DURATION in the environment"
# Tokens are stamped when generated and refused 5 minutes later; a payment
# run first fetches a one-time token per payment (about 1,000-2,000 a second).
[ "$DURATION" -le 60 ] || die "DURATION must be at most 60 s (tokens expire after 5 minutes)"

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

admin() { curl -sS --max-time 10 -H 'Authorization: Bearer sandbox-admin-token' "$@"; }

failed_checks=0
check_fail() { failed_checks=1; echo "!! $*" >&2; }

cmdline="DURATION=$DURATION TOKENS_PER_CARD=$TOKENS_PER_CARD $0"
echo "# $cmdline"

# --- wonpay ---------------------------------------------------------------
# shellcheck disable=SC2119 # no extra serve flags
start_wonpay
banner=$(head -1 "$tmp/wonpay.out")
sandbox_dir="$tmp/sandbox" # beside the database: the PEM files
[ -r "$sandbox_dir/kona-server-public.pem" ] || die "no $sandbox_dir/kona-server-public.pem"

leave_bank_night
# Tran tokens are checked against the sandbox clock, offset included.
offset_ms=$(admin "$wbase/sandbox/clock" | sed -n 's/.*"offset_ms":\(-\{0,1\}[0-9]*\).*/\1/p')
[ -n "$offset_ms" ] || die "reading the sandbox clock offset failed"

# Funded cards for the payment runs: enough for both first tries (more are
# made if a run is redone with more payments). $cards_used: the cards
# earlier runs took tokens from; every run takes the next ones.
cards_file="$tmp/cards.txt"
cards_used=0
paid=0       # payments answered 200, probes included: what the cards must be down by,
unanswered=0 # plus at most these: sent when wrk stopped, their answers never read
need_cards() { echo $(( ($1 + TOKENS_PER_CARD - 1) / TOKENS_PER_CARD )); }
make_cards() { # $1 = how many cards the file must hold
	local made
	made=$("$PY" "$root/bench/kona_gen.py" cards "$wbase" "$offset_ms" --count "$1" \
		--file "$cards_file" --amount "$CHARGE") || die "making funded cards failed"
	echo "## cards: $made (cards, new, seconds)" >&2
}
make_cards $(( $(need_cards $((RATE_GUESS[pay-plain] * DURATION))) + $(need_cards $((RATE_GUESS[pay-enc] * DURATION))) ))

# One member, then one verification and one payment by hand per encoding, so
# a broken request shape fails here and not as 100% non-2xx.
user_id=$("$PY" "$root/bench/kona_gen.py" register "$wbase" "$offset_ms") || die "member registration failed"
for enc in plain enc; do
	probe=$("$PY" "$root/bench/kona_gen.py" probe "$wbase" "$sandbox_dir" "$offset_ms" "$user_id" "$enc") ||
		die "$enc probe failed"
	[ "$(echo "$probe" | awk '{ print $1, $2 }')" = "200 000_000" ] || die "$enc probe: $probe"
	probe=$("$PY" "$root/bench/kona_gen.py" payprobe "$wbase" "$sandbox_dir" "$offset_ms" "$cards_file" "$enc") ||
		die "$enc payment probe failed"
	[ "$(echo "$probe" | awk '{ print $1, $2 }')" = "200 000_000" ] || die "$enc payment probe: $probe"
	paid=$((paid + 1))
done

echo "# $banner (pid $wonpay_pid); member $user_id; sandbox clock offset ${offset_ms} ms; $(nproc) cores"

# --- measurements ---------------------------------------------------------
declare -A r_rps r_p50 r_p99 r_non2xx r_sock r_reqs r_cpu_ms r_per_req r_cores r_rss r_gen r_codes
for mode in "${MODES[@]}"; do
	kind=${mode%-*} enc=${mode#*-}
	count=$((RATE_GUESS[$mode] * DURATION))
	out="$tmp/wrk-$mode.txt"
	try=1
	while :; do
		rm -f "$tmp/req-$mode".*
		gen_args=(gen "$enc" --count "$count" --threads "$THREADS" --out "$tmp/req-$mode"
			--offset-ms "$offset_ms" --sandbox-dir "$sandbox_dir")
		if [ "$kind" = pay ]; then
			cards=$(need_cards "$count")
			make_cards $((cards_used + cards))
			gen_args+=(--pay-cards "$cards_file" --first-card "$cards_used" --per-card "$TOKENS_PER_CARD" --base "$wbase")
			cards_used=$((cards_used + cards))
			url=$wbase$PATH_PAY
		else
			gen_args+=(--user-id "$user_id")
			url=$wbase$PATH_VALID
		fi
		echo "## $mode: kona_gen.py ${gen_args[*]:0:4} (try $try)" >&2
		gen_start=$(date +%s)
		read -r _ gen_s _ tok_s < <("$PY" "$root/bench/kona_gen.py" "${gen_args[@]}") ||
			die "generating $mode requests failed"
		cmd=(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s --latency
			-s "$root/bench/kona.lua" "$url" -- "$tmp/req-$mode")
		echo "## ${cmd[*]}" >&2
		cpu0=$(cpu_ticks "$wonpay_pid")
		"${cmd[@]}" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed ($mode)"; }
		cpu1=$(cpu_ticks "$wonpay_pid")
		# Payments that went through, in this try too (the cards' balances say so).
		if [ "$kind" = pay ]; then
			read -r ok200 lost < <(awk '$1 == "status" { n += $3; if ($2 == 200) ok += $3 }
				$1 == "sent" { s = $2 } END { print ok + 0, s - n }' "$out")
			paid=$((paid + ok200)) unanswered=$((unanswered + lost))
		fi
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
	[ "$kind" = pay ] && r_gen[$mode]+=" (one-time tokens ${tok_s}s, $cards cards)"
	r_per_req[$mode]=$(awk -v c="$cpu_ms" -v n="$reqs" 'BEGIN { printf "%.3f", c / n }')
	r_cores[$mode]=$(awk -v c="$cpu_ms" -v s="$secs" 'BEGIN { printf "%.2f", (s > 0 ? c / 1000 / s : 0) }')
	r_rss[$mode]="$(rss_of VmRSS "$wonpay_pid") / $(rss_of VmHWM "$wonpay_pid")"
	r_codes[$mode]=$(awk '$1 == "status" || $1 == "kona" { printf "%s%s %s: %s", sep, $1, $2, $3; sep = ", " }' "$out")

	# Every answer must be a success: HTTP 200 and 000_000 (plain) / encData (encrypted).
	want=$([ "$enc" = plain ] && echo 000_000 || echo encData)
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
after=$("$PY" "$root/bench/kona_gen.py" payprobe "$wbase" "$sandbox_dir" "$offset_ms" "$cards_file" plain 2>&1) || true
if [ "$(echo "$after" | awk '{ print $1, $2 }')" = "200 000_000" ]; then paid=$((paid + 1)); else check_fail "payment after the load: $after"; fi

# Every payment answered 200 took 1 won off its card, and no refused one did.
read -r ncards held < <("$PY" "$root/bench/kona_gen.py" balance "$wbase" "$offset_ms" "$cards_file") ||
	die "reading the cards' balances failed"
moved=$((ncards * CHARGE - held))
if [ "$moved" -lt "$paid" ] || [ "$moved" -gt $((paid + unanswered)) ]; then
	check_fail "the cards are down by $moved won; $paid payments were answered 200 and $unanswered were in flight when wrk stopped"
fi

# --- report ---------------------------------------------------------------
# extra A B: A's CPU per request minus B's; ratio A B: A's over B's.
extra() { awk -v a="${r_per_req[$1]}" -v b="${r_per_req[$2]}" 'BEGIN { printf "%+.3f", a - b }'; }
ratio() { awk -v a="${r_per_req[$1]}" -v b="${r_per_req[$2]}" 'BEGIN { if (b > 0) printf "%.1f", a / b; else printf "—" }'; }
label() {
	local what
	what=$([ "${1%-*}" = pay ] && echo "payment" || echo "holder check")
	[ "${1#*-}" = plain ] && echo "$what, plain JSON" || echo "$what, encrypted (JWE RSA-OAEP-256 + A128GCM)"
}
rows=""
for mode in "${MODES[@]}"; do
	rows+="| $(label "$mode") | $CONNS | ${r_rps[$mode]} | ${r_p50[$mode]} | ${r_p99[$mode]} | ${r_non2xx[$mode]} | ${r_sock[$mode]}"
	rows+=" | ${r_reqs[$mode]} | ${r_cpu_ms[$mode]} | ${r_per_req[$mode]} | ${r_cores[$mode]} | ${r_rss[$mode]} |"$'\n'
done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$root/bench/results"
report="$root/bench/results/kona-$stamp.md"
raw="${report%.md}.wrk.txt"
for mode in "${MODES[@]}"; do
	printf '==> wrk-%s <==\n' "$mode"
	cat "$tmp/wrk-$mode.txt"
	echo
done >"$raw"
{
	echo "# wonpay Kona card payment and holder verification benchmark $stamp"
	echo
	echo "Command: \`$cmdline\`"
	echo
	echo "Holder check: POST $PATH_VALID (fixture account 004 11111111111, answer 000_000)." \
		"Payment: POST $PATH_PAY, 1 won each to merchant 410195430033901, each with its own one-time token" \
		"(type CREDIT, 5 minutes) asked for just before the run, $TOKENS_PER_CARD per card, every run on cards of its own" \
		"($cards_used cards in all, each a member's mobile card charged $CHARGE won from a registered account); answer 000_000."
	echo "wrk -t$THREADS -c$CONNS, ${DURATION}s per run," \
		"$(nproc) cores, wonpay $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo '+dirty')" \
		"($(echo "$banner" | sed 's/.*(\(.*\))$/\1/' | sed 's/database [^,]*, //'))." \
		"Every request has its own tran token, signed just before the run by bench/kona_gen.py" \
		"(holder check plain: ${r_gen[check-plain]}; encrypted: ${r_gen[check-enc]};" \
		"payment plain: ${r_gen[pay-plain]}; encrypted: ${r_gen[pay-enc]}); wrk runs on the same machine."
	echo "CPU = wonpay's utime + stime (/proc/PID/stat, all threads, CLK_TCK $CLK_TCK) during the run;" \
		"per request = CPU / requests completed; cores = CPU / wall time of the run." \
		"RSS MiB = VmRSS / VmHWM after the run."
	echo
	echo "| mode | conns | req/s | p50 ms | p99 ms | non-2xx | sock err | requests | wonpay CPU ms | CPU ms/request | cores busy | RSS MiB (now / peak) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s' "$rows"
	echo
	echo "JWE path: holder check **$(extra check-enc check-plain) ms CPU per request** over plain" \
		"(${r_per_req[check-enc]} vs ${r_per_req[check-plain]} ms, ×$(ratio check-enc check-plain));" \
		"payment **$(extra pay-enc pay-plain) ms** (${r_per_req[pay-enc]} vs ${r_per_req[pay-plain]} ms, ×$(ratio pay-enc pay-plain))."
	echo "Payment against the holder check: plain $(extra pay-plain check-plain) ms CPU per request (×$(ratio pay-plain check-plain))," \
		"encrypted $(extra pay-enc check-enc) ms (×$(ratio pay-enc check-enc))."
	echo "Ledger: the $ncards cards' balances are down by $moved won: $paid payments answered 200 (1 won each, probes included)" \
		"and $((moved - paid)) of the $unanswered still in flight when wrk stopped."
	echo
	echo "Answers:"
	for mode in "${MODES[@]}"; do echo "- $(label "$mode") — ${r_codes[$mode]}"; done
	[ "$failed_checks" = 0 ] || echo "Some checks FAILED (see the script's output)."
} >"$report"

echo
cat "$report"
echo
echo "written to ${report#"$root"/} and ${raw#"$root"/}"
exit "$failed_checks"
