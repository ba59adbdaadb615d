"""Run a partition method over a whole block graph, one connected piece at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from ..graph import GraphArrays, subgraph
from .model import Bounds, score_labels
from .pairs import PairSettings, pair_refine
from .refine import refine
from .repair import absorb_small, dissolve_parts, fill_underweight, merge_parts, repair
from .seed import metis_seed
from .state import State

__all__ = ["METHODS", "PartitionResult", "partition_graph"]

# Above this many blocks in one piece, try a single part count to stay fast.
_MANY_BLOCKS = 20000
# Below this many blocks, several METIS seeds are tried for each part count:
# cheap there, and the best of a few seeds cuts noticeably less.
_FEW_BLOCKS = 5000
_SEEDS_WHEN_FEW = 3
# Further part counts tried when no attempt kept every part within bounds.
_EXTRA_PART_COUNTS = 3
# Part counts tried: the fewest possible, then with a little room per part.
_FILL_LEVELS = (1.0, 0.95, 0.9)


@dataclass(frozen=True)
class PartitionResult:
    """Part of every node (``0..k-1``) and flags per part (by part number)."""

    labels: np.ndarray
    flags: dict[int, tuple[str, ...]] = field(default_factory=dict)
    method: str = "gridkit"


def _from_home(g: GraphArrays, home: np.ndarray) -> np.ndarray:
    """Seed labels from an existing plan: blocks it did not cover join a labelled neighbour."""
    labels = home.astype(np.int64).copy()
    changed = True
    while changed and (labels < 0).any():
        changed = False
        for v in np.flatnonzero(labels < 0):
            nb = g.indices[g.indptr[v]:g.indptr[v + 1]]
            known = nb[labels[nb] >= 0]
            if len(known):
                labels[v] = labels[known].min()
                changed = True
    free = labels < 0
    labels[free] = labels.max() + 1 + np.arange(int(free.sum()))
    return labels


def _gridkit_piece(g: GraphArrays, bounds: Bounds, *, seed: int, passes: int, compactness_weight: float,
                   unit_cost: float, pairs: PairSettings | None = None, home: np.ndarray | None = None,
                   stability_weight: float = 0.0) -> np.ndarray:
    if home is not None and (home >= 0).any():
        s = State(g, _from_home(g, home))
        repair(s, bounds.max, bounds.target, merge=False)
        fill_underweight(s, bounds.min, bounds.max)
        refine(s, min_weight=bounds.min, max_weight=bounds.max, passes=passes, compactness_weight=0.0,
               unit_cost=unit_cost, home=home, stability_weight=stability_weight)
        for p in [p for p in s.parts() if s.weight[p] < bounds.min]:
            if p in s.members:
                absorb_small(s, p, bounds.max)
        return s.labels
    total = int(g.weight.sum())
    ks = sorted({max(1, -(-total // int(bounds.max * f))) for f in _FILL_LEVELS})
    if g.n > _MANY_BLOCKS:
        ks = ks[1:2] or ks
    seeds = [seed + i for i in range(_SEEDS_WHEN_FEW)] if g.n <= _FEW_BLOCKS else [seed]

    def attempt(k: int, attempt_seed: int) -> np.ndarray:
        s = State(g, metis_seed(g, np.arange(g.n), k, max_weight=bounds.max, seed=attempt_seed))
        repair(s, bounds.max, bounds.target)
        refine(s, min_weight=bounds.min, max_weight=bounds.max, passes=passes,
               compactness_weight=compactness_weight, unit_cost=unit_cost)
        merge_parts(s, bounds.max)
        dissolve_parts(s, bounds.max)
        if fill_underweight(s, bounds.min, bounds.max):
            refine(s, min_weight=bounds.min, max_weight=bounds.max, passes=passes,
                   compactness_weight=compactness_weight, unit_cost=unit_cost)
        return s.labels

    def polish(labels: np.ndarray, attempt_seed: int) -> np.ndarray:
        assert pairs is not None
        s = State(g, labels)
        if pair_refine(s, min_weight=bounds.min, max_weight=bounds.max, settings=pairs, seed=attempt_seed):
            refine(s, min_weight=bounds.min, max_weight=bounds.max, passes=passes,
                   compactness_weight=compactness_weight, unit_cost=unit_cost)
        return s.labels

    tries = [(k, a) for k in ks for a in seeds]
    # Lumpy blocks can leave a part under the minimum at every count tried;
    # a few more parts usually give each enough room to reach it.
    extra = [(max(ks) + i, a) for i in range(1, _EXTRA_PART_COUNTS + 1) for a in seeds]
    done: list[tuple[tuple[int, int, float], int, np.ndarray]] = []
    for k, a in tries + extra:
        if (k, a) in extra and done and min(done, key=lambda d: d[0])[0][0] == 0:
            break
        labels = attempt(k, a)
        done.append((score_labels(g, labels, bounds), a, labels))
    # Pair steps are the costly part: only the most promising attempts get them.
    done.sort(key=lambda d: d[0])
    if pairs is not None:
        for i in range(min(pairs.candidates, len(done))):
            labels = polish(done[i][2], done[i][1])
            done.append((score_labels(g, labels, bounds), done[i][1], labels))
    return min(done, key=lambda d: d[0])[2]


METHODS: dict[str, Callable[..., np.ndarray]] = {"gridkit": _gridkit_piece}


def _pieces(g: GraphArrays, active: np.ndarray) -> list[np.ndarray]:
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    keep = active[src] & active[g.indices]
    adj = csr_matrix((np.ones(int(keep.sum())), (src[keep], g.indices[keep])), shape=(g.n, g.n))
    _, comp = connected_components(adj, directed=False)
    nodes = np.flatnonzero(active)
    nodes = nodes[np.argsort(comp[nodes], kind="stable")]
    _, starts = np.unique(comp[nodes], return_index=True)
    return list(np.split(nodes, starts[1:])) if len(nodes) else []


def _heavy_host(g: GraphArrays, nodes: np.ndarray, labels: np.ndarray, heavy: np.ndarray) -> int:
    """Label of a heavy node adjacent to ``nodes`` (the lowest), or -1."""
    hosts = [int(labels[u]) for v in nodes for u in g.indices[g.indptr[v]:g.indptr[v + 1]] if heavy[u]]
    return min(hosts) if hosts else -1


def partition_graph(g: GraphArrays, bounds: Bounds, *, seed: int = 0, passes: int = 8,
                    compactness_weight: float = 0.3, unit_cost: float = 1.0,
                    method: str = "gridkit", pairs: PairSettings | None = None, home: np.ndarray | None = None,
                    stability_weight: float = 0.0) -> PartitionResult:
    """Partition a block graph into connected parts within household bounds.

    Parameters
    ----------
    g : GraphArrays
    bounds : Bounds
    seed : int
        Fixes every random choice: the same input and seed give the same plan.
    passes, compactness_weight, unit_cost
        Refinement settings (see :func:`gridkit.partition.refine.refine`).
    method : str
        A key of :data:`METHODS`.
    pairs : PairSettings, optional
        Pair steps after refinement (see :func:`gridkit.engine.pairs.pair_refine`); none when omitted.
    home : ndarray of int, optional
        An existing plan's part of every node (-1: none). The result starts
        from it, changes only what the bounds demand, and refinement pays
        ``stability_weight`` (x ``unit_cost``) per household moved away.

    Returns
    -------
    PartitionResult
        Flags: ``oversize_building`` for a block that alone exceeds the
        maximum; ``isolated`` for a part that is a whole connected piece of the
        graph (cut off by barriers or with no road access) below the minimum.
    """
    if method not in METHODS:
        raise ValueError(f"unknown partition method {method!r}; have {sorted(METHODS)}")
    labels = np.full(g.n, -1, dtype=np.int64)
    flags: dict[int, tuple[str, ...]] = {}
    heavy = g.weight > bounds.max
    next_label = 0
    for v in np.flatnonzero(heavy):
        labels[v] = next_label
        flags[next_label] = ("oversize_building",)
        next_label += 1
    for nodes in _pieces(g, ~heavy):
        sub = subgraph(g, nodes)
        total = int(sub.weight.sum())
        if total <= bounds.max:
            local = np.zeros(len(nodes), dtype=np.int64)
            if total < bounds.min:
                flags[next_label] = ("isolated",)
        else:
            kwargs = {"home": home[nodes], "stability_weight": stability_weight} if home is not None else {}
            local = METHODS[method](sub, bounds, seed=seed, passes=passes, pairs=pairs,
                                    compactness_weight=compactness_weight, unit_cost=unit_cost, **kwargs)
        _, local = np.unique(local, return_inverse=True)
        host = _heavy_host(g, nodes, labels, heavy) if total == 0 else -1
        if host >= 0:
            # An empty piece walled in by one oversize building's block joins that grid.
            labels[nodes] = host
            flags.pop(next_label, None)
            continue
        labels[nodes] = local + next_label
        next_label += int(local.max()) + 1
    _, labels = np.unique(labels, return_inverse=True)
    return PartitionResult(labels=labels, flags=flags, method=method)
