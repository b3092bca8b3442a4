#!/bin/sh
# deps.sh run|test|check|fuzz|bench — installs the Debian packages wonpay needs, only those missing.
#   run:   building and running the server, and the README's curl and Python examples
#   test:  that plus what `make test` needs (cmocka, pytest, jwcrypto, Chromium, zbar,
#          PostgreSQL for the suites' second run, and Node.js with the OpenAPI linter in
#          tests/openapi/node_modules)
#   check: that plus clang-format (`make check`: formatting and gcc -fanalyzer)
#   fuzz:  run plus clang and its libFuzzer and sanitizer runtimes (`make fuzz`)
#   bench: that plus wrk, nginx, the sqlite3 shell and PostgreSQL (the references)
# Non-interactive; says what it installs. Needs root or sudo when anything is missing.
set -eu
profile=${1:-run}

run_pkgs="build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev \
libssl-dev libqrencode-dev libpng-dev libcurl4-openssl-dev curl python3 python3-requests \
python3-jwcrypto"
test_pkgs="libcmocka-dev python3-pytest python3-selenium chromium chromium-driver \
zbar-tools fonts-nanum libjs-jquery postgresql"

case "$profile" in
run) pkgs=$run_pkgs ;;
test) pkgs="$run_pkgs $test_pkgs" ;;
check) pkgs="$run_pkgs $test_pkgs clang-format" ;;
fuzz) pkgs="$run_pkgs clang libclang-rt-14-dev" ;;
bench) pkgs="$run_pkgs wrk nginx-light sqlite3 postgresql postgresql-contrib" ;;
*) echo "usage: $0 run|test|check|fuzz|bench" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = "installed" ] || missing="$missing $p"
done
# The OpenAPI lint (test, check) runs on Node.js: Debian's, unless node and npm are there.
case "$profile" in
test | check)
	command -v node >/dev/null 2>&1 || missing="$missing nodejs"
	command -v npm >/dev/null 2>&1 || missing="$missing npm"
	;;
esac

# Then the linter itself from the npm registry, at the version package-lock.json pins.
npm_lint() {
	case "$profile" in test | check) ;; *) return 0 ;; esac
	dir="$(dirname "$0")/../tests/openapi"
	[ -x "$dir/node_modules/.bin/redocly" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] && return 0
	echo "wonpay: installing the OpenAPI linter (npm ci in tests/openapi)"
	npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
}

if [ -z "$missing" ]; then
	npm_lint
	exit 0
fi

echo "wonpay: installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "wonpay: need root (or sudo) to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
npm_lint
