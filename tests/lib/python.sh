# tests/lib/python.sh: sourced by the shell tests of the Python scripts, with
# the case prefix as $1: tests/lib/common.sh, then a SKIP line and exit when
# the Debian interpreter has no scipy.
b=$1
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
if ! /usr/bin/python3 -c 'import scipy.stats' 2>/dev/null; then
	echo "SKIP $b/all: /usr/bin/python3 has no scipy (scripts/deps installs python3-scipy)"
	exit 0
fi
