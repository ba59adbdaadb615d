"""Scenarios: named versions of a plan's division, kept inside its GeoPackage.

A scenario is the division as it stood when it was saved: every grid with its
code, name, community, residents' group, lock, flags and geometry, and every
community and group with its code, name, lock and flags. The blocks belong to
the grid covering most of each, as for a grid layer edited by hand
(:func:`gridkit.checks.block_grids`); the grid geometry is stored rather than
a list of blocks so that a locked grid keeps its exact geometry. Every
scenario of a plan is a row per unit in one layer of the plan GeoPackage,
``scenarios`` (docs/plan-file.md).

Switching to a scenario rebuilds the whole plan from it through the same
builder as a hand edit (:func:`gridkit.edits.edited_plan`: blocks' and
buildings' units, communities and groups as the unions of their grids, sums,
staffing, metrics, the ``changes`` layer against the plan as it was) and
replaces the plan's layers in one step (:func:`gridkit.io.write.rewrite_layers`:
a copy is written and renamed over the file). A scenario is named in a plan
reference ``PLAN.gpkg#NAME`` (:func:`read_plan_ref`), which ``gridkit diff``
takes, so two scenarios of one plan compare like two plans.

Examples
--------
>>> import gridkit
>>> plan = gridkit.partition(gridkit.read_area("data/samples/hk_tsim_sha_tsui.gpkg"), seed=0)
>>> table = scenario_rows(plan, "first draft")
>>> sorted(set(table["level"])), int((table["level"] == "grid").sum()) == len(plan.grids)
(['community', 'grid'], True)
>>> again = scenario_plan(plan, table, "first draft")
>>> bool((again.grids["code"] == plan.grids["code"]).all()), gridkit.validate(again).ok
(True, True)
"""

from __future__ import annotations

import dataclasses
import time
import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from .errors import InputError, PlanError
from .geometry import single_parts
from .io import postgis
from .io.values import truthy
from .io.write import plan_layer_names, read_plan, rewrite_layers
from .metrics import check_plan
from .plan import Plan

__all__ = ["ScenarioError", "SCENARIO_LAYER", "SCENARIO_COLUMNS", "MAX_NAME_LENGTH", "check_name", "scenario_rows",
           "read_scenarios", "list_scenarios", "scenario_plan", "save_scenario", "switch_scenario",
           "delete_scenario", "split_ref", "read_plan_ref"]

#: The layer of the plan GeoPackage that holds the scenarios.
SCENARIO_LAYER = "scenarios"
#: Its columns (and geometry): one row per unit (``level``: community, group, grid) and scenario.
SCENARIO_COLUMNS = ("scenario", "level", "code", "name", "community_code", "group_code", "locked", "flags",
                    "households", "saved")
#: Longest scenario name (characters).
MAX_NAME_LENGTH = 60
_LEVELS = (("community", "communities"), ("group", "groups"), ("grid", "grids"))
_TEXT = ("scenario", "level", "code", "name", "community_code", "group_code", "flags", "saved")


class ScenarioError(InputError):
    """A scenario name that is not allowed, or a scenario the plan does not have."""


def check_name(name: str) -> str:
    """A scenario name as stored: trimmed, not empty, at most :data:`MAX_NAME_LENGTH` characters,
    no ``#`` (it separates the name in ``PLAN.gpkg#NAME``) and no control characters.

    Raises
    ------
    ScenarioError
        Saying what is wrong with the name.

    Examples
    --------
    >>> check_name("  方案二 ")
    '方案二'
    >>> check_name("a#b")
    Traceback (most recent call last):
    ...
    gridkit.scenarios.ScenarioError: scenario name 'a#b': '#' is not allowed (it separates the name in PLAN.gpkg#NAME)
    """
    text = str(name).strip()
    if not text:
        raise ScenarioError("scenario name is empty; give the scenario a name")
    if "#" in text:
        raise ScenarioError(f"scenario name {text!r}: '#' is not allowed (it separates the name in PLAN.gpkg#NAME)")
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise ScenarioError(f"scenario name {text!r}: control characters are not allowed")
    if len(text) > MAX_NAME_LENGTH:
        raise ScenarioError(f"scenario name {text[:20]!r}…: {len(text)} characters, at most {MAX_NAME_LENGTH}")
    return text


def scenario_rows(plan: Plan, name: str, *, saved: str | None = None) -> gpd.GeoDataFrame:
    """The rows of :data:`SCENARIO_LAYER` that keep ``plan``'s division as scenario ``name``.

    Raises
    ------
    ScenarioError
        A name :func:`check_name` refuses.
    PlanError
        The plan breaks an invariant (a scenario is a plan one can switch to, so it must be valid).
    """
    name = check_name(name)
    failures = check_plan(plan.metrics).failures
    if failures:
        raise PlanError(f"scenario {name!r}: the plan breaks {', '.join(failures)}; it is not saved as a scenario")
    saved = saved or time.strftime("%Y-%m-%dT%H:%M:%S%z")
    parts = []
    for level, layer in _LEVELS:
        units = getattr(plan, layer)
        if units is None or len(units) == 0:
            continue
        data: dict[str, object] = {"scenario": name, "level": level}
        for col in ("code", "name", "community_code", "group_code", "flags"):
            data[col] = units[col].fillna("").astype(str).to_numpy() if col in units else ""
        data["locked"] = truthy(units["locked"]).to_numpy() if "locked" in units else False
        data["households"] = units["households"].fillna(0).astype(int).to_numpy()
        data["saved"] = saved
        parts.append(gpd.GeoDataFrame(data, geometry=units.geometry.values, crs=plan.grids.crs))
    table = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(table[[*SCENARIO_COLUMNS, "geometry"]], geometry="geometry", crs=plan.grids.crs)


def _empty(crs: object) -> gpd.GeoDataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in SCENARIO_COLUMNS})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def _normalised(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Text columns as text, ``locked`` as booleans, one-part multipolygons as polygons (QGIS may write multis)."""
    out = table.copy()
    for col in SCENARIO_COLUMNS:
        if col not in out:
            out[col] = False if col == "locked" else 0 if col == "households" else ""
    for col in _TEXT:
        out[col] = out[col].fillna("").astype(str)
    out["locked"] = truthy(out["locked"])
    out["households"] = pd.to_numeric(out["households"], errors="coerce").fillna(0).astype(int)
    out = out.set_geometry(list(single_parts(out.geometry.values.to_numpy())), crs=table.crs)
    return gpd.GeoDataFrame(out[[*SCENARIO_COLUMNS, "geometry"]], geometry="geometry", crs=table.crs)


def read_scenarios(path: str | Path) -> gpd.GeoDataFrame:
    """Every scenario of a plan GeoPackage (:data:`SCENARIO_COLUMNS`; no rows when it has none).

    Raises
    ------
    PlanError
        The file is missing or not a GeoPackage.
    """
    path = Path(path)
    names = plan_layer_names(path)
    if SCENARIO_LAYER not in names:
        return _empty(pyogrio.read_info(path, layer="grids")["crs"] if "grids" in names else None)
    return _normalised(pyogrio.read_dataframe(path, layer=SCENARIO_LAYER))


def _names(table: pd.DataFrame) -> list[str]:
    """Scenario names in the order they were first saved."""
    return list(dict.fromkeys(table["scenario"].astype(str)))


def _rows_of(table: gpd.GeoDataFrame, name: str, where: str) -> gpd.GeoDataFrame:
    name = check_name(name)
    rows = table[table["scenario"] == name]
    if len(rows) == 0:
        known = _names(table)
        hint = f"its scenarios: {', '.join(known)}" if known else "it has none (save one first)"
        raise ScenarioError(f"{where}: no scenario {name!r}; {hint}")
    if not (rows["level"] == "grid").any():
        raise ScenarioError(f"{where}: scenario {name!r} has no grids")
    return rows


def list_scenarios(path: str | Path) -> pd.DataFrame:
    """One row per scenario of a plan GeoPackage: ``scenario``, ``saved``, ``communities``, ``grids``,
    ``households``, and ``current`` (the plan's layers hold this division now: the same grids, with the
    same codes, names, communities, groups, locks, flags and geometry)."""
    table = read_scenarios(path)
    columns = ["scenario", "saved", "communities", "grids", "households", "current"]
    if len(table) == 0:
        return pd.DataFrame(columns=columns)
    plan = read_plan(path)
    rows = []
    for name in _names(table):
        mine = table[table["scenario"] == name]
        grids = mine[mine["level"] == "grid"]
        rows.append({"scenario": name, "saved": str(mine["saved"].iat[0]),
                     "communities": int((mine["level"] == "community").sum()), "grids": len(grids),
                     "households": int(grids["households"].sum()), "current": _same_grids(grids, plan.grids)})
    return pd.DataFrame(rows, columns=columns)


def _same_grids(rows: pd.DataFrame, grids: gpd.GeoDataFrame) -> bool:
    keys = ["code", "name", "community_code", "group_code", "flags"]
    a = rows.sort_values("code")
    b = grids.assign(**{c: grids[c].fillna("").astype(str) for c in keys if c in grids}).sort_values("code")
    if len(a) != len(b) or any(c not in b for c in keys):
        return False
    same = all((a[c].to_numpy() == b[c].to_numpy()).all() for c in keys)
    same = same and bool((a["locked"].to_numpy() == truthy(b["locked"]).to_numpy()).all())
    return same and bool(shapely.equals(a.geometry.values.to_numpy(), b.geometry.values.to_numpy()).all())


def _in_order_of(frame: gpd.GeoDataFrame, template: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """``frame`` with the columns ``template`` has first, in its order (as the plan file has them)."""
    if template is None:
        return frame
    first = [c for c in template.columns if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]


def scenario_plan(plan: Plan, table: gpd.GeoDataFrame, name: str, *, where: str = "plan") -> Plan:
    """The whole plan as scenario ``name`` of ``table`` divides ``plan``'s blocks.

    Built by :func:`gridkit.edits.edited_plan` from the scenario's grids, its
    communities' and groups' codes, names, locks and flags; ``changes``
    compares with ``plan``; the run table records ``scenario``.

    Raises
    ------
    ScenarioError
        ``table`` has no scenario ``name``.
    """
    from .edits import GRID_COLUMNS, edited_plan

    rows = _rows_of(table, name, where)
    name = check_name(name)
    crs = plan.grids.crs
    grids = rows[rows["level"] == "grid"].reset_index(drop=True)
    frame = gpd.GeoDataFrame({c: grids[c].to_numpy() for c in GRID_COLUMNS}, geometry=grids.geometry.values,
                             crs=crs)
    upper: dict[str, gpd.GeoDataFrame | None] = {}
    for level, layer in _LEVELS[:2]:
        units = rows[rows["level"] == level]
        keep = ["code", "name", "locked", "flags"] + (["community_code"] if level == "group" else [])
        upper[layer] = gpd.GeoDataFrame(units[keep].reset_index(drop=True), geometry=units.geometry.values,
                                        crs=crs) if len(units) else None
    built = edited_plan(plan, frame, upper=upper, edited_with=f"gridkit scenario {name}")
    run = pd.concat([built.run, pd.DataFrame([("scenario", name)], columns=["key", "value"])], ignore_index=True)
    layers = {layer: _in_order_of(getattr(built, layer), getattr(plan, layer))
              for layer in ("grids", "blocks", "buildings", "communities", "groups")
              if getattr(built, layer) is not None}
    return dataclasses.replace(built, run=run, **layers)


def save_scenario(path: str | Path, name: str, *, replace: bool = False) -> gpd.GeoDataFrame:
    """Keep the plan GeoPackage's division as scenario ``name``, inside the file.

    The file is replaced in one step (:func:`gridkit.io.write.rewrite_layers`);
    its other layers and styles are kept.

    Parameters
    ----------
    path : str or Path
        The plan GeoPackage.
    name : str
        The scenario's name (:func:`check_name`).
    replace : bool
        Replace a scenario of that name (default: refuse).

    Returns
    -------
    GeoDataFrame
        The scenario's rows.

    Raises
    ------
    ScenarioError
        A bad name, or one that is taken and ``replace`` is false.
    PlanError
        The file is not a plan, is open for writing elsewhere, or breaks an invariant.
    """
    path = Path(path)
    plan = read_plan(path)
    table = read_scenarios(path)
    rows = scenario_rows(plan, name)
    name = str(rows["scenario"].iat[0])
    if not replace and (table["scenario"] == name).any():
        raise ScenarioError(f"{path}: scenario {name!r} exists already; give another name or replace it")
    rewrite_layers(path, {SCENARIO_LAYER: _with(table, name, rows)})
    return rows


def _with(table: gpd.GeoDataFrame, name: str, rows: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """``table`` with scenario ``name``'s rows replaced by ``rows`` (removed when None), in saved order."""
    rest = table[table["scenario"] != name]
    parts = [f for f in (rest, rows) if f is not None and len(f)]
    if not parts:
        return _empty(table.crs)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=table.crs)


def switch_scenario(path: str | Path, name: str) -> Plan:
    """Make scenario ``name`` the plan GeoPackage's division: every layer it decides is rebuilt
    (:func:`scenario_plan`) and the file replaced in one step, its scenarios and styles kept.

    Raises
    ------
    ScenarioError
        The plan has no scenario ``name``.
    PlanError
        The rebuilt plan would break an invariant (nothing is written), or the file is open for
        writing elsewhere.
    """
    path = Path(path)
    plan = read_plan(path)
    built = scenario_plan(plan, read_scenarios(path), name, where=str(path))
    failures = check_plan(built.metrics).failures
    if failures:
        raise PlanError(f"{path}: scenario {name!r} would break {', '.join(failures)}; nothing was written")
    layers: dict[str, pd.DataFrame] = {}
    for layer in ("grids", "blocks", "buildings", "communities", "groups", "changes", "metrics", "run"):
        frame = getattr(built, layer)
        if frame is not None and len(frame):
            layers[layer] = frame
    rewrite_layers(path, layers)
    return built


def delete_scenario(path: str | Path, name: str) -> None:
    """Remove scenario ``name`` from the plan GeoPackage (the plan's layers are not touched).

    Raises
    ------
    ScenarioError
        The plan has no scenario ``name``.
    """
    path = Path(path)
    table = read_scenarios(path)
    name = str(_rows_of(table, name, str(path))["scenario"].iat[0])
    rewrite_layers(path, {SCENARIO_LAYER: _with(table, name, None)})


def split_ref(ref: str | Path) -> tuple[str, str]:
    """A plan reference as (plan, scenario): ``PLAN.gpkg#NAME`` names scenario NAME of PLAN.gpkg.

    A path that exists as given (even with a ``#`` in it) and a PostGIS URL name
    a plan with no scenario ('').

    Examples
    --------
    >>> split_ref("out/plan.gpkg#方案二")
    ('out/plan.gpkg', '方案二')
    >>> split_ref("out/plan.gpkg")
    ('out/plan.gpkg', '')
    """
    text = str(ref)
    if postgis.is_postgis(text) or Path(text).exists() or "#" not in text:
        return text, ""
    plan, _, name = text.rpartition("#")
    return plan, name


def read_plan_ref(ref: str | Path) -> Plan:
    """Read a plan, or one of its scenarios rebuilt as a whole plan (``PLAN.gpkg#NAME``, :func:`split_ref`).

    Raises
    ------
    ScenarioError
        The plan has no such scenario (the message lists those it has).
    PlanError
        The plan cannot be read.
    """
    path, name = split_ref(ref)
    plan = read_plan(path)
    if not name:
        return plan
    return scenario_plan(plan, read_scenarios(path), name, where=path)
