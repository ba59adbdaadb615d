"""CPU seconds of the partition step alone: ``gridkit.levels.solve_levels`` on prepared inputs.

The inputs of ``solve_levels`` (block graph, compounds, exclusive sites, as
``gridkit.plan.partition`` makes them) are prepared once and cached in
``benchmarks/work/levels/`` (git-ignored), so the engine of any checkout can
be timed on the same inputs: run this file with ``PYTHONPATH`` pointing at the
checkout to time (``--prepare`` first, with any checkout). The SYNTHETIC city
is ``benchmarks/synthetic.py``'s ``make_city(10000, seed=0)`` (made-up data).

Usage::

    python benchmarks/engine_time.py --prepare [--inputs hk_tsim_sha_tsui,...,synthetic_10000]
    PYTHONPATH=/path/to/checkout python benchmarks/engine_time.py [--inputs ...]

Prints one line per input: CPU s (``time.process_time``), grids, cut cost.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CACHE = HERE / "work" / "levels"
INPUTS = "hk_tsim_sha_tsui,cn_wuhan_guanggu,fi_helsinki_centre,cn_shanghai_bund,synthetic_10000"


def prepare(name: str) -> None:
    import gridkit
    from gridkit.compounds import block_compounds, compound_polygons
    from gridkit.exclusive import exclusive_sites, site_components
    from gridkit.plan import prepare as prepare_area

    if name.startswith("synthetic_"):
        sys.path.insert(0, str(HERE))
        from synthetic import make_city, write_gpkg

        path = HERE / "work" / "peers" / f"{name}_seed0.gpkg"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_gpkg(make_city(int(name.split("_")[1]), seed=0), str(path))
    else:
        path = HERE.parent / "data" / "samples" / f"{name}.gpkg"
    area = gridkit.read_area(path)
    prep = prepare_area(area, "default", seed=0)
    blocks = prep.made.blocks
    compounds = block_compounds(blocks, compound_polygons(area.landuse, area.existing, prep.profile),
                                prep.profile.compounds.min_block_share)
    sites = block_compounds(blocks, exclusive_sites(area.landuse, area.pois, prep.profile),
                            prep.profile.exclusive.min_block_share)
    a = prep.arrays
    pieces = site_components((np.repeat(np.arange(a.n), np.diff(a.indptr)), a.indices), sites)
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.pkl", "wb") as f:
        pickle.dump({"arrays": a, "compounds": compounds, "exclusive": pieces}, f)


def time_one(name: str) -> str:
    from gridkit.levels import solve_levels
    from gridkit.profile import load_profile

    with open(CACHE / f"{name}.pkl", "rb") as f:
        d = pickle.load(f)
    g = d["arrays"]
    t = time.process_time()
    levels = solve_levels(g, load_profile("default"), compounds=d["compounds"], exclusive=d["exclusive"])
    cpu = time.process_time() - t
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    cut = g.cost[levels.grid[src] != levels.grid[g.indices]].sum() / 2
    return f"{name:20s} levels CPU {cpu:7.2f} s  grids {len(np.unique(levels.grid)):5d}  cut {cut:10.1f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--inputs", default=INPUTS)
    ap.add_argument("--prepare", action="store_true")
    args = ap.parse_args(argv)
    for name in args.inputs.split(","):
        if args.prepare:
            prepare(name)
        else:
            print(time_one(name), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
