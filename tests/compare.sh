#!/usr/bin/env bash
# compare.sh: make compare on results with known values (tests/synthetic-
# results): a run against itself has no change; against a run whose values
# interleave with it, none either (inside the noise); against one with a
# doubled metric, that metric is flagged worse; compare.csv and compare.md
# and the overlaid RSS plots are written; missing arguments or directories
# are exit 2 with one line. Prints PASS/FAIL lines for tests/run.
set -uo pipefail
. "$(dirname "$0")/lib/python.sh" compare
tests/synthetic-results "$tmp/a" --reps 5
tests/synthetic-results "$tmp/b" --reps 5 --offset 0.01
tests/synthetic-results "$tmp/c" --reps 5 --double blocks:peak_rss_bytes

out=$(make -s compare A="$tmp/a" B="$tmp/a" 2>&1)
if echo "$out" | grep -q '^compare: 0 better, 0 worse, [0-9]* same$'; then pass self
else fail self "$out"; fi

out=$(scripts/compare "$tmp/a" "$tmp/b" 2>&1)
if echo "$out" | grep -q '^compare: 0 better, 0 worse, [0-9]* same$'; then pass interleaved-same
else fail interleaved-same "$out"; fi

out=$(scripts/compare "$tmp/a" "$tmp/c" 2>&1)
csv=$tmp/c/compare/compare.csv
if echo "$out" | grep -q '^compare: 0 better, [1-9][0-9]* worse' &&
	grep -q '^binary-trees,blocks,decay,peak_rss_bytes,.*,worse$' "$csv" &&
	! grep -q ',contiguous,.*,worse$' "$csv"
then pass doubled-flagged
else fail doubled-flagged "$out; $(grep ',worse$' "$csv" | head -n3)"; fi

if [ "$(head -n1 "$csv")" = "workload,backend,policy,metric,a_median,b_median,ratio,ci_low,ci_high,p_value,verdict" ]
then pass csv-header
else fail csv-header "$(head -n1 "$csv")"; fi
ratio=$(grep '^binary-trees,blocks,decay,peak_rss_bytes,' "$csv" | cut -d, -f7)
if [ "$ratio" = 2 ] && grep -q 'worse' "$tmp/c/compare/compare.md"; then pass ratio
else fail ratio "ratio '$ratio'"; fi
if [ -s "$tmp/c/compare/plots/long-running-rss.png" ] && [ -s "$tmp/c/compare/plots/long-running-rss.svg" ]; then pass plots
else fail plots "$(ls "$tmp/c/compare/plots" 2>&1 | head -c 200)"; fi

for case in "none|" "missing-b|$tmp/a" "no-dir|$tmp/a $tmp/nope"; do
	name=${case%%|*} args=${case#*|}
	scripts/compare $args >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then pass "bad-$name"
	else fail "bad-$name" "exit $rc: $(head -c 200 "$tmp/err")"; fi
done
make -s compare A="$tmp/a" >"$tmp/out" 2>"$tmp/err"
if [ $? -ne 0 ] && grep -q 'set A=DIR B=DIR' "$tmp/err"; then pass make-without-b
else fail make-without-b "$(cat "$tmp/err")"; fi
