"""Speed on every workload: wall time with user and system time beside it
(system time holds the page faults and madvise calls the kernel charges),
each backend under its default policy."""
from ..results import NOT

TITLE = "Speed on every workload"
COLUMNS = ["wall_s", "user_s", "sys_s", "ops_per_s"]


def write(r):
    out = ["Each backend under its default policy: medians with 95% intervals. Page faults and madvise land in "
           "system time, the allocator's own work in user time. A run shorter than 0.1 s is too short to rank "
           "by speed.", ""]
    any_rows = False
    for wl in r.g.workloads():
        keys = r.keys(wl, default_only=True)
        if not keys:
            continue
        any_rows = True
        out += [f"### {wl}", "", r.table(["backend"] + [r.head(c) for c in COLUMNS],
                                         [[r.label(k)] + [r.cell(k, c) for c in COLUMNS] for k in keys]), ""]
        strat = r.keys(wl, default_only=True, strategies_only=True)
        c = r.contest(strat, "wall_s")
        if c:
            out += ["Strategies by wall time: " + "; ".join(r.says(k, c[0], "wall_s") for k in strat if k != c[0])
                    + ".", ""]
        apr, blocks = r.key(wl, "apr"), r.key(wl, "blocks")
        if wl == "binary-trees" and apr and blocks:
            # The program follows the Benchmarks Game's C version with APR pools.
            out += ["Against the APR-pools program binary-trees follows: "
                    + r.says(apr, blocks, "wall_s") + "; " + r.says(apr, blocks, "peak_rss_above_start_bytes")
                    + ".", ""]
    return out if any_rows else [f"Speed was {NOT}."]
