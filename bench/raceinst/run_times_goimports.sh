#!/usr/bin/env bash
# Run time of a real program with one of its packages instrumented, against
# the plain run and go build -race, in one run: golang.org/x/tools/cmd/goimports
# (at the x/tools version of this module's go.mod, built from a scratch
# module, as build_times.sh does) built four ways:
#
#   plain   go build
#   race    go build -race (TSan; std instrumented too)
#   onepkg  raceinst build -instrument=golang.org/x/tools/internal/imports
#           (goimports' own logic: the package a goimports developer would
#           race-check)
#   xtools  raceinst build -instrument=golang.org/x/tools/... (every x/tools
#           package it links)
#
# Each runs `goimports -l DIR` on a few directories of $GOROOT/src, in turn,
# [rounds] times. The share of the plain run's CPU that internal/imports
# takes differs a lot from one directory to the next (it compares each
# file's imports with its siblings'), so every directory gets its own rows
# and its share, measured from a CPU profile of the plain binary: samples
# whose innermost frame outside the runtime is in internal/imports (its
# own code and the map operations it makes).
#
# Prints median CPU (user+sys) and wall seconds and the ratios: one package
# instrumented / plain (goal ≤ 1.3), x/tools instrumented / plain, -race /
# plain. Every build must print the same files and exit the same way, and
# none may report a race.
#
# Usage: bench/raceinst/run_times_goimports.sh [rounds] [dirs under $GOROOT/src]
#        (defaults 5; os go/types net/http)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
shift || true
dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
	dirs=(os go/types net/http)
fi
src=$(go env GOROOT)/src
for d in "${dirs[@]}"; do
	if [ ! -d "$src/$d" ]; then
		echo "run_times_goimports.sh: $src/$d: not a directory (give directories under \$GOROOT/src)" >&2
		exit 2
	fi
done
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
go build -o "$tmp/raceinst" ./cmd/raceinst
. bench/raceinst/scratchmod.sh
pkg=golang.org/x/tools/cmd/goimports
scratch_module "$tmp/mod" $pkg
(
	cd "$tmp/mod"
	go build -o "$tmp/plain" $pkg
	go build -race -o "$tmp/race" $pkg
	# raceinst prints a line per package for what it left unhooked; the
	# count is the same in every run.
	"$tmp/raceinst" build -instrument=golang.org/x/tools/internal/imports -o "$tmp/onepkg" $pkg 2>/dev/null
	"$tmp/raceinst" build -instrument=golang.org/x/tools/... -o "$tmp/xtools" $pkg 2>/dev/null
)

# goimports looks for the packages of unresolved names in GOPATH and the
# module cache, and asks the go command about its environment: give it
# empty ones, outside any module, so that the run does not depend on what
# this machine's module cache holds.
mkdir -p "$tmp/run" "$tmp/gopath"
cd "$tmp/run"
export GOPATH="$tmp/gopath" GOMODCACHE="$tmp/gopath/pkg/mod" GOFLAGS= GOWORK=off GOPROXY=off GO111MODULE=on

kinds="plain race onepkg xtools"
for ((r = 0; r < rounds; r++)); do
	for i in "${!dirs[@]}"; do
		for k in $kinds; do
			set +e
			/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$tmp/$k" -l "$src/${dirs[$i]}" >"$tmp/out.$k" 2>"$tmp/err.$k"
			echo "exit $?" >>"$tmp/out.$k"
			set -e
			if grep -q 'DATA RACE' "$tmp/err.$k"; then
				echo "$k reported a race on ${dirs[$i]}" >&2
				exit 1
			fi
			awk '{ print $1 }' "$tmp/time" >>"$tmp/wall.$i.$k"
			awk '{ print $2 + $3 }' "$tmp/time" >>"$tmp/cpu.$i.$k"
		done
		for k in $kinds; do
			if ! cmp -s "$tmp/out.plain" "$tmp/out.$k"; then
				echo "$k on ${dirs[$i]} printed $(cat "$tmp/out.$k"), plain $(cat "$tmp/out.plain")" >&2
				exit 1
			fi
		done
	done
done

hide='^(runtime|internal/runtime|internal/bytealg|internal/sync|sync|aeshash|memeqbody|indexbyte)[./]'
med() { sort -g "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%s, %s cores, load average %s; goimports -l, median of %d rounds\n\n' "$(go version)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$rounds"
printf '| directory | internal/imports share | build | CPU (s) | wall (s) |\n|---|---:|---|---:|---:|\n'
for i in "${!dirs[@]}"; do
	"$tmp/plain" -cpuprofile "$tmp/prof" -l "$src/${dirs[$i]}" >/dev/null 2>&1 || true
	share=$(go tool pprof -top -nodecount=100000 -hide="$hide" "$tmp/plain" "$tmp/prof" 2>/dev/null |
		awk '$6 ~ /^golang.org\/x\/tools\/internal\/imports\./ { s += $2 + 0 } END { printf "%.0f%%", s }')
	echo "$share" >"$tmp/share.$i"
	for k in $kinds; do
		printf '| %s | %s | %s | %s | %s |\n' "${dirs[$i]}" "$share" "$k" "$(med "$tmp/cpu.$i.$k")" "$(med "$tmp/wall.$i.$k")"
	done
done
echo
for i in "${!dirs[@]}"; do
	for m in cpu wall; do
		awk -v d="${dirs[$i]}" -v s="$(cat "$tmp/share.$i")" -v m="$m" -v p="$(med "$tmp/$m.$i.plain")" -v r="$(med "$tmp/$m.$i.race")" -v o="$(med "$tmp/$m.$i.onepkg")" -v x="$(med "$tmp/$m.$i.xtools")" 'BEGIN {
			printf "%s (internal/imports %s), %s: one package / plain: %.2fx   x/tools / plain: %.2fx   -race / plain: %.1fx\n", d, s, m, o / p, x / p, r / p
		}'
	done
done
