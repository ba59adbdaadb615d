"""An existing division: read it, and find each block's existing unit at each level.

It comes from ``--existing PLAN.gpkg`` (a plan gridkit wrote, or any GeoPackage
with ``communities``/``groups``/``grids`` layers) or from an ``existing`` input
layer with a ``level`` column (community / group / grid / compound).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from .errors import InputError, reason
from .geometry import largest_overlap
from .io.read import read_layer
from .io.values import truthy

__all__ = ["read_existing", "Homes", "block_homes", "LEVEL_LAYERS"]

LEVEL_LAYERS = {"community": "communities", "group": "groups", "grid": "grids"}
def read_existing(path: str | Path) -> gpd.GeoDataFrame:
    """Read an existing plan as one frame: ``level``, ``code``, ``name``, ``locked``, geometry.

    Raises
    ------
    InputError
        Missing file, or no level layer with a ``code`` column.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such existing plan")
    try:
        names = [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception as exc:
        raise InputError(f"{path}: cannot be opened: {reason(exc)}") from exc
    frames = []
    for level, layer in LEVEL_LAYERS.items():
        if layer not in names:
            continue
        where = f"{path}, layer '{layer}'"
        frames.append(normalise_existing(read_layer(path, layer, where), where, level=level))
    if "existing" in names:
        where = f"{path}, layer 'existing'"
        frames.append(normalise_existing(read_layer(path, "existing", where), where))
    if not frames:
        raise InputError(f"{path}: not a plan: has no 'grids', 'communities', 'groups' or 'existing' layer")
    return pd.concat(frames, ignore_index=True)


def normalise_existing(gdf: gpd.GeoDataFrame, where: str, level: str | None = None) -> gpd.GeoDataFrame:
    """Bring an existing layer to ``level``, ``code``, ``name``, ``locked``, geometry."""
    if gdf.crs is None:
        raise InputError(f"{where}: has no coordinate reference system (CRS)")
    if level is None and "level" not in gdf:
        raise InputError(f"{where}: needs a 'level' column (community, group, grid or compound)")
    lv = pd.Series(level, index=gdf.index) if level else gdf["level"].astype(str).str.strip().str.lower()
    bad = ~lv.isin(["community", "group", "grid", "compound"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{where}: feature {i + 1} has level {lv.iat[i]!r}; use community, group, grid or compound")
    code = gdf["code"].astype(str) if "code" in gdf else pd.Series([f"X{i + 1}" for i in range(len(gdf))],
                                                                    index=gdf.index)
    return gpd.GeoDataFrame({
        "level": lv,
        "code": code,
        "name": gdf["name"].fillna("").astype(str) if "name" in gdf else "",
        "locked": truthy(gdf["locked"]) if "locked" in gdf else False,
    }, geometry=gdf.geometry.values, crs=gdf.crs)


@dataclass(frozen=True)
class Homes:
    """Existing unit of every block at one level: index into ``codes`` (-1: none)."""

    home: np.ndarray
    locked: np.ndarray
    codes: np.ndarray
    geoms: np.ndarray
    names: np.ndarray


def block_homes(blocks: gpd.GeoDataFrame, existing: gpd.GeoDataFrame | None, level: str,
                min_share: float) -> Homes | None:
    """Map blocks to the existing units of ``level``: the largest overlap, if it covers at least
    ``min_share`` of the block (profile ``existing.min_block_share``)."""
    if existing is None or len(existing) == 0:
        return None
    units = existing[existing["level"] == level].reset_index(drop=True)
    if len(units) == 0:
        return None
    polys = units.geometry.values.to_numpy()
    home = largest_overlap(blocks.geometry.values.to_numpy(), polys, min_share)
    locked_units = units["locked"].to_numpy(dtype=bool)
    locked = np.where(home >= 0, locked_units[np.maximum(home, 0)], False)
    return Homes(home=home, locked=locked, codes=units["code"].astype(str).to_numpy(), geoms=polys,
                 names=units["name"].astype(str).to_numpy())
