"""Names of grids and communities from the streets that bound them.

A grid is named for the longest named road along its boundary and its side
of that road, e.g. "幸福路东网格"; a grid no named road runs along takes the
nearest named road instead, so every name says where the grid is. Repeats
within the numbering group are numbered (一, 二, … 十一, …). A community is
named for its largest named compound, else its main bounding road ("…社区").
The caller's fallback is used only where the area has no named road at all.
Names are defaults; users edit them.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["boundary_streets", "unit_names", "numeral"]

_DIGITS = "零一二三四五六七八九"


def numeral(n: int) -> str:
    """Chinese numeral of ``n`` (1 → 一, 12 → 十二, 40 → 四十, 105 → 一百零五)."""
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        return _DIGITS[hundreds] + "百"
    return _DIGITS[hundreds] + "百" + ("零" + _DIGITS[rest] if rest < 10 else
                                       ("一" if rest < 20 else "") + numeral(rest))


def boundary_streets(geoms: np.ndarray, roads: gpd.GeoDataFrame, reach: float) -> list[list[tuple[str, float]]]:
    """Named roads along each unit's boundary, as (name, metres) longest first."""
    out: list[list[tuple[str, float]]] = [[] for _ in range(len(geoms))]
    if len(roads) == 0 or "name" not in roads or len(geoms) == 0:
        return out
    named = roads[roads["name"].fillna("").astype(str).str.strip() != ""]
    if len(named) == 0:
        return out
    lines = named.geometry.values.to_numpy()
    names = named["name"].astype(str).to_numpy()
    rings = shapely.buffer(shapely.boundary(geoms), reach)
    g, r = shapely.STRtree(lines).query(rings, predicate="intersects")
    if len(g) == 0:
        return out
    length = shapely.length(shapely.intersection(lines[r], rings[g]))
    frame = pd.DataFrame({"g": g, "name": names[r], "len": length})
    frame = frame[frame["len"] > 2 * reach].groupby(["g", "name"])["len"].sum().reset_index()
    for row in frame.sort_values(["g", "len"], ascending=[True, False]).itertuples():
        out[int(row.g)].append((str(row.name), float(row.len)))
    return out


def _side(geom: shapely.Geometry, road: shapely.Geometry) -> str:
    """Which side of ``road`` the unit lies: 东/西/南/北."""
    c = shapely.point_on_surface(geom)
    near = shapely.shortest_line(road, c)
    (x0, y0), (x1, y1) = shapely.get_coordinates(near)[[0, -1]]
    dx, dy = x1 - x0, y1 - y0
    if abs(dx) >= abs(dy):
        return "东" if dx > 0 else "西"
    return "北" if dy > 0 else "南"


def _numbered(bases: list[str], groups: np.ndarray, suffix: str) -> list[str]:
    frame = pd.DataFrame({"base": bases, "group": groups})
    counts = frame.groupby(["group", "base"])["base"].transform("size").to_numpy()
    rank = frame.groupby(["group", "base"]).cumcount().to_numpy()
    out = []
    for base, n, k in zip(bases, counts, rank, strict=True):
        out.append(f"{base}{suffix}" if n == 1 else f"{base}{numeral(k + 1)}{suffix}")
    return out


def unit_names(geoms: np.ndarray, roads: gpd.GeoDataFrame, *, parents: np.ndarray, suffix: str, reach: float,
               fallback: list[str], preferred: list[str] | None = None) -> np.ndarray:
    """Default names: ``preferred`` where given, else road + side, else ``fallback``.

    The road is the longest named one along the boundary, else the nearest
    named one; ``fallback`` is used only when ``roads`` has no named road.

    Parameters
    ----------
    geoms : units' geometries
    roads : the plan's roads (``name``)
    parents : parent code of each unit (numbering restarts per parent)
    suffix : "网格", "社区", "居民小组"
    reach : metres within which a road runs along a boundary
    fallback : a name per unit when no road is named
    preferred : a name per unit that wins when not empty (e.g. a kept existing name)
    """
    streets = boundary_streets(geoms, roads, reach)
    lines = {}
    if len(roads) and "name" in roads:
        for name, group in roads.groupby(roads["name"].fillna("").astype(str).str.strip()):
            if name:
                lines[name] = shapely.union_all(group.geometry.values.to_numpy())
    road = [found[0][0] if found else "" for found in streets]
    unnamed = [i for i, r in enumerate(road) if not r]
    if unnamed and lines:
        names = list(lines)
        _, nearest = shapely.STRtree(list(lines.values())).query_nearest(geoms[unnamed], all_matches=False)
        for i, j in zip(unnamed, nearest, strict=True):
            road[i] = names[j]
    bases = [f"{r}{_side(geoms[i], lines[r])}" if r else fallback[i] for i, r in enumerate(road)]
    names = _numbered(bases, parents, suffix)
    if preferred is not None:
        names = [p if p else n for p, n in zip(preferred, names, strict=True)]
    return np.array(names, dtype=object)
