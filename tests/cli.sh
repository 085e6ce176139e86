#!/usr/bin/env bash
# cli.sh: the driver's command line. Every kind of bad input exits 2 with a
# one-line message naming what was wrong and what would be right, and leaves
# no file behind; a backend limit exits 1 with no row; the summary and series
# headers match tests/golden/; --csv writes the header once and whole rows.
# Prints "PASS backend/case" or "FAIL backend/case: why" (tests/run counts).
# Environment: BIN, BACKENDS (from tests/run).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
BACKENDS=${BACKENDS:-blocks}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS $b/$1"; }
fail() { echo "FAIL $b/$1: $2"; }

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
	"$drv" run "$wl" --quick --seed 7 "${out[@]}" >/dev/null 2>"$tmp/err"
	n=$(wc -l <"$tmp/o.csv")
	headers=$(grep -c '^backend,policy,workload,' "$tmp/o.csv")
	nf=$(fields "$tmp/o.csv" | sort -u | wc -l)
	if [ "$n" -eq 3 ] && [ "$headers" -eq 1 ] && [ "$nf" -eq 1 ]; then pass csv-append
	else fail csv-append "$n lines, $headers headers, $nf distinct field counts"; fi

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
