"""Capacity and live regions: how far each backend grows before a limit
stops it, in two separate phases of the capacity workload."""
from collections import Counter

from ..results import NOT

TITLE = "Capacity and live regions"


def text_extra(r, key, field):
    """The most common value of a text extra FIELD over KEY's runs."""
    vs = Counter(str(x["_x"][field]) for x in r.g.rows(key) if isinstance(x["_x"].get(field), str))
    return vs.most_common(1)[0][0] if vs else NOT


# What stopped a phase (the workload's phase1_stop, phase2_stop codes).
STOPS = {"ceiling": "the workload's ceiling", "pool": "pool exhausted", "address-space": "address space",
         "region-size": "one region's reservation", "os-memory": "the OS refused memory",
         "library-limit": "the library's limit", "other": "another limit"}


def stop(r, key, phase):
    """What stopped PHASE on KEY's runs, and the call refused at a limit."""
    code = text_extra(r, key, phase + "_stop")
    op = text_extra(r, key, phase + "_stop_op")
    return STOPS.get(code, code) + (f" ({op} refused)" if code not in ("ceiling", NOT) and op != NOT else "")


def write(r):
    keys = r.keys("capacity")
    if not keys:
        return [f"The capacity workload was {NOT}."]
    p = r.g.rows(keys[0])[0]["_p"]
    rows = [(r.label(k), r.cell(k, "extra.max_total_bytes", unit="GiB"), stop(r, k, "phase1"),
             r.cell(k, "extra.first_refused_request_bytes", unit="MiB"),
             r.cell(k, "extra.max_live_regions"), stop(r, k, "phase2"), r.cell(k, "extra.vmas_at_max_regions"),
             r.cell(k, "extra.page_table_before_regions", unit="MiB"),
             r.cell(k, "extra.page_table_at_max_regions", unit="MiB"), r.cell(k, "peak_rss_bytes"))
            for k in keys]
    out = [f"The run has two separate phases. Phase 1 allocates until {p.get('total_gib', '?')} GiB in total, "
           "the workload's own ceiling, or until a limit refuses an allocation (a refused *request size* is not a "
           f"total). Phase 2 creates regions until {p.get('regions', '?')} are alive at once, again the "
           "workload's ceiling, or a limit. A backend that reaches both ceilings reaches them in different "
           "phases, not at the same time. Medians of the runs with their 95% intervals.", "",
           r.table(["backend", "phase 1: total allocated (GiB)", "phase 1 stopped by",
                    "phase 1: first refused request (MiB, one request)", "phase 2: live regions",
                    "phase 2 stopped by", "VMAs at the most live regions",
                    "page tables before phase 2 (MiB, left by phase 1)",
                    "page tables at the most live regions (MiB)", "peak RSS (MiB)"], rows), "",
           "The first refused request is the size of the one allocation a limit refused first; phase 1 then "
           "halves its requests to find the edge, so the total can exceed it.", "",
           r.link("capacity-limits"), ""]
    strat = r.keys("capacity", default_only=True, strategies_only=True)
    for name, what in (("extra.max_total_bytes", "total bytes"), ("extra.max_live_regions", "live regions")):
        c = r.contest(strat, name)
        if c:
            best = c[0]
            out.append(f"On {what}: " + "; ".join(r.says(k, best, name) for k in strat if k != best) + ".")
            out.append("")
    return out
