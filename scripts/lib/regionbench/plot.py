"""scripts/plot DIR: every figure of a results directory into DIR/plots/, PNG
and SVG (the list: results/README.md). This module only chooses what to
draw (medians, min-max spreads, the median run of each pair, clipped axes
and their labels); gnuplot draws, with bars.gp and lines.gp. Figures whose
data the run lacks are not drawn."""
import sys

import numpy as np

from . import Fatal, registry
from .gnuplot import Gnuplot
from .metrics import GIB, MIB, sig
from .results import RunDir, num
from .runstats import Groups

GRID = np.linspace(0.0, 100.0, 201)
POINTS = [7, 5, 9, 11, 13, 15, 4, 6, 8, 10, 12, 14]
# Policies inside one backend's panel: colours told apart from each other
# (Okabe-Ito), assigned by policy name across the figure.
POLICY_COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#999999"]


def plain(v):
    """V with 3 significant digits and no thousands separator: a comma would
    split gnuplot's CSV columns and labels."""
    return sig(v).replace(",", "")


def short(x):
    """A tic label: 4000, 16k, 1M, 48M."""
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if x >= div:
            d = 1e3 if suffix == "k" else div
            return f"{x / d:g}{suffix}"
    return f"{x:g}"


def rgb(colour):
    return int(colour.lstrip("#"), 16)


def quoted(words):
    """Words for gnuplot's word(): quoted with ' where they hold spaces."""
    return " ".join(f"'{w}'" if " " in w else w for w in words)


def clip(peaks, unit="", factor=2.5, most=2):
    """(ymax, note) cutting off at most MOST lines or bars far above the
    rest: while the largest of PEAKS ({label: value}) exceeds FACTOR times
    the next, it is cut; the axis stops at 1.25 times the largest kept and
    the note says what was cut and where it peaks. (0, "") when none is."""
    vs = sorted(((v, k) for k, v in peaks.items() if v is not None and v > 0), reverse=True)
    cut = []
    while len(vs) >= 3 and len(cut) < most and vs[0][0] > factor * vs[1][0]:
        cut.append(vs.pop(0))
    if not cut:
        return 0, ""
    return vs[0][0] * 1.25, "clipped: " + ", ".join(f"{k} reaches {plain(v)}{' ' + unit if unit else ''}"
                                                    for v, k in cut)


class Figures:
    def __init__(self, run, gp):
        self.run, self.gp = run, gp
        self.g = Groups(run, run.rows)
        self.n = 0
        self.seq = 0

    # ---- building blocks ---------------------------------------------------

    def line_file(self, name, xs, ys):
        return self.gp.data(name, ["x", "y"], [(x, y) for x, y in zip(xs, ys) if y is not None])

    def band_file(self, name, xs, lo, hi):
        return self.gp.data(name, ["x", "lo", "hi"], [(x, a, b) for x, a, b in zip(xs, lo, hi)
                                                       if a is not None and b is not None])

    def series_line(self, key, column, scale, tag, groups=None):
        """Files for KEY's median run (by peak RSS) of series COLUMN divided by
        SCALE, and a min-max band over the repetitions; (line, band, peak)."""
        g = groups or self.g
        med = g.median_row(key)
        self.seq += 1
        base = f"{tag}-{self.seq}"
        s = self.run.series(med) if med else []
        xs = [p.get("done_pct") for p in s]
        ys = [p.get(column) / scale if p.get(column) is not None else None for p in s]
        keep = [(x, y) for x, y in zip(xs, ys) if x is not None and y is not None]
        line = self.line_file(base + ".csv", [x for x, _ in keep], [y for _, y in keep])
        curves = []
        for r in g.rows(key):
            pts = [(p.get("done_pct"), p.get(column)) for p in self.run.series(r)]
            pts = sorted((x, y / scale) for x, y in pts if x is not None and y is not None)
            if len(pts) >= 2:
                curves.append(np.interp(GRID, [x for x, _ in pts], [y for _, y in pts]))
        if len(curves) >= 2:
            m = np.vstack(curves)
            band = self.band_file(base + "-band.csv", GRID, m.min(axis=0), m.max(axis=0))
        else:
            band = self.band_file(base + "-band.csv", [], [], [])
        peak = max([y for _, y in keep] + ([float(np.max(curves))] if curves else []), default=None)
        return (line, band, peak) if keep else (None, None, None)

    def lines(self, name, title, xlabel, ylabel, panels, cols=1, xlog=0, ylog=0, width=1100, height=600,
              share_y=True, xtics=()):
        """Draws a line figure. PANELS: [(panel title, [line dict])] or
        [(panel title, [line dict], the panel's y label)], a line dict having
        file, band, colour, dash, point, pi, title, peak; XTICS: the x values
        to mark (a sweep's points), or () for automatic tics."""
        ylabels = [p[2] if len(p) > 2 else ylabel for p in panels if p[1]]
        panels = [(p[0], p[1]) for p in panels if p[1]]
        if not panels:
            return False
        v = dict(n=len(panels), cols=cols, title=title, xlabel=xlabel, ylabel=ylabel, xlog=xlog, ylog=ylog,
                 xtics=", ".join(f"'{short(x)}' {x:g}" for x in xtics))
        allpeaks = {ln["title"]: ln["peak"] for _, ls in panels for ln in ls}
        unit = ylabel if ylabel in ("MiB", "GiB") else ylabel[ylabel.rfind("(") + 1:-1] if ylabel.endswith(")") else ""
        ymax, note = clip(allpeaks, unit) if share_y and not ylog else (0, "")
        if share_y and not ylog and not ymax and len(panels) > 1:
            ymax = 1.05 * max((p for p in allpeaks.values() if p is not None), default=0)
        for k, (t, ls) in enumerate(panels, 1):
            pm, pn = (ymax, note) if share_y else clip({ln["title"]: ln["peak"] for ln in ls}, unit)
            if ylog:
                pm, pn = 0, ""
            mine = {ln["title"] for ln in ls}
            if share_y and note:
                cut = [c for c in note[len("clipped: "):].split(", ") if c.split(" reaches ")[0] in mine]
                pn = "clipped: " + ", ".join(cut) if cut else ""
            v.update({f"title_{k}": t, f"ymax_{k}": pm, f"note_{k}": pn, f"ylabel_{k}": ylabels[k - 1],
                      f"files_{k}": " ".join(ln["file"] for ln in ls),
                      f"bands_{k}": " ".join(ln["band"] for ln in ls),
                      f"colors_{k}": " ".join(ln["colour"] for ln in ls),
                      f"dashes_{k}": " ".join(str(ln["dash"]) for ln in ls),
                      f"points_{k}": " ".join(str(ln["point"]) for ln in ls),
                      f"pis_{k}": " ".join(str(ln.get("pi", 1)) for ln in ls),
                      f"titles_{k}": quoted([ln["title"] for ln in ls])})
        rows = (len(panels) + cols - 1) // cols
        return self.gp.draw("lines.gp", name, width, max(height, 380 * rows), **v)

    def bars(self, name, title, panels, width=None, height=600):
        """Draws a bar figure. PANELS: [dict(title, ylabel, bars=[dict(x,
        value, lo, hi, colour, light, text)], tics=[(name, x)], boxwidth,
        ref, reflabel)]."""
        panels = [p for p in panels if p["bars"]]
        if not panels:
            return False
        v = dict(n=len(panels), title=title)
        nb = max(max(b["x"] for b in p["bars"]) for p in panels)
        for k, p in enumerate(panels, 1):
            unit = p["ylabel"].split(" (")[0] if p["ylabel"] in ("MiB", "GiB") else ""
            ymax, note = clip({b.get("what", str(b["x"])): b["value"] for b in p["bars"]}, unit)
            rows = []
            for b in p["bars"]:
                top = max(x for x in (b["value"], b.get("hi")) if x is not None)
                if ymax:
                    top = min(top, ymax * 0.97)
                rows.append((b["x"], b["value"], b.get("lo"), b.get("hi"), rgb(b["colour"]),
                             1 if b.get("light") else 0, b.get("text", plain(b["value"])), top))
            d = self.gp.data(f"{name}-{k}.csv", ["x", "value", "lo", "hi", "rgb", "light", "text", "texty"], rows)
            v.update({f"datafile_{k}": d, f"title_{k}": p.get("title", ""), f"ylabel_{k}": p["ylabel"],
                      f"xmax_{k}": max(b["x"] for b in p["bars"]),
                      f"tics_{k}": ", ".join(f"'{t}' {x}" for t, x in p["tics"]),
                      f"boxwidth_{k}": p.get("boxwidth", 0.6), f"ymax_{k}": ymax, f"note_{k}": note,
                      f"ref_{k}": p.get("ref", -1) if p.get("ref") is not None else -1,
                      f"reflabel_{k}": p.get("reflabel", "")})
        width = width or max(700, int(90 * nb * len(panels)) + 300)
        return self.gp.draw("bars.gp", name, width, height, **v)

    def style(self, backend, k=0):
        """Colour, dash and point of BACKEND's line; K > 0: the K-th policy."""
        idx = registry.rank(backend)[0]
        base = registry.get(backend) is not None and registry.get(backend).kind == "baseline"
        return dict(colour=registry.colour(backend), dash=2 if base else 1,
                    point=POINTS[idx % len(POINTS)] if not k else POINTS[(k - 1) % len(POINTS)],
                    pi=37 + 4 * idx)

    def median_bars(self, keys, metric, scale, light=None, groups=None):
        """Bars of KEYS: median METRIC / SCALE with min-max, and a light bar
        of LIGHT beside each when given; (bars, tics)."""
        g = groups or self.g
        bars, tics = [], []
        w = 0.2 if light else 0.0
        for i, key in enumerate(keys, 1):
            s = g.summary(key, metric)
            if s.n == 0:
                continue
            colour = registry.colour(key[1])
            bars.append(dict(x=i - w, value=s.median / scale, lo=s.min / scale, hi=s.max / scale,
                             colour=colour, what=g.label(key)))
            if light:
                ls = g.summary(key, light)
                if ls.n:
                    bars.append(dict(x=i + w, value=ls.median / scale, colour=colour, light=True,
                                     what=g.label(key) + " (live)"))
            tics.append((g.label(key), i))
        return bars, tics

    # ---- per workload --------------------------------------------------------

    def workload(self, wl):
        keys = self.g.of(wl)
        bars, tics = self.median_bars(keys, "peak_rss_bytes", MIB, light="peak_live_bytes")
        self.n += self.bars(f"{wl}-peak", f"{wl}: peak RSS (solid; median of the runs, bar from min to max)\n"
                            "next to the peak of live bytes the workload asked for (light)",
                            [dict(ylabel="MiB", bars=bars, tics=tics, boxwidth=0.38)])
        bars, tics = self.median_bars(keys, "ops_per_s", 1e6)
        self.n += self.bars(f"{wl}-throughput", f"{wl}: throughput, median with min-max (higher is faster)",
                            [dict(ylabel="million ops/s", bars=bars, tics=tics)])
        defaults = {}
        for key in keys:
            defaults.setdefault(key[1], key)   # keys are ordered default policy first
        for fig, column, scale, ylabel in (("rss", "rss_bytes", MIB, "RSS (MiB)"),
                                           ("faults", "minor_faults", 1000.0, "minor page faults (thousands)")):
            what = "resident memory (RSS)" if fig == "rss" else "minor page faults since the start"
            ls = []
            for b, key in defaults.items():
                f, band, peak = self.series_line(key, column, scale, f"{wl}-{fig}")
                if f:
                    ls.append(dict(self.style(b), file=f, band=band, peak=peak, title=self.g.label(key)))
            multi = len(defaults) < len(keys)
            self.n += self.lines(f"{wl}-{fig}", f"{wl}: {what} over the run\nthe median run of each backend"
                                 + (" under its default policy" if multi else "")
                                 + ", shaded from the least to the most of its runs",
                                 "work done (%)", ylabel, [("", ls)])
            if multi:
                self.n += self.policy_panels(wl, keys, fig, column, scale, what, ylabel)

    def policy_panels(self, wl, keys, fig, column, scale, what, ylabel):
        """Small multiples: one panel per backend that ran under several
        policies, one line per policy, every panel on the same y axis."""
        by = {}
        for key in keys:
            by.setdefault(key[1], []).append(key)
        names = list(dict.fromkeys(k[2] for k in keys))
        panels = []
        for b, ks in by.items():
            if len(ks) < 2:
                continue
            ls = []
            for i, key in enumerate(ks, 1):
                f, band, peak = self.series_line(key, column, scale, f"{wl}-{fig}-p")
                if f:
                    ls.append(dict(colour=POLICY_COLOURS[names.index(key[2]) % len(POLICY_COLOURS)],
                                   dash=1 + (i - 1) % 5, point=POINTS[(i - 1) % len(POINTS)], pi=29 + 6 * i,
                                   file=f, band=self.band_file(f"empty-{i}.csv", [], [], []), peak=peak,
                                   title=f"{b}/{key[2]}"))
            panels.append((b, ls))
        cols = min(3, len(panels))
        return self.lines(f"{wl}-{fig}-policies", f"{wl}: {what} under each policy (median runs), "
                          "one panel per backend", "work done (%)", ylabel, panels, cols=cols,
                          width=500 * cols + 100, height=420)

    # ---- figures of one workload's extra fields --------------------------------

    def extra_bars(self, keys, field, scale, groups=None):
        return self.median_bars(keys, "extra." + field, scale, groups=groups)

    def capacity(self):
        keys = self.g.of("capacity")
        if not keys:
            return
        p = self.g.rows(keys[0])[0]["_p"]
        total = num(p.get("total_gib"))
        regions = num(p.get("regions"))
        b1, t1 = self.extra_bars(keys, "max_total_bytes", GIB)
        b2, t2 = self.extra_bars(keys, "max_live_regions", 1.0)
        self.n += self.bars("capacity-limits", "capacity: how far each backend grows before a limit "
                            "stops it (two separate phases)", [
                                dict(title="phase 1: total bytes allocated", ylabel="GiB", bars=b1, tics=t1,
                                     ref=total, reflabel=f"the workload's own ceiling ({plain(total)} GiB), not a backend limit"),
                                dict(title="phase 2: regions alive at once", ylabel="regions", bars=b2, tics=t2,
                                     ref=regions, reflabel=f"the workload's own ceiling ({plain(regions)}), not a backend limit")])

    def serialize(self):
        keys = self.g.of("serialize")
        b1, t1 = self.extra_bars(keys, "write_mb_s", 1.0)
        b3, t3 = self.extra_bars(keys, "write_warm_mb_s", 1.0)
        b2, t2 = self.extra_bars(keys, "load_mb_s", 1.0)
        self.n += self.bars("serialize-speed", "serialize: a region's graph to a file and back in a new process",
                            [dict(title="write speed, first time (tracing and first-touch faults included)",
                                  ylabel="MB/s (10^6 bytes of file per second)", bars=b1, tics=t1),
                             dict(title="write speed over resident pages", ylabel="MB/s", bars=b3, tics=t3),
                             dict(title="load speed", ylabel="MB/s", bars=b2, tics=t2)])

    def fork_share(self):
        keys = self.g.of("fork-share")
        n = num(self.g.rows(keys[0])[0]["_x"].get("children")) if keys else None
        b1, t1 = self.extra_bars(keys, "sharing_ratio", 1.0)
        b2, t2 = self.extra_bars(keys, "process_pss_bytes", MIB)
        self.n += self.bars("fork-share-memory", "fork-share: processes sharing one image",
                            [dict(title="RSS / PSS of the image's own mapping", ylabel="ratio", bars=b1, tics=t1,
                                  ref=n, reflabel=f"{plain(n)} processes: perfect sharing" if n else ""),
                             dict(title="whole-process PSS of all processes (shared libraries included)",
                                  ylabel="MiB", bars=b2, tics=t2)])

    # ---- sweeps ------------------------------------------------------------------

    def points(self, workload, axis):
        """The values AXIS takes in WORKLOAD's sweep rows."""
        return sorted({num(r["_p"].get(axis)) for r in self.run.sweeps
                       if r["workload"] == workload and num(r["_p"].get(axis)) is not None})

    def sweep_lines(self, workload, axis, metric, scale, fixed=None):
        """Lines over sweep parameter AXIS of WORKLOAD's sweep rows (rows whose
        other axes equal FIXED): median METRIC / SCALE per point with a
        min-max band, one line per backend/policy."""
        rows = [r for r in self.run.sweeps if r["workload"] == workload and axis in r["_p"]
                and all(r["_p"].get(k) == str(v) for k, v in (fixed or {}).items())]
        if not rows:
            return []
        g = Groups(self.run, rows, with_params=True)
        lines = {}
        for key in g.keys:
            lines.setdefault(key[1:3], []).append(key)
        out = []
        multi = {b for b, _ in lines if sum(1 for bb, _ in lines if bb == b) > 1}
        first = {}
        for b, pol in lines:
            first.setdefault(b, pol)    # lines follow the policy order: the default first
        for (b, pol), ks in lines.items():
            pts = []
            for key in ks:
                s = g.summary(key, metric)
                x = num(g.rows(key)[0]["_p"].get(axis))
                if s.n and x is not None:
                    pts.append((x, s.median / scale, s.min / scale, s.max / scale))
            pts.sort()
            if not pts:
                continue
            self.seq += 1
            tag = f"sweep-{self.seq}"
            f = self.line_file(tag + ".csv", [p[0] for p in pts], [p[1] for p in pts])
            band = self.band_file(tag + "-band.csv", [p[0] for p in pts], [p[2] for p in pts], [p[3] for p in pts])
            st = self.style(b)
            if pol != first[b]:
                st.update(dash=3, point=POINTS[(POINTS.index(st["point"]) + 6) % len(POINTS)])
            out.append(dict(st, file=f, band=band, pi=1, peak=max(p[3] for p in pts),
                            title=b + (f"/{pol}" if b in multi else "")))
        return out

    def sweeps(self):
        if not self.run.sweeps:
            return
        thr = self.sweep_lines("request-server", "threads", "ops_per_thread", 1e3)
        self.n += self.lines("sweep-threads", "request-server: throughput per thread against threads "
                             "(this machine has %s CPUs)" % (self.run.envget("cpus_online") or "?"),
                             "worker threads", "thousand requests/s per thread",
                             [("", thr)], xlog=1, xtics=self.points("request-server", "threads"))
        regions = sorted({int(num(r["_p"]["regions"])) for r in self.run.sweeps
                          if r["workload"] == "long-running" and num(r["_p"].get("regions")) is not None})
        self.n += self.lines("sweep-saturation", "long-running: mean RSS over the run against the spike size",
                             "spike size (MiB, log scale)", "mean RSS (MiB)",
                             [(f"{n} long-lived regions", self.sweep_lines("long-running", "spike_mib",
                                                                          "mean_rss_bytes", MIB, {"regions": n}))
                              for n in regions], cols=min(2, max(1, len(regions))), xlog=1,
                             width=1300, height=520, xtics=self.points("long-running", "spike_mib"))
        self.n += self.lines("sweep-live-regions", "capacity: memory against the number of live regions",
                             "live regions (log scale)", "MiB",
                             [("page tables at the most live regions",
                               self.sweep_lines("capacity", "regions", "extra.page_table_at_max_regions", MIB),
                               "page tables (MiB)"),
                              ("peak RSS", self.sweep_lines("capacity", "regions", "peak_rss_bytes", MIB),
                               "peak RSS (MiB)")],
                             cols=2, xlog=1, width=1300, height=520, share_y=False,
                             xtics=self.points("capacity", "regions"))
        walk = "extra.walk_ns_per_step" if any("walk_ns_per_step" in r["_x"] for r in self.run.sweeps) else "ns_per_op"
        self.n += self.lines("sweep-working-set", "pointer-chase: nodes against time and memory",
                             "nodes (log scale)", "", [
                                 ("time per walk step" if walk != "ns_per_op" else "time per op (build and walk)",
                                  self.sweep_lines("pointer-chase", "nodes", walk, 1.0),
                                  "ns per step" if walk != "ns_per_op" else "ns per op"),
                                 ("peak RSS", self.sweep_lines("pointer-chase", "nodes", "peak_rss_bytes", MIB),
                                  "peak RSS (MiB)")],
                             cols=2, xlog=1, width=1300, height=520, share_y=False,
                             xtics=self.points("pointer-chase", "nodes"))
        self.wrappers()

    def wrappers(self):
        rows = [r for r in self.run.sweeps if r["workload"] == "syscall-wrappers"]
        if not rows:
            return
        g = Groups(self.run, rows, with_params=True)
        names = {"0": "shrink", "1": "copy", "2": "keep"}
        panels = []
        for title, metric, scale, ylabel in (("bytes allocated per byte returned", "alloc_per_returned", 1.0, "ratio"),
                                             ("time per call", "extra.ns_per_call", 1.0, "ns"),
                                             ("peak RSS above start", "peak_rss_above_start_bytes", MIB, "MiB")):
            bars, tics = [], []
            for i, b in enumerate(dict.fromkeys(k[1] for k in g.keys), 1):
                ks = [k for k in g.keys if k[1] == b]
                for j, key in enumerate(ks):
                    s = g.summary(key, metric)
                    if s.n:
                        w = names.get(g.rows(key)[0]["_p"].get("wrapper", ""), "?")
                        bars.append(dict(x=i + (j - 1) * 0.28, value=s.median / scale, lo=s.min / scale,
                                         hi=s.max / scale, colour=registry.colour(b), light=j == 1,
                                         text=w[0], what=f"{b} {w}"))
                tics.append((b, i))
            panels.append(dict(title=title, ylabel=ylabel, bars=bars, tics=tics, boxwidth=0.26))
        self.n += self.bars("sweep-wrappers", "syscall-wrappers: the three wrapper designs per backend "
                            "(s: shrink, c: copy, light, k: keep)", panels, width=1500)

    # ---- latency distributions ---------------------------------------------------

    def latency(self):
        for wl in dict.fromkeys(r["workload"] for r in self.run.latency):
            ops = {}
            for r in self.run.latency:
                if r["workload"] != wl:
                    continue
                label = r["backend"] + ("/" + r["policy"] if r["policy"] not in ("", "default") else "")
                for h in self.run.histogram(r):
                    ops.setdefault(h.get("op", "?"), {}).setdefault((r["backend"], label), []).append(h)
            panels = []
            for op, by in ops.items():
                ls = []
                for i, ((b, label), hs) in enumerate(sorted(by.items(), key=lambda kv: registry.rank(kv[0][0]))):
                    pts = sorted((num(h.get("bucket_low_ns")), num(h.get("count")) or 0) for h in hs
                                 if num(h.get("bucket_low_ns")) is not None)
                    total = sum(c for _, c in pts)
                    if not total:
                        continue
                    xs, ys, left = [], [], total
                    for x, c in pts:
                        if c:
                            xs.append(max(x, 1.0))
                            ys.append(left / total)
                        left -= c
                    f = self.line_file(f"lat-{wl}-{op}-{i}.csv", xs, ys)
                    ls.append(dict(self.style(b), file=f, band=self.band_file(f"lat-e-{wl}-{op}-{i}.csv", [], [], []),
                                   pi=1, peak=1.0, title=label, dash=1 + i % 5))
                panels.append((f"region_{op}", ls))
            self.n += self.lines(f"{wl}-latency", f"{wl}: latency of region create, reset and destroy "
                                 "(share of calls that took at least x; one dedicated run per pair)",
                                 "latency (ns, log scale)", "share of calls at least this slow (log scale)",
                                 panels, cols=min(3, len(panels)), xlog=1, ylog=1, width=1500, height=520)

    def all(self):
        for wl in self.g.workloads():
            self.workload(wl)
        self.capacity()
        self.serialize()
        self.fork_share()
        self.sweeps()
        self.latency()


def main(argv):
    if len(argv) != 1:
        raise Fatal("usage: scripts/plot DIR (a results directory, such as results/latest)")
    run = RunDir(argv[0].rstrip("/") or "/")
    with Gnuplot(run.path("plots")) as gp:
        f = Figures(run, gp)
        f.all()
    for msg in gp.failures:
        print(f"scripts/plot: {msg}", file=sys.stderr)
    print(f"scripts/plot: {f.n} figures (PNG and SVG) in {run.path('plots')}")
    if gp.failures:
        raise Fatal(f"{len(gp.failures)} figures not drawn: " + "; ".join(gp.failures), 3)
