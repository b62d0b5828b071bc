#!/usr/bin/env bash
# Build times of `raceinst build` against `go build` and `go build -race`,
# in one run on one machine: cold (empty GOCACHE, so the standard library
# is compiled too) and warm (the same build again, served by the cache).
#
# Usage (from anywhere in the repository):
#
#	bench/raceinst/build_times.sh [package]   # default ./cmd/forkcheck
#
# Needs cgo for -race on most ports. Writes only to a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
pkg=${1:-./cmd/forkcheck}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/raceinst" ./cmd/raceinst
go mod download

# seconds runs its arguments with stdout and stderr discarded and prints
# the wall time.
seconds() {
	local start=$EPOCHREALTIME
	if ! "$@" >"$tmp/out" 2>&1; then
		echo "failed: $*" >&2
		cat "$tmp/out" >&2
		exit 1
	fi
	awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'
}

printf '%s on %s, %s cores, package %s\n\n' "$(go version)" "$(uname -m)" "$(nproc)" "$pkg"
printf '| build | cold (s) | warm (s) |\n|---|---:|---:|\n'
for kind in "go build" "go build -race" "raceinst build"; do
	export GOCACHE="$tmp/gocache-${kind// /_}" RACEINST_CACHE="$tmp/raceinst-cache"
	case $kind in
	"go build") cmd=(go build -o "$tmp/bin") ;;
	"go build -race") cmd=(go build -race -o "$tmp/bin") ;;
	"raceinst build") cmd=("$tmp/raceinst" build -o "$tmp/bin") ;;
	esac
	cold=$(seconds "${cmd[@]}" "$pkg")
	warm=$(seconds "${cmd[@]}" "$pkg")
	printf '| %s | %s | %s |\n' "$kind" "$cold" "$warm"
done
