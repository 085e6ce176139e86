#!/usr/bin/env bash
# tests/registry.sh: adding a backend is one folder and one registry line.
# Builds a throwaway backend "toy" (the block strategy with 32-bit references
# counting 2-byte units: an 8 GiB pool) from a copy of common/backends.list plus one line,
# then checks that the registry, the build, the conformance suite, the driver
# and the plot palette all know it, with nothing else edited.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -n "${SANITIZE:-}" ] && { echo "SKIP registry/toy-backend: built once, in the plain build"; exit 0; }
passed=0
ok() { echo "PASS registry/$1"; passed=$((passed + 1)); }
fail() { echo "FAIL registry/$1: $2"; exit 1; }

dir=build/registry-test
rm -rf "$dir"; mkdir -p "$dir/toy"
cat > "$dir/toy/params.h" <<'EOF'
#ifndef BLOCKS_PARAMS_H
#define BLOCKS_PARAMS_H
#define BLOCKS_NAME "toy"
#define BLOCKS_REF_BITS 32
#define BLOCKS_REF_SHIFT 1
#define BLOCKS_POOL_BYTES ((uint64_t)1 << 33)
#define BLOCKS_POOL_MAX ((uint64_t)1 << 33)
#endif
EOF
registry=$dir/backends.list
{ cat common/backends.list
  echo "toy 32 strategy bench #123456 -I$dir/toy - strategy-blocks/blocks.c"; } > "$registry"

REGISTRY=$registry scripts/backends --all | grep -qx toy || fail listed "scripts/backends --all does not list toy"
scripts/backends --all | grep -qx toy && fail listed "toy leaked into the real registry"
ok listed

bin=$dir/build/bin
make -s REGISTRY="$registry" BUILD="$dir/build" "$bin/regionbench-toy" "$bin/test-conformance-toy" \
	>"$dir/make.log" 2>&1 || { cat "$dir/make.log"; fail built "make with REGISTRY=$registry failed"; }
ok built

"$bin/test-conformance-toy" >"$dir/conformance.log" 2>&1 ||
	{ cat "$dir/conformance.log"; fail conformance "test-conformance-toy failed"; }
ok conformance

"$bin/regionbench-toy" run binary-trees --quick --csv "$dir/summary.csv" >"$dir/run.log" 2>&1 ||
	{ cat "$dir/run.log"; fail run "binary-trees on toy failed"; }
cut -d, -f1 "$dir/summary.csv" | tail -n1 | grep -qx toy || fail run "the summary row does not name toy"
# The toy holds 32-bit references: its row says so.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "ref_bits") c = i } NR == 2 { exit $c != 32 }' \
	"$dir/summary.csv" || fail run "ref_bits of toy is not 32"
ok run

REGISTRY=$registry PYTHONPATH=scripts/lib python3 -c '
import sys
from regionbench import registry
sys.exit(0 if registry.colour("toy") == "#123456" and registry.is_strategy("toy") else 1)' ||
	fail palette "the plot palette does not give toy its colour"
ok palette
echo "registry: $passed cases"
