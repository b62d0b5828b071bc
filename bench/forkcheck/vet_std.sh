#!/usr/bin/env bash
# Compares `go vet -vettool=forkcheck std` with plain `go vet std`, each
# with a cold build cache of its own, in the same run, alternating, N times.
# Prints wall time and peak RSS (the largest process of the run: go vet runs
# one tool process per package) for each, and the ratios.
#
#   bash bench/forkcheck/vet_std.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/forkcheck" ./cmd/forkcheck

# measure NAME CMD...: cold cache, wall seconds and peak RSS of any one
# process (GNU time reports the maximum over the process and its waited-for
# children).
measure() {
	local name=$1; shift
	rm -rf "$work/cache"; mkdir "$work/cache"
	local start end
	start=$(date +%s.%N)
	GOCACHE="$work/cache" /usr/bin/time -f "%M" -o "$work/rss" "$@" >/dev/null 2>"$work/err" || true
	end=$(date +%s.%N)
	# GNU time writes "Command exited with non-zero status N" first when the
	# command fails (go vet exits 1 when it reports findings): take the last line.
	echo "$name $(echo "$end - $start" | bc) $(tail -n 1 "$work/rss")"
}

for i in $(seq "$n"); do
	measure vet go vet std
	measure forkcheck go vet -vettool="$work/forkcheck" std
done | tee "$work/results"

awk '
	{ t[$1] += $2; m[$1] = ($3 > m[$1] ? $3 : m[$1]); c[$1]++ }
	END {
		printf "go vet std:                    %.1f s, peak RSS %d MiB\n", t["vet"]/c["vet"], m["vet"]/1024
		printf "go vet -vettool=forkcheck std: %.1f s, peak RSS %d MiB\n", t["forkcheck"]/c["forkcheck"], m["forkcheck"]/1024
		printf "ratio (forkcheck / vet): wall %.2fx, peak memory %.2fx\n", t["forkcheck"]/t["vet"], m["forkcheck"]/m["vet"]
	}' "$work/results"
