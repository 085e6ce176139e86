"""What each metric is: its label, unit, which direction is better, whether
it is a speed (too-short runs give no speed verdict), and how to read it
from a summary row. Formatting of values and ratios for reports."""
import math
from collections import namedtuple

from .results import num

MIB = 1048576.0
GIB = 1073741824.0

# name, label, unit (bytes, s, ops/s, faults, calls, ...), better (lower or
# higher), speed (a timing, judged only on runs of 0.1 s and longer),
# derived (computed from other figures for the report and the sweep plots,
# not written to stats.csv).
Metric = namedtuple("Metric", "name label unit better speed derived", defaults=(False,))

METRICS = [
    Metric("wall_s", "wall time", "s", "lower", True),
    Metric("ops_per_s", "throughput", "ops/s", "higher", True),
    Metric("user_s", "user time", "s", "lower", True),
    Metric("sys_s", "system time", "s", "lower", True),
    Metric("peak_rss_bytes", "peak RSS", "bytes", "lower", False),
    Metric("peak_rss_above_start_bytes", "peak RSS above start", "bytes", "lower", False),
    Metric("final_rss_bytes", "final RSS", "bytes", "lower", False),
    Metric("mean_rss_bytes", "mean RSS over the run", "bytes", "lower", False),
    Metric("start_rss_bytes", "RSS at the start of the work", "bytes", "lower", False),
    Metric("peak_rss_sampled_bytes", "largest sampled RSS", "bytes", "lower", False),
    Metric("minor_faults", "minor page faults", "faults", "lower", False),
    Metric("page_table_bytes", "page tables at the end", "bytes", "lower", False),
    Metric("peak_page_table_bytes", "peak page tables", "bytes", "lower", False),
    Metric("madvise_calls", "madvise calls", "calls", "lower", False),
    Metric("mmap_calls", "mmap calls", "calls", "lower", False),
    Metric("munmap_calls", "munmap calls", "calls", "lower", False),
    Metric("ops_per_thread", "throughput per thread", "ops/s", "higher", True, True),
    Metric("ns_per_op", "time per op", "ns", "lower", True, True),
    Metric("alloc_per_returned", "bytes allocated per byte returned", "", "lower", False, True),
    Metric("lock_contended_share", "share of lock acquisitions that waited", "", "lower", False, True),
    Metric("syscalls", "mmap+munmap+madvise+mprotect calls", "calls", "lower", False, True),
]
CORE = [m for m in METRICS if not m.derived]
BY_NAME = {m.name: m for m in METRICS}

# Extra fields whose better direction is known; other numeric extras are
# kept in stats.csv with direction "lower" only when named *_bytes/_ns/_s.
HIGHER_EXTRAS = ("max_total_bytes", "max_live_regions", "write_mb_s", "write_warm_mb_s", "load_mb_s",
                 "parse_events_per_s", "largest_free_run_bytes", "bytes_before_refusal",
                 "usable_free_bytes_16", "usable_free_bytes_256", "usable_free_bytes_4096",
                 "sharing_ratio", "share_ratio")


# Labels of extra fields whose name does not read well as it is.
EXTRA_LABELS = {
    "max_total_bytes": "total allocated", "max_live_regions": "live regions", "write_mb_s": "write speed",
    "load_mb_s": "load speed", "write_warm_mb_s": "write speed over resident pages",
    "image_pss_bytes": "Pss of the image's mapping", "image_rss_bytes": "Rss of the image's mapping",
    "sharing_ratio": "image Rss / Pss (N is perfect)", "naive_bytes": "N private copies",
    "process_pss_bytes": "whole-process Pss (libraries included)",
    "process_rss_bytes": "whole-process Rss (libraries included)",
    "first_refused_request_bytes": "first refused request (one request's size)",
    "page_table_before_regions": "page tables before phase 2",
    "walk_ns_per_step": "time per walk step", "build_ns_per_node": "time per node built",
    "ns_per_call": "time per call", "bytes_before_refusal": "bytes before the first refusal",
    "page_table_at_max_regions": "page tables at the most live regions", "plateau_round": "plateau round",
}


def metric(name):
    """The Metric called NAME: a core one, or extra.<field> of the extra column."""
    if name in BY_NAME:
        return BY_NAME[name]
    field = name[len("extra."):] if name.startswith("extra.") else name
    unit = ("bytes" if field.endswith("bytes") else "MB/s" if field.endswith("mb_s")
            else "ns" if field.endswith("_ns") or "_ns_" in field or field.startswith("ns_")
            else "s" if field.endswith("_s") else "")
    better = "higher" if field in HIGHER_EXTRAS or field.endswith("_per_s") else "lower"
    speed = unit in ("ns", "s", "MB/s") or field.endswith("_per_s")
    return Metric(name, EXTRA_LABELS.get(field, field.replace("_", " ")), unit, better, speed)


def series_mean(samples, column="rss_bytes"):
    """The time-weighted mean of COLUMN over a series (by wall_s; the plain
    mean when the series has no times), or None."""
    pts = [(s.get("wall_s"), s.get(column)) for s in samples if s.get(column) is not None]
    if not pts:
        return None
    if len(pts) > 1 and all(t is not None for t, _ in pts) and pts[-1][0] > pts[0][0]:
        area = sum((t1 - t0) * (v0 + v1) / 2 for (t0, v0), (t1, v1) in zip(pts, pts[1:]))
        return area / (pts[-1][0] - pts[0][0])
    return sum(v for _, v in pts) / len(pts)


def value(run, row, name):
    """ROW's value of metric NAME as a float, or None when not measured.
    RUN (a RunDir) supplies the series for mean_rss_bytes."""
    if name == "mean_rss_bytes":
        return series_mean(run.series(row)) if run is not None else None
    if name == "peak_rss_above_start_bytes":
        peak, start = num(row.get("peak_rss_bytes")), num(row.get("start_rss_bytes"))
        return peak - start if peak is not None and start is not None else None
    if name == "ops_per_thread":
        ops, t = num(row.get("ops_per_s")), num(row["_p"].get("threads"))
        return ops / t if ops is not None and t else None
    if name == "ns_per_op":
        ops = num(row.get("ops_per_s"))
        return 1e9 / ops if ops else None
    if name == "alloc_per_returned":
        a, b = num(row["_x"].get("bytes_allocated")), num(row["_x"].get("bytes_returned"))
        return a / b if a is not None and b else None
    if name == "lock_contended_share":
        a, b = num(row["_x"].get("lock_contended")), num(row["_x"].get("lock_acquisitions"))
        return a / b if a is not None and b else None
    if name == "syscalls":
        calls = [num(row.get(c)) for c in ("mmap_calls", "munmap_calls", "madvise_calls", "mprotect_calls")]
        return None if any(c is None for c in calls) else sum(calls)
    if name.startswith("extra."):
        v = row["_x"].get(name[len("extra."):])
        return num(v) if not isinstance(v, (list, dict, str)) else None
    return num(row.get(name))


def numeric_extras(rows):
    """Names extra.<field> of every numeric scalar extra field in ROWS, in
    first-seen order."""
    seen = {}
    for r in rows:
        for k, v in r["_x"].items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                seen.setdefault("extra." + k, None)
    return list(seen)


# ---- formatting -------------------------------------------------------------

def sig(v, digits=3, whole=True):
    """V with DIGITS significant digits, thousands separated, no exponent
    for everyday magnitudes; WHOLE: a whole number prints as one (8,192)."""
    if v is None:
        return "—"
    if v == 0:
        return "0"
    if whole and float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    a = abs(v)
    if a >= 10 ** digits:
        return f"{v:,.0f}"
    if a < 1e-3:
        return f"{v:.{digits - 1}e}"
    decimals = max(0, digits - 1 - math.floor(math.log10(a)))
    return f"{v:,.{decimals}f}"


def human(v, unit):
    """A value in its unit for a sentence: bytes as MiB (GiB from 1 GiB)."""
    if v is None:
        return "—"
    if unit == "bytes":
        return sig(v / GIB) + " GiB" if abs(v) >= GIB else sig(v / MIB) + " MiB"
    if unit == "s":
        return sig(v) + " s"
    return sig(v) + (" " + unit if unit else "")


SCALE = {"bytes": MIB, "MiB": MIB, "GiB": GIB, "KiB": 1024.0, "%": 0.01}


def in_unit(v, unit):
    """V (bytes, seconds, ...) in a table column's unit: bytes as MiB, or
    GiB, KiB or % where the column asks for them."""
    if v is None:
        return "—"
    return sig(v / SCALE.get(unit, 1.0))


def table_unit(unit):
    return "MiB" if unit == "bytes" else unit


def ratio_text(r):
    """A ratio with its 95% interval: 0.62 [0.58, 0.66]."""
    if r is None or r.value is None:
        return "—"
    f = lambda x: sig(x, whole=False)
    if r.low is None:
        return f"{f(r.value)} (no interval: {r.why})"
    return f"{f(r.value)} [{f(r.low)}, {f(r.high)}]"
