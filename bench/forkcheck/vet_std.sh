#!/usr/bin/env bash
# Compares `go vet -vettool=forkcheck std` with plain `go vet std`, and
# splits both into the compile work they share and the vet tool's own work.
#
#   bash bench/forkcheck/vet_std.sh [N]
#
# KEEP_LOGS=dir keeps the per-process logs and the results table.
#
# Each of N rounds runs, each with an empty build cache of its own and in an
# order that rotates from round to round (the machine is shared: rotation
# spreads load drift over all kinds):
#
#   C  go list -export std                 std's export data only
#   Z  go vet -vettool=<no-op tool> std    everything go vet compiles (std, its
#                                          test variants and test deps), no vet
#   V  go vet std                          plain vet
#   F  go vet -vettool=forkcheck std       forkcheck
#
# and then, on a copy of Z's cache (compiled, no vet results):
#
#   Vw go vet std                          warm: vet tool time only
#   Fw go vet -vettool=forkcheck std       warm: forkcheck time only
#
# Every run goes through -toolexec with a logger, so for each process go vet
# starts (compile, asm, the vet tool) the log holds its peak RSS and time; the
# report names the process with the largest RSS and sums the vet tool's time.
# Peak RSS of a run is GNU time's %M of the go command: the largest of the go
# command itself and any one process it waited for.
#
# KINDS="Z V F" picks the cold kinds (the warm runs need Z, or
# WARM_CACHE=dir: a build cache that already holds what go vet compiles,
# such as a kept copy of Z's; with KINDS="" only the warm runs are made).
# FORKCHECK=/path/to/forkcheck measures that build instead of ./cmd/forkcheck;
# FORKCHECK_BASE=/path/to/forkcheck adds Fb and Fbw: the same runs with
# another build of forkcheck (before/after comparisons in one run).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-3}
pkgs=${PKGS:-std} # PKGS narrows the run, to try the script out
round=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -n "${FORKCHECK:-}" ]]; then
	cp "$FORKCHECK" "$work/forkcheck"
else
	go build -o "$work/forkcheck" ./cmd/forkcheck
fi
kinds=${KINDS-C Z V F}
if [[ -n "${FORKCHECK_BASE:-}" ]]; then
	cp "$FORKCHECK_BASE" "$work/forkcheck_base"
	kinds=${KINDS-$kinds Fb}
fi

# The no-op vet tool: answers the go command's -V=full and -flags questions
# and does nothing with a package.
cat >"$work/noopvet" <<'EOF'
#!/bin/sh
case "$1" in
-V=full) echo "noopvet version devel buildID=noopvet0001"; exit 0 ;;
-flags) echo "[]"; exit 0 ;;
esac
exit 0
EOF
# The -toolexec logger: one line per process, "rssKiB elapsed user sys tool
# package". The package is compile's -p, or the vet config's ImportPath.
cat >"$work/logexec" <<'EOF'
#!/bin/bash
tool=${1##*/}
pkg=-
prev=
for a in "$@"; do
	if [[ $prev == -p ]]; then pkg=$a; fi
	prev=$a
done
last=${!#}
if [[ $last == *vet.cfg ]]; then
	pkg=$(sed -n 's/^\t"ImportPath": "\(.*\)",$/\1/p' "$last" | tr ' ' '_')
fi
case "$tool" in forkcheck_base) tool=forkcheck ;; esac
exec /usr/bin/time -a -o "$LOGEXEC" -f "%M %e %U %S $tool $pkg" "$@"
EOF
chmod +x "$work/noopvet" "$work/logexec"

cmdline() {
	case $1 in
	C) echo go list -export ;;
	Z) echo go vet -vettool="$work/noopvet" ;;
	V | Vw) echo go vet ;;
	F | Fw) echo go vet -vettool="$work/forkcheck" ;;
	Fb | Fbw) echo go vet -vettool="$work/forkcheck_base" ;;
	esac
}

# measure NAME CACHE: runs NAME's command with GOCACHE=CACHE and prints
# "NAME wall cpu peakKiB load1 topRSSKiB topProcess vetToolWall vetToolCPU"
# (cpu: user+sys seconds of the go command and all it waited for).
measure() {
	local name=$1 cache=$2 log="$work/log.$1.$round"
	: >"$log"
	local start end load
	load=$(cut -d' ' -f1 /proc/loadavg)
	start=$(date +%s.%N)
	# shellcheck disable=SC2046
	LOGEXEC="$log" GOCACHE="$cache" /usr/bin/time -f "%M %U %S" -o "$work/rss" \
		$(cmdline "$name") -toolexec="$work/logexec" $pkgs >/dev/null 2>"$work/err.$name.$round" || true
	end=$(date +%s.%N)
	# GNU time writes "Command exited with non-zero status N" first when the
	# command fails (go vet exits 1 when it reports findings): take the last
	# line. The per-process log has such lines too: skip them.
	local peak cpu
	read -r peak cpu < <(tail -n 1 "$work/rss" | awk '{ print $1, $2 + $3 }')
	awk -v name="$name" -v wall="$(echo "$end - $start" | bc)" -v cpu="$cpu" -v peak="$peak" -v load="$load" '
		$1 ~ /^[0-9]+$/ && NF >= 6 {
			if ($1 > top) { top = $1; which = $5 ":" $6 }
			if ($5 == "vet" || $5 == "forkcheck" || $5 == "noopvet") { vt += $2; vc += $3 + $4 }
		}
		END { printf "%s %.1f %.1f %d %s %d %s %.1f %.1f\n", name, wall, cpu, peak, load, top, which, vt, vc }' "$log"
}

warmstate() { # warmstate NAME: copy Z's compiled cache for a warm run
	rm -rf "$work/cache.$1"
	cp -a "${WARM_CACHE:-$work/cache.Z}" "$work/cache.$1"
}

run_round() {
	local order=$1
	for k in $order; do
		rm -rf "$work/cache.$k"
		mkdir "$work/cache.$k"
		measure "$k" "$work/cache.$k"
		if [[ $k != Z ]]; then rm -rf "$work/cache.$k"; fi
	done
	if [[ ! -d "${WARM_CACHE:-$work/cache.Z}" ]]; then
		return # no compiled cache to start warm runs from
	fi
	local warm=(V F ${FORKCHECK_BASE:+Fb})
	for j in "${!warm[@]}"; do
		k=${warm[$(((j + round - 1) % ${#warm[@]}))]}
		warmstate "${k}w"
		measure "${k}w" "$work/cache.${k}w"
		rm -rf "$work/cache.${k}w"
	done
	rm -rf "$work/cache.Z"
}

echo "# $(date -u +%FT%TZ) $(go version) nproc=$(nproc) N=$n"
echo "# name wall_s cpu_s peakRSS_KiB load1_at_start topproc_RSS_KiB topproc vettool_wall_sum_s vettool_cpu_s"
read -r -a ks <<<"$kinds"
for i in $(seq "$n"); do
	round=$i
	# Rotate the cold kinds by one per round.
	order=()
	for j in "${!ks[@]}"; do order+=("${ks[$(((j + i - 1) % ${#ks[@]}))]}"); done
	run_round "${order[*]}"
done | tee "$work/results"

# Medians of each kind, then the ratios, by wall time and by CPU time (the
# machine is shared: CPU seconds drift less with load than wall seconds).
awk '
	function median(arr, cnt,   i, j, t, a) {
		for (i = 1; i <= cnt; i++) a[i] = arr[i]
		for (i = 1; i <= cnt; i++) for (j = i + 1; j <= cnt; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return cnt % 2 ? a[(cnt + 1) / 2] : (a[cnt / 2] + a[cnt / 2 + 1]) / 2
	}
	/^#/ { next }
	{ c[$1]++; w[$1, c[$1]] = $2; u[$1, c[$1]] = $3; m[$1, c[$1]] = $4; vc[$1, c[$1]] = $9 }
	END {
		split("C Z V F Fb Vw Fw Fbw", order, " ")
		for (o = 1; o <= 8; o++) {
			k = order[o]
			if (!(k in c)) continue
			for (i = 1; i <= c[k]; i++) { ww[i] = w[k, i]; uu[i] = u[k, i]; mm[i] = m[k, i]; tt[i] = vc[k, i] }
			W[k] = median(ww, c[k]); U[k] = median(uu, c[k]); M[k] = median(mm, c[k]); T[k] = median(tt, c[k])
			printf "%-3s median of %d: wall %7.1f s, cpu %7.1f s, peak RSS %4d MiB, vet tool cpu %6.1f s\n", k, c[k], W[k], U[k], M[k] / 1024, T[k]
		}
		if (("F" in c) && ("V" in c)) printf "cold F/V: wall %.2fx, cpu %.2fx, peak RSS %.2fx\n", W["F"] / W["V"], U["F"] / U["V"], M["F"] / M["V"]
		if (("Fb" in c) && ("V" in c)) printf "cold Fb/V: wall %.2fx, cpu %.2fx, peak RSS %.2fx\n", W["Fb"] / W["V"], U["Fb"] / U["V"], M["Fb"] / M["V"]
		if (("C" in c) || ("Z" in c)) printf "shared compile: C (list -export) wall %.1f s cpu %.1f s; Z (vet, no-op tool) wall %.1f s cpu %.1f s\n", W["C"], U["C"], W["Z"], U["Z"]
		if (("Vw" in c) && ("Fw" in c)) printf "vet tool only (warm): Vw wall %.1f s cpu %.1f s; Fw wall %.1f s cpu %.1f s; Fw/Vw wall %.2fx cpu %.2fx\n", W["Vw"], U["Vw"], W["Fw"], U["Fw"], W["Fw"] / W["Vw"], U["Fw"] / U["Vw"]
		if ("Fbw" in c) printf "vet tool only, base: Fbw wall %.1f s cpu %.1f s; Fbw/Vw wall %.2fx cpu %.2fx\n", W["Fbw"], U["Fbw"], W["Fbw"] / W["Vw"], U["Fbw"] / U["Vw"]
		if (("Z" in c) && ("V" in c)) printf "best case, tool cost 0: Z/V wall %.2fx cpu %.2fx\n", W["Z"] / W["V"], U["Z"] / U["V"]
	}' "$work/results"
if [[ -n "${KEEP_LOGS:-}" ]]; then
	mkdir -p "$KEEP_LOGS"
	cp "$work"/log.* "$work"/err.* "$work/results" "$KEEP_LOGS"/
fi
