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
#    Then three wonpay processes on one new database of that cluster (one data
#    key file for all): at each connection count c, three wrk -t1 -c⌈c/3⌉ at the
#    same time, one per process; transfers/s summed, p50/p99 the worst of the
#    three, CPU per transfer of the three processes together and of PostgreSQL;
#    all three stopped with SIGTERM, ledger verify, every 201 in the database.
#    From the CPU per transfer of each side, a projection of N wonpay machines
#    in front of one PostgreSQL machine (2 cores each).
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
wonpay_pids=() # the wonpay processes running now
wonpay_pid=""  # one being started (start_wonpay)
wrk_pids=()    # wrk instances running now
sampler_pid="" # lock_sampler's psql
pg_started=""
pg_pid=""

# Stop what we started (by pid, or pg_ctl for our own data dir), then remove the temp dir.
# shellcheck disable=SC2317  # invoked via trap
cleanup() {
	local rc=$? pid
	for pid in "${wrk_pids[@]}" "$sampler_pid" "${wonpay_pids[@]}" "$wonpay_pid"; do stop_pid "$pid"; done
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
# start_wonpays TAG N [serve flags...]: N wonpay processes (start_wonpay; $wdb,
# when set, is the database of all), each on its own port, output in
# $tmp/wonpayTAG-I.out and .err, each one's sandbox clock out of the banks'
# night (the clock is per process). Sets wonpay_pids and wbases (and wbase).
start_wonpays() {
	local tag=$1 n=$2 i
	shift 2
	wonpay_pids=() wbases=()
	for ((i = 1; i <= n; i++)); do
		wonpay_log=wonpay$tag-$i start_wonpay "$@"
		wonpay_pids+=("$wonpay_pid") wbases+=("$wbase")
		wonpay_pid=""
		leave_bank_night
	done
}
db="$tmp/wonpay.db"
# shellcheck disable=SC2086  # SERVE_ARGS is a list of flags
start_wonpays "" 1 $SERVE_ARGS
banner=$(head -1 "$tmp/wonpay-1.out")

# The source account (large enough that no transfer is refused for funds), then
# one transfer by hand, so a broken request shape fails here and not as 100% non-2xx.
# Through one process: with several, the database they share holds the account.
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
echo "# $banner (pid ${wonpay_pids[*]})${SERVE_ARGS:+, serve $SERVE_ARGS}"
declare -A w_rps w_p50 w_p99 w_err w_rss w_detail w_cpu w_wcpu w_xcpu w_conns w_batch w_lock
wrk_outs=() # every wrk report, for the raw file

# "batches commands" the commit writers of the processes at $wbases have run so
# far, summed (their /metrics: wonpay_commit_batch_size_count and _sum).
commit_totals() {
	local b
	for b in "${wbases[@]}"; do curl -fsS --max-time 10 "$b/metrics"; done |
		awk '$1 == "wonpay_commit_batch_size_count" { n += $2 }
			$1 == "wonpay_commit_batch_size_sum" { s += $2 }
			END { printf "%d %d\n", n, s }'
}

# lock_sampler DB OUT: in the background over a wrk run, 4 times a second, the
# sessions on DB waiting for an advisory lock (wonpay's write lock) and the
# active ones (the waiting among them; the holder, between its statements, is
# idle in transaction), a "waiting active" line each, from one psql session;
# sets sampler_pid.
lock_sampler() {
	local s q="select count(*) filter (where wait_event_type = 'Lock' and wait_event = 'advisory'),
		count(*) filter (where state = 'active') from pg_stat_activity
		where datname = current_database() and pid <> pg_backend_pid();"
	for ((s = 1; s < DURATION * 4; s++)); do sleep 0.25; echo "$q"; done |
		pg_as "$PGBIN/psql" -h "$HOST" -p "$pgport" -U bench -d "$1" -XAtq -F ' ' >"$2" 2>&1 &
	sampler_pid=$!
}

# wrk_phase TAG: durable transfers at each connection count c against the
# wonpay processes at $wbases (pids $wonpay_pids) into w_*[TAG$c], the 201s
# added to acked. One process: wrk -t$THREADS -c$c. N processes: N wrk at the
# same time, one per process, each -c⌈c/N⌉ and -t$THREADS/N (at least 1), with
# its own RUNTAG; transfers/s and counts summed, p50/p99 the worst of the N
# reports, CPU of all N processes together. With xparent set, the CPU per
# transfer of that process and its children (PostgreSQL's postmaster and
# backends) into w_xcpu; with xdb set, lock_sampler on that database into w_lock.
# wrk_conns: the connections of all runs (each may leave one request unanswered).
wrk_phase() {
	local tag=$1 n=${#wbases[@]} c k i cc threads out outs pid ticks0 ticks1 wticks0 wticks1
	local x0=0 x1=0 errs xpids="" m0 m1 rps p50 p99 non2xx sockerr n201 nother
	threads=$((THREADS / n))
	[ "$threads" -ge 1 ] || threads=1
	wrk_conns=0
	for c in $CONNS; do
		k=$tag$c
		cc=$(((c + n - 1) / n))
		wrk_conns=$((wrk_conns + n * cc))
		if [ "$n" -eq 1 ]; then w_conns[$k]=$c; else w_conns[$k]="$n × $cc"; fi
		[ -z "${xparent:-}" ] || xpids="$xparent $(pgrep -P "$xparent" | tr '\n' ' ')"
		# shellcheck disable=SC2086  # one pid per word
		[ -z "${xpids:-}" ] || x0=$(cpu_ticks_of $xpids)
		ticks0=$(cpu_ticks_of "${wonpay_pids[@]}") wticks0=$(writer_ticks "${wonpay_pids[@]}")
		m0=$(commit_totals) || die "reading /metrics failed ($tag c=$c)"
		outs=() wrk_pids=()
		for i in "${!wbases[@]}"; do
			out="$tmp/wrk-${tag}c$c-$((i + 1)).txt"
			local cmd=(wrk -t"$threads" -c"$cc" -d"${DURATION}s" --timeout 10s --latency
				-s "$root/bench/transfers.lua" "${wbases[$i]}/sandbox/transfers" -- "${tag}c$c-$((i + 1))")
			echo "## ${cmd[*]}" >&2
			"${cmd[@]}" >"$out" 2>&1 &
			wrk_pids+=($!) outs+=("$out")
		done
		[ -z "${xdb:-}" ] || lock_sampler "$xdb" "$tmp/locks-${tag}c$c.txt"
		for i in "${!wrk_pids[@]}"; do
			wait "${wrk_pids[$i]}" || { cat "${outs[$i]}" >&2; die "wrk failed ($tag c=$c, process $((i + 1)))"; }
		done
		wrk_pids=()
		ticks1=$(cpu_ticks_of "${wonpay_pids[@]}") wticks1=$(writer_ticks "${wonpay_pids[@]}")
		# shellcheck disable=SC2086  # one pid per word
		[ -z "${xpids:-}" ] || x1=$(cpu_ticks_of $xpids)
		m1=$(commit_totals) || die "reading /metrics failed ($tag c=$c)"
		if [ -n "$sampler_pid" ]; then
			wait "$sampler_pid" || echo "transfers.sh: lock sampling failed ($tag c=$c)" >&2
			sampler_pid=""
			w_lock[$k]=$(awk '{ w += $1; if ($1 > m) m = $1; n++ }
				END { if (n) printf "%.2f (at most %d, %d samples)", w / n, m, n; else print "?" }' "$tmp/locks-${tag}c$c.txt")
		fi
		wrk_outs+=("${outs[@]}")
		read -r rps p50 p99 non2xx sockerr n201 nother < <(parse_wrk "${outs[@]}") ||
			{ cat "${outs[@]}" >&2; die "could not parse wrk output ($tag c=$c)"; }
		for pid in "${wonpay_pids[@]}"; do
			kill -0 "$pid" 2>/dev/null || die "wonpay $pid exited during the $tag c=$c run"
		done
		# CPU per request answered (any status), in microseconds.
		w_cpu[$k]=$(us_per_request $((ticks1 - ticks0)) $((n201 + nother)))
		w_wcpu[$k]=$(us_per_request $((wticks1 - wticks0)) $((n201 + nother)))
		w_xcpu[$k]=$(us_per_request $((x1 - x0)) $((n201 + nother)))
		w_batch[$k]=$(awk -v a="$m0" -v b="$m1" 'BEGIN { split(a, x, " "); split(b, y, " ")
			if (y[1] > x[1]) printf "%.1f", (y[2] - x[2]) / (y[1] - x[1]); else print "?" }')
		w_rss[$k]="$(rss_of VmRSS "${wonpay_pids[@]}") / $(rss_of VmHWM "${wonpay_pids[@]}")"
		acked=$((acked + n201))
		# Anything but 201 is an error here: 200 would mean a repeated id (a replay).
		errs=$((nother + sockerr))
		[ "$non2xx" -le "$nother" ] || errs=$((errs + non2xx - nother))
		w_rps[$k]=$rps w_p50[$k]=$p50 w_p99[$k]=$p99 w_err[$k]=$errs
		w_detail[$k]="201: $n201, other status: $nother, non-2xx: $non2xx, socket errors: $sockerr"
		[ "$errs" -eq 0 ] || { check_fail "wonpay $tag c=$c: ${w_detail[$k]}"; grep -E '^status|Socket errors|Non-2xx' "${outs[@]}" >&2 || true; }
		echo "| wonpay $tag | ${w_conns[$k]} | $rps | $p50 | $p99 | $errs | ${w_rss[$k]} |" >&2
	done
}
wrk_phase ""

# Graceful stop of every process at $wonpay_pids: SIGTERM drains and exits 0
# (the statuses into wonpay_rcs, "0, 0, 0"); then the ledger must verify.
stop_wonpays() {
	local pid rc
	wonpay_rcs=""
	for pid in "${wonpay_pids[@]}"; do kill -TERM "$pid"; done
	for pid in "${wonpay_pids[@]}"; do
		for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		if kill -0 "$pid" 2>/dev/null; then
			check_fail "wonpay $pid still running 10 s after SIGTERM; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
		rc=0
		wait "$pid" || rc=$?
		wonpay_rcs+="${wonpay_rcs:+, }$rc"
		[ "$rc" -eq 0 ] || check_fail "wonpay $pid exited with status $rc after SIGTERM"
	done
	wonpay_pids=()
}
stop_wonpays

# check_ledger NAME LABEL DB N_WIRE ACKED: `wonpay ledger verify` on DB must pass
# (into lv_status, lv_msg; its output in $tmp/verify-NAME.txt), and each of the ACKED 201s must be among the N_WIRE
# posted wire transfers there. A few more may be: requests wrk gave up on at the
# end of a run (at most one per connection: wrk_conns) can still have been committed.
check_ledger() {
	local out="$tmp/verify-$1.txt" label=$2 n_wire=$4 acked=$5 rc=0
	"$root/build/wonpay" ledger verify --db "$3" >"$out" 2>&1 || rc=$?
	wrk_outs+=("$out")
	lv_msg=$(tr '\n' ' ' <"$out" | sed 's/ *$//')
	if [ "$rc" -eq 0 ]; then lv_status="ok"; else lv_status="FAILED (exit $rc)"; check_fail "ledger verify ($label): $lv_msg"; fi
	if [ "$n_wire" -lt "$acked" ]; then
		check_fail "$label: $acked transfers acknowledged with 201 but only $n_wire posted wire transfers in the DB"
	elif [ "$n_wire" -gt $((acked + wrk_conns)) ]; then
		check_fail "$label: $n_wire posted wire transfers in the DB but only $acked acknowledged"
	fi
}
n_ledger=$(sqlite3 "$db" 'select count(*) from ledger_transfers')
n_wire=$(sqlite3 "$db" "select count(*) from ledger_transfers where id like 'wire:%' and result = 0")
check_ledger sqlite SQLite "$db" "$n_wire" "$acked"
verify=$lv_status verify_msg=$lv_msg
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

# --- wonpay on PostgreSQL: one process, then three, on the same cluster --------
# One data key for every process (they must share it; the database remembers
# the first), made once, 64 hex characters.
(umask 077 && printf '%s\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$tmp/pg-data.key")
mkdir -p "$tmp/pg-data-dir"
declare -A p_rcs p_verify p_wire p_acked
# pg_phase TAG N DB: N wonpay processes on a new database DB of the cluster
# (shared data dir and key file), wrk_phase TAG with PostgreSQL's CPU and lock
# waits, then all stopped with SIGTERM, ledger verify and every 201 in DB;
# results into p_*[TAG]. Each phase gets a database of its own (the three
# processes do not continue on the one process's): both start from the same
# state, an empty ledger with the same fixtures, so they differ only in the
# number of processes, not in table and index sizes, and the 201 check counts
# one phase's transfers. The cluster (its WAL, the pgbench tables) is shared.
pg_phase() {
	local tag=$1 n=$2 name=$3 acked=1 n_wire wonpay_rcs what="$2 processes"
	[ "$n" -gt 1 ] || what="1 process"
	local wdb="postgres://bench@$HOST:$pgport/$name" xparent=$pg_pid xdb=$name
	pg_as "$PGBIN/createdb" -h "$HOST" -p "$pgport" -U bench "$name" >"$tmp/createdb.txt" 2>&1 ||
		{ cat "$tmp/createdb.txt" >&2; die "createdb $name failed"; }
	# shellcheck disable=SC2086  # SERVE_ARGS is a list of flags
	start_wonpays "$tag" "$n" --data-dir "$tmp/pg-data-dir" --data-key-file "$tmp/pg-data.key" $SERVE_ARGS
	seed_source
	sync
	echo "# PostgreSQL database $name: $what, pid ${wonpay_pids[*]}" >&2
	wrk_phase "$tag"
	stop_wonpays
	n_wire=$(pg_as "$PGBIN/psql" -h "$HOST" -p "$pgport" -U bench -d "$name" -Atc \
		"select count(*) from ledger_transfers where id like 'wire:%' and result = 0") ||
		die "counting the transfers on PostgreSQL ($name) failed"
	check_ledger "$name" "PostgreSQL, $what" "$wdb" "$n_wire" "$acked"
	p_rcs[$tag]=$wonpay_rcs p_verify[$tag]=$lv_status p_wire[$tag]=$n_wire p_acked[$tag]=$acked
	echo "# PostgreSQL ($what): ledger verify: $lv_status; $n_wire posted wire transfers, $acked acknowledged with 201" >&2
}
pg_phase pg 1 wonpay
pg_phase pg3 3 wonpay3

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
# w_row LABEL KEY: the table row of a wrk run.
w_row() {
	echo "| $1 | ${w_conns[$2]} | ${w_rps[$2]} | ${w_p50[$2]} | ${w_p99[$2]} | ${w_err[$2]} | ${w_rss[$2]} | $(fmt_ratio "${w_rps[$2]}" "$pg_tps") | $(fmt_ratio "${w_rps[$2]}" "$sq_tps") |"
}
rows=""
for row in "|wonpay POST /sandbox/transfers" "pg|wonpay on PostgreSQL (1 process)" "pg3|wonpay on PostgreSQL (3 processes)"; do
	for c in $CONNS; do rows+="$(w_row "${row#*|}" "${row%%|*}$c")"$'\n'; done
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
# pg_cpu_line TAG WHAT: CPU per transfer of each side, batching and lock waits of a PostgreSQL phase.
pg_cpu_line() {
	local line="On PostgreSQL ($2), CPU µs per transfer of wonpay and of PostgreSQL (postmaster and backends):" sep="" c
	for c in $CONNS; do
		line+="$sep ${w_cpu[$1$c]} + ${w_xcpu[$1$c]} at c=$c (wonpay's writer threads ${w_wcpu[$1$c]};"
		line+=" ${w_batch[$1$c]} transfers per commit batch; sessions waiting for the write lock, mean of samples ${w_lock[$1$c]:-?})"
		sep=","
	done
	echo "$line; stopped with SIGTERM (exit ${p_rcs[$1]}); ledger verify: ${p_verify[$1]}; ${p_wire[$1]} posted wire transfers, ${p_acked[$1]} acknowledged with 201."
}
pg_line=$(pg_cpu_line pg "one wonpay process")
pg3_line=$(pg_cpu_line pg3 "three wonpay processes together, each with its own wrk -t1 at once; conns 3 × ⌈c/3⌉; transfers/s summed, p50/p99 the worst of the three wrk reports, RSS summed")
cmp_line="Three processes against one (on 2 cores three processes add no CPU: what counts is that they stay correct, and what sharing the write lock costs):"
sep=""
for c in $CONNS; do
	cmp_line+="$sep at c=$c ${w_rps[pg3$c]} vs ${w_rps[pg$c]} transfers/s ($(fmt_ratio "${w_rps[pg3$c]}" "${w_rps[pg$c]}")×),"
	cmp_line+=" p99 ${w_p99[pg3$c]} vs ${w_p99[pg$c]} ms, CPU µs per transfer of wonpay ${w_cpu[pg3$c]} vs ${w_cpu[pg$c]} and of PostgreSQL ${w_xcpu[pg3$c]} vs ${w_xcpu[pg$c]},"
	cmp_line+=" transfers per commit batch ${w_batch[pg3$c]} vs ${w_batch[pg$c]}"
	sep=";"
done
cmp_line+="."
# The projection, from the 3-process run at the largest connection count.
c_hi=${CONNS##* }
projection=$(awk -v W="${w_cpu[pg3$c_hi]}" -v P="${w_xcpu[pg3$c_hi]}" -v c="$c_hi" 'BEGIN {
	if (!(W > 0 && P > 0)) { print "No projection: the CPU per transfer of the 3-process run was not measured."; exit }
	pg = 2e6 / P
	printf "Projection (a CPU-bound estimate from the 3-process run at c=%s: W = %.1f µs of wonpay CPU and P = %.1f µs of PostgreSQL CPU per transfer):", c, W, P
	printf " N wonpay machines of 2 cores in front of one PostgreSQL machine of 2 cores reach at most min(N × 2e6/W, 2e6/P) transfers/s:"
	for (N = 1; N <= 8; N *= 2) {
		w = N * 2e6 / W
		printf "%s N = %d: %.0f (%s-bound)", (N > 1 ? "," : ""), N, (w < pg ? w : pg), (w < pg ? "wonpay" : "PostgreSQL")
	}
	lim = W / P; n = int(lim); if (n < lim) n++; if (n < 1) n = 1
	printf ". PostgreSQL becomes the limit from N = %d (N ≥ W/P = %.2f), at %.0f transfers/s.", n, lim, pg
	printf " Not in it: network round trips between the machines (everything here is on loopback), and the"
	printf " cluster-wide write lock: every write batch of any process holds one advisory lock from its BEGIN"
	printf " to its COMMIT, so the batches of all processes run one after another and the wall time of a batch"
	printf " (its round trips and COMMIT'"'"'s fsync) bounds the total whatever the CPU.\n"
}')

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
	for f in "${wrk_outs[@]}" "$tmp"/locks-*.txt "$tmp"/wonpay*.err "$tmp/pgbench-init.txt" "$tmp/pgbench.txt" "$tmp/sqlite_ref.txt" "$tmp/sqlite_ref_batch.txt"; do
		printf '==> %s <==\n' "$(basename "$f")"
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
		"wrk -t$THREADS (3 processes: 3 wrk -t1 at once), unique id per request${SERVE_ARGS:+, serve $SERVE_ARGS};" \
		"PostgreSQL $pg_version (fsync=on, synchronous_commit=on, loopback TCP);" \
		"SQLite $(sqlite3 --version | awk '{ print $1 }') (wonpay's schema, statements and PRAGMAs: WAL, synchronous=FULL). Run one after the other."
	echo "Transfers/s: wrk req/s, pgbench tps (without connection time), SQLite transfers/s." \
		"Latency: wrk per request, pgbench per transaction (-l log), SQLite BEGIN..COMMIT (of a whole batch for the ceiling)." \
		"Errors: wonpay responses other than 201 + socket errors; pgbench failed transactions." \
		"RSS MiB = VmRSS / VmHWM after the run (wonpay; 3 processes: summed), ru_maxrss (SQLite)." \
		"3 processes: conns = 3 × the connections of each process's wrk; transfers/s, errors summed; p50/p99 the worst of the three wrk reports."
	echo
	echo "| target | conns | transfers/s | p50 ms | p99 ms | errors | RSS MiB (now / peak) | × pgbench | × SQLite loop |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s' "$rows"
	echo
	echo "$ceiling"
	echo "$cpu_line"
	echo "$pg_line"
	echo "$pg3_line"
	echo
	echo "$cmp_line"
	echo
	echo "$projection"
	echo
	echo "pgbench latency average: ${pg_avg:-?} ms."
	echo "After the runs: wonpay stopped with SIGTERM (exit $wonpay_rcs); \`wonpay ledger verify\`: $verify" \
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
