"""32-bit against 64-bit references: blocks and wide-offsets share one
implementation and differ only in reference width, so their ratio is the
price of wide references."""
from ..results import NOT

TITLE = "32-bit against 64-bit references"


def write(r):
    out = ["blocks (32-bit references) and wide-offsets (64-bit) are built from the same source; peak RSS above "
           "the start leaves out what the process held before the work began (binary, libraries, a parsed "
           "trace). Medians with 95% intervals.", ""]
    rows, said = [], []
    for wl in [w for w in r.g.workloads()]:
        a, b = r.key(wl, "blocks"), r.key(wl, "wide-offsets")
        if not a or not b or wl not in ("binary-trees", "pointer-chase") and not r.g.rows(a)[0]["_p"].get("trace"):
            continue
        mem = "peak_rss_above_start_bytes" if r.g.values(a, "peak_rss_above_start_bytes") else "peak_rss_bytes"
        rows.append((wl, r.cell(a, mem), r.cell(b, mem), r.cell(a, "wall_s"), r.cell(b, "wall_s")))
        said.append(f"- {wl}: {r.says(a, b, mem)}; {r.says(a, b, 'wall_s')}.")
    if not rows:
        return [f"The reference-width comparison (blocks and wide-offsets) was {NOT}."]
    out += [r.table(["workload", "blocks: peak RSS (above start where measured, MiB)", "wide-offsets: the same",
                     "blocks: wall (s)", "wide-offsets: wall (s)"], rows), "", *said, "",
            r.link("binary-trees-peak", "pointer-chase-peak", "sweep-working-set"), ""]
    return out
