"""Sensitivity: the live-region count (capacity --regions) on RSS and page
tables, the pointer-chase working set from in-cache to past 1 GiB, and
object size on the allocation path (microbenchmarks)."""
import re

from ..metrics import sig
from ..results import NOT

TITLE = "Sensitivity"


def write(r):
    out = ["### Live regions", ""]
    t1, _ = r.sweep_table("capacity", "regions", "extra.page_table_at_max_regions", unit="MiB",
                          axis_label="live regions")
    t2, _ = r.sweep_table("capacity", "regions", "peak_rss_bytes", axis_label="live regions")
    if t1:
        out += ["Page tables at the most live regions (MiB; not part of RSS):", "", t1, "",
                "Peak RSS (MiB):", "", t2, "", r.link("sweep-live-regions"), ""]
    else:
        out += [f"The live-region sweep (capacity --regions) was {NOT}.", ""]
    out += ["### Working set", ""]
    walk = "extra.walk_ns_per_step" if any(r.sg.values(k, "extra.walk_ns_per_step")
                                           for k in r.sweep_keys("pointer-chase", "nodes")) else "ns_per_op"
    t1, lines = r.sweep_table("pointer-chase", "nodes", walk, axis_label="nodes")
    if t1:
        t2, _ = r.sweep_table("pointer-chase", "nodes", "peak_rss_bytes", axis_label="nodes")
        what = "ns per walk step" if walk != "ns_per_op" else "ns per op, building and walking together"
        out += [f"pointer-chase, {what}:", "", t1, "", "Peak RSS (MiB):", "", t2, ""]
        top = max(x for ks in lines.values() for x in ks)
        a, b = lines.get(("blocks", "")) or {}, {}
        pick = {bk: ks for (bk, _), ks in lines.items()}
        a, b = pick.get("blocks", {}).get(top), pick.get("wide-offsets", {}).get(top)
        if a and b:
            out += [f"At {top:g} nodes, 32-bit against 64-bit references: {r.says(a, b, walk, r.sg, 'blocks', 'wide-offsets')}; "
                    f"{r.says(a, b, 'peak_rss_bytes', r.sg, 'blocks', 'wide-offsets')}.", ""]
        out += [r.link("sweep-working-set"), ""]
    else:
        out += [f"The working-set sweep (pointer-chase --nodes) was {NOT}.", ""]
    out += ["### Object size", ""]
    rows = {}
    for row in r.run.micro_rows():
        m = re.match(r"alloc/(\d+)$", row["name"])
        if m and row.get("median_ns"):
            size, ns = int(m.group(1)), float(row["median_ns"])
            mine = rows.setdefault(row["backend"], {})
            mine[size] = min(ns, mine.get(size, ns))     # the backend's fastest policy
    sizes = sorted({s for v in rows.values() for s in v})
    if len(sizes) > 1:
        out += ["ns per region_alloc by object size (microbenchmark medians, each backend's fastest policy run):",
                "", r.table(["backend; columns: bytes"] + [str(s) for s in sizes],
                            [[b] + [sig(v.get(s)) if s in v else "—" for s in sizes] for b, v in rows.items()]), ""]
    else:
        out += [f"The object-size sweep (alloc/<size> microbenchmarks) was {NOT}.", ""]
    return out
