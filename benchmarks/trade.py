"""The trade between grids and streets: each sample at the fewest grids, +1, +2, and ``prefer = "roads"``.

gridkit's objective is lexicographic (the fewest grids the bounds allow, then
the least cut cost). A street office may rather pay a grid or two for
boundaries on streets; this measures what that buys. Same frame as
``benchmarks/peers.py``: the block graph of ``gridkit.plan.prepare(sample,
"default", seed=0)``, partitioned whole by ``gridkit.engine.partition_graph``
with the profile's settings, the labels assembled into a plan and judged by
``gridkit.validate``. Rows:

* ``fewest``: the profile's default;
* ``+1``, ``+2``: ``EngineSettings.add_grids`` = 1, 2 (exactly that many parts
  more than the fewest found, per connected piece of the graph, so a sample
  of several pieces gains more; METIS seeds, repair, refinement and pair
  steps at that count, no region steps);
* ``roads``: ``prefer = "roads"`` (up to ``roads_extra_grids`` more per piece,
  the least cut cost wins), what ``gridkit partition --prefer roads`` runs.

Usage::

    python benchmarks/trade.py [--samples hk_tsim_sha_tsui,...]

Writes ``benchmarks/results/trade.md``. Engine CPU s is ``time.process_time``
around ``partition_graph``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import peers  # noqa: E402

VARIANTS = (("fewest", {}), ("+1", {"add_grids": 1}), ("+2", {"add_grids": 2}), ("roads", {"prefer": "roads"}))


def measure(name: str) -> list[dict]:
    from gridkit.engine import Bounds, EngineSettings, partition_graph

    prep = peers.prepare_sample(name)
    settings = EngineSettings.from_profile(prep.profile)
    rows = []
    for tag, change in VARIANTS:
        t = time.process_time()
        res = partition_graph(prep.arrays, Bounds(*peers.bounds_of(prep)), settings.replace(**change))
        cpu = time.process_time() - t
        run = peers.Run(tag, "ok", cpu, cpu, float("nan"), float("nan"), res.labels, dict(res.flags))
        rows.append({"input": name, "variant": tag, "engine_cpu_s": cpu, **peers.judge(prep, run)})
        r = rows[-1]
        print(f"{name:22s} {tag:7s} grids {r['grids']:4d} within {r['within_bounds']:.3f} inv {r['invariants_ok']} "
              f"rf {r['road_following']:.3f} cut {r['cut_cost']:.0f} cpu {cpu:.2f}", flush=True)
    return rows


def write_md(rows: list[dict], path: Path, header: str, command: str) -> None:
    lines = ["# Grids against streets: the fewest grids, +1, +2 and prefer = roads", "", header, "",
             (__doc__ or "").split("\n\n")[1].replace("\n", " "), "",
             "| sample | variant | grids | Δ grids | within_bounds | all invariants ok | road_following | Δ rf "
             "| cut_cost | Δ cut | compactness | engine CPU s |",
             "|---|---|--:|--:|--:|:-:|--:|--:|--:|--:|--:|--:|"]
    base: dict = {}
    for r in rows:
        b = base.setdefault(r["input"], r)
        lines.append(f"| {r['input']} | {r['variant']} | {r['grids']} | {r['grids'] - b['grids']:+d} "
                     f"| {r['within_bounds']:.3f} | {'yes' if r['invariants_ok'] else '**no**'} "
                     f"| {r['road_following']:.3f} | {r['road_following'] - b['road_following']:+.3f} "
                     f"| {r['cut_cost']:.0f} | {r['cut_cost'] - b['cut_cost']:+.0f} | {r['compactness']:.3f} "
                     f"| {r['engine_cpu_s']:.2f} |")
    lines += ["", f"Command: `{command}`", ""]
    path.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--samples", default=",".join(peers.ALL_SAMPLES))
    args = ap.parse_args(argv)
    rows = []
    for name in args.samples.split(","):
        rows += measure(name)
    command = "python benchmarks/trade.py " + " ".join(argv if argv is not None else sys.argv[1:])
    write_md(rows, peers.RESULTS / "trade.md", peers.machine_header(), command.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
