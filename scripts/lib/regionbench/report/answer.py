"""The answer on this machine: one row per question of docs/question.md, each
cell the winning strategy with its ratio to the runner-up and interval, or
why there is no winner, computed from this run."""
from .. import registry
from ..metrics import human, metric
from ..results import NOT

TITLE = "The answer on this machine"


def decode_cell(r):
    """decode_sum per access: blocks-gs against blocks (RIP-relative), from
    the microbenchmark pass's repetitions."""
    from . import decode
    cell = decode.headline(r)
    return cell if cell else NOT


def stops(r, keys, name, phase):
    """Each strategy's median reach on NAME and what stopped it, grouped:
    "blocks 32 GiB (pool exhausted); contiguous, wide-offsets 64 GiB (the
    workload's ceiling)". A tie at the ceiling is then read as a tie."""
    from .capacity import stop
    groups = {}
    for k in keys:
        v = r.median(k, name)
        groups.setdefault((human(v, metric(name).unit), stop(r, k, phase)), []).append(r.label(k))
    return "; ".join(f"{', '.join(ls)} {v} ({why})" for (v, why), ls in groups.items())


def write(r, anchor):
    strat = lambda wl: r.keys(wl, default_only=True, strategies_only=True)
    refs = [k for k in (r.key("binary-trees", "blocks"), r.key("binary-trees", "wide-offsets")) if k]
    peak = ("peak_rss_above_start_bytes" if any(r.g.values(k, "peak_rss_above_start_bytes") for k in refs)
            else "peak_rss_bytes")
    share = [k for k in strat("fork-share")]
    rows = [
        ("Total capacity: the most bytes one process allocates",
         stops(r, strat("capacity"), "extra.max_total_bytes", "phase1") + ": " +
         r.answer(strat("capacity"), "extra.max_total_bytes", what="allocates the most "),
         "capacity phase 1, bytes allocated until a limit", anchor("Capacity and live regions")),
        ("Live regions: the most regions alive at once",
         stops(r, strat("capacity"), "extra.max_live_regions", "phase2") + ": " +
         r.answer(strat("capacity"), "extra.max_live_regions", what="keeps the most alive "),
         "capacity phase 2, regions alive until a limit", anchor("Capacity and live regions")),
        ("Serialization: writing a region to a file",
         r.answer(strat("serialize"), "extra.write_mb_s", what="writes fastest "),
         "serialize, MB of file per second, tracing and first-touch faults included", anchor("Serialization")),
        ("Inflation of long-lived reused regions",
         r.answer(strat("long-running"), "mean_rss_bytes", what="holds the least "),
         "long-running under each strategy's default policy, mean RSS over the run",
         anchor("Policies: memory and time side by side")),
        ("Memory of 32-bit against 64-bit references",
         r.answer(refs, peak, what="uses less memory ") if len(refs) == 2 else NOT,
         f"binary-trees, {'peak RSS above the start' if peak != 'peak_rss_bytes' else 'peak RSS'}, "
         "blocks (32-bit) against wide-offsets (64-bit)", anchor("32-bit against 64-bit references")),
        ("Allocation speed",
         r.answer(strat("binary-trees"), "wall_s", what="is fastest "),
         "binary-trees wall time (allocation-bound)", anchor("Speed on every workload")),
        ("Decode cost: GS segment against RIP-relative",
         decode_cell(r), "decode_sum microbenchmark, ns per access", anchor("GS segment vs RIP-relative decode")),
        ("Sharing across processes",
         r.answer(share, "extra.sharing_ratio", what="shares the most ") if share else NOT,
         "fork-share, RSS / PSS of the image's own mapping over N processes (N is perfect sharing)",
         anchor("Sharing across processes")),
    ]
    out = ["Each row names the strategy that wins by the verdict rule (a Mann-Whitney U test of the runs "
           "with p < 0.05 and medians more than 2% apart), with its ratio to the runner-up and that ratio's "
           "95% interval; otherwise it says why no strategy wins. Strategies here: "
           + ", ".join(registry.strategies("bench")) + ".", "",
           r.table(["question", "answer on this machine", "measured as", "details"],
                   [(q, a, m, f"[section]({link})") for q, a, m, link in rows]), ""]
    return out
