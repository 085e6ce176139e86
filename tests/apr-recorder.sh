#!/usr/bin/env bash
# tests/apr-recorder.sh: scripts/record-trace --pools=apr and scripts/trace-profile.
#
# Records tests/apr-pools-prog.c and checks the program's own events one by
# one against the list below (the pools apr_initialize and apr_terminate
# make and destroy are kept in the trace: they are the events of the same
# program run with "init-only"); checks a threaded, forking run; replays the
# exact trace on every backend with its own counts; records svnadmin create;
# and checks trace-profile on a trace with known figures.
# Output: "PASS case" / "FAIL case: why" / "SKIP case: why" lines for tests/run.
# Environment: BIN (build/bin), BACKENDS (space separated).
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

# The program's own events, pools named P0.. in creation order (an id may be
# reused after its pool is destroyed, so ids are compared through names).
expected() {
	cat <<'EOF'
c P0
c P1
c P2
a P0 100
a P1 200
a P1 300
a P2 7
a P2 1
c P3
c P4
a P4 4096
d P4
d P3
d P2
d P1
r P0
a P0 50
c P5
c P6
a P6 8
d P6
d P5
d P0
c P7
a P7 64
EOF
}

# own FULL INIT: prints FULL's events less those of INIT, which must be a
# prefix (what apr_initialize did) plus a suffix (what apr_terminate did) of
# them, with each pool named by creation order; or "error: ..." when INIT is
# not such a prefix and suffix.
own() {
	python3 - "$1" "$2" <<'EOF'
import sys
def events(path):
    return [l.split() for l in open(path) if l[:1] in "acrd" and not l.startswith("regiontrace")]
full, init = events(sys.argv[1]), events(sys.argv[2])
pre = 0
while pre < len(init) and pre < len(full) and full[pre] == init[pre]:
    pre += 1
suf = len(init) - pre
if full[len(full) - suf:] != init[pre:] or len(full) < len(init):
    print("error: the init-only events are not a prefix and suffix of the program's")
    sys.exit()
names, n = {}, 0
for e in full[pre:len(full) - suf]:
    if e[0] == "c":
        names[e[1]] = "P%d" % n
        n += 1
    e[1] = names.get(e[1], "unnamed-" + e[1])
    print(" ".join(e))
EOF
}

cc=${CC:-gcc}
prog=$tmp/apr-pools-prog
if ! $cc -O1 -I/usr/include/apr-1.0 -o "$prog" tests/apr-pools-prog.c -lapr-1 -lpthread 2>"$tmp/cc.err"; then
	fail apr-recorder "cannot compile tests/apr-pools-prog.c: $(head -1 "$tmp/cc.err")"
	exit 1
fi
root=$PWD
rec() { "$root/scripts/record-trace" --pools=apr "$@" 2>"$tmp/rec.err"; }

# ---- exact events ---------------------------------------------------------------
exact_ok=0
if ! rec -o "$tmp/full.trace" -- "$prog" || ! rec -o "$tmp/init.trace" -- "$prog" init-only; then
	fail apr-recorder-exact "record-trace failed: $(tail -1 "$tmp/rec.err")"
else
	own "$tmp/full.trace" "$tmp/init.trace" >"$tmp/own"
	if diff <(expected) "$tmp/own" >"$tmp/diff"; then
		pass apr-recorder-exact
		exact_ok=1
	else
		fail apr-recorder-exact "events differ (want < > got): $(head -4 "$tmp/diff" | tr '\n' ' ')"
	fi
	# One more 0-byte request than apr_initialize and apr_terminate make.
	z() { sed -n 's/^# requests of 0 bytes recorded as 1 byte: \([0-9]*\)$/\1/p' "$1"; }
	zf=$(z "$tmp/full.trace") zi=$(z "$tmp/init.trace")
	if [ -n "$zf" ] && [ -n "$zi" ] && [ "$zf" -eq $((zi + 1)) ] && [ "$(tail -2 "$tmp/full.trace" | head -1 | cut -c1-13)" = "# requests of" ]; then
		pass apr-recorder-zero-size
	else
		fail apr-recorder-zero-size "the closing comments count '$zf' 0-byte requests, want $((${zi:-0} + 1))"
	fi
	if grep -Eq '^# apr [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/full.trace" &&
	   grep -q "^# command: .*apr-pools-prog\$" "$tmp/full.trace"; then
		pass apr-recorder-head
	else
		fail apr-recorder-head "the trace does not name its command and the APR version: $(head -5 "$tmp/full.trace" | tr '\n' ' ')"
	fi
fi

# ---- threads and a fork -------------------------------------------------------------
if ! rec -o "$tmp/threads.trace.gz" -- "$prog" threads; then
	fail apr-recorder-threads "record-trace failed: $(tail -1 "$tmp/rec.err")"
else
	t=$tmp/threads.trace
	zcat "$tmp/threads.trace.gz" >"$t"
	a777=$(grep -c '^a [0-9]* 777$' "$t") a555=$(grep -c '^a [0-9]* 555$' "$t")
	procs=$(sed -n 's/^# processes \([0-9]*\),.*/\1/p' "$t")
	drv=$BIN/regionbench-${BACKENDS%% *}
	if [ "$a777" != 40000 ] || [ "$a555" != 200 ]; then
		fail apr-recorder-threads "$a777 and $a555 allocations of 777 and 555 bytes, want 40000 and 200"
	elif [ "$procs" != 2 ]; then
		fail apr-recorder-threads "$procs processes, want 2 (the program and its child)"
	elif ! "$drv" replay "$tmp/threads.trace.gz" >/dev/null 2>"$tmp/err"; then
		fail apr-recorder-threads "the trace does not replay: $(head -1 "$tmp/err")"
	else
		pass apr-recorder-threads
	fi
fi

# ---- replay on every backend, with the trace's own counts ------------------------
if [ $exact_ok = 1 ]; then
	want="$(grep -c '^c ' "$tmp/full.trace") $(grep -c '^a ' "$tmp/full.trace")"
	for b in $BACKENDS; do
		drv=$BIN/regionbench-$b
		if [ ! -x "$drv" ]; then fail "$b/apr-recorder-replay" "$drv is missing"; continue; fi
		rm -f "$tmp/s.csv"
		if ! "$drv" replay "$tmp/full.trace" --csv "$tmp/s.csv" >/dev/null 2>"$tmp/err"; then
			fail "$b/apr-recorder-replay" "exit status $?: $(head -1 "$tmp/err")"
			continue
		fi
		got=$(python3 -c 'import csv,sys; r = list(csv.DictReader(open(sys.argv[1])))[0]; print(r["regions"], r["allocs"])' "$tmp/s.csv")
		[ "$got" = "$want" ] && pass "$b/apr-recorder-replay" ||
			fail "$b/apr-recorder-replay" "regions allocs: $got, want $want"
	done
fi

# ---- a real program: svnadmin create --------------------------------------------------
if ! command -v svnadmin >/dev/null; then
	skip apr-recorder-svnadmin "svnadmin is not installed (scripts/deps installs subversion)"
elif ! (cd "$tmp" && rec -o "$tmp/svn.trace.gz" -- svnadmin create "$tmp/repo"); then
	fail apr-recorder-svnadmin "record-trace failed: $(tail -1 "$tmp/rec.err")"
else
	drv=$BIN/regionbench-${BACKENDS%% *}
	pools=$(zcat "$tmp/svn.trace.gz" | grep -c '^c ')
	if [ ! -f "$tmp/repo/format" ]; then
		fail apr-recorder-svnadmin "svnadmin made no repository under the recorder"
	elif [ "$pools" -lt 2 ]; then
		fail apr-recorder-svnadmin "$pools pools recorded, want several"
	elif ! "$drv" replay "$tmp/svn.trace.gz" >/dev/null 2>"$tmp/err"; then
		fail apr-recorder-svnadmin "the trace does not replay: $(head -1 "$tmp/err")"
	else
		pass apr-recorder-svnadmin
	fi
fi

# ---- bad invocations: exit 2, no file -----------------------------------------------
ok=1
scripts/record-trace --pools=apr --epoch 5 -o "$tmp/x.trace" -- true >/dev/null 2>&1; [ $? -eq 2 ] || ok=0
scripts/record-trace --pools=talloc -o "$tmp/x.trace" -- true >/dev/null 2>&1; [ $? -eq 2 ] || ok=0
scripts/record-trace --pools=apr -o "$tmp/x.trace" -- true >/dev/null 2>&1; [ $? -eq 1 ] || ok=0   # no APR call
[ ! -e "$tmp/x.trace" ] || ok=0
[ $ok = 1 ] && pass apr-recorder-usage || fail apr-recorder-usage "a bad invocation did not exit 2 (or 1 for a program without APR), or left a file"

# ---- trace-profile ----------------------------------------------------------------
# The format's example: sizes 24 4096 65536 40 16, never two regions live.
printf '# example\nregiontrace 1\nc 1\na 1 24\na 1 4096 64\nd 1\nc 2\na 2 65536\ns 2 1500\na 2 40\nr 2\na 2 16\nd 2\n' >"$tmp/example.trace"
if ! scripts/trace-profile "$tmp/example.trace" >"$tmp/prof.csv" 2>"$tmp/err"; then
	fail trace-profile "exit status $?: $(head -1 "$tmp/err")"
elif ! cmp -s <(head -1 "$tmp/prof.csv") tests/golden/trace-profile-header.csv; then
	fail trace-profile "header $(head -1 "$tmp/prof.csv") differs from tests/golden/trace-profile-header.csv"
elif [ "$(sed -n 2p "$tmp/prof.csv")" != "example,11,2,1,5,69712,40,65536,0.9989" ]; then
	fail trace-profile "row $(sed -n 2p "$tmp/prof.csv"), want example,11,2,1,5,69712,40,65536,0.9989"
else
	printf 'regiontrace 1\nc 1\na 1\n' >"$tmp/bad.trace"
	scripts/trace-profile "$tmp/bad.trace" >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc -eq 2 ] && grep -q "bad.trace:3: error:" "$tmp/err" && pass trace-profile ||
		fail trace-profile "a malformed line: exit $rc, '$(head -1 "$tmp/err")', want exit 2 and FILE:3: error:"
fi
