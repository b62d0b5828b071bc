#!/bin/sh
# peakrss.sh: peak resident memory of touching 1 GiB (every uint64 of a
# 1 GiB slice incremented: a read and a write each), plain, under go build
# -race (ThreadSanitizer), and with rt's hooks before each access.
# Usage: bench/rt/peakrss.sh [MiB]   (Linux; ru_maxrss in KiB)
set -eu
cd "$(dirname "$0")"
mib=${1:-1024}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/plain" ./peakrss
go build -race -o "$tmp/race" ./peakrss
kib() { awk '{print $3}'; }
plain=$("$tmp/plain" -mib "$mib" | kib)
tsan=$("$tmp/race" -mib "$mib" | kib)
hooks=$("$tmp/plain" -hooks -mib "$mib" | kib)
echo "touch $mib MiB, peak RSS:"
echo "  plain:                 $plain KiB"
echo "  go build -race (TSan): $tsan KiB"
echo "  rt hooks (raceinst):   $hooks KiB"
awk -v p="$plain" -v t="$tsan" -v h="$hooks" 'BEGIN {
	printf "  rt hooks / TSan: %.2fx   (overhead over plain: TSan %.0f MiB, rt %.0f MiB)\n", h / t, (t - p) / 1024, (h - p) / 1024
}'
