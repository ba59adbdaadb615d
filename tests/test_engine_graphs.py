"""The partition engine on plain random graphs (synthetic), not block graphs of a real area.

:mod:`gridkit.engine.repair` claims its guarantees hold on any graph; these
tests hold :func:`gridkit.engine.partition_graph` to them on graphs no street
network would make: Delaunay triangulations of random points with random edges
dropped, in several pieces that share no edge, with random costs, random bounds
and household counts that include nodes over the maximum and empty nodes.

For every graph: every node is labelled ``0..k-1``; every part is connected;
a part over the maximum is one oversize node (plus, at most, empty nodes it
walls in) and is flagged ``oversize_building``; a connected piece that fits
within the maximum is one part, except an empty one between several oversize
nodes, which is shared among their parts; the same seed gives the same result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay

from gridkit.engine import Bounds, partition_graph
from gridkit.graph import GraphArrays, subgraph

LATTICE, CELL_M = 40, 25.0  # points are drawn in a 1 km square
PIECE_SPACING = 10_000.0  # pieces lie this far apart, so their points never mix


@dataclass(frozen=True)
class Case:
    g: GraphArrays
    bounds: Bounds
    piece: np.ndarray  # the piece (component of the generated graph before edges were dropped) of every node


def _csr(n: int, src: np.ndarray, dst: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Symmetric CSR arrays (sorted by source, then target) of the undirected edges ``src``-``dst``."""
    s, d, c = np.concatenate([src, dst]), np.concatenate([dst, src]), np.concatenate([cost, cost])
    order = np.lexsort((d, s))
    return np.searchsorted(s[order], np.arange(n + 1)), d[order], c[order]


def _triangulation_edges(points: np.ndarray) -> np.ndarray:
    """Edges ``(u, v)``, ``u < v``, of the Delaunay triangulation of ``points`` (every pair below four points)."""
    n = len(points)
    if n < 4:  # qhull needs four points to start; three or fewer make one triangle at most
        return np.array([[u, v] for u in range(n) for v in range(u + 1, n)], dtype=np.int64).reshape(-1, 2)
    # QJ joggles collinear or repeated points, so every point is a vertex of some triangle.
    tri = Delaunay(points, qhull_options="QJ").simplices
    edges = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]])
    return np.unique(np.sort(edges, axis=1), axis=0)


@st.composite
def graphs(draw) -> Case:
    maximum = draw(st.integers(5, 300))
    minimum = draw(st.integers(0, maximum // 2))
    bounds = Bounds(min=minimum, target=draw(st.integers(minimum, maximum)), max=maximum)
    sizes = draw(st.lists(st.integers(1, 60), min_size=1, max_size=3))
    n = sum(sizes)
    # Points in distinct cells of a lattice, jittered: no two coincide (qhull cannot joggle those apart).
    cells = np.array(draw(st.lists(st.integers(0, LATTICE**2 - 1), min_size=n, max_size=n, unique=True)))
    jitter = np.array(draw(st.lists(st.tuples(st.floats(0, 0.8), st.floats(0, 0.8)), min_size=n, max_size=n)))
    xy = CELL_M * (np.column_stack([cells // LATTICE, cells % LATTICE]) + jitter.reshape(n, 2))
    piece = np.repeat(np.arange(len(sizes)), sizes)
    xy[:, 0] += piece * PIECE_SPACING
    starts = np.cumsum([0, *sizes])
    edges = np.concatenate([_triangulation_edges(xy[a:b]) + a for a, b in zip(starts[:-1], starts[1:], strict=True)])
    # Drop up to a third of the edges: dead ends, holes, and further pieces.
    drop_share = draw(st.sampled_from([0.0, 0.0, 0.1, 0.33]))
    drops = np.array(draw(st.lists(st.floats(0, 1), min_size=len(edges), max_size=len(edges))), dtype=float)
    edges = edges[drops >= drop_share]
    cost = np.array(draw(st.lists(st.floats(0.01, 100), min_size=len(edges), max_size=len(edges))), dtype=float)
    # Mostly households well under the maximum, some empty, some over it.
    households = st.one_of(st.just(0), st.integers(0, max(1, maximum // 3)), st.integers(0, 3 * maximum))
    weight = np.array(draw(st.lists(households, min_size=n, max_size=n)), dtype=np.int64)
    indptr, indices, costs = _csr(n, edges[:, 0], edges[:, 1], cost)
    area = np.array(draw(st.lists(st.floats(1, 10_000), min_size=n, max_size=n)), dtype=float)
    g = GraphArrays(weight=weight, indptr=indptr, indices=indices, cost=costs, x=xy[:, 0], y=xy[:, 1], area=area)
    return Case(g=g, bounds=bounds, piece=piece)


def _components(g: GraphArrays, nodes: np.ndarray) -> int:
    """How many connected pieces the subgraph induced by ``nodes`` has."""
    keep = np.zeros(g.n, dtype=bool)
    keep[nodes] = True
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    inside = keep[src] & keep[g.indices]
    adj = csr_matrix((np.ones(int(inside.sum())), (src[inside], g.indices[inside])), shape=(g.n, g.n))
    _, comp = connected_components(adj, directed=False)
    return len(np.unique(comp[nodes]))


def _parts(labels: np.ndarray) -> set[tuple[int, ...]]:
    """The partition as sets of nodes, whatever the part numbers."""
    return {tuple(np.flatnonzero(labels == p).tolist()) for p in np.unique(labels)}


def _check(case: Case, seed: int, home: np.ndarray | None = None) -> None:
    g, bounds = case.g, case.bounds
    result = partition_graph(g, bounds, seed=seed, home=home)
    labels = result.labels

    # Every node labelled, parts numbered 0..k-1.
    assert labels.shape == (g.n,)
    k = int(labels.max()) + 1
    assert set(labels.tolist()) == set(range(k))

    heavy = g.weight > bounds.max
    part_weight = np.bincount(labels, weights=g.weight, minlength=k)
    for p in range(k):
        members = np.flatnonzero(labels == p)
        assert _components(g, members) == 1, f"part {p} ({members.tolist()}) is not connected"
        if part_weight[p] > bounds.max:
            # Over the maximum only as one oversize node, with no other households beside it.
            assert heavy[members].sum() == 1, (p, g.weight[members].tolist())
            assert (g.weight[members][~heavy[members]] == 0).all(), (p, g.weight[members].tolist())
    # Each oversize node is flagged, and nothing else is.
    oversize = {p for p, f in result.flags.items() if "oversize_building" in f}
    assert oversize == set(labels[heavy].tolist())
    assert len(oversize) == int(heavy.sum())

    # A connected piece of the rest that fits within the maximum is left whole, as one part; but an empty piece
    # between several oversize nodes is shared among their parts (each part stays connected, checked above).
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    light = ~heavy
    inside = light[src] & light[g.indices]
    adj = csr_matrix((np.ones(int(inside.sum())), (src[inside], g.indices[inside])), shape=(g.n, g.n))
    _, comp = connected_components(adj, directed=False)
    for c in np.unique(comp[light]):
        nodes = np.flatnonzero((comp == c) & light)
        towers = set(labels[g.indices[np.isin(src, nodes) & heavy[g.indices]]].tolist())
        if g.weight[nodes].sum() == 0 and len(towers) > 1:
            assert set(labels[nodes].tolist()) <= towers, (c, nodes.tolist(), labels[nodes].tolist())
        elif g.weight[nodes].sum() <= bounds.max:
            assert len(np.unique(labels[nodes])) == 1, (c, nodes.tolist(), labels[nodes].tolist())

    # No part spans two generated pieces (they share no edge).
    for p in range(k):
        assert len(np.unique(case.piece[labels == p])) == 1

    # Same graph, same seed: the same labels and flags.
    again = partition_graph(g, bounds, seed=seed, home=home)
    assert np.array_equal(again.labels, labels)
    assert again.flags == result.flags


@settings(max_examples=40)
@given(graphs(), st.integers(0, 2**31 - 1))
def test_random_graphs_keep_the_engine_guarantees(case, seed):
    _check(case, seed)


@st.composite
def graphs_with_home(draw) -> tuple[Case, np.ndarray]:
    """A graph and an existing plan over it: random parts (not connected, not within bounds), some nodes in none."""
    case = draw(graphs())
    home = np.array(draw(st.lists(st.integers(-1, 6), min_size=case.g.n, max_size=case.g.n)), dtype=np.int64)
    return case, home


@settings(max_examples=25)
@given(graphs_with_home(), st.integers(0, 2**31 - 1))
def test_random_graphs_from_an_existing_plan_keep_the_engine_guarantees(case_home, seed):
    case, home = case_home
    _check(case, seed, home)


def test_lone_oversize_node_walls_in_an_empty_piece():
    """Hand-made: 0 - 1 - 2 in a path, node 1 over the maximum. Node 0 and node 2 are
    empty pieces cut off by it; each joins node 1's grid rather than standing alone."""
    indptr, indices, cost = _csr(3, np.array([0, 1]), np.array([1, 2]), np.array([1.0, 1.0]))
    g = GraphArrays(weight=np.array([0, 500, 0]), indptr=indptr, indices=indices, cost=cost,
                    x=np.array([0.0, 1.0, 2.0]), y=np.zeros(3), area=np.ones(3))
    result = partition_graph(g, Bounds(min=50, target=150, max=200), seed=0)
    assert result.labels.tolist() == [0, 0, 0]
    assert result.flags == {0: ("oversize_building",)}


def test_an_empty_piece_between_two_oversize_nodes_is_shared_between_them():
    """Hand-made: 0 - 1 - 2 - 3 - 4 in a path, nodes 0 and 4 over the maximum, 1-3 empty (traffic islands
    between two towers): each empty node joins the tower it is fewest blocks from, the tie to the lower label."""
    indptr, indices, cost = _csr(5, np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4]), np.ones(4))
    g = GraphArrays(weight=np.array([500, 0, 0, 0, 500]), indptr=indptr, indices=indices, cost=cost,
                    x=np.arange(5.0), y=np.zeros(5), area=np.ones(5))
    result = partition_graph(g, Bounds(min=50, target=150, max=200), seed=0)
    assert result.labels.tolist() == [0, 0, 0, 1, 1]
    _check(Case(g=g, bounds=Bounds(min=50, target=150, max=200), piece=np.zeros(5, dtype=int)), 0)


def test_small_disconnected_piece_is_flagged_isolated():
    """Hand-made: a path 0 - 1 of 150 + 150 households and a lone node 2 of 10, no edge to it.
    The path is split in two grids; the lone node is a grid of its own, under the minimum, isolated."""
    indptr, indices, cost = _csr(3, np.array([0]), np.array([1]), np.array([1.0]))
    g = GraphArrays(weight=np.array([150, 150, 10]), indptr=indptr, indices=indices, cost=cost,
                    x=np.array([0.0, 1.0, 5.0]), y=np.zeros(3), area=np.ones(3))
    result = partition_graph(g, Bounds(min=50, target=150, max=200), seed=0)
    assert _parts(result.labels) == {(0,), (1,), (2,)}
    assert result.flags == {int(result.labels[2]): ("isolated",)}


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 50), st.floats(0.0, 0.5), st.integers(0, 2**32 - 1))
def test_subgraph_is_the_induced_subgraph_in_the_nodes_order(n, density, seed):
    """Rows and columns of ``nodes`` (any subset, in any order) of the adjacency matrix, costs with them."""
    rng = np.random.default_rng(seed)
    dense = np.triu(rng.random((n, n)) < density, 1) * rng.integers(1, 100, (n, n))
    m = csr_matrix(dense + dense.T)
    g = GraphArrays(weight=rng.random(n), indptr=m.indptr.astype(np.int64), indices=m.indices.astype(np.int64),
                    cost=m.data.astype(float), x=rng.random(n), y=rng.random(n), area=rng.random(n))
    nodes = rng.permutation(n)[: rng.integers(0, n + 1)]
    sub = subgraph(g, nodes)
    got = csr_matrix((sub.cost, sub.indices, sub.indptr), shape=(len(nodes), len(nodes))).toarray()
    assert np.array_equal(got, m.toarray()[np.ix_(nodes, nodes)])
    assert np.array_equal(sub.weight, g.weight[nodes])
