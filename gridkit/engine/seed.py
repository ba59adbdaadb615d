"""Seed partitions: a fast, cut-aware first assignment that repair then makes valid.

METIS k-way partitioning minimises the weighted edge cut (cut cost, so main
roads are preferred as boundaries) while balancing households softly. It gives
no hard maximum and, on its own, no guaranteed contiguity; :mod:`.repair`
supplies both.
"""

from __future__ import annotations

import numpy as np
import pymetis

from ..graph import GraphArrays, subgraph

__all__ = ["metis_seed"]

# METIS wants integer edge weights; scaling keeps two decimals of cost.
_COST_SCALE = 100


def metis_seed(g: GraphArrays, nodes: np.ndarray, k: int, *, max_weight: int, seed: int, cuts: int = 1) -> np.ndarray:
    """Split the connected node set ``nodes`` into ``k`` parts with METIS.

    Parameters
    ----------
    g : GraphArrays
    nodes : ndarray of int
        A connected set of nodes.
    k : int
        Number of parts.
    max_weight : int
        The hard per-part maximum; sets METIS's imbalance tolerance.
    seed : int
    cuts : int
        Divisions METIS computes, keeping the one with the least cut (its ``ncuts``).

    Returns
    -------
    ndarray of int
        Part ``0..k-1`` of each of ``nodes``.
    """
    if k <= 1 or len(nodes) <= 1:
        return np.zeros(len(nodes), dtype=np.int64)
    k = min(k, len(nodes))
    if len(nodes) == g.n and np.array_equal(nodes, np.arange(g.n)):
        xadj, adjncy, cost = g.indptr, g.indices, g.cost
    else:
        sub = subgraph(g, nodes)
        xadj, adjncy, cost = sub.indptr, sub.indices, sub.cost
    eweights = np.maximum(1, np.round(cost * _COST_SCALE)).astype(np.int64)
    total = int(g.weight[nodes].sum())
    # Empty blocks get a token weight so METIS spreads them instead of piling them up.
    vweights = (g.weight[nodes] * 10 + 1).astype(np.int64)
    slack = max_weight * k / max(total, 1) - 1.0
    ufactor = int(np.clip(slack * 1000, 1, 500))
    adjacency = pymetis.CSRAdjacency(adj_starts=np.asarray(xadj, dtype=np.int64),
                                     adjacent=np.asarray(adjncy, dtype=np.int64))
    # METIS treats seeds 0 and 1 alike; shift so every gridkit seed gives its own start.
    opts = pymetis.Options(seed=int(seed) + 1, ufactor=ufactor, contig=1, niter=20, ncuts=int(cuts))
    try:
        _, parts = pymetis.part_graph(k, adjacency, vweights=vweights, eweights=eweights, recursive=False,
                                      options=opts)
    except Exception:  # METIS refuses contig on some inputs; repair restores contiguity anyway
        opts = pymetis.Options(seed=int(seed) + 1, ufactor=ufactor, niter=20, ncuts=int(cuts))
        _, parts = pymetis.part_graph(k, adjacency, vweights=vweights, eweights=eweights, recursive=False,
                                      options=opts)
    return np.asarray(parts, dtype=np.int64)
