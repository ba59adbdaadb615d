"""Hierarchical codes and names of grids.

Codes follow the layout of GB/T 30428.1 unit grids: the 6-digit county
(district) administrative code, a 3-digit street office serial, a 3-digit
community serial and a 3-digit grid serial. Serials run north-west to
south-east in rows, so a re-run of the same plan gives the same codes.
"""

from __future__ import annotations

import numpy as np
import shapely

from .profile import Profile

__all__ = ["spatial_order", "grid_codes"]


def spatial_order(geoms: np.ndarray) -> np.ndarray:
    """Order of ``geoms`` north-west to south-east, row by row.

    Rows are as tall as a typical unit, so units side by side share a row
    and are numbered west to east.
    """
    if len(geoms) == 0:
        return np.array([], dtype=np.int64)
    pts = shapely.point_on_surface(geoms)
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    row_height = max(float(np.sqrt(np.median(shapely.area(geoms)))), 1.0)
    row = np.floor((y.max() - y) / row_height)
    return np.lexsort((x, row))


def grid_codes(geoms: np.ndarray, profile: Profile, community_serial: int = 1) -> tuple[np.ndarray, np.ndarray, str]:
    """Codes and default names of grids in one community.

    Returns
    -------
    codes : ndarray of str
    names : ndarray of str
    community_code : str
    """
    community = f"{profile.codes.county_code}{profile.codes.street_code}{community_serial:03d}"
    serial = np.empty(len(geoms), dtype=np.int64)
    serial[spatial_order(geoms)] = np.arange(1, len(geoms) + 1)
    width = max(3, len(str(len(geoms))))
    codes = np.array([f"{community}{s:0{width}d}" for s in serial], dtype=object)
    names = np.array([f"第{s}网格" for s in serial], dtype=object)
    return codes, names, community
