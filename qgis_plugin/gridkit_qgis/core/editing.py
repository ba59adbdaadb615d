"""The editing model of the dock: which blocks belong to which grid.

Pure Python over GeoDataFrames; no Qt. It runs in the gridkit worker process
(docs/qgis.md), never inside QGIS.

The grid layer is the truth: a grid is a feature of the plan's ``grids``
layer, and the blocks of the plan's ``blocks`` layer belong to the grid that
covers most of them (at least half). Every edit returns new grid geometries
that are exactly the union of their blocks (as :func:`gridkit.plan.dissolve_units`
makes them), so blocks and buildings are never cut. The dock applies an
:class:`Edit` to the layer inside one edit command, so QGIS's own undo stack
undoes it, and the model simply reads the layer again.

A snapshot of the grid layer is a GeoDataFrame indexed by feature id with
``code``, ``name``, ``community_code``, ``group_code``, ``locked``, ``flags``
(:func:`grids_frame` builds one from plain records).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import gridkit
from gridkit.changes import compare_plans
from gridkit.codes import GRID_WIDTH
from gridkit.compounds import block_compounds, compound_polygons
from gridkit.engine import Bounds, partition_graph
from gridkit.errors import GridkitError
from gridkit.graph import build_graph, graph_arrays, subgraph
from gridkit.maps import grid_fill_colours
from gridkit.metrics import BOUND_EXEMPT, compute_metrics
from gridkit.plan import Plan, dissolve_units
from gridkit.profile import Profile, load_profile, profile_from_text
from gridkit.staffing import community_staffing, grid_staffing

__all__ = ["Tolerance", "Edit", "EditError", "EditModel", "grids_frame", "GRID_COLUMNS", "VIOLATION_KINDS"]

#: Attributes of a grid the model reads from the layer (all optional but ``code``).
GRID_COLUMNS = ("code", "name", "community_code", "group_code", "locked", "flags")
#: Kinds of violation, in the order the dock lists them.
VIOLATION_KINDS = ("over_max", "not_contiguous", "gap", "overlap", "split_compound")
#: Flags that exempt a grid from the maximum (as gridkit's metrics), besides a single heavy block.
_EXEMPT = set(BOUND_EXEMPT) - {"oversize_building"}
#: How far a split line is stretched at both ends, so a line drawn just short of the edge still cuts.
_LINE_STRETCH_M = 10.0


class EditError(GridkitError):
    """An edit that cannot be made (locked grid, line that cuts nothing, ...); the message says why."""


@dataclass(frozen=True)
class Tolerance:
    """What counts as a sliver: a piece smaller than ``area_m2`` or thinner than ``width_m``.

    Slivers from editing (overlay crumbs, a vertex dragged a little off) are
    never reported as gaps, overlaps or extra parts.
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


@dataclass
class Edit:
    """Changes to the grid layer: features to update, add and delete.

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
    """A grid snapshot from plain records (``fid``, ``wkb`` and the :data:`GRID_COLUMNS`)."""
    fids = [int(r["fid"]) for r in records]
    geoms = [shapely.from_wkb(r["wkb"]) if r.get("wkb") else shapely.Polygon() for r in records]
    data = {}
    for col in GRID_COLUMNS:
        values = [r.get(col) for r in records]
        if col == "locked":
            data[col] = [_truthy(v) for v in values]
        else:
            data[col] = ["" if v is None else str(v) for v in values]
    frame = gpd.GeoDataFrame(data, geometry=geoms, crs=crs, index=pd.Index(fids, name="fid"))
    return frame


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "t", "y"}
    return bool(value) if value is not None and value == value else False


def _plan_profile(plan: Plan) -> Profile:
    text = plan.run_value("profile")
    return profile_from_text(text, "plan run table 'profile'") if text else load_profile("default")


def _polygons(geom: shapely.Geometry) -> np.ndarray:
    """The polygons of any geometry (collections from overlays hold lines and points too)."""
    parts = shapely.get_parts(shapely.get_parts(np.asarray([geom], dtype=object)))
    return parts[shapely.get_type_id(parts) == 3] if len(parts) else parts


class EditModel:
    """The blocks of one plan and what the grids made of them look like.

    Parameters
    ----------
    plan : Plan
        From :func:`gridkit.read_plan`.
    compounds : ndarray of int, optional
        Compound of every block (-1: none); by default found from the plan's
        input (its ``landuse``), when that file is still there.
    tolerance : Tolerance
    """

    def __init__(self, plan: Plan, *, compounds: np.ndarray | None = None, tolerance: Tolerance | None = None,
                 source: str = "") -> None:
        self.plan = plan
        self.source = source
        self.profile = _plan_profile(plan)
        self.tolerance = tolerance or Tolerance()
        self.blocks = plan.blocks.reset_index(drop=True)
        self.block_geoms = self.blocks.geometry.values.to_numpy()
        self.block_index = {str(b): i for i, b in enumerate(self.blocks["block_id"].astype(str))}
        self.households = self.blocks["households"].to_numpy(dtype=float)
        self.max = int(self.profile.grid.max_households)
        self.min = int(self.profile.grid.min_households)
        self.precision = float(self.profile.blocks.precision_m)
        self.area = shapely.union_all(plan.area.geometry.values.to_numpy())
        self.compounds = compounds
        self._graph = None

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | Path, *, tolerance: Tolerance | None = None, compounds: bool = True) -> EditModel:
        """Read a plan GeoPackage; find its compounds from its input when that is readable."""
        plan = gridkit.read_plan(path)
        model = cls(plan, tolerance=tolerance, source=str(path))
        if compounds:
            model.compounds = model._compounds_from_input(Path(path))
        return model

    def _compounds_from_input(self, plan_path: Path) -> np.ndarray | None:
        given = self.plan.run_value("input")
        if not given:
            return None
        candidates = [Path(given), plan_path.parent / given, plan_path.parent / Path(given).name]
        found = next((p for p in candidates if p.exists()), None)
        if found is None:
            return None
        try:
            area = gridkit.read_area(found, from_gcj02=self.plan.run_value("from_gcj02") == "true")
        except GridkitError:
            return None
        polys = compound_polygons(area.landuse, area.existing, self.profile)
        if len(polys) == 0:
            return np.full(len(self.blocks), -1, dtype=np.int64)
        polys = polys.set_crs(area.crs, allow_override=True).to_crs(self.blocks.crs)
        return block_compounds(self.blocks, polys, self.profile.compounds.min_block_share)

    def info(self) -> dict[str, Any]:
        """What the dock shows about the session."""
        return {
            "blocks": len(self.blocks),
            "max_households": self.max,
            "min_households": self.min,
            "profile": self.profile.name,
            "crs": self.blocks.crs.to_wkt() if self.blocks.crs is not None else "",
            "compounds_known": self.compounds is not None,
            "compounds": int(len(np.unique(self.compounds[self.compounds >= 0]))) if self.compounds is not None
            else 0,
            "tolerance_m2": self.tolerance.area_m2,
        }

    # ------------------------------------------------------------------ reading the layer

    def assignment(self, grids: gpd.GeoDataFrame) -> np.ndarray:
        """Row (position in ``grids``) of the grid each block belongs to; -1 where none covers half of it."""
        out = np.full(len(self.blocks), -1, dtype=np.int64)
        geoms = grids.geometry.values.to_numpy()
        if len(geoms) == 0:
            return out
        valid = shapely.make_valid(geoms)
        b, g = shapely.STRtree(valid).query(self.block_geoms, predicate="intersects")
        if len(b) == 0:
            return out
        share = shapely.area(shapely.intersection(self.block_geoms[b], valid[g])) / np.maximum(
            shapely.area(self.block_geoms[b]), 1e-12)
        frame = pd.DataFrame({"b": b, "g": g, "s": share}).sort_values(["b", "s", "g"], ascending=[True, False, True])
        frame = frame.drop_duplicates("b")
        frame = frame[frame["s"] >= 0.5]
        out[frame["b"].to_numpy()] = frame["g"].to_numpy()
        return out

    def _sums(self, labels: np.ndarray, k: int) -> dict[str, np.ndarray]:
        ok = labels >= 0
        out = {}
        for col in ("households", "population", "buildings"):
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
        for col in ("households", "population", "buildings"):
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
        """Per grid (indexed by feature id): households, population, buildings, blocks, area and staff."""
        labels = self.assignment(grids) if labels is None else labels
        k = len(grids)
        sums = self._sums(labels, k)
        frame = pd.DataFrame(sums, index=grids.index)
        frame["area_m2"] = shapely.area(grids.geometry.values.to_numpy()).round(1)
        staff = grid_staffing(sums["households"], self.profile.staffing)
        staff.index = grids.index
        return pd.concat([frame, staff], axis=1)

    def colours(self, grids: gpd.GeoDataFrame) -> dict[str, str]:
        """Grid code → fill colour, neighbours different (:func:`gridkit.maps.grid_fill_colours`)."""
        if len(grids) == 0:
            return {}
        return grid_fill_colours(SimpleNamespace(grids=grids.reset_index(drop=True)))

    # ------------------------------------------------------------------ violations

    def violations(self, grids: gpd.GeoDataFrame, labels: np.ndarray | None = None) -> list[dict[str, Any]]:
        """Every broken rule, with where it is: a list of dicts with ``kind``, ``fids``, ``codes``,
        ``geometry``, ``value`` and ``message`` (see :data:`VIOLATION_KINDS`)."""
        labels = self.assignment(grids) if labels is None else labels
        out: list[dict[str, Any]] = []
        fids = grids.index.to_numpy()
        codes = grids["code"].astype(str).to_numpy()
        geoms = grids.geometry.values.to_numpy()
        sums = self._sums(labels, len(grids))

        def add(kind: str, rows: list[int], geom: shapely.Geometry, value: float, message: str) -> None:
            out.append({"kind": kind, "fids": [int(fids[r]) for r in rows], "codes": [str(codes[r]) for r in rows],
                        "geometry": geom, "value": float(value), "message": message})

        # Over the maximum (a grid of one heavy block and flagged exceptions are accepted, as in gridkit).
        flags = grids["flags"].fillna("").astype(str).map(lambda f: set(f.split(","))).to_numpy()
        locked = grids["locked"].to_numpy(dtype=bool)
        heaviest = np.zeros(len(grids))
        ok = labels >= 0
        np.maximum.at(heaviest, labels[ok], self.households[ok])
        for r in np.flatnonzero(sums["households"] > self.max):
            # One block over the maximum holding all of the grid's households is one building: accepted.
            single = heaviest[r] > self.max and heaviest[r] == sums["households"][r]
            if single or locked[r] or flags[r] & _EXEMPT:
                continue
            add("over_max", [r], geoms[r], sums["households"][r],
                f"{sums['households'][r]} households > {self.max}")

        # Not contiguous: more than one piece that is not a sliver.
        for r, geom in enumerate(geoms):
            parts = _polygons(geom)
            big = parts[~self.tolerance.slivers(parts)] if len(parts) else parts
            if len(big) > 1:
                order = np.argsort(-shapely.area(big))
                add("not_contiguous", [r], shapely.multipolygons(big[order[1:]]), len(big), f"{len(big)} pieces")
            elif len(big) == 0 and sums["blocks"][r] == 0:
                add("not_contiguous", [r], geom, 0, "no block")

        valid = shapely.make_valid(geoms) if len(geoms) else geoms
        # Gaps: parts of the area no grid covers.
        covered = shapely.union_all(valid) if len(valid) else shapely.Polygon()
        holes = _polygons(shapely.difference(self.area, covered))
        for hole in holes[~self.tolerance.slivers(holes)] if len(holes) else holes:
            near = shapely.STRtree(valid).query(shapely.buffer(hole, 0.01), predicate="intersects") \
                if len(valid) else []
            add("gap", sorted(int(n) for n in near), hole, shapely.area(hole), f"{shapely.area(hole):.0f} m² uncovered")

        # Overlaps between grids.
        if len(valid) > 1:
            left, right = shapely.STRtree(valid).query(valid, predicate="intersects")
            keep = left < right
            for a, b in zip(left[keep], right[keep], strict=True):
                parts = _polygons(shapely.intersection(valid[a], valid[b]))
                parts = parts[~self.tolerance.slivers(parts)] if len(parts) else parts
                if len(parts):
                    geom = shapely.multipolygons(parts) if len(parts) > 1 else parts[0]
                    add("overlap", [int(a), int(b)], geom, shapely.area(geom),
                        f"{shapely.area(geom):.0f} m² in two grids")

        # Split compounds: a compound that fits in one grid spread over several.
        if self.compounds is not None:
            comp = self.compounds
            for c in np.unique(comp[comp >= 0]):
                members = np.flatnonzero(comp == c)
                if self.households[members].sum() > self.max:
                    continue
                rows = np.unique(labels[members][labels[members] >= 0])
                if len(rows) > 1:
                    add("split_compound", [int(r) for r in rows], self.union(members), len(rows),
                        f"compound of {int(self.households[members].sum())} households in {len(rows)} grids")
        return out

    def check(self, grids: gpd.GeoDataFrame) -> dict[str, Any]:
        """Statistics, violations and colours of a snapshot, in one pass."""
        labels = self.assignment(grids)
        stats = self.statistics(grids, labels)
        return {"stats": stats, "violations": self.violations(grids, labels), "colours": self.colours(grids),
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
        return self._regroup(grids, labels, {target, *givers},
                             f"{len(moving)} block(s) to {grids['code'].iat[target]}")

    def merge(self, grids: gpd.GeoDataFrame, keep_fid: int, other_fid: int) -> Edit:
        """Merge grid ``other_fid`` into ``keep_fid`` (which keeps its code and name)."""
        keep, other = self._row(grids, keep_fid), self._row(grids, other_fid)
        if keep == other:
            raise EditError("pick two different grids to merge")
        self._refuse_locked(grids, [keep, other])
        labels = self.assignment(grids).copy()
        labels[labels == other] = keep
        edit = self._regroup(grids, labels, {keep, other}, f"{grids['code'].iat[other]} into {grids['code'].iat[keep]}")
        return edit

    def _new_codes(self, grids: gpd.GeoDataFrame, community: str, n: int) -> list[str]:
        """``n`` unused grid codes in a community: the next serials after the highest."""
        codes = grids["code"].astype(str)
        serials = [int(c[-GRID_WIDTH:]) for c in codes if c.startswith(community) and c[-GRID_WIDTH:].isdigit()
                   and len(c) == len(community) + GRID_WIDTH]
        start = max(serials, default=0) + 1
        taken = set(codes)
        out: list[str] = []
        s = start
        while len(out) < n:
            code = f"{community}{s:0{GRID_WIDTH}d}"
            if code not in taken:
                out.append(code)
            s += 1
        return out

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
        for i, (members, code) in enumerate(zip(groups[1:], self._new_codes(grids, community, len(groups) - 1),
                                                strict=True)):
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
        line = _stretch(line, _LINE_STRETCH_M)
        grid = shapely.make_valid(grids.geometry.values[row])
        pieces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(
            [shapely.boundary(grid), line]))))
        pieces = pieces[shapely.within(shapely.point_on_surface(pieces), grid)] if len(pieces) else pieces
        if len(pieces) < 2:
            raise EditError(f"the line does not cross grid {grids['code'].iat[row]} from edge to edge")
        blocks = self.block_geoms[members]
        share = np.stack([shapely.area(shapely.intersection(blocks, p)) for p in pieces])
        side = share.argmax(axis=0)
        groups = [members[side == i] for i in range(len(pieces))]
        return self._split_edit(grids, row, groups, f"{grids['code'].iat[row]} split along a line")

    def graph(self):  # noqa: ANN201 - GraphArrays
        """The plan's block graph (built once per session, as gridkit builds it)."""
        if self._graph is None:
            g = build_graph(self.blocks, self.plan.roads, self.plan.barriers, self.profile)
            self._graph = graph_arrays(g)
        return self._graph

    def split_into(self, grids: gpd.GeoDataFrame, fid: int, n: int) -> Edit:
        """Divide a grid into ``n`` connected grids of about equal households (gridkit's engine on its blocks)."""
        row = self._row(grids, fid)
        self._refuse_locked(grids, [row])
        if n < 2:
            raise EditError("split into at least 2 grids")
        labels = self.assignment(grids)
        members = np.flatnonzero(labels == row)
        if len(members) < n:
            raise EditError(f"grid {grids['code'].iat[row]} has only {len(members)} block(s)")
        total = float(self.households[members].sum())
        share = math.ceil(total / n)
        heaviest = int(self.households[members].max())
        most = max(heaviest, min(self.max, math.ceil(share * 1.15)))
        bounds = Bounds(min(self.min, share // 2), share, max(most, 1))
        p = self.profile.partition
        result = partition_graph(subgraph(self.graph(), members), bounds, seed=p.seed, passes=p.refine_passes,
                                 compactness_weight=p.compactness_weight, unit_cost=self.profile.roads.cost_minor)
        groups = [members[result.labels == k] for k in np.unique(result.labels)]
        got = len(groups)
        message = f"{grids['code'].iat[row]} into {got}" + ("" if got == n else f" (asked {n}: the roads allow {got})")
        return self._split_edit(grids, row, groups, message)

    def set_locked(self, grids: gpd.GeoDataFrame, fids: list[int], locked: bool) -> Edit:
        edit = Edit(message=("lock " if locked else "unlock ") + ", ".join(
            str(grids["code"].iat[self._row(grids, f)]) for f in fids))
        for f in fids:
            self._row(grids, f)
            edit.update[int(f)] = {"locked": bool(locked)}
        return edit

    def rebalance(self, grids: gpd.GeoDataFrame, *, seed: int | None = None, progress=None) -> Edit:  # noqa: ANN001
        """Re-solve every unlocked grid with the locked ones kept exactly.

        A thin call of :func:`gridkit.partition`: the plan's own buildings
        (with their households), roads, barriers and area, with the current
        grids as the existing plan (locks and all). The new grids are mapped
        back onto this plan's blocks, so their geometry stays the union of the
        blocks the dock edits.
        """
        progress = progress or (lambda pct, text: None)
        labels = self.assignment(grids)
        rows = np.arange(len(grids))
        locked = grids["locked"].to_numpy(dtype=bool)
        if locked.all():
            raise EditError("every grid is locked: nothing to rebalance")
        progress(5, "preparing the area")
        current = [self.union(np.flatnonzero(labels == r)) if not locked[r] else grids.geometry.values[r]
                   for r in rows]
        existing = gpd.GeoDataFrame({
            "level": "grid", "code": grids["code"].astype(str).to_numpy(), "name": grids["name"].astype(str).to_numpy(),
            "locked": locked}, geometry=current, crs=self.blocks.crs)
        comms = self._community_frame(grids, labels)
        if len(comms):
            existing = pd.concat([existing, comms], ignore_index=True)
        b = self.plan.buildings
        keep = [c for c in ("building_id", "building", "name", "households", "population", "building:levels",
                            "levels", "height") if c in b]
        layers = {"buildings": gpd.GeoDataFrame(b[keep], geometry=b.geometry.values, crs=b.crs),
                  "roads": self.plan.roads, "barriers": self.plan.barriers, "boundary": self.plan.area}
        area = gridkit.area_from_layers(layers, where=self.source or "plan")
        area = dataclasses.replace(area, existing=existing.to_crs(area.crs))
        progress(15, "partitioning the unlocked grids")
        new = gridkit.partition(area, self.profile, seed=seed)
        progress(90, "mapping the result onto the blocks")
        new_grids = new.grids.to_crs(self.blocks.crs)
        new_labels = self.assignment(new_grids)
        lost = np.flatnonzero((new_labels < 0) & ~np.isin(labels, np.flatnonzero(locked)))
        if len(lost):  # a block the new grids do not cover by half joins the nearest one
            new_labels[lost] = shapely.STRtree(new_grids.geometry.values.to_numpy()).nearest(self.block_geoms[lost])
        edit = Edit(message="rebalanced the unlocked grids")
        old_by_code = {str(c): int(f) for c, f, lk in zip(grids["code"], grids.index, locked, strict=True) if not lk}
        locked_codes = set(grids["code"].astype(str)[locked])
        used: set[int] = set()
        for r in range(len(new_grids)):
            code = str(new_grids["code"].iat[r])
            if code in locked_codes:
                continue
            members = np.flatnonzero((new_labels == r) & ~np.isin(labels, np.flatnonzero(locked)))
            if len(members) == 0:
                continue
            attrs = {**self._values(members), "code": code, "name": str(new_grids["name"].iat[r]),
                     "community_code": str(new_grids["community_code"].iat[r]),
                     "group_code": str(new_grids["group_code"].iat[r]), "locked": False,
                     "flags": str(new_grids["flags"].iat[r])}
            fid = old_by_code.get(code)
            if fid is not None:
                edit.update[fid] = attrs
                used.add(fid)
            else:
                edit.add.append(attrs)
        edit.delete = sorted(f for f in old_by_code.values() if f not in used)
        progress(100, "done")
        return edit

    def _community_frame(self, grids: gpd.GeoDataFrame, labels: np.ndarray) -> gpd.GeoDataFrame:
        """The communities as the grids now make them (level ``community``, unlocked)."""
        comms = self.plan.communities
        if comms is None or len(comms) == 0:
            return gpd.GeoDataFrame({"level": [], "code": [], "name": [], "locked": []}, geometry=[],
                                    crs=self.blocks.crs)
        grid_comm = grids["community_code"].astype(str).to_numpy()
        block_comm = np.where(labels >= 0, grid_comm[np.maximum(labels, 0)], "")
        rows = []
        for code, name in zip(comms["code"].astype(str), comms["name"].astype(str), strict=True):
            members = np.flatnonzero(block_comm == code)
            if len(members):
                rows.append({"level": "community", "code": code, "name": name, "locked": False,
                             "geometry": self.union(members)})
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=self.blocks.crs) if rows else \
            gpd.GeoDataFrame({"level": [], "code": [], "name": [], "locked": []}, geometry=[], crs=self.blocks.crs)

    # ------------------------------------------------------------------ the edited plan

    def to_plan(self, grids: gpd.GeoDataFrame) -> Plan:
        """The whole plan as the grid layer now divides it, rescored by :func:`gridkit.metrics.compute_metrics`.

        Grid geometry is the union of each grid's blocks; a block no grid
        covers (a gap left by hand editing) joins the nearest grid. Codes,
        names and locks are the layer's; communities (and groups) are the
        unions of their grids; ``changes`` compares with the plan as saved.
        """
        plan = self.plan
        labels = self.assignment(grids)
        if len(grids) == 0:
            raise EditError("the grid layer is empty")
        lost = np.flatnonzero(labels < 0)
        if len(lost):
            geoms = shapely.make_valid(grids.geometry.values.to_numpy())
            labels = labels.copy()
            labels[lost] = shapely.STRtree(geoms).nearest(self.block_geoms[lost])
        present = np.unique(labels)
        keep_rows = present  # grids holding no block are dropped
        relabel = np.full(len(grids), -1, dtype=np.int64)
        relabel[keep_rows] = np.arange(len(keep_rows))
        lab = relabel[labels]
        g = grids.iloc[keep_rows]
        k = len(g)
        geoms = dissolve_units(self.blocks, lab, self.precision)
        locked = g["locked"].to_numpy(dtype=bool)
        geoms = np.where(locked, g.geometry.values.to_numpy(), geoms)  # locked grids keep their geometry exactly
        sums = self._sums(lab, k)
        codes = g["code"].astype(str).to_numpy()
        out_grids = gpd.GeoDataFrame({
            "code": codes, "name": g["name"].astype(str).to_numpy(),
            "community_code": g["community_code"].astype(str).to_numpy(),
            "group_code": g["group_code"].astype(str).to_numpy(),
            "households": sums["households"], "population": sums["population"], "buildings": sums["buildings"],
            "area_m2": shapely.area(geoms).round(1), "locked": locked, "flags": g["flags"].astype(str).to_numpy(),
        }, geometry=list(geoms), crs=self.blocks.crs)
        out_grids = pd.concat([out_grids, grid_staffing(sums["households"], self.profile.staffing)], axis=1)

        blocks = self.blocks.copy()
        blocks["grid_code"] = codes[lab]
        blocks["community_code"] = out_grids["community_code"].to_numpy()[lab]
        blocks["group_code"] = out_grids["group_code"].to_numpy()[lab]
        bld = plan.buildings.copy()
        pos = bld["block_id"].astype(str).map(self.block_index)
        known = pos.notna().to_numpy()
        pos = pos.fillna(0).astype(int).to_numpy()
        for col in ("grid_code", "community_code", "group_code"):
            values = bld[col].astype(str).to_numpy().copy()
            values[known] = blocks[col].astype(str).to_numpy()[pos[known]]
            bld[col] = values
        communities = self._upper(plan.communities, blocks, "community_code", out_grids, community=True)
        groups = self._upper(plan.groups, blocks, "group_code", out_grids, community=False)
        run = pd.concat([plan.run, pd.DataFrame([
            ("edited", time.strftime("%Y-%m-%dT%H:%M:%S%z")),
            ("edited_with", "gridkit QGIS plugin"),
        ], columns=["key", "value"])], ignore_index=True)
        edited = Plan(grids=out_grids.sort_values("code").reset_index(drop=True), blocks=blocks, buildings=bld,
                      area=plan.area, roads=plan.roads, barriers=plan.barriers, run=run, communities=communities,
                      groups=groups)
        changes = compare_plans(plan, edited)
        edited = dataclasses.replace(edited, changes=changes)
        return dataclasses.replace(edited, metrics=compute_metrics(edited, self.profile))

    def _upper(self, units: gpd.GeoDataFrame | None, blocks: gpd.GeoDataFrame, column: str,
               grids: gpd.GeoDataFrame, *, community: bool) -> gpd.GeoDataFrame | None:
        """Communities or groups again: the union of their blocks, their sums and staffing."""
        if units is None or len(units) == 0:
            return units
        codes = blocks[column].astype(str).to_numpy()
        present = [c for c in units["code"].astype(str) if (codes == c).any()]
        keep = units[units["code"].astype(str).isin(present)].reset_index(drop=True)
        order = {c: i for i, c in enumerate(keep["code"].astype(str))}
        lab = np.array([order.get(c, -1) for c in codes], dtype=np.int64)
        inside = lab >= 0
        geoms = dissolve_units(blocks[inside], lab[inside], self.precision)
        attrs = pd.DataFrame(keep).drop(columns=[c for c in ("geometry",) if c in keep])
        out = gpd.GeoDataFrame(attrs, geometry=list(geoms), crs=self.blocks.crs)
        for col in ("households", "population", "buildings"):
            w = blocks[col].to_numpy(dtype=float)[inside]
            out[col] = np.bincount(lab[inside], weights=w, minlength=len(keep)).round().astype(int)
        out["area_m2"] = shapely.area(geoms).round(1)
        if community:
            out["grids"] = [int((grids["community_code"].astype(str) == c).sum()) for c in keep["code"].astype(str)]
            staff = community_staffing(out["households"].to_numpy(), out["population"].to_numpy(),
                                       self.profile.staffing)
            for col in staff:
                out[col] = staff[col].to_numpy()
        return out


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
