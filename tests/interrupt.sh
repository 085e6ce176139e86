#!/usr/bin/env bash
# interrupt.sh: results survive interruption. A tiny make-bench run completes
# and becomes latest; a second run killed by SIGINT while a workload runs,
# and a third killed by SIGINT while it draws its plots, leave the first
# directory byte for byte as it was, latest still on it, and their own
# directories marked PARTIAL, with whole lines only and no temporary files.
# A gnuplot that hangs is killed after GNUPLOT_TIMEOUT and the run still
# completes. Prints PASS/FAIL lines for tests/run. Environment: BIN, BACKENDS.
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"
b=bench

backend=
for x in $BACKENDS; do [ -x "$BIN/regionbench-$x" ] && { backend=$x; break; }; done
if [ -z "$backend" ]; then fail interrupt "no driver among $BACKENDS in $BIN"; exit 0; fi
drv=$BIN/regionbench-$backend
wl=$("$drv" list --names | head -n1)
export BIN RESULTS_ROOT=$tmp/results NOBUILD=1 BACKENDS=$backend TRACES=none POLICY_WORKLOADS= \
	MICRO=0 SWEEPS=none LATENCY_WORKLOADS=

# A first, complete run: two repetitions.
if ! WORKLOADS=$wl QUICK=1 REPEAT=2 scripts/bench >"$tmp/first.log" 2>&1; then
	fail complete-run "scripts/bench failed: $(tail -n3 "$tmp/first.log")"
	exit 0
fi
first=$(readlink "$tmp/results/latest")
d=$tmp/results/$first
if [ -n "$first" ] && [ ! -e "$d/PARTIAL" ] && [ "$(wc -l <"$d/summary.csv")" -eq 3 ] &&
	[ -s "$d/stats.csv" ] && [ -s "$d/REPORT.md" ] && ls "$d/plots/"*.png >/dev/null 2>&1 &&
	grep -q '^shuffle_seed: [0-9]' "$d/environment.txt" && grep -q '^load_average_before: ' "$d/environment.txt" &&
	grep -q "^\[2/2\] $wl on $backend rep 2/2 \.\.\. [0-9.]* s$" "$tmp/first.log"
then pass complete-run
else fail complete-run "latest '$first' lacks rows, stats, report, plots or environment lines, or is PARTIAL: $(tail -n2 "$tmp/first.log")"; fi
sum_before=$(cd "$tmp/results" && find "$first" -type f -exec md5sum {} + | sort)

# interrupted NAME: the checks on a run stopped by SIGINT (its log
# $tmp/NAME.log, its exit status $rc).
interrupted() {
	local name=$1 dir
	dir=$(cd "$tmp/results" && ls -d 20* | grep -vx "$first" | grep -vxF "$seen" | head -n1)
	seen+=$'\n'$dir
	if [ $rc -eq 130 ]; then pass "$name-exit"; else fail "$name-exit" "exit $rc, want 130: $(tail -n2 "$tmp/$name.log")"; fi
	local after
	after=$(cd "$tmp/results" && find "$first" -type f -exec md5sum {} + | sort)
	if [ "$sum_before" = "$after" ]; then pass "$name-earlier-untouched"; else fail "$name-earlier-untouched" "files of $first changed"; fi
	if [ "$(readlink "$tmp/results/latest")" = "$first" ]; then pass "$name-latest-kept"
	else fail "$name-latest-kept" "latest is $(readlink "$tmp/results/latest"), want $first"; fi
	if [ -n "$dir" ] && grep -q interrupted "$tmp/results/$dir/PARTIAL" 2>/dev/null; then pass "$name-marked-partial"
	else fail "$name-marked-partial" "no PARTIAL saying interrupted in '$dir'"; fi
	local leftover whole=1
	leftover=$(find "$tmp/results/$dir" -name '*.tmp' 2>/dev/null)
	if [ -f "$tmp/results/$dir/summary.csv" ]; then
		# Every line ends in a newline and has as many fields as the header.
		[ -z "$(tail -c1 "$tmp/results/$dir/summary.csv")" ] || whole=0
		/usr/bin/python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1]))); sys.exit(len({len(x) for x in r}) != 1)' \
			"$tmp/results/$dir/summary.csv" || whole=0
	fi
	if [ -n "$dir" ] && [ -z "$leftover" ] && [ $whole -eq 1 ]; then pass "$name-no-partial-files"
	else fail "$name-no-partial-files" "leftover: $leftover, whole lines: $whole"; fi
}
seen=

# A second run, interrupted while its first workload runs: every workload at
# full scale, so the first one is still running when the signal comes. Job
# control, so that the background run does not start with SIGINT ignored (as
# a Ctrl-C'd make bench in a terminal does not).
sleep 1   # a new UTC second, so a new directory name
set -m
scripts/bench >"$tmp/workload.log" 2>&1 &
pid=$!
set +m
for _ in $(seq 100); do
	grep -q '^\[1/' "$tmp/workload.log" && break
	sleep 0.05
done
sleep 0.3
kill -INT "$pid"
wait "$pid"
rc=$?
interrupted workload

# A third run, interrupted just as plotting starts: a gnuplot first on PATH
# that says it started and then hangs.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\n[ "$1" = --version ] && exec sleep 60\necho $$ > "%s/gnuplot-started"\nexec sleep 60\n' "$tmp" > "$tmp/bin/gnuplot"
chmod +x "$tmp/bin/gnuplot"
sleep 1
set -m
PATH="$tmp/bin:$PATH" WORKLOADS=$wl QUICK=1 REPEAT=1 scripts/bench >"$tmp/plotting.log" 2>&1 &
pid=$!
set +m
for _ in $(seq 400); do
	[ -e "$tmp/gnuplot-started" ] && break
	sleep 0.05
done
t0=$SECONDS
kill -INT "$pid"
wait "$pid"
rc=$?
interrupted plotting
if grep -q '^statistics, plots and report' "$tmp/plotting.log"; then pass plotting-was-plotting
else fail plotting-was-plotting "the signal came before plotting: $(tail -n2 "$tmp/plotting.log")"; fi
gp=$(cat "$tmp/gnuplot-started" 2>/dev/null)
if [ $((SECONDS - t0)) -lt 10 ] && [ -n "$gp" ] && ! kill -0 "$gp" 2>/dev/null; then pass plotting-gnuplot-stopped
else fail plotting-gnuplot-stopped "bench took $((SECONDS - t0)) s to stop, or left its gnuplot running"; fi

# A hung gnuplot is killed after GNUPLOT_TIMEOUT seconds; the run completes
# and lists the figures it could not draw.
rm -f "$tmp/gnuplot-started"
sleep 1
t0=$SECONDS
if PATH="$tmp/bin:$PATH" GNUPLOT_TIMEOUT=1 WORKLOADS=$wl QUICK=1 REPEAT=1 scripts/bench >"$tmp/hung.log" 2>&1; then
	last=$(readlink "$tmp/results/latest")
	if [ "$last" != "$first" ] && grep -q 'did not finish within 1 s' "$tmp/results/$last/failures.txt" 2>/dev/null &&
		[ -s "$tmp/results/$last/REPORT.md" ] && [ $((SECONDS - t0)) -lt 60 ]
	then pass gnuplot-timeout
	else fail gnuplot-timeout "latest $last, $((SECONDS - t0)) s, failures: $(head -c 200 "$tmp/results/$last/failures.txt" 2>&1)"; fi
else
	fail gnuplot-timeout "scripts/bench failed: $(tail -n3 "$tmp/hung.log")"
fi
