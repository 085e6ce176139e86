"""GS segment vs RIP-relative decode, from the run's microbenchmark pass
(micro/): decode_sum (independent loads through references in a loop: the
base stays in a register), decode_call (one access per non-inlined call: the
base is reloaded every time), and raw pointers as the floor."""
import re

from .. import registry, stats
from ..metrics import ratio_text, sig
from ..results import NOT

TITLE = "GS segment vs RIP-relative decode"
# What decodes each strategy's reference (the strategies come from the
# registry; one added later shows with an empty description).
DECODE = {"blocks": "RIP-relative global base", "blocks-gs": "GS segment base, one instruction",
          "wide-offsets": "RIP-relative base, 64-bit offsets", "contiguous": "the region's own base"}


def families(run):
    """{family: largest N} of decode_sum, decode_call present in micro/."""
    out = {}
    for row in run.micro_rows():
        m = re.match(r"(decode_sum|decode_call)/(\d+)$", row["name"])
        if m:
            out[m.group(1)] = max(out.get(m.group(1), 0), int(m.group(2)))
    return out


def samples(run, backend, name):
    """Repetition times of NAME on BACKEND (the policy with the most), or []."""
    best = []
    for (b, _, n), xs in run.micro_samples().items():
        if b == backend and n == name and len(xs) > len(best):
            best = xs
    return best


def median_of(run, backend, name):
    for row in run.micro_rows():
        if row.get("backend") == backend and row["name"] == name and row.get("median_ns"):
            return float(row["median_ns"])
    return None


def verdict(r, a, b, what):
    v = stats.decide(a, b, "lower")
    r.note(what, v.reason)
    return v


def clause(v, la, lb):
    rt = f"{lb} / {la} = {ratio_text(v.ratio)}"
    if v.reason == "decided":
        return f"{lb} {'faster' if v.outcome == 'better' else 'slower'} than {la} ({rt}, p = {v.p:.3f})"
    return f"{stats.REASON_TEXT[v.reason]} between {lb} and {la} ({rt})"


def headline(r):
    """The answer table's cell: blocks-gs against blocks on decode_sum."""
    n = families(r.run).get("decode_sum")
    if not n:
        return None
    a, b = samples(r.run, "blocks", f"decode_sum/{n}"), samples(r.run, "blocks-gs", f"decode_sum/{n}")
    if not a or not b:
        ma, mb = median_of(r.run, "blocks", f"decode_sum/{n}"), median_of(r.run, "blocks-gs", f"decode_sum/{n}")
        if ma and mb:
            return (f"too few runs to decide (decode_sum/{n}: blocks-gs / blocks = {sig(mb / ma)} from the "
                    "medians; micro/ has no repetitions to test)")
        return None
    v = verdict(r, a, b, ("decode", "blocks", "blocks-gs", f"decode_sum/{n}"))
    if v.reason == "decided":
        win = "blocks-gs (GS)" if v.outcome == "better" else "blocks (RIP-relative)"
        return f"**{win}** is faster (decode_sum/{n}: blocks-gs / blocks = {ratio_text(v.ratio)}, p = {v.p:.3f})"
    return f"{stats.REASON_TEXT[v.reason]} (decode_sum/{n}: blocks-gs / blocks = {ratio_text(v.ratio)})"


def write(r):
    run = r.run
    fam = families(run)
    if not fam:
        return [f"The decode microbenchmarks were {NOT} (the bench's microbenchmark pass writes micro/; it is "
                "skipped with WORKLOADS set unless MICRO=1)."]
    instr = run.micro_instructions()
    out = ["Medians of the repetitions of each microbenchmark (ns per iteration as Google Benchmark reports it), "
           "the ratio to blocks with its 95% interval and the verdict by the rule, and instructions per "
           "operation counted by callgrind where the run has them.", ""]
    for f, n in sorted(fam.items()):
        name = f"{f}/{n}"
        base = samples(run, "blocks", name)
        rows = []
        for b in registry.strategies():
            what = DECODE.get(b, "")
            xs = samples(run, b, name)
            med = median_of(run, b, name) or (stats.summarize(xs).median if xs else None)
            if med is None:
                continue
            v = verdict(r, base, xs, ("decode", "blocks", b, name)) if base and xs and b != "blocks" else None
            rows.append((b, what, sig(med), ratio_text(v.ratio) if v else "1", clause(v, "blocks", b) if v else "—",
                         sig(instr.get((b, name))) if instr.get((b, name)) is not None else "—"))
        raw_name = f"{f}_raw/{n}"
        raw = samples(run, "blocks", raw_name)
        if raw:
            v = verdict(r, base, raw, ("decode", "blocks", "raw", name)) if base else None
            ins = instr.get(("blocks", raw_name))
            rows.append(("raw pointers", "no decode (the floor)", sig(stats.summarize(raw).median),
                         ratio_text(v.ratio) if v else "—", clause(v, "blocks", "raw pointers") if v else "—",
                         sig(ins) if ins is not None else "—"))
        out += [f"### {name}", "", r.table(["backend", "decode", "median (ns)", "ratio to blocks", "verdict",
                                            "instructions per op"], rows), ""]
        ib, ig = instr.get(("blocks", name)), instr.get(("blocks-gs", name))
        if ib is not None and ig is not None:
            saves = ("the base load that GS saves." if ib - ig >= 0.5
                     else "the base stays in a register, so GS saves nothing here.")
            out += [f"Counted exactly by callgrind, blocks runs {sig(ib - ig)} more instruction(s) per read than "
                    f"blocks-gs: {saves} Timings on a shared machine may not resolve one instruction.", ""]
    out += ["Which case a runtime's code resembles: code a compiler generates for a loop over a heap (a JIT's "
            "compiled loop, an inlined field access) keeps the heap base in a register, as in decode_sum, where "
            "RIP-relative and GS both cost one instruction per access. The two instructions of docs/question.md appear where "
            "the base cannot stay in a register: accesses spread across calls, such as hand-written runtime "
            "functions and syscall wrappers in C that each touch a few fields, as in decode_call.", ""]
    out += asm_section(run)
    return out


def functions(text):
    """{backend: {function: [instruction lines]}} from scripts/decode-asm's
    output ("== backend (exe)", then "ADDR <name>:" blocks)."""
    out, b, f = {}, None, None
    for line in (text or "").splitlines():
        m = re.match(r"== (\S+)", line)
        if m:
            b, f = m.group(1), None
            out[b] = {}
            continue
        m = re.match(r"[0-9a-f]+ <([^>.]+)[^>]*>:$", line)
        if m and b:
            f = m.group(1)
            out[b][f] = []
        elif f and line.strip():
            out[b][f].append(line.strip())
    return out


def listing(fns, names):
    """A code block: for each backend, each of NAMES it has."""
    lines = []
    for b, fs in fns.items():
        for name in names:
            if name in fs:
                lines += [f"{b}: {name}"] + ["    " + i for i in fs[name]]
    return ["```", *lines, "```", ""] if lines else []


def listing_with_raw(fns, name):
    """listing() of NAME for every backend, then of NAME_raw once: the raw
    pointer twin is the same code in every executable."""
    return listing(fns, [name]) + listing({"raw pointer": next(iter(fns.values()))}, [name + "_raw"])


def asm_section(run):
    """The instructions behind the figures: x86-64 from the microbench
    executables, aarch64 from the cross-built probes, when micro/ has them."""
    out = []
    x86 = functions(run.micro_text("decode-asm.txt"))
    if x86:
        out += ["What the decode compiles to (objdump -d of this run's microbench executables, "
                "micro/decode-asm.txt has every function). One access per call, as in decode_call "
                "(mb_decode_one; the first instruction loads the reference, the last returns): blocks-gs "
                "makes the access one %gs: instruction with the reference as scaled index, blocks first "
                "loads the RIP-relative base. In decode_sum's loop (mb_decode_sum) that base load is hoisted "
                "out of the loop, so the loop bodies are alike.", ""]
        out += listing_with_raw(x86, "mb_decode_one")
    a64 = functions(run.micro_text("decode-asm-aarch64.txt"))
    if a64:
        out += ["### aarch64", "",
                "The same C code cross-built for aarch64 (make decode-asm-aarch64: tests/test-decode.c's "
                "decode_probe_load32, objdump of the cross-built binary; make test ARCH=aarch64 runs the "
                "conformance suite under qemu-user). There is no segment register: the global base takes an "
                "adrp/ldr pair, then the scaled reference is added and the field loaded. These are instruction "
                "sequences only: under qemu-user every instruction is translated and emulated, so timings "
                "there say nothing about an ARM machine and none are reported.", ""]
        out += listing_with_raw(a64, "decode_probe_load32")
    elif x86:
        out += ["The aarch64 instruction sequences were not recorded (make microbench records them when "
                "gcc-aarch64-linux-gnu is installed: scripts/deps aarch64).", ""]
    return out
