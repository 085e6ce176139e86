#!/usr/bin/env bash
# design.sh: the design-question workloads at small scale on every backend.
# capacity must stop where the backend's limit is (blocks at its pool, set
# small with --limit; contiguous at its reservation cap when that is below
# the ceiling) and say why; serialize must load in a new process what it
# wrote, and say a system failure as one (exit 3); fork-share's children
# must walk the shared image, shared by both (RSS / PSS of its mapping 2). Each run's
# summary row must carry the workload's extras, and a --thp run must say so.
# Prints "PASS backend/case" or "FAIL backend/case: why" (tests/run counts).
# Environment: BIN, BACKENDS (from tests/run).
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"
# serialize and fork-share fork; at fork jemalloc (not instrumented) takes
# every arena's locks at once, past the 64 that ThreadSanitizer's deadlock
# detector can track, which stops the process. Races are still reported.
[[ ${SANITIZE:-} == *thread* ]] && export TSAN_OPTIONS="detect_deadlocks=0 ${TSAN_OPTIONS:-}"

# extra FILE KEY: the value of KEY in the last row's extra column (JSON).
extra() {
	python3 - "$1" "$2" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(json.loads(rows[-1]["extra"]).get(sys.argv[2], ""))
PY
}

# check CASE COND MESSAGE: one result line.
check() { if eval "$2"; then echo "PASS $b/$1"; else echo "FAIL $b/$1: $3"; fi; }

for b in $BACKENDS; do
	drv=$BIN/regionbench-$b
	[ -x "$drv" ] || continue
	rm -f "$tmp"/*.csv

	# capacity up to 2 GiB and 64 regions: every backend reaches both.
	"$drv" run capacity --total_gib=2 --regions=64 --chunk_mib=256 --csv "$tmp/c.csv" >"$tmp/out" 2>&1
	rc=$?
	check capacity-ceiling '[ $rc -eq 0 ] && [ "$(extra "$tmp/c.csv" max_live_regions)" = 64 ] && [ "$(extra "$tmp/c.csv" max_total_bytes)" = $((2 << 30)) ]' \
		"exit $rc, extras: $(tail -c 400 "$tmp/c.csv" 2>/dev/null)"

	# With a 1 GiB pool, a shared-pool backend must stop at the pool.
	case $b in blocks | blocks-gs | wide-offsets)
		"$drv" run capacity --total_gib=2 --regions=64 --chunk_mib=256 --limit=$((1 << 30)) --csv "$tmp/l.csv" >"$tmp/out" 2>&1
		rc=$? max=$(extra "$tmp/l.csv" max_total_bytes) why=$(extra "$tmp/l.csv" phase1_stop)
		check capacity-pool '[ $rc -eq 0 ] && [ "${max:-0}" -le $((1 << 30)) ] && [ "${max:-0}" -gt $((768 << 20)) ] && [ "$why" = pool ]' \
			"exit $rc, max_total_bytes=$max, phase1_stop=$why"
	esac

	# Per-region reservations run out of address space near 4094 (fewer
	# under a sanitizer, whose shadow takes address space too: about 109
	# fit under ThreadSanitizer).
	least=1000
	[[ ${SANITIZE:-} == *thread* ]] && least=50
	if [ "$b" = contiguous ]; then
		"$drv" run capacity --total_gib=1 --regions=8192 --chunk_mib=256 --csv "$tmp/r.csv" >"$tmp/out" 2>&1
		rc=$? max=$(extra "$tmp/r.csv" max_live_regions) why=$(extra "$tmp/r.csv" phase2_stop)
		check capacity-address-space '[ $rc -eq 0 ] && [ "${max:-0}" -gt $least ] && [ "${max:-0}" -le 4095 ] && [ "$why" = address-space ]' \
			"exit $rc, max_live_regions=$max, phase2_stop=$why"
	fi

	# Huge pages are recorded in the row (thp=1, policy +thp) where the
	# memory comes from the page source, and not claimed where it does not.
	"$drv" run long-running --quick --thp --csv "$tmp/h.csv" >"$tmp/out" 2>&1
	rc=$? row=$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1])))[-1]; print(r["policy"], r["thp"])' "$tmp/h.csv" 2>/dev/null)
	case $b in
	blocks | blocks-gs | contiguous | wide-offsets) want='*"+thp 1"' ;;
	*) want='*[!p]" 0"' ;;
	esac
	check thp-recorded "[ \$rc -eq 0 ] && [[ \$row == $want ]]" "exit $rc, policy and thp: '$row'"

	"$drv" run serialize --quick --csv "$tmp/s.csv" >"$tmp/out" 2>&1
	rc=$? method=$(extra "$tmp/s.csv" method)
	want=trace+repack; [ "$b" = contiguous ] && want=copy
	check serialize '[ $rc -eq 0 ] && [ "$method" = "$want" ] && [ "$(extra "$tmp/s.csv" bytes_on_disk)" -gt 0 ]' \
		"exit $rc, method '$method' (want $want): $(tail -3 "$tmp/out")"

	# A system failure (no directory for the file) is exit 3, said as such.
	TMPDIR=/nonexistent/dir "$drv" run serialize --nodes=1000 >"$tmp/out" 2>&1
	rc=$?
	check serialize-system-error '[ $rc -eq 3 ] && grep -q "system error: making a temporary file" "$tmp/out"' \
		"exit $rc: $(tail -1 "$tmp/out")"

	"$drv" run fork-share --quick --children=2 --csv "$tmp/f.csv" >"$tmp/out" 2>&1
	# Two processes map every page of the image: RSS / PSS over its mapping is 2.
	rc=$? pss=$(extra "$tmp/f.csv" image_pss_bytes) ratio=$(extra "$tmp/f.csv" sharing_ratio)
	check fork-share '[ $rc -eq 0 ] && [ "${pss:-0}" -gt 0 ] && awk -v r="${ratio:-0}" "BEGIN { exit !(r > 1.9 && r <= 2.0) }"' \
		"exit $rc, image_pss_bytes=$pss sharing_ratio=$ratio: $(tail -3 "$tmp/out")"
done
