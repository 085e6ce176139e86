"""Sharing across processes: N processes walking one read-only image."""
from ..results import NOT

TITLE = "Sharing across processes"
KNOWN = ["children", "image_bytes", "total_pss_bytes", "naive_rss_bytes", "parent_pss_bytes"]


def write(r):
    keys = r.keys("fork-share")
    if not keys:
        return [f"The fork-share workload was {NOT}."]
    others = [n for n in r.g.metric_names() if n.startswith("extra.") and n[6:] not in KNOWN
              and any(r.g.values(k, n) for k in keys)]
    rows = [[r.label(k), r.cell(k, "extra.children"), r.cell(k, "extra.image_bytes", unit="MiB"),
             r.cell(k, "extra.total_pss_bytes", unit="MiB"), r.cell(k, "extra.naive_rss_bytes", unit="MiB"),
             r.cell(k, "naive_over_pss")] + [r.cell(k, n) for n in others] for k in keys]
    out = ["Total PSS counts each shared page once, split among the processes that map it; N x RSS is what N "
           "private copies would hold. Whole-process figures include shared libraries; figures of the image's "
           "own mapping, where the workload reports them, are in the further columns. Medians with 95% intervals.",
           "", r.table(["backend (builder)", "processes", "image (MiB)", "total PSS (MiB)", "N x RSS (MiB)",
                        "N x RSS / total PSS"] + [r.head(n) for n in others], rows), "",
           r.link("fork-share-memory"), ""]
    strat = r.keys("fork-share", default_only=True, strategies_only=True)
    c = r.contest(strat, "extra.total_pss_bytes")
    if c:
        out += ["Total PSS: " + "; ".join(r.says(k, c[0], "extra.total_pss_bytes") for k in strat if k != c[0])
                + ".", ""]
    return out
