"""Policies: memory and time side by side for the workloads run under every
reclaim policy (long-running, request-server), so that a policy that holds
little memory by running many times slower reads as what it is."""
from .. import registry
from ..results import NOT

TITLE = "Policies: memory and time side by side"
COLUMNS = ["peak_rss_bytes", "mean_rss_bytes", "final_rss_bytes", "wall_s", "ops_per_s", "user_s", "sys_s",
           "syscalls", "minor_faults"]


def workload(r, wl):
    keys = r.keys(wl)
    if not keys:
        return [f"{wl} was {NOT}.", ""]
    out = [r.table(["backend/policy"] + [r.head(c) for c in COLUMNS],
                   [[r.label(k)] + [r.cell(k, c) for c in COLUMNS] for k in keys]), "",
           r.link(f"{wl}-rss-policies", f"{wl}-rss", f"{wl}-peak", f"{wl}-throughput"), ""]
    by = {}
    for k in keys:
        if not k[2].endswith("+thp"):     # huge pages are a knob beside the policies, not one of them
            by.setdefault(k[1], []).append(k)
    said = []
    for b, ks in by.items():
        if len(ks) < 2:
            continue
        c = r.contest(ks, "mean_rss_bytes")
        if not c:
            continue
        best, default = c[0], ks[0]
        if best == default:
            said.append(f"- {b}: its default policy, {default[2]}, has the lowest median mean RSS of its "
                        f"policies; " + "; ".join(r.says(k, best, "mean_rss_bytes") for k in ks if k != best)
                        + ".")
        else:
            said.append(f"- {b}: {best[2]} has the lowest median mean RSS. Against its default policy, "
                        f"{default[2]}: {r.says(default, best, 'mean_rss_bytes')}; in time, "
                        f"{r.says(default, best, 'wall_s')}.")
    if said:
        out += ["Within each backend, the policy that holds the least memory, and what it costs in time:", ""]
        out += said + [""]
    strat = [k for k in r.keys(wl, default_only=True, strategies_only=True)]
    if len(strat) >= 2:
        base = strat[0]
        out += ["Between the strategies under their default policies: "
                + "; ".join(f"{r.says(base, k, 'mean_rss_bytes')}, and {r.says(base, k, 'wall_s')}"
                            for k in strat[1:]) + ".", ""]
    return out


def defaults(r, wls):
    """Each strategy's default policy against its fastest and its leanest
    policy in this run (medians), per workload run under every policy."""
    rows = []
    for wl in wls:
        by = {}
        for k in r.keys(wl, strategies_only=True):
            if not k[2].endswith("+thp"):
                by.setdefault(k[1], []).append(k)
        for b, ks in by.items():
            if len(ks) < 2:
                continue
            cols = []
            for name in ("wall_s", "mean_rss_bytes"):
                have = [(r.median(k, name), k) for k in ks if r.median(k, name) is not None]
                if not have or not min(have)[0] or r.median(ks[0], name) is None:
                    cols += [NOT, ""]
                    continue
                lo, best = min(have)
                cols += [f"{r.median(ks[0], name) / lo:.2f}", best[2]]
            rows.append([wl, b, ks[0][2]] + cols)
    if not rows:
        return []
    return ["Each strategy's default policy against the best of its policies in this run: its median wall time "
            "over the fastest policy's, its median mean RSS over the leanest policy's (1.00: the default is "
            "the best). Why each default was chosen, from a sweep over every workload: docs/policies.md.", "",
            r.table(["workload", "strategy", "default", "time x fastest", "fastest", "mean RSS x leanest",
                     "leanest"], rows), ""]


def write(r):
    out = ["Every policy of every backend, with the time it took next to the memory it held: medians with 95% "
           "intervals (MiB, s). Mean RSS is weighted by time over the run; a +thp row asked for transparent "
           "huge pages. Strategies: " + ", ".join(registry.strategies("bench")) + ".", ""]
    wls = ("long-running", "request-server")
    out += defaults(r, wls)
    for wl in wls:
        out += [f"### {wl}", ""] + workload(r, wl)
    return out
