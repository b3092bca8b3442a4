#!/bin/sh
# pg_cluster.sh start|stop|url DIR — a throwaway PostgreSQL cluster for tests.
#
#   start DIR   initdb into DIR/data if it is not there, start it, print its URL
#               (postgres://wonpay@127.0.0.1:PORT/postgres). A stopped cluster
#               starts again on the port it had.
#   stop DIR    stop it (fast shutdown); DIR stays, to start again or remove
#   url DIR     print the URL
#
# Loopback TCP only, on a free port; the unix socket in DIR/run; trust
# authentication for the local user `wonpay` (a test cluster: nothing outside
# this machine can reach it). Durability is what the tests check, so fsync and
# synchronous_commit stay on; shared_buffers is modest. postgres refuses to run
# as root: as root the cluster runs as `nobody` (as bench/transfers.sh runs
# its reference cluster), so DIR and its parents must be reachable by it.
# Needs Debian's postgresql package (scripts/deps.sh test).
set -eu

die() {
	echo "pg_cluster.sh: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: $0 start|stop|url DIR"
cmd=$1
dir=$2
[ "$cmd" != start ] || mkdir -p "$dir"
[ -d "$dir" ] || die "no directory $dir"
dir=$(cd "$dir" && pwd)

# Server binaries live outside PATH on Debian; take the newest.
pgbin=""
for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
	if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
		pgbin=$d
		break
	fi
done
[ -n "$pgbin" ] || die "no PostgreSQL in /usr/lib/postgresql (scripts/deps.sh test installs it)"

if [ "$(id -u)" -eq 0 ]; then
	pg_user=nobody
	pg_as() { (cd "$dir" && runuser -u "$pg_user" -- "$@"); }
else
	pg_user=$(id -un)
	pg_as() { (cd "$dir" && "$@"); }
fi

url() {
	[ -f "$dir/port" ] || die "no cluster in $dir (start it first)"
	echo "postgres://wonpay@127.0.0.1:$(cat "$dir/port")/postgres"
}

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$cmd" in
start)
	chmod 755 "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		mkdir -p "$dir/data" "$dir/run"
		[ "$pg_user" = "$(id -un)" ] || chown "$pg_user" "$dir/data" "$dir/run"
		chmod 700 "$dir/data"
		pg_as test -w "$dir/data" || die "$pg_user cannot write $dir/data: give it a directory whose parents it can reach"
		pg_as "$pgbin/initdb" -D "$dir/data" -U wonpay --auth=trust -E UTF8 --locale=C \
			--no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
		free_port >"$dir/port"
		cat >>"$dir/data/postgresql.conf" <<EOF
# pg_cluster.sh: a test cluster
listen_addresses = '127.0.0.1'
port = $(cat "$dir/port")
unix_socket_directories = '$dir/run'
fsync = on
synchronous_commit = on
full_page_writes = on
shared_buffers = 32MB
max_connections = 200
EOF
	fi
	touch "$dir/postgres.log"
	[ "$pg_user" = "$(id -un)" ] || chown "$pg_user" "$dir/postgres.log"
	pg_as "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null ||
		{ tail -n 20 "$dir/postgres.log" >&2; die "PostgreSQL did not start"; }
	url
	;;
stop)
	[ -f "$dir/data/postmaster.pid" ] || exit 0
	pg_as "$pgbin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
		pg_as "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop >/dev/null ||
		die "PostgreSQL in $dir did not stop"
	;;
url)
	url
	;;
*)
	die "usage: $0 start|stop|url DIR"
	;;
esac
