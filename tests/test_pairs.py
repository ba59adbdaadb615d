"""Pair steps on plain graphs: exact where small, never breaking a guarantee, deterministic.

The graphs are hand-made lattices (exact answers) and seeded random lattices
with random weights and costs (labelled synthetic).
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from gridkit.engine import Bounds, EngineSettings, PairSettings, partition_graph, score_labels
from gridkit.engine.model import cut_cost
from gridkit.engine.pairs import pair_refine, resplit
from gridkit.engine.refine import refine
from gridkit.engine.state import State
from gridkit.graph import GraphArrays

SETTINGS = PairSettings(exact_max_nodes=12, trees=4, sweeps=8, work_per_block=10**6, candidates=1)


def _lattice(cols: int, rows: int, weight, cost) -> GraphArrays:
    """A ``cols`` x ``rows`` lattice; ``weight(i)`` per node, ``cost(u, v)`` per edge (node = c * rows + r)."""
    g = nx.grid_2d_graph(cols, rows)
    index = {(c, r): c * rows + r for c, r in g.nodes}
    src, dst, cst = [], [], []
    for a, b in g.edges:
        u, v = index[a], index[b]
        c = cost(u, v)
        src += [u, v]
        dst += [v, u]
        cst += [c, c]
    s, d, w = np.array(src), np.array(dst), np.array(cst, dtype=float)
    order = np.lexsort((d, s))
    n = cols * rows
    nodes = np.arange(n)
    return GraphArrays(weight=np.array([weight(i) for i in nodes], dtype=np.int64),
                       indptr=np.searchsorted(s[order], np.arange(n + 1)), indices=d[order], cost=w[order],
                       x=(nodes // rows).astype(float), y=(nodes % rows).astype(float), area=np.ones(n))


def _street_between(cols: int, rows: int, left_cols: int):
    """Cost 1 across the street between column ``left_cols - 1`` and ``left_cols``, 10 elsewhere."""
    def cost(u: int, v: int) -> float:
        cu, cv = sorted((u // rows, v // rows))
        return 1.0 if (cu, cv) == (left_cols - 1, left_cols) else 10.0
    return cost


def test_pair_step_moves_a_whole_row_that_single_moves_cannot():
    """Two full grids split top/bottom across a 4 x 2 lattice; the street runs down the middle.

    Every single move overfills the receiver, so refinement is stuck; the pair
    step puts the boundary on the street (cut 40 -> 2).
    """
    g = _lattice(4, 2, lambda i: 25, _street_between(4, 2, 2))
    labels = np.arange(g.n) % 2  # row 0 in part 0, row 1 in part 1
    stuck = State(g, labels)
    assert refine(stuck, min_weight=0, max_weight=100, passes=4, compactness_weight=0.0, unit_cost=1.0) == 0
    s = State(g, labels)
    assert resplit(s, 0, 1, min_weight=0, max_weight=100, exact_max_nodes=12, trees=4,
                   rng=np.random.default_rng(0))
    assert cut_cost(g, s.labels) == pytest.approx(2.0)
    assert s.weight == {0: 100, 1: 100}


def test_large_pair_finds_the_street_by_tree_cuts():
    """The same on a 10 x 3 lattice, too large to split exactly: a spanning tree cut finds the street."""
    g = _lattice(10, 3, lambda i: 10, _street_between(10, 3, 5))
    s = State(g, np.arange(g.n) % 3 == 0)
    assert resplit(s, 0, 1, min_weight=0, max_weight=150, exact_max_nodes=4, trees=4,
                   rng=np.random.default_rng(0))
    assert cut_cost(g, s.labels) == pytest.approx(3.0)


def _best_split(g: GraphArrays, lo: int, hi: int) -> tuple[float, float]:
    """Brute force: the least (parts under lo, cut) over connected bipartitions within hi."""
    graph = nx.Graph()
    graph.add_nodes_from(range(g.n))
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    graph.add_weighted_edges_from((int(u), int(v), c) for u, v, c in zip(src, g.indices, g.cost, strict=True))
    best = (np.inf, np.inf)
    for bits in itertools.product([False, True], repeat=g.n - 1):
        side = np.array((False, *bits))
        a, b = np.flatnonzero(~side), np.flatnonzero(side)
        if len(b) == 0:
            continue
        wa, wb = g.weight[a].sum(), g.weight[b].sum()
        if wa > hi or wb > hi:
            continue
        if not (nx.is_connected(graph.subgraph(a.tolist())) and nx.is_connected(graph.subgraph(b.tolist()))):
            continue
        best = min(best, (float((wa < lo) + (wb < lo)), cut_cost(g, side.astype(int))))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_small_pair_split_is_the_exact_optimum(seed):
    """SYNTHETIC: a 4 x 3 lattice, random weights and costs; the pair step reaches the brute-force optimum."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(0, 60, 12)
    costs = {}
    g = _lattice(4, 3, lambda i: int(weights[i]), lambda u, v: costs.setdefault((u, v), float(rng.uniform(0.1, 6))))
    start = (np.arange(g.n) >= 6).astype(int)  # two columns each: connected
    lo = 60
    hi = max(int(np.ceil(weights.sum() * 0.6)), int(np.bincount(start, weights=g.weight).max()))
    s = State(g, start)
    resplit(s, 0, 1, min_weight=lo, max_weight=hi, exact_max_nodes=12, trees=4, rng=np.random.default_rng(0))
    w = np.bincount(s.labels, weights=g.weight, minlength=2)
    got = (float((w < lo).sum()), cut_cost(g, s.labels))
    assert got == pytest.approx(_best_split(g, lo, hi))


@pytest.mark.parametrize("seed", range(8))
def test_pair_refine_keeps_every_guarantee_and_is_deterministic(seed):
    """SYNTHETIC: random 8 x 6 lattices; parts stay connected and within the maximum, the score never worsens."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(0, 45, 48)
    costs = {}
    g = _lattice(8, 6, lambda i: int(weights[i]), lambda u, v: costs.setdefault((u, v), float(rng.uniform(0.1, 6))))
    bounds = Bounds(60, 170, 200)
    settings = EngineSettings.from_profile().replace(seed=seed, pairs=SETTINGS, region_sweeps=0)
    plain = partition_graph(g, bounds, settings.replace(pairs=None))
    paired = partition_graph(g, bounds, settings)
    again = partition_graph(g, bounds, settings)
    assert np.array_equal(paired.labels, again.labels)
    assert score_labels(g, paired.labels, bounds) <= score_labels(g, plain.labels, bounds)
    s = State(g, paired.labels)
    for p in s.parts():
        assert len(s.components(s.members[p])) == 1
        assert s.weight[p] <= bounds.max
    # Run to a fixed point: then another round finds nothing, and nothing got worse.
    before = score_labels(g, s.labels, bounds)
    pair_refine(s, min_weight=bounds.min, max_weight=bounds.max, settings=SETTINGS, seed=seed)
    assert score_labels(g, s.labels, bounds) <= before
    assert pair_refine(s, min_weight=bounds.min, max_weight=bounds.max, settings=SETTINGS, seed=seed) == 0


def test_work_cap_stops_the_sweeps_at_a_count_not_a_clock():
    """The cap counts the blocks of the pairs visited: 0 visits nothing; a cap of one pair's blocks per
    block of the graph takes exactly the steps an uncapped run takes in its first visits, on any machine."""
    g = _lattice(4, 2, lambda i: 25, _street_between(4, 2, 2))
    labels = np.arange(g.n) % 2
    capped = State(g, labels)
    none = PairSettings(exact_max_nodes=12, trees=4, sweeps=8, work_per_block=0, candidates=1)
    assert pair_refine(capped, min_weight=0, max_weight=100, settings=none, seed=0) == 0
    assert np.array_equal(capped.labels, labels)
    # One visit of the only pair counts its 8 blocks: a cap of 1 per block (8) allows it, then stops.
    one = PairSettings(exact_max_nodes=12, trees=4, sweeps=8, work_per_block=1, candidates=1)
    s = State(g, labels)
    assert pair_refine(s, min_weight=0, max_weight=100, settings=one, seed=0) == 1
    assert cut_cost(g, s.labels) == pytest.approx(2.0)
