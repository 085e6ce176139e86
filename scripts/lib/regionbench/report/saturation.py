"""Saturation: long-running with growing spikes across more or fewer
long-lived regions (the sweep), and when each backend's footprint stopped
growing (plateau_round, plateau_s of the matrix runs)."""
from .. import registry
from ..results import NOT

TITLE = "Saturation"


def write(r):
    out = []
    keys = r.keys("long-running")
    if keys and any(r.g.values(k, "extra.plateau_round") for k in keys):
        out += ["When the retained footprint reached its plateau (the workload's own detection over the last "
                "quarter of the run; medians):", "",
                r.table(["backend/policy", "plateau round", "plateau at (s)"],
                        [(r.label(k), r.cell(k, "extra.plateau_round"), r.cell(k, "extra.plateau_s"))
                         for k in keys]), ""]
    else:
        out += [f"The plateau of long-running (plateau_round, plateau_s) was {NOT}.", ""]
    regions = sorted({r.param(k, "regions") for k in r.sweep_keys("long-running", "spike_mib")})
    if not regions:
        return out + [f"The saturation sweep (long-running spike size x regions) was {NOT}."]
    out += ["Mean RSS over the run (MiB, medians with 95% intervals) against the spike size, for each number of "
            "long-lived regions; a backend that keeps every region at its largest size grows with both.", ""]
    for n in regions:
        table, lines = r.sweep_table("long-running", "spike_mib", "mean_rss_bytes", fixed={"regions": int(n)},
                                     axis_label="spike MiB")
        out += [f"### {n:g} long-lived regions", "", table, ""]
        top = max(x for ks in lines.values() for x in ks)
        strat = [ks[top] for (b, p), ks in lines.items() if top in ks and registry.is_strategy(b)]
        c = r.contest(strat, "mean_rss_bytes", r.sg)
        if c:
            out += [f"At {top:g} MiB spikes: " + "; ".join(
                r.says(k, c[0], "mean_rss_bytes", r.sg, f"{k[1]}/{k[2]}", f"{c[0][1]}/{c[0][2]}")
                for k in strat if k != c[0]) + ".", ""]
    return out + [r.link("sweep-saturation", "long-running-rss-policies"), ""]
