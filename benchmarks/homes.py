"""Homes by rule on every sample: what the shape rules and exclusive grids change.

    PYTHONPATH=. .venv/bin/python benchmarks/homes.py        # writes benchmarks/results/homes.md

"Before" is the default profile with the shape and neighbour rules and the exclusive grids switched
off (thresholds out of reach, lists empty); "after" is the default profile as shipped.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import shapely

import gridkit
from gridkit.households import footprint_depth

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "data" / "samples").glob("*.gpkg"))
OUT = ROOT / "benchmarks" / "results" / "homes.md"
HOME_RULES = ("tag_home", "name_home", "landuse_home", "default")
SHAPE_RULES = ("man_made", "near_industrial", "too_large", "too_deep")
DOUBTS = ("large_home", "deep_home", "no_levels", "shape_only")


def _before(profile: gridkit.Profile) -> gridkit.Profile:
    h = dataclasses.replace(profile.households, max_home_footprint_m2=10.0**6, max_home_depth_m=1000.0,
                            industrial_neighbour_min_footprint_m2=10.0**6, nonhome_man_made=())
    x = dataclasses.replace(profile.exclusive, landuse_kinds=(), poi_kinds=(), name_keywords=())
    return dataclasses.replace(profile, households=h, exclusive=x)


def _oversize(plan: gridkit.Plan, profile: gridkit.Profile) -> int:
    base = ~plan.grids["flags"].fillna("").str.contains("exclusive")
    return int((base & (plan.grids["households"] > profile.grid.max_households)).sum())


def _examples(b: pd.DataFrame, reason: str, k: int = 3) -> str:
    rows = b[b["home_doubt"].str.split(";").map(lambda p: reason in p)]
    rows = rows.assign(area=shapely.area(rows.geometry.values)).sort_values("area", ascending=False).head(k)
    depth = footprint_depth(rows.geometry.values, at_least=0.0)
    out = []
    for (_, r), d in zip(rows.iterrows(), depth, strict=True):
        label = r["name"] if isinstance(r.get("name"), str) and r["name"] else f"building={r.get('building')}"
        out.append(f"{label} {r['area']:.0f} m² / {d:.0f} m, {r['home_rule']}, {int(r['households'])} hh")
    return "; ".join(out)


def main() -> None:
    profile = gridkit.load_profile("default")
    lines = ["# Homes by rule, oversize grids, the doubtful list", "",
             "Regenerate: `PYTHONPATH=. .venv/bin/python benchmarks/homes.py` (seed 0, default profile). "
             "*Before*: shape/neighbour rules and exclusive grids off; *after*: as shipped. "
             "Oversize = base grids over `grid.max_households`.", "",
             "| sample | homes by rule (after) | non-homes by shape rule | households est. before → after "
             "| oversize grids before → after | exclusive grids | doubtful: large / deep / no levels / shape only |",
             "|---|---|---|---|---|---|---|"]
    detail = ["", "## What a reviewer sees first in the doubtful list (largest footprints)", ""]
    for path in SAMPLES:
        area = gridkit.read_area(path)
        plans = {k: gridkit.partition(area, p, seed=0) for k, p in (("before", _before(profile)),
                                                                    ("after", profile))}
        b = plans["after"].buildings
        est = {k: int(p.buildings.loc[p.buildings["households_source"] == "estimated", "households"].sum())
               for k, p in plans.items()}
        homes = b[b["households"] > 0]["home_rule"].value_counts()
        shape = b["home_rule"].value_counts()
        doubt = {r: int(b["home_doubt"].str.split(";").map(lambda p, r=r: r in p).sum()) for r in DOUBTS}
        n_excl = int(plans["after"].grids["flags"].fillna("").str.contains("exclusive").sum())
        lines.append(
            f"| {path.stem} | {', '.join(f'{r} {int(homes.get(r, 0))}' for r in HOME_RULES)} "
            f"| {', '.join(f'{r} {int(shape.get(r, 0))}' for r in SHAPE_RULES)} "
            f"| {est['before']} → {est['after']} "
            f"| {_oversize(plans['before'], profile)} → {_oversize(plans['after'], profile)} | {n_excl} "
            f"| {' / '.join(str(doubt[r]) for r in DOUBTS)} |")
        detail.append(f"- **{path.stem}**: large homes: {_examples(b, 'large_home') or '—'}. "
                      f"Not homes by shape only: {_examples(b, 'shape_only') or '—'}.")
    OUT.write_text("\n".join(lines + detail) + "\n", encoding="utf-8")
    print(OUT.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
