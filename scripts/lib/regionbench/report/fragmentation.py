"""Fragmentation: after churn, free memory that large requests cannot use."""
from ..results import NOT

TITLE = "Fragmentation"
FIELDS = [("free_bytes", "MiB"), ("largest_free_run_bytes", "MiB"), ("usable_free_bytes_16", "MiB"),
          ("usable_free_bytes_256", "MiB"), ("usable_free_bytes_4096", "MiB"), ("tail_waste_bytes", "MiB"),
          ("bytes_before_refusal", "MiB"), ("first_refused_bytes", "MiB")]


def write(r):
    keys = r.keys("fragmentation")
    if not keys:
        return [f"The fragmentation workload was {NOT}."]
    out = ["Small regions mixed with large allocations, the small ones freed in random order, then runs of "
           "growing size until one is refused. Usable free bytes for runs of N blocks count only free runs of "
           "at least N blocks. Medians with 95% intervals (MiB).", "",
           r.table(["backend"] + [f.replace("_", " ") for f, _ in FIELDS],
                   [[r.label(k)] + [r.cell(k, "extra." + f, unit=u) for f, u in FIELDS] for k in keys]), "",
           r.link("fragmentation-rss", "fragmentation-peak"), ""]
    strat = r.keys("fragmentation", default_only=True, strategies_only=True)
    c = r.contest(strat, "extra.bytes_before_refusal")
    if c:
        out += ["Bytes reached before the first refusal: "
                + "; ".join(r.says(k, c[0], "extra.bytes_before_refusal") for k in strat if k != c[0]) + ".", ""]
    return out
