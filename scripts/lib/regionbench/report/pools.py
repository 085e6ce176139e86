"""Real pool programs: the svn-* traces, recordings of Subversion's APR pools,
profiled (scripts/trace-profile) and replayed on every strategy against the
apr backend, the allocator these programs actually use."""
import csv
import io
import os
import subprocess

from .. import ROOT, run
from ..results import NOT
from .traces import trace_workloads

TITLE = "Real pool programs"
PROFILE = ["events", "pools_created", "max_live_pools", "allocs", "alloc_bytes", "size_median", "size_p99",
           "share_bytes_ge_4k"]


def profile(paths):
    """scripts/trace-profile's rows for PATHS by trace name, or {}."""
    exe = os.path.join(ROOT, "scripts", "trace-profile")
    if not paths or not os.access(exe, os.X_OK):
        return {}
    try:
        p = run([exe] + paths, 600, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if p.returncode != 0:
        return {}
    out = {}
    for row in csv.DictReader(io.StringIO(p.stdout)):
        name = os.path.basename(row.get("trace", "")).split(".")[0]
        out[name] = row
    return out


def write(r):
    names = trace_workloads(r, svn=True)
    if not names:
        return [f"No svn-* trace was replayed in this run ({NOT})."]
    paths = {}
    for w in names:
        p = r.g.rows(r.g.of(w)[0])[0]["_p"].get("trace")
        if p:
            paths[w] = p if os.path.isabs(p) else os.path.join(ROOT, p)
    prof = profile([p for p in paths.values() if os.path.isfile(p)])
    out = []
    if prof:
        out += ["What each program does with its pools (scripts/trace-profile of the whole trace):", "",
                r.table(["trace"] + [c.replace("_", " ") for c in PROFILE],
                        [[w] + [prof.get(w, {}).get(c, "—") for c in PROFILE] for w in names]), ""]
    else:
        out += [f"The traces' profile (scripts/trace-profile) was {NOT}.", ""]
    for w in names:
        apr = r.key(w, "apr")
        keys = r.keys(w, default_only=True, strategies_only=True)
        mem = "peak_rss_above_start_bytes" if any(r.g.values(k, "peak_rss_above_start_bytes") for k in keys) \
            else "peak_rss_bytes"
        out += [f"### {w}", ""]
        if not apr:
            out += [f"The apr backend was {NOT}, so there is nothing to compare against.", ""]
        rows = [[r.label(k), r.cell(k, mem), r.cell(k, "wall_s")] for k in ([apr] if apr else []) + keys]
        out += [r.table(["backend", r.head(mem), "wall time (s)"], rows), ""]
        if apr:
            out += [f"- {r.says(apr, k, mem)}; {r.says(apr, k, 'wall_s')}." for k in keys] + [""]
    return out
