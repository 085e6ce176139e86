#!/usr/bin/env bash
# cli.sh: the driver's command line. Every kind of bad input exits 2 with a
# one-line message naming what was wrong and what would be right, and leaves
# no file behind; a backend limit or out of memory exits 1 and a failed write
# exits 3, with no row; the summary and series headers match tests/golden/;
# --csv writes the header once and whole rows; peak_rss_bytes (VmHWM) is at
# least every sample; --latency fills the latency columns; calibrate's
# figures are positive and finite.
# Prints "PASS backend/case" or "FAIL backend/case: why" (tests/run counts).
# Environment: BIN, BACKENDS (from tests/run).
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"

# bad CASE WORD ARGS...: the driver must exit 2 with one stderr line that
# contains WORD, and leave neither $tmp/o.csv nor $tmp/o.series.csv (nor
# their .tmp) behind.
bad() {
	local name=$1 word=$2; shift 2
	rm -f "$tmp"/o.*
	"$drv" "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$? lines
	lines=$(wc -l <"$tmp/err")
	if [ $rc -ne 2 ]; then fail "bad-$name" "exit $rc, want 2 ($*)"
	elif [ "$lines" -ne 1 ]; then fail "bad-$name" "$lines lines on stderr, want 1: $(head -c 300 "$tmp/err")"
	elif ! grep -qF -- "$word" "$tmp/err"; then fail "bad-$name" "message does not name '$word': $(cat "$tmp/err")"
	elif ls "$tmp"/o.* >/dev/null 2>&1; then fail "bad-$name" "left $(ls "$tmp"/o.*)"
	else pass "bad-$name"; fi
}

# fields FILE: the number of fields of every line of the CSV FILE, one a line.
fields() { python3 -c 'import csv,sys; [print(len(r)) for r in csv.reader(open(sys.argv[1]))]' "$1"; }

drivers=0
for b in $BACKENDS; do
	drv=$BIN/regionbench-$b
	[ -x "$drv" ] || continue
	drivers=$((drivers + 1))
	wl=$("$drv" list --names | head -n1)
	if [ -z "$wl" ]; then fail list "list --names printed no workload"; continue; fi
	pol=$("$drv" policies | head -n1)
	[ -n "$pol" ] && pass policies || fail policies "policies printed nothing"
	out=(--csv "$tmp/o.csv" --series "$tmp/o.series.csv")

	# Bad input: each a one-line error, exit 2, nothing written.
	bad no-command "want one of" "${out[@]}"
	bad command "frobnicate" frobnicate "${out[@]}"
	bad no-workload "valid:" run "${out[@]}"
	bad workload "no-such-workload" run no-such-workload "${out[@]}"
	bad parameter "--no_such_param" run "$wl" --no_such_param=1 "${out[@]}"
	param=$("$drv" list | grep -m1 -oE -- '^ +--[a-z_0-9]+=' | tr -d ' =')
	[ -n "$param" ] || { fail list "list shows no --PARAM=DEFAULT line"; param=--x; }
	bad malformed-value "not an integer" run "$wl" "$param=12x" "${out[@]}"
	bad out-of-range "out of range" run "$wl" "$param=99999999999999999999" "${out[@]}"
	bad no-value "needs a value" run "$wl" "$param" "${out[@]}"
	bad seed "--seed" run "$wl" --seed=-3 "${out[@]}"
	bad policy "no-such-policy" run "$wl" --policy no-such-policy "${out[@]}"
	bad policy-parameter "parameter" run "$wl" --policy "$pol:1/x" "${out[@]}"
	bad option "--bogus" run "$wl" --quick "${out[@]}" --bogus-opt
	bad extra-argument "stray" run "$wl" stray "${out[@]}"
	bad missing-file "$tmp/missing.trace" replay "$tmp/missing.trace" "${out[@]}"
	printf 'regiontrace 1\nc 1\nq 1\n' > "$tmp/broken.trace"
	bad malformed-trace "broken.trace" replay "$tmp/broken.trace" "${out[@]}"
	bad csv-dir "$tmp/no/dir/o.csv" run "$wl" --quick --csv "$tmp/no/dir/o.csv" --series "$tmp/o.series.csv"
	bad series-dir "$tmp/no/dir" run "$wl" --quick --csv "$tmp/o.csv" --series "$tmp/no/dir/s.csv"
	mkdir -p "$tmp/adir"
	bad csv-is-dir "$tmp/adir" run "$wl" --quick --csv "$tmp/adir" --series "$tmp/o.series.csv"
	bad csv-value "--csv" run "$wl" --quick --csv
	bad rep "--rep" run "$wl" --quick --rep 0 "${out[@]}"
	# Outputs are opened, not just checked, before the run: root passes an
	# access() check of /proc, yet nothing can be created there.
	bad csv-proc "/proc/nope.csv" run "$wl" --quick --csv /proc/nope.csv --series "$tmp/o.series.csv"
	bad series-proc "/proc/nope.csv" run "$wl" --quick --csv "$tmp/o.csv" --series /proc/nope.csv
	printf 'regiontrace 1\nc 1\nd 1\n' > "$tmp/ok.trace"
	bad replay-proc "/proc/nope.csv" replay "$tmp/ok.trace" --csv /proc/nope.csv
	bad same-path "two different files" run "$wl" --quick --csv "$tmp/o.csv" --series "$tmp/o.csv"
	bad calibrate-option "calibrate takes only" calibrate --series "$tmp/o.csv"

	# The same file by two names: refused before anything is written, the
	# existing summary kept as it was.
	printf 'backend\n' > "$tmp/keep.csv"
	"$drv" run "$wl" --quick --csv "$tmp/keep.csv" --series "$tmp/../$(basename "$tmp")/keep.csv" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(cat "$tmp/keep.csv")" = backend ]; then pass same-file
	else fail same-file "exit $rc, file now: $(head -c 100 "$tmp/keep.csv")"; fi

	# A write that fails after the run (the file size limit) is a system
	# failure: exit 3, and neither file left behind.
	rm -f "$tmp"/o.*
	(trap '' XFSZ; ulimit -f 1; exec "$drv" run "$wl" --quick "${out[@]}") >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 3 ] && ! ls "$tmp"/o.* >/dev/null 2>&1; then pass write-fails
	else fail write-fails "exit $rc, files: $(ls "$tmp"/o.* 2>/dev/null), stderr: $(head -c 200 "$tmp/err")"; fi

	# Out of memory is exit 1 naming it (or the limit it hit), never the
	# usage status 2; a backend that fits in 20 MB of address space runs.
	if [ -n "${SANITIZE:-}" ]; then
		echo "SKIP $b/out-of-memory: a sanitizer's shadow memory does not fit in ulimit -v 20000"
	else
		(ulimit -v 20000; exec "$drv" run "$wl" --quick --csv "$tmp/oom.csv") >/dev/null 2>"$tmp/err"
		rc=$?
		if [ $rc -eq 0 ] || { [ $rc -eq 1 ] && grep -qE "out of memory|: limit: " "$tmp/err"; }; then pass out-of-memory
		else fail out-of-memory "exit $rc under ulimit -v 20000: $(head -c 200 "$tmp/err")"; fi
	fi

	# A file with another header is refused, and left as it was.
	echo "some,other,header" > "$tmp/other.csv"
	"$drv" run "$wl" --quick --csv "$tmp/other.csv" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(cat "$tmp/other.csv")" = "some,other,header" ] && grep -q header "$tmp/err"
	then pass bad-csv-header; else fail bad-csv-header "exit $rc, file now: $(head -c 200 "$tmp/other.csv")"; fi

	# A tiny run writes the golden headers and one whole row.
	rm -f "$tmp"/o.*
	if ! "$drv" run "$wl" --quick "${out[@]}" >"$tmp/out" 2>"$tmp/err"; then
		fail tiny-run "exit $?: $(head -c 300 "$tmp/err")"
		continue
	fi
	# The figures every row carries: extra is one JSON object, peak RSS from
	# the kernel is at least every sample, start RSS at most the peak.
	why=$(python3 - "$tmp/o.csv" "$tmp/o.series.csv" <<'PY'
import csv, json, sys
r = list(csv.DictReader(open(sys.argv[1])))[0]
s = list(csv.DictReader(open(sys.argv[2])))
peak = int(r["peak_rss_bytes"])
top = max(int(x["rss_bytes"]) for x in s)
if not isinstance(json.loads(r["extra"]), dict): print("extra is not a JSON object")
elif peak < top: print(f"peak_rss_bytes {peak} < a sample's rss_bytes {top}")
elif int(r["peak_rss_sampled_bytes"]) != top: print("peak_rss_sampled_bytes is not the largest sample")
elif not 0 < int(r["start_rss_bytes"]) <= peak: print(f"start_rss_bytes {r['start_rss_bytes']} not in (0, peak]")
elif float(r["user_s"]) < 0 or float(r["sys_s"]) < 0: print("negative user_s or sys_s")
elif r["rep"] != "1": print(f"rep {r['rep']}, want 1 without --rep")
elif any(r[k] for k in r if k.endswith("_ns")): print("latency columns filled without --latency")
PY
)
	[ -z "$why" ] && pass row-figures || fail row-figures "$why"
	if cmp -s <(head -n1 "$tmp/o.csv") tests/golden/summary-header.csv; then pass summary-header
	else fail summary-header "$(head -n1 "$tmp/o.csv") differs from tests/golden/summary-header.csv"; fi
	if cmp -s <(head -n1 "$tmp/o.series.csv") tests/golden/series-header.csv; then pass series-header
	else fail series-header "$(head -n1 "$tmp/o.series.csv") differs from tests/golden/series-header.csv"; fi
	n=$(wc -l <"$tmp/o.csv")
	nf=$(fields "$tmp/o.csv" | sort -u | wc -l)
	row_wl=$(python3 -c 'import csv,sys; print(list(csv.DictReader(open(sys.argv[1])))[0]["workload"])' "$tmp/o.csv")
	if [ "$n" -eq 2 ] && [ "$nf" -eq 1 ] && [ "$row_wl" = "$wl" ]; then pass tiny-run-row
	else fail tiny-run-row "$n lines, $nf distinct field counts, workload '$row_wl'"; fi
	samples=$(($(wc -l <"$tmp/o.series.csv") - 1))
	last=$(tail -n1 "$tmp/o.series.csv" | cut -d, -f2)
	if [ "$samples" -ge 200 ] && [ "$last" = 100 ] && [ ! -e "$tmp/o.series.csv.tmp" ]; then pass series-samples
	else fail series-samples "$samples samples (want >= 200), last done_pct $last"; fi

	# --csv appends a second row, not a second header.
	"$drv" run "$wl" --quick --seed 7 --rep 2 "${out[@]}" >/dev/null 2>"$tmp/err"
	n=$(wc -l <"$tmp/o.csv")
	headers=$(grep -c '^backend,policy,workload,' "$tmp/o.csv")
	nf=$(fields "$tmp/o.csv" | sort -u | wc -l)
	if [ "$n" -eq 3 ] && [ "$headers" -eq 1 ] && [ "$nf" -eq 1 ]; then pass csv-append
	else fail csv-append "$n lines, $headers headers, $nf distinct field counts"; fi

	reps=$(python3 -c 'import csv,sys; print(" ".join(r["rep"] for r in csv.DictReader(open(sys.argv[1]))))' "$tmp/o.csv")
	[ "$reps" = "1 2" ] && pass rep-column || fail rep-column "rep column '$reps', want '1 2'"

	# VmHWM catches what sampling can miss: a workload that frees its
	# large objects peaks at least as high as every sample.
	rm -f "$tmp/p.csv"
	"$drv" run large-objects --quick --csv "$tmp/p.csv" --series "$tmp/p.series.csv" >/dev/null 2>"$tmp/err"
	why=$(python3 -c '
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))[0]
top = max(int(x["rss_bytes"]) for x in csv.DictReader(open(sys.argv[2])))
peak = int(r["peak_rss_bytes"])
print("" if peak >= top else f"peak_rss_bytes {peak} < sample {top}")' "$tmp/p.csv" "$tmp/p.series.csv" 2>&1)
	[ -z "$why" ] && pass vmhwm-over-samples || fail vmhwm-over-samples "$why"

	# --latency times create and destroy: p50 <= p99 <= p99.9 <= max, and
	# the histogram beside the series counts every create.
	rm -f "$tmp/l.csv"
	"$drv" run binary-trees --quick --latency --csv "$tmp/l.csv" --series "$tmp/l.series.csv" >/dev/null 2>"$tmp/err"
	why=$(python3 -c '
import csv, json, sys
r = list(csv.DictReader(open(sys.argv[1])))[0]
for k in ("create", "destroy"):
    v = [float(r[f"{k}_{q}_ns"]) for q in ("p50", "p99", "p999", "max")]
    if not (0 <= v[0] <= v[1] <= v[2] <= v[3]): print(f"{k}: {v} not ordered"); break
else:
    if json.loads(r["extra"]).get("latency_timer") not in ("tsc", "clock_gettime"): print("no latency_timer in extra")
    h = list(csv.DictReader(open(sys.argv[2])))
    n = sum(int(x["count"]) for x in h if x["op"] == "create")
    if n != int(r["regions"]): print(f"histogram holds {n} creates, the row {r['regions']} regions")' "$tmp/l.csv" "$tmp/l.series.latency.csv" 2>&1)
	[ -z "$why" ] && pass latency-columns || fail latency-columns "$why $(head -c 200 "$tmp/err")"

	# Without --csv, a readable summary follows the workload's output.
	"$drv" run "$wl" --quick >"$tmp/out" 2>&1
	if grep -q '^summary (' "$tmp/out" && grep -q 'peak_rss_bytes' "$tmp/out"; then pass readable-summary
	else fail readable-summary "no summary on stdout"; fi

	# A replay row is named after the trace file.
	printf 'regiontrace 1\nc 1\na 1 100\na 1 5000 64\nr 1\na 1 7\nd 1\n' > "$tmp/tiny-web.trace"
	rm -f "$tmp/r.csv"
	"$drv" replay "$tmp/tiny-web.trace" --csv "$tmp/r.csv" >/dev/null 2>"$tmp/err"
	rc=$?
	row_wl=$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(r[0]["workload"], r[0]["allocs"])' "$tmp/r.csv" 2>/dev/null)
	if [ $rc -eq 0 ] && [ "$row_wl" = "tiny-web 3" ]; then pass replay-row
	else fail replay-row "exit $rc, row '$row_wl': $(head -c 200 "$tmp/err")"; fi

	# A backend limit: exit 1, the limit named, no row and no series.
	if "$drv" run "$wl" --quick --limit 65536 --csv "$tmp/x" 2>"$tmp/err" >/dev/null; [ $? -eq 2 ] &&
		grep -q 'no pool' "$tmp/err"; then
		pass limit-unsupported
	else
		rm -f "$tmp"/o.*
		"$drv" run large-objects --quick --limit 1048576 "${out[@]}" >/dev/null 2>"$tmp/err"
		rc=$?
		if [ $rc -eq 1 ] && grep -q "^regionbench-$b: limit: " "$tmp/err" && ! ls "$tmp"/o.* >/dev/null 2>&1
		then pass limit-no-row
		else fail limit-no-row "exit $rc, files: $(ls "$tmp"/o.* 2>/dev/null), stderr: $(head -c 200 "$tmp/err")"; fi
	fi
done
# calibrate: every figure positive and finite, under its documented name.
b=calibrate
for x in $BACKENDS; do
	[ -x "$BIN/regionbench-$x" ] || continue
	rm -f "$tmp/cal.csv"
	"$BIN/regionbench-$x" calibrate --csv "$tmp/cal.csv" >/dev/null 2>"$tmp/err"
	rc=$?
	why=$(python3 -c '
import csv, math, sys
want = ["fault_first_touch_ns", "refault_ns", "madv_dontneed_ns_per_page", "madv_free_ns_per_page",
        "mmap_munmap_32g_ns", "memcpy_warm_gb_s", "memcpy_fresh_gb_s", "write_pagecache_mb_s"]
rows = {r["what"]: float(r["value"]) for r in csv.DictReader(open(sys.argv[1]))}
bad = [k for k in want if not (k in rows and math.isfinite(rows[k]) and rows[k] > 0)]
print(("not positive and finite: " + " ".join(bad)) if bad else "")' "$tmp/cal.csv" 2>&1)
	if [ $rc -eq 0 ] && [ -z "$why" ]; then pass figures; else fail figures "exit $rc: $why $(head -c 200 "$tmp/err")"; fi
	break
done

b=cli
[ $drivers -gt 0 ] && pass drivers || fail drivers "no driver among $BIN/regionbench-{${BACKENDS// /,}}"

# Bad input to scripts/bench and scripts/plot: exit 2, one line, no results
# directory made.
b=bench
first=
for x in $BACKENDS; do [ -x "$BIN/regionbench-$x" ] && { first=$x; break; }; done
bench_bad() { # CASE WORD VAR=VALUE...
	local name=$1 word=$2; shift 2
	rm -rf "$tmp/results"
	env BIN="$BIN" BACKENDS="$first" NOBUILD=1 RESULTS_ROOT="$tmp/results" "$@" \
		scripts/bench >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF -- "$word" "$tmp/err" &&
		[ ! -e "$tmp/results" ]; then pass "bad-$name"
	else fail "bad-$name" "exit $rc, stderr: $(head -c 300 "$tmp/err")"; fi
}
if [ -n "$first" ]; then
	bench_bad workloads no-such-workload WORKLOADS=no-such-workload
	bench_bad backends no-such-backend BACKENDS=no-such-backend
	bench_bad traces "$tmp/none.trace" TRACES="$tmp/none.trace"
	bench_bad added-traces "$tmp/none.trace" TRACES="+$tmp/none.trace"
fi
scripts/plot "$tmp/no-results" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then pass plot-bad-dir
else fail plot-bad-dir "exit $rc: $(head -c 300 "$tmp/err")"; fi
