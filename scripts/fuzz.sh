#!/usr/bin/env bash
# fuzz.sh: run every Go fuzz target of every module in $MODULES (default:
# the root module) for FUZZTIME (default 60000x: that many executions, a few
# seconds each). The Makefile passes its list of modules.
#
# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can
# report "context deadline exceeded" as a failure when the time runs out
# while a worker is busy (fixed in Go 1.27), with no failing input at all.
#
# Targets are found with `go test -list`, so a new FuzzXxx runs without
# editing this script. Any failure stops the run; the failing input is left
# under the package's testdata/fuzz for `go test` to replay.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fuzztime="${FUZZTIME:-60000x}"

root="$PWD"
export GOWORK=off

count=0
for mod in ${MODULES:-.}; do
	cd "$root/$mod"
	for pkg in $(go list ./...); do
		for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
			echo "fuzz: $pkg $target ($fuzztime)"
			go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
			count=$((count + 1))
		done
	done
done
echo "fuzz: $count targets passed"
