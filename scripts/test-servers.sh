#!/usr/bin/env bash
# test-servers.sh: make sure every server the store tests talk to is running.
#
# Idempotent and safe to run from any directory, as often as you like. For
# each server it first checks the port; a server that already answers is left
# alone ("already running"). Only what is missing is installed (Debian
# packages, as root; `apt-get update` runs only when something must be
# installed) and started ("started"). It waits for each port for at most
# SERVERSESSION_WAIT seconds (default 30) and fails with a message naming the
# server and its log when one does not come up.
#
#   Redis       127.0.0.1:6379   redis-server, nothing kept on disk
#   memcached   127.0.0.1:11211  -I 4m: items above the suite's 1 MiB values
#   PostgreSQL  127.0.0.1:5432   user postgres, trust auth on loopback, DB test
#   MariaDB     127.0.0.1:3306   root with an empty password, DB test
#   MongoDB     127.0.0.1:27017  FerretDB, through scripts/start-ferretdb.sh
#
# With arguments, only the named servers are handled, e.g.
#   scripts/test-servers.sh redis memcached
# (names: redis memcached postgresql mariadb mongodb).
#
# The tests find these servers through SERVERSESSION_*_ADDR variables with
# the loopback defaults above (internal/testserver). The ports here are fixed.
set -euo pipefail

wait_s="${SERVERSESSION_WAIT:-30}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

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
	[ "$(id -u)" -eq 0 ] || die "installing $* needs root (run this script as root, or install them yourself)"
	command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* yourself"
	if [ -z "$updated" ]; then
		# Without fresh lists the install may still work from the cache.
		apt-get update -qq || echo "test-servers: warning: apt-get update failed; trying the install anyway" >&2
		updated=1
	fi
	echo "test-servers: installing $*"
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null || die "apt-get install $* failed"
}

# ---------------------------------------------------------------- Redis
start_redis() {
	local addr=127.0.0.1:6379
	if answers 127.0.0.1 6379; then
		say redis "$addr" "already running"
		return
	fi
	command -v redis-server >/dev/null 2>&1 || apt_install redis-server
	mkdir -p /var/lib/redis /var/log/redis
	local log=/var/log/redis/ci.log
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 \
		--save "" --appendonly no --dir /var/lib/redis --logfile "$log" \
		--pidfile /var/run/redis-serversession-6379.pid ||
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
	if [ "$(id -u)" -eq 0 ]; then
		# memcached refuses to run as root without -u.
		if id memcache >/dev/null 2>&1; then
			user=(-u memcache)
		else
			user=(-u nobody)
		fi
	fi
	# -d daemon, loopback only, no UDP, 4 MiB items, 256 MiB of cache.
	"$bin" -d "${user[@]}" -l 127.0.0.1 -p 11211 -U 0 -I 4m -m 256 -c 1024 \
		-P /tmp/serversession-memcached.pid >>"$log" 2>&1 ||
		die "memcached failed to start; see $log"
	wait_for memcached 127.0.0.1 11211 "$log"
	say memcached "$addr" "started"
}

# ---------------------------------------------------------------- PostgreSQL
pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

pg_sql() { psql -h 127.0.0.1 -U postgres -w -d postgres -tAq "$@"; }

start_postgres() {
	local addr=127.0.0.1:5432 state="already running"
	if ! answers 127.0.0.1 5432; then
		command -v pg_ctlcluster >/dev/null 2>&1 && [ -n "$(pg_version)" ] || apt_install postgresql
		local v
		v="$(pg_version)"
		[ -n "$v" ] || die "no PostgreSQL version under /etc/postgresql after installing postgresql"
		[ -d "/etc/postgresql/$v/main" ] || pg_createcluster "$v" main >/dev/null ||
			die "pg_createcluster $v main failed"
		# pg_ctlcluster is a no-op error when it already runs: check the port.
		pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true
		wait_for postgresql 127.0.0.1 5432 "/var/log/postgresql/postgresql-$v-main.log"
		state="started"
	fi
	if ! pg_sql -c 'select 1' >/dev/null 2>&1; then
		# Fresh Debian clusters ask for passwords over TCP: trust loopback.
		local v hba
		v="$(pg_version)"
		hba="/etc/postgresql/$v/main/pg_hba.conf"
		[ -w "$hba" ] || die "cannot log in to PostgreSQL as postgres over 127.0.0.1 and cannot edit $hba"
		{
			echo "# serversession test-servers.sh: trust loopback for the tests"
			echo "local all all trust"
			echo "host all all 127.0.0.1/32 trust"
			echo "host all all ::1/128 trust"
			cat "$hba"
		} >"$hba.new" && mv "$hba.new" "$hba"
		pg_ctlcluster --skip-systemctl-redirect "$v" main reload ||
			die "pg_ctlcluster $v main reload failed"
		pg_sql -c 'select 1' >/dev/null ||
			die "cannot log in to PostgreSQL as postgres over 127.0.0.1 even with trust in $hba"
	fi
	if [ "$(pg_sql -c "select 1 from pg_database where datname = 'test'")" != 1 ]; then
		pg_sql -c 'create database test' || die "cannot create PostgreSQL database test"
	fi
	say postgresql "$addr" "$state"
}

# ---------------------------------------------------------------- MariaDB
maria_tcp() { mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -u root --skip-password "$@"; }

start_mariadb() {
	local addr=127.0.0.1:3306 state="already running"
	if ! answers 127.0.0.1 3306; then
		[ -x /usr/sbin/mariadbd ] || apt_install mariadb-server
		mkdir -p /run/mysqld /var/log/mysql
		chown mysql:mysql /run/mysqld /var/log/mysql 2>/dev/null || true
		if [ ! -d /var/lib/mysql/mysql ]; then
			mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null ||
				die "mariadb-install-db failed"
		fi
		# --pidfile: only a mariadbd of this datadir counts as running.
		start-stop-daemon --start --oknodo --background --pidfile /run/mysqld/mysqld.pid \
			--exec /usr/sbin/mariadbd -- --user=mysql ||
			die "mariadbd failed to start"
		wait_for mariadb 127.0.0.1 3306 /var/log/mysql/error.log
		state="started"
	fi
	if ! maria_tcp -e 'select 1' >/dev/null 2>&1; then
		# Fresh installs let root in through the socket only: as OS root,
		# allow root with an empty password over loopback TCP as well.
		mariadb -u root -e "
			CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
			GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
			ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
			FLUSH PRIVILEGES;" ||
			die "cannot reach MariaDB as root over the socket to allow root over 127.0.0.1"
		maria_tcp -e 'select 1' >/dev/null ||
			die "cannot log in to MariaDB as root with an empty password over 127.0.0.1"
	fi
	maria_tcp -e 'CREATE DATABASE IF NOT EXISTS test' || die "cannot create MariaDB database test"
	say mariadb "$addr" "$state"
}

# ---------------------------------------------------------------- FerretDB
start_ferretdb() {
	local script="$root/scripts/start-ferretdb.sh"
	if [ ! -f "$script" ]; then
		say mongodb 127.0.0.1:27017 "skipped ($script not present)"
		return
	fi
	local was=""
	answers 127.0.0.1 27017 && was=1
	local out
	out="$(bash "$script" 2>&1)" || {
		printf '%s\n' "$out" >&2
		die "$script failed"
	}
	if [ -n "$was" ]; then
		say mongodb 127.0.0.1:27017 "already running"
	else
		say mongodb 127.0.0.1:27017 "started (FerretDB)"
	fi
}

[ "$#" -gt 0 ] || set -- redis memcached postgresql mariadb mongodb
for name in "$@"; do
	case "$name" in
	redis) start_redis ;;
	memcached) start_memcached ;;
	postgresql | postgres) start_postgres ;;
	mariadb | mysql) start_mariadb ;;
	mongodb | mongo | ferretdb) start_ferretdb ;;
	*) die "unknown server $name (known: redis memcached postgresql mariadb mongodb)" ;;
	esac
done
