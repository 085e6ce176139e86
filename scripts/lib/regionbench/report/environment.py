"""Environment: the machine, kernel settings, compiler and settings of the run."""
from ..results import NOT

TITLE = "Environment"


def write(r):
    if not r.run.env:
        return [f"environment.txt: {NOT}."]
    out = [r.table(["what", "value"], r.run.env), ""]
    builds = sorted({x.get("build", "") for x in r.run.rows if x.get("build")})
    if builds:
        out += ["Builds in this run: " + "; ".join(f"`{b}`" for b in builds) + ".", ""]
    if any("debug=0" not in b for b in builds):
        out += ["**Some rows come from a debug or sanitized build: do not compare their speed.**", ""]
    return out
