"""Colours: grid fills that differ between neighbours, road classes, edges.

Grids are coloured so that no two neighbours share a colour (a greedy
colouring of the grid adjacency graph); the same grid gets the same colour on
every sheet and in the QGIS plugin's style.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib
import networkx as nx
import numpy as np

from ..geometry import shared_segments

if TYPE_CHECKING:
    from ..plan import Plan

__all__ = ["PALETTE", "ROAD_CLASSES", "grid_colours", "grid_fill_colours", "palette_colour"]


#: Soft fill colours, distinct side by side and readable under black text.
PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
           "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f")
#: Road classes drawn: (key, legend label, OSM highway values, line width pt, colour, dashed).
ROAD_CLASSES = (
    ("motorway", "高速公路", ("motorway",), 3.2, "#a93226", False),
    ("trunk", "快速路", ("trunk",), 3.0, "#c0392b", False),
    ("primary", "主干路", ("primary",), 2.6, "#d35400", False),
    ("secondary", "次干路", ("secondary",), 2.0, "#e67e22", False),
    ("tertiary", "支路", ("tertiary",), 1.4, "#7b7d7d", False),
    ("residential", "街坊路", ("residential", "living_street", "unclassified", "road"), 0.9, "#979a9a", False),
    ("pedestrian", "步行街", ("pedestrian",), 0.9, "#a569bd", True),
    ("service", "内部道路", ("service",), 0.5, "#b3b6b7", False),
)
#: Classes whose names are written along the road, most important first.
NAMED_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary")
COMMUNITY_EDGE = "#7d3c98"
STREET_EDGE = "#111111"
GRID_EDGE = "#4d4d4d"
CONTEXT_FILL = "#ececec"
ROAD_LABEL = "#6e2c00"


def grid_colours(geoms: np.ndarray) -> np.ndarray:
    """A colour index per grid such that grids sharing an edge differ.

    Uses networkx's greedy colouring (largest first), which needs at most
    (max degree + 1) colours; the palette is extended when a map needs more.
    """
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(len(geoms)))
    left, right = shared_segments(np.asarray(geoms))[:2]
    graph.add_edges_from(zip(left.tolist(), right.tolist(), strict=True))
    colouring = nx.greedy_color(graph, strategy="largest_first")
    return np.array([colouring[i] for i in range(len(geoms))], dtype=int)


def palette_colour(i: int) -> str:
    """The ``i``-th fill colour: the palette, then tab20 for maps that need more."""
    if i < len(PALETTE):
        return PALETTE[i]
    return matplotlib.colors.to_hex(matplotlib.colormaps["tab20"](i % 20))


def grid_fill_colours(plan: Plan) -> dict[str, str]:
    """Grid code → the fill colour its map uses (the same on every sheet)."""
    geoms = plan.grids.geometry.values.to_numpy()
    return {str(code): palette_colour(int(c)) for code, c in zip(plan.grids["code"], grid_colours(geoms), strict=True)}
