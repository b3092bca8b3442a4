#!/usr/bin/env bash
# bench/transfers.sh — wrk against wonpay's durable sandbox transfers
# (POST /sandbox/transfers, a unique id per request), with references in the
# same run: pgbench tpcb-like on a throwaway PostgreSQL cluster, and wonpay's
# own transfer statements on SQLite without HTTP, one transfer per commit and
# in batches of 128 (the SQLite batch ceiling: how far the storage would go).
#
#   DURATION=10 bench/transfers.sh    (DURATION: seconds per measured run, default 10)
#   SERVE_ARGS='--commit-wait-us 200' bench/transfers.sh   (extra `wonpay serve` flags)
#
# 1. wonpay: wrk -t2 at 64 and 256 connections; afterwards wonpay is stopped
#    with SIGTERM, `wonpay ledger verify` must pass and every acknowledged
#    (201) transfer must be in ledger_transfers.
# 2. PostgreSQL: initdb in the temp dir, loopback only, fsync=on,
#    synchronous_commit=on; pgbench -i -s 10, then -b tpcb-like -c 8 -j 2;
#    then wonpay itself on that cluster (one process, --db postgres://...): the
#    same wrk runs, CPU per transfer of wonpay and of PostgreSQL, ledger verify
#    and every 201 in the database; issue 14's target is 5x pgbench's tps.
# 3. SQLite: bench/sqlite_ref.c, wonpay's schema, statements and PRAGMAs
#    (WAL, synchronous=FULL), one thread: one transfer per commit, then the
#    batch ceiling, 128 transfers per commit (SQ_BATCH), each in its own
#    savepoint as wonpay's writer runs them. CPU per transfer: getrusage for
#    SQLite, the process's utime + stime over each wrk run for wonpay.
# Everything runs one after the other on 127.0.0.1. Prints a Markdown table
# and writes it to bench/results/transfers-<timestamp>.md (raw outputs next
# to it). Exit 1 if a correctness check fails; missed targets are reported.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
DURATION=${DURATION:-10}
SERVE_ARGS=${SERVE_ARGS:-}
CONNS="64 256"
THREADS=2
HOST=127.0.0.1
PG_SCALE=10
PG_CLIENTS=8
PG_JOBS=2
SQ_BATCH=128 # transfers per commit in the SQLite batch ceiling
# Targets (on 2 cores): the first benchmark issue's, then issue 13's CPU per transfer
# and p99 at 256 connections (on an otherwise idle machine).
T_TPS=10000
T_P99_MS=50
T_RSS_MIB=100
T_CPU_US=40
T_P99_256_MS=20
T_PG_X=5 # issue 14: one wonpay process on PostgreSQL, times pgbench's tps

die() { echo "transfers.sh: $*" >&2; exit 1; }

case "$DURATION" in '' | *[!0-9]* | 0) die "DURATION must be a positive integer (seconds)" ;; esac
[ $# -eq 0 ] || die "no arguments; set DURATION / SERVE_ARGS in the environment"

# --- tools: scripts/deps.sh installs what is missing (a no-op otherwise) ---

"$root/scripts/deps.sh" bench

# PostgreSQL server binaries live outside PATH on Debian; take the newest.
pg_bindir() {
	local d
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && [ -x "$d/pgbench" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}
PGBIN=$(pg_bindir) || die "no PostgreSQL binaries in /usr/lib/postgresql (scripts/deps.sh bench installs them)"

# postgres refuses to run as root: as root, run the cluster as 'nobody'.
if [ "$(id -u)" -eq 0 ]; then
	PG_USER=nobody
	id "$PG_USER" >/dev/null 2>&1 || die "user $PG_USER missing"
	pg_as() { runuser -u "$PG_USER" -- "$@"; }
else
	PG_USER=$(id -un)
	pg_as() { "$@"; }
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/transfers-bench.XXXXXX")
chmod 755 "$tmp" # the postgres user must reach its directories inside
wonpay_pid=""
pg_started=""
pg_pid=""

# Stop what we started (by pid, or pg_ctl for our own data dir), then remove the temp dir.
# shellcheck disable=SC2317  # invoked via trap
cleanup() {
	local rc=$?
	stop_pid "$wonpay_pid"
	if [ -n "$pg_started" ]; then
		(cd "$tmp" && pg_as "$PGBIN/pg_ctl" -D "$tmp/pg" -m fast -w -t 20 stop) >/dev/null 2>&1 || true
		if [ -n "$pg_pid" ] && kill -0 "$pg_pid" 2>/dev/null; then
			kill -QUIT "$pg_pid" 2>/dev/null || true # immediate shutdown of our postmaster
			for _ in $(seq 50); do kill -0 "$pg_pid" 2>/dev/null || break; sleep 0.1; done
		fi
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers --------------------------------------------------------------


# p50 / p99 in ms of pgbench -l logs (field 3 = latency in microseconds).
pg_log_pcts() {
	cat "$@" | awk '{ print $3 }' | sort -n | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "? ?"; exit }
			i50 = int((NR - 1) * 0.50) + 1; i99 = int((NR - 1) * 0.99) + 1
			printf "%.2f %.2f\n", v[i50] / 1000, v[i99] / 1000
		}'
}

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

fmt_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "—" }'; }


# Runs bench/sqlite_ref.c into $tmp/$1.txt (on $tmp/$1.db): $2 = transfers per commit.
sqlite_ref() {
	sync
	echo "## bench/sqlite_ref.c $tmp/$1.db $DURATION $2" >&2
	"$tmp/sqlite_ref" "$tmp/$1.db" "$DURATION" "$2" >"$tmp/$1.txt" 2>&1 ||
		{ cat "$tmp/$1.txt" >&2; die "sqlite_ref failed (batch $2)"; }
}
# Its "name value ..." line -> "tps p50_ms p99_ms maxrss_mib cpu_us".
parse_sqlite_ref() {
	awk '$1 == "transfers" {
		for (i = 1; i < NF; i += 2) v[$i] = $(i + 1)
		printf "%s %.2f %.2f %.1f %.1f\n", v["tps"], v["p50_ms"], v["p99_ms"], v["maxrss_kb"] / 1024, v["cpu_us"]
	}' "$1"
}

# shellcheck disable=SC2016  # the quotes are literal, inside double quotes
cmdline="DURATION=$DURATION${SERVE_ARGS:+ SERVE_ARGS='$SERVE_ARGS'} $0"
echo "# $cmdline"
failed_checks=0
check_fail() { failed_checks=1; echo "!! $*" >&2; }

# --- build (wonpay itself is built by start_wonpay) ------------------------
gcc -O2 -std=c11 -Wall -o "$tmp/sqlite_ref" "$root/bench/sqlite_ref.c" -lsqlite3 ||
	die "could not build bench/sqlite_ref.c"

# --- wonpay -----------------------------------------------------------------
db="$tmp/wonpay.db"
# shellcheck disable=SC2086  # SERVE_ARGS is a list of flags
start_wonpay $SERVE_ARGS
banner=$(head -1 "$tmp/wonpay.out")

leave_bank_night

# The source account (large enough that no transfer is refused for funds), then
# one transfer by hand, so a broken request shape fails here and not as 100% non-2xx.
seed_source() {
	local code probe
	code=$(curl -sS --max-time 10 -o "$tmp/account.json" -w '%{http_code}' \
		-H 'Authorization: Bearer sandbox-admin-token' -H 'Content-Type: application/json' \
		--data-binary '{"bank_code":"088","account_number":"1000000001","holder_name":"벤치","birth_date":"19900101","balance":1000000000000}' \
		"$wbase/sandbox/bank-accounts") || die "creating the source account failed"
	[ "$code" = 201 ] || { cat "$tmp/account.json" >&2; die "creating the source account: HTTP $code"; }
	probe='{"id":"probe-1","from":{"bank_code":"088","account_number":"1000000001"},"to":{"bank_code":"004","account_number":"11111111111"},"amount":1}'
	code=$(curl -sS --max-time 10 -o "$tmp/probe.json" -w '%{http_code}' \
		-H 'Authorization: Bearer sandbox-admin-token' -H 'Content-Type: application/json' \
		--data-binary "$probe" "$wbase/sandbox/transfers") || die "probe transfer failed"
	[ "$code" = 201 ] || { cat "$tmp/probe.json" >&2; die "probe transfer: HTTP $code"; }
}
seed_source
acked=1

sync # start each measured phase without the previous one's writeback pending
echo "# $banner (pid $wonpay_pid)${SERVE_ARGS:+, serve $SERVE_ARGS}"
declare -A w_rps w_p50 w_p99 w_err w_rss w_detail w_cpu w_wcpu w_xcpu
# wrk_phase TAG: durable transfers at each connection count against $wbase
# (wonpay $wonpay_pid) into w_*[TAG$c], the 201s added to acked; with xparent
# set, the CPU per transfer of that process and its children (PostgreSQL's
# postmaster and backends) into w_xcpu.
wrk_phase() {
	local tag=$1 c k out ticks0 ticks1 wticks0 wticks1 x0=0 x1=0 errs xpids=""
	local rps p50 p99 non2xx sockerr n201 nother
	for c in $CONNS; do
		k=$tag$c
		[ -z "${xparent:-}" ] || xpids="$xparent $(pgrep -P "$xparent" | tr '\n' ' ')"
		local cmd=(wrk -t"$THREADS" -c"$c" -d"${DURATION}s" --timeout 10s --latency
			-s "$root/bench/transfers.lua" "$wbase/sandbox/transfers" -- "${tag}c$c")
		echo "## ${cmd[*]}" >&2
		out="$tmp/wrk-${tag}c$c.txt"
		# shellcheck disable=SC2086  # one pid per word
		[ -z "${xpids:-}" ] || x0=$(cpu_ticks_of $xpids)
		ticks0=$(cpu_ticks "$wonpay_pid") wticks0=$(writer_ticks "$wonpay_pid")
		"${cmd[@]}" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed ($tag c=$c)"; }
		ticks1=$(cpu_ticks "$wonpay_pid") wticks1=$(writer_ticks "$wonpay_pid")
		# shellcheck disable=SC2086  # one pid per word
		[ -z "${xpids:-}" ] || x1=$(cpu_ticks_of $xpids)
		read -r rps p50 p99 non2xx sockerr n201 nother < <(parse_wrk "$out") ||
			{ cat "$out" >&2; die "could not parse wrk output ($tag c=$c)"; }
		kill -0 "$wonpay_pid" 2>/dev/null || die "wonpay exited during the $tag c=$c run"
		# CPU per request answered (any status), in microseconds.
		w_cpu[$k]=$(us_per_request $((ticks1 - ticks0)) $((n201 + nother)))
		w_wcpu[$k]=$(us_per_request $((wticks1 - wticks0)) $((n201 + nother)))
		w_xcpu[$k]=$(us_per_request $((x1 - x0)) $((n201 + nother)))
		w_rss[$k]="$(rss_of VmRSS "$wonpay_pid") / $(rss_of VmHWM "$wonpay_pid")"
		acked=$((acked + n201))
		# Anything but 201 is an error here: 200 would mean a repeated id (a replay).
		errs=$((nother + sockerr))
		[ "$non2xx" -le "$nother" ] || errs=$((errs + non2xx - nother))
		w_rps[$k]=$rps w_p50[$k]=$p50 w_p99[$k]=$p99 w_err[$k]=$errs
		w_detail[$k]="201: $n201, other status: $nother, non-2xx: $non2xx, socket errors: $sockerr"
		[ "$errs" -eq 0 ] || { check_fail "wonpay $tag c=$c: ${w_detail[$k]}"; grep -E '^status|Socket errors|Non-2xx' "$out" >&2 || true; }
		echo "| wonpay $tag | $c | $rps | $p50 | $p99 | $errs | ${w_rss[$k]} |" >&2
	done
}
wrk_phase ""

# Graceful stop: SIGTERM drains and exits 0 (into wonpay_rc); then the ledger must verify.
stop_wonpay() {
	kill -TERM "$wonpay_pid"
	wonpay_rc=0
	for _ in $(seq 200); do kill -0 "$wonpay_pid" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$wonpay_pid" 2>/dev/null; then
		check_fail "wonpay still running 10 s after SIGTERM; killing it"
		kill -KILL "$wonpay_pid" 2>/dev/null || true
	fi
	wait "$wonpay_pid" || wonpay_rc=$?
	wonpay_pid=""
	[ "$wonpay_rc" -eq 0 ] || check_fail "wonpay exited with status $wonpay_rc after SIGTERM"
}
stop_wonpay

verify_rc=0
"$root/build/wonpay" ledger verify --db "$db" >"$tmp/verify.txt" 2>&1 || verify_rc=$?
verify_msg=$(tr '\n' ' ' <"$tmp/verify.txt" | sed 's/ *$//')
if [ "$verify_rc" -eq 0 ]; then verify="ok"; else verify="FAILED (exit $verify_rc)"; check_fail "ledger verify: $verify_msg"; fi
n_ledger=$(sqlite3 "$db" 'select count(*) from ledger_transfers')
n_wire=$(sqlite3 "$db" "select count(*) from ledger_transfers where id like 'wire:%' and result = 0")
# Every 201 must be on disk. A few more may be: requests wrk gave up on at the
# end of a run (at most one per connection) can still have been committed.
max_extra=0
for c in $CONNS; do max_extra=$((max_extra + c)); done
if [ "$n_wire" -lt "$acked" ]; then
	check_fail "$acked transfers acknowledged with 201 but only $n_wire posted wire transfers in the DB"
elif [ "$n_wire" -gt $((acked + max_extra)) ]; then
	check_fail "$n_wire posted wire transfers in the DB but only $acked acknowledged"
fi
echo "# ledger verify: $verify; ledger_transfers rows: $n_ledger ($n_wire posted wire transfers, $acked acknowledged with 201)" >&2

# --- PostgreSQL reference -----------------------------------------------------
mkdir -p "$tmp/pg" "$tmp/pgrun" "$tmp/pglog"
[ "$PG_USER" = "$(id -un)" ] || chown "$PG_USER:" "$tmp/pg" "$tmp/pgrun" "$tmp/pglog"
chmod 700 "$tmp/pg"
(cd "$tmp" && pg_as "$PGBIN/initdb" -D "$tmp/pg" -U bench --auth=trust -E UTF8 --locale=C --no-sync) \
	>"$tmp/initdb.txt" 2>&1 || { cat "$tmp/initdb.txt" >&2; die "initdb failed"; }
pg_version=$("$PGBIN/postgres" --version | awk '{ print $3 }')

pgport=""
for _ in $(seq 20); do
	p=$((20000 + RANDOM % 40000))
	port_busy "$p" && continue
	pg_started=1
	if (cd "$tmp" && pg_as "$PGBIN/pg_ctl" -D "$tmp/pg" -w -t 30 -l "$tmp/pglog/postgres.log" \
		-o "-k $tmp/pgrun -c listen_addresses=$HOST -p $p -c fsync=on -c synchronous_commit=on" \
		start) >"$tmp/pg_ctl.txt" 2>&1; then
		pgport=$p
		break
	fi
	# Not up (port taken between the check and the bind?): try another port.
	(cd "$tmp" && pg_as "$PGBIN/pg_ctl" -D "$tmp/pg" -m immediate -w -t 10 stop) >/dev/null 2>&1 || true
done
if [ -z "$pgport" ]; then
	cat "$tmp/pg_ctl.txt" "$tmp/pglog/postgres.log" >&2 2>/dev/null || true
	die "PostgreSQL did not start"
fi
pg_pid=$(head -1 "$tmp/pg/postmaster.pid")
pgb=(pg_as "$PGBIN/pgbench" -h "$HOST" -p "$pgport" -U bench)

echo "# PostgreSQL $pg_version on $HOST:$pgport (postmaster pid $pg_pid, as $PG_USER)"
echo "## pgbench -i -s $PG_SCALE" >&2
(cd "$tmp" && "${pgb[@]}" -i -s "$PG_SCALE" -q postgres) >"$tmp/pgbench-init.txt" 2>&1 ||
	{ cat "$tmp/pgbench-init.txt" >&2; die "pgbench -i failed"; }
sync
pgcmd=(pgbench -h "$HOST" -p "$pgport" -U bench -b tpcb-like -c "$PG_CLIENTS" -j "$PG_JOBS" -T "$DURATION" -l postgres)
echo "## ${pgcmd[*]}" >&2
(cd "$tmp/pglog" && "${pgb[@]}" -b tpcb-like -c "$PG_CLIENTS" -j "$PG_JOBS" -T "$DURATION" \
	-l --log-prefix="$tmp/pglog/pgbench_log" postgres) >"$tmp/pgbench.txt" 2>&1 ||
	{ cat "$tmp/pgbench.txt" >&2; die "pgbench failed"; }
pg_tps=$(awk '$1 == "tps" && /without initial connection/ { printf "%.0f", $3; exit }' "$tmp/pgbench.txt")
pg_avg=$(awk '/^latency average/ { print $4; exit }' "$tmp/pgbench.txt")
pg_failed=$(awk '/^number of failed transactions/ { print $5; exit }' "$tmp/pgbench.txt")
[ -n "$pg_tps" ] || { cat "$tmp/pgbench.txt" >&2; die "could not parse pgbench output"; }
read -r pg_p50 pg_p99 < <(pg_log_pcts "$tmp"/pglog/pgbench_log.*) || { pg_p50="?"; pg_p99="?"; }
echo "| pgbench tpcb-like | $PG_CLIENTS | $pg_tps | $pg_p50 | $pg_p99 | ${pg_failed:-0} | — |" >&2
[ "${pg_failed:-0}" = 0 ] || check_fail "pgbench: $pg_failed failed transactions"

# --- wonpay on PostgreSQL: one process, on the same cluster --------------------
pg_as "$PGBIN/createdb" -h "$HOST" -p "$pgport" -U bench wonpay >"$tmp/createdb.txt" 2>&1 ||
	{ cat "$tmp/createdb.txt" >&2; die "createdb wonpay failed"; }
wdb="postgres://bench@$HOST:$pgport/wonpay"
mkdir -p "$tmp/pg-data-dir"
sqlite_acked=$acked sqlite_wonpay_rc=$wonpay_rc
# shellcheck disable=SC2086  # SERVE_ARGS is a list of flags
start_wonpay --data-dir "$tmp/pg-data-dir" $SERVE_ARGS
leave_bank_night
seed_source
acked=1
sync
xparent=$pg_pid # the postmaster and its backends
wrk_phase pg
xparent=""
stop_wonpay
pg_wonpay_rc=$wonpay_rc pg_acked=$acked
acked=$sqlite_acked wonpay_rc=$sqlite_wonpay_rc
pg_verify_rc=0
"$root/build/wonpay" ledger verify --db "$wdb" >"$tmp/pg-verify.txt" 2>&1 || pg_verify_rc=$?
pg_verify_msg=$(tr '\n' ' ' <"$tmp/pg-verify.txt" | sed 's/ *$//')
if [ "$pg_verify_rc" -eq 0 ]; then pg_verify="ok"; else pg_verify="FAILED (exit $pg_verify_rc)"; check_fail "ledger verify (PostgreSQL): $pg_verify_msg"; fi
pg_wire=$(pg_as "$PGBIN/psql" -h "$HOST" -p "$pgport" -U bench -d wonpay -Atc \
	"select count(*) from ledger_transfers where id like 'wire:%' and result = 0") ||
	die "counting the transfers on PostgreSQL failed"
if [ "$pg_wire" -lt "$pg_acked" ]; then
	check_fail "PostgreSQL: $pg_acked transfers acknowledged with 201 but only $pg_wire in the DB"
elif [ "$pg_wire" -gt $((pg_acked + max_extra)) ]; then
	check_fail "PostgreSQL: $pg_wire posted wire transfers in the DB but only $pg_acked acknowledged"
fi
echo "# PostgreSQL: ledger verify: $pg_verify; $pg_wire posted wire transfers, $pg_acked acknowledged with 201" >&2
wdb=""

# Stop it now, so the SQLite run has the machine to itself.
(cd "$tmp" && pg_as "$PGBIN/pg_ctl" -D "$tmp/pg" -m fast -w -t 30 stop) >/dev/null 2>&1 ||
	echo "transfers.sh: pg_ctl stop failed; the trap will stop it" >&2

# --- SQLite references ----------------------------------------------------------
sqlite_ref sqlite_ref 1
read -r sq_tps sq_p50 sq_p99 sq_rss sq_cpu < <(parse_sqlite_ref "$tmp/sqlite_ref.txt") || true
[ -n "${sq_tps:-}" ] || { cat "$tmp/sqlite_ref.txt" >&2; die "could not parse sqlite_ref output"; }
echo "| sqlite 1 commit/transfer | 1 | $sq_tps | $sq_p50 | $sq_p99 | 0 | $sq_rss | cpu $sq_cpu us |" >&2
sqlite_ref sqlite_ref_batch "$SQ_BATCH"
read -r sb_tps sb_p50 sb_p99 sb_rss sb_cpu < <(parse_sqlite_ref "$tmp/sqlite_ref_batch.txt") || true
[ -n "${sb_tps:-}" ] || { cat "$tmp/sqlite_ref_batch.txt" >&2; die "could not parse sqlite_ref output (batch $SQ_BATCH)"; }
echo "| sqlite batch ceiling ($SQ_BATCH/commit) | 1 | $sb_tps | $sb_p50 | $sb_p99 | 0 | $sb_rss | cpu $sb_cpu us |" >&2

# --- report -----------------------------------------------------------------------
rows=""
for c in $CONNS; do
	rows+="| wonpay POST /sandbox/transfers | $c | ${w_rps[$c]} | ${w_p50[$c]} | ${w_p99[$c]} | ${w_err[$c]} | ${w_rss[$c]} | $(fmt_ratio "${w_rps[$c]}" "$pg_tps") | $(fmt_ratio "${w_rps[$c]}" "$sq_tps") |"$'\n'
done
for c in $CONNS; do
	rows+="| wonpay on PostgreSQL (1 process) | $c | ${w_rps[pg$c]} | ${w_p50[pg$c]} | ${w_p99[pg$c]} | ${w_err[pg$c]} | ${w_rss[pg$c]} | $(fmt_ratio "${w_rps[pg$c]}" "$pg_tps") | $(fmt_ratio "${w_rps[pg$c]}" "$sq_tps") |"$'\n'
done
rows+="| pgbench -b tpcb-like -c $PG_CLIENTS -j $PG_JOBS (scale $PG_SCALE) | $PG_CLIENTS | $pg_tps | $pg_p50 | $pg_p99 | ${pg_failed:-0} | — | 1.00 | $(fmt_ratio "$pg_tps" "$sq_tps") |"$'\n'
rows+="| SQLite, 1 commit per transfer (1 thread) | 1 | $sq_tps | $sq_p50 | $sq_p99 | 0 | — / $sq_rss | $(fmt_ratio "$sq_tps" "$pg_tps") | 1.00 |"$'\n'
rows+="| SQLite batch ceiling ($SQ_BATCH/commit, savepoints, 1 thread) | 1 | $sb_tps | $sb_p50 | $sb_p99 | 0 | — / $sb_rss | $(fmt_ratio "$sb_tps" "$pg_tps") | $(fmt_ratio "$sb_tps" "$sq_tps") |"$'\n'

# How close wonpay came to the storage limit, in throughput and in CPU per transfer.
ceiling="wonpay reached, of the SQLite batch ceiling ($sb_tps transfers/s, $SQ_BATCH per commit):"
cpu_line="CPU µs per transfer (utime + stime ÷ transfers; wonpay: its whole process over each wrk run ÷ responses): wonpay"
sep=""
for c in $CONNS; do
	ceiling+="$sep $(fmt_ratio "${w_rps[$c]}" "$sb_tps") at c=$c"
	cpu_line+="$sep ${w_cpu[$c]} at c=$c ($(fmt_ratio "${w_cpu[$c]}" "$sb_cpu")× the ceiling's; its writer thread ${w_wcpu[$c]})"
	sep=","
done
ceiling+="."
cpu_line+="; SQLite batch ceiling $sb_cpu; SQLite 1 commit per transfer $sq_cpu."
pg_line="On PostgreSQL (one wonpay process), CPU µs per transfer of wonpay and of PostgreSQL (postmaster and backends):"
sep=""
for c in $CONNS; do
	pg_line+="$sep ${w_cpu[pg$c]} + ${w_xcpu[pg$c]} at c=$c (wonpay's writer thread ${w_wcpu[pg$c]})"
	sep=","
done
pg_line+="; stopped with SIGTERM (exit $pg_wonpay_rc); ledger verify: $pg_verify; $pg_wire posted wire transfers, $pg_acked acknowledged with 201."

# Targets, per connection count.
targets=""
all_met=1
for c in $CONNS; do
	peak=${w_rss[$c]##*/ }
	t1=$(awk -v v="${w_rps[$c]}" -v t="$T_TPS" 'BEGIN { print (v >= t ? "met" : "MISSED") }')
	p99_max=$T_P99_MS
	[ "$c" = 256 ] && p99_max=$T_P99_256_MS
	t2=$(awk -v v="${w_p99[$c]}" -v t="$p99_max" 'BEGIN { print (v < t ? "met" : "MISSED") }')
	t3=$(awk -v v="$peak" -v t="$T_RSS_MIB" 'BEGIN { print (v != "?" && v < t ? "met" : "MISSED") }')
	t4=$([ "${w_err[$c]}" -eq 0 ] && echo met || echo MISSED)
	t5=$(awk -v v="${w_cpu[$c]}" -v t="$T_CPU_US" 'BEGIN { print (v <= t ? "met" : "MISSED") }')
	for t in $t1 $t2 $t3 $t4 $t5; do [ "$t" = met ] || all_met=0; done
	targets+="- c=$c: ≥ $T_TPS transfers/s: ${w_rps[$c]} ($t1); p99 < $p99_max ms: ${w_p99[$c]} ms ($t2);"
	targets+=" CPU ≤ $T_CPU_US µs per transfer: ${w_cpu[$c]} ($t5);"
	targets+=" peak RSS < $T_RSS_MIB MiB: $peak MiB ($t3); 0 errors: ${w_err[$c]} ($t4)"$'\n'
done
# Issue 14: one wonpay process on PostgreSQL at least T_PG_X times pgbench's tps.
for c in $CONNS; do
	x=$(fmt_ratio "${w_rps[pg$c]}" "$pg_tps")
	t=$(awk -v v="$x" -v t="$T_PG_X" 'BEGIN { print (v != "—" && v >= t ? "met" : "MISSED") }')
	[ "$t" = met ] && [ "${w_err[pg$c]}" -eq 0 ] || all_met=0
	targets+="- PostgreSQL c=$c: ≥ ${T_PG_X}× pgbench: ${x}× ($t); errors: ${w_err[pg$c]}"$'\n'
done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$root/bench/results"
report="$root/bench/results/transfers-$stamp.md"
raw="${report%.md}.raw.txt"
{
	for f in $(for c in $CONNS; do echo "$tmp/wrk-c$c.txt $tmp/wrk-pgc$c.txt"; done) "$tmp/verify.txt" "$tmp/pg-verify.txt" "$tmp/pgbench-init.txt" "$tmp/pgbench.txt" "$tmp/sqlite_ref.txt" "$tmp/sqlite_ref_batch.txt"; do
		printf '==> %s <==\n' "$(basename "$f" .txt)"
		cat "$f"
		echo
	done
} >"$raw"
fstype=$(stat -f -c %T "$tmp" 2>/dev/null || echo '?')
{
	echo "# wonpay durable transfers benchmark $stamp"
	echo
	echo "Command: \`$cmdline\`"
	echo
	echo "${DURATION}s per run, $(nproc) cores, temp dir on $fstype; wonpay $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo '+dirty')," \
		"wrk -t$THREADS, unique id per request${SERVE_ARGS:+, serve $SERVE_ARGS};" \
		"PostgreSQL $pg_version (fsync=on, synchronous_commit=on, loopback TCP);" \
		"SQLite $(sqlite3 --version | awk '{ print $1 }') (wonpay's schema, statements and PRAGMAs: WAL, synchronous=FULL). Run one after the other."
	echo "Transfers/s: wrk req/s, pgbench tps (without connection time), SQLite transfers/s." \
		"Latency: wrk per request, pgbench per transaction (-l log), SQLite BEGIN..COMMIT (of a whole batch for the ceiling)." \
		"Errors: wonpay responses other than 201 + socket errors; pgbench failed transactions." \
		"RSS MiB = VmRSS / VmHWM after the run (wonpay), ru_maxrss (SQLite)."
	echo
	echo "| target | conns | transfers/s | p50 ms | p99 ms | errors | RSS MiB (now / peak) | × pgbench | × SQLite loop |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s' "$rows"
	echo
	echo "$ceiling"
	echo "$cpu_line"
	echo "$pg_line"
	echo
	echo "pgbench latency average: ${pg_avg:-?} ms."
	echo "After the runs: wonpay stopped with SIGTERM (exit $wonpay_rc); \`wonpay ledger verify\`: $verify" \
		"($verify_msg); ledger_transfers: $n_ledger rows, $n_wire posted wire transfers, $acked acknowledged with 201."
	echo
	echo "Targets (the issue's, on 2 cores):"
	echo
	printf '%s' "$targets"
	echo
	if [ "$all_met" = 1 ]; then echo "All targets met."; else echo "Some targets MISSED."; fi
	[ "$(nproc)" = 2 ] || echo "(Measured on $(nproc) cores, not 2.)"
} >"$report"

echo
cat "$report"
echo
echo "written to ${report#"$root"/} and ${raw#"$root"/}"
exit "$failed_checks"
