"""Which lines of the barriers layer divide the area, and which are only lines to cut along.

Rivers, canals and railways divide: blocks on either side are adjacent only
where a road crosses (a bridge). Walls and fences around compounds, hedges
and small waterways (streams, ditches) divide nothing a grid must respect,
but a resident knows them: where no road can carry a boundary, they are the
next-best place for one (each at its own cut cost per metre, profile
``[lines]``).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from .profile import Profile

__all__ = ["split_barriers"]


def split_barriers(barriers: gpd.GeoDataFrame, profile: Profile) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame,
                                                                           np.ndarray]:
    """The barriers that divide (rivers, railways) and the soft lines (walls, fences, streams).

    A line is soft when its ``barrier_type`` or ``kind`` is one of the
    profile's ``lines.wall_kinds`` or ``lines.waterway_kinds``.

    Returns
    -------
    hard, soft : GeoDataFrame
    kind : ndarray of str
        ``"wall"`` or ``"waterway"`` per soft line.
    """
    rules = profile.lines
    wall = np.zeros(len(barriers), dtype=bool)
    water = np.zeros(len(barriers), dtype=bool)
    for col in ("barrier_type", "kind"):
        if col in barriers:
            values = barriers[col].fillna("").astype(str).str.strip().str.lower()
            wall |= values.isin(rules.wall_kinds).to_numpy()
            water |= values.isin(rules.waterway_kinds).to_numpy()
    soft = wall | water
    return barriers[~soft], barriers[soft], np.where(wall[soft], "wall", "waterway").astype(object)
