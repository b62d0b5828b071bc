#!/usr/bin/env bash
# Run time of instrumented programs against go build -race, in one run:
# bench/raceinst/workload (single-goroutine kernels and a worker pool,
# written out in the module so that the work is in code raceinst
# instruments) built four ways and run in turn, [rounds] times:
#
#   plain     go build
#   race      go build -race (TSan; std instrumented too)
#   raceinst  raceinst build (the workload's packages instrumented)
#   onepkg    raceinst build -instrument=.../workload/pipeline
#
# and plain, race and onepkg again with -part=pipeline (plain-p, race-p,
# onepkg-p: the pipeline package's share of the work alone, what that
# package costs each detector by itself).
#
# Prints the median CPU time (user+sys: steadier than wall time on a
# shared machine) and wall time of each, and the ratios the goals are
# stated in: whole program raceinst / -race (goal ≤ 1.0), one package
# instrumented / plain (goal ≤ 1.3). Every binary must print the same
# checksum (the -part=pipeline ones the same as each other) and report no
# race.
#
# Usage: bench/raceinst/run_times.sh [rounds] [scale]   (defaults 5, 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
scale=${2:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pkg=./bench/raceinst/workload
go build -o "$tmp/raceinst-tool" ./cmd/raceinst
go build -o "$tmp/plain" "$pkg"
go build -race -o "$tmp/race" "$pkg"
"$tmp/raceinst-tool" build -o "$tmp/raceinst" "$pkg"
"$tmp/raceinst-tool" build -instrument=github.com/raceinst/raceinst/bench/raceinst/workload/pipeline -o "$tmp/onepkg" "$pkg"

kinds="plain race raceinst onepkg plain-p race-p onepkg-p"
for ((r = 0; r < rounds; r++)); do
	for k in $kinds; do
		args=(-scale="$scale")
		if [[ $k == *-p ]]; then
			args+=(-part=pipeline)
		fi
		/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$tmp/${k%-p}" "${args[@]}" >"$tmp/out.$k" 2>"$tmp/err.$k"
		if grep -q 'DATA RACE' "$tmp/out.$k" "$tmp/err.$k"; then
			echo "$k reported a race" >&2
			exit 1
		fi
		awk '{ print $1 }' "$tmp/time" >>"$tmp/wall.$k"
		awk '{ print $2 + $3 }' "$tmp/time" >>"$tmp/cpu.$k"
	done
	for k in $kinds; do
		ref=plain
		if [[ $k == *-p ]]; then
			ref=plain-p
		fi
		if ! cmp -s "$tmp/out.$ref" "$tmp/out.$k"; then
			echo "$k printed $(cat "$tmp/out.$k"), $ref $(cat "$tmp/out.$ref")" >&2
			exit 1
		fi
	done
done

med() { sort -g "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%s, %s cores, load average %s; median of %d rounds, -scale=%d\n\n' "$(go version)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$rounds" "$scale"
printf '| build | CPU (s) | wall (s) |\n|---|---:|---:|\n'
for k in $kinds; do
	printf '| %s | %s | %s |\n' "$k" "$(med "$tmp/cpu.$k")" "$(med "$tmp/wall.$k")"
done
for m in cpu wall; do
	awk -v p="$(med "$tmp/$m.plain")" -v r="$(med "$tmp/$m.race")" -v i="$(med "$tmp/$m.raceinst")" -v o="$(med "$tmp/$m.onepkg")" -v m="$m" 'BEGIN {
		printf "%s: whole program raceinst / -race: %.2fx   one package / plain: %.2fx   (-race / plain: %.1fx, raceinst / plain: %.1fx)\n", m, i / r, o / p, r / p, i / p
	}'
done
for m in cpu wall; do
	awk -v p="$(med "$tmp/$m.plain-p")" -v r="$(med "$tmp/$m.race-p")" -v o="$(med "$tmp/$m.onepkg-p")" -v m="$m" 'BEGIN {
		printf "%s, pipeline part alone: one package / plain: %.1fx   -race / plain: %.1fx   one package / -race: %.2fx\n", m, o / p, r / p, o / r
	}'
done
