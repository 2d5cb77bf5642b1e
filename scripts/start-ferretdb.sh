#!/usr/bin/env bash
# start-ferretdb.sh: make sure a MongoDB-wire server answers for the tests.
#
# Idempotent. If something already listens on FERRETDB_ADDR (default
# 127.0.0.1:27017), it says so and exits 0. Otherwise it builds the helper in
# testdata/ferretdb (FerretDB v1.24 embedded, SQLite handler; its own Go
# module, so the main go.mod never sees FerretDB), starts it in the background
# with nohup, and waits for the port. The binary is kept in the cache under a
# name made of the hash of the helper's go.mod, go.sum and Go files, so that
# another clone, or a later run, starts it without building it again. It fails with the log tail if the server
# does not come up within FERRETDB_WAIT seconds (default 30).
#
# Environment:
#   FERRETDB_ADDR   host:port to serve on      (default 127.0.0.1:27017)
#   FERRETDB_DIR    SQLite state directory     (default $cache/ferretdb-state)
#   FERRETDB_WAIT   seconds to wait for a port (default 30)
#   XDG_CACHE_HOME  cache root; binary, log and pid go under serversession/
#
# Stop it with: kill "$(cat "${XDG_CACHE_HOME:-$HOME/.cache}/serversession/ferretdb.pid")"
set -euo pipefail

addr="${FERRETDB_ADDR:-127.0.0.1:27017}"
host="${addr%:*}"
port="${addr##*:}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/serversession"
state="${FERRETDB_DIR:-$cache/ferretdb-state}"
log="$cache/ferretdb.log"
pidfile="$cache/ferretdb.pid"
wait_s="${FERRETDB_WAIT:-30}"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../testdata/ferretdb" && pwd)"
key="$(cd "$src" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-16)"
bin="$cache/bin/ferretdb-$key"

# answers reports whether a TCP server accepts connections on host:port.
answers() {
	timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
}

if answers; then
	echo "start-ferretdb: $addr already answers; nothing to start"
	exit 0
fi

# Serialise concurrent runs (test-servers.sh in two shells), then look again.
mkdir -p "$cache/bin" "$state"
if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache/ferretdb.lock"
	flock -w "$((wait_s + 300))" 9
	if answers; then
		echo "start-ferretdb: $addr already answers; nothing to start"
		exit 0
	fi
fi

if ! command -v go >/dev/null 2>&1; then
	if [ -x /usr/local/go/bin/go ]; then
		PATH="/usr/local/go/bin:$PATH"
	else
		echo "start-ferretdb: go is not on PATH; install Go to build the FerretDB helper" >&2
		exit 1
	fi
fi

if [ -x "$bin" ]; then
	echo "start-ferretdb: using the cached $bin"
else
	echo "start-ferretdb: building $src -> $bin"
	(cd "$src" && GOWORK=off GOFLAGS=-mod=readonly go build -o "$bin.$$" .)
	mv "$bin.$$" "$bin"
	# Older builds, of other versions of the helper.
	find "$cache/bin" -maxdepth 1 -name 'ferretdb*' ! -name "ferretdb-$key" -type f -mtime +30 -delete 2>/dev/null || true
fi

echo "start-ferretdb: starting FerretDB on $addr (state $state, log $log)"
echo "=== $(date -u +%FT%TZ) start-ferretdb: starting on $addr" >>"$log"
nohup "$bin" -listen "$addr" -dir "$state" >>"$log" 2>&1 </dev/null 9>&- &
pid=$!
echo "$pid" >"$pidfile"

deadline=$((SECONDS + wait_s))
until answers; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "start-ferretdb: FerretDB (pid $pid) exited before $addr answered; last lines of $log:" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "start-ferretdb: $addr did not answer within ${wait_s}s; last lines of $log:" >&2
		tail -n 20 "$log" >&2
		kill "$pid" 2>/dev/null || true
		exit 1
	fi
	sleep 0.2
done
if ! kill -0 "$pid" 2>/dev/null; then
	echo "start-ferretdb: $addr answers, but not our FerretDB (pid $pid exited); last lines of $log:" >&2
	tail -n 20 "$log" >&2
	exit 1
fi
echo "start-ferretdb: FerretDB is up on $addr (pid $pid)"
