#!/usr/bin/env bash
# stats.sh: the statistics and the verdict rule on results with known values
# (tests/synthetic-results, no driver): stats.csv agrees with summary.csv;
# REPORT.md names a winner only for clearly separated runs, says "no
# measurable difference" inside the noise, "too few runs to decide" with 3
# runs a side and "too short to compare speed" for runs under 0.1 s; the
# scripts run under /usr/bin/python3 whatever python3 comes first on PATH.
# Prints PASS/FAIL lines for tests/run.
set -uo pipefail
. "$(dirname "$0")/lib/python.sh" stats

# A python3 first on PATH that cannot run anything: the scripts must not use it.
mkdir -p "$tmp/fakebin"
printf '#!/bin/sh\necho "fake python3 on PATH was used" >&2\nexit 1\n' > "$tmp/fakebin/python3"
chmod +x "$tmp/fakebin/python3"
export PATH="$tmp/fakebin:$PATH"

tests/synthetic-results "$tmp/run" --reps 5
if scripts/stats "$tmp/run" >"$tmp/out" 2>&1 && scripts/report "$tmp/run" >>"$tmp/out" 2>&1 &&
	scripts/plot "$tmp/run" >>"$tmp/out" 2>&1
then pass debian-python
else fail debian-python "a script failed with a fake python3 first on PATH: $(tail -n3 "$tmp/out")"; fi

# stats.csv against summary.csv: n, median, min and max of every summary
# column it covers, and each interval around its median.
if /usr/bin/python3 - "$tmp/run" >"$tmp/check" 2>&1 <<'EOF'
import csv, statistics, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/summary.csv")))
stats = list(csv.DictReader(open(d + "/stats.csv")))
want = "backend,policy,workload,metric,n,median,min,max,ci_low,ci_high,ci_method".split(",")
assert list(stats[0].keys()) == want, f"header {list(stats[0].keys())}"
checked = 0
for s in stats:
    if s["metric"] not in rows[0]:
        continue
    vals = [float(r[s["metric"]]) for r in rows if r[s["metric"]] != "" and
            (r["backend"], r["policy"], r["workload"]) == (s["backend"], s["policy"], s["workload"])]
    assert int(s["n"]) == len(vals), (s, len(vals))
    for k, v in (("median", statistics.median(vals)), ("min", min(vals)), ("max", max(vals))):
        assert abs(float(s[k]) - v) <= 1e-9 * max(1.0, abs(v)), (s, k, v)
    if s["ci_low"]:
        assert float(s["ci_low"]) <= float(s["median"]) <= float(s["ci_high"]), s
    checked += 1
for m in ("wall_s", "ops_per_s", "peak_rss_bytes", "final_rss_bytes", "mean_rss_bytes", "minor_faults",
          "page_table_bytes", "user_s", "sys_s", "peak_rss_above_start_bytes"):
    assert any(s["metric"] == m for s in stats), f"no {m} in stats.csv"
mean = [s for s in stats if s["metric"] == "mean_rss_bytes" and s["backend"] == "blocks"][0]
assert abs(float(mean["median"]) - 10 * 1048576 * 1.04) < 1, mean   # constant series at final RSS
print(checked)
EOF
then pass stats-agree-with-summary
else fail stats-agree-with-summary "$(tail -n3 "$tmp/check")"; fi

report=$tmp/run/REPORT.md
row() { grep -F "| $1" "$report" | head -n1; }
if row "Total capacity" | grep -q '\*\*contiguous\*\*'; then pass verdict-separated
else fail verdict-separated "capacity row: $(row "Total capacity")"; fi
if row "Memory of 32-bit" | grep -q 'no measurable difference'; then pass verdict-suppressed-in-noise
else fail verdict-suppressed-in-noise "reference-width row: $(row "Memory of 32-bit")"; fi
if grep -Eq 'wide-offsets (less|more) memory than blocks' "$report"; then
	fail no-win-word-in-noise "REPORT.md names a winner between equal runs: $(grep -E 'wide-offsets (less|more) memory than blocks' "$report" | head -c 200)"
else pass no-win-word-in-noise; fi
if grep -q "This run repeated 11 of its 11 pairs" "$report"; then pass opening-counts
else fail opening-counts "$(grep -m1 'This run repeated' "$report")"; fi

tests/synthetic-results "$tmp/three" --reps 3
scripts/report "$tmp/three" >/dev/null 2>&1
if grep -F "| Total capacity" "$tmp/three/REPORT.md" | grep -q 'too few runs to decide'; then pass three-runs-too-few
else fail three-runs-too-few "$(grep -F '| Total capacity' "$tmp/three/REPORT.md")"; fi

tests/synthetic-results "$tmp/short" --reps 5 --wall 0.02
scripts/report "$tmp/short" >/dev/null 2>&1
if grep -F "| Allocation speed" "$tmp/short/REPORT.md" | grep -q 'too short to compare speed'; then pass too-short
else fail too-short "$(grep -F '| Allocation speed' "$tmp/short/REPORT.md")"; fi

# Plots: bars with error bars and median-run lines were drawn.
n=$(ls "$tmp/run/plots/"*.png 2>/dev/null | wc -l)
if [ "$n" -ge 8 ] && [ -s "$tmp/run/plots/long-running-rss-policies.png" ]; then pass plots
else fail plots "$n PNG files: $(ls "$tmp/run/plots" | head -c 300)"; fi

# Every section from every kind of file the report reads (sweeps, latency,
# calibration, micro/): each is computed, none says "not measured", and the
# fault-cost drift between the two calibrations is said at the top.
tests/synthetic-results "$tmp/full" --reps 5 --full
if scripts/stats "$tmp/full" >"$tmp/out" 2>&1 && scripts/plot "$tmp/full" >>"$tmp/out" 2>&1 &&
	scripts/report "$tmp/full" >>"$tmp/out" 2>&1
then pass full-run
else fail full-run "$(tail -n3 "$tmp/out")"; fi
section() { # the text of REPORT.md's section TITLE
	awk -v t="## $1" '$0 == t { on = 1; next } /^## / { on = 0 } on' "$tmp/full/REPORT.md"
}
for s in "Thread scaling" "Pause distributions" "GS segment vs RIP-relative decode" "Syscall wrappers" \
	"What this machine's costs do to the results" "Fragmentation" "Sensitivity"; do
	text=$(section "$s")
	if [ -n "$text" ] && ! echo "$text" | grep -q "not measured"; then pass "section/${s%% *}"
	else fail "section/${s%% *}" "$(echo "$text" | grep -m1 'not measured' || echo missing)"; fi
done
if sed -n 1,8p "$tmp/full/REPORT.md" | grep -q 'cost of a page fault moved 2.5x'; then pass fault-drift-at-top
else fail fault-drift-at-top "no drift warning in the first lines"; fi
missing=
for p in sweep-threads sweep-live-regions sweep-working-set sweep-wrappers request-server-latency capacity-limits \
	serialize-speed fork-share-memory; do
	[ -s "$tmp/full/plots/$p.png" ] || missing+=" $p"
done
if [ -z "$missing" ]; then pass full-plots; else fail full-plots "not drawn:$missing"; fi
