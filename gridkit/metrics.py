"""The judge: hard invariants and scores of a plan (docs/metrics.md).

Everything is recomputed from the plan's own layers (grids, blocks,
buildings, area, roads, barriers) and the profile stored in its run table,
so anyone can check a plan file without trusting the code that made it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .geometry import (SPECK_M2, dissolve_by_label, largest_overlap, near_lines, overlap_pairs, prepared,
                       segment_keys, shared_segments, single_parts)
from .graph import GraphArrays, Shared, crossing_points, graph_edges, segment_samples
from .lines import is_landuse_edge, split_barriers
from .profile import Profile
from .slivers import enclosed_pieces, is_sliver

if TYPE_CHECKING:
    from .plan import Plan

__all__ = ["compute_metrics", "Validation", "INVARIANTS", "check_plan"]

#: Relative area tolerance of coverage and overlap (METRICS.md).
AREA_TOLERANCE = 1e-6
#: How far (m) a building edge may sit outside its grid before it counts as
#: split: the coordinate precision of blocks, with room for rounding.
INTEGRITY_TOLERANCE_M = 0.01
#: Distance (m) at which a boundary counts as "on" a road for the METRICS.md
#: definition of road_following; the profile's road_match_m gives the other.
STRICT_ROAD_MATCH_M = 1.0

INVARIANTS = ("valid_geometry", "coverage", "overlap", "assignment", "building_integrity", "contiguity", "barriers",
              "nesting")
#: Flags that exempt a unit from the household bounds: accepted exceptions.
BOUND_EXEMPT = {"oversize_building", "isolated", "locked", "joined_to_nearest", "exclusive"}


@dataclass(frozen=True)
class Validation:
    """Result of checking a plan: the metrics table and the failed invariants."""

    metrics: pd.DataFrame
    failures: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures


def _row(name: str, value: float, kind: str, passed: bool | None = None, level: str = "grid") -> dict:
    return {"level": level, "name": name, "value": float(value), "kind": kind,
            "passed": "" if passed is None else ("yes" if passed else "no")}


def _not_one_polygon(geoms: np.ndarray) -> int:
    """Units that are not one polygon: several parts, a line or point, or empty. A MultiPolygon of one
    part (how GIS software often stores every polygon of a layer) is one polygon."""
    parts = single_parts(geoms)
    return int(((shapely.get_type_id(parts) != 3) | shapely.is_empty(parts)).sum())


def _coverage_overlap(grids: np.ndarray, area: shapely.Geometry) -> tuple[float, float]:
    """Symmetric difference of the units' union and the area, and the area of their pairwise overlaps,
    each as a share of the area.

    Units that form a valid coverage (no overlaps, neighbours share their vertices
    exactly, as unions of blocks do) overlap nowhere and unite by dropping their
    shared edges; only other units are intersected pair by pair and united by overlay.
    """
    valid = bool(shapely.coverage_is_valid(grids))
    union = shapely.coverage_union_all(grids) if valid else shapely.union_all(grids)
    cover = shapely.area(shapely.symmetric_difference(union, area)) / shapely.area(area)
    if valid:
        return float(cover), 0.0
    left, right = shapely.STRtree(grids).query(grids, predicate="intersects")
    keep = left < right
    overlap = shapely.area(shapely.intersection(grids[left[keep]], grids[right[keep]])).sum() / shapely.area(area)
    return float(cover), float(overlap)


def _assignment(plan_grids: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, area: shapely.Geometry) -> dict[str, int]:
    codes = plan_grids["code"].to_numpy()
    geoms = plan_grids.geometry.values.to_numpy()
    fp = buildings.geometry.values.to_numpy().copy()
    # Only footprints the area does not contain need the overlay (the area is one large polygon).
    with prepared(area):
        cut = ~shapely.contains(area, fp)
    fp[cut] = shapely.intersection(fp[cut], area)
    best = largest_overlap(fp, geoms)
    located = np.full(len(buildings), None, dtype=object)
    located[best >= 0] = codes[best[best >= 0]]
    given = buildings["grid_code"].astype(str).to_numpy()
    unknown = int((~pd.Series(given).isin(set(codes))).sum())
    misplaced = int((located != given).sum())
    duplicated = int(buildings["building_id"].duplicated().sum())
    per_grid = buildings.groupby("grid_code")["households"].sum()
    sums = per_grid.reindex(codes).fillna(0).to_numpy()
    hh_mismatch = int((np.abs(sums - plan_grids["households"].to_numpy()) > 0).sum())
    total_gap = int(abs(int(buildings["households"].sum()) - int(plan_grids["households"].sum())))
    # Integrity: the footprint (inside the area) lies in its own grid, up to precision.
    # A repeated code names its last grid; an unknown code an empty polygon (the last entry of ``pool``).
    last = ~pd.Index(codes).duplicated(keep="last")
    pool = np.empty(int(last.sum()) + 1, dtype=object)
    pool[:-1], pool[-1] = geoms[last], shapely.Polygon()
    own_geoms = pool[pd.Index(codes[last]).get_indexer(given)]
    outside = np.zeros(len(fp))
    with prepared(geoms):
        cut = ~shapely.contains(own_geoms, fp)
    outside[cut] = shapely.area(fp[cut]) - shapely.area(shapely.intersection(fp[cut], own_geoms[cut]))
    split = int((outside > shapely.length(fp) * INTEGRITY_TOLERANCE_M + 1e-6).sum())
    return {"buildings_unknown_grid": unknown, "buildings_misplaced": misplaced,
            "buildings_duplicated": duplicated, "grids_households_mismatch": hh_mismatch,
            "households_total_gap": total_gap, "buildings_split": split}


def barrier_check(barriers: gpd.GeoDataFrame, roads: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame,
                  profile: Profile) -> Callable[[np.ndarray], np.ndarray]:
    """:func:`barrier_splits` of an area's layers, as a function of grid outlines alone (what
    :func:`gridkit.slivers.absorb_slivers` asks before a plan exists)."""
    hard = split_barriers(barriers, profile)[0]
    return lambda grids: barrier_splits(grids, hard, roads, buildings, profile)


def barrier_splits(grids: np.ndarray, barriers: gpd.GeoDataFrame, roads: gpd.GeoDataFrame,
                   buildings: gpd.GeoDataFrame, profile: Profile) -> np.ndarray:
    """Whether a barrier splits each grid into pieces no road crossing links (the ``barriers`` invariant).

    A piece nobody lives in that is too small or thin to be a grid (a sliver,
    :func:`gridkit.slivers.is_sliver`) may sit across a barrier: it has to join
    some grid. So may one another piece of the grid rings (a pond in a park,
    :func:`gridkit.slivers.enclosed`): it separates nothing. A building standing across a barrier
    (a station over a lake's mapped shore) is never cut, so the pieces it stands on are one.
    """
    bad = np.zeros(len(grids), dtype=bool)
    if len(barriers) == 0:
        return bad
    lines = barriers.geometry.values.to_numpy()
    crossings = crossing_points(roads, barriers)
    footprints = buildings.geometry.values.to_numpy()
    homes = shapely.point_on_surface(footprints)
    home_hh = buildings["households"].to_numpy(dtype=float)
    # One tree of the homes, asked by each grid's pieces: a grid's query meets only the homes near it.
    home_tree = shapely.STRtree(homes)
    g_idx, l_idx = shapely.STRtree(lines).query(grids, predicate="intersects")
    for gi in np.unique(g_idx):
        grid = grids[gi]
        inner = shapely.intersection(shapely.union_all(lines[l_idx[g_idx == gi]]), grid)
        noded = shapely.union_all([shapely.boundary(grid), inner])
        pieces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
        pieces = pieces[shapely.area(pieces) > SPECK_M2]
        pieces = pieces[shapely.within(shapely.point_on_surface(pieces), grid)]
        # The grid's own buildings: those whose home point it holds (a building lies in one grid whole).
        pieces = _joined_by_buildings(pieces, footprints[home_tree.query(grid, predicate="contains")])
        piece, b = home_tree.query(pieces, predicate="contains")
        hh = np.bincount(piece, weights=home_hh[b], minlength=len(pieces))
        kept = ~is_sliver(shapely.area(pieces), shapely.length(pieces), hh, profile)
        # Only a piece nobody lives in can be enclosed, and only two kept pieces can split the grid:
        # the shared outlines (an overlay per touching pair) are measured only when both may matter.
        if kept.sum() > 1 and (hh[kept] == 0).any():
            kept &= ~enclosed_pieces(pieces, hh, profile.blocks.precision_m)
        if kept.sum() <= 1:
            continue
        linked = len(crossings) and shapely.intersects(shapely.buffer(inner, profile.blocks.road_match_m),
                                                        shapely.multipoints(crossings))
        bad[gi] = not linked
    return bad


def _joined_by_buildings(pieces: np.ndarray, footprints: np.ndarray) -> np.ndarray:
    """``pieces`` with those one footprint stands on (more than a speck of each) merged into one.

    Examples
    --------
    >>> pieces = np.array([shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10), shapely.box(20, 0, 30, 10)])
    >>> [p.bounds for p in _joined_by_buildings(pieces, np.array([shapely.box(5, 2, 15, 8)]))]
    [(0.0, 0.0, 20.0, 10.0), (20.0, 0.0, 30.0, 10.0)]
    """
    ip, ifp, area = overlap_pairs(pieces, footprints)
    keep = area > SPECK_M2
    n = len(pieces)
    links = coo_matrix((np.ones(int(keep.sum())), (ip[keep], n + ifp[keep])), shape=(n + len(footprints),) * 2)
    _, labels = np.unique(connected_components(links, directed=False)[1][:n], return_inverse=True)
    if labels.max(initial=-1) + 1 == n:
        return pieces
    return dissolve_by_label(pieces, labels)


def _street_block_of(start: np.ndarray, end: np.ndarray, sample_of: np.ndarray, mid: np.ndarray,
                     blocks: gpd.GeoDataFrame, block_shared: Shared, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """The street block each sample ``mid`` of boundary segments ``start -> end`` lies inside (-1: none),
    and the households of every street block.

    A sample lies inside a street block when every block it touches belongs to that
    street block; one on the edge between two street blocks (on a street) lies inside
    neither. On a segment two blocks share, those are the blocks it touches; a
    sample on no shared block segment (a grid boundary drawn across blocks) touches
    the blocks within ``tolerance`` of it (a midpoint is rounded off its segment).
    """
    _, street_of = np.unique(blocks["street_block"].to_numpy(), return_inverse=True)
    street_hh = np.bincount(street_of, weights=blocks["households"].to_numpy(dtype=float))
    faces = blocks.geometry.values.to_numpy()
    left, right, b_start, b_end, b_pair = block_shared
    sides = pd.DataFrame(segment_keys(b_start, b_end)).assign(
        street=np.where(street_of[left] == street_of[right], street_of[left], -1)[b_pair]).drop_duplicates([0, 1, 2, 3])
    found = pd.DataFrame(segment_keys(start, end)).merge(sides, how="left", on=[0, 1, 2, 3])["street"].to_numpy()
    street = found[sample_of]
    loose = np.flatnonzero(np.isnan(street))
    street = np.where(np.isnan(street), -1, street).astype(np.int64)
    if len(loose):
        p, f = shapely.STRtree(faces).query(shapely.points(mid[loose]), predicate="dwithin", distance=tolerance)
        lo = np.full(len(loose), street_of.max() + 1)
        hi = np.full(len(loose), -1)
        np.minimum.at(lo, p, street_of[f])
        np.maximum.at(hi, p, street_of[f])
        street[loose] = np.where(lo == hi, hi, -1)
    return street, street_hh


def _boundary_scores(plan_grids: gpd.GeoDataFrame, blocks: gpd.GeoDataFrame, roads: gpd.GeoDataFrame,
                     barriers: gpd.GeoDataFrame, profile: Profile, block_shared: Shared) -> dict[str, float]:
    """Where the boundaries between grids run: on roads, on major lines, inside street blocks.

    ``block_shared`` is :func:`gridkit.geometry.shared_segments` of ``blocks``.
    """
    _, _, start, end, _ = shared_segments(plan_grids.geometry.values.to_numpy())
    mid, length, sample_of = segment_samples(start, end)
    total = float(length.sum())
    if total == 0:
        return {"road_following": 1.0, "road_following_1m": 1.0, "major_road_share": 1.0,
                "offroad_inside_street_blocks_share": 0.0, "offroad_forced_share": 0.0,
                "road_following_where_possible": 1.0,
                "interior_boundary_m": 0.0}
    reach = profile.blocks.road_match_m
    road_lines = roads.geometry.values.to_numpy() if len(roads) else np.array([], dtype=object)
    # A landuse edge may carry a boundary (at its cost) but is no road or barrier line: it does not count here.
    kept = barriers[~is_landuse_edge(barriers)] if len(barriers) else barriers
    bar_lines = kept.geometry.values.to_numpy() if len(kept) else np.array([], dtype=object)
    all_lines = np.concatenate([road_lines, bar_lines])
    major = roads["highway"].isin(profile.roads.major_classes).to_numpy() if len(roads) else np.array([], bool)
    # Of the barriers only those that divide (rivers, railways) are major lines; a wall or a stream is not.
    hard, _, _ = split_barriers(kept, profile) if len(kept) else (kept, None, None)
    is_major = np.concatenate([major, kept.index.isin(hard.index)])
    # One query at the widest reach; the narrower tests and the major lines are subsets of its pairs.
    p, line, dist = near_lines(mid, all_lines, max(reach, STRICT_ROAD_MATCH_M))
    on_road, on_road_strict, on_major = (np.zeros(len(mid), dtype=bool) for _ in range(3))
    on_road[p[dist <= reach]] = True
    on_road_strict[p[dist <= STRICT_ROAD_MATCH_M]] = True
    on_major[p[(dist <= reach) & is_major[line]]] = True
    # Off-road cuts inside a street block, and those inside street blocks that
    # alone hold more than a grid's maximum, where no road-following cut exists.
    street, street_hh = _street_block_of(start, end, sample_of, mid, blocks, block_shared,
                                         profile.blocks.precision_m)
    inside = street >= 0
    forced = inside & (street_hh[street] > profile.grid.max_households)
    return {
        "road_following": float(length[on_road].sum() / total),
        "road_following_1m": float(length[on_road_strict].sum() / total),
        "major_road_share": float(length[on_major].sum() / total),
        "offroad_inside_street_blocks_share": float(length[~on_road & inside].sum() / total),
        "offroad_forced_share": float(length[~on_road & forced].sum() / total),
        # Of the boundary a road could carry (outside over-full street blocks), the share on a road.
        "road_following_where_possible": float(length[on_road & ~forced].sum() / max(length[~forced].sum(), 1e-9)),
        "interior_boundary_m": total,
    }


def _cut_cost(plan: Plan, profile: Profile, graph: GraphArrays | None, block_shared: Shared) -> float:
    blocks = plan.blocks
    code = blocks["grid_code"].to_numpy()
    if graph is None:
        edges = graph_edges(blocks.reset_index(drop=True), plan.roads, plan.barriers, profile, plan.buildings,
                            shared=block_shared)
        left, right, cost = edges.left, edges.right, edges.cost
    else:
        left = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
        # Every edge is stored both ways: count it once.
        once = left < graph.indices
        left, right, cost = left[once], graph.indices[once], graph.cost[once]
    return float(cost[code[left] != code[right]].sum())


def compute_metrics(plan: Plan, profile: Profile, *, graph: GraphArrays | None = None) -> pd.DataFrame:
    """Every invariant and score of METRICS.md for one plan.

    Parameters
    ----------
    plan : Plan
    profile : Profile
    graph : GraphArrays, optional
        The block graph of ``plan.blocks`` (in their order) when the caller
        has it, as :func:`gridkit.plan.assemble` does; otherwise it is built
        from the plan's blocks, roads and barriers, the same way.

    Returns
    -------
    DataFrame
        ``level``, ``name``, ``value``, ``kind`` (invariant/score/detail),
        ``passed`` (yes/no for invariants).
    """
    rows = []
    # Invalid polygons (a hole outside its shell, a ring crossing itself: what a hand edit can write)
    # are a named failure, and the rest is computed on them made valid, so GEOS never fails on them.
    plan, invalid = _repaired(plan)
    for level in ("grid", "group", "community"):
        if level in invalid:
            rows.append(_row("valid_geometry", invalid[level], "invariant", invalid[level] == 0, level=level))
    grids = plan.grids
    geoms = grids.geometry.values.to_numpy()
    area = shapely.union_all(plan.area.geometry.values.to_numpy())
    cover, overlap = _coverage_overlap(geoms, area)
    rows.append(_row("coverage", cover, "invariant", cover <= AREA_TOLERANCE))
    rows.append(_row("overlap", overlap, "invariant", overlap <= AREA_TOLERANCE))
    asg = _assignment(grids, plan.buildings, area)
    problems = sum(v for k, v in asg.items() if k != "buildings_split")
    rows.append(_row("assignment", problems, "invariant", problems == 0))
    rows.append(_row("building_integrity", asg["buildings_split"], "invariant", asg["buildings_split"] == 0))
    not_single = _not_one_polygon(geoms)
    rows.append(_row("contiguity", not_single, "invariant", not_single == 0))
    crossing = int(barrier_check(plan.barriers, plan.roads, plan.buildings, profile)(geoms).sum())
    rows.append(_row("barriers", crossing, "invariant", crossing == 0))
    rows += [_row(k, v, "detail") for k, v in asg.items()]

    hh = grids["households"].to_numpy(dtype=float)
    total = float(hh.sum())
    rows += _bound_scores(grids, profile.grid.min_households, profile.grid.max_households, "grid")
    exclusive = grids["flags"].fillna("").astype(str).str.split(",").map(lambda f: "exclusive" in f).to_numpy(
        dtype=bool) if "flags" in grids else np.zeros(len(grids), dtype=bool)
    rows += [_row("grids", len(grids), "detail"),
             # Exclusive grids are extra by design: the ratio judges the base grids.
             _row("grid_count_ratio", int((~exclusive).sum()) / max(1.0, np.ceil(
                 float(hh[~exclusive].sum()) / profile.grid.max_households)), "score")]
    rows += _upper_levels(plan, profile, area)
    # The blocks' shared boundary serves the street blocks of the boundary scores and the graph of the cut cost.
    block_shared = shared_segments(plan.blocks.geometry.values.to_numpy())
    bscores = _boundary_scores(grids, plan.blocks, plan.roads, plan.barriers, profile, block_shared)
    rows += [_row(k, v, "detail" if k.startswith(("offroad", "interior", "road_following_1m")) else "score")
             for k, v in bscores.items()]
    rows.append(_row("cut_cost", _cut_cost(plan, profile, graph, block_shared), "score"))
    pp = 4 * np.pi * shapely.area(geoms) / np.maximum(shapely.length(geoms), 1e-9) ** 2
    rows.append(_row("compactness", float(pp.mean()), "score"))
    rows.append(_row("compactness_min", float(pp.min()), "score"))
    rows += _stability(plan)
    rows.append(_row("households", total, "detail"))
    rows.append(_row("households_estimated_share", float(
        (plan.buildings["households_source"] == "estimated").mean()), "detail"))
    return pd.DataFrame(rows)


def _repaired(plan: Plan) -> tuple[Plan, dict[str, int]]:
    """The plan with its units' invalid geometry made valid, and how many were invalid per level."""
    import dataclasses

    counts: dict[str, int] = {}
    changes: dict[str, gpd.GeoDataFrame] = {}
    for level, name in (("grid", "grids"), ("group", "groups"), ("community", "communities")):
        units = getattr(plan, name)
        if units is None or len(units) == 0:
            continue
        geoms = units.geometry.values.to_numpy()
        bad = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
        counts[level] = int(bad.sum())
        if bad.any():
            fixed = geoms.copy()
            fixed[bad] = _polygonal(shapely.make_valid(geoms[bad]))
            changes[name] = units.set_geometry(list(fixed), crs=units.crs)
    return (dataclasses.replace(plan, **changes) if changes else plan), counts


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """The polygonal part of each geometry (make_valid may leave lines beside the polygons)."""
    out = geoms.copy()
    for i, g in enumerate(geoms):
        if shapely.get_type_id(g) == 7:
            parts = shapely.get_parts(g)
            polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
            out[i] = shapely.union_all(polys) if len(polys) else shapely.Polygon()
    return out


def _exempt(flags: pd.Series) -> np.ndarray:
    return flags.fillna("").astype(str).map(lambda f: bool(set(f.split(",")) & BOUND_EXEMPT)).to_numpy()


def _bound_scores(units: gpd.GeoDataFrame, lo: int, hi: int, level: str) -> list[dict]:
    hh = units["households"].to_numpy(dtype=float)
    exempt = _exempt(units["flags"]) if "flags" in units else np.zeros(len(units), dtype=bool)
    judged = hh[~exempt]
    return [
        _row("flagged_units", int(exempt.sum()), "detail", level=level),
        _row("within_bounds", float(np.mean((judged >= lo) & (judged <= hi))) if len(judged) else 1.0, "score",
             level=level),
        _row("max_overshoot", float(np.max(np.maximum(0, judged - hi)) / hi) if len(judged) else 0.0, "score",
             level=level),
        _row("balance_cv", float(judged.std() / judged.mean()) if len(judged) and judged.mean() > 0 else 0.0,
             "score", level=level),
    ]


def _nested(children: gpd.GeoDataFrame, parents: gpd.GeoDataFrame, column: str) -> int:
    """Children not wholly inside the parent their ``column`` names."""
    codes = parents["code"].astype(str).to_numpy()
    # A repeated code names its last parent; a child naming no parent is not nested.
    last = ~pd.Index(codes).duplicated(keep="last")
    where = pd.Index(codes[last]).get_indexer(children[column].astype(str).to_numpy())
    geoms = children.geometry.values.to_numpy()[where >= 0]
    parent_geoms = parents.geometry.values.to_numpy()[last]
    own = parent_geoms[where[where >= 0]]
    # A child its parent contains has nothing outside it; only the others need the overlay.
    with prepared(parent_geoms):
        cut = ~shapely.contains(own, geoms)
    outside = np.zeros(len(geoms))
    outside[cut] = shapely.area(shapely.difference(geoms[cut], own[cut]))
    return int((where < 0).sum() + (outside > AREA_TOLERANCE * np.maximum(shapely.area(geoms), 1.0)).sum())


def _upper_levels(plan: Plan, profile: Profile, area: shapely.Geometry) -> list[dict]:
    """Invariants and bounds of communities and groups, and the nesting of every level."""
    rows: list[dict] = []
    nesting = 0
    for level, units, bounds, column in (("community", plan.communities, profile.community, "community_code"),
                                         ("group", plan.groups, profile.group, "group_code")):
        if units is None or len(units) == 0:
            continue
        geoms = units.geometry.values.to_numpy()
        cover, overlap = _coverage_overlap(geoms, area)
        rows.append(_row("coverage", cover, "invariant", cover <= AREA_TOLERANCE, level=level))
        rows.append(_row("overlap", overlap, "invariant", overlap <= AREA_TOLERANCE, level=level))
        not_single = _not_one_polygon(geoms)
        rows.append(_row("contiguity", not_single, "invariant", not_single == 0, level=level))
        codes = set(units["code"].astype(str))
        unknown = int((~plan.buildings[column].astype(str).isin(codes)).sum())
        rows.append(_row("assignment", unknown, "invariant", unknown == 0, level=level))
        rows += _bound_scores(units, bounds.min_households, bounds.max_households, level)
        rows.append(_row("units", len(units), "detail", level=level))
        nesting += _nested(plan.grids, units, column)
        if level == "group":
            nesting += _nested(units, plan.communities, "community_code")
    if plan.communities is not None and len(plan.communities):
        rows.append(_row("nesting", nesting, "invariant", nesting == 0, level="plan"))
    return rows


def _stability(plan: Plan) -> list[dict]:
    """Share of households whose unit, matched to the existing plan by greatest overlap, is unchanged."""
    changes = getattr(plan, "changes", None)
    if changes is None or len(changes) == 0:
        return []
    rows = []
    for level, units in (("grid", plan.grids), ("community", plan.communities)):
        t = changes[(changes["level"] == level) & (changes["old_code"] != "") & (changes["new_code"] != "")]
        if len(t) == 0 or units is None:
            continue
        kept = t.groupby("new_code")["households_moved"].max().sum()
        total = max(float(units["households"].sum()), 1.0)
        rows.append(_row("stability", float(kept) / total, "score", level=level))
    return rows


def check_plan(metrics: pd.DataFrame) -> Validation:
    """The failed invariants of a metrics table."""
    inv = metrics[(metrics["kind"] == "invariant") & (metrics["passed"] == "no")]
    return Validation(metrics=metrics, failures=[f"{r.level}.{r.name}" for r in inv.itertuples()])
