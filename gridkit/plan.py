"""A plan: the grids of an area with their blocks and buildings, and how it was made.

:func:`partition` runs the whole flow on an :class:`~gridkit.area.Area`:
households, blocks, block graph, the engine, then grid geometry, codes and
metrics.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from . import __version__
from .area import Area
from .blocks import Blocks, make_blocks, polygonal
from .codes import grid_codes
from .engine import Bounds, partition_graph
from .graph import GraphArrays, build_graph, graph_arrays
from .households import assign_households
from .profile import Profile, load_profile

__all__ = ["Plan", "Prepared", "prepare", "partition", "assemble", "dissolve_grids"]

GRID_COLUMNS = ["code", "name", "community_code", "group_code", "households", "population", "buildings",
                "area_m2", "locked", "flags"]


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
        ``level``, ``name``, ``value``.
    run : DataFrame
        ``key``, ``value``.
    """

    grids: gpd.GeoDataFrame
    blocks: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    area: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    barriers: gpd.GeoDataFrame
    metrics: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["level", "name", "value"]))
    run: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["key", "value"]))

    @property
    def crs(self) -> CRS:
        return CRS.from_user_input(self.grids.crs)

    def run_value(self, key: str, default: str = "") -> str:
        hit = self.run.loc[self.run["key"] == key, "value"]
        return str(hit.iloc[0]) if len(hit) else default


def dissolve_grids(blocks: gpd.GeoDataFrame, labels: np.ndarray, precision: float) -> np.ndarray:
    """Union the blocks of each label ``0..k-1`` into one geometry per grid."""
    k = int(labels.max()) + 1
    geoms = blocks.geometry.values.to_numpy()
    out = np.empty(k, dtype=object)
    order = np.argsort(labels, kind="stable")
    cuts = np.searchsorted(labels[order], np.arange(k + 1))
    for i in range(k):
        members = geoms[order[cuts[i]:cuts[i + 1]]]
        out[i] = members[0] if len(members) == 1 else shapely.union_all(members, grid_size=precision)
    out = polygonal(out)
    # A grid of blocks joined edge to edge is one polygon; anything else is a
    # precision crumb, which the largest part absorbs as the validator allows.
    for i in np.flatnonzero(shapely.get_type_id(out) == 6):
        parts = shapely.get_parts(out[i])
        out[i] = parts[np.argmax(shapely.area(parts))] if shapely.area(parts).max() > 0.999 * out[i].area \
            else out[i]
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
    graph: nx.Graph
    arrays: GraphArrays
    log: list[tuple[str, str]]
    started: float


def prepare(
    area: Area,
    profile: Profile | str | None = None,
    *,
    seed: int | None = None,
    register: pd.DataFrame | None = None,
) -> Prepared:
    """Households, street blocks and the block graph of an area (see :func:`partition`)."""
    started = time.time()
    if not isinstance(profile, Profile):
        profile = load_profile(profile or "default")
    profile = profile.with_seed(seed)
    log: list[tuple[str, str]] = list(area.log)
    buildings = assign_households(area.buildings, profile.households, landuse=area.landuse, pois=area.pois,
                                  register=register, log=log)
    made = make_blocks(area, buildings, profile)
    log += made.log
    graph = build_graph(made.blocks, area.roads, area.barriers, profile)
    return Prepared(area=area, profile=profile, buildings=buildings, made=made, graph=graph,
                    arrays=graph_arrays(graph), log=log, started=started)


def partition(
    area: Area,
    profile: Profile | str | None = None,
    *,
    seed: int | None = None,
    register: pd.DataFrame | None = None,
) -> Plan:
    """Divide an area into base grids.

    Parameters
    ----------
    area : Area
        From :func:`gridkit.read_area`.
    profile : Profile or str, optional
        A profile or the name/path of one (default: ``default``).
    seed : int, optional
        Overrides the profile's ``partition.seed``.
    register : DataFrame, optional
        Household register (:func:`gridkit.households.read_register`).

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
    prep = prepare(area, profile, seed=seed, register=register)
    p = prep.profile
    bounds = Bounds(p.grid.min_households, p.grid.target_households, p.grid.max_households)
    result = partition_graph(prep.arrays, bounds, seed=p.partition.seed, passes=p.partition.refine_passes,
                             compactness_weight=p.partition.compactness_weight, unit_cost=p.roads.cost_minor)
    return assemble(prep, result.labels, flags=result.flags)


def assemble(prep: Prepared, labels: np.ndarray, *, flags: dict[int, tuple[str, ...]] | None = None,
             method: str = "gridkit") -> Plan:
    """Turn block labels (grid ``0..k-1`` of every block) into a complete, scored :class:`Plan`."""
    flags = flags or {}
    area, profile, made = prep.area, prep.profile, prep.made
    _, labels = np.unique(labels, return_inverse=True)
    geoms = dissolve_grids(made.blocks, labels, profile.blocks.precision_m)
    k = len(geoms)
    codes, names, community = grid_codes(geoms, profile)
    blocks = made.blocks.copy()
    blocks["grid_code"] = codes[labels]
    bld = prep.buildings.copy()
    block_of = made.building_block
    bld["block_id"] = blocks["block_id"].to_numpy()[block_of]
    bld["grid_code"] = codes[labels[block_of]]
    bld["group_code"] = ""
    bld["community_code"] = community
    hh = np.bincount(labels, weights=blocks["households"].to_numpy(), minlength=k)
    pop = np.bincount(labels, weights=blocks["population"].to_numpy(), minlength=k)
    nb = np.bincount(labels, weights=blocks["buildings"].to_numpy(), minlength=k)
    grids = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": names,
            "community_code": community,
            "group_code": "",
            "households": hh.round().astype(int),
            "population": pop.round().astype(int),
            "buildings": nb.round().astype(int),
            "area_m2": shapely.area(geoms).round(1),
            "locked": False,
            "flags": [",".join(flags.get(i, ())) for i in range(k)],
        },
        geometry=geoms,
        crs=area.crs,
    )
    order = np.argsort(grids["code"].to_numpy(), kind="stable")
    grids = grids.iloc[order].reset_index(drop=True)
    area_gdf = gpd.GeoDataFrame({"name": [area.source]}, geometry=[shapely.set_precision(
        area.boundary, profile.blocks.precision_m)], crs=area.crs)
    run = _run_table(area, profile, prep.log + [("method", method)], prep.started)
    plan = Plan(grids=grids, blocks=blocks, buildings=_output_buildings(bld), area=area_gdf,
                roads=area.roads, barriers=_barrier_layer(area), run=run)
    from .metrics import compute_metrics  # metrics imports Plan; keep the cycle out of import time

    return Plan(**{**plan.__dict__, "metrics": compute_metrics(plan, profile)})


def _barrier_layer(area: Area) -> gpd.GeoDataFrame:
    cols = [c for c in ("barrier_type", "kind", "name") if c in area.barriers]
    return gpd.GeoDataFrame(area.barriers[cols].astype(str) if cols else None,
                            geometry=area.barriers.geometry.values, crs=area.crs)


def _output_buildings(bld: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    front = ["building_id", "households", "population", "households_source", "block_id", "grid_code",
             "group_code", "community_code", "home_rule", "levels_used", "levels_source"]
    rest = [c for c in bld.columns if c not in front and c not in ("geometry", "_part", "_parts")]
    out = bld[front + rest + ["geometry"]].copy()
    for c in rest:
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    return gpd.GeoDataFrame(out, geometry="geometry", crs=bld.crs)


def _run_table(area: Area, profile: Profile, log: list[tuple[str, str]], started: float) -> pd.DataFrame:
    rows = [
        ("gridkit_version", __version__),
        ("profile_name", profile.name),
        ("profile", profile.to_toml()),
        ("seed", str(profile.partition.seed)),
        ("input", area.source),
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
