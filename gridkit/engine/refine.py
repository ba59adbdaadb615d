"""Refinement: single-block moves across part boundaries that lower the cut cost
(and keep shapes compact) without breaking any guarantee.

A move is taken only when the receiving part stays at or under the maximum,
the giving part stays connected and does not drop under the minimum (unless it
already was under), and no fixed block moves.
"""

from __future__ import annotations

import math

import numpy as np

from .state import State

__all__ = ["refine"]


def refine(s: State, *, min_weight: int, max_weight: int, passes: int, compactness_weight: float,
           unit_cost: float, home: np.ndarray | None = None, stability_weight: float = 0.0) -> int:
    """Improve ``s`` in place by greedy boundary moves; return the number of moves.

    Parameters
    ----------
    s : State
    min_weight, max_weight : int
        Household bounds of a part.
    passes : int
        Sweeps over all boundary blocks.
    compactness_weight : float
        Weight of "closer to the receiving part's centre" against cut cost,
        in units of ``unit_cost`` per metre.
    unit_cost : float
        Cut cost per metre of an ordinary street, to scale the compactness term.
    home, stability_weight
        An existing plan's part per node; leaving it costs ``stability_weight``
        x ``unit_cost`` per household, returning to it gains the same.
    """
    g = s.g
    total = 0
    centres = {p: s.centroid(p) for p in s.parts()}
    for _ in range(passes):
        moved = 0
        for v in range(g.n):
            p = int(s.labels[v])
            if p < 0 or s.fixed[v] or len(s.members[p]) == 1:
                continue
            links = s.links(v)
            if len(links) == 1:
                continue
            own = links.get(p, 0.0)
            wv = s.w[v]
            if s.weight[p] - wv < min_weight <= s.weight[p]:
                continue
            px, py = centres[p]
            d_own = math.hypot(g.x[v] - px, g.y[v] - py)
            best = None
            for q, c in links.items():
                if q == p or s.weight[q] + wv > max_weight:
                    continue
                qx, qy = centres[q]
                gain = (c - own) + compactness_weight * unit_cost * (d_own - math.hypot(g.x[v] - qx, g.y[v] - qy))
                if home is not None:
                    h = int(home[v])
                    gain += stability_weight * unit_cost * wv * (int(q == h) - int(p == h))
                if gain > 1e-9 and (best is None or gain > best[0]):
                    best = (gain, q)
            if best is None or not s.connected_without(p, v):
                continue
            s.move(v, best[1])
            centres[p] = s.centroid(p)
            centres[best[1]] = s.centroid(best[1])
            moved += 1
        total += moved
        if moved == 0:
            break
    return total
