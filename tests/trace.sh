#!/usr/bin/env bash
# tests/trace.sh: region traces end to end, through the programs a user runs.
#
# The parser and writer cases (build/bin/test-trace) run once, here. The
# recorder (scripts/record-trace) must turn a small program's mallocs into a
# trace `check` accepts, with the counts the program made. The driver (one
# backend: the parser is the same code on all) must reject each malformed
# trace with "FILE:LINE: error:" and exit 2 before running anything, a gzip
# trace cut short as cut short, other bytes after the stream, an endless line
# (/dev/zero); exit 1 naming the limit when memory runs out while loading;
# `check` prints parse speed and bytes per event. Every backend's driver must
# replay a prefix of a shipped trace (--quick) with the counts that prefix
# holds, report one op per event into its series, stop at a pool limit with
# exit 1, and replay every fuzzing regression (tests/fuzz/regressions/)
# without crashing. Output: "PASS case" / "FAIL case: why" lines for tests/run.
# Environment: BIN (build/bin), BACKENDS (space separated).
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"

fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# The driver that runs the parser's cases: the first backend's. `check`
# exits 2 when a trace is malformed.
drv1=
for b in $BACKENDS; do
	[ -x "$BIN/regionbench-$b" ] && { drv1=$BIN/regionbench-$b; break; }
done
checker() { "$drv1" check "$@"; }

# The parser and writer cases, once.
parser_cases() {
	if [ ! -x "$BIN/test-trace" ]; then
		fail trace/parser "$BIN/test-trace is missing"
		return
	fi
	"$BIN/test-trace" >"$tmp/tt" 2>&1
	local rc=$?
	grep -E '^(PASS|FAIL|SKIP|     )' "$tmp/tt"
	grep -q '^FAIL ' "$tmp/tt" && fails=$((fails + 1))
	[ $rc -eq 0 ] || grep -q '^FAIL ' "$tmp/tt" || fail trace/parser "test-trace exited with status $rc"
}

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
	[ -n "$drv1" ] || { fail recorder "no $BIN/regionbench-* to check the trace"; return; }
	if ! checker "$t" >/dev/null 2>"$tmp/chk.err"; then
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

# expect_err NAME STATUS PATTERN CMD...: CMD exits STATUS, writes nothing on
# stdout, and its stderr's first line matches PATTERN (grep -E).
expect_err() {
	local name=$1 want=$2 pat=$3; shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ $rc -ne "$want" ]; then
		bad="$name: exit status $rc, want $want ($(head -1 "$tmp/err"))"
	elif ! head -1 "$tmp/err" | grep -qE -- "$pat"; then
		bad="$name: stderr '$(head -1 "$tmp/err")', want '$pat'"
	elif [ -s "$tmp/out" ]; then
		bad="$name: something was written on stdout"
	fi
	[ -z "$bad" ]
}

malformed() {
	local drv=$drv1 bad=""
	while IFS='|' read -r name line text; do
		local f=$tmp/$name.trace
		printf "$text" >"$f"
		expect_err "$name" 2 "^$f:$line: error: " "$drv" replay "$f" || break
	done < <(malformed_cases)
	local g=$tmp/cut.trace.gz src=workloads/traces/svn-import.trace.gz
	# A gzip trace cut short, at its start, in its middle, in its trailer.
	for at in 5 20000 $(($(stat -c %s "$src") - 3)); do
		[ -n "$bad" ] && break
		head -c "$at" "$src" >"$g"
		expect_err "gzip cut at $at" 2 "^$g:[1-9][0-9]*: error: the gzip stream is cut short" "$drv" replay "$g"
	done
	[ -z "$bad" ] && { cat "$src"; echo junk; } >"$g" &&
		expect_err trailing-bytes 2 "^$g:[1-9][0-9]*: error: other bytes follow the gzip stream" "$drv" replay "$g"
	[ -z "$bad" ] && expect_err dev-zero 2 "^/dev/zero:1: error: line longer than 4096 bytes" "$drv" replay /dev/zero
	: >"$tmp/empty.trace"
	[ -z "$bad" ] && expect_err empty 2 "^$tmp/empty.trace:1: error: the file is empty" "$drv" replay "$tmp/empty.trace"
	[ -z "$bad" ] && pass trace-malformed || fail trace-malformed "$bad"
	# Out of memory while loading: exit 1, naming the limit.
	if [ -n "${SANITIZE:-}" ]; then
		echo "SKIP trace-out-of-memory: a sanitizer's own shadow memory does not fit under ulimit -v"
		return
	fi
	bad=""
	expect_err out-of-memory 1 "limit: .*out of memory loading the trace.*ulimit -v" \
		bash -c 'ulimit -v 60000 && exec "$0" replay workloads/traces/svn-dump.trace.gz' "$drv" &&
		pass trace-out-of-memory || fail trace-out-of-memory "$bad"
}

# check TRACE...: one line per trace with its speed and bytes per event;
# exit 2 when one is malformed (the good ones still reported).
check_cmd() {
	local bad="" t=workloads/traces/svn-log.trace.gz
	printf 'regiontrace 1\nc 1\nq 1\n' >"$tmp/broken.trace"
	"$drv1" check "$t" "$tmp/broken.trace" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ $rc -ne 2 ]; then
		bad="exit status $rc with a malformed trace, want 2"
	elif ! grep -qE "^$t: 127209 events \([0-9]+ bytes of text\) parsed in [0-9.]+ s: [0-9.]+ million events/s; 16\.[0-9]+ bytes per parsed event" "$tmp/out"; then
		bad="output '$(head -1 "$tmp/out")'"
	elif ! grep -q "^$tmp/broken.trace:3: error: unknown event" "$tmp/err"; then
		bad="stderr '$(head -1 "$tmp/err")'"
	elif "$drv1" check >/dev/null 2>&1; [ $? -ne 2 ]; then
		bad="check without a trace did not exit 2"
	fi
	[ -z "$bad" ] && pass trace-check || fail trace-check "$bad"
}

# The summary's value for KEY (the driver prints "  key  value").
summary() { awk -v k="$1" '$1 == k { print $2; exit }' "$2"; }

# Every backend: --quick replays the first 200000 events with their counts;
# a short trace reports one op per event, its regions, samples spread over
# it; a trace larger than the pool stops at the limit with exit 1.
replay_counts() {
	local b=$1 drv=$BIN/regionbench-$1 t=workloads/traces/gcc-compile.trace.gz
	"$drv" replay "$t" --quick >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ $rc -ne 0 ]; then
		fail "$b/trace-replay" "exit status $rc: $(head -1 "$tmp/err")"
		return
	fi
	zcat "$t" | grep -m 200000 '^[casrd] ' >"$tmp/prefix"
	local ev c a bytes
	ev=$(wc -l <"$tmp/prefix")
	c=$(grep -c '^c ' "$tmp/prefix")
	a=$(grep -c '^a ' "$tmp/prefix")
	bytes=$(awk '$1 == "a" { s += $3 } END { printf "%d", s }' "$tmp/prefix")
	local got="$(summary ops "$tmp/out") $(summary regions "$tmp/out") $(summary allocs "$tmp/out") $(summary bytes_requested "$tmp/out")"
	if [ "$got" != "$ev $c $a $bytes" ]; then
		fail "$b/trace-replay" "ops regions allocs bytes: $got, want $ev $c $a $bytes"
	elif [ "$(summary workload "$tmp/out")" != gcc-compile ]; then
		fail "$b/trace-replay" "workload '$(summary workload "$tmp/out")', want gcc-compile"
	elif ! grep -q '"trace_prefix":1' "$tmp/out"; then
		fail "$b/trace-replay" "the row does not say the trace was replayed in part"
	else
		pass "$b/trace-replay"
	fi
	# 5000 events in 50 regions: every event an op, samples along the way.
	{ echo 'regiontrace 1'; for k in $(seq 0 4999); do
		if [ $((k % 100)) -eq 0 ]; then echo "c $((k / 100))"; else echo "a $((k / 100)) 16"; fi
	done; } >"$tmp/short.trace"
	"$drv" replay "$tmp/short.trace" --series "$tmp/s.csv" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	local samples=$(($(wc -l <"$tmp/s.csv" 2>/dev/null || echo 1) - 1))
	if [ $rc -eq 0 ] && [ "$(summary ops "$tmp/out") $(summary regions "$tmp/out")" = "5000 50" ] &&
		[ "$samples" -gt 100 ]; then
		pass "$b/trace-progress"
	else
		fail "$b/trace-progress" "exit $rc, ops $(summary ops "$tmp/out"), regions $(summary regions "$tmp/out"), $samples samples"
	fi
	# 64 MiB against a 4 MiB pool, where the backend has a pool.
	{ echo 'regiontrace 1'; echo 'c 1'; echo 'c 2'; for k in $(seq 1 64); do echo "a $((1 + k % 2)) 1048576"; done; } >"$tmp/big.trace"
	"$drv" replay "$tmp/big.trace" --limit 4194304 >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if grep -q 'no pool or reservation to cap' "$tmp/err"; then
		echo "SKIP $b/trace-limit: the backend has no pool to cap"
	elif [ $rc -eq 1 ] && grep -q 'limit: ' "$tmp/err" && ! grep -q '^summary' "$tmp/out"; then
		pass "$b/trace-limit"
	else
		fail "$b/trace-limit" "exit $rc, stderr '$(head -1 "$tmp/err")'"
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
	[ -n "$drv1" ] || { fail trace-shipped "no $BIN/regionbench-* program"; return; }
	for f in workloads/traces/*.trace workloads/traces/*.trace.gz; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		checker "$f" >/dev/null 2>"$tmp/err" || { bad="$f: $(head -1 "$tmp/err")"; break; }
		local first
		first=$(zcat -f "$f" | head -1)
		case $first in "# "*) ;; *) bad="$f does not open with a comment"; break ;; esac
	done
	[ $n -ge 3 ] || bad="${bad:-only $n traces in workloads/traces/, want at least 3}"
	[ -z "$bad" ] && pass trace-shipped || fail trace-shipped "$bad"
}

parser_cases
recorder
recorder_usage
if [ -n "$drv1" ]; then
	shipped
	malformed
	check_cmd
fi
for b in $BACKENDS; do
	if [ ! -x "$BIN/regionbench-$b" ]; then
		fail "$b/trace" "$BIN/regionbench-$b is missing"
		continue
	fi
	replay_counts "$b"
	regressions "$b"
done
[ $fails -eq 0 ]
