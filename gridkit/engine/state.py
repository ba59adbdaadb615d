"""A mutable assignment of blocks to parts, with the bookkeeping local search needs.

The repair and refinement passes work on this one structure: part members,
part weights, and fast queries for "which parts does this block touch, at
what cost" and "does this part stay connected without this block".
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ..graph import GraphArrays

__all__ = ["State"]


class State:
    """Labels of a subset of graph nodes, kept consistent with per-part sums.

    Parameters
    ----------
    g : GraphArrays
    labels : ndarray of int
        Part of every node; nodes outside the working set carry ``-1``.
    fixed : ndarray of bool, optional
        Nodes that must not move (locked units).
    """

    def __init__(self, g: GraphArrays, labels: np.ndarray, fixed: np.ndarray | None = None) -> None:
        self.g = g
        self.labels = labels.astype(np.int64).copy()
        # A Python list mirrors the labels the local search reads one node at a time (list reads
        # are several times faster than numpy scalar reads); ``labels`` is kept in step.
        self.lab: list[int] = self.labels.tolist()
        self.fixed = np.zeros(g.n, dtype=bool) if fixed is None else fixed
        # Shared by every State of the graph: read, never changed.
        self.nbrs, self.costs, self.w = g.adjacency_lists
        # Area weights and weighted coordinates of every node, for part centres.
        self._a = g.area + 1e-9
        self._ax, self._ay = g.x * self._a, g.y * self._a
        self.members: dict[int, set[int]] = {}
        lab = self.lab
        for v in np.flatnonzero(self.labels >= 0).tolist():
            self.members.setdefault(lab[v], set()).add(v)
        self.weight = {p: sum(self.w[v] for v in m) for p, m in self.members.items()}
        self.next_label = max(self.members, default=-1) + 1

    # -- queries ---------------------------------------------------------
    def parts(self) -> list[int]:
        return sorted(self.members)

    def links(self, v: int) -> dict[int, float]:
        """Cost of the edges from ``v`` into each part it touches (its own included)."""
        out: dict[int, float] = {}
        lab = self.lab
        for u, c in zip(self.nbrs[v], self.costs[v], strict=True):
            p = lab[u]
            if p >= 0:
                out[p] = out.get(p, 0.0) + c
        return out

    def part_links(self, p: int) -> dict[int, float]:
        """Cost of the edges from part ``p`` into each neighbouring part."""
        out: dict[int, float] = {}
        lab = self.lab
        for v in self.members[p]:
            for u, c in zip(self.nbrs[v], self.costs[v], strict=True):
                q = lab[u]
                if q >= 0 and q != p:
                    out[q] = out.get(q, 0.0) + c
        return out

    def components(self, nodes: set[int]) -> list[set[int]]:
        """Connected components of the subgraph induced by ``nodes``, largest weight first."""
        seen: set[int] = set()
        comps = []
        for s in sorted(nodes):
            if s in seen:
                continue
            comp = {s}
            queue = deque([s])
            seen.add(s)
            while queue:
                v = queue.popleft()
                for u in self.nbrs[v]:
                    if u in nodes and u not in seen:
                        seen.add(u)
                        comp.add(u)
                        queue.append(u)
            comps.append(comp)
        comps.sort(key=lambda c: (-sum(self.w[v] for v in c), -len(c), min(c)))
        return comps

    def connected_without(self, p: int, v: int) -> bool:
        """Whether part ``p`` stays connected when ``v`` leaves it."""
        rest = self.members[p]
        if len(rest) <= 2:
            return True
        start = next(u for u in self.nbrs[v] if u in rest) if any(u in rest for u in self.nbrs[v]) else None
        if start is None:
            return False
        seen = {start, v}
        queue = deque([start])
        while queue:
            x = queue.popleft()
            for u in self.nbrs[x]:
                if u in rest and u not in seen:
                    seen.add(u)
                    queue.append(u)
        return len(seen) == len(rest)

    def centroid(self, p: int) -> tuple[float, float]:
        """Area-weighted centre of part ``p`` (the arithmetic of ``np.average``, its checks left out)."""
        m = np.fromiter(self.members[p], dtype=np.int64, count=len(self.members[p]))
        total = self._a[m].sum()
        return float(self._ax[m].sum() / total), float(self._ay[m].sum() / total)

    # -- changes -----------------------------------------------------------
    def move(self, v: int, q: int) -> None:
        p = self.lab[v]
        self.members[p].discard(v)
        self.weight[p] -= self.w[v]
        if not self.members[p]:
            del self.members[p]
            del self.weight[p]
        self.labels[v] = q
        self.lab[v] = q
        self.members.setdefault(q, set()).add(v)
        self.weight[q] = self.weight.get(q, 0) + self.w[v]

    def merge(self, p: int, q: int) -> None:
        """Merge part ``p`` into part ``q``."""
        lab = self.lab
        for v in self.members[p]:
            self.labels[v] = q
            lab[v] = q
        self.members[q] |= self.members.pop(p)
        self.weight[q] += self.weight.pop(p)

    def new_part(self, nodes: set[int]) -> int:
        """Move ``nodes`` (all from one part or unassigned) into a new part."""
        q = self.next_label
        self.next_label += 1
        lab = self.lab
        for v in nodes:
            p = lab[v]
            if p >= 0:
                self.members[p].discard(v)
                self.weight[p] -= self.w[v]
                if not self.members[p]:
                    del self.members[p]
                    del self.weight[p]
        self.members[q] = set(nodes)
        self.weight[q] = sum(self.w[v] for v in nodes)
        for v in nodes:
            self.labels[v] = q
            lab[v] = q
        return q
