"""Syscall wrappers: shrink (allocate the most, give back the rest), copy
(read into scratch, allocate exactly) and keep, on every backend."""
from .. import registry
from ..results import NOT

TITLE = "Syscall wrappers"
DESIGNS = {0: "shrink", 1: "copy", 2: "keep"}
COLUMNS = ["alloc_per_returned", "peak_rss_above_start_bytes", "extra.ns_per_call", "syscalls", "wall_s"]


def write(r):
    keys = r.sweep_keys("syscall-wrappers", "wrapper")
    if not keys:
        return [f"The syscall-wrappers sweep was {NOT}."]
    x = r.sg.rows(keys[0])[0]["_x"]
    out = ["Real read, getdents64 and readlink calls on the machine's own files, each result stored in a region "
           f"({x.get('inputs_files', '?')} files, {x.get('inputs_bytes', '?')} bytes, digest "
           f"{x.get('inputs_digest', '?')}). Medians with 95% intervals.", "",
           r.table(["backend", "design"] + [r.head(c) for c in COLUMNS],
                   [[k[1], DESIGNS.get(int(r.param(k, "wrapper") or 0), "?")] + [r.cell(k, c, r.sg) for c in COLUMNS]
                    for k in keys]), "", r.link("sweep-wrappers"), ""]
    by = {}
    for k in keys:
        by.setdefault(k[1], []).append(k)
    for b, ks in by.items():
        if not registry.is_strategy(b) or len(ks) < 2:
            continue
        name = lambda k: DESIGNS.get(int(r.param(k, "wrapper") or 0), "?")
        parts = []
        for m, what in (("peak_rss_above_start_bytes", "memory"), ("extra.ns_per_call", "time per call")):
            c = r.contest(ks, m, r.sg)
            if c:
                parts.append(f"{what}: " + "; ".join(r.says(k, c[0], m, r.sg, name(k), name(c[0]))
                                                     for k in ks if k != c[0]))
        if parts:
            out.append(f"- {b}: " + "; ".join(parts) + ".")
    return out + [""]
