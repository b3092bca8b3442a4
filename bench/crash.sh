#!/usr/bin/env bash
# bench/crash.sh — SIGKILL wonpay under write load, many times, and check that
# no acknowledged write is lost or doubled. The larger sibling of
# tests/api/server/test_crash.py (20 rounds, transfers only, ASan build).
#
#   bench/crash.sh                          (ROUNDS=100 WRITERS=16, a random SEED)
#   ROUNDS=300 WRITERS=32 SEED=42 bench/crash.sh
#
# Builds the release binary (build/wonpay), starts `wonpay serve --sandbox` on a
# fresh database in a temp dir (127.0.0.1, port 0, --rate-limit 0
# --access-log off), opens two sandbox bank accounts, then per round: WRITERS
# client threads send sandbox transfers and AQR creates for a random 0.2-2 s,
# the server is SIGKILLed, the crash image must pass `wonpay ledger verify`,
# and after a restart on the same database every acknowledged write must be
# there exactly once, re-sent in-flight transfers must be idempotent and the
# balances must add up (details: bench/crash.py). SEED fixes the schedule
# (kill moments, amounts, request mix), not the thread interleaving.
#
# Prints rounds, acknowledged transfers and AQR creates, requests in flight at
# the kills, anomalies and wall time. Exit 1 on any anomaly.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
ROUNDS=${ROUNDS:-100}
WRITERS=${WRITERS:-16}
SEED=${SEED:-$((RANDOM << 15 | RANDOM))}
PYTHON=/usr/bin/python3

die() { echo "crash.sh: $*" >&2; exit 2; }

for v in ROUNDS WRITERS SEED; do
	case "${!v}" in '' | *[!0-9]*) die "$v must be a non-negative integer" ;; esac
done
[ "$ROUNDS" -gt 0 ] || die "ROUNDS must be positive"
[ "$WRITERS" -gt 0 ] || die "WRITERS must be positive"
[ $# -eq 0 ] || die "no arguments; set ROUNDS / WRITERS / SEED in the environment"
"$PYTHON" -c 'import requests, sqlite3' 2>/dev/null || die "$PYTHON with requests and sqlite3 is needed"

# The release binary, built as start_wonpay (bench/lib.sh) builds it.
make -C "$root" --no-print-directory build/wonpay >/dev/null
[ -x "$root/build/wonpay" ] || die "build/wonpay missing after make"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/crash-bench.XXXXXX")
py_pid=""

# crash.py stops its own servers (by pid); stop it, then remove the temp dir.
# shellcheck disable=SC2317  # invoked via trap
cleanup() {
	local rc=$?
	stop_pid "$py_pid"
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "# ROUNDS=$ROUNDS WRITERS=$WRITERS SEED=$SEED $0"
echo "# wonpay $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD -- src 2>/dev/null || echo '+dirty src'), $(nproc) cores, temp dir on $(stat -f -c %T "$tmp" 2>/dev/null || echo '?')"
"$PYTHON" "$root/bench/crash.py" --bin "$root/build/wonpay" --dir "$tmp" \
	--rounds "$ROUNDS" --writers "$WRITERS" --seed "$SEED" &
py_pid=$!
rc=0
wait "$py_pid" || rc=$?
py_pid=""
exit "$rc"
