# tests/lib/python.sh: sourced by the shell tests of the Python scripts. Sets
# b (the case prefix, from $1), tmp (removed on exit), pass and fail (PASS and
# FAIL lines for tests/run), and exits with a SKIP line when the Debian
# interpreter has no scipy.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
b=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass() { echo "PASS $b/$1"; }
fail() { echo "FAIL $b/$1: $2"; }
if ! /usr/bin/python3 -c 'import scipy.stats' 2>/dev/null; then
	echo "SKIP $b/all: /usr/bin/python3 has no scipy (scripts/deps installs python3-scipy)"
	exit 0
fi
