"""Traces: the shipped recordings of real programs replayed on every backend
(the svn-* pool programs have their own section)."""
from ..results import NOT

TITLE = "Traces"
COLUMNS = ["minor_faults", "madvise_calls", "peak_rss_bytes", "peak_rss_above_start_bytes", "final_rss_bytes",
           "wall_s", "user_s", "sys_s"]


def trace_workloads(r, svn=False):
    """Workloads of the run that are replayed traces (svn-* ones when SVN)."""
    return [w for w in r.g.workloads()
            if any(x["_p"].get("trace") for k in r.g.of(w) for x in r.g.rows(k))
            and w.startswith("svn-") == svn]


def write(r):
    names = trace_workloads(r)
    if not names:
        return [f"No trace was replayed in this run ({NOT})."]
    out = ["Each trace replayed on every backend: page faults and madvise calls show what the strategy asks of "
           "the kernel, peak RSS above the start leaves out the parsed trace, final RSS is what stays after every "
           "region is gone. Medians with 95% intervals."]
    quick = {x["_p"].get("quick") for w in names for k in r.g.of(w) for x in r.g.rows(k)}
    if "1" in quick or r.run.envget("quick") == "yes":
        out.append("In a QUICK run the traces replay only a prefix.")
    out.append("")
    for w in names:
        keys = r.keys(w)
        out += [f"### {w}", "", r.table(["backend"] + [r.head(c) for c in COLUMNS],
                                        [[r.label(k)] + [r.cell(k, c) for c in COLUMNS] for k in keys]), "",
                r.link(f"{w}-rss", f"{w}-peak"), ""]
        base = r.key(w, "blocks") or (keys[0] if keys else None)
        strat = [k for k in r.keys(w, default_only=True, strategies_only=True) if k != base]
        if base and strat:
            out += [f"Against {r.label(base)}:", ""]
            for k in strat:
                out.append(f"- {r.says(base, k, 'minor_faults')}; {r.says(base, k, 'madvise_calls')}; "
                           f"{r.says(base, k, 'peak_rss_bytes')}; {r.says(base, k, 'wall_s')}.")
            out.append("")
    return out
