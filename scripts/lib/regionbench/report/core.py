"""What every section of REPORT.md uses: the run's groups, tables, links to
plots, medians with intervals, and verdict sentences through the one rule
of stats.py (every verdict written is counted, for the report's opening)."""
import os
from collections import Counter

from .. import registry
from ..metrics import human, in_unit, metric, ratio_text, sig, table_unit
from ..results import NOT
from ..runstats import Groups
from ..stats import REASON_TEXT

# Words per metric direction: (B better, B worse) for speed, memory, other.
WORDS = {
    "speed": ("faster", "slower"),
    "bytes": ("less memory", "more memory"),
    "higher": ("more", "less"),
    "lower": ("less", "more"),
}


class Report:
    def __init__(self, run):
        self.run = run
        self.g = Groups(run, run.rows)
        self.sg = Groups(run, run.sweeps, with_params=True)
        self.seen = {}      # every comparison made: (A, B, metric) -> reason

    def note(self, what, reason):
        """Records a comparison (once, however often it is phrased)."""
        self.seen[what] = reason

    @property
    def counts(self):
        return Counter(self.seen.values())

    # ---- pairs -----------------------------------------------------------

    def keys(self, workload, default_only=False, strategies_only=False):
        """WORKLOAD's pairs; DEFAULT_ONLY: each backend's default policy
        only (its first pair); STRATEGIES_ONLY: strategies only."""
        out, seen = [], set()
        for k in self.g.of(workload):
            if strategies_only and not registry.is_strategy(k[1]):
                continue
            if default_only and (k[1] in seen or k[2].endswith("+thp")):
                continue
            seen.add(k[1])
            out.append(k)
        return out

    def key(self, workload, backend):
        """BACKEND's pair of WORKLOAD under its default policy, or None."""
        return next((k for k in self.keys(workload, default_only=True) if k[1] == backend), None)

    def label(self, key, g=None):
        return (g or self.g).label(key)

    # ---- text ----------------------------------------------------------------

    @staticmethod
    def table(head, rows):
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in rows:
            out.append("| " + " | ".join(str(c).replace("|", "/") for c in r) + " |")
        return "\n".join(out)

    def link(self, *names):
        """Links to the figures NAMES that were drawn, or a note that none was."""
        have = [n for n in names if os.path.isfile(self.run.path("plots", n + ".png"))]
        if not have:
            return "Plot: not drawn in this run."
        return "Plot: " + ", ".join(f"[plots/{n}.png](plots/{n}.png)" for n in have) + "."

    def cell(self, key, name, g=None, unit=None):
        """KEY's median of NAME in the table's unit, with its interval:
        "12.3 [11.9, 12.8]"; "—" when not measured."""
        s = (g or self.g).summary(key, name)
        if s.n == 0:
            return "—"
        u = unit or metric(name).unit
        if s.ci_low is None:
            return in_unit(s.median, u) + (f" (n={s.n})" if s.n < 3 else "")
        if s.ci_low == s.ci_high:
            return in_unit(s.median, u)
        return f"{in_unit(s.median, u)} [{in_unit(s.ci_low, u)}, {in_unit(s.ci_high, u)}]"

    def head(self, name, unit=None):
        """A column header: the metric's label and its table unit."""
        m = metric(name)
        u = table_unit(unit or m.unit)
        return f"{m.label} ({u})" if u else m.label

    def other_extras(self, keys, known):
        """The extra fields some of KEYS' runs hold that are not in KNOWN
        (names as extra.NAME), so a table shows what it has no column for."""
        return [n for n in self.g.metric_names() if n.startswith("extra.") and n[6:] not in known
                and any(self.g.values(k, n) for k in keys)]

    def median(self, key, name, g=None):
        return (g or self.g).summary(key, name).median

    def verdict(self, a, b, name, g=None):
        """The verdict on B against A (pairs of G) for NAME, counted."""
        v = (g or self.g).verdict(a, b, name)
        self.note(tuple(sorted([a, b])) + (name,), v.reason)
        return v

    def words(self, name):
        m = metric(name)
        if m.speed:
            return WORDS["speed"] if m.name in ("wall_s", "ops_per_s", "user_s", "sys_s", "ops_per_thread",
                                               "ns_per_op") or m.unit in ("ns", "s") else WORDS[m.better]
        return WORDS["bytes"] if m.unit == "bytes" else WORDS[m.better]

    def says(self, a, b, name, g=None, la=None, lb=None):
        """One clause on B against A for NAME by the verdict rule: "wide-offsets
        more memory than blocks: peak RSS ratio 1.21 [1.18, 1.25] (p = 0.008)",
        or the ratio with why there is no verdict."""
        g = g or self.g
        v = self.verdict(a, b, name, g)
        la, lb = la or self.label(a, g), lb or self.label(b, g)
        m = metric(name)
        r = f"{m.label} ratio {ratio_text(v.ratio)}"
        if v.reason == "decided":
            good, bad = self.words(name)
            return f"{lb} {good if v.outcome == 'better' else bad} than {la}: {r} (p = {v.p:.3f})"
        if v.reason == "noise":
            return f"{lb} vs {la}: no measurable difference in {m.label} (ratio {ratio_text(v.ratio)}, p = {v.p:.2f})"
        if v.reason == "too short":
            walls = [g.summary(k, "wall_s").median for k in (a, b)]
            return f"{lb} vs {la}: {r}, too short to compare speed (runs of {sig(min(walls))} s)"
        if v.reason == "too few runs":
            return f"{lb} vs {la}: {r}, too few runs to decide"
        return f"{lb} vs {la}: {m.label} {NOT}"

    def contest(self, keys, name, g=None):
        """The best of KEYS on NAME by median, and the verdict on it against
        the runner-up: (best key, runner-up key, Verdict) or None when fewer
        than two pairs have a value."""
        g = g or self.g
        m = metric(name)
        have = [(g.summary(k, name).median, k) for k in keys if g.summary(k, name).n]
        if len(have) < 2:
            return None
        have.sort(key=lambda mk: mk[0], reverse=m.better == "higher")
        best, second = have[0][1], have[1][1]
        v = self.verdict(second, best, name, g)
        if v.reason == "decided":
            # The best must also beat every other pair, not just the runner-up.
            for _, k in have[2:]:
                w = self.verdict(k, best, name, g)
                if w.reason != "decided":
                    return best, k, w
        return best, second, v

    def answer(self, keys, name, g=None, what=""):
        """A cell of the answer table: the winner of KEYS on NAME with its
        ratio to the runner-up, or why there is none."""
        g = g or self.g
        c = self.contest(keys, name, g)
        if c is None:
            return NOT
        best, second, v = c
        lb, ls = self.label(best, g), self.label(second, g)
        unit = metric(name).unit
        figure = f"{human(v.b_median, unit)} against {human(v.a_median, unit)}"
        r = f"{lb} / {ls} = {ratio_text(v.ratio)}"
        if v.reason == "decided":
            return f"**{lb}** {what}({figure}; {r})"
        return f"{REASON_TEXT[v.reason]} ({lb} {figure} of {ls}; {r})"

    # ---- sweeps ----------------------------------------------------------------

    def sweep_keys(self, workload, axis, fixed=None):
        """Sweep pairs of WORKLOAD that vary AXIS (and match FIXED params)."""
        return [k for k in self.sg.keys if k[0] == workload and axis in self.sg.rows(k)[0]["_p"]
                and all(self.sg.rows(k)[0]["_p"].get(a) == str(v) for a, v in (fixed or {}).items())]

    def param(self, key, name):
        from ..results import num
        return num(self.sg.rows(key)[0]["_p"].get(name))

    def sweep_table(self, workload, axis, name, unit=None, fixed=None, axis_label=None):
        """A table of NAME over AXIS: one row per backend/policy, one column
        per point, medians with intervals; (table text, {(backend, policy):
        {point: key}}) or (None, {}) when the sweep did not run."""
        keys = self.sweep_keys(workload, axis, fixed)
        if not keys:
            return None, {}
        points = sorted({self.param(k, axis) for k in keys})
        lines = {}
        for k in keys:
            lines.setdefault((k[1], k[2]), {})[self.param(k, axis)] = k
        multi = {b for b, _ in lines if sum(1 for bb, _ in lines if bb == b) > 1}
        rows = [[b + (f"/{p}" if b in multi else "")] +
                [self.cell(ks[x], name, self.sg, unit) if x in ks else "—" for x in points]
                for (b, p), ks in lines.items()]
        fmt = lambda x: f"{int(x):,}" if float(x).is_integer() else f"{x:g}"
        return self.table([f"backend; columns: {axis_label or axis}"] + [fmt(x) for x in points], rows), lines
