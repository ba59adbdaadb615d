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

import dataclasses  # noqa: F401 - the examples use it
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

__all__ = ["Tolerance", "Violation", "LiveChecks", "block_grids", "bound_state", "violations", "VIOLATION_KINDS",
           "SEVERITIES"]

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


def bound_state(households: int, bounds: UnitBounds) -> str:
    """Where a unit of ``households`` stands against its level's bounds.

    Returns
    -------
    str
        ``"over_max"``, ``"under_min"``, ``"off_target"`` (further from the target than its
        ``target_band``) or ``""`` (on target). Flagged exceptions are the caller's business.

    Examples
    --------
    >>> from gridkit.profile import UnitBounds
    >>> b = UnitBounds(min_households=50, target_households=100, max_households=200, target_band=0.25)
    >>> [bound_state(h, b) for h in (201, 49, 130, 100)]
    ['over_max', 'under_min', 'off_target', '']
    """
    if households > bounds.max_households:
        return "over_max"
    if households < bounds.min_households:
        return "under_min"
    if abs(households - bounds.target_households) > bounds.target_band * bounds.target_households:
        return "off_target"
    return ""


def _bounds_checks(level: str, codes: list[str], rows: list[list[int]], geoms: np.ndarray, households: np.ndarray,
                   accepted: np.ndarray, bounds: UnitBounds, why: list[str]) -> list[Violation]:
    """Over the maximum (error), under the minimum and off the target band (warnings)."""
    out = []
    hi, lo, target = bounds.max_households, bounds.min_households, bounds.target_households
    band = bounds.target_band
    for i, hh in enumerate(households):
        hh = int(hh)
        state = bound_state(hh, bounds)
        if state == "over_max":
            sev = "accepted" if accepted[i] else "error"
            out.append(Violation("over_max", level, rows[i], [codes[i]], geoms[i], hh,
                                 f"{hh} households > {hi}" + (f" (accepted: {why[i]})" if accepted[i] else ""),
                                 sev, hi))
        elif state == "under_min":
            sev = "accepted" if accepted[i] else "warning"
            out.append(Violation("under_min", level, rows[i], [codes[i]], geoms[i], hh, f"{hh} households < {lo}",
                                 sev, lo))
        elif state == "off_target":
            out.append(Violation("off_target", level, rows[i], [codes[i]], geoms[i], hh,
                                 f"{hh} households, target {target} ± {band:.0%}", "warning", target))
    return out


def _pieces(geoms: np.ndarray, tolerance: Tolerance) -> list[tuple[int, shapely.Geometry | None]]:
    """Per geometry: how many pieces that are no sliver, and the pieces after the largest (None: one)."""
    parts, owner = _polygon_parts(geoms)
    big = ~tolerance.slivers(parts) if len(parts) else np.zeros(0, dtype=bool)
    count = np.bincount(owner[big], minlength=len(geoms)) if len(parts) else np.zeros(len(geoms), dtype=int)
    out: list[tuple[int, shapely.Geometry | None]] = [(int(c), None) for c in count]
    for i in np.flatnonzero(count > 1):
        mine = parts[big & (owner == i)]
        order = np.argsort(-shapely.area(mine))
        out[i] = (int(count[i]), shapely.multipolygons(mine[order[1:]]))
    return out


def _piece_violations(level: str, codes: list[str], rows: list[list[int]], pieces: list[tuple[int, Any]],
                      geoms: np.ndarray, empty: np.ndarray) -> list[Violation]:
    out = []
    for i, (count, extra) in enumerate(pieces):
        if count > 1:
            out.append(Violation("not_contiguous", level, rows[i], [codes[i]], extra, count, f"{count} pieces"))
        elif count == 0 and empty[i]:
            out.append(Violation("not_contiguous", level, rows[i], [codes[i]], geoms[i], 0, "no block"))
    return out


class LiveChecks:
    """The checks of :func:`violations`, kept up to date edit after edit.

    An editor calls :meth:`update` with the grid frame after every edit (keyed
    by its feature ids); only what the changed grids touch is recomputed: the
    blocks under them, their pieces, overlaps with their neighbours, gaps
    where they are or were, the communities and groups they belong to, their
    colours. The answers are those of a fresh computation (``tests/test_checks``
    compares them after random edits); :func:`violations` is a fresh one.

    Parameters
    ----------
    plan : Plan
        Its ``blocks`` and ``area`` (the grids come with :meth:`update`).
    profile : Profile
    tolerance, compounds, sites
        As :func:`violations`.
    """

    #: Above this share of changed grids a full recomputation is cheaper.
    FULL_SHARE = 0.3

    def __init__(self, plan: Plan, profile: Profile, *, tolerance: Tolerance | None = None,
                 compounds: np.ndarray | None = None, sites: np.ndarray | None = None) -> None:
        self.profile = profile
        self.tolerance = tolerance or Tolerance()
        self.compounds = compounds
        self.sites = sites
        self.block_geoms = plan.blocks.geometry.values.to_numpy()
        self.block_hh = plan.blocks["households"].to_numpy(dtype=float)
        self.block_tree = shapely.STRtree(self.block_geoms)
        self.area = shapely.union_all(plan.area.geometry.values.to_numpy())
        shapely.prepare(self.area)
        self.reset()

    def reset(self) -> None:
        """Forget the last grids: the next :meth:`update` computes everything."""
        self._keys: list[Any] = []
        self._wkb: dict[Any, bytes] = {}
        self._geom: dict[Any, shapely.Geometry] = {}
        self._owner = np.full(len(self.block_geoms), None, dtype=object)
        self._pieces: dict[Any, tuple[int, Any]] = {}
        self._pairs: dict[tuple[Any, Any], shapely.Geometry] = {}
        self._gaps: list[shapely.Geometry] = []
        self._units: dict[tuple[str, str], tuple[tuple, shapely.Geometry, tuple[int, Any]]] = {}
        self._colour: dict[Any, int] = {}
        self.changed: set[Any] = set()
        self._units_dirty: set[Any] = set()
        self._colour_dirty: set[Any] = set()
        self.full = True

    # ------------------------------------------------------------------ keeping up

    def update(self, grids: pd.DataFrame) -> np.ndarray:
        """Take the grids as they now are; return the grid row of every block (:func:`block_grids`)."""
        keys = list(grids.index)
        geoms = grids.geometry.values.to_numpy()
        wkb = shapely.to_wkb(geoms)
        old_geom = self._geom
        changed = {k for k, w in zip(keys, wkb, strict=True) if self._wkb.get(k) != w}
        removed = set(self._wkb) - set(keys)
        valid = _valid(geoms)
        position = {k: i for i, k in enumerate(keys)}
        self.full = not self._keys or len(changed) + len(removed) > self.FULL_SHARE * max(len(keys), 1)
        tree = shapely.STRtree(valid) if len(valid) else None
        if self.full:
            self._owner[:] = None
            owner = largest_overlap(self.block_geoms, valid, BLOCK_SHARE) if len(valid) else \
                np.full(len(self.block_geoms), -1)
            self._owner[owner >= 0] = [keys[i] for i in owner[owner >= 0]]
            self._pieces = dict(zip(keys, _pieces(valid, self.tolerance), strict=True))
            self._pairs = {}
            self._overlaps(valid, keys, np.arange(len(keys)), tree)
            self._gaps = self._gaps_in(self.area, valid, tree)
            self._colour = {}
        else:
            touched = [old_geom[k] for k in changed | removed if k in old_geom] + \
                      [valid[position[k]] for k in changed]
            touched_arr = np.array(touched, dtype=object)
            blocks = np.unique(self.block_tree.query(touched_arr, predicate="intersects")[1]) if len(touched) else \
                np.array([], dtype=np.int64)
            if removed:
                self._owner[np.array([o in removed for o in self._owner], dtype=bool)] = None
            if len(blocks):
                owner = largest_overlap(self.block_geoms[blocks], valid, BLOCK_SHARE)
                self._owner[blocks] = [keys[i] if i >= 0 else None for i in owner]
            rows = np.array([position[k] for k in changed], dtype=np.int64)
            for k in removed:
                self._pieces.pop(k, None)
                self._colour.pop(k, None)
            if len(rows):
                self._pieces.update(zip([keys[r] for r in rows], _pieces(valid[rows], self.tolerance), strict=True))
            gone = changed | removed
            self._pairs = {p: g for p, g in self._pairs.items() if p[0] not in gone and p[1] not in gone}
            self._overlaps(valid, keys, rows, tree)
            if touched:
                region = shapely.union_all(touched_arr)
                kept = [h for h in self._gaps if not shapely.intersects(h, region)]
                dropped = [h for h in self._gaps if shapely.intersects(h, region)]
                region = shapely.union_all(np.array([region, *dropped], dtype=object))
                self._gaps = kept + self._gaps_in(shapely.intersection(self.area, region), valid, tree)
        self._keys, self._geom = keys, dict(zip(keys, valid, strict=True))
        self._wkb = dict(zip(keys, wkb, strict=True))
        self.changed = changed | removed
        self._units_dirty |= self.changed
        self._colour_dirty |= self.changed
        labels = np.full(len(self.block_geoms), -1, dtype=np.int64)
        has = np.array([o is not None for o in self._owner], dtype=bool)
        labels[has] = [position[o] for o in self._owner[has]]
        return labels

    def _overlaps(self, valid: np.ndarray, keys: list[Any], rows: np.ndarray, tree: shapely.STRtree | None) -> None:
        """Overlaps between the grids of ``rows`` and any other (interiors that meet, not slivers)."""
        if tree is None or len(rows) == 0 or len(valid) < 2:
            return
        a1, b1 = tree.query(valid[rows], predicate="overlaps")
        a2, b2 = tree.query(valid[rows], predicate="contains")
        a3, b3 = tree.query(valid[rows], predicate="within")
        left = rows[np.r_[a1, a2, a3]]
        right = np.r_[b1, b2, b3]
        keep = left != right
        pairs = np.unique(np.sort(np.column_stack([left[keep], right[keep]]), axis=1), axis=0)
        if len(pairs) == 0:
            return
        inter = shapely.intersection(valid[pairs[:, 0]], valid[pairs[:, 1]])
        parts, owner = _polygon_parts(inter)
        big = ~self.tolerance.slivers(parts) if len(parts) else np.zeros(0, dtype=bool)
        for i in np.unique(owner[big]):
            mine = parts[big & (owner == i)]
            geom = shapely.multipolygons(mine) if len(mine) > 1 else mine[0]
            self._pairs[(keys[int(pairs[i, 0])], keys[int(pairs[i, 1])])] = geom

    def _gaps_in(self, region: shapely.Geometry, valid: np.ndarray, tree: shapely.STRtree | None) -> list:
        """Parts of ``region`` (of the area) in no grid, slivers left out."""
        if shapely.is_empty(region):
            return []
        near = tree.query(region, predicate="intersects") if tree is not None else np.array([], dtype=np.int64)
        covered = shapely.union_all(valid[near]) if len(near) else shapely.Polygon()
        holes, _ = _polygon_parts(np.array([shapely.difference(region, covered)], dtype=object))
        return list(holes[~self.tolerance.slivers(holes)]) if len(holes) else []

    def colours(self, grids: pd.DataFrame) -> list[int]:
        """A colour index per grid (in the frame's order), grids sharing an edge different.

        Kept from the last call where no neighbour took it, so the map does not
        change colour everywhere after one edit; changed grids take the lowest
        index their neighbours leave.
        """
        keys = list(grids.index)
        geoms = np.array([self._geom[k] for k in keys], dtype=object)
        if len(geoms) == 0:
            return []
        if not self._colour:
            from .maps.colour import grid_colours

            self._colour = dict(zip(keys, (int(c) for c in grid_colours(geoms)), strict=True))
            self._colour_dirty = set()
            return [self._colour[k] for k in keys]
        redo = [i for i, k in enumerate(keys) if k in self._colour_dirty or k not in self._colour]
        if redo:
            tree = shapely.STRtree(geoms)
            a, b = tree.query(geoms[redo], predicate="intersects")
            a = np.asarray(redo)[a]
            keep = a != b
            a, b = a[keep], b[keep]
            length = shapely.length(shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b])))
            a, b = a[length > 1e-9], b[length > 1e-9]
            for i in redo:
                self._colour.pop(keys[i], None)
            for i in redo:
                taken = {self._colour.get(keys[j]) for j in b[a == i]}
                c = 0
                while c in taken:
                    c += 1
                self._colour[keys[i]] = c
        self._colour_dirty = set()
        return [self._colour[k] for k in keys]

    # ------------------------------------------------------------------ the answer

    def violations(self, grids: pd.DataFrame, labels: np.ndarray,
                   severities: tuple[str, ...] = ("error",)) -> list[Violation]:
        """Every broken rule of the grids last given to :meth:`update` (see :func:`violations`)."""
        profile = self.profile
        n = len(grids)
        keys = list(grids.index)
        geoms = np.array([self._geom[k] for k in keys], dtype=object)
        hh_blocks = self.block_hh
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
        found += _piece_violations("grid", codes, rows, [self._pieces[k] for k in keys], geoms, n_blocks == 0)

        # Upper levels: the unions of their grids (recomputed only for units whose grids changed).
        upper = [("community", "community_code", profile.community)]
        if profile.levels.groups:
            upper.append(("group", "group_code", profile.group))
        seen_units: set[tuple[str, str]] = set()
        for level, column, bounds in upper:
            if column not in grids:
                continue
            unit_of = grids[column].fillna("").astype(str).to_numpy()
            names, lab = np.unique(unit_of, return_inverse=True)
            members = [np.flatnonzero(lab == j) for j in range(len(names))]
            sel = [j for j in range(len(names)) if names[j] != ""]
            stale = []
            for j in sel:
                ukey = (level, str(names[j]))
                seen_units.add(ukey)
                signature = tuple(keys[r] for r in members[j])
                cached = self._units.get(ukey)
                if cached is None or cached[0] != signature or any(keys[r] in self._units_dirty for r in members[j]):
                    stale.append(j)
            if stale:
                flat = np.concatenate([members[j] for j in stale])
                lab_stale = np.concatenate([np.full(len(members[j]), i) for i, j in enumerate(stale)])
                u_geoms = dissolve_by_label(geoms[flat], lab_stale, len(stale))
                for i, (j, ug) in enumerate(zip(stale, u_geoms, strict=True)):
                    self._units[(level, str(names[j]))] = (tuple(keys[r] for r in members[j]), ug,
                                                           _pieces(np.array([ug], dtype=object), self.tolerance)[0])
            u_codes = [str(names[j]) for j in sel]
            u_rows = [members[j].tolist() for j in sel]
            u_geoms_all = np.array([self._units[(level, c)][1] for c in u_codes], dtype=object)
            u_hh = np.array([households[members[j]].sum() for j in sel])
            u_accepted = np.array([bool(len(members[j])) and all(accepted[members[j]]) for j in sel], dtype=bool)
            found += _bounds_checks(level, u_codes, u_rows, u_geoms_all, u_hh, u_accepted, bounds,
                                    ["every grid accepted" if a else "" for a in u_accepted])
            found += _piece_violations(level, u_codes, u_rows, [self._units[(level, c)][2] for c in u_codes],
                                       u_geoms_all, np.zeros(len(sel), dtype=bool))
        for ukey in set(self._units) - seen_units:
            del self._units[ukey]
        self._units_dirty = set()

        # Gaps and overlaps.
        tree = shapely.STRtree(geoms) if len(geoms) else None
        position = {k: i for i, k in enumerate(keys)}
        for hole in sorted(self._gaps, key=lambda h: shapely.get_coordinates(shapely.point_on_surface(h))[0].tolist()):
            near = sorted(int(x) for x in tree.query(shapely.buffer(hole, 0.01), predicate="intersects")) \
                if tree is not None else []
            a = float(shapely.area(hole))
            found.append(Violation("gap", "plan", near, [codes[r] for r in near], hole, a, f"{a:.0f} m² uncovered"))
        for (ka, kb), geom in sorted(self._pairs.items(), key=lambda kv: sorted((position[kv[0][0]],
                                                                                 position[kv[0][1]]))):
            a, b = sorted((position[ka], position[kb]))
            found.append(Violation("overlap", "plan", [a, b], [codes[a], codes[b]], geom, float(shapely.area(geom)),
                                   f"{shapely.area(geom):.0f} m² in two grids"))

        # Compounds that fit in one grid spread over several.
        if self.compounds is not None:
            comp = np.asarray(self.compounds)
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
                    found.append(Violation("split_compound", "grid", grid_rows, [codes[r] for r in grid_rows],
                                           shapely.union_all(self.block_geoms[inside]), len(grid_rows),
                                           f"compound of {int(comp_hh[c])} households in {len(grid_rows)} grids"))

        # Exclusive grids (专属网格) hold their site, whole and alone.
        if self.sites is not None:
            site = np.asarray(self.sites)
            exclusive = np.array(["exclusive" in f for f in flags], dtype=bool)
            frame = pd.DataFrame({"s": site[ok & (site >= 0)], "g": labels[ok & (site >= 0)]}).drop_duplicates()
            for s, grp in frame.groupby("s", sort=True):
                spread_rows = sorted(int(g) for g in grp["g"])
                if len(spread_rows) > 1:
                    found.append(Violation("split_exclusive", "grid", spread_rows, [codes[r] for r in spread_rows],
                                           shapely.union_all(self.block_geoms[site == s]), len(spread_rows),
                                           f"an exclusive site in {len(spread_rows)} grids"))
            for r in np.flatnonzero(exclusive):
                mine = labels == r
                if not (mine & (site >= 0)).any():
                    continue
                main = np.bincount(site[mine & (site >= 0)]).argmax()
                others = int((mine & (site != main)).sum())
                if others:
                    found.append(Violation("split_exclusive", "grid", [int(r)], [codes[int(r)]], geoms[r], others,
                                           f"exclusive grid holds {others} block(s) of no site or another site"))
        order = {k: i for i, k in enumerate(VIOLATION_KINDS)}
        levels = ("grid", "group", "community", "plan")
        found.sort(key=lambda v: (order.get(v.kind, len(order)), levels.index(v.level)))
        return [v for v in found if v.severity in severities]


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
        In the order of :data:`VIOLATION_KINDS`, then by level.

    Examples
    --------
    >>> import gridkit
    >>> plan = gridkit.partition(gridkit.read_area("data/samples/hk_tsim_sha_tsui.gpkg"), seed=0)
    >>> violations(plan, plan.profile())
    []
    >>> grids = plan.grids.copy()
    >>> grids.loc[0, "geometry"] = shapely.affinity.translate(grids.geometry[0], 40, 0)
    >>> sorted({v.kind for v in violations(dataclasses.replace(plan, grids=grids), plan.profile())})
    ['gap', 'overlap']
    """
    live = LiveChecks(plan, profile, tolerance=tolerance, compounds=compounds, sites=sites)
    found = live.update(plan.grids)
    return live.violations(plan.grids, found if labels is None else np.asarray(labels), severities)
