"""Repair: turn any assignment into one where every part is connected and no
part holds more than the maximum, then use as few parts as the graph allows.

Guarantees (on any graph): after :func:`repair`, every part induces a
connected subgraph, and every part over the maximum is a single node (a block
that alone exceeds it, flagged by the caller).
"""

from __future__ import annotations

import heapq

from .state import State

__all__ = ["repair", "split_contiguity", "shed", "shed_and_split", "split_to", "merge_parts", "dissolve_parts",
           "fill_underweight", "absorb_small"]


def split_contiguity(s: State, max_weight: int | None = None) -> None:
    """Make every part connected: stray pieces join a neighbour (that has room,
    when ``max_weight`` is given) or form their own part."""
    for p in s.parts():
        if p not in s.members:
            continue
        comps = s.components(s.members[p])
        for comp in comps[1:]:
            q = s.new_part(comp)
            _absorb_into_neighbour(s, q, max_weight=max_weight)


def _absorb_into_neighbour(s: State, q: int, max_weight: int | None) -> bool:
    """Merge part ``q`` into the neighbour it is most strongly tied to, if it fits."""
    links = s.part_links(q)
    best = None
    for r, c in sorted(links.items()):
        if max_weight is not None and s.weight[r] + s.weight[q] > max_weight:
            continue
        if best is None or c > best[1]:
            best = (r, c)
    if best is None:
        return False
    s.merge(q, best[0])
    return True


def shed(s: State, p: int, max_weight: int) -> None:
    """Move boundary nodes of an over-full part to neighbours with room, keeping the part connected.

    Fixed nodes stay; the nodes most tied to a neighbour go first. The part may stay over
    ``max_weight`` when no neighbour has room for any node it can give.
    """
    while s.weight.get(p, 0) > max_weight and len(s.members[p]) > 1:
        best = None
        for v in sorted(s.members[p]):
            if s.fixed[v]:
                continue
            links = s.links(v)
            own = links.get(p, 0.0)
            for q, c in links.items():
                if q == p or s.weight[q] + s.w[v] > max_weight:
                    continue
                gain = c - own
                if best is None or gain > best[0]:
                    if s.connected_without(p, v):
                        best = (gain, v, q)
        if best is None:
            return
        s.move(best[1], best[2])


def _grow(s: State, p: int, limit: int) -> set[int]:
    """Grow a connected region inside part ``p`` up to ``limit`` households.

    Starts at the node farthest from the part's centre (a corner) and adds,
    first, the neighbours most tightly tied to the region (same compound),
    then the nearest. Nodes heavier than ``limit`` are skipped.
    """
    members = s.members[p]
    cx, cy = s.centroid(p)
    g = s.g
    start = max(sorted(members), key=lambda v: (g.x[v] - cx) ** 2 + (g.y[v] - cy) ** 2)
    sx, sy = g.x[start], g.y[start]
    region = {start}
    total = s.w[start]
    tie: dict[int, float] = {}
    heap: list[tuple[float, float, int]] = []

    def push_neighbours(v: int) -> None:
        for u, c in zip(s.nbrs[v], s.costs[v], strict=True):
            if u in members and u not in region:
                tie[u] = tie.get(u, 0.0) + c
                heapq.heappush(heap, (-tie[u], (g.x[u] - sx) ** 2 + (g.y[u] - sy) ** 2, u))

    push_neighbours(start)
    while heap:
        neg_tie, _, u = heapq.heappop(heap)
        if u in region or -neg_tie != tie[u]:
            continue
        if total + s.w[u] > limit:
            continue
        region.add(u)
        total += s.w[u]
        push_neighbours(u)
    return region


def shed_and_split(s: State, max_weight: int, target: int) -> None:
    """Bring every part to at most ``max_weight`` households (single heavy nodes aside)."""
    queue = sorted(p for p in s.parts() if s.weight[p] > max_weight)
    while queue:
        p = queue.pop()
        if p not in s.members or s.weight[p] <= max_weight or len(s.members[p]) == 1:
            continue
        shed(s, p, max_weight)
        if s.weight[p] <= max_weight:
            continue
        n_parts = -(-s.weight[p] // max_weight)
        limit = max(min(max_weight, -(-s.weight[p] // n_parts) if n_parts > 1 else max_weight), 1)
        limit = max(limit, min(target, max_weight))
        region = _grow(s, p, limit)
        if len(region) == len(s.members[p]):
            continue
        if not region:
            continue
        s.new_part(region)
        for comp in s.components(s.members[p])[1:]:
            queue.append(s.new_part(comp))
        queue.append(p)
        queue.sort()


def split_to(s: State, parts: int) -> int:
    """Split the heaviest divisible parts in two (a connected half grown from a corner) until there are ``parts``.

    METIS may return fewer parts than asked for; a plan asked to hold more
    grids than the fewest gets them here. Returns the splits made.
    """
    splits = 0
    while len(s.members) < parts:
        free = [p for p in s.parts() if len(s.members[p]) > 1 and not any(s.fixed[v] for v in s.members[p])]
        if not free:
            break
        p = max(free, key=lambda q: (s.weight[q], len(s.members[q]), -q))
        region = _grow(s, p, max(1, s.weight[p] // 2))
        if not region or len(region) == len(s.members[p]):
            region = {min(s.members[p])}
        s.new_part(region)
        for comp in s.components(s.members[p])[1:]:
            s.new_part(comp)
        splits += 1
    return splits


def merge_parts(s: State, max_weight: int, min_parts: int = 0) -> int:
    """Merge adjacent parts whose households fit together, down to ``min_parts``; return how many merges."""
    merges = 0
    changed = True
    while changed:
        changed = False
        order = sorted(s.parts(), key=lambda p: (s.weight[p], p))
        if len(order) < 2:
            break
        # Merging only makes parts heavier: no part later in the pass weighs less than the lightest other
        # part at its start, so a part too heavy to go with that one goes with no neighbour.
        lightest = [s.weight[p] for p in order[:2]]
        for p in order:
            if len(s.members) <= min_parts:
                return merges
            if p not in s.members:
                continue
            if s.weight[p] + lightest[p == order[0]] > max_weight:
                continue
            if any(s.fixed[v] for v in s.members[p]):
                continue
            if _absorb_into_neighbour(s, p, max_weight):
                merges += 1
                changed = True
    return merges


def _dissolve(s: State, p: int, max_weight: int) -> bool:
    """Hand every node of part ``p`` to neighbouring parts with room; undo if impossible."""
    # Nodes only ever go to parts already next to ``p``: when those lack the room, do not try.
    if s.weight[p] > sum(max(0, max_weight - s.weight[q]) for q in s.part_links(p)):
        return False
    moves: list[tuple[int, int]] = []
    pending = set(s.members[p])
    progress = True
    while pending and progress:
        progress = False
        for v in sorted(pending):
            links = s.links(v)
            options = [(c, q) for q, c in links.items() if q != p and s.weight[q] + s.w[v] <= max_weight]
            if options:
                _, q = max(options)
                s.move(v, q)
                moves.append((v, q))
                pending.discard(v)
                progress = True
    if pending:
        for v, _ in reversed(moves):
            s.move(v, p)
        return False
    return True


def dissolve_parts(s: State, max_weight: int, min_parts: int = 0) -> int:
    """Remove whole parts by spreading their blocks over neighbours with room, down to ``min_parts``."""
    removed = 0
    # A part's neighbours have at most the room of all other parts: where that is less than the
    # part's households, :func:`_dissolve` would refuse it, so it is not asked (most parts, once
    # the merges have filled them).
    room = sum(max(0, max_weight - w) for w in s.weight.values())
    for p in sorted(s.parts(), key=lambda p: (s.weight[p], p)):
        if len(s.members) <= min_parts:
            break
        if p not in s.members or room - max(0, max_weight - s.weight[p]) < s.weight[p]:
            continue
        if any(s.fixed[v] for v in s.members[p]):
            continue
        if _dissolve(s, p, max_weight):
            removed += 1
            room = sum(max(0, max_weight - w) for w in s.weight.values())
    return removed


def absorb_small(s: State, p: int, max_weight: int) -> bool:
    """Merge part ``p`` into the neighbour it is most tied to, if their households fit."""
    return _absorb_into_neighbour(s, p, max_weight)


def repair(s: State, max_weight: int, target: int, *, merge: bool = True, min_parts: int = 0) -> None:
    """Contiguity, then the maximum, then (with ``merge``) as few parts as fit, but not under ``min_parts``."""
    split_contiguity(s)
    shed_and_split(s, max_weight, target)
    split_contiguity(s, max_weight)
    if merge:
        merge_parts(s, max_weight, min_parts)
        dissolve_parts(s, max_weight, min_parts)


def fill_underweight(s: State, min_weight: int, max_weight: int) -> int:
    """Pull blocks into parts under the minimum from neighbours that can spare them.

    A neighbour gives a block only if it stays connected and at or over the
    minimum, and the receiver stays at or under the maximum. Returns moves.
    """
    moves = 0
    for p in sorted(s.parts(), key=lambda p: (s.weight[p], p)):
        while p in s.members and s.weight[p] < min_weight:
            best = None
            lab = s.lab
            frontier = {u for v in s.members[p] for u in s.nbrs[v] if lab[u] != p and lab[u] >= 0}
            for u in sorted(frontier):
                q = lab[u]
                wu = s.w[u]
                if s.fixed[u] or s.weight[q] - wu < min_weight or s.weight[p] + wu > max_weight:
                    continue
                links = s.links(u)
                gain = links.get(p, 0.0) - links.get(q, 0.0)
                key = (wu > 0, gain)
                if (best is None or key > best[0]) and s.connected_without(q, u):
                    best = (key, u)
            if best is None:
                break
            s.move(best[1], p)
            moves += 1
    return moves
