"""Levels, top-down: communities (社区/村), residents' groups (居民小组), base grids.

Each level partitions the blocks of one unit of the level above with that
level's household bounds, so every unit nests in exactly one parent. Things
that belong together (a compound, a village, a locked grid) are contracted
into one node before a level is solved, so no level can split them; one that
alone exceeds the level's maximum is left uncontracted (cut along its inner
roads first, since those edges are the cheapest inside it) and flagged.
Locked units of a level are kept exactly and taken out of that level's
problem; so is each exclusive site (:mod:`gridkit.exclusive`) at the grid level,
which makes it a grid of its own, contracted whole at the levels above.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from .engine import Bounds, EngineSettings, PartitionResult, partition_graph
from .engine.repair import shed
from .engine.state import State
from .graph import GraphArrays, subgraph
from .metrics import BOUND_EXEMPT
from .profile import Profile
from .progress import Progress, each, span

if TYPE_CHECKING:
    from .profile import UnitBounds

__all__ = ["Levels", "solve_levels", "contract", "Division", "divide"]


@dataclass(frozen=True)
class Levels:
    """Labels of every block at every level, and flags per unit.

    ``group`` is all -1 when the profile has no residents' group level.
    Flags are keyed by the unit's label at its level.
    """

    community: np.ndarray
    group: np.ndarray
    grid: np.ndarray
    grid_flags: dict[int, tuple[str, ...]] = field(default_factory=dict)
    group_flags: dict[int, tuple[str, ...]] = field(default_factory=dict)
    community_flags: dict[int, tuple[str, ...]] = field(default_factory=dict)


def _groups(labels: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(label, positions in ascending order) of every label >= 0 present, labels ascending."""
    order = np.argsort(labels, kind="stable")
    uniq, starts = np.unique(labels[order], return_index=True)
    ends = np.r_[starts[1:], len(order)]
    return [(int(u), order[s:e]) for u, s, e in zip(uniq, starts, ends, strict=True) if u >= 0]


def contract(g: GraphArrays, units: np.ndarray, max_weight: int,
             forced: frozenset[int] = frozenset()) -> tuple[GraphArrays, np.ndarray, set[int]]:
    """Merge the nodes of each unit into one node, where the unit is connected and fits.

    Units in ``forced`` (locked units: the user's word wins) are merged even
    when they are heavy or their blocks are not connected in the graph.

    Returns
    -------
    GraphArrays
        The contracted graph.
    ndarray
        Contracted node of every original node.
    set of int
        Unit ids that could not be contracted (too heavy or not connected).
    """
    n = g.n
    super_of = np.arange(n)
    too_big: set[int] = set()
    src = np.repeat(np.arange(n), np.diff(g.indptr))
    # Components of the graph cut to the edges inside units: a unit is connected when it spans one.
    inner = (units[src] == units[g.indices]) & (units[src] >= 0)
    _, comp = connected_components(csr_matrix((np.ones(int(inner.sum())), (src[inner], g.indices[inner])),
                                              shape=(n, n)), directed=False)
    for u, nodes in _groups(units):
        if len(nodes) < 2:
            continue
        connected = bool((comp[nodes] == comp[nodes[0]]).all())
        if u not in forced and (g.weight[nodes].sum() > max_weight or not connected):
            too_big.add(u)
            continue
        super_of[nodes] = nodes.min()
    _, super_of = np.unique(super_of, return_inverse=True)
    m = int(super_of.max()) + 1
    a, b = super_of[src], super_of[g.indices]
    keep = a != b
    adj = coo_matrix((g.cost[keep], (a[keep], b[keep])), shape=(m, m)).tocsr()
    adj.sum_duplicates()
    area = np.bincount(super_of, weights=g.area, minlength=m)
    wx = np.bincount(super_of, weights=g.x * (g.area + 1e-9), minlength=m) / (area + 1e-9 * np.bincount(super_of))
    wy = np.bincount(super_of, weights=g.y * (g.area + 1e-9), minlength=m) / (area + 1e-9 * np.bincount(super_of))
    contracted = GraphArrays(weight=np.bincount(super_of, weights=g.weight, minlength=m).astype(np.int64),
                             indptr=adj.indptr.astype(np.int64), indices=adj.indices.astype(np.int64),
                             cost=adj.data.astype(float), x=wx, y=wy, area=area)
    return contracted, super_of, too_big


def _connected(g: GraphArrays, nodes: np.ndarray, src: np.ndarray) -> bool:
    inside = np.zeros(g.n, dtype=bool)
    inside[nodes] = True
    keep = inside[src] & inside[g.indices]
    adj = csr_matrix((np.ones(int(keep.sum())), (src[keep], g.indices[keep])), shape=(g.n, g.n))
    _, comp = connected_components(adj, directed=False)
    return len(np.unique(comp[nodes])) == 1


def _engine(g: GraphArrays, bounds: Bounds, profile: Profile, home: np.ndarray | None = None, *,
            fewest: bool = False, upper: bool = False) -> PartitionResult:
    """The partition engine on one (contracted) graph with the profile's settings.

    ``fewest`` overrides ``partition.prefer``: a hand split into N wants N, not
    extra grids for the roads' sake. ``upper`` (communities, residents'
    groups): always the fewest units (``prefer`` is about grids), and
    ``partition.upper_region_sweeps`` region steps and ``partition.upper_metis_cuts`` METIS divisions.
    """
    settings = EngineSettings.from_profile(profile)
    if upper:
        settings = settings.replace(region_sweeps=profile.partition.upper_region_sweeps,
                                    metis_cuts=profile.partition.upper_metis_cuts)
    return partition_graph(g, bounds, settings.replace(prefer="fewest") if fewest or upper else settings, home=home)


def _solve_level(g: GraphArrays, bounds: Bounds, profile: Profile, *, units: np.ndarray, home: np.ndarray | None,
                 locked: np.ndarray, forced: frozenset[int] = frozenset(), own: np.ndarray | None = None,
                 upper: bool = False) -> tuple[np.ndarray, dict[int, tuple[str, ...]]]:
    """Partition one unit's blocks into parts of one level (see module docstring)."""
    labels = np.full(g.n, -1, dtype=np.int64)
    flags: dict[int, tuple[str, ...]] = {}
    next_label = 0
    if home is not None:
        for _, nodes in _groups(np.where(locked, home, -1)):
            labels[nodes] = next_label
            flags[next_label] = ("locked",)
            next_label += 1
    if own is not None:
        for _, nodes in _groups(np.where(labels < 0, own, -1)):
            labels[nodes] = next_label
            flags[next_label] = ("exclusive",)
            next_label += 1
    free = np.flatnonzero(labels < 0)
    if len(free) == 0:
        return labels, flags
    sub = subgraph(g, free)
    small, super_of, split_units = contract(sub, units[free], bounds.max, forced)
    small_home = None
    if home is not None:
        small_home = np.full(small.n, -1, dtype=np.int64)
        small_home[super_of] = home[free]
    result = _engine(small, bounds, profile, small_home, upper=upper)
    local = result.labels[super_of]
    labels[free] = local + next_label
    for k, v in result.flags.items():
        flags[k + next_label] = v
    for u in split_units:
        for part in np.unique(labels[free][units[free] == u]):
            flags[int(part)] = tuple(sorted(set(flags.get(int(part), ())) | {"split_compound"}))
    return labels, flags


def _bounds(level: UnitBounds) -> Bounds:
    """The engine's bounds from a profile level's household bounds."""
    return Bounds(level.min_households, level.target_households, level.max_households)


def solve_levels(
    g: GraphArrays,
    profile: Profile,
    *,
    compounds: np.ndarray,
    home_community: np.ndarray | None = None,
    home_grid: np.ndarray | None = None,
    locked_community: np.ndarray | None = None,
    locked_grid: np.ndarray | None = None,
    exclusive: np.ndarray | None = None,
    progress: Progress | None = None,
) -> Levels:
    """Solve communities, then residents' groups (if the profile has them), then grids.

    Parameters
    ----------
    g : GraphArrays
        The block graph.
    profile : Profile
    compounds : ndarray of int
        Compound / village id of every block (-1: none).
    home_community, home_grid : ndarray of int, optional
        The existing plan's unit of every block (-1: none).
    locked_community, locked_grid : ndarray of bool, optional
        Blocks in locked existing units.
    exclusive : ndarray of int, optional
        Exclusive site piece of every block (-1: none), each piece connected
        (:func:`gridkit.exclusive.site_components`): one grid each.
    progress : callable, optional
        ``progress(fraction, stage)`` (:mod:`gridkit.progress`): communities, then
        each community's groups and grids.
    """
    n = g.n
    no = np.zeros(n, dtype=bool)
    locked_community = no if locked_community is None else locked_community
    locked_grid = no if locked_grid is None else locked_grid
    lv = profile.levels
    total = int(g.weight.sum())

    # A locked grid must stay inside one community: contract it like a compound.
    units = compounds.copy()
    forced: frozenset[int] = frozenset()
    if home_grid is not None and locked_grid.any():
        offset = units.max() + 1
        units[locked_grid] = offset + home_grid[locked_grid]
        forced = frozenset(int(u) for u in np.unique(units[locked_grid]))
    own = np.full(n, -1, dtype=np.int64) if exclusive is None else exclusive
    whole = compounds.copy()
    if (own >= 0).any():
        sites = (own >= 0) & ~locked_grid
        whole[own >= 0] = compounds.max() + 1 + own[own >= 0]
        offset = units.max() + 1
        units[sites] = offset + own[sites]
        forced = forced | frozenset(int(u) for u in np.unique(units[sites]))
    # A profile may keep exclusive grids out of the community bounds.
    g_community = g if profile.exclusive.count_in_community else \
        dataclasses.replace(g, weight=np.where(own >= 0, 0, g.weight))
    # Communities take about a fifth of the time (one partition of the whole graph).
    span(progress, 0.0, 0.2)(0.0, "communities")
    if lv.communities and not (lv.quarter and total < profile.group.small_area_households):
        community, c_flags = _solve_level(g_community, _bounds(profile.community), profile, units=units,
                                          home=home_community, locked=locked_community, forced=forced, upper=True)
    else:
        community, c_flags = np.zeros(n, dtype=np.int64), {}
    if lv.quarter and total < profile.group.small_area_households:
        c_flags = {0: ("joined_to_nearest",)}

    def grids_of(members: np.ndarray) -> tuple[np.ndarray, dict[int, tuple[str, ...]]]:
        """The grid level of one community (or residents' group): local labels and flags."""
        home = None if home_grid is None else home_grid[members]
        return _solve_level(subgraph(g, members), _bounds(profile.grid), profile, units=compounds[members],
                            home=home, locked=locked_grid[members], own=own[members])

    group = np.full(n, -1, dtype=np.int64)
    g_flags: dict[int, tuple[str, ...]] = {}
    grid = np.full(n, -1, dtype=np.int64)
    grid_flags: dict[int, tuple[str, ...]] = {}
    inside = _groups(community)
    for _, nodes in each(span(progress, 0.2, 1.0), inside, len(inside), "grids"):
        parents = [nodes]
        if lv.groups:
            sub = subgraph(g, nodes)
            local, flags = _solve_level(sub, _bounds(profile.group), profile, units=whole[nodes], home=None,
                                        locked=no[nodes],
                                        forced=frozenset(int(u) for u in np.unique(whole[nodes][own[nodes] >= 0])),
                                        upper=True)
            base = group.max() + 1
            group[nodes] = local + base
            g_flags.update({k + base: v for k, v in flags.items()})
            parents = [nodes[idx] for _, idx in _groups(local)]
        for members in parents:
            local, flags = grids_of(members)
            base = grid.max() + 1
            grid[members] = local + base
            grid_flags.update({k + base: v for k, v in flags.items()})
    if not lv.groups:
        _join_across(g_community, community, grid, grid_flags, profile, units=units, forced=forced,
                     locked=locked_community, grids_of=grids_of if lv.communities else None)
    return Levels(community=community, group=group, grid=grid, grid_flags=grid_flags, group_flags=g_flags,
                  community_flags=c_flags)


def _out_of_bounds(g: GraphArrays, grid: np.ndarray, flags: dict[int, tuple[str, ...]], nodes: np.ndarray,
                   lo: int, hi: int) -> int:
    """Grids of ``nodes`` outside ``lo..hi`` households, as the plan's ``within_bounds`` judges them: those an
    accepted exception explains (:data:`gridkit.metrics.BOUND_EXEMPT`) left out, and those nobody lives in,
    which join a neighbour after the levels (:func:`gridkit.slivers.absorb_slivers`)."""
    labels, weight = np.unique(grid[nodes], return_inverse=True)
    hh = np.bincount(weight, weights=g.weight[nodes])
    return sum(1 for p, w in zip(labels.tolist(), hh.tolist(), strict=True)
               if not lo <= w <= hi and w > 0 and not BOUND_EXEMPT.intersection(flags.get(p, ())))


def _join_across(g: GraphArrays, community: np.ndarray, grid: np.ndarray, flags: dict[int, tuple[str, ...]],
                 profile: Profile, *, units: np.ndarray, forced: frozenset[int], locked: np.ndarray,
                 grids_of: Callable[[np.ndarray], tuple[np.ndarray, dict[int, tuple[str, ...]]]] | None) -> None:
    """Let a grid its community's grid level left under the minimum look beyond its community.

    The community level draws its boundaries before any grid exists, and a full community (the level makes
    as few as fit) can hold a block whose only neighbours in it are too heavy to make a grid with it: its
    grid level has no division within bounds. Such a grid, in the order of its label:

    1. joins the neighbouring grid it is most tied to that has room for it, whole, in its community or the
       next (:func:`_join_grid`); failing that, and when the plan has communities (``grids_of``),
    2. moves the community boundary (:func:`_move_boundary`).

    Grids an accepted exception explains (:data:`gridkit.metrics.BOUND_EXEMPT`) neither move nor take a
    grid in; locked communities neither give nor take. ``g`` weighs households as the community bounds
    count them. Changes ``community``, ``grid`` and ``flags`` in place.
    """
    lo = profile.grid.min_households
    small = [p for p, nodes in _groups(grid)
             if g.weight[nodes].sum() < lo and not BOUND_EXEMPT.intersection(flags.get(p, ()))]
    contracted: tuple[GraphArrays, np.ndarray, np.ndarray] | None = None
    for p in small:
        nodes = np.flatnonzero(grid == p)
        if len(nodes) == 0 or g.weight[nodes].sum() >= lo or locked[nodes].any():
            continue
        if _join_grid(g, community, grid, flags, p, nodes, profile, locked) or grids_of is None \
                or g.weight[nodes].sum() == 0:
            continue  # a grid nobody lives in is left to :func:`gridkit.slivers.absorb_slivers`
        if contracted is None:
            free = np.flatnonzero(~locked)
            graph, super_of, _ = contract(subgraph(g, free), units[free], profile.community.max_households, forced)
            contracted = graph, free, super_of
        _move_boundary(g, community, grid, flags, profile, p, nodes, contracted, locked, grids_of)


def _join_grid(g: GraphArrays, community: np.ndarray, grid: np.ndarray, flags: dict[int, tuple[str, ...]],
               p: int, nodes: np.ndarray, profile: Profile, locked: np.ndarray) -> bool:
    """Merge grid ``p`` (its ``nodes``) into the neighbouring grid it shares the most cut cost with that has
    room for it; across a community boundary only when both communities stay within their bounds and the
    giving one stays connected. Whether it moved."""
    hi = profile.grid.max_households
    clo, chi = profile.community.min_households, profile.community.max_households
    src = g.sources
    out = np.flatnonzero(np.isin(src, nodes))
    other = grid[g.indices[out]]
    out, other = out[other != p], other[other != p]
    if not len(out):
        return False
    labels, at = np.unique(other, return_inverse=True)
    links = np.bincount(at, weights=g.cost[out])
    w = g.weight[nodes].sum()
    c = int(community[nodes[0]])
    for i in sorted(range(len(labels)), key=lambda i: (-links[i], labels[i])):
        q = int(labels[i])
        if BOUND_EXEMPT.intersection(flags.get(q, ())):
            continue
        target = np.flatnonzero(grid == q)
        if g.weight[target].sum() + w > hi:
            continue
        cq = int(community[target[0]])
        if cq != c:
            rest = np.flatnonzero((community == c) & (grid != p))
            if (locked[target].any() or g.weight[community == cq].sum() + w > chi or g.weight[rest].sum() < clo
                    or (len(rest) and not _connected(g, rest, src))):
                continue
        grid[nodes] = q
        community[nodes] = cq
        return True
    return False


def _move_boundary(g: GraphArrays, community: np.ndarray, grid: np.ndarray, flags: dict[int, tuple[str, ...]],
                   profile: Profile, p: int, nodes: np.ndarray, contracted: tuple[GraphArrays, np.ndarray, np.ndarray],
                   locked: np.ndarray,
                   grids_of: Callable[[np.ndarray], tuple[np.ndarray, dict[int, tuple[str, ...]]]]) -> None:
    """Move a community boundary so that grid ``p`` (its ``nodes``), under the minimum with no grid next door
    that has room, joins a community that has room for it.

    The grid goes to the neighbouring community it is most tied to, with whatever of its community only it
    linked to the rest (whole grids: the community must stay connected); that community, when it is then
    over its maximum, gives boundary blocks to neighbours with room (the engine's
    :func:`~gridkit.engine.repair.shed` on the community level's graph ``contracted``: the contracted graph
    of the blocks outside locked communities, those blocks and each one's node; compounds, exclusive sites
    and locked grids move whole, the giver stays connected), and the grids of every community that gained
    blocks are divided afresh. The move is kept when fewer grids end out of bounds (:func:`_out_of_bounds`)
    and every community it changed stays within its bounds and connected; otherwise the next neighbour is
    tried.
    """
    lo, hi = profile.grid.min_households, profile.grid.max_households
    clo, chi = profile.community.min_households, profile.community.max_households
    src = g.sources
    graph, free, super_of = contracted
    node_of = np.full(g.n, -1, dtype=np.int64)
    node_of[free] = super_of
    supers = np.unique(node_of[nodes])
    if np.isin(node_of, supers).sum() != len(nodes):
        return  # part of a compound the community level keeps whole
    a = int(community[nodes[0]])
    labels = np.full(graph.n, -1, dtype=np.int64)
    labels[super_of] = community[free]
    start = State(graph, labels)
    # What of its community only the grid linked to the rest goes with it (whole grids).
    rest = start.members[a] - set(supers.tolist())
    going = sorted(set(supers.tolist()).union(*start.components(rest)[1:])) if rest else []
    across = np.isin(src, nodes) & (community[g.indices] != a) & ~locked[g.indices]
    ties = np.bincount(community[g.indices[across]], weights=g.cost[across], minlength=int(community.max()) + 1)
    for b in sorted(np.flatnonzero(ties > 0).tolist(), key=lambda c: (-ties[c], c)) if going else []:
        fixed = np.zeros(graph.n, dtype=bool)
        fixed[going] = True
        s = State(graph, labels, fixed)
        for v in going:
            s.move(v, b)
        shed(s, b, chi)
        moved = community.copy()
        moved[free] = s.labels[super_of]
        gained = np.unique(moved[moved != community]).tolist()
        touched = sorted(set(gained) | set(np.unique(community[moved != community]).tolist()))
        if any(not clo <= g.weight[moved == c].sum() <= chi or not _connected(g, np.flatnonzero(moved == c), src)
               for c in touched):
            continue
        divided = {c: grids_of(np.flatnonzero(moved == c)) for c in gained}
        after = grid.copy()
        # Every grid of a community that gained blocks is divided afresh, the grids that went to one too.
        gone = set(np.unique(grid[np.isin(community, gained) | np.isin(moved, gained)]).tolist())
        after_flags = {q: f for q, f in flags.items() if q not in gone}
        for c, (local, new_flags) in divided.items():
            base = int(after.max()) + 1
            after[moved == c] = local + base
            after_flags.update({k + base: v for k, v in new_flags.items()})
        region = np.flatnonzero(np.isin(moved, touched))
        if _out_of_bounds(g, after, after_flags, region, lo, hi) < _out_of_bounds(g, grid, flags, region, lo, hi):
            community[:], grid[:] = moved, after
            flags.clear()
            flags.update(after_flags)
            return


def _pieces_of(g: GraphArrays) -> int:
    """Connected pieces of a graph."""
    return int(g.pieces.max()) + 1 if g.n else 0


@dataclass(frozen=True)
class Division:
    """One unit divided into parts (:func:`divide`).

    Attributes
    ----------
    labels : ndarray of int
        Part ``0..parts-1`` of every node.
    parts : int
        How many parts there are.
    asked : int
        How many were asked for.
    reason : str
        Why ``parts`` differs from ``asked`` ('' when they are equal).
    """

    labels: np.ndarray
    parts: int
    asked: int
    reason: str = ""


def divide(g: GraphArrays, n: int, level: UnitBounds, profile: Profile, *,
           compounds: np.ndarray | None = None) -> Division:
    """Divide one unit's blocks into ``n`` connected parts of about equal households.

    The hand edit "split into N" of the editing dock: the same engine as
    :func:`solve_levels`, with compounds contracted so no part cuts one that
    fits under the level's maximum. Each part aims at ``households / n``
    within the level's ``target_band``; the upper bound is also kept under
    what ``n - 1`` parts could hold, so the engine (which makes as few parts
    as the bounds allow) cannot return fewer than ``n`` without a reason.

    Parameters
    ----------
    g : GraphArrays
        The unit's block graph (e.g. :func:`gridkit.graph.subgraph` of the plan's).
    n : int
        Parts wanted, at least 2.
    level : UnitBounds
        The level's bounds (``profile.grid`` for grids).
    profile : Profile
    compounds : ndarray of int, optional
        Compound of every node (-1: none).

    Returns
    -------
    Division
        ``parts == n``, or the parts the streets allow and the reason.

    Examples
    --------
    >>> from gridkit.graph import GraphArrays
    >>> from gridkit.profile import load_profile
    >>> line = GraphArrays(weight=np.array([30, 30, 30, 30]), indptr=np.array([0, 1, 3, 5, 6]),
    ...                    indices=np.array([1, 0, 2, 1, 3, 2]), cost=np.ones(6), x=np.arange(4.0),
    ...                    y=np.zeros(4), area=np.ones(4))
    >>> p = load_profile("default")
    >>> d = divide(line, 2, p.grid, p)
    >>> d.parts, sorted(np.bincount(d.labels, weights=line.weight).tolist())
    (2, [60.0, 60.0])
    >>> divide(line, 5, p.grid, p).reason
    'only 4 blocks (compounds kept whole)'
    """
    if n < 2:
        raise ValueError("divide into at least 2 parts")
    units = np.full(g.n, -1, dtype=np.int64) if compounds is None else np.asarray(compounds)
    small, super_of, _ = contract(g, units, level.max_households)
    total = int(g.weight.sum())
    if small.n < n:
        # Each block (or whole compound) a part of its own is the most there can be.
        return Division(labels=super_of.astype(np.int64), parts=int(small.n), asked=n,
                        reason=f"only {small.n} blocks (compounds kept whole)")
    target = max(1, -(-total // n))
    heaviest = int(small.weight.max()) if small.n else 0
    # Fewer than n parts must not fit: n - 1 parts of `hi` hold less than the total.
    below = -(-total // (n - 1)) - 1 if total else 0
    hi = min(int(np.ceil(target * (1 + level.target_band))), below, level.max_households)
    lo = int(np.floor(target * (1 - level.target_band)))
    # Within the band first; when the streets do not allow n parts there, up to the level's maximum
    # (still under what n - 1 parts hold). A compound heavier than that stays whole: fewer parts.
    for cap in dict.fromkeys((hi, min(below, level.max_households))):
        top = max(cap, heaviest, 1)
        result = _engine(small, Bounds(min(lo, top), min(target, top), top), profile, fewest=True)
        labels = np.unique(result.labels[super_of], return_inverse=True)[1]
        parts = int(labels.max()) + 1 if len(labels) else 0
        if parts == n:
            break
    hi = top
    reason = ""
    if parts != n:
        if heaviest > hi:
            reason = f"a compound or block of {heaviest} households is kept whole (each of {n} parts holds about {target})"
        elif parts > n and _pieces_of(g) > n:
            reason = f"its blocks lie in {_pieces_of(g)} pieces that no street links (a barrier between them)"
        elif parts > n:
            reason = f"the streets do not allow {n} connected parts of at most {hi} households"
        else:
            reason = f"the streets allow only {parts} connected parts"
    return Division(labels=labels.astype(np.int64), parts=parts, asked=n, reason=reason)
