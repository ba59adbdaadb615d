"""What every sheet of one plan draws, computed once: grids with their colours,
communities, the area, roads by class and their names, barriers, staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from ..lines import is_landuse_edge
from ..plan_units import area_name, plan_communities
from ..roster import staff_by_grid
from .colour import NAMED_CLASSES, ROAD_CLASSES, grid_colours, palette_colour
from .text import sheet_fonts

if TYPE_CHECKING:
    from ..plan import Plan

OSM_SOURCE = "道路与建筑 © OpenStreetMap 贡献者 (ODbL)"
# Columns only OpenStreetMap data carries: its ids and its colon-separated tag keys, as GDAL's OSM
# driver, osmium and overpass exports name them.
_OSM_COLUMNS = ("osm_id", "osm_way_id", "osm_type", "building:levels", "addr:street", "addr:housenumber")
_OSM_SUFFIXES = (".osm", ".pbf", ".osm.bz2", ".osm.gz")


@dataclass
class MapData:
    """What every sheet of one plan draws, computed once."""

    plan: Plan
    grids: gpd.GeoDataFrame
    geoms: np.ndarray
    colours: list[str]
    communities: gpd.GeoDataFrame
    area: BaseGeometry
    name: str
    roads: list[tuple[tuple, np.ndarray]]  # (class row, lines)
    barriers: list[tuple[str, str, np.ndarray]]  # (kind, label, lines)
    named_roads: list[tuple[str, str, shapely.LineString]]  # (name, class key, merged line)
    staff: dict[str, list[dict[str, str]]]
    font: list[str]
    source: str


def default_source(plan: Plan) -> str:
    """The data source line a plan's maps carry when the user names none.

    OpenStreetMap's licence asks for its credit, so a plan made from OSM data (an ``.osm``/``.pbf``
    input, or layers with OSM's ids or tag keys) credits it; any other plan claims no source
    beyond its input file, which the footer names anyway.
    """
    name = plan.run_value("input", "").lower()
    if name.endswith(_OSM_SUFFIXES):
        return OSM_SOURCE
    layers = (plan.buildings, plan.roads, plan.barriers)
    return OSM_SOURCE if any(col in layer.columns for layer in layers for col in _OSM_COLUMNS) else ""


def map_data(plan: Plan, roster: pd.DataFrame | None = None, source: str | None = None) -> MapData:
    """Everything the sheets of ``plan`` draw, with staff from ``roster`` and the data ``source`` line."""
    grids = plan.grids.reset_index(drop=True).copy()
    grids["code"] = grids["code"].astype(str)
    grids["name"] = grids["name"].fillna("").astype(str)
    grids["community_code"] = grids["community_code"].fillna("").astype(str)
    for col in ("households", "population", "buildings"):
        grids[col] = pd.to_numeric(grids[col], errors="coerce").fillna(0)
    grids["flags"] = grids["flags"].fillna("").astype(str) if "flags" in grids else ""
    geoms = grids.geometry.values.to_numpy()
    colours = [palette_colour(int(c)) for c in grid_colours(geoms)]
    area_geoms = plan.area.geometry.values.to_numpy() if len(plan.area) else geoms
    area = shapely.union_all(area_geoms)
    roads = plan.roads
    road_layers, named = [], []
    if len(roads) and "highway" in roads:
        cls_of = roads["highway"].fillna("").astype(str).str.removesuffix("_link")
        for row in ROAD_CLASSES:
            sel = cls_of.isin(row[2]).to_numpy()
            if sel.any():
                road_layers.append((row, roads.geometry.values[sel].to_numpy()))
        if "name" in roads:
            names = roads["name"].fillna("").astype(str).str.strip()
            rank = {k: i for i, k in enumerate(NAMED_CLASSES)}
            frame = pd.DataFrame({"name": names, "cls": cls_of, "geom": roads.geometry.values})
            frame = frame[(frame["name"] != "") & frame["cls"].isin(NAMED_CLASSES)]
            for name, part in frame.groupby("name", sort=False):
                best = min(part["cls"], key=lambda c: rank[c])
                merged = shapely.line_merge(shapely.union_all(part["geom"].to_numpy()))
                for line in shapely.get_parts(merged):
                    named.append((str(name), best, line))
            named.sort(key=lambda t: (rank[t[1]], -t[2].length))
    barrier_layers = []
    # Landuse edges are lines to cut along, not barriers: the landuse is not drawn.
    lines = plan.barriers[~is_landuse_edge(plan.barriers)]
    if len(lines):
        kind = lines["barrier_type"].fillna("").astype(str) if "barrier_type" in lines \
            else pd.Series([""] * len(lines))
        for key, label in (("waterway", "河流水系"), ("coastline", "岸线"), ("railway", "铁路")):
            sel = (kind == key).to_numpy()
            if sel.any():
                barrier_layers.append((key, label, lines.geometry.values[sel].to_numpy()))
        other = ~kind.isin(["waterway", "coastline", "railway"]).to_numpy()
        if other.any():
            barrier_layers.append(("other", "分隔障碍", lines.geometry.values[other].to_numpy()))
    communities, name, staff = plan_communities(plan), area_name(plan), staff_by_grid(roster)
    texts = [name, *grids["name"].astype(str), *communities["name"].astype(str), *(n for n, _, _ in named),
             *(str(v) for people in staff.values() for person in people for v in person.values())]
    return MapData(plan=plan, grids=grids, geoms=geoms, colours=colours, communities=communities,
                   area=area, name=name, roads=road_layers, barriers=barrier_layers,
                   named_roads=named, staff=staff, font=sheet_fonts(texts),
                   source=default_source(plan) if source is None else source)
