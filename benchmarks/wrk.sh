#!/usr/bin/env bash
# wrk.sh: an end-to-end load run over loopback, written to results/wrk.md
# (and into RESULTS.md when results/raw.txt exists).
#
#   ./wrk.sh
#   WRK_DURATION=3s ./wrk.sh
#
# Servers, each on Redis, each given a session cookie first:
#   ours         cmd/wrkserver -lib ours         (ginsession + redisstore)
#   ours-cached  cmd/wrkserver -lib ours -cache  (the same with go-redis's
#                client-side cache on: RESP3, redisstore.CacheConfig)
#   gincontrib   cmd/wrkserver -lib gincontrib   (gin-contrib/sessions + its redis store)
#   ours-demo    examples/gin -store redis       (the demo app: gin.Default with its
#                request logger, an HTML page) — for context, when it builds
# Routes: /read on every cookie set, and /rmw on ours and gincontrib (a
# read-modify-write loads past the cache, so ours-cached would repeat ours);
# / and /visit on the demo. Each route runs with one cookie shared by every
# connection, then with a session per connection. ours-cached's reads are
# loaded warm: a process reads a session it wrote within CacheMaxStaleness
# (1 s) past the cache, so the load starts more than a second after the
# last write to its sessions.
#
# Environment: WRK_DURATION (10s), WRK_THREADS (2), WRK_CONNECTIONS (32),
# WRK_DEMO (1; 0 skips the demo app). Redis: a private redis-server on a free
# loopback port, stopped afterwards; without redis-server installed, the
# server at SERVERSESSION_REDIS_ADDR (default 127.0.0.1:6379) under the
# prefix wrkbench:<pid>:, deleted afterwards.
#
# Everything is bounded: each wrk run by `timeout`, server start-up by a
# deadline; every process this script starts is stopped on exit, whatever
# happens.
set -euo pipefail
cd "$(dirname "$0")"

DURATION=${WRK_DURATION:-10s}
THREADS=${WRK_THREADS:-2}
CONNS=${WRK_CONNECTIONS:-32}
DEMO=${WRK_DEMO:-1}
mkdir -p results

secs=${DURATION%s}
[[ "$secs" =~ ^[0-9]+$ ]] || { echo "wrk.sh: WRK_DURATION must be whole seconds, like 10s" >&2; exit 2; }

if ! command -v wrk >/dev/null; then
	echo "wrk.sh: installing wrk (Debian package)"
	if [[ $(id -u) -eq 0 ]]; then
		timeout 600 apt-get update -qq && timeout 600 apt-get install -y -qq wrk >/dev/null
	else
		timeout 600 sudo apt-get update -qq && timeout 600 sudo apt-get install -y -qq wrk >/dev/null
	fi
fi

tmp=$(mktemp -d)
pids=()
redis_prefix=""
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	done
	if [[ -n "$redis_prefix" ]]; then
		timeout 30 redis-cli -h "$redis_host" -p "$redis_port" --scan --pattern "${redis_prefix}*" 2>/dev/null |
			xargs -r -n 500 timeout 30 redis-cli -h "$redis_host" -p "$redis_port" unlink >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_up() { timeout 2 redis-cli -h "$1" -p "$2" ping 2>/dev/null | grep -q PONG; }

# Redis.
if command -v redis-server >/dev/null; then
	redis_host=127.0.0.1
	redis_port=$(free_port)
	redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do redis_up "$redis_host" "$redis_port" && break; sleep 0.1; done
	redis_up "$redis_host" "$redis_port" || { echo "wrk.sh: private redis-server did not start" >&2; cat "$tmp/redis.log" >&2; exit 1; }
	prefix="wrkbench:"
else
	addr=${SERVERSESSION_REDIS_ADDR:-127.0.0.1:6379}
	redis_host=${addr%:*}
	redis_port=${addr##*:}
	redis_up "$redis_host" "$redis_port" || { echo "wrk.sh: no redis-server installed and no Redis at $addr" >&2; exit 1; }
	prefix="wrkbench:$$:"
	redis_prefix=$prefix
	echo "wrk.sh: using the Redis at $addr under $prefix (the demo app's keys go under its default session:)" >&2
fi
export SERVERSESSION_REDIS_ADDR=$redis_host:$redis_port
export GIN_MODE=release

# Build.
timeout 600 go build -o "$tmp/wrkserver" ./cmd/wrkserver
demo_note=""
if [[ "$DEMO" == 1 ]]; then
	if ! (cd ../examples && timeout 600 go build -o "$tmp/demo-gin" ./gin) 2>"$tmp/demo-build.log"; then
		demo_note="The demo app (examples/gin) did not build, so it has no row: $(head -c 300 "$tmp/demo-build.log" | tr '\n' ' ')"
		echo "wrk.sh: $demo_note" >&2
	fi
fi

# start NAME PORT CMD...: start a server in the background, wait until it answers.
start() {
	local name=$1 port=$2
	shift 2
	"$@" >"$tmp/$name.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "wrk.sh: $name did not start on port $port" >&2
	cat "$tmp/$name.log" >&2
	exit 1
}

# cookie URL: the session cookie (name=value) that GET URL sets.
cookie() {
	curl -s -o /dev/null -D - --max-time 10 "$1" | tr -d '\r' |
		awk 'tolower($1) == "set-cookie:" && $2 ~ /^session=/ { sub(/;.*/, "", $2); print $2; exit }'
}

# body URL COOKIE: the body of GET URL, failing on a status other than 200.
body() { curl -s -f --max-time 10 -H "Cookie: $2" "$1"; }

# status URL COOKIE
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "Cookie: $2" "$1"; }

rows=()
declare -A rps_of # "SERVER ROUTE" → requests/s
# row SERVER ROUTE OUT: the table row of the wrk output in file OUT.
row() {
	local rps p50 p99 errs sock
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$3")
	rps_of["$1 $2"]=$rps
	p50=$(awk '$1 == "50%" { print $2 }' "$3")
	p99=$(awk '$1 == "99%" { print $2 }' "$3")
	errs=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$3")
	sock=$(awk '/Socket errors:/ { sub(/^ *Socket errors: */, ""); print }' "$3")
	rows+=("| $1 | $2 | $rps | $p50 | $p99 | ${errs:-0}${sock:+ (socket: $sock)} |")
}

# load SERVER ROUTE URL COOKIE: one bounded wrk run, appended to rows.
load() {
	local server=$1 route=$2 url=$3 cookie=$4 out="$tmp/wrk-$1-${2//\//_}.txt"
	echo "wrk.sh: $server $route for $DURATION"
	timeout $((secs + 60)) wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Cookie: $cookie" "$url" | tee "$out"
	row "$server" "\`$route\`" "$out"
}

# cookies URL N FILE: N session cookies from GET URL, one per line in FILE.
cookies() {
	: >"$3"
	for _ in $(seq "$2"); do cookie "$1" >>"$3"; done
}

# A wrk script that sends each request with the next cookie of a list, each
# thread starting at its own place: with many more sessions than
# connections, concurrent requests rarely share a session, as when every
# user has their own.
cat >"$tmp/sessions.lua" <<'LUA'
local threads, cookies, i = 0, {}, 0
function setup(thread)
	thread:set("id", threads)
	threads = threads + 1
end
function init(args)
	for line in io.lines(args[1]) do cookies[#cookies + 1] = line end
	i = (id * 7919) % #cookies
end
function request()
	i = i % #cookies + 1
	return wrk.format("GET", nil, { Cookie = cookies[i] })
end
LUA

# loadmany SERVER ROUTE URL FILE: load with one session per request from FILE.
loadmany() {
	local server=$1 route=$2 url=$3 file=$4 out="$tmp/wrk-$1-${2//\//_}-many.txt"
	echo "wrk.sh: $server $route, a session per connection, for $DURATION"
	timeout $((secs + 60)) wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$tmp/sessions.lua" "$url" -- "$file" | tee "$out"
	row "$server" "\`$route\`, a session per connection" "$out"
}

# serversession, with and without the client-side cache, and
# gin-contrib/sessions, on the same server code.
for server in ours ours-cached gincontrib; do
	case $server in
	ours-cached) args=(-lib ours -cache) ;;
	*) args=(-lib "$server") ;;
	esac
	port=$(free_port)
	start "$server" "$port" "$tmp/wrkserver" "${args[@]}" -addr "127.0.0.1:$port" -prefix "${prefix}${server}:"
	base="http://127.0.0.1:$port"
	c=$(cookie "$base/seed")
	[[ -n "$c" ]] || { echo "wrk.sh: $server: /seed set no session cookie" >&2; exit 1; }
	[[ "$(body "$base/read" "$c")" == 42 ]] || { echo "wrk.sh: $server: /read does not see the session" >&2; exit 1; }
	a=$(body "$base/rmw" "$c")
	b=$(body "$base/rmw" "$c")
	[[ $b -eq $((a + 1)) ]] || { echo "wrk.sh: $server: /rmw answered $a then $b" >&2; exit 1; }
	cookies "$base/seed" $((CONNS * 8)) "$tmp/cookies-$server.txt"
	if [[ $server == ours-cached ]]; then
		sleep 1.2 # past CacheMaxStaleness after the last write
		[[ "$(body "$base/read" "$c")" == 42 ]] || { echo "wrk.sh: $server: /read does not see the session" >&2; exit 1; }
		load "$server" /read "$base/read" "$c"
		loadmany "$server" /read "$base/read" "$tmp/cookies-$server.txt"
	else
		load "$server" /read "$base/read" "$c"
		load "$server" /rmw "$base/rmw" "$c"
		loadmany "$server" /read "$base/read" "$tmp/cookies-$server.txt"
		loadmany "$server" /rmw "$base/rmw" "$tmp/cookies-$server.txt"
	fi
	kill "${pids[-1]}" 2>/dev/null || true
done

# ratio A B ROUTE: A's requests/s over B's on ROUTE, or "—".
ratio() {
	local a=${rps_of["$1 $3"]:-} b=${rps_of["$2 $3"]:-}
	if [[ -n "$a" && -n "$b" && "$b" != 0 ]]; then awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f×", a / b }'; else echo "—"; fi
}

# The demo app, for context.
if [[ "$DEMO" == 1 && -x "$tmp/demo-gin" ]]; then
	port=$(free_port)
	start ours-demo "$port" "$tmp/demo-gin" -store redis -addr "127.0.0.1:$port" -dir "$tmp/demo"
	base="http://127.0.0.1:$port"
	c=$(cookie "$base/visit")
	if [[ -z "$c" ]]; then
		demo_note="The demo app's /visit set no session cookie, so it has no row."
	elif [[ "$(status "$base/" "$c")" != 200 || "$(status "$base/visit" "$c")" != 303 ]]; then
		demo_note="The demo app's / or /visit did not answer 200 and 303 with a session, so it has no row."
	else
		load ours-demo / "$base/" "$c"
		load ours-demo /visit "$base/visit" "$c"
	fi
	[[ -z "$demo_note" ]] || echo "wrk.sh: $demo_note" >&2
fi

{
	echo "## End-to-end load (wrk)"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, load average at end $(cut -d' ' -f1-3 /proc/loadavg); $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}'); $(go version | awk '{print $3}')."
	echo "\`wrk -t$THREADS -c$CONNS -d$DURATION --latency\` over loopback, one session cookie shared by all connections"
	echo "(the worst case for concurrent writes to one session) unless the route says \"a session per connection\" ($((CONNS * 8)) sessions, each request taking the next),"
	echo "servers and wrk on the same machine, Redis $(redis-cli -h "$redis_host" -p "$redis_port" info server | grep -m1 redis_version | cut -d: -f2 | tr -d '\r') on loopback."
	echo "\`ours\`, \`ours-cached\` and \`gincontrib\` are the same Gin server (cmd/wrkserver, gin.New with Recovery) with a different session library;"
	echo "\`ours-cached\` is \`ours\` with go-redis's client-side cache on (RESP3, \`redisstore.CacheConfig(10_000, 64<<20)\`; opt-in), its reads loaded warm, more than a second after the last write to their sessions;"
	echo "\`ours-demo\` is examples/gin (gin.Default, so with its request logger writing to a file, and an HTML page on \`/\`; \`/visit\` increments and redirects)."
	echo
	echo "| server | route | requests/s | p50 latency | p99 latency | non-2xx/3xx |"
	echo "|---|---|---:|---:|---:|---:|"
	printf '%s\n' "${rows[@]}"
	echo
	many='`/read`, a session per connection'
	echo "Requests/s over gin-contrib's, on the same route: \`/read\`, a session per connection: ours-cached $(ratio ours-cached gincontrib "$many"), ours $(ratio ours gincontrib "$many");"
	echo "\`/read\`, one shared cookie: ours-cached $(ratio ours-cached gincontrib '`/read`'), ours $(ratio ours gincontrib '`/read`')."
	if [[ -n "$demo_note" ]]; then echo; echo "$demo_note"; fi
} >results/wrk.md
cat results/wrk.md

if [[ -f results/raw.txt ]]; then
	go run ./cmd/report -raw results/raw.txt -machine results/machine.txt -wrk results/wrk.md -notefile results/note.txt -out RESULTS.md
	echo "wrk.sh: updated RESULTS.md"
fi
