#!/bin/sh
# compare.sh: the same loops uninstrumented, compiled with -race
# (ThreadSanitizer's per-access cost) and instrumented by hand with rt's
# hooks (rt's per-access cost), side by side in one run:
#
#   same epoch:  one goroutine increments 1024 uint64s (a read and a write
#                each), BenchmarkLoopPlain / BenchmarkLoopHooks
#   shared read: 4 goroutines read the same 1024 uint64s,
#                BenchmarkSharedLoopPlain / BenchmarkSharedLoopHooks
#   contended:   256 goroutines read a word under RLock and write it under
#                Lock every 8th operation (400000 operations),
#                BenchmarkRWMutexManyPlain / BenchmarkRWMutexManyHooks
#
# The binaries are built once; then each round runs every variant once, in
# turn, so that load from other users of the machine hits all of them alike.
# Prints the median of [count] rounds (default 5) of two measures per
# access: the process's CPU time (cpu-ns, the primary one: on a shared
# machine it does not count time spent waiting for a core) and wall time.
#
# With RT_BEFORE=<git rev>, an rt of that revision is measured in the same
# rounds (its benchmark binary is built from a worktree of that revision).
# Usage: bench/rt/compare.sh [count]
set -eu
cd "$(dirname "$0")"
count=${1:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -z "${RT_BEFORE:-}" ] || git worktree remove --force "$tmp/before" 2>/dev/null || true' EXIT
go test -c -o "$tmp/plain.test" .
go test -race -c -o "$tmp/race.test" .
if [ -n "${RT_BEFORE:-}" ]; then
	git worktree add -q --detach "$tmp/before" "$RT_BEFORE"
	# The same benchmark file, against the old rt: only rt differs.
	cp rt_bench_test.go cputime_*_test.go "$tmp/before/bench/rt/"
	(cd "$tmp/before/bench/rt" && go test -c -o "$tmp/before.test" .)
fi

med() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() { # binary benchmark [unit]: unit is access (default) or op
	unit=${3:-access}
	set -- "$1" "$2"
	if [ "$unit" = op ]; then set -- "$1" "$2" -test.benchtime 400000x; fi
	"$tmp/$1" -test.run '^$' -test.bench "^$2\$" -test.count 1 ${3:+"$3"} ${4:+"$4"} >"$tmp/out"
	awk -v u="cpu-ns/$unit" '{ for (i=1;i<NF;i++) if ($(i+1)==u) print $i }' "$tmp/out" >>"$tmp/$1.$2.cpu"
	awk -v u="ns/$unit" '{ for (i=1;i<NF;i++) if ($(i+1)==u) print $i }' "$tmp/out" >>"$tmp/$1.$2.wall"
}

i=0
while [ "$i" -lt "$count" ]; do
	run plain.test BenchmarkLoopPlain
	run race.test BenchmarkLoopPlain
	run plain.test BenchmarkLoopHooks
	[ -z "${RT_BEFORE:-}" ] || run before.test BenchmarkLoopHooks
	run race.test BenchmarkSharedLoopPlain
	run plain.test BenchmarkSharedLoopHooks
	[ -z "${RT_BEFORE:-}" ] || run before.test BenchmarkSharedLoopHooks
	run race.test BenchmarkRWMutexManyPlain op
	run plain.test BenchmarkRWMutexManyHooks op
	[ -z "${RT_BEFORE:-}" ] || run before.test BenchmarkRWMutexManyHooks op
	i=$((i + 1))
done

for m in cpu wall; do
	plain=$(med <"$tmp/plain.test.BenchmarkLoopPlain.$m")
	tsan=$(med <"$tmp/race.test.BenchmarkLoopPlain.$m")
	hooks=$(med <"$tmp/plain.test.BenchmarkLoopHooks.$m")
	stsan=$(med <"$tmp/race.test.BenchmarkSharedLoopPlain.$m")
	shooks=$(med <"$tmp/plain.test.BenchmarkSharedLoopHooks.$m")
	echo "== $m ns per access, median of $count rounds"
	echo "same epoch (1 goroutine, read+write of 1024 words):"
	echo "  plain loop, no instrumentation:     $plain"
	echo "  plain loop, go test -race (TSan):   $tsan"
	echo "  loop with rt hooks (raceinst):      $hooks"
	if [ -n "${RT_BEFORE:-}" ]; then
		echo "  loop with rt hooks, rt $RT_BEFORE: $(med <"$tmp/before.test.BenchmarkLoopHooks.$m")"
	fi
	echo "shared read (4 goroutines read the same 1024 words):"
	echo "  plain loop, go test -race (TSan):   $stsan"
	echo "  loop with rt hooks (raceinst):      $shooks"
	if [ -n "${RT_BEFORE:-}" ]; then
		echo "  loop with rt hooks, rt $RT_BEFORE: $(med <"$tmp/before.test.BenchmarkSharedLoopHooks.$m")"
	fi
	ctsan=$(med <"$tmp/race.test.BenchmarkRWMutexManyPlain.$m")
	chooks=$(med <"$tmp/plain.test.BenchmarkRWMutexManyHooks.$m")
	echo "contended (256 goroutines, one RWMutex; per operation):"
	echo "  plain loop, go test -race (TSan):   $ctsan"
	echo "  loop with rt hooks (raceinst):      $chooks"
	if [ -n "${RT_BEFORE:-}" ]; then
		echo "  loop with rt hooks, rt $RT_BEFORE: $(med <"$tmp/before.test.BenchmarkRWMutexManyHooks.$m")"
	fi
	awk -v p="$plain" -v t="$tsan" -v h="$hooks" -v st="$stsan" -v sh="$shooks" -v ct="$ctsan" -v ch="$chooks" 'BEGIN {
		printf "same epoch:  rt hooks / TSan:  %.2fx\n", h / t
		printf "same epoch:  TSan / plain:     %.1fx\n", t / p
		printf "shared read: rt hooks / TSan:  %.2fx\n", sh / st
		printf "contended:   rt hooks / TSan:  %.2fx\n", ch / ct
	}'
done
