#!/usr/bin/env bash
# poison.sh: test-poison's death tests in the debug build that fills dead
# memory (REGION_DEBUG=1, built by make into build/debug1) for every
# strategy, so the plain suite proves a use after reset or destroy is caught
# there too; the sanitizer suites (make test SANITIZE=address) run
# test-poison against ASan's poisoning themselves.
# Prints "PASS backend/case", "FAIL backend/case: why" or "SKIP ...: why".
# Environment: BACKENDS, SANITIZE (from tests/run).
set -uo pipefail
cd "$(dirname "$0")/.."
BACKENDS=${BACKENDS:-blocks}

if [ -n "${SANITIZE:-}" ]; then
	echo "SKIP all/poison-debug: the $SANITIZE suite runs test-poison itself"; exit 0
fi
strategies=$(scripts/backends --table | awk -F'\t' '$3 == "strategy" { print $1 }')
targets=()
for b in $BACKENDS; do
	grep -qx -- "$b" <<<"$strategies" && targets+=("build/debug1/bin/test-poison-$b")
done
[ ${#targets[@]} -gt 0 ] || exit 0
if ! out=$(make -s REGION_DEBUG=1 "${targets[@]}" 2>&1); then
	echo "FAIL all/poison-debug-build: make REGION_DEBUG=1 failed: $(tail -c 400 <<<"$out")"; exit 0
fi
for t in "${targets[@]}"; do
	"$t" | grep -E '^(PASS|FAIL|SKIP) ' | sed 's|/|/debug1-|'
done
