"""A results directory as make bench writes it (layout: results/README.md):
summary.csv, sweeps.csv and latency.csv (one row per run, the same header),
series, latency histograms, calibration and the microbenchmark pass. The
extra column (one JSON object; older runs wrote name=value;...) is parsed
here and nowhere else. A missing file or column reads as empty: callers say
"not measured in this run"."""
import csv
import glob
import json
import math
import os

from . import Fatal

NOT = "not measured in this run"


def num(v):
    """V as a finite float, or None when empty, not a number or infinite."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return float(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def read_csv(path):
    """The rows of a CSV file with one header row (lines starting with # above
    it are provenance and skipped); [] when the file does not exist."""
    if not os.path.isfile(path):
        return []
    with open(path, newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines))


def parse_extra(text):
    """The extra column as a dict: a JSON object, or (older runs) the packed
    "name=value;name=value" form with numbers converted. Bad JSON is an
    empty dict, so one damaged cell cannot stop a report."""
    text = (text or "").strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            v = json.loads(text)
        except ValueError:
            return {}
        return v if isinstance(v, dict) else {}
    out = {}
    for part in text.split(";"):
        k, eq, v = part.partition("=")
        if eq:
            out[k.strip()] = num(v) if num(v) is not None else v
    return out


def parse_params(text):
    """The params column, "name=value;name=value", as a dict of strings."""
    out = {}
    for part in (text or "").split(";"):
        k, eq, v = part.partition("=")
        if eq:
            out[k.strip()] = v.strip()
    return out


def load_rows(path):
    """The rows of a summary-format CSV, each with "_x" (the extra column
    parsed) and "_p" (params parsed) added."""
    rows = read_csv(path)
    for r in rows:
        r["_x"] = parse_extra(r.get("extra"))
        r["_p"] = parse_params(r.get("params"))
    return rows


def read_env(path):
    """environment.txt as an ordered list of (key, value)."""
    out = []
    if os.path.isfile(path):
        with open(path) as f:
            for line in f:
                k, colon, v = line.partition(":")
                if colon:
                    out.append((k.strip(), v.strip()))
    return out


def read_calibration(path):
    """A calibration CSV (what,value,unit) as {what: (value, unit)}."""
    return {r["what"]: (num(r.get("value")), r.get("unit", ""))
            for r in read_csv(path) if r.get("what")}


class RunDir:
    """One results directory, loaded lazily where files are large."""

    def __init__(self, d, need_summary=True):
        self.d = d
        self.summary_path = os.path.join(d, "summary.csv")
        if not os.path.isdir(d):
            raise Fatal(f"{d}: no such directory; want a results directory written by make bench")
        if need_summary and not os.path.isfile(self.summary_path):
            raise Fatal(f"{self.summary_path}: no such file; want a results directory written by make bench")
        self.rows = load_rows(self.summary_path)
        for c in ("backend", "policy", "workload"):
            if self.rows and c not in self.rows[0]:
                raise Fatal(f"{self.summary_path}: no column {c}; want a summary written by make bench")
        self.sweeps = load_rows(os.path.join(d, "sweeps.csv"))
        self.latency = load_rows(os.path.join(d, "latency.csv"))
        self.env = read_env(os.path.join(d, "environment.txt"))
        self.calibration = read_calibration(os.path.join(d, "calibration.csv"))
        self.calibration_end = read_calibration(os.path.join(d, "calibration-end.csv"))
        self._series = {}

    def envget(self, key, default=None):
        return next((v for k, v in self.env if k == key), default)

    def policy_orders(self):
        """{backend: its policies, default first}, from the "policies" line of
        environment.txt ("blocks: decay retain decommit; glibc: default")."""
        out = {}
        for part in (self.envget("policies") or "").split(";"):
            b, colon, ps = part.partition(":")
            if colon:
                out[b.strip()] = ps.split()
        return out

    def workload_rank(self, workload):
        """Sort key of WORKLOAD: the order environment.txt lists the workloads
        and then the traces in (the runs themselves are shuffled)."""
        order = (self.envget("workloads") or "").split() + [
            os.path.basename(t).split(".")[0] for t in (self.envget("traces") or "").split()]
        return order.index(workload) if workload in order else len(order)

    def policy_rank(self, backend, policy):
        """Sort key of POLICY among BACKEND's: default first, +thp after."""
        order = self.policy_orders().get(backend, [])
        thp = policy.endswith("+thp")
        base = policy[:-len("+thp")] if thp else policy
        # A policy with a parameter runs as NAME but is labelled NAME:PARAM.
        name = base if base in order else base.split(":", 1)[0]
        return (order.index(name) if name in order else len(order), thp)

    def path(self, *parts):
        return os.path.join(self.d, *parts)

    def series_path(self, row):
        """The series file of ROW (under series/, or latency/ for latency
        rows), or None when it has none or the file is missing."""
        name = row.get("series")
        if not name:
            return None
        for sub in ("series", "latency"):
            p = os.path.join(self.d, sub, name)
            if os.path.isfile(p):
                return p
        return None

    def series(self, row):
        """The samples of ROW's series, as dicts of floats (None where empty)."""
        p = self.series_path(row)
        if p is None:
            return []
        if p not in self._series:
            self._series[p] = [{k: num(v) for k, v in s.items()} for s in read_csv(p)]
        return self._series[p]

    def histogram(self, row):
        """ROW's latency histogram (written beside its series as
        NAME.latency.csv): rows of op, bucket_low_ns, bucket_high_ns, count."""
        p = self.series_path(row)
        if p is None:
            return []
        return read_csv(p[:-len(".csv")] + ".latency.csv" if p.endswith(".csv") else p + ".latency.csv")

    # ---- the microbenchmark pass (micro/) --------------------------------

    def micro_rows(self):
        """micro/microbench.csv rows (backend, policy, benchmark, arg,
        median_ns, cv, repetitions, ...), or []; "name" is the benchmark
        with its argument, as Google Benchmark names it (decode_sum/1024)."""
        rows = read_csv(os.path.join(self.d, "micro", "microbench.csv"))
        for r in rows:
            b, arg = r.get("benchmark", ""), r.get("arg", "")
            r["name"] = b if "/" in b or not arg else f"{b}/{arg}"
        return rows

    def micro_samples(self):
        """{(backend, policy, benchmark): [ns per op of each repetition]} from
        the Google Benchmark JSON files in micro/ (iterations, not aggregates)."""
        out = {}
        for path in sorted(glob.glob(os.path.join(self.d, "micro", "*.json"))):
            try:
                with open(path) as f:
                    doc = json.load(f)
            except (OSError, ValueError):
                continue
            ctx = doc.get("context", {})
            backend, policy = ctx.get("backend"), ctx.get("policy", "")
            scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
            for b in doc.get("benchmarks", []):
                if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
                    continue
                name = b.get("run_name") or b.get("name", "")
                t = num(b.get("real_time"))
                if backend and t is not None:
                    out.setdefault((backend, policy, name), []).append(t * scale.get(b.get("time_unit", "ns"), 1.0))
        return out

    def micro_instructions(self):
        """{(backend, benchmark): instructions per op} from micro/instructions.csv."""
        return {(r.get("backend"), r.get("benchmark")): num(r.get("instructions_per_op"))
                for r in read_csv(os.path.join(self.d, "micro", "instructions.csv"))}

    def micro_text(self, name):
        p = os.path.join(self.d, "micro", name)
        if not os.path.isfile(p):
            return None
        with open(p, errors="replace") as f:
            return f.read()
