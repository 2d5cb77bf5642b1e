#!/usr/bin/env bash
# fuzz.sh: run every Go fuzz target of the module for FUZZTIME (default 5s).
#
# Targets are found with `go test -list`, so a new FuzzXxx runs without
# editing this script. Any failure stops the run; the failing input is left
# under the package's testdata/fuzz for `go test` to replay.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fuzztime="${FUZZTIME:-5s}"

count=0
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "fuzz: $pkg $target ($fuzztime)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
		count=$((count + 1))
	done
done
echo "fuzz: $count targets passed"
