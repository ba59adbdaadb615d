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
    lab, fixed, members, weight, w, nbrs = s.lab, s.fixed.tolist(), s.members, s.weight, s.w, s.nbrs
    xs, ys = g.x.tolist(), g.y.tolist()
    homes = None if home is None else home.tolist()
    pull = compactness_weight * unit_cost
    # Part centres, computed when first needed and again after a move changes the part.
    centres: dict[int, tuple[float, float]] = {}
    # Whether a block moves depends only on its part and the parts around it (members, weights,
    # centres): a block found not to move is looked at again only once one of them has changed.
    # ``changed[p]``: moves made when part p last changed; ``seen[v]``: moves made when v was last
    # found not to move. Most blocks settle in the first pass, and the last pass moves none.
    changed = [0] * s.next_label
    seen = [-1] * g.n

    def centre(p: int) -> tuple[float, float]:
        c = centres.get(p)
        if c is None:
            c = centres[p] = s.centroid(p)
        return c

    for _ in range(passes):
        moved = 0
        for v in range(g.n):
            p = lab[v]
            if p < 0 or fixed[v] or len(members[p]) == 1:
                continue
            # Only a block with a neighbour in another part can move.
            last = seen[v]
            stale = changed[p] > last
            boundary = False
            for u in nbrs[v]:
                q = lab[u]
                if q != p and q >= 0:
                    boundary = True
                    if stale or changed[q] > last:
                        stale = True
                        break
            if not (boundary and stale):
                continue
            seen[v] = total + moved
            links = s.links(v)
            if len(links) == 1:
                continue
            own = links.get(p, 0.0)
            wv = w[v]
            if weight[p] - wv < min_weight <= weight[p]:
                continue
            px, py = centre(p)
            xv, yv = xs[v], ys[v]
            d_own = math.hypot(xv - px, yv - py)
            best = None
            for q, c in links.items():
                if q == p or weight[q] + wv > max_weight:
                    continue
                qx, qy = centre(q)
                gain = (c - own) + pull * (d_own - math.hypot(xv - qx, yv - qy))
                if homes is not None:
                    h = homes[v]
                    gain += stability_weight * unit_cost * wv * (int(q == h) - int(p == h))
                if gain > 1e-9 and (best is None or gain > best[0]):
                    best = (gain, q)
            if best is None or not s.connected_without(p, v):
                continue
            s.move(v, best[1])
            centres.pop(p, None)
            centres.pop(best[1], None)
            moved += 1
            changed[p] = changed[best[1]] = total + moved
        total += moved
        if moved == 0:
            break
    return total
