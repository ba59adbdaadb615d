"""Compounds (小区), villages and living quarters: sets of blocks that belong together.

A block belongs to a compound when most of it lies inside a landuse polygon of
one of the profile's kinds, or inside an ``existing`` unit of level
``compound``. No level splits a compound unless it alone exceeds that level's
maximum (see :mod:`gridkit.levels`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from .geometry import largest_overlap
from .profile import Profile

__all__ = ["compound_polygons", "block_compounds"]


def compound_polygons(landuse: gpd.GeoDataFrame | None, existing: gpd.GeoDataFrame | None,
                      profile: Profile) -> gpd.GeoDataFrame:
    """The compound polygons of an area, with ``name`` and ``source``."""
    frames = []
    if landuse is not None and len(landuse) and "kind" in landuse:
        sel = landuse[landuse["kind"].astype(str).str.lower().isin(profile.compounds.landuse_kinds)]
        names = sel["name"] if "name" in sel else pd.Series("", index=sel.index)
        frames.append(gpd.GeoDataFrame({"name": names.fillna("").astype(str), "source": "landuse"},
                                       geometry=sel.geometry.values, crs=landuse.crs))
    if existing is not None and len(existing) and "level" in existing:
        sel = existing[existing["level"].astype(str) == "compound"]
        names = sel["name"] if "name" in sel else pd.Series("", index=sel.index)
        frames.append(gpd.GeoDataFrame({"name": names.fillna("").astype(str), "source": "existing"},
                                       geometry=sel.geometry.values, crs=existing.crs))
    if not frames:
        return gpd.GeoDataFrame({"name": [], "source": []}, geometry=[])
    return pd.concat(frames, ignore_index=True)


def block_compounds(blocks: gpd.GeoDataFrame, compounds: gpd.GeoDataFrame, min_share: float) -> np.ndarray:
    """Compound of every block (index into ``compounds``; -1: none).

    A block lying in several compounds takes the smallest, the most specific.
    """
    return largest_overlap(blocks.geometry.values.to_numpy(), compounds.geometry.values.to_numpy(), min_share,
                           prefer="smallest")
