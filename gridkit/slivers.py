"""Sliver grids: pieces nobody lives in that are too small or too thin to be a grid.

The engine partitions each connected piece of the block graph on its own, so
a strip of land that a barrier (river, railway) cuts off from every other
block becomes a grid of its own: a few square metres, no households, a name
no one can place. Such a piece joins the neighbouring grid it shares the
longest edge with, across the barrier if it must: nobody lives there, so no
resident's grid is split by the barrier. The same rule tells the validator
which barrier-split pieces of a grid it may ignore.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .geometry import dissolve_by_label
from .graph import GraphArrays
from .profile import Profile, UnitBounds

if TYPE_CHECKING:
    from .levels import Levels

__all__ = ["is_sliver", "enclosed", "enclosed_pieces", "empty_pieces", "join_longest_edge", "absorb_slivers",
           "compactness"]

#: Flag of a grid smaller than ``grid.min_area_m2`` that is no sliver (it
#: holds households) or has no neighbour to join.
SMALL_AREA = "small_area"


def compactness(area: np.ndarray, perimeter: np.ndarray) -> np.ndarray:
    """Polsby–Popper compactness ``4 pi A / P^2`` (1 for a disc, near 0 for a strip)."""
    return 4 * np.pi * np.asarray(area, dtype=float) / np.maximum(np.asarray(perimeter, dtype=float), 1e-9) ** 2


def is_sliver(area: np.ndarray, perimeter: np.ndarray, households: np.ndarray, profile: Profile) -> np.ndarray:
    """Whether each piece is a sliver: no households, and smaller or thinner than a grid may be.

    Parameters
    ----------
    area, perimeter : array of float
        Of each piece (m², m).
    households : array of int
    profile : Profile
        ``grid.min_area_m2`` and ``grid.min_compactness``.
    """
    rules = profile.grid
    small = np.asarray(area, dtype=float) < rules.min_area_m2
    thin = compactness(area, perimeter) < rules.min_compactness
    return (np.asarray(households) == 0) & (small | thin)


def enclosed(perimeter: np.ndarray, touching: pd.DataFrame, households: np.ndarray, tolerance: float) -> np.ndarray:
    """Whether each piece nobody lives in is ringed by one other piece: it shares its whole outline with
    that piece, so it fills one of its holes (a pond in a park, a pool in a courtyard).

    Such a piece separates nothing: the barrier round it (a pond's shore) leaves the land around it one
    piece, so it joins the piece that rings it, whatever its size, and that grid crosses no barrier
    between homes by holding it.

    Parameters
    ----------
    perimeter : array of float
        Each piece's outline length (m).
    touching : DataFrame
        ``p``, ``q``, ``len``: the length of outline piece ``p`` shares with each other piece ``q`` it
        touches (rows of one pair may repeat; their lengths add up).
    households : array of int
        Of each piece.
    tolerance : float
        Outline length (m) a ringed piece may share with no other piece (precision of the tiling).

    Examples
    --------
    >>> import pandas as pd
    >>> touching = pd.DataFrame({"p": [0, 1, 1], "q": [1, 0, 2], "len": [40.0, 40.0, 10.0]})
    >>> enclosed(np.array([40.0, 400.0, 300.0]), touching, np.array([0, 0, 5]), 1e-4).tolist()
    [True, False, False]
    """
    k = len(perimeter)
    p, q = touching["p"].to_numpy(dtype=np.int64), touching["q"].to_numpy(dtype=np.int64)
    shared = np.bincount(p, weights=touching["len"].to_numpy(dtype=float), minlength=k)
    pairs = np.unique(np.column_stack([p, q]), axis=0) if len(p) else np.zeros((0, 2), dtype=np.int64)
    neighbours = np.bincount(pairs[:, 0], minlength=k)
    return (np.asarray(households) == 0) & (neighbours == 1) & (np.asarray(perimeter) - shared <= tolerance)


def enclosed_pieces(pieces: np.ndarray, households: np.ndarray, tolerance: float) -> np.ndarray:
    """:func:`enclosed` of polygons that tile a grid (the pieces a barrier cuts it into)."""
    touching = _touching(pieces, np.arange(len(pieces))).rename(columns={"a": "p", "b": "q"})
    return enclosed(shapely.length(pieces), touching, households, tolerance)


def empty_pieces(g: GraphArrays) -> np.ndarray:
    """Which nodes of ``g`` lie in a connected piece of it nobody lives in.

    Inside one grid such a piece is land or water a barrier cuts off that the grid took in (a sliver,
    :func:`is_sliver`, or a pond it rings, :func:`enclosed`): no street links it to the rest, so a
    division of the grid divides the rest and gives it back (:func:`join_longest_edge`).
    """
    return np.bincount(g.pieces, weights=np.asarray(g.weight, dtype=float))[g.pieces] == 0


def join_longest_edge(faces: np.ndarray, labels: np.ndarray, free: np.ndarray) -> np.ndarray:
    """``labels`` with every ``free`` block labelled as the labelled block it shares the longest edge with,
    as a sliver joins a grid; free blocks touching only free blocks join in a later round. A free block
    that touches no labelled one keeps -1.

    Examples
    --------
    >>> import shapely
    >>> faces = np.array([shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10), shapely.box(20, 0, 30, 10)])
    >>> join_longest_edge(faces, np.array([0, -1, -1]), np.array([False, True, True])).tolist()
    [0, 0, 0]
    """
    labels = np.asarray(labels).copy()
    while True:
        left = np.flatnonzero(np.asarray(free) & (labels < 0))
        touching = _touching(faces, left) if len(left) else pd.DataFrame({"a": [], "b": [], "len": []})
        touching = touching[labels[touching["b"].to_numpy(dtype=np.int64)] >= 0]
        if len(touching) == 0:
            return labels
        best = touching.sort_values(["a", "len", "b"], ascending=[True, False, True]).drop_duplicates("a")
        labels[best["a"].to_numpy(dtype=np.int64)] = labels[best["b"].to_numpy(dtype=np.int64)]


def _touching(faces: np.ndarray, of: np.ndarray) -> pd.DataFrame:
    """Shared boundary length between each block in ``of`` and every block it touches."""
    a, b = shapely.STRtree(faces).query(faces[of], predicate="intersects")
    a = of[a]
    keep = a != b
    a, b = a[keep], b[keep]
    length = shapely.length(shapely.intersection(shapely.boundary(faces[a]), shapely.boundary(faces[b])))
    frame = pd.DataFrame({"a": a, "b": b, "len": length})
    return frame[frame["len"] > 0]


def _ends(into: np.ndarray) -> np.ndarray:
    """The grid each grid ends in when every sliver joins the grid ``into`` names.

    Slivers joining one another form chains, ending in a grid that stays (``into[u] == u``) or
    in a cycle of slivers that chose each other; each chain with its end (its cycle) becomes one
    grid, so every sliver ends in a grid it reaches through grids it touches. Following pointers
    (``into[into]``) would instead split a cycle's members apart and send the slivers joining it
    to a member they do not touch.
    """
    k = len(into)
    nodes = np.arange(k)
    _, chain = connected_components(coo_matrix((np.ones(k), (nodes, into)), shape=(k, k)), connection="weak")
    end = np.full(chain.max() + 1 if k else 0, k)
    stays = np.flatnonzero(into == nodes)
    np.minimum.at(end, chain[stays], stays)
    # A cycle of slivers (no grid that stays): its first grid is the one they all become.
    cycle = end[chain] == k
    np.minimum.at(end, chain[cycle], nodes[cycle])
    return end[chain]


def absorb_slivers(levels: Levels, faces: np.ndarray, g: GraphArrays, profile: Profile,
                   split: Callable[[np.ndarray], np.ndarray] | None = None) -> Levels:
    """Merge every sliver grid into the neighbouring grid it shares the longest edge with.

    Preference among neighbours: the same community (then no community
    changes shape), a grid that is no sliver, one reached without crossing a
    barrier (a block graph edge), then the longest shared edge. A sliver that
    was its community's only grid takes the neighbour's community (and group)
    with it. Slivers that join only one another become one grid, which is
    looked at again (it may still be a sliver, now touching a grid that is
    none). Locked grids neither move nor receive. Grids left under
    ``grid.min_area_m2`` are flagged ``small_area``.

    Slivers are judged one grid at a time, but a barrier splits the grid they
    join into pieces of land: two slivers side by side between two tracks may
    make a piece that is no sliver. With ``split`` (the ``barriers``
    invariant, :func:`gridkit.metrics.barrier_splits`), a grid it finds split
    gives back every block it took: those stay the grids they were.

    Parameters
    ----------
    levels : Levels
        Labels of every block, as solved.
    faces : ndarray of shapely geometries
        The blocks, in node order of ``g``.
    g : GraphArrays
        The block graph (its edges do not cross barriers).
    profile : Profile
    split : callable, optional
        ``split(geoms)``: whether a barrier splits each grid outline, as the validator judges it.
    """
    solved = levels
    # Each round that changes anything leaves fewer grids, so this ends.
    while True:
        joined = _absorb_once(levels, faces, g, profile)
        if np.array_equal(joined.grid, levels.grid):
            break
        levels = joined
    if split is not None:
        levels = _give_back(solved, levels, faces, split, profile.blocks.precision_m)
    levels = _join_small(levels, faces, g, "community", profile.community)
    if len(levels.group) and (levels.group >= 0).all():
        levels = _join_small(levels, faces, g, "group", profile.group)
    block_area = shapely.area(faces)
    flags = dict(levels.grid_flags)
    kept_ids, new_lab = np.unique(levels.grid, return_inverse=True)
    small = np.bincount(new_lab, weights=block_area, minlength=len(kept_ids)) < profile.grid.min_area_m2
    for u in kept_ids[small].tolist():
        if not flags.get(u):
            flags[u] = (SMALL_AREA,)
    return dataclasses.replace(levels, grid_flags=flags)


def _give_back(solved: Levels, levels: Levels, faces: np.ndarray, split: Callable[[np.ndarray], np.ndarray],
               grid_size: float) -> Levels:
    """Return the blocks a grid took from slivers to the grids they were in ``solved``, where ``split``
    finds that grid split by a barrier."""
    moved = levels.grid != solved.grid
    if not moved.any():
        return levels
    took = np.isin(levels.grid, np.unique(levels.grid[moved]))
    ids, lab = np.unique(levels.grid[took], return_inverse=True)
    bad = ids[split(dissolve_by_label(faces[took], lab, len(ids), grid_size))]
    back = moved & np.isin(levels.grid, bad)
    if not back.any():
        return levels
    grid, community, group = levels.grid.copy(), levels.community.copy(), levels.group.copy()
    grid[back], community[back], group[back] = solved.grid[back], solved.community[back], solved.group[back]
    restored = set(solved.grid[back].tolist())
    return dataclasses.replace(
        levels, grid=grid, community=community, group=group,
        grid_flags={**levels.grid_flags, **{u: f for u, f in solved.grid_flags.items() if u in restored}},
        community_flags={**levels.community_flags, **{u: f for u, f in solved.community_flags.items()
                                                       if u in set(community[back].tolist())}},
        group_flags={**levels.group_flags, **{u: f for u, f in solved.group_flags.items()
                                               if u in set(group[back].tolist())}})


def _join_small(levels: Levels, faces: np.ndarray, g: GraphArrays, level: str, bounds: UnitBounds) -> Levels:
    """Move every community (``level`` "community") or residents' group ("group") nobody lives in, or
    cut off by barriers with fewer households than ``bounds.min_households``, into a neighbouring one;
    its grids stay as they are.

    An empty piece a barrier cuts off that is no sliver (land between a station's tracks, an island)
    stays a grid, flagged ``isolated``, but was its own community (or group) too; so was a piece with a
    few houses in it (a railway yard's, five households: six such communities in Guixi's station
    throat). A community (社区) or a group (居民小组) is residents, as many as its level's minimum: so
    its grids join the group (and community) of the grid they share the longest edge with, across the
    barrier; a group only within its community. A piece with households joins only where the sum stays
    within ``bounds.max_households``, and each unit takes one such piece a round, the smallest first, so
    pieces joining at once cannot overfill it. Rounds repeat, so a cluster of pieces joins from the
    outside in. Locked units neither move nor receive; a unit that takes in households is no longer a
    whole piece of its own and loses its ``isolated`` flag.
    """
    community, group = levels.community.copy(), levels.group.copy()
    flags = dict(levels.community_flags if level == "community" else levels.group_flags)
    weight = np.asarray(g.weight, dtype=float)
    received: set[int] = set()
    for _ in range(len(np.unique(community if level == "community" else group))):
        ids, lab = np.unique(community if level == "community" else group, return_inverse=True)
        k = len(ids)
        hh = np.bincount(lab, weights=weight, minlength=k)
        locked = np.array(["locked" in flags.get(int(u), ()) for u in ids], dtype=bool)
        isolated = np.array(["isolated" in flags.get(int(u), ()) for u in ids], dtype=bool)
        small = ((hh == 0) | (isolated & (hh < bounds.min_households))) & ~locked
        of = np.flatnonzero(small[lab])
        if len(of) == 0:
            break
        touching = _touching(faces, of)
        a, b = touching["a"].to_numpy(dtype=np.int64), touching["b"].to_numpy(dtype=np.int64)
        p, q = lab[a], lab[b]
        into = ((p != q) & (hh[q] > 0) & ~locked[q] & ((community[a] == community[b]) | (level == "community"))
                & ((hh[p] == 0) | (hh[p] + hh[q] <= bounds.max_households)))
        pairs = pd.DataFrame({"p": p[into], "q": q[into], "group": group[b][into],
                              "len": touching["len"].to_numpy()[into]})
        if len(pairs) == 0:
            break
        pairs = pairs.groupby(["p", "q", "group"], as_index=False)["len"].sum()
        best = pairs.sort_values(["p", "len", "q", "group"], ascending=[True, False, True, True]).drop_duplicates("p")
        bp, bq = best["p"].to_numpy(), best["q"].to_numpy()
        # A piece with households goes into a piece that moves too only when it is the smaller (two that
        # chose each other: the smaller joins the larger); each unit takes in one of them a round, the
        # smallest, and then stays where it is this round.
        rank = np.empty(k, dtype=np.int64)
        rank[np.lexsort((np.arange(k), hh))] = np.arange(k)
        ok = (hh[bp] == 0) | ~np.isin(bq, bp) | (rank[bp] < rank[bq])
        bp, bq, bg = bp[ok], bq[ok], best["group"].to_numpy()[ok]
        full = np.flatnonzero(hh[bp] > 0)
        full = full[np.argsort(rank[bp[full]], kind="stable")]
        full = full[np.unique(bq[full], return_index=True)[1]]
        taking = bq[full]
        keep = ((hh[bp] == 0) | np.isin(np.arange(len(bp)), full)) & ~np.isin(bp, taking)
        bp, bq, bg = bp[keep], bq[keep], bg[keep]
        if len(bp) == 0:
            break
        received.update(ids[taking].tolist())
        to_unit = np.full(k, -1, dtype=np.int64)
        to_group = np.full(k, -1, dtype=np.int64)
        to_unit[bp] = ids[bq]
        to_group[bp] = bg
        moved = to_unit[lab] >= 0
        if level == "community":
            community[moved] = to_unit[lab][moved]
        group[moved] = to_group[lab][moved]
    if np.array_equal(community, levels.community) and np.array_equal(group, levels.group):
        return levels
    units = community if level == "community" else group
    ids, lab = np.unique(units, return_inverse=True)
    hh = np.bincount(lab, weights=weight, minlength=len(ids))
    for u in received & set(ids[hh >= bounds.min_households].tolist()) & set(flags):
        flags[u] = tuple(f for f in flags[u] if f != "isolated")
        if not flags[u]:
            del flags[u]
    kept_c, kept_g = set(community.tolist()), set(group.tolist())
    c_flags = flags if level == "community" else levels.community_flags
    g_flags = flags if level == "group" else levels.group_flags
    return dataclasses.replace(levels, community=community, group=group,
                               community_flags={u: f for u, f in c_flags.items() if u in kept_c},
                               group_flags={u: f for u, f in g_flags.items() if u in kept_g})


def _absorb_once(levels: Levels, faces: np.ndarray, g: GraphArrays, profile: Profile) -> Levels:
    """One round of :func:`absorb_slivers`: every sliver joins its chosen neighbour."""
    grid = levels.grid.copy()
    ids, lab = np.unique(grid, return_inverse=True)
    k = len(ids)
    block_area = shapely.area(faces)
    hh = np.bincount(lab, weights=g.weight, minlength=k)
    area = np.bincount(lab, weights=block_area, minlength=k)
    locked = np.array(["locked" in levels.grid_flags.get(int(u), ()) for u in ids])
    # Only grids without households can be slivers: look at their blocks alone.
    empty = np.flatnonzero(hh == 0)
    of = np.flatnonzero(np.isin(lab, empty))
    touching = _touching(faces, of) if len(of) else pd.DataFrame({"a": [], "b": [], "len": []})
    ga, gb = lab[touching["a"].to_numpy(dtype=np.int64)], lab[touching["b"].to_numpy(dtype=np.int64)]
    inner = ga == gb
    perimeter = np.bincount(lab[of], weights=shapely.length(faces[of]), minlength=k)
    perimeter -= np.bincount(ga[inner], weights=touching["len"].to_numpy()[inner], minlength=k)
    sliver = np.zeros(k, dtype=bool)
    sliver[empty] = is_sliver(area[empty], perimeter[empty], hh[empty], profile)
    pairs = pd.DataFrame({"p": ga[~inner], "q": gb[~inner], "len": touching["len"].to_numpy()[~inner]})

    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    linked = set(zip(lab[src].tolist(), lab[g.indices].tolist(), strict=True))
    # A grid nobody lives in that a block-graph edge links to another grid was not cut off by a barrier
    # (the engine solves each piece the barriers leave on its own) but walled in by an exclusive site or a
    # locked grid taken out before it: it joins a neighbour as a sliver does, whatever its size.
    has_link = np.zeros(k, dtype=bool)
    has_link[lab[src][lab[src] != lab[g.indices]]] = True
    exclusive = np.array(["exclusive" in levels.grid_flags.get(int(u), ()) for u in ids], dtype=bool)
    sliver |= ((hh == 0) & has_link | enclosed(perimeter, pairs, hh, profile.blocks.precision_m)) & ~exclusive
    sliver &= ~locked
    pairs = pairs[sliver[pairs["p"].to_numpy()] & ~locked[pairs["q"].to_numpy()]]
    pairs = pairs.groupby(["p", "q"], as_index=False)["len"].sum()
    first = np.zeros(k, dtype=np.int64)
    first[lab[::-1]] = np.arange(len(lab))[::-1]
    community = levels.community[first]
    pairs["same"] = community[pairs["p"]] == community[pairs["q"]]
    pairs["solid"] = ~sliver[pairs["q"].to_numpy()]
    pairs["linked"] = [(p, q) in linked for p, q in zip(pairs["p"], pairs["q"], strict=True)]
    best = pairs.sort_values(["p", "same", "solid", "linked", "len", "q"],
                             ascending=[True, False, False, False, False, True]).drop_duplicates("p")
    into = np.arange(k)
    into[best["p"].to_numpy()] = best["q"].to_numpy()
    into = _ends(into)
    moved = into[lab] != lab
    target = first[into[lab[moved]]]
    new_grid = grid.copy()
    new_grid[moved] = grid[target]
    community_labels = levels.community.copy()
    community_labels[moved] = levels.community[target]
    group = levels.group.copy()
    group[moved] = levels.group[target]

    flags = {u: f for u, f in levels.grid_flags.items() if u in set(new_grid.tolist())}
    return dataclasses.replace(levels, grid=new_grid, community=community_labels, group=group, grid_flags=flags,
                               community_flags={u: f for u, f in levels.community_flags.items()
                                                if u in set(community_labels.tolist())},
                               group_flags={u: f for u, f in levels.group_flags.items()
                                            if u in set(group.tolist())})
