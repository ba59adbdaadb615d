"""Building blocks of the small hand-made towns that rules are tested on (UTM 50N, metres from an origin)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, box

CRS = "EPSG:32650"
X0, Y0 = 500_000.0, 3_400_000.0


def gdf(geoms, **cols) -> gpd.GeoDataFrame:
    """A layer of ``geoms`` with columns ``cols``."""
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=CRS)


def rect(x0, y0, x1, y1):
    """A rectangle given in metres from the origin."""
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def line(*pts):
    """A line through points given in metres from the origin."""
    return LineString([(X0 + x, Y0 + y) for x, y in pts])


GRID_COLUMNS = ("code", "name", "community_code", "group_code", "locked", "flags")


def grid_frame(plan) -> gpd.GeoDataFrame:  # noqa: ANN001
    """A plan's grids as the dock's layer holds them: its columns, feature ids from 1."""
    frame = plan.grids[[*GRID_COLUMNS, "geometry"]].copy()
    frame.index = pd.Index(np.arange(1, len(frame) + 1), name="fid")
    return frame


def apply_edit(grids: gpd.GeoDataFrame, edit) -> gpd.GeoDataFrame:  # noqa: ANN001
    """An edit applied to a grid frame, as the dock applies it to its layer (new features get ids below 0)."""
    out = grids.copy()
    for fid, values in edit.update.items():
        for key, value in values.items():
            if key == "geometry":
                out.loc[fid, "geometry"] = value
            elif key in out:
                out.loc[fid, key] = value
    out = out.drop(index=edit.delete)
    start = int(min(0, out.index.min())) - 1 if len(out) else -1
    for i, values in enumerate(edit.add):
        row = {k: values.get(k, "") for k in GRID_COLUMNS}
        new = gpd.GeoDataFrame([row], geometry=[values["geometry"]], crs=grids.crs, index=[start - i])
        out = gpd.GeoDataFrame(pd.concat([out, new]), crs=grids.crs)
    out.index.name = "fid"
    return out


def merged_pairs(plan) -> gpd.GeoDataFrame:  # noqa: ANN001
    """A grid layer as another tool would draw it, made from a plan: each grid merged with one neighbour of
    its community (sharing > 30 m of edge), columns 编码 (WG001 …), 网格名称 (第1网格 …) and 社区 (the
    community's serial), no households."""
    import shapely

    g = plan.grids
    used: set[int] = set()
    rows = []
    for i in range(len(g)):
        if i in used:
            continue
        used.add(i)
        members = [i]
        for j in range(i + 1, len(g)):
            if j not in used and g["community_code"].iat[i] == g["community_code"].iat[j] \
                    and g.geometry.iat[i].intersection(g.geometry.iat[j]).length > 30:
                used.add(j)
                members.append(j)
                break
        rows.append({"编码": f"WG{len(rows) + 1:03d}", "网格名称": f"第{len(rows) + 1}网格",
                     "社区": str(g["community_code"].iat[i])[-3:],
                     "geometry": shapely.union_all(g.geometry.values[members])})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=g.crs)
