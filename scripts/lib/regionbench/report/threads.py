"""Thread scaling: request-server at 1, 2, 4 and 8 threads, each backend
under its default policy: throughput per thread and the pool lock's waits."""
from .. import registry
from ..results import NOT

TITLE = "Thread scaling"


def write(r):
    table, lines = r.sweep_table("request-server", "threads", "ops_per_thread", axis_label="threads")
    if not table:
        return [f"The thread sweep (request-server --threads) was {NOT}."]
    cpus = r.run.envget("cpus_online") or "?"
    out = ["Requests per second per thread against threads (medians with 95% intervals). This "
           f"machine has {cpus} CPUs: past them, threads take turns on the CPUs, so throughput per thread falls "
           "on every backend and a lock is often held by a thread that is not running (a convoy). What carries "
           "over to bigger machines is the share of lock acquisitions that had to wait.", "",
           table, "", r.link("sweep-threads"), ""]
    share, _ = r.sweep_table("request-server", "threads", "lock_contended_share", unit="%", axis_label="threads")
    if share and any(r.sg.values(k, "lock_contended_share") for ks in lines.values() for k in ks.values()):
        out += ["Share of lock acquisitions that waited (%):", "", share, ""]
    else:
        out += [f"Lock contention (lock_acquisitions, lock_contended) was {NOT}.", ""]
    top = max(x for ks in lines.values() for x in ks)
    strat = [ks[top] for (b, _), ks in lines.items() if top in ks and registry.is_strategy(b)]
    c = r.contest(strat, "ops_per_thread", r.sg)
    if c:
        out += [f"At {top:g} threads: " + "; ".join(r.says(k, c[0], "ops_per_thread", r.sg, r.label(k, r.sg),
                                                           r.label(c[0], r.sg)) for k in strat if k != c[0])
                + ".", ""]
    return out
