"""The block graph: which blocks are adjacent, and what cutting between them costs.

Two blocks are adjacent when they share a boundary segment (a point does not
count). The shared boundary is sampled every few metres; each sample takes the
cut cost per metre of the cheapest road or barrier line within reach (cutting
along a trunk road is cheap, through a compound expensive), or the "no road"
cost where no line runs. A shared boundary that lies on a barrier (river,
railway) leaves no edge unless a road crosses the barrier there (a bridge).
Walls, fences, small waterways and landuse edges (:func:`gridkit.lines.split_barriers`) divide nothing:
they are lines like roads, at their own cost per metre.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from .geometry import densify_segments, line_segments, longer_than, near_lines, pair_lines, shared_segments
from .lines import split_barriers
from .profile import Profile

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["build_graph", "graph_edges", "Edges", "GraphArrays", "graph_arrays", "edge_arrays", "crossing_points",
           "subgraph", "segments", "segment_samples"]

_SAMPLE_SPACING_M = 5.0  # fine enough to resolve a road junction, coarse enough to be fast
#: Sample points made into geometries (or segments cut into samples) at once: bounds their memory, not a policy.
_CHUNK_POINTS = 1 << 18
#: What :func:`gridkit.geometry.shared_segments` returns: left, right, start, end, pair.
Shared = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def crossing_points(roads: gpd.GeoDataFrame, barriers: gpd.GeoDataFrame) -> np.ndarray:
    """Points where a road crosses a barrier (bridges, level crossings).

    A road that only ends on a barrier (a street stopping at the river bank)
    is no crossing; one that runs across it, or is tagged as a bridge, is.
    A road that is itself a barrier (``barrier``: an expressway) crosses
    nothing: neither its own line nor another expressway it meets.
    """
    if "barrier" in roads:
        roads = roads[~roads["barrier"].fillna(False).to_numpy(dtype=bool)]
    if len(roads) == 0 or len(barriers) == 0:
        return np.array([], dtype=object)
    lines = roads.geometry.values.to_numpy()
    walls = barriers.geometry.values.to_numpy()
    r, b = shapely.STRtree(walls).query(lines, predicate="intersects")
    if len(r) == 0:
        return np.array([], dtype=object)
    bridge = roads["bridge"].to_numpy(dtype=bool) if "bridge" in roads else np.zeros(len(roads), dtype=bool)
    real = shapely.crosses(lines[r], walls[b]) | bridge[r]
    hits = shapely.intersection(lines[r[real]], walls[b[real]])
    return shapely.centroid(shapely.get_parts(hits))


def segments(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Midpoints, lengths and owning line of the short segments of ``lines``."""
    a, b, owner = line_segments(lines)
    mid, length, piece_of = segment_samples(a, b)
    return np.asarray(shapely.points(mid), dtype=object), length, owner[piece_of]


def segment_samples(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Midpoint coordinates, lengths and segment of the pieces of segments ``start -> end`` (every 5 m).

    The segments are cut ``_CHUNK_POINTS`` at a time: the densifier's temporaries (some 150 bytes
    a piece, five times what is kept) then never exist for all pieces at once.
    """
    mid, length, owner = [], [], []
    for i in range(0, max(len(start), 1), _CHUNK_POINTS):
        a, b, of = densify_segments(start[i:i + _CHUNK_POINTS], end[i:i + _CHUNK_POINTS], _SAMPLE_SPACING_M)
        mid.append((a + b) / 2)
        length.append(np.hypot(*(b - a).T))
        owner.append(of + i)
    return np.concatenate(mid), np.concatenate(length), np.concatenate(owner)


def _cheapest_line(xy: np.ndarray, lines: np.ndarray, costs: np.ndarray, reach: float,
                   classes: np.ndarray | None = None, none: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Cost and class (an integer code, ``none`` where no line) of the cheapest line within ``reach`` of each
    point ``xy`` (inf where no line).

    Of equally cheap lines the first in ``lines`` gives the class.
    """
    cost = np.full(len(xy), np.inf)
    cls = np.full(len(xy), none, dtype=np.int64)
    p, line, _ = near_lines(xy, lines, reach)
    np.minimum.at(cost, p, costs[line])
    if classes is not None and len(p):
        order = np.lexsort((line, costs[line], p))
        first = order[np.r_[True, p[order][1:] != p[order][:-1]]]
        cls[p[first]] = classes[line[first]]
    return cost, cls


def _gap_cost(xy: np.ndarray, buildings: gpd.GeoDataFrame | None, profile: Profile) -> np.ndarray:
    """Cost per metre of cutting off any line at points ``xy``: by the width of the gap between buildings there.

    A shared block edge off the roads runs midway between the footprints on either side (the
    tessellation of building gaps), so the gap is twice the distance to the nearest footprint.
    The points are made a chunk at a time, so their geometries never all exist at once.
    """
    rules = profile.roads
    if buildings is None or len(buildings) == 0 or len(xy) == 0:
        return np.full(len(xy), rules.cost_no_road)
    half = rules.wide_gap_m / 2
    gap = np.full(len(xy), rules.wide_gap_m)
    tree = shapely.STRtree(buildings.geometry.values.to_numpy())
    for i in range(0, len(xy), _CHUNK_POINTS):
        (p, _), dist = tree.query_nearest(shapely.points(xy[i:i + _CHUNK_POINTS]), max_distance=half,
                                          return_distance=True, all_matches=False)
        gap[p + i] = 2 * dist
    return rules.no_road_cost(gap)


def _sample_costs(xy: np.ndarray, roads: gpd.GeoDataFrame, hard: gpd.GeoDataFrame, soft: gpd.GeoDataFrame,
                  soft_kind: np.ndarray, profile: Profile,
                  buildings: gpd.GeoDataFrame | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut cost per metre, line class and whether on a barrier, of sample points ``xy`` of shared boundaries.

    Each sample takes the cheapest road or soft line within reach; on a barrier it costs
    ``roads.cost_barrier_crossing``; off any line it costs by the gap between the buildings.
    The class is a position in the returned vocabulary (sorted; "none" off any line, "barrier" on one).
    """
    reach = profile.blocks.road_match_m
    classes = roads["highway"].to_numpy() if len(roads) else np.array([], dtype=object)
    line_cost = np.concatenate([[profile.roads.class_cost(c) for c in classes],
                                [profile.lines.cost(k) for k in soft_kind]]).astype(float)
    line_class = np.concatenate([classes, soft_kind]).astype(str)
    vocabulary = np.unique(np.concatenate([line_class, ["none", "barrier"]]))
    # Roads and soft lines together: each sample takes the cheapest line within reach.
    lines = np.concatenate([roads.geometry.values.to_numpy() if len(roads) else np.array([], dtype=object),
                            soft.geometry.values.to_numpy()])
    cost, cls = _cheapest_line(xy, lines, line_cost, reach, np.searchsorted(vocabulary, line_class),
                               none=int(np.searchsorted(vocabulary, "none")))
    walls = hard.geometry.values.to_numpy() if len(hard) else np.array([], dtype=object)
    on_barrier = np.isfinite(_cheapest_line(xy, walls, np.zeros(len(walls)), reach)[0])
    cost = np.where(on_barrier, profile.roads.cost_barrier_crossing, cost)
    off = ~np.isfinite(cost)
    cost[off] = _gap_cost(xy[off], buildings, profile)
    cls[on_barrier] = np.searchsorted(vocabulary, "barrier")
    return cost, cls, on_barrier, vocabulary


@dataclass(frozen=True)
class Edges:
    """The edges of a block graph as arrays, one entry per adjacent pair ``left < right``."""

    left: np.ndarray
    right: np.ndarray
    length: np.ndarray  # m of shared boundary
    cost: np.ndarray
    kind: np.ndarray  # road class on most of the edge, a soft line's kind, "barrier_crossing" or "none"
    major: np.ndarray


def _bridged(faces: np.ndarray, left: np.ndarray, right: np.ndarray, start: np.ndarray, end: np.ndarray,
             pair: np.ndarray, crossings: np.ndarray, reach: float) -> np.ndarray:
    """Which shared boundaries pass within ``reach`` of a crossing point.

    Only pairs whose two faces both lie within reach of one crossing can, so the
    lines are built for those alone.
    """
    bridged = np.zeros(len(left), dtype=bool)
    if len(crossings) == 0 or len(left) == 0:
        return bridged
    face, crossing = shapely.STRtree(faces).query(crossings, predicate="dwithin", distance=reach)[::-1]
    near = pd.DataFrame({"face": face, "crossing": crossing})
    both = pd.DataFrame({"left": left, "right": right, "edge": np.arange(len(left))}).merge(
        near.rename(columns={"face": "left"}), on="left").merge(near.rename(columns={"face": "right"}),
                                                                on=["right", "crossing"])
    edges = np.unique(both["edge"].to_numpy())
    if len(edges) == 0:
        return bridged
    e, _ = shapely.STRtree(crossings).query(pair_lines(start, end, pair, edges), predicate="dwithin", distance=reach)
    bridged[edges[np.unique(e)]] = True
    return bridged


def graph_edges(blocks: gpd.GeoDataFrame, roads: gpd.GeoDataFrame, barriers: gpd.GeoDataFrame,
                profile: Profile, buildings: gpd.GeoDataFrame | None = None, *,
                shared: Shared | None = None) -> Edges:
    """The edges of the block graph and their cut costs (see :func:`build_graph`), as arrays.

    ``shared`` is :func:`gridkit.geometry.shared_segments` of the blocks when the caller has it.
    """
    faces = blocks.geometry.values.to_numpy()
    reach = profile.blocks.road_match_m
    left, right, start, end, pair = longer_than(*(shared if shared is not None else shared_segments(faces)),
                                                profile.blocks.road_match_m / 3)
    mid, seg_len, piece_of = segment_samples(start, end)
    seg_edge = pair[piece_of]
    hard, soft, soft_kind = split_barriers(barriers, profile)
    seg_cost, seg_class, on_barrier, vocabulary = _sample_costs(mid, roads, hard, soft, soft_kind, profile,
                                                                buildings)
    del mid, piece_of

    # Summed one column at a time: a frame of them all would copy every sample's values at once.
    per_edge = pd.DataFrame({name: pd.Series(values).groupby(seg_edge).sum() for name, values in
                             (("length", seg_len), ("cost", seg_cost * seg_len), ("barrier", seg_len * on_barrier))})
    # The class on most of each edge; of equal lengths the first in the vocabulary.
    v = len(vocabulary)
    by_class = pd.Series(seg_len).groupby(seg_edge * v + seg_class).sum()
    key, class_len = by_class.index.to_numpy(), by_class.to_numpy()
    order = np.lexsort((key % v, -class_len, key // v))
    first = order[np.r_[True, (key // v)[order][1:] != (key // v)[order][:-1]]] if len(order) else order
    kind = pd.Series(vocabulary[key[first] % v], index=key[first] // v)

    crossings = crossing_points(roads, hard)
    bridged = _bridged(faces, left, right, start, end, pair, crossings, reach)
    major = set(profile.roads.major_classes) | {"barrier"}
    e = per_edge.index.to_numpy(dtype=np.int64)
    length, cost = per_edge["length"].to_numpy(), per_edge["cost"].to_numpy()
    # Any real stretch of barrier on the shared boundary separates the two blocks
    # (the validator judges a grid split by a barrier the same way).
    is_barrier = per_edge["barrier"].to_numpy() > np.minimum(profile.blocks.barrier_edge_share * length,
                                                              profile.blocks.barrier_edge_min_m)
    cls = np.where(is_barrier, "barrier_crossing", kind.reindex(e).fillna("none").to_numpy().astype(str))
    is_major = pd.Series(cls).isin(major).to_numpy() | (cls == "barrier_crossing")
    keep = ~is_barrier | bridged[e]
    return Edges(left=left[e][keep], right=right[e][keep], length=length[keep], cost=cost[keep], kind=cls[keep],
                 major=is_major[keep])


def build_graph(blocks: gpd.GeoDataFrame, roads: gpd.GeoDataFrame, barriers: gpd.GeoDataFrame,
                profile: Profile, buildings: gpd.GeoDataFrame | None = None, *, edges: Edges | None = None) -> nx.Graph:
    """Build the block adjacency graph with cut costs.

    Parameters
    ----------
    blocks : GeoDataFrame
        From :func:`gridkit.blocks.make_blocks`.
    roads, barriers : GeoDataFrame
        The area's lines, in the same CRS.
    profile : Profile
    buildings : GeoDataFrame, optional
        The footprints: off any line, cutting costs less the wider the gap between them
        (:meth:`gridkit.profile.Roads.no_road_cost`); without them every such cut costs
        ``roads.cost_no_road``.
    edges : Edges, optional
        :func:`graph_edges` of the same arguments, when the caller has them.

    Returns
    -------
    networkx.Graph
        Nodes ``0..n-1`` (block positions) with ``households``,
        ``population``, ``buildings``, ``area``, ``x``, ``y``; edges with
        ``length`` (m), ``cost``, ``kind`` (road class on most of the edge,
        ``wall``, ``waterway``, ``landuse_edge``, ``barrier_crossing`` or ``none``) and ``major`` (bool).
    """
    import networkx as nx  # only this public form of the graph needs it; a partition run does not

    faces = blocks.geometry.values.to_numpy()
    edges = edges if edges is not None else graph_edges(blocks, roads, barriers, profile, buildings)
    classes = roads["highway"].to_numpy() if len(roads) else np.array([], dtype=object)
    class_rank = {c: i for i, c in enumerate(sorted(set(classes), key=profile.roads.class_cost))}
    graph: nx.Graph[int] = nx.Graph()
    pts = shapely.point_on_surface(faces)
    graph.add_nodes_from(
        (i, {"households": int(h), "population": int(p), "buildings": int(b), "area": float(a), "x": float(x),
             "y": float(y)})
        for i, (h, p, b, a, x, y) in enumerate(zip(
            blocks["households"].to_numpy(), blocks["population"].to_numpy(), blocks["buildings"].to_numpy(),
            shapely.area(faces), shapely.get_x(pts), shapely.get_y(pts), strict=True)))
    graph.add_edges_from(
        (int(u), int(v), {"length": float(ln), "cost": float(c), "kind": str(k), "major": bool(m)})
        for u, v, ln, c, k, m in zip(edges.left, edges.right, edges.length, edges.cost, edges.kind, edges.major,
                                     strict=True))
    graph.graph["class_rank"] = class_rank
    return graph


@dataclass(frozen=True)
class GraphArrays:
    """A block graph as flat arrays (CSR), the form the partition engine works on."""

    weight: np.ndarray  # households per node
    indptr: np.ndarray
    indices: np.ndarray
    cost: np.ndarray  # per CSR entry
    x: np.ndarray
    y: np.ndarray
    area: np.ndarray

    @property
    def n(self) -> int:
        return len(self.weight)

    def neighbours(self, v: int) -> np.ndarray:
        return self.indices[self.indptr[v]:self.indptr[v + 1]]

    # The engine divides one graph thousands of times (attempts, region steps): what it derives from
    # the arrays alone is made once per graph. The arrays are never changed in place.
    @cached_property
    def sources(self) -> np.ndarray:
        """First node of every CSR entry (``indices`` holds the second)."""
        return np.repeat(np.arange(self.n), np.diff(self.indptr))

    @cached_property
    def pieces(self) -> np.ndarray:
        """The connected piece of every node, numbered from 0: land the barriers leave apart."""
        adj = csr_matrix((np.ones(len(self.indices)), self.indices, self.indptr), shape=(self.n, self.n))
        return connected_components(adj, directed=False)[1]

    @cached_property
    def adjacency_lists(self) -> tuple[list[list[int]], list[list[float]], list[int]]:
        """Neighbours and edge costs of every node, and its households, as Python lists.

        The local search reads them one node at a time, where list reads are several times
        faster than numpy scalar reads.
        """
        ptr = self.indptr.tolist()
        indices, cost = self.indices.tolist(), self.cost.tolist()
        return ([indices[a:b] for a, b in zip(ptr[:-1], ptr[1:], strict=True)],
                [cost[a:b] for a, b in zip(ptr[:-1], ptr[1:], strict=True)], self.weight.tolist())


def graph_arrays(graph: nx.Graph) -> GraphArrays:
    """Flatten a block graph (nodes ``0..n-1``) into :class:`GraphArrays`."""
    n = graph.number_of_nodes()
    u, v, c = (np.array(x) for x in zip(*graph.edges(data="cost"))) if graph.number_of_edges() else \
        (np.array([], dtype=np.int64),) * 2 + (np.array([], dtype=float),)
    attrs = {key: np.array([value for _, value in sorted(graph.nodes(data=key))]) for key in ("households", "x", "y",
                                                                                              "area")}
    return _csr(n, u, v, c, attrs["households"], attrs["x"], attrs["y"], attrs["area"])


def edge_arrays(blocks: gpd.GeoDataFrame, edges: Edges) -> GraphArrays:
    """:class:`GraphArrays` of ``blocks`` and their :func:`graph_edges`, the same as
    ``graph_arrays(build_graph(...))`` gives without the networkx graph between."""
    faces = blocks.geometry.values.to_numpy()
    pts = shapely.point_on_surface(faces)
    return _csr(len(blocks), edges.left, edges.right, edges.cost, blocks["households"].to_numpy(),
                shapely.get_x(pts), shapely.get_y(pts), shapely.area(faces))


def _csr(n: int, u: np.ndarray, v: np.ndarray, cost: np.ndarray, households: np.ndarray, x: np.ndarray,
         y: np.ndarray, area: np.ndarray) -> GraphArrays:
    """Edges ``u - v`` stored both ways, sorted by node then neighbour."""
    s = np.concatenate([u, v]).astype(np.int64)
    d = np.concatenate([v, u]).astype(np.int64)
    w = np.concatenate([cost, cost]).astype(float)
    order = np.lexsort((d, s))
    return GraphArrays(weight=np.asarray(households, dtype=np.int64), indptr=np.searchsorted(s[order], np.arange(n + 1)),
                       indices=d[order], cost=w[order], x=np.asarray(x, dtype=float), y=np.asarray(y, dtype=float),
                       area=np.asarray(area, dtype=float))


def subgraph(g: GraphArrays, nodes: np.ndarray) -> GraphArrays:
    """The subgraph induced by ``nodes``, renumbered ``0..len(nodes)-1`` in their order.

    Costs O(e log n) in the edges of ``nodes`` alone, nothing in the size of ``g``: the levels take
    one subgraph per community, and a lookup table over the whole graph made that quadratic.
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    starts = g.indptr[nodes]
    counts = g.indptr[nodes + 1] - starts
    offsets = np.cumsum(counts) - counts
    flat = np.arange(counts.sum(), dtype=np.int64) - np.repeat(offsets - starts, counts)
    src = np.repeat(np.arange(len(nodes)), counts)
    # Which neighbours are among ``nodes``, and their new numbers, by binary search in the sorted nodes.
    order = np.argsort(nodes, kind="stable")
    ranked = nodes[order]
    neighbours = g.indices[flat]
    pos = np.minimum(np.searchsorted(ranked, neighbours), max(len(nodes) - 1, 0))
    keep = ranked[pos] == neighbours if len(nodes) else np.zeros(0, dtype=bool)
    src, dst, cost = src[keep], order[pos[keep]], g.cost[flat[keep]]
    indptr = np.searchsorted(src, np.arange(len(nodes) + 1))
    return GraphArrays(weight=g.weight[nodes], indptr=indptr, indices=dst, cost=cost,
                       x=g.x[nodes], y=g.y[nodes], area=g.area[nodes])
