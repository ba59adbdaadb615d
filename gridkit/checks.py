"""Live checks of a plan being edited: which rules its grids break, and where.

:mod:`gridkit.metrics` judges a finished plan file (invariants as numbers);
this module answers the editor's question after every edit: *which* grid,
group or community breaks *which* rule, with the geometry to show. Both read
the same rules: the household bounds of the profile's levels, the flags that
make a unit an accepted exception (:data:`gridkit.metrics.BOUND_EXEMPT`),
compounds that no level splits where they fit.

The grid layer is the truth: a block belongs to the grid covering at least
half of it (:func:`block_grids`), and a unit's households are its blocks'.
Pieces smaller or thinner than the :class:`Tolerance` are never violations:
overlay crumbs and a vertex nudged by a centimetre are not a gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from .geometry import dissolve_by_label, largest_overlap
from .metrics import BOUND_EXEMPT

if TYPE_CHECKING:
    from .plan import Plan
    from .profile import Profile, UnitBounds

__all__ = ["Tolerance", "Violation", "block_grids", "violations", "VIOLATION_KINDS", "SEVERITIES"]

#: Kinds of violation, in the order an editor lists them.
VIOLATION_KINDS = ("over_max", "not_contiguous", "gap", "overlap", "split_compound", "split_exclusive",
                   "under_min", "off_target")
#: ``error``: a rule is broken; ``accepted``: broken by a flagged exception (a single building over
#: the maximum, a locked or isolated unit, ...); ``warning``: within the rules but off the target.
SEVERITIES = ("error", "accepted", "warning")
#: Share of a block a grid must cover for the block to be the grid's.
BLOCK_SHARE = 0.5


@dataclass(frozen=True)
class Tolerance:
    """What counts as a sliver: a piece smaller than ``area_m2`` or thinner than ``width_m``.

    Width is twice the area over the perimeter (a strip's width). Slivers from
    editing are never reported as gaps, overlaps or extra pieces.

    Examples
    --------
    >>> Tolerance(area_m2=5).slivers(np.array([shapely.box(0, 0, 1, 1), shapely.box(0, 0, 10, 10)])).tolist()
    [True, False]
    """

    area_m2: float = 5.0
    width_m: float = 0.5

    def slivers(self, geoms: np.ndarray) -> np.ndarray:
        """True for each geometry that is a sliver (or empty)."""
        geoms = np.asarray(geoms, dtype=object)
        if len(geoms) == 0:
            return np.zeros(0, dtype=bool)
        area = shapely.area(geoms)
        width = 2.0 * area / np.maximum(shapely.length(geoms), 1e-12)
        return (area < self.area_m2) | (width < self.width_m) | shapely.is_empty(geoms)


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    Attributes
    ----------
    kind : str
        One of :data:`VIOLATION_KINDS`.
    level : str
        ``grid``, ``group``, ``community`` or ``plan`` (gaps and overlaps).
    rows : list of int
        Positions in the plan's ``grids`` of the grids concerned (for a
        community: its grids).
    codes : list of str
        Codes of the units concerned (grids, or the group/community).
    geometry : shapely geometry
        Where it is (the extra pieces, the gap, the overlap, the unit).
    value : float
        Households, pieces, m², grids: what the message counts.
    message : str
        In English; an editor translates by ``kind`` and ``value``.
    severity : str
        One of :data:`SEVERITIES`.
    """

    kind: str
    level: str
    rows: list[int]
    codes: list[str]
    geometry: shapely.Geometry
    value: float
    message: str
    severity: str = "error"
    bound: float = field(default=0.0)

    def as_dict(self) -> dict[str, Any]:
        """Plain values (for a worker's reply)."""
        return {"kind": self.kind, "level": self.level, "rows": list(self.rows), "codes": list(self.codes),
                "geometry": self.geometry, "value": float(self.value), "message": self.message,
                "severity": self.severity, "bound": float(self.bound)}


def block_grids(blocks: np.ndarray, grids: np.ndarray) -> np.ndarray:
    """Position in ``grids`` of the grid each block belongs to (-1 where none covers half of it).

    Parameters
    ----------
    blocks, grids : ndarray of polygons
        Grids may be invalid (hand drawn): they are made valid first.

    Examples
    --------
    >>> blocks = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 5, 6, 6)])
    >>> block_grids(blocks, np.array([shapely.box(0, 0, 1.6, 1)])).tolist()
    [0, 0, -1]
    """
    blocks = np.asarray(blocks, dtype=object)
    grids = np.asarray(grids, dtype=object)
    if len(grids) == 0:
        return np.full(len(blocks), -1, dtype=np.int64)
    return largest_overlap(blocks, _valid(grids), BLOCK_SHARE)


def _valid(geoms: np.ndarray) -> np.ndarray:
    """Geometries made valid only where they are not (make_valid on all would copy every one)."""
    geoms = np.asarray(geoms, dtype=object).copy()
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = shapely.make_valid(geoms[bad])
    return geoms


def _polygon_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polygon parts of each geometry (collections from overlays hold lines and points too)."""
    parts, owner = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    # A GeometryCollection may hold multipolygons: one more level.
    inner, sub = shapely.get_parts(parts, return_index=True)
    owner = owner[sub]
    keep = shapely.get_type_id(inner) == 3
    return inner[keep], owner[keep]


def _flag_sets(grids: pd.DataFrame) -> list[set[str]]:
    if "flags" not in grids:
        return [set() for _ in range(len(grids))]
    return [set(str(f).split(",")) - {""} for f in grids["flags"].fillna("").astype(str)]


def _bounds_checks(level: str, codes: list[str], rows: list[list[int]], geoms: np.ndarray, households: np.ndarray,
                   accepted: np.ndarray, bounds: UnitBounds, why: list[str]) -> list[Violation]:
    """Over the maximum (error), under the minimum and off the target band (warnings)."""
    out = []
    hi, lo, target = bounds.max_households, bounds.min_households, bounds.target_households
    band = bounds.target_band
    for i, hh in enumerate(households):
        hh = int(hh)
        if hh > hi:
            sev = "accepted" if accepted[i] else "error"
            out.append(Violation("over_max", level, rows[i], [codes[i]], geoms[i], hh,
                                 f"{hh} households > {hi}" + (f" (accepted: {why[i]})" if accepted[i] else ""),
                                 sev, hi))
        elif hh < lo:
            sev = "accepted" if accepted[i] else "warning"
            out.append(Violation("under_min", level, rows[i], [codes[i]], geoms[i], hh, f"{hh} households < {lo}",
                                 sev, lo))
        elif abs(hh - target) > band * target:
            out.append(Violation("off_target", level, rows[i], [codes[i]], geoms[i], hh,
                                 f"{hh} households, target {target} ± {band:.0%}", "warning", target))
    return out


def _pieces(level: str, codes: list[str], rows: list[list[int]], geoms: np.ndarray, empty: np.ndarray,
            tolerance: Tolerance) -> list[Violation]:
    """Units in more than one piece that is not a sliver (and grids that hold no block)."""
    out = []
    parts, owner = _polygon_parts(geoms)
    big = ~tolerance.slivers(parts) if len(parts) else np.zeros(0, dtype=bool)
    count = np.bincount(owner[big], minlength=len(geoms)) if len(parts) else np.zeros(len(geoms), dtype=int)
    for i in np.flatnonzero(count > 1):
        mine = parts[big & (owner == i)]
        order = np.argsort(-shapely.area(mine))
        out.append(Violation("not_contiguous", level, rows[i], [codes[i]], shapely.multipolygons(mine[order[1:]]),
                             int(count[i]), f"{int(count[i])} pieces"))
    for i in np.flatnonzero((count == 0) & empty):
        out.append(Violation("not_contiguous", level, rows[i], [codes[i]], geoms[i], 0, "no block"))
    return out


def violations(plan: Plan, profile: Profile, *, tolerance: Tolerance | None = None,
               compounds: np.ndarray | None = None, sites: np.ndarray | None = None,
               labels: np.ndarray | None = None,
               severities: tuple[str, ...] = ("error",)) -> list[Violation]:
    """Every rule the plan's grids break, at every level, with where.

    Parameters
    ----------
    plan : Plan
        Its ``grids`` (``code``, ``community_code``, ``group_code``, ``locked``,
        ``flags``, geometry: as a hand-edited layer has them), ``blocks``
        (with ``households``) and ``area``. Groups and communities are those
        the grids' ``group_code`` and ``community_code`` make.
    profile : Profile
        The bounds of every level.
    tolerance : Tolerance, optional
        What counts as a sliver (default :class:`Tolerance`).
    compounds : ndarray of int, optional
        Compound of every block (-1: none); without it compounds are not checked.
    sites : ndarray of int, optional
        Exclusive site of every block (-1: none): each must stay one grid of its own.
    labels : ndarray of int, optional
        Grid row of every block (:func:`block_grids`) when the caller has it.
    severities : tuple of str
        Which to return (:data:`SEVERITIES`); by default the errors only.

    Returns
    -------
    list of Violation
        In the order of :data:`VIOLATION_KINDS`, then by position.

    Examples
    --------
    >>> import gridkit
    >>> plan = gridkit.read_plan("data/samples/plans/hk_tsim_sha_tsui.gpkg")  # doctest: +SKIP
    >>> violations(plan, plan.profile())  # doctest: +SKIP
    []
    """
    tolerance = tolerance or Tolerance()
    grids = plan.grids
    n = len(grids)
    geoms = grids.geometry.values.to_numpy()
    block_geoms = plan.blocks.geometry.values.to_numpy()
    labels = block_grids(block_geoms, geoms) if labels is None else np.asarray(labels)
    hh_blocks = plan.blocks["households"].to_numpy(dtype=float)
    ok = labels >= 0
    households = np.bincount(labels[ok], weights=hh_blocks[ok], minlength=n).round()
    n_blocks = np.bincount(labels[ok], minlength=n)
    codes = grids["code"].astype(str).tolist()
    flags = _flag_sets(grids)
    locked = grids["locked"].to_numpy(dtype=bool) if "locked" in grids else np.zeros(n, dtype=bool)
    heaviest = np.zeros(n)
    np.maximum.at(heaviest, labels[ok], hh_blocks[ok])
    # One block over the maximum holding all of the grid's households is one building: accepted, as in metrics.
    single = (heaviest > profile.grid.max_households) & (heaviest == households)
    # The oversize_building flag is not taken on trust: a grid that received more blocks holds more
    # than its one building, so the single-block test above decides.
    exempt = BOUND_EXEMPT - {"oversize_building"}
    why = [", ".join(sorted(flags[r] & exempt) or (["locked"] if locked[r] else [])
                     or (["oversize_building"] if single[r] else [])) for r in range(n)]
    accepted = np.array([bool(w) for w in why], dtype=bool)
    rows = [[r] for r in range(n)]
    found: list[Violation] = []
    found += _bounds_checks("grid", codes, rows, geoms, households, accepted, profile.grid, why)
    found += _pieces("grid", codes, rows, geoms, n_blocks == 0, tolerance)

    valid = _valid(geoms)
    # Upper levels: the unions of their grids.
    upper = [("community", "community_code", profile.community)]
    if profile.levels.groups:
        upper.append(("group", "group_code", profile.group))
    for level, column, bounds in upper:
        if column not in grids:
            continue
        unit_of = grids[column].fillna("").astype(str).to_numpy()
        names, lab = np.unique(unit_of, return_inverse=True)
        present = names != ""
        if not present.any():
            continue
        u_geoms = dissolve_by_label(valid, lab, len(names))
        u_hh = np.bincount(lab, weights=households, minlength=len(names))
        members = [np.flatnonzero(lab == j).tolist() for j in range(len(names))]
        u_accepted = np.array([all(accepted[r] for r in members[j]) for j in range(len(names))], dtype=bool)
        u_why = ["every grid accepted" if u_accepted[j] else "" for j in range(len(names))]
        sel = np.flatnonzero(present)
        found += _bounds_checks(level, [str(names[j]) for j in sel], [members[j] for j in sel], u_geoms[sel],
                                u_hh[sel], u_accepted[sel], bounds, [u_why[j] for j in sel])
        found += _pieces(level, [str(names[j]) for j in sel], [members[j] for j in sel], u_geoms[sel],
                         np.zeros(len(sel), dtype=bool), tolerance)

    found += _coverage(plan, valid, codes, tolerance)

    # Compounds that fit in one grid spread over several.
    if compounds is not None:
        comp = np.asarray(compounds)
        has = (comp >= 0) & ok
        if has.any():
            frame = pd.DataFrame({"c": comp[has], "g": labels[has]}).drop_duplicates()
            spread = frame.groupby("c")["g"].nunique()
            comp_hh = pd.Series(hh_blocks[comp >= 0]).groupby(comp[comp >= 0]).sum()
            for c in spread.index[spread.to_numpy() > 1]:
                if comp_hh[c] > profile.grid.max_households:
                    continue
                inside = np.flatnonzero(comp == c)
                grid_rows = sorted(int(r) for r in np.unique(labels[inside][labels[inside] >= 0]))
                geom = shapely.union_all(block_geoms[inside])
                found.append(Violation("split_compound", "grid", grid_rows, [codes[r] for r in grid_rows], geom,
                                       len(grid_rows),
                                       f"compound of {int(comp_hh[c])} households in {len(grid_rows)} grids"))

    # Exclusive grids (专属网格) hold their site, whole and alone.
    if sites is not None:
        site = np.asarray(sites)
        exclusive = np.array(["exclusive" in f for f in flags], dtype=bool)
        frame = pd.DataFrame({"s": site[ok & (site >= 0)], "g": labels[ok & (site >= 0)]}).drop_duplicates()
        for s, grp in frame.groupby("s", sort=True):
            spread = sorted(int(g) for g in grp["g"])
            if len(spread) > 1:
                found.append(Violation("split_exclusive", "grid", spread, [codes[r] for r in spread],
                                       shapely.union_all(block_geoms[site == s]), len(spread),
                                       f"an exclusive site in {len(spread)} grids"))
        for r in np.flatnonzero(exclusive):
            mine = labels == r
            others = int((mine & (site != np.bincount(site[mine & (site >= 0)] + 1).argmax() - 1)).sum()) \
                if (mine & (site >= 0)).any() else 0
            if others:
                found.append(Violation("split_exclusive", "grid", [int(r)], [codes[int(r)]], geoms[r], others,
                                       f"exclusive grid holds {others} block(s) of no site or another site"))
    order = {k: i for i, k in enumerate(VIOLATION_KINDS)}
    found.sort(key=lambda v: (order.get(v.kind, len(order)), ("grid", "group", "community", "plan").index(v.level)
                              if v.level in ("grid", "group", "community", "plan") else 9))
    return [v for v in found if v.severity in severities]


def _coverage(plan: Plan, valid: np.ndarray, codes: list[str], tolerance: Tolerance) -> list[Violation]:
    """Parts of the area in no grid, and in two."""
    out: list[Violation] = []
    area = shapely.union_all(plan.area.geometry.values.to_numpy())
    covered = shapely.union_all(valid) if len(valid) else shapely.Polygon()
    holes, _ = _polygon_parts(np.array([shapely.difference(area, covered)], dtype=object))
    holes = holes[~tolerance.slivers(holes)] if len(holes) else holes
    tree = shapely.STRtree(valid) if len(valid) else None
    for hole in holes:
        near = sorted(int(x) for x in tree.query(shapely.buffer(hole, 0.01), predicate="intersects")) if tree else []
        a = float(shapely.area(hole))
        out.append(Violation("gap", "plan", near, [codes[r] for r in near], hole, a, f"{a:.0f} m² uncovered"))
    if len(valid) > 1 and tree is not None:
        left, right = tree.query(valid, predicate="overlaps")
        l2, r2 = tree.query(valid, predicate="contains")
        left, right = np.r_[left, l2], np.r_[right, r2]
        keep = left != right
        pairs = np.unique(np.sort(np.column_stack([left[keep], right[keep]]), axis=1), axis=0)
        if len(pairs):
            inter = shapely.intersection(valid[pairs[:, 0]], valid[pairs[:, 1]])
            parts, owner = _polygon_parts(inter)
            big = ~tolerance.slivers(parts) if len(parts) else np.zeros(0, dtype=bool)
            for i in np.unique(owner[big]):
                mine = parts[big & (owner == i)]
                geom = shapely.multipolygons(mine) if len(mine) > 1 else mine[0]
                a, b = int(pairs[i, 0]), int(pairs[i, 1])
                out.append(Violation("overlap", "plan", [a, b], [codes[a], codes[b]], geom, float(shapely.area(geom)),
                                     f"{shapely.area(geom):.0f} m² in two grids"))
    return out
