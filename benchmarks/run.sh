#!/usr/bin/env bash
# run.sh: run BenchmarkSession and write RESULTS.md.
#
#   ./run.sh                      # 10 runs of every benchmark (20-30 minutes), then wrk.sh
#   COUNT=3 BENCHTIME=200x ./run.sh
#
# Environment:
#   COUNT                      runs per benchmark (default 10); medians are reported
#   BENCHTIME                  go test -benchtime (default: Go's 1s)
#   BENCH                      -bench regexp (default BenchmarkSession)
#   RESULTS_NOTE               a note printed at the top of RESULTS.md
#   WRK                        1 (default) runs wrk.sh afterwards for the load
#                              section; 0 keeps the last results/wrk.md, if any
#   SERVERSESSION_REDIS_ADDR   Redis for the redis rows (default 127.0.0.1:6379).
#                              If nothing answers there and redis-server is
#                              installed, a private one is started on a free
#                              port for the run and stopped after it.
#                              Without Redis, the redis rows are skipped.
#
# Writes results/raw.txt (go test output), results/benchstat.txt,
# results/machine.txt, results/wrk.md (through wrk.sh) and RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")"

COUNT=${COUNT:-10}
BENCH=${BENCH:-BenchmarkSession}
BENCHTIME=${BENCHTIME:-}
WRK=${WRK:-1}
mkdir -p results
if [[ "$WRK" == 1 ]]; then rm -f results/wrk.md; fi

pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	if [[ -n "${redis_dir:-}" ]]; then rm -rf "$redis_dir"; fi
}
trap cleanup EXIT INT TERM

# Redis: use the one configured, or start a private one if we can.
export SERVERSESSION_REDIS_ADDR=${SERVERSESSION_REDIS_ADDR:-127.0.0.1:6379}
redis_host=${SERVERSESSION_REDIS_ADDR%:*}
redis_port=${SERVERSESSION_REDIS_ADDR##*:}
redis_up() { command -v redis-cli >/dev/null && timeout 2 redis-cli -h "$1" -p "$2" ping 2>/dev/null | grep -q PONG; }
if ! redis_up "$redis_host" "$redis_port"; then
	if command -v redis-server >/dev/null; then
		redis_dir=$(mktemp -d)
		port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 6391)
		redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$redis_dir" >"$redis_dir/log" 2>&1 &
		pids+=($!)
		for _ in $(seq 50); do redis_up 127.0.0.1 "$port" && break; sleep 0.1; done
		export SERVERSESSION_REDIS_ADDR=127.0.0.1:$port
		echo "run.sh: no Redis at ${redis_host}:${redis_port}; started a private one at $SERVERSESSION_REDIS_ADDR"
	else
		echo "run.sh: no Redis at $SERVERSESSION_REDIS_ADDR and no redis-server: the redis rows will be skipped" >&2
	fi
fi

# benchstat, from the Go module proxy if missing.
export PATH="$PATH:$(go env GOPATH)/bin"
if ! command -v benchstat >/dev/null; then
	echo "run.sh: installing benchstat"
	go install golang.org/x/perf/cmd/benchstat@latest
fi

# The machine and the versions under test.
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores available to the run)"
	echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "os: $(uname -sr)"
	echo "go: $(go version | sed 's/^go version //')"
	echo "redis: $( (timeout 2 redis-cli -h "${SERVERSESSION_REDIS_ADDR%:*}" -p "${SERVERSESSION_REDIS_ADDR##*:}" info server 2>/dev/null | grep -m1 redis_version | cut -d: -f2 | tr -d '\r') || true) on loopback"
	echo "peers: $(go list -m -f '{{.Path}} {{.Version}}' github.com/gin-contrib/sessions github.com/labstack/echo-contrib github.com/gorilla/sessions github.com/alexedwards/scs/v2 github.com/alexedwards/scs/goredisstore github.com/boj/redistore github.com/gin-gonic/gin github.com/labstack/echo/v4 github.com/redis/go-redis/v9 | paste -sd, | sed 's/,/, /g')"
	echo "serversession: $(git -C .. rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C .. diff --quiet HEAD -- . ':!benchmarks' 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "settings: -count=$COUNT${BENCHTIME:+ -benchtime=$BENCHTIME} -benchmem"
} >results/machine.txt
cat results/machine.txt

# First prove the harness: every scenario works on every target, and
# serversession's Redis command counts hold.
go test -count=1 -run 'Test' .

args=(-run '^$' -bench "$BENCH" -benchmem -count "$COUNT" -timeout 0)
if [[ -n "$BENCHTIME" ]]; then args+=(-benchtime "$BENCHTIME"); fi
echo "run.sh: go test ${args[*]}"
go test "${args[@]}" . | tee results/raw.txt

benchstat results/raw.txt >results/benchstat.txt

printf '%s\n' "${RESULTS_NOTE:-}" >results/note.txt
go run ./cmd/report -raw results/raw.txt -machine results/machine.txt -wrk results/wrk.md -notefile results/note.txt -out RESULTS.md
echo "run.sh: wrote RESULTS.md"

if [[ "$WRK" == 1 ]]; then
	./wrk.sh
fi
