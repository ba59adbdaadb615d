"""Pair steps: merge two adjacent parts and split them again as well as possible.

Single-block moves (:mod:`.refine`) stop where every move alone makes things
worse, though moving a whole row of blocks at once would not: two grids whose
boundary runs through a compound's gap instead of along the street one row
over. A pair step takes two adjacent parts, forgets how they were divided,
and splits their blocks again into two connected parts within the bounds with
the least cut between them (the cut to other parts does not depend on the
split). A small pair is split exactly, by trying every bipartition; a larger
one by cutting one edge of a few spanning trees that keep the costliest
edges (so the tree's weakest links are where a cheap boundary runs). The
step is taken only when it improves the model's lexicographic objective:
no more parts under the minimum, then a lower cut.
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass

import numpy as np

from .state import State

__all__ = ["PairSettings", "pair_refine", "resplit"]

# A split must lower the cut by more than this to count (float noise).
_EPS = 1e-6


@dataclass(frozen=True)
class PairSettings:
    """How hard the pair step works (the profile's ``partition.pair_*`` values)."""

    exact_max_nodes: int
    trees: int
    sweeps: int
    work_per_block: float
    candidates: int


class _Pair:
    """The blocks of two parts as a small local graph."""

    def __init__(self, s: State, p: int, q: int, min_weight: int, max_weight: int) -> None:
        self.nodes = sorted(s.members[p] | s.members[q])
        self.n = len(self.nodes)
        at = np.array(self.nodes, dtype=np.int64)
        edges = _edges_gathered if self.n >= _GATHER_MIN_NODES else _edges_walked
        self.eu, self.ev, self.ec, cut = edges(s, self.nodes, at)
        self.w = s.g.weight[at].astype(np.int64, copy=False)
        self.total = s.weight[p] + s.weight[q]
        self.side = s.labels[at] == q
        # The split as it is: (parts under the minimum, cut), the score a new split must beat.
        self.here = (_under(s.weight[q], self.total, len(s.members[q]), self.n, min_weight, max_weight), cut)
        self._adj: list[list[int]] | None = None

    @property
    def adj(self) -> list[list[int]]:
        """Neighbours of each local node (built on first use: most pairs are never split)."""
        if self._adj is None:
            self._adj = [[] for _ in range(self.n)]
            for a, b in zip(self.eu.tolist(), self.ev.tolist(), strict=True):
                self._adj[a].append(b)
                self._adj[b].append(a)
        return self._adj

    def connected(self, side: np.ndarray, which: bool) -> bool:
        members = np.flatnonzero(side == which)
        if len(members) == 0:
            return False
        inside = (side == which).tolist()
        adj = self.adj
        seen = {int(members[0])}
        queue = deque(seen)
        while queue:
            a = queue.popleft()
            for b in adj[a]:
                if inside[b] and b not in seen:
                    seen.add(b)
                    queue.append(b)
        return len(seen) == len(members)


# Above this many blocks a pair's edges are gathered from the graph's arrays at once; below it a
# walk over the nodes' lists costs less (grid-level pairs are ~10 blocks, community-level ~160).
_GATHER_MIN_NODES = 24


def _edges_walked(s: State, nodes: list[int], at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Edges ``i < j`` among ``nodes`` (sorted; ``at`` as an array) in local numbers, in node then CSR
    order, their costs, and the cut between the nodes' parts (summed in that order)."""
    index = {v: i for i, v in enumerate(nodes)}
    lab = s.lab
    eu, ev, ec = [], [], []
    cut = 0.0
    for i, v in enumerate(nodes):
        for u, c in zip(s.nbrs[v], s.costs[v], strict=True):
            j = index.get(u)
            if j is not None and j > i:
                eu.append(i)
                ev.append(j)
                ec.append(c)
                if lab[u] != lab[v]:
                    cut += c
    return np.array(eu, dtype=np.int64), np.array(ev, dtype=np.int64), np.array(ec), cut


def _edges_gathered(s: State, nodes: list[int], at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """What :func:`_edges_walked` gives, from the graph's arrays (the same order and sums)."""
    g = s.g
    starts = g.indptr[at]
    counts = g.indptr[at + 1] - starts
    flat = np.arange(counts.sum(), dtype=np.int64) + np.repeat(starts - (np.cumsum(counts) - counts), counts)
    i = np.repeat(np.arange(len(at)), counts)
    other = g.indices[flat]
    j = np.minimum(np.searchsorted(at, other), len(at) - 1)
    keep = (at[j] == other) & (j > i)
    eu, ev, ec = i[keep], j[keep], g.cost[flat[keep]]
    crossing = ec[s.labels[at[eu]] != s.labels[at[ev]]]
    # A running sum adds in order, as the walk does (``sum`` of an array pairs its terms).
    return eu, ev, ec, float(np.cumsum(crossing)[-1]) if len(crossing) else 0.0


def _under(wa: int, total: int, count: int, n: int, min_weight: int, max_weight: int) -> float:
    """Parts under the minimum of one split (inf where a side is empty or over the maximum)."""
    wb = total - wa
    if wa > max_weight or wb > max_weight or count == 0 or count == n:
        return float("inf")
    return float((wa < min_weight) + (wb < min_weight))


def _scores(pair: _Pair, sides: np.ndarray, wa: np.ndarray, count: np.ndarray, min_weight: int,
            max_weight: int) -> tuple[np.ndarray, np.ndarray]:
    """Parts under the minimum (as :func:`_under`) and cut, per candidate.

    ``wa``, ``count``: households and blocks on side True of each candidate.
    """
    wb = pair.total - wa
    bad = (wa > max_weight) | (wb > max_weight) | (count == 0) | (count == pair.n)
    under = np.where(bad, np.inf, (wa < min_weight).astype(float) + (wb < min_weight))
    cut = (sides[:, pair.eu] != sides[:, pair.ev]).astype(float) @ pair.ec
    return under, cut


@functools.cache
def _exact_sides(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every bipartition of ``n`` nodes, node 0 always on side False; as floats; blocks on side True.

    The same for every pair of ``n`` blocks, so made once (read-only).
    """
    masks = np.arange(1, 2 ** (n - 1), dtype=np.int64)
    bits = ((masks[:, None] >> np.arange(n - 1)) & 1).astype(bool)
    sides = np.hstack([np.zeros((len(masks), 1), dtype=bool), bits])
    out = (sides, sides.astype(float), sides.sum(axis=1))
    for a in out:
        a.flags.writeable = False
    return out


def _tree_sides(pair: _Pair, trees: int, max_weight: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bipartitions made by cutting one edge of spanning trees that keep the costliest edges.

    The first tree is the maximum spanning tree by cost (Kruskal); the others
    jitter the costs, so the trees differ where costs are close. Side True of
    a bipartition is the subtree below the cut edge (seen from node 0). Returns
    the sides and the households and blocks on side True of each.
    """
    n = pair.n
    eu, ev = pair.eu.tolist(), pair.ev.tolist()
    w = pair.w.tolist()
    t_in = np.empty((trees, n), dtype=np.int64)
    size = np.empty((trees, n), dtype=np.int64)
    below = np.empty((trees, n), dtype=np.int64)
    for t in range(trees):
        key = pair.ec * (rng.uniform(0.5, 1.5, len(pair.ec)) if t else 1.0)
        parent = list(range(n))
        adj: list[list[int]] = [[] for _ in range(n)]
        joined = 0
        for e in np.argsort(-key, kind="stable").tolist():
            a, b = eu[e], ev[e]
            ra, rb = a, b
            while parent[ra] != ra:
                parent[ra] = parent[parent[ra]]
                ra = parent[ra]
            while parent[rb] != rb:
                parent[rb] = parent[parent[rb]]
                rb = parent[rb]
            if ra != rb:
                parent[ra] = rb
                adj[a].append(b)
                adj[b].append(a)
                joined += 1
                if joined == n - 1:
                    break
        # Depth-first order from node 0 and each node's parent in the tree: the nodes below a node follow it.
        up = [-1] * n
        up[0] = 0
        order = []
        stack = [0]
        while stack:
            v = stack.pop()
            order.append(v)
            for u in adj[v]:
                if up[u] < 0:
                    up[u] = v
                    stack.append(u)
        if len(order) < n:  # the pair's blocks are not connected: no tree spans them
            return np.zeros((0, n), dtype=bool), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        # Households and blocks below each node, children before parents.
        heavy, count = w[:], [1] * n
        for v in reversed(order[1:]):
            heavy[up[v]] += heavy[v]
            count[up[v]] += count[v]
        t_in[t, order] = np.arange(n)
        size[t] = count
        below[t] = heavy
    # Only cuts that leave both sides within the maximum are worth scoring.
    tree, root = np.nonzero((t_in > 0) & (below <= max_weight) & (pair.total - below <= max_weight))
    start = t_in[tree, root]
    sides = (t_in[tree] >= start[:, None]) & (t_in[tree] < (start + size[tree, root])[:, None])
    return sides, below[tree, root], size[tree, root]


def resplit(s: State, p: int, q: int, *, min_weight: int, max_weight: int, exact_max_nodes: int, trees: int,
            rng: np.random.Generator) -> bool:
    """Split parts ``p`` and ``q`` again if that lowers (parts under the minimum, cut); return whether it did."""
    pair = _Pair(s, p, q, min_weight, max_weight)
    if s.fixed[pair.nodes].any() or pair.n < 3:
        return False
    here_under, here_cut = pair.here
    if pair.n <= exact_max_nodes:
        sides, as_float, count = _exact_sides(pair.n)
        under, cut = _scores(pair, sides, as_float @ pair.w, count, min_weight, max_weight)
    else:
        sides, wa, count = _tree_sides(pair, trees, max_weight, rng)
        if len(sides) == 0:
            return False
        under, cut = _scores(pair, sides, wa, count, min_weight, max_weight)
    better = (under < here_under) | ((under == here_under) & (cut < here_cut - _EPS))
    for i in np.flatnonzero(better)[np.lexsort((cut[better], under[better]))]:
        side = sides[i]
        if pair.connected(side, False) and pair.connected(side, True):
            # Keep the labels on the side that holds more of each part's old blocks.
            if (side == pair.side).sum() < pair.n / 2:
                side = ~side
            for v, on_q in zip(pair.nodes, side.tolist(), strict=True):
                if (s.lab[v] == q) != on_q:
                    s.move(v, q if on_q else p)
            return True
    return False


def _adjacent_pairs(s: State, parts: set[int]) -> list[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for p in sorted(parts):
        if p in s.members:
            pairs.update((min(p, q), max(p, q)) for q in s.part_links(p))
    return sorted(pairs)


def pair_refine(s: State, *, min_weight: int, max_weight: int, settings: PairSettings, seed: int) -> int:
    """Pair steps over every pair of adjacent parts, to a fixed point; return the steps taken.

    Each sweep visits the pairs that touch a part changed in the sweep before
    (all pairs in the first), in sorted order, so the result is fixed by the
    input and ``seed``. ``sweeps`` bounds the sweeps; on inputs so large that the sweeps would not end in
    reasonable time, the pairs' blocks visited (each visit counts both parts' blocks) stop at
    ``work_per_block`` times the blocks of ``s``: a count, not a clock, so a loaded machine gives the
    same plan as an idle one.

    Parameters
    ----------
    s : State
    min_weight, max_weight : int
        Household bounds of a part.
    settings : PairSettings
        ``exact_max_nodes``: pairs with at most this many nodes are split
        exactly (2^(n-1) candidates); ``trees``: spanning trees tried for a
        larger pair; ``sweeps``; ``work_per_block``.
    seed : int
        Seeds the jitter of the spanning trees.
    """
    rng = np.random.default_rng(seed)
    budget = settings.work_per_block * len(s.w)
    work = 0
    dirty = set(s.parts())
    steps = 0
    for _ in range(settings.sweeps):
        changed: set[int] = set()
        for p, q in _adjacent_pairs(s, dirty):
            if p not in s.members or q not in s.members:
                continue
            work += len(s.members[p]) + len(s.members[q])
            if work > budget:
                return steps
            if resplit(s, p, q, min_weight=min_weight, max_weight=max_weight,
                       exact_max_nodes=settings.exact_max_nodes, trees=settings.trees, rng=rng):
                changed |= {p, q}
                steps += 1
        if not changed:
            break
        dirty = changed
    return steps
