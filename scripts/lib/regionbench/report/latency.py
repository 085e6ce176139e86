"""Pause distributions: the latency of region create, reset and destroy, from
one dedicated --latency run per pair (never mixed with the timed runs)."""
from ..metrics import sig
from ..results import NOT, num

TITLE = "Pause distributions"
OPS = ["create", "reset", "destroy"]
PCT = ["p50", "p99", "p999", "max"]


def write(r):
    rows = r.run.latency
    if not rows:
        return [f"Latency was {NOT} (latency.csv is written by the bench's --latency runs, where the driver "
                "offers them)."]
    out = ["One dedicated run per pair with every call timed into a log-bucketed histogram; the percentiles come "
           "from all the calls of that one run, so there is no interval across runs and no verdict. Times in "
           "microseconds.", ""]
    for wl in dict.fromkeys(x["workload"] for x in rows):
        mine = [x for x in rows if x["workload"] == wl]
        head = ["backend/policy"] + [f"{op} {p}" for op in OPS for p in PCT]
        body = [[x["backend"] + "/" + x["policy"]] +
                [sig(num(x.get(f"{op}_{p}_ns")) / 1000) if num(x.get(f"{op}_{p}_ns")) is not None else "—"
                 for op in OPS for p in PCT] for x in mine]
        out += [f"### {wl}", "", r.table(head, body), "", r.link(f"{wl}-latency"), ""]
        for op in OPS:
            vals = [(num(x.get(f"{op}_p999_ns")), x["backend"] + "/" + x["policy"]) for x in mine]
            vals = sorted(v for v in vals if v[0] is not None)
            if len(vals) >= 2:
                out.append(f"- {op} p99.9 spans {sig(vals[0][0] / 1000)} us ({vals[0][1]}) to "
                           f"{sig(vals[-1][0] / 1000)} us ({vals[-1][1]}).")
        out.append("")
    return out
