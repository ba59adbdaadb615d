"""A plan: communities, residents' groups and grids of an area, with their blocks
and buildings, and how it was made.

:func:`partition` runs the whole flow on an :class:`~gridkit.area.Area`:
households, blocks, block graph, the levels, then geometry, codes, names,
staffing, changes against an existing plan, and metrics.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from . import __version__
from .area import Area
from .blocks import Blocks, make_blocks
from .changes import change_table
from .codes import COMMUNITY_WIDTH, GRID_WIDTH, GROUP_WIDTH, assign_codes
from .compounds import block_compounds, compound_polygons
from .exclusive import exclusive_sites, site_components
from .existing import Homes, block_homes
from .geometry import dissolve_by_label, polygonal
from .graph import Edges, GraphArrays, build_graph, edge_arrays, graph_edges
from .calibrate import Totals, calibrate
from .households import assign_households
from .register import Register, RegisterMatch
from .levels import Levels, solve_levels
from .names import unit_names
from .profile import Profile, load_profile
from .progress import Progress, stages
from .slivers import absorb_slivers
from .staffing import community_staffing, grid_staffing

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Plan", "Prepared", "prepare", "partition", "assemble", "dissolve_units"]



@dataclass(frozen=True)
class Plan:
    """Everything a plan file holds (see docs/plan-file.md).

    Attributes
    ----------
    grids, blocks, buildings : GeoDataFrame
        The layers of the same names.
    area : GeoDataFrame
        The divided area (one row), as the plan's coverage reference.
    roads, barriers : GeoDataFrame
        The lines the plan was cut along, for validation and maps.
    metrics : DataFrame
        ``level``, ``name``, ``value``, ``kind``, ``passed``.
    run : DataFrame
        ``key``, ``value``.
    communities, groups : GeoDataFrame or None
        The upper levels (``groups`` only when the profile has that level).
    changes : GeoDataFrame or None
        What changed against the existing plan, when one was given.
    """

    grids: gpd.GeoDataFrame
    blocks: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    area: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    barriers: gpd.GeoDataFrame
    metrics: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["level", "name", "value"]))
    run: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["key", "value"]))
    communities: gpd.GeoDataFrame | None = None
    groups: gpd.GeoDataFrame | None = None
    changes: gpd.GeoDataFrame | None = None

    @property
    def crs(self) -> CRS:
        return CRS.from_user_input(self.grids.crs)

    def run_value(self, key: str, default: str = "") -> str:
        """A value of the plan's run table (``default`` when the plan has none)."""
        hit = self.run.loc[self.run["key"] == key, "value"]
        return str(hit.iloc[0]) if len(hit) else default

    def warnings(self) -> list[str]:
        """What the run warns of (its log's ``warning_*`` entries: an area far larger than a street office),
        in the words every caller shows."""
        keys = self.run["key"].astype(str)
        return self.run.loc[keys.str.startswith("log.warning_"), "value"].astype(str).tolist()

    def profile(self, where: str = "plan") -> Profile:
        """The profile the plan was made with, from its run table (``default`` for plans that lack it)."""
        from .profile import profile_from_text

        text = self.run_value("profile")
        return profile_from_text(text, f"{where}, run table 'profile'") if text else load_profile("default")

    def with_edits(self, grids: gpd.GeoDataFrame, *, profile: Profile | None = None,
                   edited_with: str = "") -> Plan:
        """This plan as an edited grid frame divides its blocks, rescored (:func:`gridkit.edits.edited_plan`).

        ``grids`` has ``code``, ``name``, ``community_code``, ``group_code``,
        ``locked``, ``flags`` and geometry, as a grid layer edited by hand; each
        block goes to the grid covering at least half of it. Communities and
        groups follow the grids, and ``changes`` compares with this plan.

        Examples
        --------
        >>> import gridkit
        >>> plan = gridkit.partition(gridkit.read_area("data/samples/hk_tsim_sha_tsui.gpkg"), seed=0)
        >>> grids = plan.grids.copy()
        >>> grids.loc[0, "name"] = "renamed"
        >>> edited = plan.with_edits(grids)
        >>> sorted(set(edited.grids["name"]) - set(plan.grids["name"])), gridkit.validate(edited).ok
        (['renamed'], True)
        """
        from .edits import edited_plan

        return edited_plan(self, grids, profile or self.profile(), edited_with=edited_with)


#: A unit whose floating-point union has a feature under this many precision cells wide
#: (:func:`shapely.minimum_clearance`) may be changed by snap rounding, so it is united on the grid.
_SNAP_CLEARANCE_CELLS = 10.0
#: How far (in precision cells) a vertex may lie from the grid and still count as on it.
_ON_GRID_CELLS = 1e-3
#: A unit merged from its blocks whose area differs from theirs by more than this share was no coverage.
_AREA_RTOL = 1e-9


def _on_grid_unions(geoms: np.ndarray, labels: np.ndarray, precision: float) -> np.ndarray:
    """Union per label on the precision grid, as ``dissolve_by_label(grid_size=precision)`` gives it.

    Blocks tile the area edge to edge, sharing their vertices (a polygonal coverage), so
    every unit is first merged by dropping the edges its blocks share
    (:func:`shapely.coverage_union_all`, no overlay). Snap rounding is many times slower
    and changes nothing when the blocks lie on the grid with no feature narrower than a
    few grid cells, as blocks do; only a unit whose merge is off the grid, has such a
    narrow feature (a sliver gap that rounding would close), is not valid or has not the
    area of its blocks (blocks that are no coverage, e.g. edited by hand) is united again
    by an overlay on the grid.
    """
    labels = np.asarray(labels, dtype=np.int64)
    try:
        out = dissolve_by_label(geoms, labels, coverage=True)
    except shapely.errors.GEOSException:  # blocks that are far from a coverage
        out = dissolve_by_label(geoms, labels)
    coords, index = shapely.get_coordinates(out, return_index=True)
    cells = coords / precision
    redo = np.zeros(len(out), dtype=bool)
    redo[index[np.abs(cells - np.round(cells)).max(axis=1) > _ON_GRID_CELLS]] = True
    redo |= ~(np.asarray(shapely.minimum_clearance(out)) >= _SNAP_CLEARANCE_CELLS * precision)
    blocks_area = np.bincount(labels, weights=shapely.area(geoms), minlength=len(out))
    redo |= ~shapely.is_valid(out) | ~np.isclose(shapely.area(out), blocks_area, rtol=_AREA_RTOL, atol=0.0)
    if redo.any():
        again = np.flatnonzero(redo)
        member = redo[labels]
        dense = np.searchsorted(again, labels[member])
        out[again] = dissolve_by_label(geoms[member], dense, len(again), grid_size=precision)
    return out


def dissolve_units(blocks: gpd.GeoDataFrame, labels: np.ndarray, precision: float) -> np.ndarray:
    """Union the blocks of each label ``0..k-1`` into one geometry per unit."""
    out = polygonal(_on_grid_unions(blocks.geometry.values.to_numpy(), labels, precision))
    # Blocks joined edge to edge make one polygon; anything else is a precision
    # crumb, which the largest part absorbs.
    for j in np.flatnonzero(shapely.get_type_id(out) == 6):
        parts = shapely.get_parts(out[j])
        out[j] = parts[np.argmax(shapely.area(parts))] if shapely.area(parts).max() > 0.999 * out[j].area \
            else out[j]
    return out


@dataclass(frozen=True)
class Prepared:
    """An area made ready to partition: households, blocks and the block graph.

    Peers in ``benchmarks/`` partition ``arrays`` themselves and hand their
    labels to :func:`assemble`, so every method is judged by the same code.
    """

    area: Area
    profile: Profile
    buildings: gpd.GeoDataFrame
    made: Blocks
    edges: Edges
    arrays: GraphArrays
    log: list[tuple[str, str]]
    started: float

    @cached_property
    def graph(self) -> nx.Graph:
        """The block graph as a networkx graph (:func:`gridkit.graph.build_graph`), built when first asked:
        the partition itself works on ``arrays``."""
        return build_graph(self.made.blocks, self.area.roads, self.area.barriers, self.profile, self.buildings,
                           edges=self.edges)


#: Stages of :func:`prepare` and their share of its CPU time (benchmarks/results/stages.md).
PREPARE_STAGES = (("households", 0.02), ("blocks", 0.85), ("block graph", 0.13))
#: Stages of :func:`partition` and their share of its CPU time; the first is :func:`prepare`, which names its own.
PARTITION_STAGES: tuple[tuple[str | None, float], ...] = (
    (None, 0.7), ("communities and grids", 0.15), ("units, names and metrics", 0.15))


def prepare(
    area: Area,
    profile: Profile | str | None = None,
    *,
    seed: int | None = None,
    register: Register | RegisterMatch | None = None,
    totals: Totals | None = None,
    progress: Progress | None = None,
) -> Prepared:
    """Households, street blocks and the block graph of an area (see :func:`partition`)."""
    started = time.time()
    if not isinstance(profile, Profile):
        profile = load_profile(profile or "default")
    profile = profile.with_seed(seed)
    log: list[tuple[str, str]] = list(area.log)
    log += _office_size(area, profile)
    steps = stages(progress, PREPARE_STAGES)
    next(steps)
    buildings = assign_households(area.buildings, profile.households, landuse=area.landuse, pois=area.pois,
                                  register=register, log=log)
    if totals is not None:
        buildings = calibrate(buildings, totals, existing=area.existing,
                              persons_per_household=profile.households.persons_per_household, log=log,
                              compounds=compound_polygons(area.landuse, area.existing, profile))
    next(steps)
    made = make_blocks(area, buildings, profile)
    log += made.log
    next(steps)
    edges = graph_edges(made.blocks, area.roads, area.barriers, profile, buildings)
    next(steps, None)
    return Prepared(area=area, profile=profile, buildings=buildings, made=made, edges=edges,
                    arrays=edge_arrays(made.blocks, edges), log=log, started=started)


def _office_size(area: Area, profile: Profile) -> list[tuple[str, str]]:
    """The area's size for the run log, and a warning (``warning_area``) when it is far beyond an office's.

    A whole district or region given as one area (a wrong extent, or buildings scattered over a region
    whose hull becomes the boundary) is still divided, but nothing told the user.
    """
    km2 = shapely.area(area.boundary) / 1e6
    log = [("area_km2", f"{km2:.2f}")]
    if km2 > profile.office.max_area_km2:
        log.append(("warning_area", f"the area covers {km2:,.0f} km², more than a street office "
                    f"({profile.office.max_area_km2:,.0f} km², office.max_area_km2 of profile "
                    f"'{profile.name}'): check its extent (a whole district or region?), or give a profile "
                    "whose office.max_area_km2 fits the office"))
    return log


def partition(
    area: Area,
    profile: Profile | str | None = None,
    *,
    seed: int | None = None,
    register: Register | RegisterMatch | None = None,
    totals: Totals | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Divide an area into communities, residents' groups (if the profile has them) and base grids.

    An ``existing`` division on the area (``area.existing``, e.g. from
    ``--existing``) is kept wherever the rules allow: locked units stay exactly
    as they are, unchanged units keep their codes, and the plan gains a
    ``changes`` layer.

    Parameters
    ----------
    area : Area
        From :func:`gridkit.read_area`.
    profile : Profile or str, optional
        A profile or the name/path of one (default: ``default``).
    seed : int, optional
        Overrides the profile's ``partition.seed``.
    register : Register or RegisterMatch, optional
        Household register (:func:`gridkit.register.read_register`), or one
        already joined to ``area.buildings`` (:func:`gridkit.register.match_register`).
    totals : Totals, optional
        Known totals the estimates are calibrated to (:func:`gridkit.calibrate.read_totals`).
    progress : callable, optional
        ``progress(fraction, stage)``, called as the run goes (:mod:`gridkit.progress`);
        it may raise :class:`~gridkit.errors.Cancelled` to stop.

    Returns
    -------
    Plan

    Examples
    --------
    >>> import gridkit
    >>> area = gridkit.read_area("data/samples/hk_tsim_sha_tsui.gpkg")
    >>> plan = gridkit.partition(area, seed=1)
    >>> int(plan.grids["households"].max()) <= 200 or "oversize_building" in set(plan.grids["flags"])
    True
    """
    steps = stages(progress, PARTITION_STAGES)
    _, step = next(steps)
    prep = prepare(area, profile, seed=seed, register=register, totals=totals, progress=step)
    _, step = next(steps)
    blocks = prep.made.blocks
    compounds = compound_polygons(area.landuse, area.existing, prep.profile)
    block_compound = block_compounds(blocks, compounds, prep.profile.compounds.min_block_share)
    homes = {lv: block_homes(blocks, area.existing, lv, prep.profile.existing.min_block_share)
             for lv in ("community", "grid")}
    sites = exclusive_sites(area.landuse, area.pois, prep.profile)
    block_site = block_compounds(blocks, sites, prep.profile.exclusive.min_block_share)
    arrays = prep.arrays
    pieces = site_components((np.repeat(np.arange(arrays.n), np.diff(arrays.indptr)), arrays.indices), block_site)
    levels = solve_levels(
        prep.arrays, prep.profile, compounds=block_compound,
        home_community=homes["community"].home if homes["community"] else None,
        home_grid=homes["grid"].home if homes["grid"] else None,
        locked_community=homes["community"].locked if homes["community"] else None,
        locked_grid=homes["grid"].locked if homes["grid"] else None,
        exclusive=pieces,
        progress=step,
    )
    from .metrics import barrier_check  # metrics imports Plan; keep the cycle out of import time
    levels = absorb_slivers(levels, blocks.geometry.values.to_numpy(), prep.arrays, prep.profile,
                            split=barrier_check(area.barriers, area.roads, prep.buildings, prep.profile))
    prep.log.append(("compounds", str(len(compounds))))
    prep.log.append(("exclusive_sites", str(len(np.unique(block_site[block_site >= 0])))))
    next(steps)
    plan = assemble(prep, levels, homes=homes, compound_names=_compound_names(compounds, block_compound))
    next(steps, None)
    return plan


def _compound_names(compounds: gpd.GeoDataFrame, block_compound: np.ndarray) -> np.ndarray:
    names = compounds["name"].astype(str).to_numpy() if len(compounds) else np.array([], dtype=object)
    return np.array([names[c] if c >= 0 else "" for c in block_compound], dtype=object)


def _kept_codes(labels: np.ndarray, weight: np.ndarray, homes: Homes | None) -> np.ndarray:
    """Existing code per new unit where the two are each other's best match (by households)."""
    k = int(labels.max()) + 1
    kept = np.full(k, "", dtype=object)
    if homes is None:
        return kept
    has = homes.home >= 0
    frame = pd.DataFrame({"new": labels[has], "old": homes.home[has], "w": weight[has] + 1e-3})
    pairs = frame.groupby(["new", "old"])["w"].sum().reset_index()
    best_old = pairs.sort_values(["new", "w"], ascending=[True, False]).drop_duplicates("new")
    best_new = pairs.sort_values(["old", "w"], ascending=[True, False]).drop_duplicates("old")
    mutual = best_old.merge(best_new, on=["new", "old"])
    kept[mutual["new"].to_numpy()] = homes.codes[mutual["old"].to_numpy()]
    return kept


def _kept_names(codes: np.ndarray, homes: Homes | None) -> list[str]:
    if homes is None:
        return ["" for _ in codes]
    lookup = dict(zip(homes.codes, homes.names, strict=True))
    return [lookup.get(c, "") for c in codes]


def _sums(labels: np.ndarray, blocks: gpd.GeoDataFrame, k: int) -> dict[str, np.ndarray]:
    return {col: np.bincount(labels, weights=blocks[col].to_numpy(), minlength=k).round().astype(int)
            for col in ("households", "population", "buildings")}


def _renumber(flags: dict[int, tuple[str, ...]], ids: np.ndarray) -> dict[int, tuple[str, ...]]:
    """Flags keyed by raw unit labels, re-keyed to the compact labels 0..k-1 of ``ids``."""
    return {i: flags[int(u)] for i, u in enumerate(ids) if int(u) in flags}


def _flags(flags: dict[int, tuple[str, ...]], k: int) -> list[str]:
    return [",".join(flags.get(i, ())) for i in range(k)]


def _locked_geoms(geoms: np.ndarray, labels: np.ndarray, flags: dict[int, tuple[str, ...]],
                  homes: Homes | None) -> tuple[np.ndarray, np.ndarray]:
    """Locked units keep their existing geometry exactly (same coordinates, same bytes)."""
    locked = np.array(["locked" in flags.get(i, ()) for i in range(len(geoms))])
    if homes is None or not locked.any():
        return geoms, locked
    geoms = geoms.copy()
    for i in np.flatnonzero(locked):
        h = homes.home[labels == i]
        h = h[h >= 0]
        if len(h):
            geoms[i] = homes.geoms[np.bincount(h).argmax()]
    return geoms, locked


def assemble(prep: Prepared, levels: Levels | np.ndarray, *, flags: dict[int, tuple[str, ...]] | None = None,
             method: str = "gridkit", homes: dict[str, Homes | None] | None = None,
             compound_names: np.ndarray | None = None) -> Plan:
    """Turn block labels into a complete, scored :class:`Plan`.

    ``levels`` is a :class:`~gridkit.levels.Levels`, or just the grid label of
    every block (one community), which is how peers' labellings are scored.
    """
    if not isinstance(levels, Levels):
        n = len(levels)
        levels = Levels(community=np.zeros(n, dtype=np.int64), group=np.full(n, -1, dtype=np.int64),
                        grid=np.asarray(levels), grid_flags=flags or {})
    homes = homes or {}
    area, profile, made = prep.area, prep.profile, prep.made
    blocks = made.blocks.copy()
    precision, reach = profile.blocks.precision_m, profile.blocks.road_match_m
    hh_blocks = blocks["households"].to_numpy(dtype=float)
    roads = area.roads

    # Communities.
    c_ids, c_lab = np.unique(levels.community, return_inverse=True)
    c_flags = _renumber(levels.community_flags, c_ids)
    c_geoms = dissolve_units(blocks, c_lab, precision)
    c_geoms, c_locked = _locked_geoms(c_geoms, c_lab, c_flags, homes.get("community"))
    kc = len(c_geoms)
    county = _street_prefix(profile, homes.get("community"))
    kept = _kept_codes(c_lab, hh_blocks, homes.get("community"))
    if profile.levels.quarter and "joined_to_nearest" in c_flags.get(0, ()):
        kept[0] = _nearest_code(c_geoms[0], homes.get("community"))
    c_codes = assign_codes(c_geoms, np.full(kc, county, dtype=object), COMMUNITY_WIDTH, kept)
    named = compound_names if compound_names is not None else np.full(len(blocks), "", dtype=object)
    largest = _largest_compounds(c_lab, named, hh_blocks, kc)
    c_pref = [p or largest[i] for i, p in enumerate(_kept_names(c_codes, homes.get("community")))]
    words = profile.names
    c_names = unit_names(c_geoms, roads, parents=np.full(kc, county, dtype=object), suffix=words.community_suffix,
                         reach=reach, fallback=[f"第{int(str(c)[-COMMUNITY_WIDTH:])}" for c in c_codes], preferred=[
                             (p if p.endswith(words.community_suffix) or not p else f"{p}{words.community_suffix}")
                             for p in c_pref], order=c_codes)
    c_sums = _sums(c_lab, blocks, kc)

    # Residents' groups.
    has_groups = (levels.group >= 0).any()
    if has_groups:
        g_ids, g_lab = np.unique(levels.group, return_inverse=True)
        g_flags = _renumber(levels.group_flags, g_ids)
        g_geoms = dissolve_units(blocks, g_lab, precision)
        kg = len(g_geoms)
        g_comm = c_codes[_majority(g_lab, c_lab, kg)]
        g_codes = assign_codes(g_geoms, g_comm, GROUP_WIDTH)
        g_names = unit_names(g_geoms, roads, parents=g_comm, suffix=words.group_suffix, reach=reach,
                             fallback=[f"第{str(c)[-GROUP_WIDTH:]}" for c in g_codes], order=g_codes)
    # Grids.
    grid_ids, lab = np.unique(levels.grid, return_inverse=True)
    grid_flags = _renumber(levels.grid_flags, grid_ids)
    geoms = dissolve_units(blocks, lab, precision)
    geoms, locked = _locked_geoms(geoms, lab, grid_flags, homes.get("grid"))
    k = len(geoms)
    parent = _majority(lab, c_lab, k)
    prefixes = c_codes[parent]
    codes = assign_codes(geoms, prefixes, GRID_WIDTH, _kept_codes(lab, hh_blocks, homes.get("grid")))
    # Names are numbered across the whole street office, so each is unique there.
    names = unit_names(geoms, roads, parents=np.full(k, county, dtype=object), suffix=words.grid_suffix,
                       reach=reach,
                       fallback=[str(c_names[parent[i]]) for i in range(k)],
                       preferred=_kept_names(codes, homes.get("grid")), order=codes)
    sums = _sums(lab, blocks, k)

    grid_group = np.full(k, "", dtype=object)
    block_group = np.full(len(blocks), "", dtype=object)
    if has_groups:
        grid_group = g_codes[_majority(lab, g_lab, k)]
        block_group = g_codes[g_lab]
    grids = gpd.GeoDataFrame(
        {"code": codes, "name": names, "community_code": prefixes, "group_code": grid_group, **sums,
         "area_m2": shapely.area(geoms).round(1), "locked": locked, "flags": _flags(grid_flags, k)},
        geometry=geoms, crs=area.crs)
    grids = pd.concat([grids, grid_staffing(sums["households"], profile.staffing)], axis=1)
    grids = grids.iloc[np.argsort(codes, kind="stable")].reset_index(drop=True)
    communities = gpd.GeoDataFrame(
        {"code": c_codes, "name": c_names, **c_sums, "grids": np.bincount(parent, minlength=kc),
         "area_m2": shapely.area(c_geoms).round(1), "locked": c_locked,
         "flags": _flags(c_flags, kc)}, geometry=c_geoms, crs=area.crs)
    communities = pd.concat([communities, community_staffing(c_sums["households"], c_sums["population"],
                                                             profile.staffing)], axis=1)
    communities = communities.iloc[np.argsort(c_codes, kind="stable")].reset_index(drop=True)
    groups = None
    if has_groups:
        g_sums = _sums(g_lab, blocks, kg)
        groups = gpd.GeoDataFrame(
            {"code": g_codes, "name": g_names, "community_code": g_comm, **g_sums,
             "area_m2": shapely.area(g_geoms).round(1), "flags": _flags(g_flags, kg)},
            geometry=g_geoms, crs=area.crs).sort_values("code").reset_index(drop=True)

    blocks["grid_code"] = codes[lab]
    blocks["group_code"] = block_group
    blocks["community_code"] = c_codes[c_lab]
    bld = prep.buildings.copy()
    block_of = made.building_block
    bld["block_id"] = blocks["block_id"].to_numpy()[block_of]
    for col in ("grid_code", "group_code", "community_code"):
        bld[col] = blocks[col].to_numpy()[block_of]
    area_gdf = gpd.GeoDataFrame({"name": [area.name], "code": [area.code], "source": [area.source]},
                                geometry=[shapely.set_precision(area.boundary, precision)], crs=area.crs)
    run = _run_table(area, profile, prep.log + [("method", method)], prep.started)
    plan = Plan(grids=grids, blocks=blocks, buildings=_output_buildings(bld), area=area_gdf,
                roads=area.roads, barriers=_barrier_layer(area), run=run, communities=communities, groups=groups)
    if any(h is not None for h in homes.values()):
        plan = Plan(**{**plan.__dict__, "changes": _changes(plan, homes, block_of)})
    from .metrics import compute_metrics  # metrics imports Plan; keep the cycle out of import time

    return Plan(**{**plan.__dict__, "metrics": compute_metrics(plan, profile, graph=prep.arrays)})


def _street_prefix(profile: Profile, homes: Homes | None) -> str:
    """County + street office digits: the existing plan's, when its community codes share them."""
    width = len(profile.codes.county_code) + len(profile.codes.street_code)
    if homes is not None and len(homes.codes):
        prefixes = {c[:width] for c in homes.codes if len(c) == width + COMMUNITY_WIDTH and c.isdigit()}
        if len(prefixes) == 1:
            return prefixes.pop()
    return profile.codes.county_code + profile.codes.street_code


def _majority(child: np.ndarray, parent: np.ndarray, k: int) -> np.ndarray:
    """For each child label ``0..k-1``, the parent label most of its blocks have (ties: the lowest)."""
    pairs, count = np.unique(np.column_stack([child, parent]), axis=0, return_counts=True)
    order = np.lexsort((pairs[:, 1], -count, pairs[:, 0]))
    pairs = pairs[order]
    first = np.r_[True, pairs[1:, 0] != pairs[:-1, 0]]
    out = np.zeros(k, dtype=np.int64)
    out[pairs[first, 0]] = pairs[first, 1]
    return out


def _largest_compounds(labels: np.ndarray, names: np.ndarray, weight: np.ndarray, k: int) -> list[str]:
    """For each unit ``0..k-1``, the compound name its blocks weigh most under ('' for none)."""
    frame = pd.DataFrame({"u": labels, "n": names, "w": weight})
    frame = frame[frame["n"] != ""]
    sums = frame.groupby(["u", "n"], sort=True)["w"].sum().reset_index()
    best = sums.sort_values(["u", "w", "n"], ascending=[True, False, True], kind="stable").drop_duplicates("u")
    out = [""] * k
    for u, n in zip(best["u"].to_numpy(), best["n"].to_numpy(), strict=True):
        out[int(u)] = str(n)
    return out


def _nearest_code(geom: shapely.Geometry, homes: Homes | None) -> str:
    """Code of the existing community nearest to ``geom`` ('' when there is none)."""
    if homes is None or len(homes.codes) == 0:
        return ""
    return str(homes.codes[int(np.argmin(shapely.distance(homes.geoms, geom)))])


def _changes(plan: Plan, homes: dict[str, Homes | None], block_of: np.ndarray) -> gpd.GeoDataFrame:
    """Changes against the existing units the blocks sat in."""
    b = plan.buildings
    communities = plan.communities
    assert communities is not None, "assemble makes the communities before the changes"
    tables = []
    for level, column in (("community", "community_code"), ("grid", "grid_code")):
        h = homes.get(level)
        if h is None:
            continue
        old_codes = np.where(h.home[block_of] >= 0, h.codes[np.maximum(h.home[block_of], 0)], "")
        old = pd.DataFrame({"building_id": b["building_id"], "code": old_codes, "households": b["households"]})
        old = old[old["code"] != ""]
        new = pd.DataFrame({"building_id": b["building_id"], "code": b[column], "households": b["households"]})
        units = communities if level == "community" else plan.grids
        tables.append(change_table(old, new, level=level, old_names=dict(zip(h.codes, h.names, strict=True)),
                                   new_names=dict(zip(units["code"], units["name"], strict=True))))
    table = pd.concat(tables, ignore_index=True)
    lookup = {("community", c): g for c, g in zip(communities["code"], communities.geometry, strict=True)}
    lookup.update({("grid", c): g for c, g in zip(plan.grids["code"], plan.grids.geometry, strict=True)})
    known = {lv: h for lv in ("community", "grid") if (h := homes.get(lv)) is not None}
    old_lookup = {(lv, c): g for lv, h in known.items() for c, g in zip(h.codes, h.geoms, strict=True)}
    geoms = [lookup.get((r.level, r.new_code)) if r.new_code else old_lookup.get((r.level, r.old_code))
             for r in table.itertuples()]
    return gpd.GeoDataFrame(table, geometry=geoms, crs=plan.grids.crs)


def _barrier_layer(area: Area) -> gpd.GeoDataFrame:
    cols = [c for c in ("barrier_type", "kind", "name") if c in area.barriers]
    return gpd.GeoDataFrame(area.barriers[cols].astype(str) if cols else None,
                            geometry=area.barriers.geometry.values, crs=area.crs)


def _output_buildings(bld: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    front = ["building_id", "households", "population", "households_source", "block_id", "grid_code",
             "group_code", "community_code", "home_rule", "levels_used", "levels_source"]
    rest = [c for c in bld.columns if c not in front and c not in ("geometry", "_part", "_parts", "_given_id")]
    out = bld[front + rest + ["geometry"]].copy()
    for c in rest:
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    return gpd.GeoDataFrame(out, geometry="geometry", crs=bld.crs)


def _input_path(source: str) -> str:
    """The input as the run table keeps it: a local file or folder by its absolute path, so the plan still
    finds it (the editor's compounds, :meth:`gridkit.edits.Editor.compounds_from_input`) wherever it was
    written and whatever the reader's working folder; anything else (a PostGIS URL, a batch's office) as given."""
    path = Path(source)
    return str(path.resolve()) if path.exists() else source


def _run_table(area: Area, profile: Profile, log: list[tuple[str, str]], started: float) -> pd.DataFrame:
    rows = [
        ("gridkit_version", __version__),
        ("profile_name", profile.name),
        ("profile", profile.to_toml()),
        ("seed", str(profile.partition.seed)),
        ("input", _input_path(area.source)),
        ("area_name", area.name),
        ("area_code", area.code),
        ("input_sha256", area.source_hash),
        ("input_crs", area.source_crs),
        ("crs", area.crs.to_string()),
        ("crs_name", area.crs.name),
        ("from_gcj02", "true" if area.from_gcj02 else "false"),
        ("created", time.strftime("%Y-%m-%dT%H:%M:%S%z")),
        ("partition_seconds", f"{time.time() - started:.2f}"),
    ]
    rows += [(f"log.{k}", v) for k, v in log]
    return pd.DataFrame(rows, columns=["key", "value"])
