"""What this machine's costs do to the results: the calibration taken at the
start and the end of the run, the share of wall time each run spent in page
faults, and the ranking a machine with cheap faults would give (a model)."""
from .. import registry
from ..metrics import sig
from ..results import NOT

TITLE = "What this machine's costs do to the results"
REFERENCE_NS = 250.0     # a fault on bare metal: 0.1-0.25 us


def fault_ns(cal):
    v = cal.get("fault_first_touch_ns")
    return v[0] if v and v[0] else None


def drift(run):
    """end / start of the first-touch fault cost, or None."""
    a, b = fault_ns(run.calibration), fault_ns(run.calibration_end)
    return b / a if a and b else None


def warning(run):
    """A line for the top of the report when the fault cost moved more than
    2x during the run, else None."""
    d = drift(run)
    if d is None or 0.5 <= d <= 2.0:
        return None
    return (f"**The cost of a page fault moved {d:.1f}x during this run** (first touch "
            f"{sig(fault_ns(run.calibration))} ns at the start, {sig(fault_ns(run.calibration_end))} ns at the "
            "end): time comparisons across policies in this run are unreliable.")


def write(r):
    run = r.run
    cal, end = run.calibration, run.calibration_end
    if not cal:
        return ["The machine was not calibrated in this run (" + NOT + "): the driver offers no calibrate "
                "subcommand, or it failed (see failures.txt)."]
    rows = []
    for what, (v, unit) in cal.items():
        e = end.get(what, (None, ""))[0]
        rows.append((what, sig(v), sig(e) if e is not None else "—",
                     f"{e / v:.2f}" if e is not None and v else "—", unit))
    out = ["Measured by the driver's calibrate subcommand before the first run and after the last.", "",
           r.table(["what", "start", "end", "end / start", "unit"], rows), ""]
    f = fault_ns(cal)
    if not f:
        return out + [f"The fault cost was {NOT}.", ""]
    fe = fault_ns(end)
    if fe:
        f = (f + fe) / 2
    out += [f"Estimated share of wall time in page faults, per workload and backend (default policy): minor "
            f"faults x {sig(f)} ns (the first-touch cost{', mean of start and end' if fe else ''}) / wall time. "
            "Medians of the runs; above 100% means the faults overlapped (threads) or cost less than calibrated.",
            ""]
    backends = [b.name for b in registry.backends() if any(k[1] == b.name for k in r.g.keys)]
    share_rows, model_rows = [], []
    for wl in r.g.workloads():
        cells, measured, modeled = [], [], []
        for b in backends:
            k = r.key(wl, b)
            faults = r.median(k, "minor_faults") if k else None
            wall = r.median(k, "wall_s") if k else None
            if faults is None or not wall:
                cells.append("—")
                continue
            cells.append(f"{faults * f * 1e-9 / wall:.0%}")
            measured.append((wall, b))
            modeled.append((max(0.0, wall - faults * (f - REFERENCE_NS) * 1e-9), b))
        share_rows.append([wl] + cells)
        if len(measured) >= 2:
            m1 = [b for _, b in sorted(measured)]
            m2 = [b for _, b in sorted(modeled)]
            model_rows.append((wl, " < ".join(m1), " < ".join(m2), "yes" if m1 != m2 else "no"))
    out += [r.table(["workload"] + backends, share_rows), ""]
    out += [f"**A model, not a measurement**: the ranking by wall time if a fault cost {REFERENCE_NS / 1000:g} us, "
            f"as on bare metal. Formula: modelled wall = wall - minor faults x ({sig(f)} ns - "
            f"{REFERENCE_NS:g} ns), floored at 0, from the medians. Rankings list the fastest first; speed "
            "differences inside the noise are not verdicts.", "",
            r.table(["workload", "measured ranking", f"modelled at {REFERENCE_NS / 1000:g} us per fault",
                     "ranking changes"], model_rows), ""]
    return out
