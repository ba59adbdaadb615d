"""Building blocks of the small hand-made towns that rules are tested on (UTM 50N, metres from an origin)."""

from __future__ import annotations

import geopandas as gpd
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
