"""The gnuplot runner: one script of scripts/plots/ per figure, PNG and SVG,
under a timeout (a hung gnuplot must not hang make bench), with its data
files in a temporary directory removed afterwards. GNUPLOT_TIMEOUT (seconds,
default 60) bounds each figure."""
import csv
import os
import subprocess
import tempfile

from . import ROOT, registry, run

PLOTS = os.path.join(ROOT, "scripts", "plots")


def timeout():
    try:
        return max(1.0, float(os.environ.get("GNUPLOT_TIMEOUT", "60")))
    except ValueError:
        return 60.0


class Gnuplot:
    """Draws figures into OUTDIR; use as a context manager (the temporary
    directory goes away on exit). failures lists what could not be drawn."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.failures = []
        self.drawn = []

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="regionbench-plot.")
        self.tmp = self._tmp.name
        self.palette = os.path.join(self.tmp, "registry.gp")
        registry.palette_include(self.palette)
        os.makedirs(self.outdir, exist_ok=True)
        return self

    def __exit__(self, *exc):
        self._tmp.cleanup()

    def data(self, name, header, rows):
        """Writes a CSV data file NAME in the temporary directory; its path."""
        path = os.path.join(self.tmp, name)
        with open(path, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            for r in rows:
                w.writerow(["" if v is None else v for v in r])
        return path

    def draw(self, script, name, width=1000, height=600, **variables):
        """Runs scripts/plots/SCRIPT with VARIABLES set (strings quoted, numbers
        as they are) into OUTDIR/NAME.png and .svg. True when drawn; else the
        reason is in failures and False is returned."""
        out = os.path.join(self.outdir, name)
        variables = dict(variables, dir=PLOTS, registry=self.palette, out=out)
        sets = []
        for k, v in variables.items():
            if isinstance(v, (int, float)):
                sets.append(f"{k}={v}")
                continue
            v = str(v)
            if '"' in v or "\\" in v:
                self.failures.append(f"{name}: cannot pass {v!r} to gnuplot")
                return False
            sets.append(f'{k}="{v}"'.replace("\n", "\\n"))   # gnuplot reads \n in "..." as a newline
        gp = os.path.join(PLOTS, script)
        script_run = (f'set terminal pngcairo size {width},{height} font "sans,11"; set output out.".png"; '
               f'load "{gp}"; set terminal svg size {width},{height} dynamic font "sans,11"; '
               f'set output out.".svg"; load "{gp}"; set output')
        try:
            p = run(["gnuplot", "-e", "; ".join(sets), "-e", script_run],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout())
        except subprocess.TimeoutExpired:
            self.failures.append(f"{name}: gnuplot {script} did not finish within {timeout():.0f} s; killed")
            return False
        except OSError as e:
            self.failures.append(f"{name}: cannot run gnuplot: {e.strerror}")
            return False
        if p.returncode != 0:
            self.failures.append(f"{name}: gnuplot {script} failed: {p.stderr.strip()[-500:]}")
            return False
        self.drawn.append(name)
        return True
