"""Adopting a division made elsewhere: another tool's grid layer becomes a gridkit plan to edit.

A street office often has grids already, drawn in another GIS with its own column names
(``编码``, ``网格名称``, ``户数`` …) and its own idea of where a boundary runs. Adopting them
keeps that division and gives it everything a gridkit plan has, so the editing dock, ``validate``,
maps and reports work on it:

1. The grid layer's columns are mapped (:func:`grid_columns`): the code, name, households and
   community columns the user names, else the first column whose header is a usual name for
   one (:data:`COLUMN_ALIASES`, compared as table headers are, :func:`gridkit.io.tables.normalise_header`).
   A column named but missing, codes used twice, a count that is not one, a layer without a
   CRS or polygons are refused with one message.
2. The area is the union of the grids (:func:`gridkit.area.read_area` ``within=``), in the local
   metric CRS whatever CRS the grid layer is in; the grids are the area's existing grids, so their
   boundaries cut the street blocks as an existing plan's do, and households come from the input as
   for a partition (given, register, or estimated). When the layer has households per grid, the
   estimated buildings of each grid are scaled to that total (:func:`gridkit.calibrate.calibrate`
   with totals per grid); given figures are never changed.
3. Each block goes to the grid it overlaps most (:func:`gridkit.geometry.largest_overlap`; a block
   in none, the nearest grid). Communities come from the community column, else the engine forms
   them from whole grids (:func:`gridkit.levels.solve_levels` with every grid locked);
   :func:`gridkit.plan.assemble` names and codes them, and the plan's grids are then the blocks'
   grids (:func:`gridkit.edits.edited_plan`): each grid's geometry the union of its blocks, with the
   layer's code and name where it has them (gridkit's where it has not), unlocked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .area import Area
from .calibrate import Totals
from .codes import GRID_WIDTH, new_codes
from .compounds import block_compounds, compound_polygons
from .crs import check_coordinates, given_crs
from .errors import InputError, reason
from .existing import Homes
from .geometry import largest_overlap
from .io.read import read_layer
from .io.tables import normalise_header
from .io.values import counts, listed
from .levels import Levels, solve_levels
from .plan import Plan, assemble, prepare
from .profile import Profile, load_profile
from .progress import Progress, stages
from .register import COLUMN_ALIASES as REGISTER_ALIASES, RegisterMatch

__all__ = ["COLUMN_ALIASES", "GRID_FIELDS", "ForeignGrids", "grid_columns", "read_grids", "foreign_grids", "adopt"]

#: What a foreign grid layer's columns may hold.
GRID_FIELDS = ("code", "name", "households", "community")
#: Usual header names of each, in order of preference (compared without case, spaces or units).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "grid_code", "gridcode", "网格编码", "网格编号", "网格代码", "网格号", "编码", "编号", "代码"),
    "name": ("name", "grid_name", "gridname", "网格名称", "网格名", "名称"),
    "households": REGISTER_ALIASES["households"],
    "community": ("community_code", "community", "社区编码", "社区代码", "所属社区", "社区", "社区名称", "居委会",
                  "村"),
}
#: Stages of :func:`adopt` and their share of its time; the first is :func:`gridkit.plan.prepare`, which names its own.
ADOPT_STAGES: tuple[tuple[str | None, float], ...] = (
    (None, 0.75), ("communities", 0.1), ("units, names and metrics", 0.15))


@dataclass(frozen=True)
class ForeignGrids:
    """A grid layer read for adoption (:func:`foreign_grids`).

    Attributes
    ----------
    units : GeoDataFrame
        One row per grid feature with a polygon: ``feature`` (its number in the layer, from 1),
        ``code`` (the layer's, ``""`` when it has none), ``name``, ``households`` (float, NaN when
        not given), ``community`` (text), geometry, in the layer's CRS.
    columns : dict
        Which column each of :data:`GRID_FIELDS` was read from (those found).
    source : str
        The layer, for messages and the run table.
    """

    units: gpd.GeoDataFrame
    columns: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @property
    def keys(self) -> np.ndarray:
        """A unique key per grid: its code, or ``#<feature>`` when it has none."""
        code = self.units["code"].to_numpy(dtype=object)
        return np.where(code != "", code, "#" + self.units["feature"].astype(str).to_numpy()).astype(object)

    def totals(self) -> Totals | None:
        """The grids' known households as totals per grid (None when the layer has none)."""
        hh = self.units["households"].to_numpy(dtype=float)
        known = ~np.isnan(hh)
        if not known.any():
            return None
        rows = pd.DataFrame({"code": self.keys[known], "name": "", "households": hh[known], "population": np.nan,
                             "row": self.units["feature"].to_numpy()[known]})
        return Totals(rows, self.source, [("adopt_households_column", self.columns["households"])], level="grid")

    def existing(self, crs: CRS) -> gpd.GeoDataFrame:
        """The grids (and their communities, when known) as an area's existing division, in ``crs``."""
        units = self.units.to_crs(crs)
        geoms = shapely.make_valid(units.geometry.values.to_numpy())
        frames = [gpd.GeoDataFrame({"level": "grid", "code": self.keys, "name": units["name"].to_numpy(),
                                    "locked": False}, geometry=geoms, crs=crs)]
        if "community" in self.columns:
            names, lab = np.unique(units["community"].to_numpy(dtype=str), return_inverse=True)
            merged = [shapely.union_all(geoms[lab == i]) for i in range(len(names))]
            frames.append(gpd.GeoDataFrame({"level": "community", "code": names,
                                            "name": [n if not n.isdigit() else "" for n in names], "locked": False},
                                           geometry=merged, crs=crs))
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs)


def grid_columns(columns: Iterable[str], named: dict[str, str | None] | None = None, *,
                 where: str = "grid layer") -> dict[str, str]:
    """Which column holds each of :data:`GRID_FIELDS`: the one named in ``named``, else the first
    column whose header is one of :data:`COLUMN_ALIASES` (fields found in neither are left out).

    Raises
    ------
    InputError
        A named column the layer does not have (the message lists those it has).

    Examples
    --------
    >>> grid_columns(["FID_1", "网格编码", "名称", "户数（户）"])
    {'code': '网格编码', 'name': '名称', 'households': '户数（户）'}
    >>> grid_columns(["编码", "名称"], {"households": "HH"})
    Traceback (most recent call last):
    ...
    gridkit.errors.InputError: grid layer: has no column 'HH' for the households (its columns: 编码, 名称)
    """
    columns = [str(c) for c in columns]
    named_: dict[str, str] = {k: v for k, v in (named or {}).items() if v}
    found: dict[str, str] = {}
    for key in GRID_FIELDS:
        if key in named_:
            if named_[key] not in columns:
                raise InputError(f"{where}: has no column {named_[key]!r} for the {key} "
                                 f"(its columns: {listed(columns, 20)})")
            found[key] = named_[key]
            continue
        taken = set(found.values()) | set(named_.values())
        for alias in COLUMN_ALIASES[key]:
            hit = next((c for c in columns if c not in taken and normalise_header(c) == normalise_header(alias)),
                       None)
            if hit is not None:
                found[key] = hit
                break
    return found


def foreign_grids(gdf: gpd.GeoDataFrame, where: str, *, code_column: str | None = None,
                  name_column: str | None = None, households_column: str | None = None,
                  community_column: str | None = None) -> ForeignGrids:
    """Read a grid layer made elsewhere (see the module docstring).

    Raises
    ------
    InputError
        No CRS, no polygon, a named column missing, a code used twice, a households value that
        is not a count (features named).
    """
    if gdf.crs is None:
        raise InputError(f"{where}: has no coordinate reference system (CRS); set the layer's CRS first, or "
                         "give it with --crs (read_grids(crs=…))")
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    found = grid_columns(columns, {"code": code_column, "name": name_column, "households": households_column,
                                   "community": community_column}, where=where)
    geoms = gdf.geometry.values.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    polygonal = present & np.isin(shapely.get_type_id(geoms), [3, 6])
    if not polygonal.any():
        raise InputError(f"{where}: has no polygon; adopt a layer of grid polygons")
    rows = gdf[polygonal].reset_index(drop=True)
    check_coordinates(np.asarray(shapely.total_bounds(rows.geometry.values.to_numpy()), dtype=float),
                      CRS.from_user_input(gdf.crs), where)
    feature = np.flatnonzero(polygonal) + 1

    def text(key: str) -> np.ndarray:
        if key not in found:
            return np.full(len(rows), "", dtype=object)
        return np.array(["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
                         for v in rows[found[key]]], dtype=object)

    code = text("code")
    twice = pd.Series(code[code != ""]).duplicated(keep=False)
    if twice.any():
        first = str(pd.Series(code[code != ""])[twice].iat[0])
        at = [str(f) for f in feature[code == first]]
        raise InputError(f"{where}: column {found['code']!r}: code {first!r} is used by features {', '.join(at)}; "
                         "a code names one grid")
    households = np.full(len(rows), np.nan)
    if "households" in found:
        number, bad = counts(rows[found["households"]])
        if bad.any():
            at = [str(f) for f in feature[bad.to_numpy()]]
            raise InputError(f"{where}: column {found['households']!r}: feature(s) {listed(at)}: not a count of "
                             "households")
        households = number.to_numpy(dtype=float)
    units = gpd.GeoDataFrame({"feature": feature, "code": code, "name": text("name"), "households": households,
                              "community": text("community")}, geometry=rows.geometry.values, crs=gdf.crs)
    return ForeignGrids(units=units, columns=found, source=where)


def read_grids(path: str | Path, *, layer: str | None = None, crs: str | None = None,
               **columns: str | None) -> ForeignGrids:
    """Read a grid layer made elsewhere from a file (any GDAL source; a Shapefile's attributes in
    UTF-8 or GB18030 even without a ``.cpg``, :func:`gridkit.io.read.dbf_encoding`).

    ``layer``: which layer of a multi-layer source (default: ``grids`` when there is one, else the
    only polygon layer). ``crs``: the layer's CRS when it names none (drawn in CAD, a Shapefile without its
    ``.prj``); one naming its own keeps it. ``columns``: ``code_column``, ``name_column``, ``households_column``,
    ``community_column`` (:func:`foreign_grids`).

    Raises
    ------
    InputError
        Missing or unreadable file or layer, or a layer :func:`foreign_grids` refuses.
    """
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if layer is None:
        try:
            listing = [(str(n), str(t)) for n, t in pyogrio.list_layers(path)]
        except Exception as exc:  # noqa: BLE001 - GDAL raises many types
            raise InputError(f"{path}: cannot be opened: {reason(exc)}") from exc
        polygons = [n for n, t in listing if "polygon" in t.lower()]
        names = [n for n, _ in listing]
        if "grids" in names:
            layer = "grids"
        elif len(polygons) == 1 or len(names) == 1:
            layer = (polygons or names)[0]
        else:
            raise InputError(f"{path}: has several layers ({listed(names, 20)}); say which holds the grids")
    where = f"{path}, layer '{layer}'" if layer != path.stem else str(path)
    frame = read_layer(path, layer, where)
    if crs is not None and frame.crs is None:
        frame = frame.set_crs(given_crs(crs))
    return foreign_grids(frame, where, **columns)


def adopt(area: Area, grids: ForeignGrids, profile: Profile | str | None = None, *, seed: int | None = None,
          register: RegisterMatch | None = None, progress: Progress | None = None) -> Plan:
    """A gridkit plan of ``area`` divided into ``grids`` (see the module docstring).

    Parameters
    ----------
    area : Area
        The input, read with ``within=(grids.units, ...)`` so the area is the grids' union.
    grids : ForeignGrids
        From :func:`read_grids` or :func:`foreign_grids`.
    profile : Profile or str, optional
    seed : int, optional
    register : RegisterMatch, optional
        A household register joined to ``area.buildings``.
    progress : callable, optional
        ``progress(fraction, stage)`` (:mod:`gridkit.progress`).

    Returns
    -------
    Plan
        Scored as any plan; a grid the layer draws in two pieces stays one grid in two pieces (the
        plan's metrics say so, the editing dock shows it).
    """
    from .edits import GRID_COLUMNS, edited_plan
    from .metrics import compute_metrics

    prof = profile if isinstance(profile, Profile) else load_profile(profile or "default")
    steps = stages(progress, ADOPT_STAGES)
    _, step = next(steps)
    units = grids.existing(area.crs)
    area = dataclasses.replace(area, existing=units)
    prep = prepare(area, prof, seed=seed, register=register, totals=grids.totals(), progress=step)
    _, step = next(steps)
    blocks = prep.made.blocks
    block_geoms = blocks.geometry.values.to_numpy()
    mine = (units["level"] == "grid").to_numpy()
    grid_geoms = units.geometry.values.to_numpy()[mine]
    home = largest_overlap(block_geoms, grid_geoms)
    lost = np.flatnonzero(home < 0)
    if len(lost):
        home[lost] = shapely.STRtree(grid_geoms).nearest(block_geoms[lost])
    keys = grids.keys
    homes: dict[str, Homes | None] = {"grid": Homes(home=home, locked=np.zeros(len(home), dtype=bool), codes=keys,
                                                    geoms=grid_geoms, names=grids.units["name"].to_numpy())}
    home_community = None
    if "community" in grids.columns:
        comm = units[~mine].reset_index(drop=True)
        of_grid = pd.Index(comm["code"]).get_indexer(grids.units["community"].to_numpy(dtype=str))
        home_community = of_grid[home]
        homes["community"] = Homes(home=home_community, locked=np.zeros(len(home), dtype=bool),
                                   codes=comm["code"].to_numpy(dtype=object), geoms=comm.geometry.values.to_numpy(),
                                   names=comm["name"].to_numpy(dtype=object))
    compounds = block_compounds(blocks, compound_polygons(area.landuse, None, prep.profile),
                                prep.profile.compounds.min_block_share)
    everything = np.ones(len(home), dtype=bool)
    levels = solve_levels(prep.arrays, prep.profile, compounds=compounds, home_community=home_community,
                          home_grid=home, locked_community=everything if home_community is not None else None,
                          locked_grid=everything, progress=step)
    next(steps)
    base = assemble(prep, _unlocked(levels), homes=homes)

    # The plan's grids: the blocks' grids, with the layer's codes and names where it has them.
    code_of = dict(zip(base.blocks["grid_code"].astype(str), home, strict=False))
    frame = base.grids[list(GRID_COLUMNS)].copy()
    layer_row = np.array([code_of[str(c)] for c in frame["code"]], dtype=np.int64)
    given_code = grids.units["code"].to_numpy(dtype=object)[layer_row]
    given_name = grids.units["name"].to_numpy(dtype=object)[layer_row]
    taken = set(given_code[given_code != ""])
    codes = []
    for own, made, community in zip(given_code, frame["code"], frame["community_code"], strict=True):
        if own:
            codes.append(own)
            continue
        code = made if made not in taken else new_codes(taken, community, 1, GRID_WIDTH)[0]
        taken.add(code)
        codes.append(code)
    frame["code"] = codes
    frame["name"] = np.where(given_name != "", given_name, frame["name"].to_numpy(dtype=object))
    frame["locked"] = False
    frame = frame.set_geometry(base.grids.geometry.values)
    row_of = {str(c): i for i, c in enumerate(base.grids["code"])}
    labels = np.array([row_of[str(c)] for c in base.blocks["grid_code"]], dtype=np.int64)
    built = edited_plan(base, frame, prep.profile, labels=labels, edited_with="gridkit adopt")
    held = set(layer_row)
    empty = [str(k) for i, k in enumerate(keys) if i not in held]
    run = pd.concat([base.run, pd.DataFrame(
        [("adopted_from", grids.source),
         ("adopt_columns", ", ".join(f"{k}={v}" for k, v in grids.columns.items()) or "none"),
         ("log.adopt_grids", str(len(keys))),
         ("log.adopt_grids_without_blocks", ", ".join(empty))], columns=["key", "value"])], ignore_index=True)
    plan = dataclasses.replace(built, run=run, changes=None)
    plan = dataclasses.replace(plan, metrics=compute_metrics(plan, prep.profile, graph=prep.arrays))
    next(steps, None)
    return plan


def _unlocked(levels: Levels) -> Levels:
    """``levels`` without the ``locked`` flags adopting gave every unit (the plan's units are free to edit)."""
    def strip(flags: dict[int, tuple[str, ...]]) -> dict[int, tuple[str, ...]]:
        return {k: tuple(f for f in v if f != "locked") for k, v in flags.items()}

    return dataclasses.replace(levels, grid_flags=strip(levels.grid_flags),
                               community_flags=strip(levels.community_flags), group_flags=strip(levels.group_flags))
