#!/usr/bin/env bash
# interrupt.sh: results survive interruption. A tiny make-bench run completes
# and becomes latest; a second run killed by SIGINT while a workload runs
# leaves the first directory byte for byte as it was, latest still on it, and
# its own directory marked PARTIAL, with whole lines only and no temporary
# files. Prints PASS/FAIL lines for tests/run. Environment: BIN, BACKENDS.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
BACKENDS=${BACKENDS:-blocks}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
b=bench
pass() { echo "PASS $b/$1"; }
fail() { echo "FAIL $b/$1: $2"; }

backend=
for x in $BACKENDS; do [ -x "$BIN/regionbench-$x" ] && { backend=$x; break; }; done
if [ -z "$backend" ]; then fail interrupt "no driver among $BACKENDS in $BIN"; exit 0; fi
drv=$BIN/regionbench-$backend
wl=$("$drv" list --names | head -n1)
export BIN RESULTS_ROOT=$tmp/results NOBUILD=1 BACKENDS=$backend TRACES=none POLICY_WORKLOADS=

# A first, complete run.
if ! WORKLOADS=$wl QUICK=1 scripts/bench >"$tmp/first.log" 2>&1; then
	fail complete-run "scripts/bench failed: $(tail -n3 "$tmp/first.log")"
	exit 0
fi
first=$(readlink "$tmp/results/latest")
if [ -n "$first" ] && [ -s "$tmp/results/$first/summary.csv" ] && [ ! -e "$tmp/results/$first/PARTIAL" ] &&
	[ "$(wc -l <"$tmp/results/$first/summary.csv")" -eq 2 ] && ls "$tmp/results/$first/plots/"*.png >/dev/null 2>&1
then pass complete-run
else fail complete-run "latest '$first' lacks a summary row or plots, or is PARTIAL"; fi
sum_before=$(cd "$tmp/results" && find "$first" -type f -exec md5sum {} + | sort)

# A second run, interrupted while its first workload runs: every workload at
# full scale, so the first one is still running when the signal comes.
sleep 1   # a new UTC second, so a new directory name
# Job control, so that the background run does not start with SIGINT
# ignored (as a Ctrl-C'd make bench in a terminal does not).
set -m
scripts/bench >"$tmp/second.log" 2>&1 &
pid=$!
set +m
for _ in $(seq 100); do
	grep -q '^\[1/' "$tmp/second.log" && break
	sleep 0.05
done
sleep 0.3
kill -INT "$pid"
wait "$pid"
rc=$?
second=$(cd "$tmp/results" && ls -d 20* | grep -vx "$first" | head -n1)
sum_after=$(cd "$tmp/results" && find "$first" -type f -exec md5sum {} + | sort)

if [ $rc -eq 130 ]; then pass interrupt-exit; else fail interrupt-exit "exit $rc, want 130: $(tail -n2 "$tmp/second.log")"; fi
if [ "$sum_before" = "$sum_after" ]; then pass earlier-untouched; else fail earlier-untouched "files of $first changed"; fi
if [ "$(readlink "$tmp/results/latest")" = "$first" ]; then pass latest-kept
else fail latest-kept "latest is $(readlink "$tmp/results/latest"), want $first"; fi
if [ -n "$second" ] && grep -q interrupted "$tmp/results/$second/PARTIAL" 2>/dev/null; then pass marked-partial
else fail marked-partial "no PARTIAL saying interrupted in '$second'"; fi
leftover=$(find "$tmp/results/$second" -name '*.tmp' 2>/dev/null)
whole=1
if [ -f "$tmp/results/$second/summary.csv" ]; then
	# Every line ends in a newline and has as many fields as the header.
	[ -z "$(tail -c1 "$tmp/results/$second/summary.csv")" ] || whole=0
	python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1]))); sys.exit(len({len(x) for x in r}) != 1)' \
		"$tmp/results/$second/summary.csv" || whole=0
fi
if [ -n "$second" ] && [ -z "$leftover" ] && [ $whole -eq 1 ]; then pass no-partial-files
else fail no-partial-files "leftover: $leftover, whole lines: $whole"; fi
