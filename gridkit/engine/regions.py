"""Region steps: a part and its neighbours divided afresh, kept when the model's objective improves.

Pair steps (:mod:`.pairs`) re-split two parts; a boundary that should move
across three or four grids at once (a whole street of them shifted by one
row of blocks) needs more. A region step takes a part and the neighbours it
shares the most cut cost with, forgets how they were divided, and divides
their blocks again into as many parts (METIS seeds, repair, refinement and
pair steps, as for a whole piece). The cut to parts outside the region does
not depend on how the region is divided, so the region's own score decides:
no more parts out of bounds, no more parts, then a lower cut.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..graph import GraphArrays, subgraph
from .model import Bounds, score_labels
from .state import State

__all__ = ["region_refine"]

_EPS = 1e-6


def region_refine(g: GraphArrays, labels: np.ndarray, bounds: Bounds, *, size: int, sweeps: int,
                  solve: Callable[[GraphArrays, np.ndarray], list[np.ndarray]]) -> np.ndarray:
    """Region steps around every part, in sorted order, ``sweeps`` times or to a fixed point.

    Parameters
    ----------
    g : GraphArrays
        One connected piece.
    labels : ndarray of int
    bounds : Bounds
    size : int
        Parts per region (the part and its ``size - 1`` most tied neighbours).
    sweeps : int
    solve : callable
        ``solve(subgraph, here)``: candidate labels of the subgraph with as many parts as its
        current division ``here`` (labels ``0..k-1``).

    Returns
    -------
    ndarray of int
        Labels, never worse by the objective than ``labels``.
    """
    if size < 2 or len(np.unique(labels)) <= size:
        # The region would be the whole piece: the attempts already divided it afresh.
        return labels.copy()
    s = State(g, labels)
    # A region of the same parts (labels of changed parts are new) gives the same answer again.
    tried: set[frozenset[int]] = set()
    for _ in range(sweeps):
        improved = False
        for p in s.parts():
            if p not in s.members:
                continue
            links = s.part_links(p)
            near = sorted(links, key=lambda q: (-links[q], q))[:size - 1]
            key = frozenset([p, *near])
            if not near or key in tried:
                continue
            tried.add(key)
            region = sorted(set().union(*(s.members[q] for q in [p, *near])))
            nodes = np.array(region, dtype=np.int64)
            sub = subgraph(g, nodes)
            _, here = np.unique(s.labels[nodes], return_inverse=True)
            best = score_labels(sub, here, bounds)
            choice = None
            for cand in solve(sub, here):
                sc = score_labels(sub, cand, bounds)
                if sc[0] <= best[0] and sc[1] <= best[1] and (sc[:2] < best[:2] or sc[2] < best[2] - _EPS):
                    best, choice = sc, cand
            if choice is not None:
                for part in np.unique(choice).tolist():
                    s.new_part(set(nodes[choice == part].tolist()))
                improved = True
        if not improved:
            break
    return np.unique(s.labels, return_inverse=True)[1]
