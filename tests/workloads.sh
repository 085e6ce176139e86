#!/usr/bin/env bash
# workloads.sh: the workloads do the same work on every backend. Each one
# that prints a checksum prints the same one everywhere at --quick
# (capacity, serialize and fork-share print none: design.sh checks them);
# binary-trees prints the Benchmarks Game's published output for depth 10;
# request-server runs 8 threads and reports its lock counts; fragmentation
# stops at a refusal under --limit; syscall-wrappers' three designs get the
# same bytes from the same calls; long-running reaches its plateau under
# retain and refuses to start what MemAvailable cannot hold.
# Prints "PASS backend/case", "FAIL backend/case: why" or "SKIP ...: why".
# Environment: BIN, BACKENDS (from tests/run).
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"

# The Debian interpreter starts in a tenth of the time pyenv's shim takes.
py=/usr/bin/python3; [ -x $py ] || py=python3

# extras FILE KEY...: each KEY's value in the last row's extra column (a
# JSON object, or the older k=v;... form), one a line, "-" when absent.
# Read them with: read -r a b ... < <(extras FILE k1 k2 ... | paste -sd' ')
extras() {
	$py - "$@" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
x = rows[-1]["extra"] if rows else ""
kv = json.loads(x) if x.startswith("{") else dict(p.split("=", 1) for p in x.split(";") if "=" in p)
for k in sys.argv[2:]:
    v = kv.get(k, "-")
    print(json.dumps(v) if isinstance(v, list) else v)
PY
}
# get FILE KEY...: sets the shell variables named KEY from extras.
get() { local f=$1; shift; read -r "$@" < <(extras "$f" "$@" | paste -sd' '); }

# result CASE NAME ARGS...: runs the driver with ARGS into $tmp/NAME.csv and
# $tmp/NAME.out; fails CASE and returns 1 when the run does not succeed.
result() {
	local c=$1 n=$2; shift 2
	rm -f "$tmp/$n.csv"
	if ! "$drv" "$@" --csv "$tmp/$n.csv" >"$tmp/$n.out" 2>"$tmp/$n.err"; then
		fail "$c" "exit $?: $(head -c 300 "$tmp/$n.err")"
		return 1
	fi
}

# The workloads that print a checksum; the rest are checked by design.sh.
first=
for b in $BACKENDS; do [ -x "$BIN/regionbench-$b" ] && { first=$b; break; }; done
[ -n "$first" ] || { echo "SKIP workloads: no driver built in $BIN"; exit 0; }
workloads=$("$BIN/regionbench-$first" list --names | grep -vxE 'capacity|serialize|fork-share')
for w in capacity serialize fork-share; do echo "SKIP all/checksum-$w: prints no checksum (design.sh checks it)"; done

# The Benchmarks Game's binary-trees output for N=10.
trees=$(printf '%s\n' "stretch tree of depth 11	 check: 4095" "1024	 trees of depth 4	 check: 31744" \
	"256	 trees of depth 6	 check: 32512" "64	 trees of depth 8	 check: 32704" \
	"16	 trees of depth 10	 check: 32752" "long lived tree of depth 10	 check: 2047")

declare -A want   # the first backend's checksums, by case
for b in $BACKENDS; do
	drv=$BIN/regionbench-$b
	[ -x "$drv" ] || continue

	# The same checksum as the first backend, for every workload.
	for w in $workloads; do
		args=(run "$w" --quick)
		[ "$w" = binary-trees ] && args=(run "$w" --depth=10)
		result "checksum-$w" "$w" "${args[@]}" || continue
		sum=$(grep -E 'checksum|check:' "$tmp/$w.out")
		if [ -z "$sum" ]; then fail "checksum-$w" "printed no checksum"; continue; fi
		if [ "$b" = "$first" ]; then want[$w]=$sum; pass "checksum-$w"
		elif [ "$sum" = "${want[$w]:-}" ]; then pass "checksum-$w"
		else fail "checksum-$w" "'$sum', $first printed '${want[$w]:-}'"; fi
		if [ "$w" = binary-trees ]; then
			[ "$sum" = "$trees" ] && pass binary-trees-published ||
				fail binary-trees-published "output differs from the published: $(head -c 300 "$tmp/$w.out")"
		fi
	done

	# Eight threads, each with its own regions: the same work everywhere,
	# and the lock counts in the row.
	if result request-server-threads rs run request-server --quick --threads=8; then
		sum=$(grep checksum "$tmp/rs.out")
		get "$tmp/rs.csv" lock_acquisitions lock_contended
		[ "$b" = "$first" ] && want[rs]=$sum
		if [ "$sum" != "${want[rs]}" ]; then fail request-server-threads "'$sum', $first printed '${want[rs]}'"
		elif ! [[ $lock_acquisitions =~ ^[0-9]+$ && $lock_contended =~ ^[0-9]+$ ]] ||
		     [ "$lock_contended" -gt "$lock_acquisitions" ]; then
			fail request-server-threads "lock_acquisitions '$lock_acquisitions', lock_contended '$lock_contended'"
		else pass request-server-threads; fi
	fi

	# fragmentation: without a limit the probe stops at its own cap; with a
	# small pool (or region cap) it stops at a refusal, within the pool.
	if result fragmentation-cap fc run fragmentation --quick; then
		get "$tmp/fc.csv" probe_end
		[ "$probe_end" = cap ] && pass fragmentation-cap || fail fragmentation-cap "probe_end '$probe_end', want cap"
	fi
	limit=$((64 << 20))
	[ "$b" = contiguous ] && limit=$((8 << 20))   # a cap on each region: the probe's runs pass it
	"$drv" run fragmentation --quick --limit=$limit --csv "$tmp/fl.csv" >"$tmp/fl.out" 2>"$tmp/fl.err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- --limit "$tmp/fl.err"; then
		skip fragmentation-limit "no pool or reservation to cap"
	elif [ $rc -ne 0 ]; then
		fail fragmentation-limit "exit $rc: $(head -c 300 "$tmp/fl.err")"
	else
		get "$tmp/fl.csv" probe_end bytes_before_refusal first_refused_bytes free_over_time
		got=$bytes_before_refusal ref=$first_refused_bytes run=-
		# The largest free run when the probe stopped: free_over_time's last entry.
		[ "$free_over_time" != - ] && run=$($py -c 'import json, sys; print(json.loads(sys.argv[1])[-1][1])' "$free_over_time")
		if [ "$probe_end" != refused ] || ! [[ $ref =~ ^[0-9]+$ ]]; then
			fail fragmentation-limit "probe_end '$probe_end', first_refused_bytes '$ref' under --limit=$limit"
		elif [ "$b" != contiguous ] && { [ "$got" -gt $limit ] || [ "$got" -lt $((limit / 4)) ]; }; then
			fail fragmentation-limit "bytes_before_refusal $got, want within the $limit-byte pool"
		elif [ "$run" != - ] && [ "$run" -ge "$ref" ]; then
			fail fragmentation-limit "largest_free_run_bytes $run, yet $ref bytes were refused"
		else pass fragmentation-limit; fi
	fi

	# syscall-wrappers: the same calls return the same bytes whatever the
	# design; each design keeps what it should.
	ok=1
	for w in 0 1 2; do
		result syscall-wrappers sw$w run syscall-wrappers --quick --wrapper=$w || { ok=0; break; }
	done
	for w in 0 1 2; do
		[ $ok = 1 ] || break
		get "$tmp/sw$w.csv" bytes_returned bytes_allocated bytes_kept calls inputs_digest checksum
		ret=$bytes_returned alloc=$bytes_allocated kept=$bytes_kept
		line="$ret $inputs_digest $checksum"
		[ "$b$w" = "${first}0" ] && want[sw]=$line
		if [ "$line" != "${want[sw]}" ]; then
			fail syscall-wrappers "wrapper $w: bytes_returned, digest, checksum '$line', $first shrink gave '${want[sw]}'"; ok=0
		elif ! [[ $ret =~ ^[0-9]+$ ]] || [ "$ret" -eq 0 ]; then fail syscall-wrappers "wrapper $w returned no bytes"; ok=0
		elif [ $w = 0 ] && { [ "$kept" -lt "$ret" ] || [ "$kept" -gt $((ret + calls)) ] || [ "$alloc" -le "$kept" ]; }; then
			fail syscall-wrappers "shrink: allocated $alloc, kept $kept, returned $ret in $calls calls"; ok=0
		elif [ $w = 1 ] && { [ "$alloc" != "$ret" ] || [ "$kept" != "$ret" ]; }; then
			fail syscall-wrappers "copy: allocated $alloc, kept $kept, returned $ret"; ok=0
		elif [ $w = 2 ] && { [ "$alloc" != "$kept" ] || [ "$kept" -le "$ret" ]; }; then
			fail syscall-wrappers "keep: allocated $alloc, kept $kept, returned $ret"; ok=0
		fi
	done
	[ $ok = 1 ] && pass syscall-wrappers

	# long-running under retain: every region spikes in turn in the first
	# two thirds, so the retained footprint is flat over the last quarter.
	if ! "$drv" policies | grep -qx retain; then
		skip long-running-plateau "no retain policy"
	elif grep -qE -- '-DREGION_DEBUG=[1-9]' "$BIN/../FLAGS" 2>/dev/null; then
		skip long-running-plateau "a debug build refills and decommits dead memory, so RSS is not the workload's"
	elif result long-running-plateau lr run long-running --quick --policy retain; then
		get "$tmp/lr.csv" plateau_round cycles_run
		if [[ $plateau_round =~ ^[0-9]+$ ]] && [ "$((4 * plateau_round))" -le "$((3 * cycles_run))" ]; then
			pass long-running-plateau
		else
			fail long-running-plateau "plateau_round '$plateau_round' of $cycles_run cycles, want within the first three quarters"
		fi
	fi
done

# The memory guard: a run that could outgrow the machine does not start.
b=$first drv=$BIN/regionbench-$first
rm -f "$tmp/g.csv"
"$drv" run long-running --regions=100000 --spike_mib=65536 --csv "$tmp/g.csv" >/dev/null 2>"$tmp/g.err"
rc=$?
if [ $rc -ne 0 ] && grep -q MemAvailable "$tmp/g.err" && [ ! -e "$tmp/g.csv" ]; then pass long-running-memory-guard
else fail long-running-memory-guard "exit $rc, $(head -c 300 "$tmp/g.err")"; fi
