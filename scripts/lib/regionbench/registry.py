"""The backend registry, common/backends.list, as scripts/backends --table
prints it (name, ref, kind, runs, colour): the only source of backend names,
their order, colours and kinds for every script and figure."""
import functools
import os
import subprocess
from collections import namedtuple

from . import ROOT, Fatal

Backend = namedtuple("Backend", "name ref kind runs colour")


@functools.lru_cache(maxsize=None)
def backends():
    """Every backend, in registry order; Fatal if the registry is unreadable."""
    try:
        p = subprocess.run([os.path.join(ROOT, "scripts", "backends"), "--table"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Fatal(f"scripts/backends --table: {e}", 3)
    if p.returncode != 0:
        raise Fatal(p.stderr.strip() or "scripts/backends --table failed", p.returncode or 2)
    out = []
    for line in p.stdout.splitlines():
        name, ref, kind, runs, colour = line.split("\t")
        out.append(Backend(name, int(ref), kind, runs, colour))
    return tuple(out)


def get(name):
    """The registry entry of NAME, or None for a backend not listed."""
    return next((b for b in backends() if b.name == name), None)


def rank(name):
    """Sort key: registry order, unknown names last (alphabetically)."""
    names = [b.name for b in backends()]
    return (names.index(name), "") if name in names else (len(names), name)


def strategies(runs=None):
    """Names of the strategies (kind strategy), optionally only those whose
    runs field is RUNS."""
    return [b.name for b in backends() if b.kind == "strategy" and (runs is None or b.runs == runs)]


def is_strategy(name):
    b = get(name)
    return b is not None and b.kind == "strategy"


def colour(name):
    b = get(name)
    return b.colour if b else "#999999"


def palette_include(path):
    """Writes PATH, the gnuplot include palette.gp loads: the backends'
    names, colours and which are baselines, all from the registry."""
    bs = backends()
    with open(path, "w") as f:
        f.write("# generated from common/backends.list by scripts/lib/regionbench/registry.py\n")
        f.write('backend_names = "%s"\n' % " ".join(b.name for b in bs))
        f.write('backend_colors = "%s"\n' % " ".join(b.colour for b in bs))
        f.write('baselines = " %s "\n' % " ".join(b.name for b in bs if b.kind == "baseline"))
