#!/usr/bin/env bash
# bench/aqr.sh — wrk against wonpay's AQR create and landing page, with nginx
# serving a byte-identical static file in the same run as the reference.
#
#   DURATION=10 bench/aqr.sh        (DURATION: seconds per wrk run, default 10)
#
# Runs 2 threads x {64,256} connections against: nginx static file, wonpay
# GET /f/KEYWORD, wonpay POST /api/ (create). Everything is on 127.0.0.1.
# CPU per request: the server's utime + stime over the run (/proc, nginx's
# master and workers summed) over the requests wrk completed; the landing
# page's ratios to nginx are checked against the targets (CPU <= 1.5x,
# rate >= 0.9x) and a miss is reported.
# Prints a Markdown table and writes it to bench/results/aqr-<timestamp>.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
DURATION=${DURATION:-10}
CONNS="64 256"
THREADS=2
HOST=127.0.0.1

die() { echo "aqr.sh: $*" >&2; exit 1; }

case "$DURATION" in '' | *[!0-9]* | 0) die "DURATION must be a positive integer (seconds)" ;; esac

# Tools: scripts/deps.sh installs what is missing (a no-op otherwise).
"$root/scripts/deps.sh" bench
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aqr-bench.XXXXXX")
wonpay_pid=""
nginx_pid=""

# Stop what we started (by pid only), then remove the temp dir.
# shellcheck disable=SC2317  # invoked via trap
cleanup() {
	local rc=$?
	stop_pid "$nginx_pid"
	stop_pid "$wonpay_pid"
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- wonpay -------------------------------------------------------------
start_wonpay

# One keyword to serve the landing page from.
body="email_address=sandbox@example.com&account_number=1234567894321&bank_id=1&account_owner=%ED%99%8D%EA%B8%B8%EB%8F%99&phone_number=01012341234&account_name=bench&action=create"
curl -fsS --max-time 10 -H 'AQR-DEVELOPER-TOKEN: aqr_sandbox_token' \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "$body" "$wbase/api/" >"$tmp/create.json" || die "create failed"
keyword=$(awk 'match($0, /"uniq_keyword" *: *"[^"]+"/) {
	s = substr($0, RSTART, RLENGTH); sub(/^[^:]*: *"/, "", s); sub(/"$/, "", s); print s; exit }' "$tmp/create.json")
[ -n "$keyword" ] || { cat "$tmp/create.json" >&2; die "no uniq_keyword in create response"; }

# Save the landing page as nginx's file so both serve exactly the same bytes.
mkdir -p "$tmp/html"
curl -fsS --max-time 10 -o "$tmp/html/landing.html" "$wbase/f/$keyword" || die "landing page fetch failed"
page_bytes=$(wc -c <"$tmp/html/landing.html" | tr -d ' ')

# --- nginx --------------------------------------------------------------
# As root nginx workers drop to 'nobody'; they must be able to read the file.
chmod 755 "$tmp" "$tmp/html"
chmod 644 "$tmp/html/landing.html"
mkdir -p "$tmp/nginx"

write_nginx_conf() { # $1 = port
	cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    open_file_cache max=64 inactive=60s;
    client_body_temp_path $tmp/nginx/client_body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    types { text/html html; }
    server {
        listen $HOST:$1;
        root $tmp/html;
    }
}
EOF
}

# nginx cannot take port 0, so try random high ports until one binds.
nport=""
for _ in $(seq 20); do
	p=$((20000 + RANDOM % 40000))
	write_nginx_conf "$p"
	"$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" \
		>"$tmp/nginx/stdout" 2>&1 &
	nginx_pid=$!
	for _ in $(seq 30); do
		if curl -fsS --max-time 2 -o /dev/null "http://$HOST:$p/landing.html" 2>/dev/null; then
			nport=$p
			break
		fi
		kill -0 "$nginx_pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$nport" ] && break
	kill -TERM "$nginx_pid" 2>/dev/null || true
	wait "$nginx_pid" 2>/dev/null || true
	nginx_pid=""
done
if [ -z "$nport" ]; then
	cat "$tmp/nginx/error.log" "$tmp/nginx/stdout" >&2 2>/dev/null || true
	die "nginx did not start"
fi
nbase="http://$HOST:$nport"
# Sanity: nginx and wonpay must send the same number of bytes.
nbytes=$(curl -fsS --max-time 5 "$nbase/landing.html" | wc -c | tr -d ' ')
[ "$nbytes" = "$page_bytes" ] || die "nginx served $nbytes bytes, expected $page_bytes"

# --- measurements -------------------------------------------------------
# shellcheck disable=SC2046  # one pid per word is intended
nginx_pids() { echo "$nginx_pid" $(pgrep -P "$nginx_pid" 2>/dev/null || true); }


cmdline="DURATION=$DURATION $0${*:+ $*}"
echo "# $cmdline"
echo "# wonpay $wbase (pid $wonpay_pid), keyword $keyword; nginx $nbase (pid $nginx_pid); page $page_bytes bytes"

rows=""
declare -A nginx_rps nginx_cpu
misses=""
failed_checks=0
for c in $CONNS; do
	for target in nginx landing create; do
		case $target in
		nginx) url="$nbase/landing.html"; script=() ;;
		landing) url="$wbase/f/$keyword"; script=() ;;
		create) url="$wbase/api/"; script=(-s "$root/bench/aqr_create.lua") ;;
		esac
		cmd=(wrk -t"$THREADS" -c"$c" -d"${DURATION}s" --timeout 10s --latency "${script[@]}" "$url")
		echo "## ${cmd[*]}" >&2
		out="$tmp/wrk-$target-$c.txt"
		if [ "$target" = nginx ]; then pids=$(nginx_pids); else pids=$wonpay_pid; fi
		# shellcheck disable=SC2086  # one pid per word
		ticks0=$(cpu_ticks_of $pids)
		"${cmd[@]}" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed ($target, $c)"; }
		# shellcheck disable=SC2086  # one pid per word
		ticks1=$(cpu_ticks_of $pids)
		cpu=$(us_per_request $((ticks1 - ticks0)) "$(wrk_requests "$out")")
		read -r rps p50 p99 non2xx sockerr _ _ < <(parse_wrk "$out") ||
			{ cat "$out" >&2; die "could not parse wrk output ($target, $c)"; }

		if [ "$target" = nginx ]; then
			nginx_rps[$c]=$rps
			nginx_cpu[$c]=$cpu
			# shellcheck disable=SC2046  # pids are split on purpose
			rss="$(rss_of VmRSS $(nginx_pids)) / $(rss_of VmHWM $(nginx_pids))"
		else
			rss="$(rss_of VmRSS "$wonpay_pid") / $(rss_of VmHWM "$wonpay_pid")"
		fi
		ratio=$(awk -v a="$rps" -v b="${nginx_rps[$c]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		cratio=$(awk -v a="$cpu" -v b="${nginx_cpu[$c]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		if [ "$target" = landing ]; then
			awk -v r="$ratio" 'BEGIN { exit !(r < 0.9) }' &&
				misses="$misses landing c=$c: rate ${ratio}x nginx (target >= 0.9x);"
			if [ "$cpu" = - ] || [ "${nginx_cpu[$c]}" = - ]; then
				misses="$misses landing c=$c: no CPU figure;"
			elif awk -v r="$cratio" 'BEGIN { exit !(r > 1.5) }'; then
				misses="$misses landing c=$c: CPU ${cratio}x nginx per request (target <= 1.5x);"
			fi
		fi
		if [ "$non2xx" != 0 ] || [ "$sockerr" != 0 ]; then
			echo "!! $target c=$c: $non2xx non-2xx responses, $sockerr socket errors" >&2
			grep -E 'Socket errors|Non-2xx' "$out" >&2 || true
		fi
		row="| $target | $c | $rps | $p50 | $p99 | $non2xx | $sockerr | $ratio | $cpu | $cratio | $rss |"
		echo "$row" >&2
		rows="$rows$row"$'\n'
	done
done

# Both servers must still be answering after the load.
kill -0 "$wonpay_pid" 2>/dev/null || die "wonpay exited during the run"
curl -fsS --max-time 5 -o /dev/null "$wbase/f/$keyword" || { failed_checks=1; echo "aqr.sh: wonpay landing check after load failed" >&2; }
curl -fsS --max-time 5 -o /dev/null "$nbase/landing.html" || { failed_checks=1; echo "aqr.sh: nginx check after load failed" >&2; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$root/bench/results"
report="$root/bench/results/aqr-$stamp.md"
# Keep wrk's full reports next to the table, for the latency tails.
for f in "$tmp"/wrk-*.txt; do
	printf '==> %s <==\n' "$(basename "$f" .txt)"
	cat "$f"
	echo
done >"${report%.md}.wrk.txt"
{
	echo "# wonpay AQR benchmark $stamp"
	echo
	echo "Command: \`$cmdline\`"
	echo
	echo "wrk -t$THREADS, ${DURATION}s per run, $(nproc) cores; wonpay $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?');" \
		"nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') worker_processes 2 serving the same $page_bytes-byte page."
	echo "Ratio = req/s / nginx req/s at the same connection count. RSS = VmRSS / VmHWM after the run" \
		"(wonpay; nginx rows: nginx master+workers)."
	echo
	echo "CPU = the server's utime + stime during the run over the requests completed (CLK_TCK $(getconf CLK_TCK))."
	echo
	echo "| target | conns | req/s | p50 ms | p99 ms | non-2xx | sock err | rate / nginx | CPU us/req | CPU / nginx | RSS MiB (now / peak) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s' "$rows"
	echo
	echo "Targets (landing page): ${misses:- all met}"
} >"$report"

echo
cat "$report"
echo
raw=${report%.md}.wrk.txt
echo "written to ${report#"$root"/} and ${raw#"$root"/}"
exit "$failed_checks"
