#!/bin/sh
# compare.sh: the same plain loop (1024 uint64 increments: a read and a write
# each) uninstrumented, compiled with -race (ThreadSanitizer's per-access
# cost), and instrumented by hand with rt's hooks (rt's per-access cost).
# Prints ns/access for each and the ratios. Usage: bench/rt/compare.sh [count]
set -eu
cd "$(dirname "$0")"
count=${1:-5}
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
metric() { awk '$0 ~ /ns\/access/ { for (i=1;i<=NF;i++) if ($(i+1)=="ns/access") print $i }'; }

plain=$(go test -run '^$' -bench '^BenchmarkLoopPlain$' -count "$count" . | metric | med)
tsan=$(go test -race -run '^$' -bench '^BenchmarkLoopPlain$' -count "$count" . | metric | med)
hooks=$(go test -run '^$' -bench '^BenchmarkLoopHooks$' -count "$count" . | metric | med)

echo "plain loop, no instrumentation:     $plain ns/access"
echo "plain loop, go test -race (TSan):   $tsan ns/access"
echo "loop with rt hooks (raceinst):      $hooks ns/access"
awk -v p="$plain" -v t="$tsan" -v h="$hooks" 'BEGIN {
	printf "rt hooks / TSan:  %.2fx\n", h / t
	printf "TSan / plain:     %.1fx\n", t / p
	printf "rt hooks / plain: %.1fx\n", h / p
}'
