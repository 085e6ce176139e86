"""The runs of a results directory grouped by pair (workload, backend,
policy; sweep points also by params), their per-metric values, summaries
and verdicts, and stats.csv / sweep-stats.csv written from them."""
import csv
import os

from . import metrics, registry, stats
from .metrics import CORE

STATS_HEADER = ["backend", "policy", "workload", "metric", "n", "median", "min", "max",
                "ci_low", "ci_high", "ci_method"]
SWEEP_HEADER = STATS_HEADER[:3] + ["params"] + STATS_HEADER[3:]


class Groups:
    """ROWS of RUN grouped by (workload, backend, policy), plus params when
    WITH_PARAMS. Keys keep the run's order of workloads (environment.txt),
    backends in registry order, policies default first."""

    def __init__(self, run, rows, with_params=False):
        self.run = run
        self.by = {}
        first_wl, first_pol = {}, {}
        for r in rows:
            key = (r["workload"], r["backend"], r["policy"]) + ((r.get("params", ""),) if with_params else ())
            self.by.setdefault(key, []).append(r)
            first_wl.setdefault(r["workload"], len(first_wl))
            first_pol.setdefault((r["workload"], r["backend"], r["policy"]), len(first_pol))
        pol = (lambda b, p: run.policy_rank(b, p)) if run is not None else (lambda b, p: ())
        wl = (lambda w: (run.workload_rank(w), first_wl[w])) if run is not None else (lambda w: first_wl[w])
        self.keys = sorted(self.by, key=lambda k: (wl(k[0]), registry.rank(k[1]), pol(k[1], k[2]),
                                                    first_pol[k[:3]]) + k[3:])
        self._values = {}

    def of(self, workload):
        return [k for k in self.keys if k[0] == workload]

    def workloads(self):
        return list(dict.fromkeys(k[0] for k in self.keys))

    def rows(self, key):
        return self.by.get(key, [])

    def label(self, key):
        """backend, or backend/policy where the backend ran under several
        policies in KEY's workload (sweep points add their params)."""
        multi = len({k[2] for k in self.keys if k[0] == key[0] and k[1] == key[1]}) > 1
        return key[1] + ("/" + key[2] if multi else "")

    def median_row(self, key, name="peak_rss_bytes"):
        """The run of KEY with the median value of NAME (the lower middle for
        an even count; the first run when none has a value)."""
        rs = [(metrics.value(self.run, r, name), i, r) for i, r in enumerate(self.by.get(key, []))]
        have = sorted((v, i, r) for v, i, r in rs if v is not None)
        if not have:
            return rs[0][2] if rs else None
        return have[(len(have) - 1) // 2][2]

    def values(self, key, name):
        """Every run's value of metric NAME for KEY (runs without one left out)."""
        if (key, name) not in self._values:
            vs = [metrics.value(self.run, r, name) for r in self.by.get(key, [])]
            self._values[key, name] = [v for v in vs if v is not None]
        return self._values[key, name]

    def summary(self, key, name):
        return stats.summarize(self.values(key, name))

    def median(self, key, name):
        return self.summary(key, name).median

    def verdict(self, a, b, name):
        """The verdict on pair B against pair A for metric NAME."""
        m = metrics.metric(name)
        return stats.decide(self.values(a, name), self.values(b, name), m.better, m.speed,
                            self.values(a, "wall_s"), self.values(b, "wall_s"))

    def metric_names(self):
        """Every metric with a value in some run: the core ones, then the
        numeric extras."""
        rows = [r for rs in self.by.values() for r in rs]
        out = [m.name for m in CORE]
        return out + [n for n in metrics.numeric_extras(rows) if n not in out]


def _fmt(v):
    return "" if v is None else f"{v:.10g}"


def write(run):
    """Writes RUN's stats.csv (summary.csv's pairs) and, when sweeps.csv has
    rows, sweep-stats.csv (with params); returns the number of rows written."""
    n = 0
    for rows, name, with_params in ((run.rows, "stats.csv", False), (run.sweeps, "sweep-stats.csv", True)):
        if not rows and name != "stats.csv":
            continue
        g = Groups(run, rows, with_params)
        names = g.metric_names()
        path = run.path(name)
        with open(path + ".tmp", "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(SWEEP_HEADER if with_params else STATS_HEADER)
            for key in g.keys:
                for m in names:
                    s = g.summary(key, m)
                    if s.n == 0:
                        continue
                    head = [key[1], key[2], key[0]] + ([key[3]] if with_params else [])
                    w.writerow(head + [m, s.n, _fmt(s.median), _fmt(s.min), _fmt(s.max),
                                       _fmt(s.ci_low), _fmt(s.ci_high), s.ci_method])
                    n += 1
        os.replace(path + ".tmp", path)
    return n
