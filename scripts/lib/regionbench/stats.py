"""Intervals and the one verdict rule, for scripts/report and make compare
alike. Every test comes from scipy.stats (bootstrap, mannwhitneyu), as
Google Benchmark's tools/compare.py does; nothing here is hand-rolled.

The rule: B differs from A ("faster", "less memory", better, worse) only
when a two-sided Mann-Whitney U test of their runs gives p < 0.05 AND the
medians differ by more than 2%. Otherwise: "no measurable difference". Speed
verdicts need runs of 0.1 s or longer; a test that cannot reach p < 0.05
with this many runs (3 a side: its smallest p is 0.10) says so."""
import math
import warnings
from collections import namedtuple

import numpy as np
from scipy import stats as sps

ALPHA = 0.05
MIN_DIFF = 0.02
MIN_SPEED_S = 0.1
CONFIDENCE = 0.95
RESAMPLES = 2000
SEED = 20261124          # bootstrap resampling is seeded: reruns agree

Summary = namedtuple("Summary", "n median min max ci_low ci_high ci_method")
Ratio = namedtuple("Ratio", "value low high why")
# outcome: better, worse or same (B against A); reason: decided, noise,
# too few runs, too short, not measured.
Verdict = namedtuple("Verdict", "outcome reason ratio p a_median b_median")

REASON_TEXT = {
    "noise": "no measurable difference",
    "too few runs": "too few runs to decide",
    "too short": "too short to compare speed",
    "not measured": "not measured in this run",
}


def _clean(values):
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def _bootstrap(data, statistic):
    """A percentile bootstrap 95% interval of STATISTIC over the samples in
    DATA (resampled independently), or None where it is undefined."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sps.bootstrap(data, statistic, vectorized=True, paired=False,
                                confidence_level=CONFIDENCE, n_resamples=RESAMPLES,
                                method="percentile", random_state=np.random.default_rng(SEED))
        except (ValueError, ZeroDivisionError, FloatingPointError):
            return None
    lo, hi = res.confidence_interval.low, res.confidence_interval.high
    return (float(lo), float(hi)) if math.isfinite(lo) and math.isfinite(hi) else None


def summarize(values):
    """n, median, min, max and a bootstrap 95% interval of the median. With
    fewer than 3 runs there is no interval (empty, method says why); with
    every run equal the interval is that value."""
    x = _clean(values)
    if not x:
        return Summary(0, None, None, None, None, None, "no runs")
    med = float(np.median(x))
    lo = hi = None
    if len(x) < 3:
        method = f"none ({len(x)} run{'s' if len(x) > 1 else ''})"
    elif min(x) == max(x):
        lo = hi = med
        method = "all runs equal"
    else:
        ci = _bootstrap((np.array(x),), lambda a, axis: np.median(a, axis=axis))
        if ci is None:
            method = "none (bootstrap undefined)"
        else:
            lo, hi = ci
            method = "bootstrap percentile"
    return Summary(len(x), med, min(x), max(x), lo, hi, method)


def ratio(a, b):
    """median(B) / median(A) with a bootstrap 95% interval, A and B resampled
    independently (no interval with fewer than 3 runs a side); value None
    where A's median is 0 (and B's is not)."""
    a, b = _clean(a), _clean(b)
    if not a or not b:
        return Ratio(None, None, None, "not measured")
    ma, mb = float(np.median(a)), float(np.median(b))
    if ma == 0:
        return Ratio(1.0, 1.0, 1.0, "") if mb == 0 else Ratio(None, None, None, "A is 0")
    r = mb / ma
    if len(a) < 3 or len(b) < 3:
        return Ratio(r, None, None, "fewer than 3 runs a side")
    if min(a) == max(a) and min(b) == max(b):
        return Ratio(r, r, r, "")
    if min(a) <= 0 < max(a):
        return Ratio(r, None, None, "A's runs straddle 0")
    ci = _bootstrap((np.array(a), np.array(b)),
                    lambda x, y, axis: np.median(y, axis=axis) / np.median(x, axis=axis))
    return Ratio(r, ci[0], ci[1], "") if ci else Ratio(r, None, None, "bootstrap undefined")


def smallest_p(n, m):
    """The smallest two-sided p a Mann-Whitney U test of N against M runs
    can give (every run of one side below every run of the other)."""
    return 2.0 / math.comb(n + m, n) if n and m else 1.0


def decide(a, b, better="lower", speed=False, a_wall=None, b_wall=None):
    """The verdict on B against A for a metric where BETTER (lower or higher)
    values are better. SPEED: a timing, undecided when either side's median
    wall time (A_WALL, B_WALL: the runs' wall_s) is under 0.1 s."""
    a, b = _clean(a), _clean(b)
    r = ratio(a, b)
    ma = float(np.median(a)) if a else None
    mb = float(np.median(b)) if b else None
    if not a or not b:
        return Verdict("same", "not measured", r, None, ma, mb)
    if speed:
        walls = [_clean(w or []) for w in (a_wall, b_wall)]
        if any(w and float(np.median(w)) < MIN_SPEED_S for w in walls):
            return Verdict("same", "too short", r, None, ma, mb)
    if smallest_p(len(a), len(b)) >= ALPHA:
        return Verdict("same", "too few runs", r, None, ma, mb)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = float(sps.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    if not math.isfinite(p):
        p = 1.0     # every run of both sides equal
    differs = abs(mb - ma) > MIN_DIFF * abs(ma) if ma else mb != 0
    if p < ALPHA and differs:
        b_better = (mb < ma) if better == "lower" else (mb > ma)
        return Verdict("better" if b_better else "worse", "decided", r, p, ma, mb)
    return Verdict("same", "noise", r, p, ma, mb)
