"""A plan's units as the maps and the report show them: its communities with their
totals and polygons, the divided area's name, a community found by code, name or
serial."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import InputError
from .geometry import dissolve_by_label

if TYPE_CHECKING:
    from .plan import Plan

__all__ = ["FLAG_NAMES", "area_name", "find_community", "flag_names", "plan_communities"]

#: What a unit's flags say, in the words of the maps and the report.
FLAG_NAMES = {"oversize_building": "单栋超上限", "isolated": "孤立片区", "exclusive": "专属网格"}


def flag_names(flags: str) -> list[str]:
    """The names of a unit's flags (``flags`` comma-separated), those without one as they are.

    Examples
    --------
    >>> flag_names("exclusive,split_compound")
    ['专属网格', 'split_compound']
    """
    return [FLAG_NAMES.get(f, f) for f in str(flags).split(",") if f]


def _serial_name(code: str, unit: str) -> str:
    tail = code[-3:]
    return f"第{int(tail)}{unit}" if tail.isdigit() else code


def _drop_crumbs(geom: shapely.Geometry, least_m2: float) -> shapely.Geometry:
    """A union of grids without the pinholes and specks (under ``least_m2``) that precision leaves between them."""
    parts = []
    for poly in shapely.get_parts(geom):
        if shapely.get_type_id(poly) != 3 or poly.area < least_m2:
            continue
        holes = [r for r in poly.interiors if shapely.Polygon(r).area >= least_m2]
        parts.append(shapely.Polygon(poly.exterior, holes))
    if not parts:
        return geom
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def plan_communities(plan: Plan) -> gpd.GeoDataFrame:
    """The plan's communities: its ``communities`` layer, or the grids dissolved on ``community_code``.

    Returns
    -------
    GeoDataFrame
        ``code``, ``name``, ``households``, ``population``, ``buildings``,
        ``grids``, ``area_m2``, any further columns of the layer (staffing),
        and the community polygon; sorted by code.
    """
    grids = plan.grids
    profile = plan.profile()
    unit = profile.names.community_suffix
    cc = grids["community_code"].fillna("").astype(str)
    agg = pd.DataFrame({
        "households": grids["households"].groupby(cc).sum(),
        "population": grids["population"].groupby(cc).sum(),
        "buildings": grids["buildings"].groupby(cc).sum(),
        "grids": grids["code"].groupby(cc).size(),
        "area_m2": grids.geometry.area.groupby(cc).sum().round(1),
    })
    _, member_of = np.unique(cc.to_numpy(), return_inverse=True)
    unions = dissolve_by_label(grids.geometry.values.to_numpy(), member_of, len(agg))
    least = profile.blocks.crumb_area_m2
    geoms = {code: _drop_crumbs(union, least) for code, union in zip(agg.index, unions, strict=True)}
    layer = getattr(plan, "communities", None)
    if layer is not None and len(layer):
        out = pd.DataFrame(layer).copy()
        out["code"] = out["code"].fillna("").astype(str)
        for col in ("households", "population", "buildings", "grids", "area_m2"):
            if col not in out:
                out[col] = out["code"].map(agg[col]).fillna(0)
        if "name" not in out:
            out["name"] = [_serial_name(c, unit) for c in out["code"]]
        geom = out["geometry"] if "geometry" in out else pd.Series([None] * len(out), index=out.index)
        missing = geom.isna() | geom.map(lambda g: g is None or g.is_empty)
        geom = geom.where(~missing, out["code"].map(geoms))
        out = gpd.GeoDataFrame(out.drop(columns=["geometry"], errors="ignore"), geometry=list(geom),
                               crs=grids.crs)
    else:
        out = gpd.GeoDataFrame({
            "code": agg.index.astype(str),
            "name": [_serial_name(c, unit) for c in agg.index],
            **{col: agg[col].to_numpy() for col in agg.columns},
        }, geometry=[geoms[c] for c in agg.index], crs=grids.crs)
    out["name"] = out["name"].fillna("").astype(str)
    out.loc[out["name"] == "", "name"] = [_serial_name(c, unit) for c in out.loc[out["name"] == "", "code"]]
    return out.sort_values("code").reset_index(drop=True)


def area_name(plan: Plan) -> str:
    """The divided area's name, which maps and reports are titled by.

    The boundary layer's ``name`` as the run table recorded it (``area_name``); the input file's name
    only when the boundary has none, or for plans written before gridkit recorded it (their ``area``
    layer's ``name`` held the input path, so it is not read).
    """
    name = plan.run_value("area_name") or plan.run_value("street_name")
    return name or Path(plan.run_value("input", "area") or "area").stem


def find_community(communities: gpd.GeoDataFrame, key: str) -> str:
    """The code of the community ``key`` names: a code, a name, or the 3-digit serial at the code's end.

    Raises
    ------
    InputError
        No such community (the message lists the plan's communities).
    """
    key = str(key).strip()
    codes = communities["code"].astype(str)
    hits = [codes == key, communities["name"].astype(str) == key]
    if key.isdigit():
        hits.append(codes.str.endswith(key.zfill(3)))
    for hit in hits:
        if hit.sum() == 1:
            return str(codes[hit].iloc[0])
    listing = ", ".join(f"{c} {n}" for c, n in zip(codes[:12], communities["name"][:12], strict=True))
    more = f" and {len(codes) - 12} more" if len(codes) > 12 else ""
    raise InputError(f"community '{key}' is not in this plan; its communities are: {listing}{more}")
