"""Editing a plan by hand: blocks move between grids, grids merge and split, and the plan follows.

The grid layer is the truth: a grid is a row of a grid frame (a GeoDataFrame
with ``code``, ``name``, ``community_code``, ``group_code``, ``locked``,
``flags`` and geometry, indexed by the editor's feature ids), and the blocks
of the plan belong to the grid covering at least half of each
(:func:`gridkit.checks.block_grids`). Every edit returns new grid geometries
that are exactly the union of their blocks (:func:`gridkit.plan.dissolve_units`),
so blocks and buildings are never cut. An :class:`Edit` lists what changes
(features to update, add, delete), so an editor such as the QGIS dock can apply
it as one undoable command and read the layer again.

The rules are the library's: violations from :mod:`gridkit.checks`, a split
into N and a rebalance through :mod:`gridkit.levels` (compounds kept whole,
locked grids kept exactly, exclusive grids kept), codes of new grids from
:func:`gridkit.codes.new_codes`, and the edited plan (:func:`edited_plan`,
``Plan.with_edits``) rescored by :func:`gridkit.metrics.compute_metrics`.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .area import Area
from .blocks import Blocks
from .changes import compare_plans
from .checks import LiveChecks, Tolerance, Violation, block_grids, bound_state
from .codes import GRID_WIDTH, new_codes
from .errors import GridkitError
from .exclusive import site_components
from .existing import Homes
from .geometry import dissolve_by_label, pair_lengths, shared_segments
from .graph import Edges, GraphArrays, edge_arrays, graph_edges, subgraph
from .io.values import truthy
from .levels import divide, solve_levels
from .plan import Plan, Prepared, assemble, dissolve_units
from .profile import Profile
from .progress import Progress, stages
from .slivers import absorb_slivers, empty_pieces, join_longest_edge
from .staffing import community_staffing, grid_staffing

__all__ = ["Edit", "EditError", "Editor", "edited_plan", "grids_frame", "GRID_COLUMNS", "LINE_STRETCH_M"]

#: Attributes of a grid an editor reads from its layer (all optional but ``code``).
GRID_COLUMNS = ("code", "name", "community_code", "group_code", "locked", "flags")
#: How far (m) a split line is stretched at both ends, so a line drawn just short of the edge still cuts.
LINE_STRETCH_M = 10.0
#: Share of a block a line's side must hold for the block to go to that side (the most).
_SUMS = ("households", "population", "buildings")


class EditError(GridkitError):
    """An edit that cannot be made (locked grid, line that cuts nothing, ...); the message says why."""


@dataclass
class Edit:
    """Changes to a grid layer: features to update, add and delete.

    ``update`` maps a feature id to new values (``geometry`` and attributes);
    ``add`` lists new features (``geometry`` and attributes).
    """

    update: dict[int, dict[str, Any]] = field(default_factory=dict)
    add: list[dict[str, Any]] = field(default_factory=list)
    delete: list[int] = field(default_factory=list)
    message: str = ""

    @property
    def empty(self) -> bool:
        return not (self.update or self.add or self.delete)


def grids_frame(records: list[dict[str, Any]], crs: Any) -> gpd.GeoDataFrame:
    """A grid frame from plain records (``fid``, ``wkb`` and the :data:`GRID_COLUMNS`).

    Examples
    --------
    >>> g = grids_frame([{"fid": 7, "wkb": shapely.box(0, 0, 1, 1).wkb, "code": "1", "locked": "是"}], None)
    >>> g.index.tolist(), g["locked"].tolist(), g["name"].tolist()
    ([7], [True], [''])
    """
    fids = [int(r["fid"]) for r in records]
    geoms = [shapely.from_wkb(r["wkb"]) if r.get("wkb") else shapely.Polygon() for r in records]
    data: dict[str, list[Any]] = {}
    for col in GRID_COLUMNS:
        values = [r.get(col) for r in records]
        data[col] = truthy(pd.Series(values, dtype=object)).tolist() if col == "locked" else \
            ["" if v is None else str(v) for v in values]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=crs, index=pd.Index(fids, name="fid"))


def _stay_attached(blocks: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Sides of ``blocks`` with every block that shares no edge with the rest of its side moved to the side
    it shares the longest edge with (a sliver along the drawn line, which would otherwise be left out of
    both grids' outlines)."""
    left, right, start, end, pair = shared_segments(blocks)
    length = pair_lengths(start, end, pair, len(left))
    side = side.copy()
    sides = int(side.max()) + 1 if len(side) else 0
    for _ in range(len(blocks)):
        touch = np.zeros((len(blocks), sides))
        np.add.at(touch, (left, side[right]), length)
        np.add.at(touch, (right, side[left]), length)
        own = touch[np.arange(len(blocks)), side]
        alone = np.bincount(side, minlength=sides)[side] == 1
        stray = np.flatnonzero((own == 0) & ~alone & (touch.max(axis=1) > 0))
        if len(stray) == 0:
            break
        side[stray[0]] = int(touch[stray[0]].argmax())
    return side


def _stretch(line: shapely.Geometry, by: float) -> shapely.Geometry:
    """The line with its first and last segments extended by ``by`` metres."""
    coords = np.asarray(shapely.get_coordinates(line), dtype=float)
    if len(coords) < 2:
        raise EditError("draw a line of at least two points")
    for end, prev in ((0, 1), (-1, -2)):
        d = coords[end] - coords[prev]
        n = float(np.hypot(*d))
        if n > 0:
            coords[end] = coords[end] + d / n * by
    return shapely.LineString(coords)


class Editor:
    """The blocks of one plan and what grids made of them look like.

    Parameters
    ----------
    plan : Plan
        From :func:`gridkit.read_plan`.
    compounds : ndarray of int, optional
        Compound of every block (-1: none); :meth:`open` finds them from the
        plan's input (its ``landuse``) when that file is still there.
    tolerance : Tolerance, optional
        What counts as a sliver in the checks.
    source : str
        The plan's file, if any.
    """

    def __init__(self, plan: Plan, *, compounds: np.ndarray | None = None, tolerance: Tolerance | None = None,
                 source: str = "") -> None:
        self.source = source
        self.tolerance = tolerance or Tolerance()
        self.compounds = compounds
        self.profile = plan.profile(source or "plan")
        self._set_plan(plan)

    def _set_plan(self, plan: Plan) -> None:
        self.plan = plan
        self.blocks = plan.blocks.reset_index(drop=True)
        self.block_geoms = self.blocks.geometry.values.to_numpy()
        self.block_index = {str(b): i for i, b in enumerate(self.blocks["block_id"].astype(str))}
        self.households = self.blocks["households"].to_numpy(dtype=float)
        self.max = int(self.profile.grid.max_households)
        self.min = int(self.profile.grid.min_households)
        self.precision = float(self.profile.blocks.precision_m)
        self.live = LiveChecks(plan, self.profile, tolerance=self.tolerance)
        self._edges: Edges | None = None
        self._arrays: GraphArrays | None = None
        # Exclusive grids of the plan as opened: their blocks are sites that stay one grid each.
        labels = block_grids(self.block_geoms, plan.grids.geometry.values.to_numpy())
        flags = plan.grids["flags"].fillna("").astype(str) if "flags" in plan.grids else \
            pd.Series([""] * len(plan.grids))
        exclusive = np.array(["exclusive" in f.split(",") for f in flags], dtype=bool)
        inside = labels >= 0
        in_site = np.zeros(len(labels), dtype=bool)
        in_site[inside] = exclusive[labels[inside]]
        self.sites = np.where(in_site, labels, -1).astype(np.int64)

    def reload(self, plan: Plan) -> None:
        """Take the plan as saved (later edits and ``changes`` compare with it)."""
        self._set_plan(plan)

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | Path, *, tolerance: Tolerance | None = None, compounds: bool = True) -> Editor:
        """Read a plan GeoPackage; find its compounds from its input when that is readable."""
        from .io.write import read_plan

        editor = cls(read_plan(path), tolerance=tolerance, source=str(path))
        if compounds:
            editor.compounds = editor.compounds_from_input(Path(path))
        return editor

    def compounds_from_input(self, plan_path: Path | None = None) -> np.ndarray | None:
        """Compound of every block from the plan's input's ``landuse`` (None when the input is gone).

        The input is looked for where the run table says, then beside the plan.
        """
        from .area import read_area
        from .compounds import block_compounds, compound_polygons

        given = self.plan.run_value("input")
        if not given:
            return None
        base = plan_path.parent if plan_path is not None else Path(".")
        candidates = [Path(given), base / given, base / Path(given).name]
        found = next((p for p in candidates if p.exists()), None)
        if found is None:
            return None
        try:
            area = read_area(found, from_gcj02=self.plan.run_value("from_gcj02") == "true", profile=self.profile)
        except GridkitError:
            return None
        polys = compound_polygons(area.landuse, area.existing, self.profile)
        if len(polys) == 0:
            return np.full(len(self.blocks), -1, dtype=np.int64)
        polys = polys.set_crs(area.crs, allow_override=True).to_crs(self.blocks.crs)
        return block_compounds(self.blocks, polys, self.profile.compounds.min_block_share)

    def info(self) -> dict[str, Any]:
        """What an editor shows about the session."""
        p = self.profile
        return {
            "blocks": len(self.blocks),
            "max_households": self.max,
            "min_households": self.min,
            "target_households": int(p.grid.target_households),
            "target_band": float(p.grid.target_band),
            "community_min": int(p.community.min_households),
            "community_max": int(p.community.max_households),
            "community_target": int(p.community.target_households),
            "profile": p.name,
            "crs": self.blocks.crs.to_wkt() if self.blocks.crs is not None else "",
            "compounds_known": self.compounds is not None,
            "compounds": int(len(np.unique(self.compounds[self.compounds >= 0]))) if self.compounds is not None
            else 0,
            "tolerance_m2": self.tolerance.area_m2,
        }

    # ------------------------------------------------------------------ reading the layer

    def assignment(self, grids: gpd.GeoDataFrame) -> np.ndarray:
        """Row (position in ``grids``) of the grid each block belongs to; -1 where none covers half of it.

        Kept up to date by :class:`gridkit.checks.LiveChecks`: only blocks under grids that changed
        since the last call are looked at again.
        """
        return self.live.update(grids)

    def _sums(self, labels: np.ndarray, k: int) -> dict[str, np.ndarray]:
        ok = labels >= 0
        out = {}
        for col in _SUMS:
            w = self.blocks[col].to_numpy(dtype=float)[ok]
            out[col] = np.bincount(labels[ok], weights=w, minlength=k).round().astype(int)
        out["blocks"] = np.bincount(labels[ok], minlength=k).astype(int)
        return out

    def _values(self, members: np.ndarray, geom: shapely.Geometry | None = None) -> dict[str, Any]:
        """Geometry (union of ``members``' blocks) and the statistics columns of one grid."""
        if geom is None:
            geom = self.union(members)
        hh = float(self.households[members].sum())
        values: dict[str, Any] = {"geometry": geom, "area_m2": round(float(shapely.area(geom)), 1)}
        for col in _SUMS:
            values[col] = int(round(float(self.blocks[col].to_numpy(dtype=float)[members].sum())))
        staff = grid_staffing(np.array([hh]), self.profile.staffing).iloc[0]
        values.update({k: int(v) for k, v in staff.items()})
        return values

    def union(self, members: np.ndarray) -> shapely.Geometry:
        """The union of some blocks, made as gridkit makes grid geometry."""
        members = np.asarray(members, dtype=np.int64)
        if len(members) == 0:
            return shapely.Polygon()
        return dissolve_units(self.blocks.iloc[members], np.zeros(len(members), dtype=np.int64), self.precision)[0]

    def statistics(self, grids: gpd.GeoDataFrame, labels: np.ndarray | None = None) -> pd.DataFrame:
        """Per grid (indexed like ``grids``): households, population, buildings, blocks, area and staff."""
        labels = self.assignment(grids) if labels is None else labels
        sums = self._sums(labels, len(grids))
        frame = pd.DataFrame(sums, index=grids.index)
        frame["area_m2"] = shapely.area(grids.geometry.values.to_numpy()).round(1)
        staff = grid_staffing(sums["households"], self.profile.staffing)
        staff.index = grids.index
        return pd.concat([frame, staff], axis=1)

    def colours(self, grids: gpd.GeoDataFrame) -> dict[str, str]:
        """Grid code → fill colour, neighbours different (the wall chart's palette)."""
        from .maps.colour import palette_colour

        self.live.update(grids)
        return {str(c): palette_colour(int(i)) for c, i in zip(grids["code"], self.live.colours(grids), strict=True)}

    def violations(self, grids: gpd.GeoDataFrame, labels: np.ndarray | None = None,
                   severities: tuple[str, ...] = ("error",)) -> list[Violation]:
        """Every broken rule (:func:`gridkit.checks.violations`) of the grids as they are."""
        found = self.live.update(grids)
        return self._found(grids, found if labels is None else labels, severities)

    def _found(self, grids: gpd.GeoDataFrame, labels: np.ndarray, severities: tuple[str, ...]) -> list[Violation]:
        self.live.tolerance = self.tolerance
        self.live.compounds, self.live.sites = self.compounds, self.sites
        return self.live.violations(grids, labels, severities)

    def check(self, grids: gpd.GeoDataFrame) -> dict[str, Any]:
        """Statistics, violations (errors), notes (accepted exceptions, warnings) and colours, in one pass.

        Violations and notes are dicts (:meth:`gridkit.checks.Violation.as_dict`)
        with ``fids`` (the feature ids of their grids) besides ``rows``.
        """
        labels = self.assignment(grids)
        stats = self.statistics(grids, labels)
        fids = grids.index.to_numpy()
        found = self._found(grids, labels, ("error", "accepted", "warning"))

        def plain(v: Violation) -> dict[str, Any]:
            return {**v.as_dict(), "fids": [int(fids[r]) for r in v.rows]}

        return {"stats": stats, "violations": [plain(v) for v in found if v.severity == "error"],
                "notes": [plain(v) for v in found if v.severity != "error"], "colours": self.colours(grids),
                "unassigned_blocks": int((labels < 0).sum())}

    # ------------------------------------------------------------------ edits

    def _row(self, grids: gpd.GeoDataFrame, fid: int) -> int:
        try:
            return int(grids.index.get_loc(int(fid)))
        except KeyError:
            raise EditError(f"grid feature {fid} is not in the layer") from None

    @staticmethod
    def _refuse_locked(grids: gpd.GeoDataFrame, rows: list[int]) -> None:
        for r in rows:
            if bool(grids["locked"].iat[r]):
                raise EditError(f"grid {grids['code'].iat[r]} is locked; unlock it first")

    def _regroup(self, grids: gpd.GeoDataFrame, labels: np.ndarray, rows: set[int], message: str) -> Edit:
        """Update (or delete, when emptied) the grids of ``rows`` from new ``labels``."""
        edit = Edit(message=message)
        for r in sorted(rows):
            members = np.flatnonzero(labels == r)
            fid = int(grids.index[r])
            if len(members) == 0:
                edit.delete.append(fid)
            else:
                edit.update[fid] = self._values(members)
        return edit

    def block_ids(self, ids: list[str]) -> np.ndarray:
        """Positions of blocks by ``block_id``."""
        missing = [i for i in ids if str(i) not in self.block_index]
        if missing:
            raise EditError(f"block {missing[0]} is not in this plan")
        return np.array([self.block_index[str(i)] for i in ids], dtype=np.int64)

    def move_blocks(self, grids: gpd.GeoDataFrame, block_ids: list[str], target_fid: int) -> Edit:
        """Move blocks into the grid ``target_fid``."""
        target = self._row(grids, target_fid)
        labels = self.assignment(grids)
        blocks = self.block_ids(block_ids)
        moving = blocks[labels[blocks] != target]
        if len(moving) == 0:
            return Edit(message="nothing to move")
        givers = {int(r) for r in labels[moving] if r >= 0}
        self._refuse_locked(grids, [target, *sorted(givers)])
        labels = labels.copy()
        labels[moving] = target
        # A move that leaves the receiving or a giving grid in pieces is refused: the plan could not be saved.
        for r in sorted({target, *givers}):
            members = np.flatnonzero(labels == r)
            pieces = len(shapely.get_parts(self.union(members))) if len(members) else 1
            if pieces > 1:
                raise EditError(f"the move would leave grid {grids['code'].iat[r]} in {pieces} pieces")
        return self._regroup(grids, labels, {target, *givers},
                             f"{len(moving)} block(s) to {grids['code'].iat[target]}")

    def preview_move(self, grids: gpd.GeoDataFrame, block_ids: list[str], target_fid: int) -> dict[str, Any]:
        """What :meth:`move_blocks` would do, without doing it: households per grid before and after.

        Returns
        -------
        dict
            ``grids``: feature id → ``{"code", "before", "after", "blocks_after", "state_before",
            "state"}`` for the receiving and every giving grid, the states being
            :func:`gridkit.checks.bound_state` of the households before and after against the
            profile's grid bounds; ``target``: the receiving grid's feature id; ``emptied``: feature
            ids left with no block; ``locked``: feature ids that refuse the move; ``moving``: how
            many blocks change grid.
        """
        target = self._row(grids, target_fid)
        labels = self.assignment(grids)
        blocks = self.block_ids(block_ids)
        moving = blocks[labels[blocks] != target]
        rows = sorted({target, *(int(r) for r in labels[moving] if r >= 0)})
        after = labels.copy()
        after[moving] = target
        out: dict[int, dict[str, Any]] = {}
        for r in rows:
            before = int(round(float(self.households[labels == r].sum())))
            now = int(round(float(self.households[after == r].sum())))
            out[int(grids.index[r])] = {
                "code": str(grids["code"].iat[r]), "before": before, "after": now,
                "blocks_after": int((after == r).sum()), "state_before": bound_state(before, self.profile.grid),
                "state": bound_state(now, self.profile.grid)}
        locked = [int(grids.index[r]) for r in rows if bool(grids["locked"].iat[r])]
        emptied = [f for f, v in out.items() if v["blocks_after"] == 0]
        return {"grids": out, "target": int(target_fid), "emptied": emptied, "locked": locked,
                "moving": int(len(moving))}

    def merge(self, grids: gpd.GeoDataFrame, keep_fid: int, other_fid: int) -> Edit:
        """Merge grid ``other_fid`` into ``keep_fid`` (which keeps its code and name)."""
        keep, other = self._row(grids, keep_fid), self._row(grids, other_fid)
        if keep == other:
            raise EditError("pick two different grids to merge")
        self._refuse_locked(grids, [keep, other])
        labels = self.assignment(grids).copy()
        labels[labels == other] = keep
        return self._regroup(grids, labels, {keep, other}, f"{grids['code'].iat[other]} into {grids['code'].iat[keep]}")

    def _split_edit(self, grids: gpd.GeoDataFrame, row: int, groups: list[np.ndarray], message: str) -> Edit:
        """The grid of ``row`` keeps the heaviest group; the others become new grids."""
        groups = sorted((g for g in groups if len(g)), key=lambda g: (-self.households[g].sum(), int(g.min())))
        if len(groups) < 2:
            raise EditError("the grid would not be divided: no block on the other side")
        fid = int(grids.index[row])
        edit = Edit(message=message)
        edit.update[fid] = self._values(groups[0])
        community = str(grids["community_code"].iat[row])
        name = str(grids["name"].iat[row])
        names = set(grids["name"].astype(str))
        codes = new_codes(grids["code"].astype(str), community, len(groups) - 1, GRID_WIDTH)
        for i, (members, code) in enumerate(zip(groups[1:], codes, strict=True)):
            new_name = f"{name}-{i + 2}"
            while new_name in names:
                new_name += "'"
            names.add(new_name)
            edit.add.append({**self._values(members), "code": code, "name": new_name, "community_code": community,
                             "group_code": str(grids["group_code"].iat[row]), "locked": False, "flags": ""})
        return edit

    def split_by_line(self, grids: gpd.GeoDataFrame, fid: int, line: shapely.Geometry) -> Edit:
        """Split a grid along a drawn line: each block goes to the side holding most of it."""
        row = self._row(grids, fid)
        self._refuse_locked(grids, [row])
        labels = self.assignment(grids)
        members = np.flatnonzero(labels == row)
        line = _stretch(line, LINE_STRETCH_M)
        grid = shapely.make_valid(grids.geometry.values[row])
        pieces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(
            [shapely.boundary(grid), line]))))
        pieces = pieces[shapely.within(shapely.point_on_surface(pieces), grid)] if len(pieces) else pieces
        if len(pieces) < 2:
            raise EditError(f"the line does not cross grid {grids['code'].iat[row]} from edge to edge")
        blocks = self.block_geoms[members]
        share = np.stack([shapely.area(shapely.intersection(blocks, p)) for p in pieces])
        side = _stay_attached(blocks, share.argmax(axis=0))
        groups = [members[side == i] for i in range(len(pieces))]
        return self._split_edit(grids, row, groups, f"{grids['code'].iat[row]} split along a line")

    def graph(self) -> GraphArrays:
        """The plan's block graph (built once per session, as gridkit builds it)."""
        if self._arrays is None:
            self._edges = graph_edges(self.blocks, self.plan.roads, self.plan.barriers, self.profile,
                                      self.plan.buildings)
            self._arrays = edge_arrays(self.blocks, self._edges)
        return self._arrays

    def _compounds(self) -> np.ndarray:
        return self.compounds if self.compounds is not None else np.full(len(self.blocks), -1, dtype=np.int64)

    def split_into(self, grids: gpd.GeoDataFrame, fid: int, n: int) -> Edit:
        """Divide a grid into ``n`` connected grids of about equal households (:func:`gridkit.levels.divide`).

        Compounds that fit in a grid stay whole. When the streets (or a
        compound) do not allow ``n``, nothing changes and the error says why
        and how many they allow.
        """
        row = self._row(grids, fid)
        self._refuse_locked(grids, [row])
        if n < 2:
            raise EditError("split into at least 2 grids")
        labels = self.assignment(grids)
        members = np.flatnonzero(labels == row)
        code = grids["code"].iat[row]
        if len(members) < n:
            raise EditError(f"grid {code} cannot be split into {n}: it has only {len(members)} block(s)")
        sub = subgraph(self.graph(), members)
        # What a barrier cuts off that nobody lives in (a sliver, a pond the grid rings) is no part to divide:
        # the rest is divided and each such piece goes with the part it shares the longest edge with.
        empty = empty_pieces(sub)
        core = np.flatnonzero(~empty) if (~empty).any() else np.arange(len(members))
        division = divide(subgraph(sub, core), n, self.profile.grid, self.profile,
                          compounds=self._compounds()[members][core])
        if division.parts != n:
            raise EditError(f"grid {code} cannot be split into {n}: {division.reason}"
                            + (f"; {division.parts} is possible" if division.parts > 1 else ""))
        labels = np.full(len(members), -1, dtype=np.int64)
        labels[core] = division.labels
        labels = join_longest_edge(self.block_geoms[members], labels, labels < 0)
        labels[labels < 0] = 0  # touching no divided block: not in a grid that is one piece, kept anyway
        groups = [members[labels == k] for k in range(division.parts)]
        return self._split_edit(grids, row, groups, f"{code} into {n}")

    def split_pieces(self, grids: gpd.GeoDataFrame) -> Edit:
        """Every grid and community in several pieces saved as that many units.

        A merge of grids that do not touch, or a grid given to a community it
        does not touch, leaves a unit in two pieces, which a plan cannot hold
        (the ``contiguity`` invariant). Here each extra piece of a grid becomes
        a grid of its own (a new code in its community), and each extra piece
        of a community a new community (a new code after the street office's
        highest), whose grids take codes under it. The piece with the most
        households keeps the unit's code.
        """
        from .codes import COMMUNITY_WIDTH
        from .geometry import largest_overlap

        labels = self._with_nearest(grids, self.assignment(grids))
        edit = Edit(message="units in several pieces saved as separate units")
        codes = set(grids["code"].astype(str))
        names = set(grids["name"].astype(str))
        # Grids: pieces of the union of their blocks (joined at a corner counts as apart, as in metrics).
        pieces: list[tuple[int, np.ndarray]] = []  # (row, members) of every piece, the first of a row kept
        for r in range(len(grids)):
            members = np.flatnonzero(labels == r)
            if len(members) == 0:
                continue
            union = self.union(members)
            parts = shapely.get_parts(union)
            if len(parts) < 2:
                pieces.append((r, members))
                continue
            part_of = largest_overlap(self.block_geoms[members], parts)
            groups = sorted((members[part_of == k] for k in range(len(parts)) if (part_of == k).any()),
                            key=lambda g: (-self.households[g].sum(), int(g.min())))
            pieces += [(r, g) for g in groups]
        # Communities: the same with the grid pieces as parts.
        comm = [str(grids["community_code"].iat[r]) for r, _ in pieces]
        new_comm = list(comm)
        taken = set(comm)
        for c in sorted(set(comm)):
            idx = [i for i, x in enumerate(comm) if x == c]
            union = self.union(np.concatenate([pieces[i][1] for i in idx]))
            parts = shapely.get_parts(union)
            if len(parts) < 2:
                continue
            geoms = np.array([self.union(pieces[i][1]) for i in idx], dtype=object)
            part_of = largest_overlap(geoms, parts)
            weight = [sum(self.households[pieces[i][1]].sum() for i, k in zip(idx, part_of, strict=True) if k == p)
                      for p in range(len(parts))]
            keep = int(np.argmax(weight))
            for p in sorted(set(int(k) for k in part_of) - {keep}):
                code = new_codes(taken, c[:-COMMUNITY_WIDTH], 1, COMMUNITY_WIDTH)[0]
                taken.add(code)
                for i, k in zip(idx, part_of, strict=True):
                    if k == p:
                        new_comm[i] = code
        seen: set[int] = set()
        for i, (r, members) in enumerate(pieces):
            fid = int(grids.index[r])
            moved = new_comm[i] != comm[i]
            first = r not in seen
            seen.add(r)
            if first and not moved and len([p for p in pieces if p[0] == r]) == 1:
                continue  # whole, and where it was
            values = self._values(members)
            if first and not moved:
                edit.update[fid] = values
                continue
            code = new_codes(codes, new_comm[i], 1, GRID_WIDTH)[0]
            codes.add(code)
            if first:
                edit.update[fid] = {**values, "code": code, "community_code": new_comm[i]}
                continue
            name = f"{grids['name'].iat[r]}-2"
            while name in names:
                name += "'"
            names.add(name)
            edit.add.append({**values, "code": code, "name": name, "community_code": new_comm[i],
                             "group_code": str(grids["group_code"].iat[r]), "locked": False,
                             "flags": str(grids["flags"].iat[r])})
        if edit.empty:
            edit.message = "every unit is one piece"
        return edit

    def set_locked(self, grids: gpd.GeoDataFrame, fids: list[int], locked: bool) -> Edit:
        """Lock or unlock grids (a locked grid refuses edits and a rebalance keeps it exactly)."""
        edit = Edit(message=("lock " if locked else "unlock ") + ", ".join(
            str(grids["code"].iat[self._row(grids, f)]) for f in fids))
        for f in fids:
            self._row(grids, f)
            edit.update[int(f)] = {"locked": bool(locked)}
        return edit

    def _with_nearest(self, grids: gpd.GeoDataFrame, labels: np.ndarray) -> np.ndarray:
        """Labels where a block no grid covers by half (a gap left by hand) joins the nearest grid."""
        lost = np.flatnonzero(labels < 0)
        if len(lost) == 0 or len(grids) == 0:
            return labels
        geoms = shapely.make_valid(grids.geometry.values.to_numpy())
        labels = labels.copy()
        labels[lost] = shapely.STRtree(geoms).nearest(self.block_geoms[lost])
        return labels

    def rebalance(self, grids: gpd.GeoDataFrame, *, seed: int | None = None,
                  progress: Progress | None = None) -> Edit:
        """Re-solve every unlocked grid, the locked ones kept exactly.

        :func:`gridkit.levels.solve_levels` on the plan's own block graph, with
        the grids and communities as they now are as the existing plan (so it
        stays where the rules allow), the compounds (from the input's landuse)
        kept whole and the plan's exclusive grids kept as sites; then
        :func:`gridkit.plan.assemble` gives codes (kept where a new grid matches
        an old one), names and flags, as ``gridkit partition --existing`` would.

        Parameters
        ----------
        grids : GeoDataFrame
            The grid frame.
        seed : int, optional
        progress : callable, optional
            ``progress(fraction, stage)`` (:mod:`gridkit.progress`).
        """
        labels = self._with_nearest(grids, self.assignment(grids))
        locked = grids["locked"].to_numpy(dtype=bool)
        if len(grids) == 0:
            raise EditError("the grid layer is empty")
        if locked.all():
            raise EditError("every grid is locked: nothing to rebalance")
        profile = self.profile.with_seed(seed)
        steps = stages(progress, (("block graph", 0.1), ("communities and grids", 0.75), ("codes and names", 0.15)))
        next(steps)
        arrays = self.graph()
        _, step = next(steps)
        codes = grids["code"].astype(str).to_numpy()
        geoms = grids.geometry.values.to_numpy()
        comm_of = grids["community_code"].astype(str).to_numpy()
        comm_codes, comm_lab = np.unique(comm_of, return_inverse=True)
        comm_geoms = dissolve_by_label(shapely.make_valid(geoms), comm_lab, len(comm_codes))
        named = {}
        if self.plan.communities is not None:
            named = dict(zip(self.plan.communities["code"].astype(str), self.plan.communities["name"].astype(str),
                             strict=True))
        homes: dict[str, Homes | None] = {
            "grid": Homes(home=labels, locked=locked[labels], codes=codes, geoms=geoms,
                          names=grids["name"].astype(str).to_numpy()),
            "community": Homes(home=comm_lab[labels], locked=np.zeros(len(labels), dtype=bool), codes=comm_codes,
                               geoms=comm_geoms, names=np.array([named.get(c, "") for c in comm_codes], dtype=object)),
        }
        src = np.repeat(np.arange(arrays.n), np.diff(arrays.indptr))
        pieces = site_components((src, arrays.indices), np.where(locked[labels], -1, self.sites))
        levels = solve_levels(arrays, profile, compounds=self._compounds(), home_community=comm_lab[labels],
                              home_grid=labels, locked_grid=locked[labels], exclusive=pieces, progress=step)
        from .metrics import barrier_check  # metrics imports Plan; keep the cycle out of import time
        levels = absorb_slivers(levels, self.block_geoms, arrays, profile,
                                split=barrier_check(self.plan.barriers, self.plan.roads, self.plan.buildings, profile))
        next(steps)
        new = assemble(self._prepared(profile, arrays), levels, homes=homes)
        next(steps, None)

        new_grids = new.grids
        new_labels = block_grids(self.block_geoms, new_grids.geometry.values.to_numpy())
        edit = Edit(message="rebalanced the unlocked grids")
        old_by_code = {str(c): int(f) for c, f, lk in zip(codes, grids.index, locked, strict=True) if not lk}
        locked_codes = set(codes[locked])
        free = ~locked[labels]
        used: set[int] = set()
        for r in range(len(new_grids)):
            code = str(new_grids["code"].iat[r])
            if code in locked_codes:
                continue
            members = np.flatnonzero((new_labels == r) & free)
            if len(members) == 0:
                continue
            attrs = {**self._values(members, new_grids.geometry.values[r]), "code": code,
                     "name": str(new_grids["name"].iat[r]), "community_code": str(new_grids["community_code"].iat[r]),
                     "group_code": str(new_grids["group_code"].iat[r]), "locked": False,
                     "flags": str(new_grids["flags"].iat[r])}
            fid = old_by_code.get(code)
            if fid is not None:
                edit.update[fid] = attrs
                used.add(fid)
            else:
                edit.add.append(attrs)
        edit.delete = sorted(f for f in old_by_code.values() if f not in used)
        return edit

    def _prepared(self, profile: Profile, arrays: GraphArrays) -> Prepared:
        """The plan's own blocks, buildings and lines as :func:`gridkit.plan.assemble` takes them."""
        plan = self.plan
        a = plan.area
        first = a.iloc[0] if len(a) else {}
        area = Area(boundary=shapely.union_all(a.geometry.values.to_numpy()), roads=plan.roads,
                    barriers=plan.barriers, buildings=plan.buildings, crs=plan.crs,
                    source=str(first.get("source", "") or ""), name=str(first.get("name", "") or ""),
                    code=str(first.get("code", "") or ""))
        block_of = self.blocks.reset_index(drop=True)["block_id"].astype(str)
        position = pd.Series(np.arange(len(block_of)), index=block_of.to_numpy())
        building_block = position.reindex(plan.buildings["block_id"].astype(str).to_numpy()).fillna(0).astype(
            np.int64).to_numpy()
        made = Blocks(blocks=self.blocks.drop(columns=[c for c in ("grid_code", "group_code", "community_code")
                                                       if c in self.blocks]),
                      building_block=building_block, log=[])
        if self._edges is None:
            self.graph()
        assert self._edges is not None
        return Prepared(area=area, profile=profile, buildings=plan.buildings, made=made, edges=self._edges,
                        arrays=arrays, log=[], started=time.time())

    # ------------------------------------------------------------------ the edited plan

    def to_plan(self, grids: gpd.GeoDataFrame, *, edited_with: str = "") -> Plan:
        """The whole plan as ``grids`` now divide it (:func:`edited_plan`)."""
        return edited_plan(self.plan, grids, self.profile, labels=self.assignment(grids),
                           precision=self.precision, edited_with=edited_with)


def edited_plan(plan: Plan, grids: gpd.GeoDataFrame, profile: Profile | None = None, *,
                labels: np.ndarray | None = None, precision: float | None = None,
                upper: dict[str, gpd.GeoDataFrame | None] | None = None, edited_with: str = "") -> Plan:
    """The plan as an edited grid frame divides its blocks, rescored.

    Grid geometry is the union of each grid's blocks (locked grids keep their
    geometry exactly); a block no grid covers by half (a gap left by hand
    editing) joins the nearest grid; grids holding no block are dropped.
    Codes, names, flags and locks are the frame's; communities (and groups)
    are the unions of their grids, with their sums and staffing; the
    ``changes`` layer compares with ``plan``; metrics by
    :func:`gridkit.metrics.compute_metrics`.

    Parameters
    ----------
    plan : Plan
        The plan as saved.
    grids : GeoDataFrame
        The grid frame (:data:`GRID_COLUMNS` and geometry).
    profile : Profile, optional
        Default: the plan's own.
    labels : ndarray of int, optional
        Grid row of every block, when the caller has it.
    precision : float, optional
        Coordinate precision of the unions (default: the profile's ``blocks.precision_m``).
    upper : dict, optional
        ``communities`` and ``groups`` whose codes, names, locks and flags the
        edited plan's upper units take (default: ``plan``'s own); a scenario
        (:mod:`gridkit.scenarios`) brings its own.
    edited_with : str
        Recorded in the run table (``edited_with``).

    Returns
    -------
    Plan
    """
    from .metrics import compute_metrics

    profile = profile or plan.profile()
    precision = float(profile.blocks.precision_m) if precision is None else precision
    if len(grids) == 0:
        raise EditError("the grid layer is empty")
    blocks = plan.blocks.reset_index(drop=True).copy()
    block_geoms = blocks.geometry.values.to_numpy()
    labels = block_grids(block_geoms, grids.geometry.values.to_numpy()) if labels is None else labels.copy()
    lost = np.flatnonzero(labels < 0)
    if len(lost):
        labels[lost] = shapely.STRtree(shapely.make_valid(grids.geometry.values.to_numpy())).nearest(
            block_geoms[lost])
    keep_rows = np.unique(labels)  # grids holding no block are dropped
    relabel = np.full(len(grids), -1, dtype=np.int64)
    relabel[keep_rows] = np.arange(len(keep_rows))
    lab = relabel[labels]
    g = grids.iloc[keep_rows]
    k = len(g)
    geoms = dissolve_units(blocks, lab, precision)
    locked = g["locked"].to_numpy(dtype=bool)
    geoms = np.where(locked, g.geometry.values.to_numpy(), geoms)  # locked grids keep their geometry exactly
    sums = {c: np.bincount(lab, weights=blocks[c].to_numpy(dtype=float), minlength=k).round().astype(int)
            for c in _SUMS}
    codes = g["code"].astype(str).to_numpy()
    out_grids = gpd.GeoDataFrame({
        "code": codes, "name": g["name"].astype(str).to_numpy(),
        "community_code": g["community_code"].astype(str).to_numpy(),
        "group_code": g["group_code"].astype(str).to_numpy(), **sums,
        "area_m2": shapely.area(geoms).round(1), "locked": locked, "flags": g["flags"].astype(str).to_numpy(),
    }, geometry=list(geoms), crs=blocks.crs)
    out_grids = pd.concat([out_grids, grid_staffing(sums["households"], profile.staffing)], axis=1)

    blocks["grid_code"] = codes[lab]
    blocks["community_code"] = out_grids["community_code"].to_numpy()[lab]
    blocks["group_code"] = out_grids["group_code"].to_numpy()[lab]
    bld = plan.buildings.copy()
    index = {str(b): i for i, b in enumerate(blocks["block_id"].astype(str))}
    pos = bld["block_id"].astype(str).map(index)
    known = pos.notna().to_numpy()
    pos = pos.fillna(0).astype(int).to_numpy()
    for col in ("grid_code", "community_code", "group_code"):
        values = bld[col].astype(str).to_numpy().copy()
        values[known] = blocks[col].astype(str).to_numpy()[pos[known]]
        bld[col] = values
    units = {"communities": plan.communities, "groups": plan.groups, **(upper or {})}
    communities = _upper(units["communities"], blocks, "community_code", out_grids, profile, precision)
    groups = _upper(units["groups"], blocks, "group_code", None, profile, precision)
    run = pd.concat([plan.run, pd.DataFrame([
        ("edited", time.strftime("%Y-%m-%dT%H:%M:%S%z")),
        ("edited_with", edited_with or "gridkit.edits"),
    ], columns=["key", "value"])], ignore_index=True)
    edited = Plan(grids=out_grids.sort_values("code").reset_index(drop=True), blocks=blocks, buildings=bld,
                  area=plan.area, roads=plan.roads, barriers=plan.barriers, run=run, communities=communities,
                  groups=groups)
    edited = dataclasses.replace(edited, changes=compare_plans(plan, edited))
    return dataclasses.replace(edited, metrics=compute_metrics(edited, profile))


def _upper(units: gpd.GeoDataFrame | None, blocks: gpd.GeoDataFrame, column: str, grids: gpd.GeoDataFrame | None,
           profile: Profile, precision: float) -> gpd.GeoDataFrame | None:
    """Communities (``grids`` given: their grid counts and staffing) or groups again: the union of their
    blocks and their sums."""
    if units is None or len(units) == 0:
        return units
    codes = blocks[column].astype(str).to_numpy()
    present = [c for c in units["code"].astype(str) if (codes == c).any()]
    keep = units[units["code"].astype(str).isin(present)].reset_index(drop=True)
    # A unit the edits made (a rebalance may add a community) gets a row of its own.
    known = set(units["code"].astype(str))
    extra = sorted({c for c in codes if c and c not in known})
    if extra:
        keep = pd.concat([keep, pd.DataFrame({"code": extra, "name": ["" for _ in extra]})], ignore_index=True)
    order = {c: i for i, c in enumerate(keep["code"].astype(str))}
    lab = np.array([order.get(c, -1) for c in codes], dtype=np.int64)
    inside = lab >= 0
    geoms = dissolve_units(blocks[inside], lab[inside], precision)
    attrs = pd.DataFrame(keep).drop(columns=[c for c in ("geometry",) if c in keep])
    if "community_code" in attrs and grids is None:  # a group's community: its blocks' (one, as groups nest)
        first = pd.Series(blocks["community_code"].astype(str).to_numpy()[inside]).groupby(lab[inside]).first()
        attrs["community_code"] = first.reindex(range(len(keep))).fillna("").to_numpy()
    out = gpd.GeoDataFrame(attrs, geometry=list(geoms), crs=blocks.crs)
    for col in _SUMS:
        w = blocks[col].to_numpy(dtype=float)[inside]
        out[col] = np.bincount(lab[inside], weights=w, minlength=len(keep)).round().astype(int)
    out["area_m2"] = shapely.area(geoms).round(1)
    if grids is not None:
        out["grids"] = [int((grids["community_code"].astype(str) == c).sum()) for c in keep["code"].astype(str)]
        staff = community_staffing(out["households"].to_numpy(), out["population"].to_numpy(), profile.staffing)
        for col in staff:
            out[col] = staff[col].to_numpy()
    return out
