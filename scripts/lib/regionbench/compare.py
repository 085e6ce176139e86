"""make compare A=DIR B=DIR (scripts/compare A B): every (workload, backend,
policy, metric) present in both runs, B against A: the ratio of medians
with its 95% interval, the Mann-Whitney U p-value and the verdict better,
worse or same by the one rule of stats.py. Writes B/compare/compare.csv,
compare.md and plots/ (RSS of A solid, B dashed) and prints one line."""
import csv
import sys
import os

from . import Fatal, stats
from .gnuplot import Gnuplot
from .metrics import MIB, metric, ratio_text, sig
from .plot import Figures
from .results import RunDir
from .runstats import Groups

HEADER = ["workload", "backend", "policy", "metric", "a_median", "b_median", "ratio", "ci_low", "ci_high",
          "p_value", "verdict"]


def fmt(v):
    return "" if v is None else f"{v:.6g}"


def compare(a, b):
    """[(key, metric name, Verdict)] for every pair and metric in both runs."""
    ga, gb = Groups(a, a.rows), Groups(b, b.rows)
    names = [n for n in gb.metric_names() if n in ga.metric_names()]
    out = []
    for key in gb.keys:
        if key not in ga.by:
            continue
        for n in names:
            va, vb = ga.values(key, n), gb.values(key, n)
            if not va or not vb:
                continue
            m = metric(n)
            v = stats.decide(va, vb, m.better, m.speed, ga.values(key, "wall_s"), gb.values(key, "wall_s"))
            out.append((key, n, v))
    return out, ga, gb


def plots(a, b, ga, gb, outdir):
    """RSS over the run of A (solid) and B (dashed), one figure per workload
    in both, each backend under its default policy; returns figures drawn."""
    n = 0
    with Gnuplot(outdir) as gp:
        fa, fb = Figures(a, gp), Figures(b, gp)
        fb.seq = 100000      # distinct data file names for the two runs
        for wl in gb.workloads():
            lines = []
            seen = set()
            for key in gb.of(wl):
                if key[1] in seen or key not in ga.by:
                    continue
                seen.add(key[1])
                for side, f, g, dash in (("A", fa, ga, 1), ("B", fb, gb, 2)):
                    file, band, peak = f.series_line(key, "rss_bytes", MIB, f"cmp-{side}-{wl}", g)
                    if file:
                        lines.append(dict(fa.style(key[1]), dash=dash, file=file, band=band, peak=peak,
                                          title=f"{g.label(key)} ({side})"))
            n += fa.lines(f"{wl}-rss", f"{wl}: RSS over the run, A solid, B dashed (median runs, band: min-max)",
                          "work done (%)", "RSS (MiB)", [("", lines)])
        failures = gp.failures
    return n, failures


def markdown(a, b, results, drawn):
    count = {o: sum(1 for _, _, v in results if v.outcome == o) for o in ("better", "worse", "same")}
    reasons = {r: sum(1 for _, _, v in results if v.outcome == "same" and v.reason == r)
               for r in ("noise", "too few runs", "too short")}
    out = ["# regionbench compare", "",
           f"A: `{a.d}` ({a.envget('git_commit', '?')[:12]}), B: `{b.d}` ({b.envget('git_commit', '?')[:12]}). "
           "For every workload, backend, policy and metric in both runs: the ratio of medians B / A with its "
           "bootstrap 95% interval and the Mann-Whitney U p-value. A change is better or worse only when p < 0.05 "
           "and the medians differ by more than 2%; everything else is same.", "",
           f"**{count['better']} better, {count['worse']} worse, {count['same']} same** (of the same: "
           f"{reasons['noise']} inside the noise, {reasons['too few runs']} with too few runs to decide (3 a side "
           f"cannot reach p < 0.05), {reasons['too short']} too short to compare speed).", ""]
    changed = [(k, n, v) for k, n, v in results if v.outcome != "same"]
    if changed:
        out += ["## Changes", "", "| workload | backend/policy | metric | A | B | B / A | p | verdict |",
                "|---|---|---|---|---|---|---|---|"]
        for k, n, v in changed:
            out.append(f"| {k[0]} | {k[1]}/{k[2]} | {metric(n).label} | {sig(v.a_median)} | {sig(v.b_median)} | "
                       f"{ratio_text(v.ratio)} | {v.p:.3g} | {v.outcome} |")
        out.append("")
    else:
        out += ["No change passed the rule.", ""]
    out += [f"Every comparison is in compare.csv. RSS plots ({drawn}): plots/<workload>-rss.png.", ""]
    return "\n".join(out)


def main(argv):
    if len(argv) != 2 or not all(argv):
        raise Fatal("usage: make compare A=DIR B=DIR (two results directories, A the reference)")
    a, b = (RunDir(x.rstrip("/") or "/") for x in argv)
    results, ga, gb = compare(a, b)
    if not results:
        raise Fatal(f"{a.d} and {b.d} have no workload, backend and policy in common")
    out = b.path("compare")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "compare.csv.tmp"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for k, n, v in results:
            w.writerow([k[0], k[1], k[2], n, fmt(v.a_median), fmt(v.b_median), fmt(v.ratio.value),
                        fmt(v.ratio.low), fmt(v.ratio.high), fmt(v.p), v.outcome])
    os.replace(os.path.join(out, "compare.csv.tmp"), os.path.join(out, "compare.csv"))
    drawn, failures = plots(a, b, ga, gb, os.path.join(out, "plots"))
    with open(os.path.join(out, "compare.md"), "w") as f:
        f.write(markdown(a, b, results, drawn))
    for msg in failures:
        print(f"scripts/compare: {msg}", file=sys.stderr)
    c = {o: sum(1 for _, _, v in results if v.outcome == o) for o in ("better", "worse", "same")}
    print(f"compare: {c['better']} better, {c['worse']} worse, {c['same']} same")
    print(f"compare: details in {os.path.join(out, 'compare.md')}")
