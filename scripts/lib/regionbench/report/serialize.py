"""Serialization: a region's graph written to a file and loaded in a new
process, by copying the region as it is or by tracing and repacking."""
from ..results import NOT
from .capacity import text_extra

TITLE = "Serialization"
KNOWN = ["write_mb_s", "write_warm_mb_s", "load_mb_s", "bytes_on_disk", "region_bytes", "write_s",
         "write_warm_s", "load_s", "check_s", "trace_s"]


def write(r):
    keys = r.keys("serialize")
    if not keys:
        return [f"The serialize workload was {NOT}."]
    others = r.other_extras(keys, KNOWN)
    rows = [[r.label(k), text_extra(r, k, "method"), r.cell(k, "extra.write_mb_s"), r.cell(k, "extra.write_warm_mb_s"),
             text_extra(r, k, "load_path"), r.cell(k, "extra.load_mb_s"),
             r.cell(k, "extra.region_bytes", unit="MiB"), r.cell(k, "extra.bytes_on_disk", unit="MiB"),
             r.cell(k, "extra.trace_s")] + [r.cell(k, n) for n in others] for k in keys]
    out = ["Write speed is what a program pays: tracing (where the backend cannot copy its region as it is) "
           "plus writing the file into page-cache pages the write brings in (first-touch faults included). "
           "Beside it, the same bytes written again over those pages, now resident: the copy rate alone. "
           "Load is a fresh process rebuilding the region: mmap+restore maps the file and copies the span "
           "into an empty region (memcpy); read+relocate reads the image into one allocation and rewrites its "
           "references in place. Medians with 95% intervals.", "",
           r.table(["backend", "method", "write, first time (MB/s)", "write over resident pages (MB/s)",
                    "load path", "load (MB/s)", "in the region (MiB)", "on disk (MiB)",
                    "tracing (s)"] + [r.head(n) for n in others], rows), "", r.link("serialize-speed"), ""]
    strat = r.keys("serialize", default_only=True, strategies_only=True)
    for name in ("extra.write_mb_s", "extra.load_mb_s"):
        c = r.contest(strat, name)
        if c:
            out += [("Write: " if "write" in name else "Load: ")
                    + "; ".join(r.says(k, c[0], name) for k in strat if k != c[0]) + ".", ""]
    return out
