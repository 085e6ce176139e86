#!/usr/bin/env bash
# gs-decode.sh: on blocks-gs, an access through a reference is one
# instruction. In the normal (unsanitized) build, each of
# tests/test-decode.c's accessor probes must disassemble to exactly one
# %gs:-prefixed instruction with the reference as a scaled index
# (%gs:off(,%reg,8)) and to no more instructions than its raw-pointer twin.
# Sanitized builds are exempt (SKIP): sanitizers instrument every access.
# Prints "PASS blocks-gs/gs-decode-OP", "FAIL ...: why" or "SKIP ...: why".
# Environment: BIN, BACKENDS, SANITIZE (from tests/run).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
BACKENDS=${BACKENDS:-blocks-gs}
exe=$BIN/test-decode-blocks-gs

skip() { echo "SKIP blocks-gs/gs-decode: $1"; exit 0; }
case " $BACKENDS " in *" blocks-gs "*) ;; *) skip "blocks-gs is not among BACKENDS" ;; esac
[ -z "${SANITIZE:-}" ] || skip "sanitized build (SANITIZE=$SANITIZE): its accesses are instrumented, only the plain build is counted"
[ "$(uname -m)" = x86_64 ] || skip "blocks-gs is x86-64 only"
[ -x "$exe" ] || { echo "FAIL blocks-gs/gs-decode: $exe is missing (make test builds it)"; exit 0; }

asm=$(SYMBOLS='decode_probe_[a-z0-9_]+' scripts/decode-asm "$exe") \
	|| { echo "FAIL blocks-gs/gs-decode: scripts/decode-asm $exe failed"; exit 0; }
# body NAME: the instructions of function NAME, without its ret.
body() { awk -v f="<$1>:" '$2 == f { on = 1; next } on && /^$/ { exit } on && $1 != "ret" && $1 != "retq"' <<<"$asm"; }
for op in load32 load64 store32 store64; do
	mine=$(body "decode_probe_$op") raw=$(body "decode_probe_${op}_raw")
	n=$(grep -c . <<<"$mine") nraw=$(grep -c . <<<"$raw")
	gs=$(grep -c '%gs:' <<<"$mine")
	scaled=$(grep -cE '%gs:(0x[0-9a-f]+)?\(,%[a-z0-9]+,8\)' <<<"$mine")
	if [ "$nraw" -eq 0 ]; then
		echo "FAIL blocks-gs/gs-decode-$op: decode_probe_${op}_raw not found in $exe"
	elif [ "$gs" -eq 1 ] && [ "$scaled" -eq 1 ] && [ "$n" -le "$nraw" ]; then
		echo "PASS blocks-gs/gs-decode-$op"
	else
		echo "FAIL blocks-gs/gs-decode-$op: want one %gs:off(,%reg,8) instruction and at most $nraw" \
			"instructions (the raw pointer's), found $gs %gs: ($scaled scaled) in $n:" $mine
	fi
done
