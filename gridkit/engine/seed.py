"""Seed partitions: a fast, cut-aware first assignment that repair then makes valid.

METIS k-way partitioning minimises the weighted edge cut (cut cost, so main
roads are preferred as boundaries) while balancing households softly. It gives
no hard maximum and, on its own, no guaranteed contiguity; :mod:`.repair`
supplies both.
"""

from __future__ import annotations

import numpy as np
import pymetis

from ..graph import GraphArrays

__all__ = ["metis_seed"]

# METIS wants integer edge weights; scaling keeps two decimals of cost.
_COST_SCALE = 100


def metis_seed(g: GraphArrays, nodes: np.ndarray, k: int, *, max_weight: int, seed: int) -> np.ndarray:
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

    Returns
    -------
    ndarray of int
        Part ``0..k-1`` of each of ``nodes``.
    """
    if k <= 1 or len(nodes) <= 1:
        return np.zeros(len(nodes), dtype=np.int64)
    k = min(k, len(nodes))
    local = np.full(g.n, -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    xadj = [0]
    adjncy: list[int] = []
    eweights: list[int] = []
    for v in nodes:
        nb = g.indices[g.indptr[v]:g.indptr[v + 1]]
        c = g.cost[g.indptr[v]:g.indptr[v + 1]]
        inside = local[nb] >= 0
        adjncy.extend(local[nb[inside]].tolist())
        eweights.extend(np.maximum(1, np.round(c[inside] * _COST_SCALE)).astype(int).tolist())
        xadj.append(len(adjncy))
    total = int(g.weight[nodes].sum())
    # Empty blocks get a token weight so METIS spreads them instead of piling them up.
    vweights = (g.weight[nodes] * 10 + 1).astype(int).tolist()
    slack = max_weight * k / max(total, 1) - 1.0
    ufactor = int(np.clip(slack * 1000, 1, 500))
    adjacency = pymetis.CSRAdjacency(adj_starts=xadj, adjacent=adjncy)
    opts = pymetis.Options(seed=int(seed), ufactor=ufactor, contig=1, niter=20, ncuts=2)
    try:
        _, parts = pymetis.part_graph(k, adjacency, vweights=vweights, eweights=eweights, recursive=False,
                                      options=opts)
    except Exception:  # METIS refuses contig on some inputs; repair restores contiguity anyway
        opts = pymetis.Options(seed=int(seed), ufactor=ufactor, niter=20, ncuts=2)
        _, parts = pymetis.part_graph(k, adjacency, vweights=vweights, eweights=eweights, recursive=False,
                                      options=opts)
    return np.asarray(parts, dtype=np.int64)
