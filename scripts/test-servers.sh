#!/usr/bin/env bash
# test-servers.sh: make sure every server the store tests talk to is running,
# and write down where they are.
#
# Idempotent and safe to run from any directory, as often as you like. It
# never changes the configuration or the users of a server it did not start:
# a server of the host is used as it is, or not at all.
#
#   Redis       127.0.0.1:6379   redis-server, nothing kept on disk
#   memcached   127.0.0.1:11211  -I 4m: items above the suite's 1 MiB values
#   PostgreSQL  127.0.0.1:5432   the host's, if user postgres gets in over
#                                loopback without a password and database test
#                                exists or can be created; otherwise a private
#                                instance on 127.0.0.1:55432
#   MariaDB     127.0.0.1:3306   the host's, if root gets in over loopback with
#                                an empty password and database test exists or
#                                can be created; otherwise a private instance
#                                on 127.0.0.1:53306
#   MongoDB     127.0.0.1:27017  FerretDB, through scripts/start-ferretdb.sh
#   DynamoDB    127.0.0.1:8000   dynalite (npm package, in-memory), installed
#                                with npm into $cache/dynalite; it has no TTL
#                                operations and never expires items
#   Chromium    /usr/bin/chromium  not a server: the browser the end-to-end
#                                test (examples/browsertest) starts itself,
#                                installed from Debian's chromium package
#
# A server that already answers and is usable is left alone ("already
# running"). Only what is missing is installed (Debian packages, as root;
# `apt-get update` runs only when something must be installed) and started
# ("started"). Installing a package may start the package's own server; that
# server is left as the package made it, and used only if it is usable as is.
#
# A private instance is a server of our own: its own data directory, its own
# loopback port, and a superuser that needs no password in that instance only
# (PostgreSQL: initdb --auth=trust -U postgres; MariaDB: mariadb-install-db
# --auth-root-authentication-method=normal). Its data lives under
# $SERVERSESSION_PRIVATE_DIR: by default
# ${XDG_CACHE_HOME:-$HOME/.cache}/serversession/private, or, as root,
# /tmp/serversession-private (root's home is closed to the server users). As
# root the servers run as the postgres and mysql users (created if missing).
# A later run finds a private instance running and reuses it.
#
# The addresses chosen are written to $SERVERSESSION_ENV_FILE (default
# .cache/test-servers.env in the repository, git-ignored) as
# SERVERSESSION_*_ADDR / _DSN / _URI lines. The tests (internal/testserver)
# read that file when the variable itself is not set, so `go test ./...`
# after this script finds the private instances too.
#
# Usage:
#   scripts/test-servers.sh [server...]       start (default: all of them)
#   scripts/test-servers.sh stop [server...]  stop the private PostgreSQL and
#                                             MariaDB (default), or FerretDB
#                                             (mongodb) or dynalite (dynamodb)
#                                             when named
# Servers: redis memcached postgresql mariadb mongodb dynamodb chromium.
#
# Environment:
#   SERVERSESSION_PRIVATE_DB=1          use private PostgreSQL and MariaDB
#                                       instances even if the host's are usable
#   SERVERSESSION_PRIVATE_DIR           where private instances keep their data
#   SERVERSESSION_PRIVATE_PG_PORT       private PostgreSQL port (default 55432)
#   SERVERSESSION_PRIVATE_MARIADB_PORT  private MariaDB port    (default 53306)
#   SERVERSESSION_DYNAMODB_PORT         dynalite's port         (default 8000)
#   SERVERSESSION_ENV_FILE              the file the addresses go to
#   SERVERSESSION_WAIT                  seconds to wait for a port (default 30)
set -euo pipefail

wait_s="${SERVERSESSION_WAIT:-30}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive
uid="$(id -u)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/serversession"
if [ "$uid" -eq 0 ]; then
	private="${SERVERSESSION_PRIVATE_DIR:-/tmp/serversession-private}"
else
	private="${SERVERSESSION_PRIVATE_DIR:-$cache/private}"
fi
env_file="${SERVERSESSION_ENV_FILE:-$root/.cache/test-servers.env}"
force_private="${SERVERSESSION_PRIVATE_DB:-}"
pg_port="${SERVERSESSION_PRIVATE_PG_PORT:-55432}"
maria_port="${SERVERSESSION_PRIVATE_MARIADB_PORT:-53306}"
dynamo_port="${SERVERSESSION_DYNAMODB_PORT:-8000}"
dynalite_version=4.0.0

say() { printf '%-11s %-16s %s\n' "$1" "$2" "$3"; }
die() {
	echo "test-servers: $*" >&2
	exit 1
}

# answers reports whether a TCP server accepts connections on host port.
answers() {
	timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# wait_for waits until host port answers, or fails naming what and its log.
wait_for() {
	local what="$1" host="$2" port="$3" log="$4"
	local deadline=$((SECONDS + wait_s))
	until answers "$host" "$port"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "test-servers: $what did not answer on $host:$port within ${wait_s}s" >&2
			if [ -n "$log" ] && [ -r "$log" ]; then
				echo "test-servers: last lines of $log:" >&2
				tail -n 20 "$log" >&2
			fi
			exit 1
		fi
		sleep 0.2
	done
}

updated=""
# apt_install installs Debian packages, running apt-get update once beforehand.
apt_install() {
	[ "$uid" -eq 0 ] || die "installing $* needs root (run this script as root, or install them yourself)"
	command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* yourself"
	if [ -z "$updated" ]; then
		# Without fresh lists the install may still work from the cache.
		apt-get update -qq || echo "test-servers: warning: apt-get update failed; trying the install anyway" >&2
		updated=1
	fi
	echo "test-servers: installing $*"
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null || die "apt-get install $* failed"
}

# set_env records NAME=VALUE in the env file (replacing an older NAME line);
# with no value it removes NAME. Values are single-quoted for sh.
set_env() {
	local name="$1" value="${2-}"
	mkdir -p "$(dirname "$env_file")"
	(
		if command -v flock >/dev/null 2>&1; then
			exec 8>>"$env_file.lock"
			flock -w 30 8 || true
		fi
		local tmp="$env_file.$$"
		{
			echo "# Written by scripts/test-servers.sh: where the test servers are."
			echo "# Read by internal/testserver for variables not set in the environment."
			if [ -f "$env_file" ]; then
				grep -v -e '^#' -e "^$name=" "$env_file" || true
			fi
			if [ -n "$value" ]; then
				printf "%s='%s'\n" "$name" "$value"
			fi
		} >"$tmp"
		mv "$tmp" "$env_file"
	)
}

# as_user runs a command as the given user (as root), or as is (otherwise).
as_user() {
	local user="$1"
	shift
	if [ "$uid" -ne 0 ]; then
		"$@"
	elif command -v runuser >/dev/null 2>&1; then
		runuser -u "$user" -- "$@"
	elif command -v setpriv >/dev/null 2>&1; then
		setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- "$@"
	else
		su -s /bin/sh "$user" -c "$(printf '%q ' "$@")"
	fi
}

# system_user makes sure the OS user name exists (as root), creating it as a
# system user without a home or a login shell if it does not.
system_user() {
	[ "$uid" -eq 0 ] || return 0
	id "$1" >/dev/null 2>&1 && return 0
	echo "test-servers: creating system user $1 to run the private server"
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$1" || die "useradd $1 failed"
}

# private_dir creates the directory the private instances live in: ours, not
# a symlink, readable by the server users.
private_dir() {
	mkdir -p "$private" || die "cannot create $private"
	if [ -L "$private" ] || [ ! -O "$private" ]; then
		die "$private is a symlink or belongs to someone else; set SERVERSESSION_PRIVATE_DIR"
	fi
	chmod 0755 "$private"
}

# owned_dir creates dir (under the private dir) owned by user (as root).
owned_dir() {
	local dir="$1" user="$2"
	mkdir -p "$dir"
	if [ "$uid" -eq 0 ]; then
		chown "$user:$(id -gn "$user")" "$dir"
	fi
	chmod 0700 "$dir"
}

# ---------------------------------------------------------------- Redis
start_redis() {
	local addr=127.0.0.1:6379
	set_env SERVERSESSION_REDIS_ADDR "$addr"
	if answers 127.0.0.1 6379; then
		say redis "$addr" "already running"
		return
	fi
	command -v redis-server >/dev/null 2>&1 || apt_install redis-server
	# As root, the server runs as the redis user the package made, in a
	# folder of its own: a test server needs no root.
	local user="" dir="$cache/redis"
	if [ "$uid" -eq 0 ]; then
		system_user redis
		user=redis
		dir=/tmp/serversession-redis
	fi
	local log="$dir/redis.log" pid="$dir/redis.pid"
	mkdir -p "$dir"
	[ -z "$user" ] || chown "$user" "$dir"
	as_user "$user" redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 \
		--save "" --appendonly no --dir "$dir" --logfile "$log" \
		--pidfile "$pid" ||
		die "redis-server failed to start; see $log"
	wait_for redis 127.0.0.1 6379 "$log"
	say redis "$addr" "started"
}

# ---------------------------------------------------------------- memcached
# memcached_item_max prints the item_size_max of the server on port 11211.
memcached_item_max() {
	timeout 2 bash -c '
		exec 3<>/dev/tcp/127.0.0.1/11211
		printf "stats settings\r\n" >&3
		while IFS= read -r line <&3; do
			line=${line%$'"'"'\r'"'"'}
			case "$line" in
			"STAT item_size_max "*) echo "${line##* }" ;;
			END) break ;;
			esac
		done
		printf "quit\r\n" >&3' 2>/dev/null || true
}

start_memcached() {
	local addr=127.0.0.1:11211
	set_env SERVERSESSION_MEMCACHED_ADDR "$addr"
	if answers 127.0.0.1 11211; then
		local max
		max="$(memcached_item_max)"
		if [ -n "$max" ] && [ "$max" -lt $((2 * 1024 * 1024)) ]; then
			say memcached "$addr" "already running (WARNING: item_size_max=$max; the 1 MiB tests need -I 4m: restart it with -I 4m)"
		else
			say memcached "$addr" "already running"
		fi
		return
	fi
	local bin
	bin="$(command -v memcached || true)"
	if [ -z "$bin" ]; then
		apt_install memcached
		bin="$(command -v memcached)"
		# The package may have started its own instance (without -I 4m).
		if answers 127.0.0.1 11211; then
			say memcached "$addr" "started by the package; $(memcached_item_max) byte items"
			return
		fi
	fi
	local log=/var/log/memcached-test.log
	local user=()
	if [ "$uid" -eq 0 ]; then
		# memcached refuses to run as root without -u.
		if id memcache >/dev/null 2>&1; then
			user=(-u memcache)
		else
			user=(-u nobody)
		fi
	else
		mkdir -p "$cache"
		log="$cache/memcached.log"
	fi
	# -d daemon, loopback only, no UDP, 4 MiB items, 256 MiB of cache.
	"$bin" -d "${user[@]}" -l 127.0.0.1 -p 11211 -U 0 -I 4m -m 256 -c 1024 \
		-P /tmp/serversession-memcached-"$uid".pid >>"$log" 2>&1 ||
		die "memcached failed to start; see $log"
	wait_for memcached 127.0.0.1 11211 "$log"
	say memcached "$addr" "started"
}

# ---------------------------------------------------------------- PostgreSQL
pg_dsn() { echo "host=127.0.0.1 port=$1 user=postgres dbname=test sslmode=disable"; }

# pg_sql runs psql as user postgres over 127.0.0.1:port, never asking for a
# password.
pg_sql() {
	local port="$1"
	shift
	PGCONNECT_TIMEOUT=5 psql -X -h 127.0.0.1 -p "$port" -U postgres -w -d postgres -tAq "$@"
}

# pg_ensure_db makes sure database test exists on 127.0.0.1:port.
pg_ensure_db() {
	[ "$(pg_sql "$1" -c "select 1 from pg_database where datname = 'test'" 2>/dev/null)" = 1 ] ||
		pg_sql "$1" -c 'create database test' >/dev/null 2>&1
}

# pg_usable reports whether the server on 127.0.0.1:port lets postgres in
# without a password and has (or lets us create) database test.
pg_usable() { pg_sql "$1" -c 'select 1' >/dev/null 2>&1 && pg_ensure_db "$1"; }

# pg_bindir prints the directory of initdb and pg_ctl, newest version first.
pg_bindir() {
	local d
	d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
	if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
		echo "$d"
	elif command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		dirname "$(command -v initdb)"
	fi
}

pg_run_user() { if [ "$uid" -eq 0 ]; then echo postgres; else id -un; fi; }

# pg_private_dir prints the directory of the private instance of the
# PostgreSQL in bindir: data/ and server.log.
pg_private_dir() { echo "$private/postgresql-$("$1/pg_ctl" --version | awk '{ split($3, v, "."); print v[1] }')"; }

start_postgres() {
	local host_addr=127.0.0.1:5432
	command -v psql >/dev/null 2>&1 || apt_install postgresql-client
	if [ -z "$force_private" ] && answers 127.0.0.1 5432; then
		if pg_usable 5432; then
			set_env SERVERSESSION_POSTGRES_DSN "$(pg_dsn 5432)"
			say postgresql "$host_addr" "already running"
			return
		fi
		echo "test-servers: the PostgreSQL on $host_addr does not let postgres in without a password (or database test cannot be created): leaving it alone, using a private instance" >&2
	fi
	local addr="127.0.0.1:$pg_port"
	if answers 127.0.0.1 "$pg_port"; then
		pg_usable "$pg_port" ||
			die "$addr answers but is not a PostgreSQL that lets postgres in without a password; set SERVERSESSION_PRIVATE_PG_PORT to a free port"
		set_env SERVERSESSION_POSTGRES_DSN "$(pg_dsn "$pg_port")"
		say postgresql "$addr" "already running (private)"
		return
	fi
	local bin
	bin="$(pg_bindir)"
	if [ -z "$bin" ]; then
		apt_install postgresql
		bin="$(pg_bindir)"
		[ -n "$bin" ] || die "no initdb and pg_ctl after installing postgresql"
	fi
	local user dir
	user="$(pg_run_user)"
	system_user "$user"
	private_dir
	dir="$(pg_private_dir "$bin")"
	owned_dir "$dir" "$user"
	if [ ! -s "$dir/data/PG_VERSION" ]; then
		rm -rf "$dir/data"
		as_user "$user" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust \
			-E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			as_user "$user" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust \
				-E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
			die "initdb of the private PostgreSQL failed; see $dir/initdb.log"
		# A throwaway instance: no durability, room for the parallel tests.
		cat >>"$dir/data/postgresql.conf" <<-'CONF'

			# serversession test-servers.sh: a private instance for the tests.
			fsync = off
			synchronous_commit = off
			full_page_writes = off
			max_connections = 300
		CONF
	fi
	# Address and port on the command line, so that changing the port needs
	# no new data directory.
	as_user "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t "$wait_s" \
		-o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories='$dir'" \
		start >/dev/null ||
		die "the private PostgreSQL failed to start; see $dir/server.log"
	wait_for "private postgresql" 127.0.0.1 "$pg_port" "$dir/server.log"
	pg_usable "$pg_port" || die "cannot log in to the private PostgreSQL on $addr, or create database test; see $dir/server.log"
	set_env SERVERSESSION_POSTGRES_DSN "$(pg_dsn "$pg_port")"
	say postgresql "$addr" "started (private, $dir)"
}

stop_postgres() {
	local bin dir=""
	bin="$(pg_bindir)"
	[ -z "$bin" ] || dir="$(pg_private_dir "$bin")"
	if [ -z "$bin" ] || [ ! -d "$dir/data" ] ||
		! as_user "$(pg_run_user)" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		say postgresql "127.0.0.1:$pg_port" "not running (private)"
		return
	fi
	as_user "$(pg_run_user)" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t "$wait_s" stop >/dev/null ||
		die "pg_ctl stop of the private PostgreSQL in $dir failed"
	if grep -q "port=$pg_port " "$env_file" 2>/dev/null; then
		set_env SERVERSESSION_POSTGRES_DSN
	fi
	say postgresql "127.0.0.1:$pg_port" "stopped (private, $dir)"
}

# ---------------------------------------------------------------- MariaDB
maria_dsn() { echo "root@tcp(127.0.0.1:$1)/test?parseTime=true"; }

# maria_tcp runs the client as root with an empty password over
# 127.0.0.1:port, reading no option files.
maria_tcp() {
	local port="$1"
	shift
	mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$port" -u root --skip-password \
		--connect-timeout=5 "$@"
}

# maria_usable reports whether the server on 127.0.0.1:port lets root in
# with an empty password and has (or lets us create) database test.
maria_usable() { maria_tcp "$1" -e 'CREATE DATABASE IF NOT EXISTS test' >/dev/null 2>&1; }

maria_run_user() { if [ "$uid" -eq 0 ]; then echo mysql; else id -un; fi; }

mariadbd_bin() {
	local b
	for b in /usr/sbin/mariadbd "$(command -v mariadbd 2>/dev/null || true)"; do
		[ -n "$b" ] && [ -x "$b" ] && command -v mariadb-install-db >/dev/null 2>&1 && {
			echo "$b"
			return
		}
	done
	return 0
}

start_mariadb() {
	local host_addr=127.0.0.1:3306
	command -v mariadb >/dev/null 2>&1 || apt_install mariadb-client
	if [ -z "$force_private" ] && answers 127.0.0.1 3306; then
		if maria_usable 3306; then
			set_env SERVERSESSION_MYSQL_DSN "$(maria_dsn 3306)"
			say mariadb "$host_addr" "already running"
			return
		fi
		echo "test-servers: the MariaDB/MySQL on $host_addr does not let root in with an empty password (or database test cannot be created): leaving it alone, using a private instance" >&2
	fi
	local addr="127.0.0.1:$maria_port" dir="$private/mariadb"
	if answers 127.0.0.1 "$maria_port"; then
		maria_usable "$maria_port" ||
			die "$addr answers but is not a MariaDB that lets root in with an empty password; set SERVERSESSION_PRIVATE_MARIADB_PORT to a free port"
		set_env SERVERSESSION_MYSQL_DSN "$(maria_dsn "$maria_port")"
		say mariadb "$addr" "already running (private)"
		return
	fi
	local bin
	bin="$(mariadbd_bin)"
	if [ -z "$bin" ]; then
		apt_install mariadb-server
		bin="$(mariadbd_bin)"
		[ -n "$bin" ] || die "no mariadbd and mariadb-install-db after installing mariadb-server"
	fi
	local user
	user="$(maria_run_user)"
	system_user "$user"
	private_dir
	owned_dir "$dir" "$user"
	local userflag=()
	[ "$uid" -ne 0 ] || userflag=(--user="$user")
	if [ ! -d "$dir/data/mysql" ]; then
		rm -rf "$dir/data"
		# --no-defaults: none of the host's option files (/etc/mysql).
		mariadb-install-db --no-defaults "${userflag[@]}" --datadir="$dir/data" \
			--auth-root-authentication-method=normal --skip-test-db \
			>"$dir/install.log" 2>&1 ||
			die "mariadb-install-db for the private MariaDB failed; see $dir/install.log"
	fi
	# Started as root, mariadbd switches to --user itself. Its own session,
	# so that an interrupted make does not take it down.
	local detach=(nohup)
	command -v setsid >/dev/null 2>&1 && detach=(setsid nohup)
	"${detach[@]}" "$bin" --no-defaults "${userflag[@]}" --datadir="$dir/data" \
		--bind-address=127.0.0.1 --port="$maria_port" --socket="$dir/mysqld.sock" \
		--pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
		--innodb-flush-log-at-trx-commit=2 --max-connections=500 \
		</dev/null >>"$dir/stdout.log" 2>&1 &
	disown
	wait_for "private mariadb" 127.0.0.1 "$maria_port" "$dir/error.log"
	if ! maria_tcp "$maria_port" -e 'select 1' >/dev/null 2>&1; then
		# Our own instance: let root in over 127.0.0.1 as over the socket.
		mariadb --no-defaults --socket="$dir/mysqld.sock" -u root --skip-password -e "
			CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
			GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;" ||
			die "cannot reach the private MariaDB as root over $dir/mysqld.sock"
	fi
	maria_usable "$maria_port" ||
		die "cannot log in to the private MariaDB on $addr, or create database test; see $dir/error.log"
	set_env SERVERSESSION_MYSQL_DSN "$(maria_dsn "$maria_port")"
	say mariadb "$addr" "started (private, $dir)"
}

# is_process PID NAME: whether process PID is still one whose command
# starts with NAME (a pid file may outlive its process, and the pid go to
# another).
is_process() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
	case "$(ps -o comm= -p "$1" 2>/dev/null)" in
	"$2"*) return 0 ;;
	*) return 1 ;;
	esac
}

stop_mariadb() {
	local dir="$private/mariadb" pid
	pid="$(cat "$dir/mysqld.pid" 2>/dev/null || true)"
	if ! is_process "$pid" mariadbd; then
		say mariadb "127.0.0.1:$maria_port" "not running (private)"
		return
	fi
	kill "$pid"
	local deadline=$((SECONDS + wait_s))
	while kill -0 "$pid" 2>/dev/null; do
		[ "$SECONDS" -lt "$deadline" ] || die "the private MariaDB (pid $pid) did not stop within ${wait_s}s"
		sleep 0.2
	done
	if grep -q "127.0.0.1:$maria_port)" "$env_file" 2>/dev/null; then
		set_env SERVERSESSION_MYSQL_DSN
	fi
	say mariadb "127.0.0.1:$maria_port" "stopped (private, $dir)"
}

# ---------------------------------------------------------------- FerretDB
start_ferretdb() {
	local script="$root/scripts/start-ferretdb.sh" addr="${FERRETDB_ADDR:-127.0.0.1:27017}"
	if [ ! -f "$script" ]; then
		say mongodb "$addr" "skipped ($script not present)"
		return
	fi
	set_env SERVERSESSION_MONGO_URI "mongodb://$addr"
	local was=""
	answers "${addr%:*}" "${addr##*:}" && was=1
	local out
	out="$(bash "$script" 2>&1)" || {
		printf '%s\n' "$out" >&2
		die "$script failed"
	}
	if [ -n "$was" ]; then
		say mongodb "$addr" "already running"
	else
		say mongodb "$addr" "started (FerretDB)"
	fi
}

stop_ferretdb() {
	local pidfile="$cache/ferretdb.pid" pid
	pid="$(cat "$pidfile" 2>/dev/null || true)"
	if ! is_process "$pid" ferretdb; then
		say mongodb "${FERRETDB_ADDR:-127.0.0.1:27017}" "not running (ours)"
		return
	fi
	kill "$pid"
	rm -f "$pidfile"
	say mongodb "${FERRETDB_ADDR:-127.0.0.1:27017}" "stopped (FerretDB, pid $pid)"
}

# ---------------------------------------------------------------- DynamoDB
# dynalite, a DynamoDB implementation on Node, from the npm registry: in
# memory, on loopback, tables ACTIVE at once (no CREATING state to wait out).
# It answers UpdateTimeToLive with UnknownOperationException and never
# expires items; the store checks expiration itself.
dynalite_dir() { echo "$cache/dynalite"; }

start_dynamodb() {
	local addr="127.0.0.1:$dynamo_port" dir
	dir="$(dynalite_dir)"
	set_env SERVERSESSION_DYNAMODB_ADDR "$addr"
	if answers 127.0.0.1 "$dynamo_port"; then
		say dynamodb "$addr" "already running"
		return
	fi
	local cli="$dir/node_modules/dynalite/cli.js"
	if [ ! -f "$cli" ] || ! grep -q "\"version\": \"$dynalite_version\"" "$dir/node_modules/dynalite/package.json" 2>/dev/null; then
		command -v npm >/dev/null 2>&1 || apt_install nodejs npm
		mkdir -p "$dir"
		echo "test-servers: installing dynalite@$dynalite_version into $dir"
		npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "dynalite@$dynalite_version" \
			>"$dir/npm-install.log" 2>&1 || {
			tail -n 20 "$dir/npm-install.log" >&2
			die "npm install dynalite@$dynalite_version failed; see $dir/npm-install.log"
		}
	fi
	command -v node >/dev/null 2>&1 || apt_install nodejs
	# Its own session, so that an interrupted make does not take it down.
	local detach=(nohup)
	command -v setsid >/dev/null 2>&1 && detach=(setsid nohup)
	"${detach[@]}" node "$cli" --host 127.0.0.1 --port "$dynamo_port" \
		--createTableMs 0 --deleteTableMs 0 --updateTableMs 0 \
		</dev/null >>"$dir/dynalite.log" 2>&1 &
	echo $! >"$dir/dynalite.pid"
	disown
	wait_for dynalite 127.0.0.1 "$dynamo_port" "$dir/dynalite.log"
	say dynamodb "$addr" "started (dynalite $dynalite_version, in memory)"
}

stop_dynamodb() {
	local pidfile pid
	pidfile="$(dynalite_dir)/dynalite.pid"
	pid="$(cat "$pidfile" 2>/dev/null || true)"
	if ! is_process "$pid" node; then
		say dynamodb "127.0.0.1:$dynamo_port" "not running (ours)"
		return
	fi
	kill "$pid"
	rm -f "$pidfile"
	say dynamodb "127.0.0.1:$dynamo_port" "stopped (dynalite, pid $pid)"
}

# ---------------------------------------------------------------- Chromium
# The browser test starts Chromium itself, headless, on a loopback page:
# only the package is needed, nothing runs.
ensure_chromium() {
	local bin=/usr/bin/chromium
	if [ -x "$bin" ]; then
		say chromium "$bin" "already installed"
		return
	fi
	apt_install chromium
	[ -x "$bin" ] || die "no $bin after installing chromium"
	say chromium "$bin" "installed"
}

if [ "${1:-}" = stop ]; then
	shift
	[ "$#" -gt 0 ] || set -- postgresql mariadb
	for name in "$@"; do
		case "$name" in
		postgresql | postgres) stop_postgres ;;
		mariadb | mysql) stop_mariadb ;;
		mongodb | mongo | ferretdb) stop_ferretdb ;;
		dynamodb | dynalite) stop_dynamodb ;;
		redis | memcached) say "$name" - "not stopped: stop it yourself if this script started it" ;;
		chromium) say chromium - "nothing to stop: the browser test starts and ends it" ;;
		*) die "unknown server $name (known: postgresql mariadb mongodb dynamodb)" ;;
		esac
	done
	exit 0
fi

[ "$#" -gt 0 ] || set -- redis memcached postgresql mariadb mongodb dynamodb chromium
for name in "$@"; do
	case "$name" in
	redis) start_redis ;;
	memcached) start_memcached ;;
	postgresql | postgres) start_postgres ;;
	mariadb | mysql) start_mariadb ;;
	mongodb | mongo | ferretdb) start_ferretdb ;;
	dynamodb | dynalite) start_dynamodb ;;
	chromium) ensure_chromium ;;
	*) die "unknown server $name (known: redis memcached postgresql mariadb mongodb dynamodb chromium)" ;;
	esac
done
echo "test-servers: addresses written to $env_file"
