# bench/lib.sh — shared by the benchmark scripts (sourced, not run).
# shellcheck shell=bash disable=SC2154  # root, tmp and HOST are the sourcing script's

# kB from /proc/PID/status -> MiB; several pids are summed (nginx: master + workers).
rss_of() { # $1 = field (VmRSS|VmHWM), rest = pids
	local field=$1; shift
	local pid total=0 kb
	for pid in "$@"; do
		kb=$(awk -v f="$field:" '$1 == f { print $2; exit }' "/proc/$pid/status" 2>/dev/null || true)
		total=$((total + ${kb:-0}))
	done
	awk -v k="$total" 'BEGIN { printf "%.1f", k / 1024 }'
}

# Parse a wrk --latency report (plus transfers.lua's "status CODE N" lines) into:
# rps p50_ms p99_ms non2xx sockerr n201 n_other
# Several reports (wrk instances run at the same time) make one line: rps and the
# counts summed, p50 and p99 the worst (largest) of the reports'.
parse_wrk() {
	awk '
	function ms(v,   n) {
		n = v + 0
		if (v ~ /us$/) return n / 1000
		if (v ~ /ms$/) return n
		if (v ~ /m$/)  return n * 60000
		if (v ~ /s$/)  return n * 1000
		return n
	}
	$1 == "Requests/sec:" { rps += $2; if (!(FILENAME in done)) { done[FILENAME]; files++ } }
	$1 == "50%" { v = ms($2); if (v > p50) p50 = v }
	$1 == "99%" { v = ms($2); if (v > p99) p99 = v }
	/Non-2xx or 3xx responses:/ { non2xx += $NF }
	/Socket errors:/ {
		# "Socket errors: connect A, read B, write C, timeout D"
		gsub(/,/, ""); sock += $4 + $6 + $8 + $10
	}
	$1 == "status" && NF == 3 { if ($2 == 201) n201 += $3; else other += $3 }
	END {
		if (files == 0 || files != ARGC - 1) exit 1
		printf "%.0f %.2f %.2f %d %d %d %d\n", rps, p50, p99, non2xx + 0, sock + 0, n201 + 0, other + 0
	}' "$@"
}

# start_wonpay [extra serve flags...] — builds build/wonpay if needed and starts it
# in sandbox mode on $tmp/wonpay.db, or on $wdb when set (callers set root, tmp,
# HOST and die()). Its output goes to $tmp/wonpay.out and .err, or to
# $tmp/$wonpay_log.out and .err when wonpay_log is set (several processes).
# Sets wonpay_pid (for the caller's cleanup), wport and wbase.
start_wonpay() {
	local log=$tmp/${wonpay_log:-wonpay}
	make -C "$root" --no-print-directory build/wonpay >/dev/null
	[ -x "$root/build/wonpay" ] || die "build/wonpay missing after make"
	: >"$log.out" # there before the banner wait below reads it (the & below may run later)
	"$root/build/wonpay" serve --sandbox --listen "$HOST:0" --db "${wdb:-$tmp/wonpay.db}" \
		--rate-limit 0 --access-log off "$@" >"$log.out" 2>"$log.err" &
	wonpay_pid=$!
	# Port 0 means the server picks one; read it back from its banner.
	wport=""
	for _ in $(seq 100); do
		wport=$(awk 'match($0, /listening on http:\/\/127\.0\.0\.1:[0-9]+/) {
			s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s); print s; exit }' "$log.out")
		[ -n "$wport" ] && break
		kill -0 "$wonpay_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$wport" ]; then
		cat "$log.out" "$log.err" >&2
		die "wonpay did not start"
	fi
	wbase="http://$HOST:$wport"
}

# leave_bank_night — banks refuse requests in their nightly maintenance
# (23:30-00:30 KST): if the real clock is near it, move the sandbox clock to
# 02:00 KST first.
leave_bank_night() {
	local auth='Authorization: Bearer sandbox-admin-token' minute advance
	minute=$(curl -sS --max-time 10 -H "$auth" "$wbase/sandbox/clock" |
		sed -n 's/.*"bank_minute_kst":\([0-9]*\).*/\1/p')
	[ -n "$minute" ] || die "reading the sandbox clock failed"
	if [ "$minute" -ge $((23 * 60)) ] || [ "$minute" -lt 60 ]; then
		advance=$(( ((2 * 60 - minute + 24 * 60) % (24 * 60)) * 60 ))
		curl -sS --max-time 10 -o /dev/null -H "$auth" \
			--data-binary "{\"advance_seconds\":$advance}" "$wbase/sandbox/clock" ||
			die "moving the sandbox clock failed"
	fi
}

# stop_pid PID — SIGTERM a process this script started and wait for it; SIGKILL
# after 10 s (wonpay drains requests in flight first; a slow bank waits up to 10 s).
stop_pid() {
	[ -n "$1" ] || return 0
	if kill -0 "$1" 2>/dev/null; then
		kill -TERM "$1" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$1" 2>/dev/null || true
	fi
	wait "$1" 2>/dev/null || true
}

# utime + stime of a process (all its threads), in clock ticks. The command
# name may hold spaces, so count fields after its closing parenthesis.
stat_ticks() { sed 's/.*) //' "$1" | awk '{ print $12 + $13 }'; }
cpu_ticks() { stat_ticks "/proc/$1/stat"; }
# The same summed over several processes (nginx: master + workers); one that
# has gone counts nothing.
cpu_ticks_of() {
	local pid total=0 t
	for pid in "$@"; do
		t=$(cpu_ticks "$pid" 2>/dev/null || true)
		total=$((total + ${t:-0}))
	done
	echo "$total"
}

# Requests a wrk report says it completed ("N requests in 10.00s").
wrk_requests() { awk '$2 == "requests" && $3 == "in" { print $1; exit }' "$1"; }

# Microseconds of CPU per request: ticks (at CLK_TCK) over requests.
us_per_request() { # $1 = ticks, $2 = requests
	awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "-" }'
}

# The same for wonpay's commit writer thread (named wp-writer): the serial
# stage of every durable write. Several pids: their writers' ticks summed.
writer_ticks() {
	local pid t total=0 found
	for pid in "$@"; do
		found=""
		for t in /proc/"$pid"/task/*; do
			if [ "$(cat "$t/comm" 2>/dev/null)" = wp-writer ]; then
				found=$(stat_ticks "$t/stat")
				break
			fi
		done
		[ -n "$found" ] || die "no thread named wp-writer in wonpay $pid"
		total=$((total + found))
	done
	echo "$total"
}
