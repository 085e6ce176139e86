#!/usr/bin/env bash
# tests/trace.sh: region traces end to end, through the programs a user runs.
#
# The recorder (scripts/record-trace) must turn a small program's mallocs into
# a trace the parser accepts, with the counts the program made; every backend's
# driver must reject each malformed trace with "FILE:LINE: error:" and exit 2
# before running anything, replay a shipped trace with the counts the trace
# holds, and replay every fuzzing regression (tests/fuzz/regressions/) without
# crashing. Output: "PASS case" / "FAIL case: why" lines for tests/run.
# Environment: BIN (build/bin), BACKENDS (space separated).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
BACKENDS=${BACKENDS:-blocks contiguous wide-offsets}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# A parser for validity checks: any backend's test-trace program loads a
# trace given on its command line and exits 2 when it is malformed.
checker=
for b in $BACKENDS; do
	[ -x "$BIN/test-trace-$b" ] && { checker=$BIN/test-trace-$b; break; }
done

# ---- the recorder ---------------------------------------------------------------
recorder() {
	cat >"$tmp/prog.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
static void *volatile sink;   /* keeps the compiler from eliding mallocs */
int main(void)
{
	for (int i = 0; i < 1000; i++)     /* 1000 objects that live to the end */
		sink = malloc(24);
	for (int r = 0; r < 20; r++) {     /* 20 bursts of 100 short-lived ones */
		void *p[100];
		for (int i = 0; i < 100; i++)
			memset(p[i] = malloc(16 + i), 1, 16);
		for (int i = 0; i < 100; i++)
			free(p[i]);
	}
	void *q = NULL;
	for (int i = 1; i <= 50; i++)      /* 50 reallocs: 50 births */
		sink = q = realloc(q, (size_t)i * 100);
	free(q);
	posix_memalign((void **)&sink, 64, 100);
	pid_t c = fork();
	if (c == 0) {                     /* a child process logs on its own */
		for (int i = 0; i < 500; i++)
			sink = malloc(8);
		exit(0);
	}
	waitpid(c, NULL, 0);
	return 0;
}
EOF
	if ! gcc -O1 -o "$tmp/prog" "$tmp/prog.c" 2>"$tmp/cc.err"; then
		fail recorder "cannot compile the test program: $(head -1 "$tmp/cc.err")"
		return
	fi
	if ! scripts/record-trace -o "$tmp/rec.trace" --epoch 200 --span 2 -- "$tmp/prog" 2>"$tmp/rec.err"; then
		fail recorder "record-trace failed: $(tail -1 "$tmp/rec.err")"
		return
	fi
	local t=$tmp/rec.trace
	[ -n "$checker" ] || { fail recorder "no $BIN/test-trace-* program to check the trace"; return; }
	if ! "$checker" "$t" >/dev/null 2>"$tmp/chk.err"; then
		fail recorder "the recorded trace does not parse: $(head -1 "$tmp/chk.err")"
		return
	fi
	local allocs procs
	allocs=$(grep -c '^a ' "$t")
	procs=$(sed -n 's/^# processes \([0-9]*\),.*/\1/p' "$t")
	# The program's own 1000 + 2000 + 50 + 1 + 500 allocations, and libc's.
	if [ "$allocs" -lt 3551 ]; then
		fail recorder "$allocs allocations recorded, want at least 3551"
	elif [ "$procs" != 2 ]; then
		fail recorder "$procs processes recorded, want 2 (the program and its child)"
	elif ! grep -q '^# command: .*/prog$' "$t" || ! grep -q '^# parameters: --epoch 200 --span 2' "$t"; then
		fail recorder "the trace does not say how it was made"
	elif ! grep -q '^a [0-9]* 100 64$' "$t"; then
		fail recorder "posix_memalign's alignment is not in the trace"
	else
		pass recorder
	fi
}

recorder_usage() {
	local ok=1
	scripts/record-trace -o "$tmp/x.trace" >/dev/null 2>&1; [ $? -eq 2 ] || ok=0
	scripts/record-trace --epoch 0 -o "$tmp/x.trace" -- true >/dev/null 2>&1; [ $? -eq 2 ] || ok=0
	scripts/record-trace -o /nonexistent/dir/x.trace -- true >/dev/null 2>&1; [ $? -eq 2 ] || ok=0
	scripts/record-trace -o "$tmp/x.trace" -- /nonexistent/program >/dev/null 2>&1; [ $? -eq 2 ] || ok=0
	[ ! -e "$tmp/x.trace" ] || ok=0
	[ $ok = 1 ] && pass recorder-usage || fail recorder-usage "a bad invocation did not exit 2, or left a file"
}

# ---- every backend's driver ------------------------------------------------------
# Writes the malformed traces: NAME, LINE, TEXT (printf format).
malformed_cases() {
	cat <<'EOF'
no-header|1|c 1\n
bad-version|2|# v2\nregiontrace 2\n
empty|1|
unknown-event|3|regiontrace 1\nc 1\nx 1\n
fields|3|regiontrace 1\nc 1\na 1\n
not-decimal|3|regiontrace 1\nc 1\na 1 0x10\n
out-of-range|2|regiontrace 1\nc 4294967296\n
size-zero|3|regiontrace 1\nc 1\na 1 0\n
align|3|regiontrace 1\nc 1\na 1 8 24\n
not-live|4|regiontrace 1\nc 1\nd 1\na 1 8\n
live-create|3|regiontrace 1\nc 1\nc 1\n
shrink-nothing|3|regiontrace 1\nc 1\ns 1 8\n
shrink-larger|4|regiontrace 1\nc 1\na 1 8\ns 1 9\n
late|7|regiontrace 1\nc 1\na 1 8\nr 1\na 1 16\n\nd 2\n
EOF
}

malformed() {
	local b=$1 drv=$BIN/regionbench-$1 bad=""
	while IFS='|' read -r name line text; do
		local f=$tmp/$name.trace
		printf "$text" >"$f"
		"$drv" replay "$f" >"$tmp/out" 2>"$tmp/err"
		local rc=$?
		if [ $rc -ne 2 ]; then
			bad="$name: exit status $rc, want 2"
		elif ! head -1 "$tmp/err" | grep -q "^$f:$line: error: "; then
			bad="$name: stderr '$(head -1 "$tmp/err")', want '$f:$line: error: ...'"
		elif [ -s "$tmp/out" ]; then
			bad="$name: something was written on stdout"
		fi
		[ -n "$bad" ] && break
	done < <(malformed_cases)
	# A gzip trace cut short is malformed too.
	if [ -z "$bad" ]; then
		local g=$tmp/cut.trace.gz
		head -c 20000 workloads/traces/gcc-compile.trace.gz >"$g"
		"$drv" replay "$g" >/dev/null 2>"$tmp/err"
		local rc=$?
		[ $rc -eq 2 ] || bad="cut gzip: exit status $rc, want 2"
	fi
	[ -z "$bad" ] && pass "$b/trace-malformed" || fail "$b/trace-malformed" "$bad"
}

# The summary's value for KEY (the driver prints "  key  value").
summary() { awk -v k="$1" '$1 == k { print $2; exit }' "$2"; }

replay_counts() {
	local b=$1 drv=$BIN/regionbench-$1 t=workloads/traces/gcc-compile.trace.gz
	"$drv" replay "$t" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ $rc -ne 0 ]; then
		fail "$b/trace-replay" "exit status $rc: $(head -1 "$tmp/err")"
		return
	fi
	local ev c a bytes
	ev=$(zcat "$t" | grep -c '^[casrd] ')
	c=$(zcat "$t" | grep -c '^c ')
	a=$(zcat "$t" | grep -c '^a ')
	bytes=$(zcat "$t" | awk '$1 == "a" { s += $3 } END { printf "%d", s }')
	local got="$(summary ops "$tmp/out") $(summary regions "$tmp/out") $(summary allocs "$tmp/out") $(summary bytes_requested "$tmp/out")"
	if [ "$got" != "$ev $c $a $bytes" ]; then
		fail "$b/trace-replay" "ops regions allocs bytes: $got, want $ev $c $a $bytes"
	elif [ "$(summary workload "$tmp/out")" != gcc-compile ]; then
		fail "$b/trace-replay" "workload '$(summary workload "$tmp/out")', want gcc-compile"
	else
		pass "$b/trace-replay"
	fi
}

regressions() {
	local b=$1 drv=$BIN/regionbench-$1 bad="" n=0
	for f in tests/fuzz/regressions/*.trace; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		"$drv" replay "$f" >/dev/null 2>"$tmp/err"
		local rc=$?
		if [ $rc -gt 2 ] || grep -q 'Sanitizer' "$tmp/err"; then
			bad="$f: exit status $rc: $(grep -m1 -E 'ERROR|error' "$tmp/err")"
			break
		fi
	done
	# No crash found yet: nothing to replay, and no case to count.
	[ $n -eq 0 ] && return
	[ -z "$bad" ] && pass "$b/trace-regressions" || fail "$b/trace-regressions" "$bad"
}

shipped() {
	local bad="" n=0
	[ -n "$checker" ] || { fail trace-shipped "no $BIN/test-trace-* program"; return; }
	for f in workloads/traces/*.trace workloads/traces/*.trace.gz; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		"$checker" "$f" >/dev/null 2>"$tmp/err" || { bad="$f: $(head -1 "$tmp/err")"; break; }
		local first
		first=$(zcat -f "$f" | head -1)
		case $first in "# "*) ;; *) bad="$f does not open with a comment"; break ;; esac
	done
	[ $n -ge 3 ] || bad="${bad:-only $n traces in workloads/traces/, want at least 3}"
	[ -z "$bad" ] && pass trace-shipped || fail trace-shipped "$bad"
}

recorder
recorder_usage
shipped
for b in $BACKENDS; do
	if [ ! -x "$BIN/regionbench-$b" ]; then
		fail "$b/trace" "$BIN/regionbench-$b is missing"
		continue
	fi
	malformed "$b"
	replay_counts "$b"
	regressions "$b"
done
[ $fails -eq 0 ]
