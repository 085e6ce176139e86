"""Large objects: small and 4 KiB-64 MiB allocations across many regions,
and what each backend still holds after the end."""
from ..metrics import human
from ..results import NOT

TITLE = "Large objects"


def write(r):
    keys = r.keys("large-objects")
    if not keys:
        return [f"The large-objects workload was {NOT}."]
    cols = ["peak_rss_bytes", "final_rss_bytes", "final_lazyfree_bytes", "munmap_calls", "madvise_calls", "wall_s"]
    rows = [[r.label(k), k[2]] + [r.cell(k, c) for c in cols] for k in keys]
    out = ["Final RSS is taken after the workload destroyed every region: it is what the backend keeps for "
           "reuse (a shared pool's free blocks, an arena's or heap's cache) rather than gives back, as its policy "
           "(second column) decides. Memory given "
           "back with MADV_FREE stays counted in RSS until the kernel needs it (final LazyFree). Medians with 95% "
           "intervals.", "",
           r.table(["backend", "policy", "peak RSS (MiB)", "final RSS (MiB)", "final LazyFree (MiB)", "munmap calls",
                    "madvise calls", "wall time (s)"], rows), "", r.link("large-objects-rss", "large-objects-peak"),
           ""]
    for k in keys:
        peak, final = r.median(k, "peak_rss_bytes"), r.median(k, "final_rss_bytes")
        lazy = r.median(k, "final_lazyfree_bytes")
        if peak and final is not None:
            s = f"- {r.label(k)} ends holding {human(final, 'bytes')}, {final / peak:.0%} of its peak"
            if lazy:
                s += f", of which {human(lazy, 'bytes')} is LazyFree (reclaimable by the kernel under pressure)"
            out.append(s + ".")
    base = r.key("large-objects", "blocks")
    strat = [k for k in r.keys("large-objects", default_only=True, strategies_only=True) if k != base]
    if base and strat:
        out += ["", "Memory held after the end: " + "; ".join(r.says(base, k, "final_rss_bytes") for k in strat) + "."]
    return out + [""]
