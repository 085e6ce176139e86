# tests/lib/common.sh: sourced by the shell tests. Moves to the top of the
# checkout and sets BIN and BACKENDS (tests/run's, else build/bin and
# blocks), tmp (a directory removed on exit), and pass, fail and skip, which
# print the lines tests/run counts, under the case prefix in $b.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN=${BIN:-build/bin}
BACKENDS=${BACKENDS:-blocks}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass() { echo "PASS $b/$1"; }
fail() { echo "FAIL $b/$1: $2"; }
skip() { echo "SKIP $b/$1: $2"; }
