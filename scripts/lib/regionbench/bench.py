"""scripts/bench: the workload matrix, repeated, into a new results/<UTC time>/.

Every (workload or trace, backend, policy) runs REPEAT times, each a fresh
driver process, interleaved by rounds: round k runs every pair once, in an
order shuffled by a seed recorded in environment.txt, so drift in machine
speed spreads over every backend. Around the rounds: a calibration of the
machine at the start and the end, a short microbenchmark pass, the sweeps
(sweeps.csv) and one latency run per pair (latency.csv). The directory holds
PARTIAL until everything, plots and report included, is done; only then does
results/latest move to it. Knobs: the Makefile header and results/README.md."""
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from . import ROOT, SIGNALS, Fatal, registry, run

MIB = 1 << 20
GIB = 1 << 30

# Workload parameters of the default (not QUICK) run, chosen so that every
# policy of every backend finishes in seconds and REPEAT=5 fits the time goal
# (results/README.md, "What a run costs").
DEFAULT_SCALE = {
    "request-server": {"requests": 150000},   # mimalloc decommit0: about 20 s; blocks: over 0.1 s
}

# Which workloads also run once per pair with --latency (create, reset and
# destroy churn); overridable with LATENCY_WORKLOADS.
LATENCY_WORKLOADS = "request-server binary-trees long-running"


@dataclass
class Sweep:
    """WORKLOAD at every point of AXES (parameter: values of the default run,
    values of the QUICK run), with FIXED parameters (default, QUICK), on the
    backends of KIND (None: every bench backend), under each backend's
    default policy (and retain, where RETAIN and the backend has it)."""
    name: str
    workload: str
    axes: dict
    fixed: tuple = ({}, {})
    kind: str = None
    retain: bool = False
    quick_flag: bool = False    # pass --quick under QUICK for the parameters not set here


SWEEPS = [
    Sweep("threads", "request-server", {"threads": ([1, 2, 4, 8], [1, 2, 4, 8])},
          ({"requests": 150000}, {"requests": 5000})),
    Sweep("saturation", "long-running",
          {"spike_mib": ([16, 64, 256], [8, 32]), "regions": ([16, 64], [4, 16])},
          ({"cycles": 60, "spike_every": 15, "base_kib": 256},
           {"cycles": 20, "spike_every": 5, "base_kib": 64}), kind="strategy", retain=True),
    Sweep("live-regions", "capacity", {"regions": ([16, 100, 1000, 4000], [16, 256, 4000])},
          ({"total_gib": 1}, {"total_gib": 1})),
    Sweep("working-set", "pointer-chase",
          {"nodes": ([100000, 1000000, 8000000, 48000000], [10000, 100000, 1000000])},
          ({"steps": 4000000}, {"steps": 200000}), kind="strategy"),
    Sweep("wrappers", "syscall-wrappers", {"wrapper": ([0, 1, 2], [0, 1, 2])}, quick_flag=True),
]


def memory_need(workload, p):
    """Bytes a run of WORKLOAD with explicit parameters P could hold at most,
    or 0 when P does not say (the workloads' own defaults fit the machine)."""
    g = lambda k, d=0: int(p.get(k, d))
    if workload == "long-running" and "spike_mib" in p:
        spikes = max(1, g("cycles", 100) // max(1, g("spike_every", 20)))
        return min(g("regions", 64), spikes) * g("spike_mib") * MIB + g("regions", 64) * g("base_kib", 256) * 8192
    if workload == "pointer-chase" and "nodes" in p:
        return g("nodes") * 64
    if workload == "capacity" and "total_gib" in p:
        touched = g("total_gib") * GIB // (max(4, g("touch_kib", 1024)) * 1024) * 4096
        return touched + g("regions", 8192) * 65536
    return 0


def mem_available():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except (OSError, ValueError):
        return None


@dataclass
class Config:
    """One pair or sweep point; a job is a Config and a repetition."""
    kind: str               # run or replay
    workload: str           # workload name, or the trace's name
    target: str             # workload name, or the trace file
    backend: str
    policy: str = ""        # "" for the backend's default
    show_policy: bool = False
    thp: bool = False
    params: dict = field(default_factory=dict)
    quick: bool = False
    out: str = "summary"    # summary, sweeps or latency (the CSV it appends to)
    sweep: str = ""
    axes_keys: tuple = ()   # the sweep's varied parameters
    reps: int = 1
    failed: bool = False

    def base(self):
        """The file name stem of its series and log, without the repetition."""
        s = f"{self.workload}-{self.backend}"
        if self.show_policy and self.policy:
            s += f"-{self.policy}"
        if self.thp:
            s += "+thp"
        if self.params and self.sweep:
            s += "@" + ",".join(f"{k}={v}" for k, v in self.params.items() if k in self.axes_keys)
        return s

    def what(self):
        s = f"{self.workload} on {self.backend}"
        if self.policy or self.thp:
            s += f" ({self.policy or 'default'}{'+thp' if self.thp else ''})"
        if self.sweep:
            s += " " + " ".join(f"{k}={v}" for k, v in self.params.items() if k in self.axes_keys)
        return s


class Interrupted(Exception):
    pass


def _raise(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def words(v):
    return (v or "").split()


class Bench:
    """One make bench: settings from ENV (the environment), checked before
    anything is run or created."""

    def __init__(self, env):
        self.env = env
        self.bin = env.get("BIN", "build/bin")
        self.quick = env.get("QUICK", "") not in ("", "0", "no")
        self.root = env.get("RESULTS_ROOT", "results")
        self.log = sys.stdout
        rep = env.get("REPEAT", "") or ("3" if self.quick else "5")
        if not rep.isdigit() or not 1 <= int(rep) <= 100:
            raise Fatal(f"REPEAT={rep}: want a whole number of repetitions from 1 to 100")
        self.repeat = int(rep)
        srep = env.get("SWEEP_REPEAT", "") or str(min(self.repeat, 2) if self.quick else self.repeat)
        if not srep.isdigit() or not 1 <= int(srep) <= 100:
            raise Fatal(f"SWEEP_REPEAT={srep}: want a whole number of repetitions from 1 to 100")
        self.sweep_repeat = int(srep)
        seed = env.get("SHUFFLE_SEED", "")
        if seed and not seed.isdigit():
            raise Fatal(f"SHUFFLE_SEED={seed}: want a non-negative whole number")
        self.seed = int(seed) if seed else random.SystemRandom().randrange(1 << 32)
        self.load_before = loadavg()
        self.notes = []          # what was skipped and why, for environment.txt

    # ---- the plan ----------------------------------------------------------

    def driver(self, b):
        return os.path.join(self.bin, f"regionbench-{b}")

    def call(self, args, timeout=60):
        """stdout of a short driver query; Fatal when it fails."""
        try:
            p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise Fatal(f"{' '.join(args)}: {e}", 3)
        if p.returncode != 0:
            raise Fatal(f"{' '.join(args)} failed: {p.stderr.strip()[:200]}", 3)
        return p.stdout

    def build(self):
        """Builds the drivers (and microbench executables) unless make just
        did, or NOBUILD is set, or BIN is not the default."""
        if self.env.get("MAKELEVEL") or self.env.get("NOBUILD") or self.bin != "build/bin":
            return
        targets = [self.driver(b) for b in self.backends]
        if self.micro_wanted():
            targets += [os.path.join(self.bin, f"microbench-{b.name}") for b in registry.backends()]
        if subprocess.run(["make", "-s"] + targets, cwd=ROOT).returncode != 0:
            raise Fatal(f"building {' '.join(targets)} failed", 3)

    def capabilities(self, drv):
        """What the driver offers beyond run and replay, from its --help, and
        whether replay takes --quick (tried on a two-event trace)."""
        text = subprocess.run([drv, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True).stdout
        caps = {"rep": bool(re.search(r"--rep\b", text)), "latency": bool(re.search(r"--latency\b", text)),
                "calibrate": bool(re.search(r"\bcalibrate\b", text)), "replay_quick": False}
        if self.quick and self.traces:
            with tempfile.NamedTemporaryFile("w", suffix=".trace") as t:
                t.write("regiontrace 1\nc 1\na 1 16\nd 1\n")
                t.flush()
                caps["replay_quick"] = subprocess.run(
                    [drv, "replay", t.name, "--quick"], stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL).returncode == 0
        return caps

    def select(self):
        """Backends, workloads and traces from BACKENDS, WORKLOADS, TRACES."""
        env = self.env
        known = [b.name for b in registry.backends()]
        self.backends = words(env.get("BACKENDS")) or [b.name for b in registry.backends() if b.runs == "bench"]
        for b in self.backends:
            if b not in known:
                raise Fatal(f"unknown backend '{b}' in BACKENDS; want backends of common/backends.list: {' '.join(known)}")
        self.build()
        for b in self.backends:
            if not os.access(self.driver(b), os.X_OK):
                raise Fatal(f"no driver {self.driver(b)} for backend '{b}'; make {self.driver(b)} builds it")
        self.first = self.driver(self.backends[0])
        all_wl = self.call([self.first, "list", "--names"]).split()
        traces_env = env.get("TRACES", "")
        if traces_env != "none":
            for x in words(traces_env.lstrip("+")):
                if not os.path.exists(x):
                    raise Fatal(f"TRACES: no trace file or directory '{x}'; want .trace or .trace.gz files, a directory, or none")
        shipped = os.path.join(ROOT, "workloads", "traces")
        if traces_env == "none":
            traces = []
        elif traces_env == "":
            traces = trace_files([shipped])
        elif traces_env.startswith("+"):
            traces = trace_files([shipped] + words(traces_env[1:]))
        else:
            traces = trace_files(words(traces_env))
        wl = words(env.get("WORKLOADS"))
        workloads = all_wl
        if wl:
            valid = all_wl + [trace_name(t) for t in traces]
            for w in wl:
                if w not in valid:
                    raise Fatal(f"unknown workload '{w}' in WORKLOADS; valid: {' '.join(valid)}")
            workloads = [w for w in all_wl if w in wl]
            if traces_env == "":
                traces = [t for t in traces if trace_name(t) in wl]
        self.all_workloads, self.workloads, self.traces = all_wl, workloads, traces
        self.caps = self.capabilities(self.first)

    def policies(self, b):
        return self.call([self.driver(b), "policies"]).split()

    def plan(self):
        """Every Config of the run: the matrix, the sweeps, the latency runs."""
        env = self.env
        pol_wl = words(env.get("POLICY_WORKLOADS", "long-running request-server"))
        strategies = registry.strategies("bench")
        thp = words(env.get("THP_BACKENDS", " ".join(strategies)))
        matrix, sweeps, lat = [], [], []
        pols = self.pols = {b: self.policies(b) for b in self.backends}
        scale = {} if self.quick else DEFAULT_SCALE
        for w in self.workloads:
            for b in self.backends:
                each = pols[b] if w in pol_wl and len(pols[b]) > 1 else [""]
                for p in each:
                    matrix.append(Config("run", w, w, b, p, bool(p), params=dict(scale.get(w, {})),
                                         quick=self.quick, reps=self.repeat))
                if w in pol_wl and b in thp:
                    matrix.append(Config("run", w, w, b, pols[b][0], len(pols[b]) > 1, True,
                                         dict(scale.get(w, {})), self.quick, reps=self.repeat))
        for t in self.traces:
            for b in self.backends:
                matrix.append(Config("replay", trace_name(t), t, b,
                                     quick=self.quick and self.caps["replay_quick"], reps=self.repeat))
        if self.quick and self.traces and not self.caps["replay_quick"]:
            self.notes.append("traces: the driver's replay has no --quick; traces replay whole")
        chosen = words(env.get("SWEEPS", " ".join(s.name for s in SWEEPS)))
        for s in SWEEPS:
            if s.name not in chosen or "none" in chosen:
                continue
            if s.workload not in self.workloads:
                if s.workload not in self.all_workloads:
                    self.notes.append(f"sweep {s.name}: the driver has no workload {s.workload}")
                continue
            sweeps += self.sweep_configs(s, pols)
        lat_wl = words(env.get("LATENCY_WORKLOADS", LATENCY_WORKLOADS))
        if self.caps["latency"]:
            for c in matrix:
                if c.kind == "run" and c.workload in lat_wl and not c.thp:
                    lat.append(Config("run", c.workload, c.target, c.backend, c.policy, c.show_policy,
                                      params=dict(c.params), quick=c.quick, out="latency", reps=1))
        elif any(w in lat_wl for w in self.workloads):
            self.notes.append("latency: the driver has no --latency option; no latency runs")
        return matrix, sweeps, lat

    def sweep_configs(self, s, pols):
        q = 1 if self.quick else 0
        axes = {k: v[q] for k, v in s.axes.items()}
        points = [{}]
        for k, vs in axes.items():
            points = [dict(pt, **{k: v}) for pt in points for v in vs]
        out = []
        for b in self.backends:
            if s.kind and not registry.get(b) or s.kind and registry.get(b).kind != s.kind:
                continue
            ps = [""] + (["retain"] if s.retain and "retain" in pols[b][1:] else [])
            for p in ps:
                for pt in points:
                    c = Config("run", s.workload, s.workload, b, p, bool(p), params=dict(s.fixed[q], **pt),
                               quick=self.quick and s.quick_flag, out="sweeps", sweep=s.name,
                               reps=self.sweep_repeat)
                    c.axes_keys = tuple(axes)
                    out.append(c)
        return out

    # ---- running ---------------------------------------------------------------

    def say(self, text, end="\n"):
        print(text, end=end, file=self.log, flush=True)

    def args(self, c, rep, series):
        a = [self.driver(c.backend)]
        a += ["run", c.target] if c.kind == "run" else ["replay", c.target]
        a += [f"--{k}={v}" for k, v in c.params.items()]
        if c.quick:
            a.append("--quick")
        a += ["--csv", os.path.join(self.dir, f"{c.out}.csv"), "--series", series]
        if c.policy:
            a += ["--policy", c.policy]
        if c.thp:
            a.append("--thp")
        if self.caps["rep"] and c.out != "latency":
            a += ["--rep", str(rep)]
        if c.out == "latency":
            a.append("--latency")
        return a

    def child(self, args, log, timeout=None, env=None):
        """Runs ARGS with output to LOG; its exit status (124 when it ran
        past TIMEOUT). An interrupt stops it (SIGTERM: the driver removes its
        temporary file) and propagates."""
        with open(log, "w") as f:
            try:
                return run(args, timeout, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT, env=env).returncode
            except subprocess.TimeoutExpired:
                return 124

    def fail(self, what, text):
        with open(os.path.join(self.dir, "failures.txt"), "a") as f:
            f.write(f"{what}: {text}\n")
        self.failed += 1

    def job(self, c, rep):
        self.i += 1
        reps = f" rep {rep}/{c.reps}" if c.out != "latency" else " latency"
        self.say(f"[{self.i}/{self.total}] {c.what()}{reps} ... ", end="")
        if c.failed:
            self.say("skipped (failed in an earlier repetition)")
            return
        need = memory_need(c.workload, c.params)
        avail = mem_available()
        if need and avail is not None and need > 0.8 * avail:
            self.say(f"skipped: needs about {need / GIB:.1f} GiB, {avail / GIB:.1f} GiB available")
            self.fail(c.what() + reps, f"skipped: needs about {need / GIB:.1f} GiB, only "
                      f"{avail / GIB:.1f} GiB available (MemAvailable)")
            c.failed = True
            return
        sub = "latency" if c.out == "latency" else "series"
        stem = c.base() + (f"-rep{rep}" if c.out != "latency" else "")
        series = os.path.join(self.dir, sub, stem + ".csv")
        log = os.path.join(self.dir, "logs", stem + ".log")
        t0 = time.monotonic()
        rc = self.child(self.args(c, rep, series), log)
        secs = time.monotonic() - t0
        if rc == 0:
            self.say(f"{secs:.1f} s")
            return
        why = ""
        with open(log, errors="replace") as f:
            lines = [line.strip() for line in f if line.strip()]
            why = lines[-1] if lines else ""
        meaning = {1: "backend limit", 2: "bad input", 3: "system failure"}.get(rc, "crashed" if rc < 0 else "")
        self.say(f"FAILED (exit {rc}{', ' + meaning if meaning else ''}) {secs:.1f} s: {why}")
        self.fail(c.what() + reps, f"exit {rc}{' (' + meaning + ')' if meaning else ''}: {why} "
                  f"(log: logs/{stem}.log){'; later repetitions not run' if c.reps > rep else ''}")
        c.failed = True

    def calibrate(self, name):
        """One calibration of the machine into NAME (calibration.csv at the
        start, calibration-end.csv at the end), if the driver offers it."""
        if not self.caps["calibrate"]:
            return
        self.say(f"calibrating the machine ({name}) ... ", end="")
        t0 = time.monotonic()
        out = os.path.join(self.dir, name)
        rc = self.child([self.first, "calibrate", "--csv", out],
                        os.path.join(self.dir, "logs", name[:-4] + ".log"), timeout=600)
        self.say(f"{time.monotonic() - t0:.1f} s" if rc == 0 else f"FAILED (exit {rc}; logs/{name[:-4]}.log)")
        if rc != 0:
            self.fail(f"calibration ({name})", f"exit {rc} (log: logs/{name[:-4]}.log)")

    def micro_wanted(self):
        """MICRO=1, or MICRO unset and no WORKLOADS subset."""
        want = self.env.get("MICRO", "")
        return want == "1" or want == "" and not words(self.env.get("WORKLOADS"))

    def micro(self):
        """The short microbenchmark pass into micro/, if scripts/microbench
        writes where OUT says (MICRO=0 skips it, MICRO=1 forces it with
        WORKLOADS set)."""
        if not self.micro_wanted():
            return
        script = os.path.join(ROOT, "scripts", "microbench")
        with open(script) as f:
            if not re.search(r"\$\{?OUT\b", f.read()):
                self.notes.append("micro: scripts/microbench cannot write into a given directory (OUT); skipped")
                return
        # QUICK: the strategies only (blocks-gs among them), for the decode
        # question; otherwise every backend the microbenchmarks cover.
        names = registry.strategies() if self.quick else [b.name for b in registry.backends()]
        missing = [b for b in names if not os.access(os.path.join(self.bin, f"microbench-{b}"), os.X_OK)]
        if missing:
            self.notes.append(f"micro: no {self.bin}/microbench-{missing[0]} (make microbench builds it); skipped")
            self.say(f"microbenchmarks skipped: no {self.bin}/microbench-{missing[0]}")
            return
        env = dict(os.environ, OUT=os.path.join(self.dir, "micro"), BIN=self.bin,
                   BACKENDS=" ".join(names), QUICK="1" if self.quick else "")
        self.say("microbenchmarks into micro/ ... ", end="")
        t0 = time.monotonic()
        rc = self.child([script], os.path.join(self.dir, "logs", "microbench.log"), env=env)
        self.say(f"{time.monotonic() - t0:.1f} s" if rc == 0 else f"FAILED (exit {rc}; logs/microbench.log)")
        if rc != 0:
            self.fail("microbenchmarks", f"exit {rc} (log: logs/microbench.log)")

    def environment(self, matrix, sweeps, lat):
        with open(os.path.join(self.dir, "environment.txt"), "w") as f:
            run([os.path.join(ROOT, "scripts", "environment"), os.path.dirname(self.bin)], 120, stdout=f, cwd=ROOT)
        la = self.load_before
        cpus = os.cpu_count() or 1
        lines = {
            "load_average_before": " ".join(f"{x:.2f}" for x in la) if la else "unknown",
            "backends": " ".join(self.backends),
            "workloads": " ".join(self.workloads),
            "traces": " ".join(self.traces),
            "quick": "yes" if self.quick else "no",
            "repeat": self.repeat,
            "sweep_repeat": self.sweep_repeat,
            "shuffle_seed": self.seed,
            "policy_workloads": self.env.get("POLICY_WORKLOADS", "long-running request-server"),
            "policies": "; ".join(f"{b}: {' '.join(p)}" for b, p in self.pols.items()),
            "scale": "--quick" if self.quick else
            "; ".join(f"{w}: " + " ".join(f"--{k}={v}" for k, v in p.items()) for w, p in DEFAULT_SCALE.items()),
            "runs": f"{sum(c.reps for c in matrix)} matrix, {sum(c.reps for c in sweeps)} sweep, {len(lat)} latency",
            "driver_offers": " ".join(k for k, v in self.caps.items() if v) or "run and replay only",
        }
        if la and la[0] >= 1.0:
            busy = f"load average {la[0]:.2f} before the run on {cpus} CPUs: another job kept about " \
                   f"{min(la[0], cpus):.1f} CPU(s) busy; times are slower and noisier than on a quiet machine"
            lines["load_warning"] = busy
            print(f"scripts/bench: warning: {busy}", file=sys.stderr)
        with open(os.path.join(self.dir, "environment.txt"), "a") as f:
            for k, v in lines.items():
                f.write(f"{k}: {v}\n")
            for n in self.notes:
                f.write(f"note: {n}\n")

    def mkdir(self):
        os.makedirs(self.root, exist_ok=True)
        stamp = time.strftime("%Y-%m-%dT%H%M%SZ", time.gmtime())
        for n in range(1, 100):
            name = stamp if n == 1 else f"{stamp}-{n}"
            try:
                os.mkdir(os.path.join(self.root, name))
                return name
            except FileExistsError:
                continue
        raise Fatal(f"cannot create a directory under {self.root}", 3)

    def main(self):
        self.select()
        matrix, sweeps, lat = self.plan()
        if not matrix and not sweeps:
            raise Fatal(f"nothing to run (WORKLOADS='{self.env.get('WORKLOADS', '')}' TRACES='{self.env.get('TRACES', '')}')")
        if self.env.get("DRY_RUN"):
            return self.dry_run(matrix, sweeps, lat)
        for sig in SIGNALS:
            signal.signal(sig, _raise)
        self.i = self.failed = 0
        # The directory never exists without its PARTIAL file: signals wait
        # until both are there.
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        self.name = self.mkdir()
        self.dir = os.path.join(self.root, self.name)
        with open(os.path.join(self.dir, "PARTIAL"), "w") as f:
            f.write(f"started {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}; not finished\n")
        try:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)   # a pending signal is raised here
            for sub in ("series", "logs", "plots", "latency"):
                os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
            self.environment(matrix, sweeps, lat)
            rounds = []
            rng = random.Random(self.seed)
            for k in range(1, max(self.repeat, self.sweep_repeat) + 1):
                r = [(c, k) for c in matrix + sweeps if c.reps >= k]
                rng.shuffle(r)
                rounds.append(r)
            self.total = sum(len(r) for r in rounds) + len(lat)
            self.say(f"regionbench: {self.total} runs into {self.dir} ({len(matrix)} pairs x {self.repeat}, "
                     f"{len(sweeps)} sweep points x {self.sweep_repeat}, {len(lat)} latency runs; "
                     f"shuffle seed {self.seed})")
            t_all = time.monotonic()
            self.calibrate("calibration.csv")
            self.micro()
            for r in rounds:
                for c, k in r:
                    self.job(c, k)
            for c in lat:
                self.job(c, 1)
            self.calibrate("calibration-end.csv")
            note = f" (see {self.dir}/failures.txt)" if self.failed else ""
            self.say(f"regionbench: {self.total} runs in {time.monotonic() - t_all:.1f} s, {self.failed} failed{note}")
            self.finish()
        except Interrupted as e:
            for sig in SIGNALS:
                signal.signal(sig, signal.SIG_IGN)
            with open(os.path.join(self.dir, "PARTIAL"), "a") as f:
                f.write(f"interrupted by {e} after {self.i} of {getattr(self, 'total', '?')} runs; the rows and "
                        "series here are whole, the matrix, plots or report are not\n")
            print(f"\nscripts/bench: interrupted; {self.dir} is marked PARTIAL, {self.root}/latest not moved",
                  file=sys.stderr)
            return 130
        return 0

    def dry_run(self, matrix, sweeps, lat):
        """DRY_RUN=1: what the run would do, per part, without running it."""
        parts = {}
        for c in matrix + sweeps + lat:
            part = (f"sweep {c.sweep}" if c.sweep else "latency" if c.out == "latency"
                    else "trace " if c.kind == "replay" else "") + ("" if c.sweep or c.out == "latency" else c.workload)
            n, reps = parts.get(part, (0, 0))
            parts[part] = (n + 1, reps + c.reps)
        for part, (n, reps) in parts.items():
            self.say(f"{part}: {n} pairs or points, {reps} runs")
        self.say(f"regionbench: {sum(r for _, r in parts.values())} runs (REPEAT={self.repeat}, "
                 f"SWEEP_REPEAT={self.sweep_repeat}); driver offers: "
                 + (" ".join(k for k, v in self.caps.items() if v) or "run and replay only"))
        for n in self.notes:
            self.say(f"note: {n}")
        return 0

    def finish(self):
        """Statistics, plots and report, then the commit: PARTIAL removed and
        latest moved with signals blocked, so an interrupt cannot split them."""
        from . import plot, report, runstats
        from .results import RunDir
        with open(os.path.join(self.dir, "environment.txt"), "a") as f:
            la = loadavg()
            f.write(f"load_average_end: {' '.join(f'{x:.2f}' for x in la) if la else 'unknown'}\n")
        if not os.path.isfile(os.path.join(self.dir, "summary.csv")):
            self.say("scripts/bench: no run completed; no statistics, plots or report")
        else:
            self.say("statistics, plots and report ...")
            for name, step in (("stats", lambda: runstats.write(RunDir(self.dir))),
                               ("plot", lambda: plot.main([self.dir])),
                               ("report", lambda: report.main([self.dir], finishing=True))):
                try:
                    step()
                except Interrupted:
                    raise
                except Fatal as e:
                    print(f"scripts/{name}: {e}", file=sys.stderr)
                    self.fail(f"scripts/{name}", str(e))
                except Exception as e:   # a bug in one step must not lose the others
                    import traceback
                    traceback.print_exc()
                    self.fail(f"scripts/{name}", f"{type(e).__name__}: {e}")
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        try:
            os.remove(os.path.join(self.dir, "PARTIAL"))
            tmp = os.path.join(self.root, "latest.new")
            if os.path.lexists(tmp):
                os.remove(tmp)
            os.symlink(self.name, tmp)
            os.replace(tmp, os.path.join(self.root, "latest"))
            for sig in SIGNALS:
                signal.signal(sig, signal.SIG_IGN)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
        self.say(f"regionbench: results in {self.dir} ({self.root}/latest)")


def trace_files(paths):
    out = []
    for x in paths:
        if os.path.isdir(x):
            out += sorted(os.path.join(x, n) for n in os.listdir(x)
                          if n.endswith((".trace", ".trace.gz")) and os.path.isfile(os.path.join(x, n)))
        else:
            out.append(x)
    return out


def trace_name(path):
    n = os.path.basename(path)
    return n.split(".")[0] or n


def main(argv):
    if argv:
        raise Fatal("usage: scripts/bench (settings come from the environment; see make bench)")
    os.chdir(ROOT)     # BIN, RESULTS_ROOT and TRACES are relative to the checkout, as make gives them
    return Bench(os.environ).main()
