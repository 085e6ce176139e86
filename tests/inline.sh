#!/usr/bin/env bash
# inline.sh: every strategy's allocation fast path is inlined into its
# callers. From `objdump -d` of each strategy's driver and microbenchmark
# executable, no instruction calls or jumps to region_alloc (or a clone of
# it, region_alloc.part.0 and the like); the slow paths it branches to have
# names of their own. Baselines call their library and are not checked.
# Sanitizer and debug builds check every allocation and promise no
# inlining: SKIP.
# Prints "PASS backend/case", "FAIL backend/case: why" or "SKIP ...: why".
# Environment: BIN, BACKENDS, SANITIZE (from tests/run).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
BACKENDS=${BACKENDS:-blocks}

strategies=$(scripts/backends --table | awk -F'\t' '$3 == "strategy" { print $1 }')
for b in $BACKENDS; do
	grep -qx -- "$b" <<<"$strategies" || continue
	for prog in regionbench microbench; do
		exe=$BIN/$prog-$b
		if [ -n "${SANITIZE:-}" ] || grep -qE -- '-fsanitize|-DREGION_DEBUG=[1-9]' "$BIN/../FLAGS" 2>/dev/null; then
			echo "SKIP $b/inline-$prog: sanitized or debug build"; continue
		fi
		if [ ! -x "$exe" ]; then echo "FAIL $b/inline-$prog: $exe is missing"; continue; fi
		if ! dis=$(objdump -d --no-show-raw-insn "$exe"); then
			echo "FAIL $b/inline-$prog: objdump -d $exe failed"; continue
		fi
		calls=$(grep -E '(call|jmp)[a-z]* +[0-9a-f]+ <region_alloc[.>]' <<<"$dis")
		if [ -n "$calls" ]; then
			echo "FAIL $b/inline-$prog: $(wc -l <<<"$calls") calls of region_alloc, e.g. $(head -1 <<<"$calls" | tr -s ' \t' ' ')"
		else
			echo "PASS $b/inline-$prog"
		fi
	done
done
