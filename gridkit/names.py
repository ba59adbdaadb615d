"""Names of grids and communities from the streets that bound them.

A grid is named for the longest named road along its boundary and its side
of that road, e.g. "幸福路东网格"; a grid no named road runs along takes the
nearest named road instead, so every name says where the grid is. Repeats
within the numbering group are numbered (一, 二, … 十一, …) in the order of
their codes, so a list sorted by code reads 一, 二, 三. A community is
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
    # An overlay costs with the size of the whole polygon, but only the ring around the road
    # counts: each ring is first cut to the road's box (widened by ``reach``, so the road stays
    # inside it). Lengths differ from the whole ring's by rounding (under 1e-9 m).
    box = shapely.bounds(lines[r]) + np.array([-reach, -reach, reach, reach])
    # shapely.clip_by_rect takes one box per call (its Python checks cost more than the clip);
    # the ufunc under it takes a box per geometry.
    near = shapely.lib.clip_by_rect(rings[g], *box.T)
    length = shapely.length(shapely.intersection(lines[r], near))
    frame = pd.DataFrame({"g": g, "name": names[r], "len": length})
    frame = frame[frame["len"] > 2 * reach].groupby(["g", "name"])["len"].sum().reset_index()
    for row in frame.sort_values(["g", "len"], ascending=[True, False]).itertuples():
        out[int(row.g)].append((str(row.name), float(row.len)))
    return out


def _sides(geoms: np.ndarray, roads: np.ndarray) -> np.ndarray:
    """Which side of its road each unit lies: 东/西/南/北."""
    near = shapely.shortest_line(roads, shapely.point_on_surface(geoms))
    ends = shapely.get_coordinates(near).reshape(-1, 2, 2)
    dx, dy = (ends[:, 1] - ends[:, 0]).T
    return np.where(np.abs(dx) >= np.abs(dy), np.where(dx > 0, "东", "西"), np.where(dy > 0, "北", "南"))


def _named_lines(roads: gpd.GeoDataFrame, wanted: set[str] | None) -> dict[str, shapely.Geometry]:
    """The lines of each road name united, in name order (only the ``wanted`` names when given)."""
    if len(roads) == 0 or "name" not in roads:
        return {}
    key = roads["name"].fillna("").astype(str).str.strip().to_numpy()
    order = np.argsort(key, kind="stable")
    names, first = np.unique(key[order], return_index=True)
    parts = np.split(roads.geometry.values.to_numpy()[order], first[1:])
    return {str(n): shapely.union_all(p) for n, p in zip(names, parts, strict=True)
            if n and (wanted is None or n in wanted)}


def _numbered(bases: list[str], groups: np.ndarray, suffix: str, order: np.ndarray | None) -> list[str]:
    frame = pd.DataFrame({"base": bases, "group": groups, "order": np.arange(len(bases)) if order is None else order})
    counts = frame.groupby(["group", "base"])["base"].transform("size").to_numpy()
    # A list sorted by code reads 一, 二, 三 …: repeats are numbered in ``order``.
    rank = frame.sort_values("order", kind="stable").groupby(["group", "base"]).cumcount().sort_index().to_numpy()
    out = []
    for base, n, k in zip(bases, counts, rank, strict=True):
        out.append(f"{base}{suffix}" if n == 1 else f"{base}{numeral(k + 1)}{suffix}")
    return out


def unit_names(geoms: np.ndarray, roads: gpd.GeoDataFrame, *, parents: np.ndarray, suffix: str, reach: float,
               fallback: list[str], preferred: list[str] | None = None, order: np.ndarray | None = None) -> np.ndarray:
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
    order : the units' codes: repeats of a name are numbered in their order (一 has the lowest code), else in
        the order of ``geoms``
    """
    road = [found[0][0] if found else "" for found in boundary_streets(geoms, roads, reach)]
    unnamed = [i for i, r in enumerate(road) if not r]
    # Every name is a candidate for the nearest road; else only the names found along boundaries are needed.
    lines = _named_lines(roads, None if unnamed else set(road))
    if unnamed and lines:
        names = list(lines)
        _, nearest = shapely.STRtree(list(lines.values())).query_nearest(geoms[unnamed], all_matches=False)
        for i, j in zip(unnamed, nearest, strict=True):
            road[i] = names[j]
    has = np.array([bool(r) for r in road], dtype=bool)
    sides = _sides(geoms[has], np.array([lines[r] for r in road if r], dtype=object))
    side_of = dict(zip(np.flatnonzero(has).tolist(), sides.tolist(), strict=True))
    bases = [f"{r}{side_of[i]}" if r else fallback[i] for i, r in enumerate(road)]
    names = _numbered(bases, parents, suffix, order)
    if preferred is not None:
        names = [p if p else n for p, n in zip(preferred, names, strict=True)]
    return np.array(names, dtype=object)
