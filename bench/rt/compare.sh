#!/bin/sh
# compare.sh: the same loops uninstrumented, compiled with -race
# (ThreadSanitizer's per-access cost) and instrumented by hand with rt's
# hooks (rt's per-access cost), side by side in one run:
#
#   same epoch:  one goroutine increments 1024 uint64s (a read and a write
#                each), BenchmarkLoopPlain / BenchmarkLoopHooks
#   shared read: 4 goroutines read the same 1024 uint64s,
#                BenchmarkSharedLoopPlain / BenchmarkSharedLoopHooks
#
# The binaries are built once; then each round runs every variant once, in
# turn, so that load from other users of the machine hits all of them alike.
# Prints the median ns/access of [count] rounds (default 5) and the ratios.
# Usage: bench/rt/compare.sh [count]
set -eu
cd "$(dirname "$0")"
count=${1:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/plain.test" .
go test -race -c -o "$tmp/race.test" .

med() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
metric() { awk '{ for (i=1;i<NF;i++) if ($(i+1)=="ns/access") print $i }'; }
run() { # binary benchmark
	"$tmp/$1" -test.run '^$' -test.bench "^$2\$" -test.count 1 | metric >>"$tmp/$1.$2"
}

i=0
while [ "$i" -lt "$count" ]; do
	run plain.test BenchmarkLoopPlain
	run race.test BenchmarkLoopPlain
	run plain.test BenchmarkLoopHooks
	run race.test BenchmarkSharedLoopPlain
	run plain.test BenchmarkSharedLoopHooks
	i=$((i + 1))
done

plain=$(med <"$tmp/plain.test.BenchmarkLoopPlain")
tsan=$(med <"$tmp/race.test.BenchmarkLoopPlain")
hooks=$(med <"$tmp/plain.test.BenchmarkLoopHooks")
stsan=$(med <"$tmp/race.test.BenchmarkSharedLoopPlain")
shooks=$(med <"$tmp/plain.test.BenchmarkSharedLoopHooks")

echo "same epoch (1 goroutine, read+write of 1024 words), median of $count:"
echo "  plain loop, no instrumentation:     $plain ns/access"
echo "  plain loop, go test -race (TSan):   $tsan ns/access"
echo "  loop with rt hooks (raceinst):      $hooks ns/access"
echo "shared read (4 goroutines read the same 1024 words), median of $count:"
echo "  plain loop, go test -race (TSan):   $stsan ns/access"
echo "  loop with rt hooks (raceinst):      $shooks ns/access"
awk -v p="$plain" -v t="$tsan" -v h="$hooks" -v st="$stsan" -v sh="$shooks" 'BEGIN {
	printf "same epoch:  rt hooks / TSan:  %.2fx\n", h / t
	printf "same epoch:  TSan / plain:     %.1fx\n", t / p
	printf "same epoch:  rt hooks / plain: %.1fx\n", h / p
	printf "shared read: rt hooks / TSan:  %.2fx\n", sh / st
}'
