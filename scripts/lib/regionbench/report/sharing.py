"""Sharing across processes: N processes walking one read-only image."""
from ..results import NOT

TITLE = "Sharing across processes"
KNOWN = ["children", "image_bytes", "image_rss_bytes", "image_pss_bytes", "sharing_ratio", "naive_bytes",
         "process_rss_bytes", "process_pss_bytes", "parent_pss_bytes"]


def write(r):
    keys = r.keys("fork-share")
    if not keys:
        return [f"The fork-share workload was {NOT}."]
    others = r.other_extras(keys, KNOWN)
    rows = [[r.label(k), r.cell(k, "extra.children"), r.cell(k, "extra.image_bytes", unit="MiB"),
             r.cell(k, "extra.image_pss_bytes", unit="MiB"), r.cell(k, "extra.image_rss_bytes", unit="MiB"),
             r.cell(k, "extra.sharing_ratio"), r.cell(k, "extra.naive_bytes", unit="MiB"),
             r.cell(k, "extra.process_pss_bytes", unit="MiB"), r.cell(k, "extra.process_rss_bytes", unit="MiB")]
            + [r.cell(k, n) for n in others] for k in keys]
    out = ["N processes map one read-only image. Over the image's own mapping (per-mapping smaps of every child), "
           "PSS counts each shared page once, split among the processes that map it, and RSS counts it in every "
           "process: RSS / PSS is N when every page is shared by all N. N private copies would hold N x the "
           "image's size. The whole-process totals (smaps_rollup of every child) include shared libraries and "
           "each process's own memory, so they say little about the image. Medians with 95% intervals.",
           "", r.table(["backend (builder)", "processes", "image (MiB)", "image PSS, all processes (MiB)",
                        "image RSS, all processes (MiB)", "image RSS / PSS", "N private copies (MiB)",
                        "whole-process PSS, libraries included (MiB)",
                        "whole-process RSS, libraries included (MiB)"] + [r.head(n) for n in others], rows), "",
           r.link("fork-share-memory"), ""]
    strat = r.keys("fork-share", default_only=True, strategies_only=True)
    c = r.contest(strat, "extra.sharing_ratio")
    if c:
        out += ["Sharing over the image: " + "; ".join(r.says(k, c[0], "extra.sharing_ratio")
                                                        for k in strat if k != c[0]) + ".", ""]
    return out
