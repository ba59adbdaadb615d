"""Run a partition method over a whole block graph, one connected piece at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from ..graph import GraphArrays, subgraph
from .model import Bounds, score_labels
from .pairs import pair_refine
from .refine import refine
from .regions import region_refine
from .repair import absorb_small, dissolve_parts, fill_underweight, merge_parts, repair, split_to
from .seed import metis_seed
from .settings import EngineSettings
from .state import State

__all__ = ["METHODS", "PartitionResult", "partition_graph"]


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


Scored = tuple[tuple[int, int, float], int, np.ndarray]


def _key(score: tuple[int, int, float], prefer: str) -> tuple[float, ...]:
    """The objective as a sort key: parts out of bounds first, then parts and cut in the preferred order."""
    out, parts, cut = score
    return (out, parts, cut) if prefer == "fewest" else (out, cut, parts)


def _refined(s: State, bounds: Bounds, st: EngineSettings) -> None:
    refine(s, min_weight=bounds.min, max_weight=bounds.max, passes=st.passes,
           compactness_weight=st.compactness_weight, unit_cost=st.unit_cost)


def _attempt(g: GraphArrays, bounds: Bounds, st: EngineSettings, k: int, seed: int, min_parts: int,
             blind: bool = False, memo: dict[tuple[int, bytes], np.ndarray] | None = None) -> np.ndarray:
    """METIS at ``k`` parts, repair, refinement, as few parts as fit (not under ``min_parts``).

    ``blind``: METIS starts from the graph with every edge at one cost (repair and refinement
    still use the real costs). Cut costs steer METIS's first split; where they happen to lead
    every seeded start to a part under the minimum, a start that ignores them often fits.
    ``memo``: results by METIS's labels, for attempts on the same graph. What follows METIS is
    deterministic, and different seeds often give METIS's same division (about one call in
    eight at 10^4 blocks): it is finished once.
    """
    start = replace(g, cost=np.ones_like(g.cost)) if blind else g
    seeded = metis_seed(start, np.arange(g.n), k, max_weight=bounds.max, seed=seed, cuts=st.metis_cuts)
    key = (min_parts, seeded.tobytes())
    if memo is not None and key in memo:
        return memo[key]
    labels = _finish(g, bounds, st, seeded, min_parts)
    if memo is not None:
        memo[key] = labels
    return labels


def _finish(g: GraphArrays, bounds: Bounds, st: EngineSettings, seeded: np.ndarray, min_parts: int) -> np.ndarray:
    """Repair, refinement, as few parts as fit (not under ``min_parts``) from METIS's labels."""
    s = State(g, seeded)
    repair(s, bounds.max, bounds.target, min_parts=min_parts)
    split_to(s, min_parts)
    _refined(s, bounds, st)
    merge_parts(s, bounds.max, min_parts)
    dissolve_parts(s, bounds.max, min_parts)
    if fill_underweight(s, bounds.min, bounds.max):
        _refined(s, bounds, st)
    return s.labels


def _polish(g: GraphArrays, bounds: Bounds, st: EngineSettings, labels: np.ndarray, seed: int) -> np.ndarray:
    """Pair steps (when the settings have them), then refinement again."""
    if st.pairs is None:
        return labels
    s = State(g, labels)
    if pair_refine(s, min_weight=bounds.min, max_weight=bounds.max, settings=st.pairs, seed=seed):
        _refined(s, bounds, st)
    return s.labels


def _same_division(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two labellings (``0..``) of the same nodes group them alike (whatever the part numbers)."""
    pairs = len(np.unique(a * (int(b.max()) + 1) + b))
    return pairs == len(np.unique(a)) == len(np.unique(b))


def _shrinkable(g: GraphArrays, labels: np.ndarray, max_weight: int) -> bool:
    """Whether some part's households fit in the room of the parts next to it (so merging or
    dissolving might remove it)."""
    weights = np.bincount(labels, weights=g.weight)
    k = len(weights)
    a, b = labels[g.sources], labels[g.indices]
    near = np.unique(a[a != b] * k + b[a != b])
    room = np.maximum(0, max_weight - weights)
    return bool((weights <= np.bincount(near // k, weights=room[near % k], minlength=k)).any())


def _region_candidates(g: GraphArrays, bounds: Bounds, st: EngineSettings, here: np.ndarray,
                       seeds: list[int]) -> list[np.ndarray]:
    """Fresh divisions of a region's blocks into as many parts as ``here`` (or fewer, where they fit).

    At most one per seed. Left out: METIS's division that is ``here`` already (a third of them at
    10^4 blocks) when no part fits into the room of its neighbours: repair and refinement give
    ``here`` back (at 10^4, 2 of 1,818 came out otherwise and better, by 98 of the cut's 1.8
    million, and later region steps found the same grids). Returned unpolished, as the region step
    never takes them: a division into more parts (pair steps and refinement never change how many
    parts there are), and the current division ``here`` found again: two in three fresh divisions
    at 10^3 blocks are, their parts already had their pair steps, and pair steps of their own made
    none of 333 such ones better.
    """
    k = int(here.max()) + 1
    out = []
    for a in seeds:
        seeded = metis_seed(g, np.arange(g.n), k, max_weight=bounds.max, seed=a, cuts=st.metis_cuts)
        if _same_division(seeded, here) and not _shrinkable(g, here, bounds.max):
            continue
        labels = _finish(g, bounds, st, seeded, 0)
        done = len(np.unique(labels)) > k or _same_division(labels, here)
        out.append(labels if done else _polish(g, bounds, st, labels, a))
    return out


def _spare_part(done: list[Scored], g: GraphArrays, bounds: Bounds) -> bool:
    """The best in-bounds attempt has more parts than the households need (ceil(total / max))."""
    fit = [d[0][1] for d in done if d[0][0] == 0]
    return bool(fit) and min(fit) > -(-int(g.weight.sum()) // bounds.max)


def _gridkit_piece(g: GraphArrays, bounds: Bounds, st: EngineSettings, home: np.ndarray | None = None) -> np.ndarray:
    if home is not None and (home >= 0).any():
        s = State(g, _from_home(g, home))
        repair(s, bounds.max, bounds.target, merge=False)
        fill_underweight(s, bounds.min, bounds.max)
        refine(s, min_weight=bounds.min, max_weight=bounds.max, passes=st.passes, compactness_weight=0.0,
               unit_cost=st.unit_cost, home=home, stability_weight=st.stability_weight)
        for p in [p for p in s.parts() if s.weight[p] < bounds.min]:
            if p in s.members:
                absorb_small(s, p, bounds.max)
        return s.labels
    total = int(g.weight.sum())
    fills = np.linspace(1.0, st.fill_min, st.part_counts) if st.part_counts > 1 else np.ones(1)
    ks = sorted({max(1, -(-total // max(1, int(bounds.max * f)))) for f in fills})
    if g.n > st.one_count_min_blocks:
        ks = ks[1:2] or ks
    seeds = [st.seed + i for i in range(st.seeds)] if g.n <= st.seeds_max_blocks else [st.seed]

    memo: dict[tuple[int, bytes], np.ndarray] = {}

    def attempt(k: int, attempt_seed: int, min_parts: int, blind: bool = False) -> np.ndarray:
        return _attempt(g, bounds, st, k, attempt_seed, min_parts, blind, memo)

    def polish(labels: np.ndarray, attempt_seed: int) -> np.ndarray:
        return _polish(g, bounds, st, labels, attempt_seed)

    def search(tries: list[tuple[int, int]], extra: list[tuple[int, int]], min_parts: int,
               prefer: str) -> list[Scored]:
        done: list[Scored] = []
        for k, a in tries + extra:
            if (k, a) in extra and done and min(d[0][0] for d in done) == 0:
                break
            labels = attempt(k, a, min_parts)
            done.append((score_labels(g, labels, bounds), a, labels))
        # A piece above one_count_min_blocks is given one count with room in each part (its second
        # fill level): a part more than the households need is what was asked for there, not a sign
        # that the costs misled the start.
        spare = min_parts == 0 and g.n <= st.one_count_min_blocks and _spare_part(done, g, bounds)
        if (done and min(d[0][0] for d in done) > 0) or spare:
            # Every start left a part out of bounds, or one part more than the households need:
            # one start per count blind to the cut costs.
            for k in sorted({k for k, _ in tries}):
                labels = attempt(k, seeds[0], min_parts, blind=True)
                done.append((score_labels(g, labels, bounds), seeds[0], labels))
        # Pair steps are the costly part: only the most promising attempts get them.
        done.sort(key=lambda d: _key(d[0], prefer))
        if st.pairs is not None:
            for i in range(min(st.pairs.candidates, len(done))):
                labels = polish(done[i][2], done[i][1])
                done.append((score_labels(g, labels, bounds), done[i][1], labels))
        return done

    # Lumpy blocks can leave a part under the minimum at every count tried;
    # a few more parts usually give each enough room to reach it.
    extra = [(max(ks) + i, a) for i in range(1, st.extra_part_counts + 1) for a in seeds]
    done = search([(k, a) for k in ks for a in seeds], extra, 0, "fewest")
    best = min(done, key=lambda d: _key(d[0], "fewest"))
    if st.region_parts >= 2 and st.region_sweeps > 0:
        region_seeds = seeds[:st.region_seeds]
        labels = region_refine(g, best[2], bounds, size=st.region_parts, sweeps=st.region_sweeps,
                               solve=lambda sub, here: _region_candidates(sub, bounds, st, here, region_seeds))
        best = (score_labels(g, labels, bounds), best[1], labels)
        done.append(best)
    fewest = best[0][1]
    if st.add_grids > 0:
        want = fewest + st.add_grids
        more = search([(want, a) for a in seeds], [], want, "fewest")
        exact = [d for d in more if d[0][1] == want] or more
        return min(exact, key=lambda d: (abs(d[0][1] - want), *_key(d[0], "fewest")))[2]
    if st.prefer == "roads":
        for extra_parts in range(1, st.roads_extra_grids + 1):
            want = fewest + extra_parts
            done += search([(want, a) for a in seeds], [], want, "roads")
        return min(done, key=lambda d: _key(d[0], "roads"))[2]
    return best[2]


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


def _heavy_hosts(g: GraphArrays, nodes: np.ndarray, labels: np.ndarray, heavy: np.ndarray) -> np.ndarray:
    """The oversize building's label each of ``nodes`` joins (-1: none touches the piece).

    Each node joins the building it is fewest blocks from (ties: the costlier edge to cut, then the lowest
    label), so an empty piece between several towers is shared out among them and each part stays whole.
    """
    host = np.full(g.n, -1, dtype=np.int64)
    inside = np.zeros(g.n, dtype=bool)
    inside[nodes] = True
    frontier = np.flatnonzero(heavy)
    while len(frontier):
        best: dict[int, tuple[float, int]] = {}
        for v in frontier:
            lab = int(labels[v]) if heavy[v] else int(host[v])
            for k in range(g.indptr[v], g.indptr[v + 1]):
                u = int(g.indices[k])
                if inside[u] and host[u] < 0:
                    key = (-float(g.cost[k]), lab)
                    if u not in best or key < best[u]:
                        best[u] = key
        for u, (_, lab) in best.items():
            host[u] = lab
        frontier = np.array(sorted(best), dtype=np.int64)
    return host[nodes]


def partition_graph(g: GraphArrays, bounds: Bounds, settings: EngineSettings | None = None, *,
                    seed: int | None = None, method: str = "gridkit", home: np.ndarray | None = None,
                    ) -> PartitionResult:
    """Partition a block graph into connected parts within household bounds.

    Parameters
    ----------
    g : GraphArrays
    bounds : Bounds
    settings : EngineSettings, optional
        How hard to work (:meth:`EngineSettings.from_profile`; the shipped
        default profile's when omitted).
    seed : int, optional
        Overrides ``settings.seed``. The same input and seed give the same plan.
    method : str
        A key of :data:`METHODS`.
    home : ndarray of int, optional
        An existing plan's part of every node (-1: none). The result starts
        from it, changes only what the bounds demand, and refinement pays
        ``settings.stability_weight`` (x ``unit_cost``) per household moved away.

    Returns
    -------
    PartitionResult
        Flags: ``oversize_building`` for a block that alone exceeds the
        maximum; ``isolated`` for a part that is a whole connected piece of the
        graph (cut off by barriers or with no road access) below the minimum.
    """
    if method not in METHODS:
        raise ValueError(f"unknown partition method {method!r}; have {sorted(METHODS)}")
    st = EngineSettings.from_profile() if settings is None else settings
    if seed is not None:
        st = st.replace(seed=seed)
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
            local = METHODS[method](sub, bounds, st, None if home is None else home[nodes])
        _, local = np.unique(local, return_inverse=True)
        hosts = _heavy_hosts(g, nodes, labels, heavy) if total == 0 else np.full(len(nodes), -1)
        if (hosts >= 0).all():
            # An empty piece walled in by oversize buildings' blocks joins their grids.
            labels[nodes] = hosts
            flags.pop(next_label, None)
            continue
        labels[nodes] = local + next_label
        next_label += int(local.max()) + 1
    _, labels = np.unique(labels, return_inverse=True)
    return PartitionResult(labels=labels, flags=flags, method=method)
