"""Which lines of the barriers layer divide the area, and which are only lines to cut along.

Rivers, canals and railways divide: blocks on either side are adjacent only
where a road crosses (a bridge). Walls and fences around compounds, hedges,
small waterways (streams, ditches) and the edges of compound and other landuse
polygons divide nothing a grid must respect, but a resident knows them: where
no road can carry a boundary, they are the next-best place for one (each kind
at its own cut cost per metre, profile ``[lines]``).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from .profile import Profile

__all__ = ["LANDUSE_EDGE", "COASTLINE", "WATER", "WATERWAY", "ROAD", "is_landuse_edge", "landuse_edges", "split_barriers"]

#: ``barrier_type`` of the lines :func:`landuse_edges` adds to an area's barriers layer.
LANDUSE_EDGE = "landuse_edge"
#: ``barrier_type`` of an OSM coastline (``natural=coastline``): the land lies on its left, the sea on its right.
COASTLINE = "coastline"
#: ``barrier_type`` of an area of water the OSM reader adds to the barriers layer (a river drawn as an area, a
#: lake, a harbour basin): a barrier polygon, like any polygon of the barriers layer that is no soft line.
WATER = "water"
#: ``barrier_type`` of a river, canal or stream drawn as a line.
WATERWAY = "waterway"
#: ``barrier_type`` of a road that divides (``roads.barrier_classes``, or marked in the roads' ``barrier``
#: column): an expressway, a line of the barriers layer as well as a road.
ROAD = "road"


def landuse_edges(landuse: gpd.GeoDataFrame | None, profile: Profile) -> gpd.GeoDataFrame:
    """The exterior rings of the landuse polygons of the profile's ``lines.landuse_edge_kinds``.

    A compound drawn only as a landuse polygon (no wall in the input) still
    has an edge a resident knows: its gate, fence or kerb. The rings become
    lines of the barriers layer with ``barrier_type`` :data:`LANDUSE_EDGE`
    and the polygon's ``kind``, so the blocks, the block graph and a saved
    plan see them as they see walls.

    Parameters
    ----------
    landuse : GeoDataFrame or None
        Polygons with ``kind`` (the input's ``landuse`` layer).
    profile : Profile

    Returns
    -------
    GeoDataFrame
        LineStrings with ``barrier_type``, ``kind`` and ``name``, in ``landuse``'s CRS (empty
        without landuse, without a ``kind`` column or with no kind selected).
    """
    kinds = profile.lines.landuse_edge_kinds
    if landuse is None or len(landuse) == 0 or "kind" not in landuse or not kinds:
        return gpd.GeoDataFrame({"barrier_type": [], "kind": [], "name": []}, geometry=[],
                                crs=None if landuse is None else landuse.crs)
    kind = landuse["kind"].fillna("").astype(str).str.strip().str.lower()
    sel = landuse[kind.isin(kinds).to_numpy()]
    polys, owner = shapely.get_parts(sel.geometry.values.to_numpy(), return_index=True)
    names = sel["name"].fillna("").astype(str).to_numpy() if "name" in sel else np.full(len(sel), "", dtype=object)
    return gpd.GeoDataFrame({"barrier_type": LANDUSE_EDGE, "kind": kind[sel.index].to_numpy()[owner],
                             "name": names[owner]},
                            geometry=shapely.get_exterior_ring(polys), crs=landuse.crs)


def is_landuse_edge(barriers: gpd.GeoDataFrame) -> np.ndarray:
    """Which lines of a barriers layer are landuse edges (:func:`landuse_edges`), as a bool array."""
    if "barrier_type" not in barriers:
        return np.zeros(len(barriers), dtype=bool)
    return (barriers["barrier_type"].fillna("").astype(str).str.strip().str.lower() == LANDUSE_EDGE).to_numpy()


def split_barriers(barriers: gpd.GeoDataFrame, profile: Profile) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame,
                                                                           np.ndarray]:
    """The barriers that divide (rivers, railways) and the soft lines (walls, fences, streams, landuse edges).

    A line is soft when its ``barrier_type`` or ``kind`` is one of the
    profile's ``lines.wall_kinds`` or ``lines.waterway_kinds``, or when it is a
    landuse edge (:func:`landuse_edges`) of one of ``lines.landuse_edge_kinds``.
    A landuse edge of another kind (a plan read under a profile that selects
    fewer kinds than the one it was made with) is neither: it is left out.

    Returns
    -------
    hard, soft : GeoDataFrame
    kind : ndarray of str
        ``"wall"``, ``"waterway"`` or ``"landuse_edge"`` per soft line: the key of its cost
        (:meth:`gridkit.profile.Lines.cost`).
    """
    rules = profile.lines
    values = {col: barriers[col].fillna("").astype(str).str.strip().str.lower().to_numpy() if col in barriers
              else np.full(len(barriers), "", dtype=object) for col in ("barrier_type", "kind")}
    wall = np.isin(values["barrier_type"], rules.wall_kinds) | np.isin(values["kind"], rules.wall_kinds)
    water = np.isin(values["barrier_type"], rules.waterway_kinds) | np.isin(values["kind"], rules.waterway_kinds)
    edge = is_landuse_edge(barriers)
    edge_kept = edge & np.isin(values["kind"], rules.landuse_edge_kinds)
    wall &= ~edge
    water &= ~edge
    soft = wall | water | edge_kept
    soft_kind = np.where(edge_kept, LANDUSE_EDGE, np.where(wall, "wall", "waterway"))[soft].astype(object)
    return barriers[~soft & ~edge], barriers[soft], soft_kind
