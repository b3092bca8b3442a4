# bench/lib.sh — shared by the benchmark scripts (sourced, not run).

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
	$1 == "Requests/sec:" { rps = $2 }
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	/Non-2xx or 3xx responses:/ { non2xx = $NF }
	/Socket errors:/ {
		# "Socket errors: connect A, read B, write C, timeout D"
		gsub(/,/, ""); sock = $4 + $6 + $8 + $10
	}
	$1 == "status" && NF == 3 { if ($2 == 201) n201 += $3; else other += $3 }
	END {
		if (rps == "") exit 1
		printf "%.0f %.2f %.2f %d %d %d %d\n", rps, p50, p99, non2xx + 0, sock + 0, n201 + 0, other + 0
	}' "$1"
}
