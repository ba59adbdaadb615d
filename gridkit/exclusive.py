"""Exclusive grids (专属网格): self-contained sites that are grids of their own.

Chinese grid practice sets beside the base grids (基础网格) exclusive grids for
units that manage themselves: schools and campuses, hospitals, enterprises and
industrial parks, government compounds, large markets (e.g. Xi'an
DB6101/T 3185-2024). A landuse polygon is such a site when its kind, a POI
standing in it, or its name says so (the profile's ``[exclusive]`` lists). The
blocks of a site make one grid, flagged ``exclusive``, kept whole and coded and
named like any other; with no households it is still a grid, so the tiling
stays complete (see :mod:`gridkit.levels`).
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from .geometry import largest_overlap
from .profile import Profile

__all__ = ["exclusive_sites", "site_components"]


def _column(frame: gpd.GeoDataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series("", index=frame.index)
    s = frame[name].astype(object)
    return s.where(s.notna(), "").astype(str).str.strip()


def exclusive_sites(landuse: gpd.GeoDataFrame | None, pois: gpd.GeoDataFrame | None,
                    profile: Profile) -> gpd.GeoDataFrame:
    """The exclusive sites of an area: landuse polygons marked by kind, POI or name.

    Returns
    -------
    GeoDataFrame
        ``name``, ``kind`` (the landuse kind, or the POI kind that marked it)
        and ``marked_by`` (``landuse``, ``poi`` or ``name``), one row per site.
    """
    rules = profile.exclusive
    empty = gpd.GeoDataFrame({"name": [], "kind": [], "marked_by": []}, geometry=[],
                             crs=None if landuse is None else landuse.crs)
    if landuse is None or len(landuse) == 0:
        return empty
    kind = _column(landuse, "kind").str.lower()
    name = _column(landuse, "name")
    marked = pd.Series("", index=landuse.index)
    marked[kind.isin(rules.landuse_kinds)] = "landuse"
    label = kind.copy()
    if pois is not None and len(pois) and "kind" in pois:
        poi_kind = _column(pois, "kind").str.lower()
        chosen = poi_kind.isin(rules.poi_kinds).to_numpy()
        polys = landuse.geometry.values
        # A POI marks the smallest polygon it stands in, unless that is a compound's (a kindergarten
        # inside a residential compound does not make the compound a school).
        under = largest_overlap(pois.geometry.values[chosen].to_numpy(), polys.to_numpy(), prefer="smallest")
        p = np.flatnonzero(under >= 0)
        p = p[~kind.iloc[under[p]].isin(profile.compounds.landuse_kinds).to_numpy()]
        if len(p):
            rows = under[p]
            take = (marked.iloc[rows] == "").to_numpy()
            marked.iloc[rows[take]] = "poi"
            label.iloc[rows[take]] = poi_kind[chosen].to_numpy()[p[take]]
    if rules.name_keywords:
        pattern = "|".join(re.escape(k.lower()) for k in rules.name_keywords)
        by_name = name.str.lower().str.contains(pattern, regex=True) & (marked == "") & \
            ~kind.isin(profile.compounds.landuse_kinds)
        marked[by_name] = "name"
    sel = (marked != "").to_numpy()
    return gpd.GeoDataFrame({"name": name[sel].to_numpy(), "kind": label[sel].to_numpy(),
                             "marked_by": marked[sel].to_numpy()},
                            geometry=landuse.geometry.values[sel], crs=landuse.crs)


def site_components(adjacent: tuple[np.ndarray, np.ndarray], site: np.ndarray) -> np.ndarray:
    """Split each site's blocks into the pieces that touch (a grid must be contiguous).

    Parameters
    ----------
    adjacent : (ndarray, ndarray)
        Both ends of every edge of the block graph.
    site : ndarray of int
        Site of every block (-1: none).

    Returns
    -------
    ndarray of int
        A piece id per block (-1: none), numbered in order of the pieces' first block.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(site)
    a, b = adjacent
    keep = (site[a] >= 0) & (site[a] == site[b])
    graph = coo_matrix((np.ones(int(keep.sum())), (a[keep], b[keep])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    out = np.full(n, -1, dtype=np.int64)
    inside = site >= 0
    if inside.any():
        _, first, inverse = np.unique(comp[inside], return_index=True, return_inverse=True)
        order = np.argsort(np.argsort(first))
        out[inside] = order[inverse]
    return out
