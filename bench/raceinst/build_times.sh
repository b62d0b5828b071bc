#!/usr/bin/env bash
# Build times of `raceinst build` against `go build` and `go build -race`,
# in one run on one machine: cold (empty GOCACHE, so the standard library
# is compiled too) and warm (the same build again, served by the cache).
#
# The program is a user's: golang.org/x/tools/cmd/goimports (at the x/tools
# version of this module's go.mod) built from a scratch module that
# requires it, with raceinst instrumenting x/tools' packages
# (-instrument=golang.org/x/tools/...) and -race instrumenting everything.
#
# Usage (from anywhere in the repository):
#
#	bench/raceinst/build_times.sh [package] [instrument patterns]
#
# Needs cgo for -race on most ports. Writes only to a temporary directory
# (and the module cache, which go get fills if x/tools is not there).
set -euo pipefail
cd "$(dirname "$0")/../.."
pkg=${1:-golang.org/x/tools/cmd/goimports}
inst=${2:-golang.org/x/tools/...}
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
go build -o "$tmp/raceinst" ./cmd/raceinst
. bench/raceinst/scratchmod.sh
scratch_module "$tmp/mod" "$pkg"
cd "$tmp/mod"

# timed runs its arguments with stdout and stderr discarded and prints
# the wall time and the CPU time (user+sys, children included) in seconds:
# CPU time is the steadier measure on a shared machine.
timed() {
	if ! /usr/bin/time -f '%e %U %S' -o "$tmp/time" "$@" >"$tmp/out" 2>&1; then
		echo "failed: $*" >&2
		cat "$tmp/out" >&2
		exit 1
	fi
	awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$tmp/time"
}

printf '%s on %s, %s cores, load average %s, package %s\n\n' "$(go version)" "$(uname -m)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$pkg"
printf '| build | cold wall (s) | cold CPU (s) | warm wall (s) | warm CPU (s) |\n|---|---:|---:|---:|---:|\n'
for kind in "go build" "go build -race" "raceinst build"; do
	export GOCACHE="$tmp/gocache-${kind// /_}" RACEINST_CACHE="$tmp/raceinst-cache"
	case $kind in
	"go build") cmd=(go build -o "$tmp/bin") ;;
	"go build -race") cmd=(go build -race -o "$tmp/bin") ;;
	"raceinst build") cmd=("$tmp/raceinst" build -instrument="$inst" -o "$tmp/bin") ;;
	esac
	read -r cw cc < <(timed "${cmd[@]}" "$pkg")
	# Warm: the median of eleven rebuilds with nothing changed (a warm
	# build takes tens of milliseconds, so a few runs are mostly noise).
	for i in $(seq 11); do timed "${cmd[@]}" "$pkg"; done >"$tmp/warm"
	ww=$(cut -d' ' -f1 "$tmp/warm" | sort -g | sed -n 6p)
	wc=$(cut -d' ' -f2 "$tmp/warm" | sort -g | sed -n 6p)
	printf '| %s | %s | %s | %s | %s |\n' "$kind" "$cw" "$cc" "$ww" "$wc"
	echo "$kind $cw $cc $ww $wc" >>"$tmp/rows"
done
awk '{ k = $1 " " $2; if ($3 == "-race") k = "race"; else if ($1 == "raceinst") k = "ri"; else k = "plain"; cw[k] = $(NF-3); cc[k] = $(NF-2); ww[k] = $(NF-1); wc[k] = $NF }
END { printf "\nraceinst build / go build -race: cold %.2fx wall, %.2fx CPU; warm %.2fx wall, %.2fx CPU\n", cw["ri"] / cw["race"], cc["ri"] / cc["race"], ww["ri"] / ww["race"], wc["ri"] / wc["race"] }' "$tmp/rows"
