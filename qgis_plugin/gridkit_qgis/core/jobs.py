"""What the worker does: each job is a thin call of gridkit's library, returning plain data.

The Processing algorithms map one-to-one onto the CLI commands (partition,
validate, map, report, diff) and call the same library functions the
commands do. The ``session_*`` jobs serve the editing dock through
:mod:`.editing`. Runs in the worker process only (never imported by QGIS).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .editing import Edit, EditModel, Tolerance, grids_frame
from .protocol import plain

__all__ = ["JOBS", "Progress"]

Progress = Callable[[float, str], None]

_SESSIONS: dict[int, EditModel] = {}


def ping(progress: Progress) -> dict[str, Any]:
    """Versions of what the worker runs on (and proof it is alive)."""
    import os
    import sys

    import gridkit
    import pyogrio
    import shapely

    return {"gridkit": gridkit.__version__, "gridkit_path": str(Path(gridkit.__file__).parent),
            "python": sys.executable, "pid": os.getpid(), "gdal": pyogrio.__gdal_version_string__,
            "geos": shapely.geos_version_string}


def profiles(progress: Progress) -> list[str]:
    from gridkit import shipped_profiles

    return list(shipped_profiles())


def partition(progress: Progress, *, input: str, output: str, profile: str = "default",  # noqa: A002
              seed: int | None = None, households: str | None = None, from_gcj02: bool = False,
              existing: str | None = None) -> dict[str, Any]:
    """``gridkit partition``: read, divide, write the plan (gridkit.pipeline.partition_file)."""
    from gridkit.maps import grid_fill_colours
    from gridkit.pipeline import partition_file
    from gridkit.register import TOLD, unmatched_path

    started = time.time()
    plan = partition_file(input, output, profile=profile, seed=seed, households=households or None,
                          existing=existing or None, from_gcj02=from_gcj02,
                          progress=lambda fraction, stage: progress(100 * fraction, stage))
    m = plan.metrics
    bad = m[(m["kind"] == "invariant") & (m["passed"] == "no")]
    grid = m[m["level"] == "grid"].set_index("name")["value"]
    return {"output": str(output), "grids": int(len(plan.grids)), "colours": grid_fill_colours(plan),
            "communities": int(len(plan.communities)) if plan.communities is not None else 0,
            "households": int(grid.get("households", 0)), "road_following": float(grid.get("road_following", 0)),
            "failures": [f"{r.level}.{r.name}" for r in bad.itertuples()], "warnings": plan.warnings(),
            "register": _register_told(plan, TOLD, unmatched_path(output)), "seconds": round(time.time() - started, 1)}


def _register_told(plan: Any, told: tuple[str, ...], unmatched: Path) -> dict[str, str]:
    """What the run's log says of the register that the CLI tells too: the rows matched, how, and where the
    unmatched ones are; the notes ``told`` (empty without a register)."""
    if not plan.run_value("log.register_rows_matched"):
        return {}
    keys = ("encoding", "rows_matched", "rows_matched_building_id", "rows_matched_address", "rows_unmatched", *told)
    out = {k: plan.run_value(f"log.register_{k}") for k in keys if plan.run_value(f"log.register_{k}")}
    return {**out, "unmatched_file": str(unmatched)} if unmatched.exists() else out


def validate(progress: Progress, *, plan: str, input: str | None = None) -> dict[str, Any]:  # noqa: A002
    """``gridkit validate``: every invariant and score, recomputed from the plan."""
    from gridkit.report import LEVEL_NAMES, METRIC_NAMES
    from gridkit.validate import validate as _validate
    from gridkit.validate import validate_against_input

    progress(10, "recomputing every invariant and score")
    result = validate_against_input(plan, input) if input else _validate(plan)
    progress(100, "done")
    # The report's Chinese names of levels and metrics, for a Chinese QGIS's log.
    rows = result.metrics.assign(level_zh=result.metrics["level"].map(LEVEL_NAMES),
                                 name_zh=result.metrics["name"].map(METRIC_NAMES)).fillna({"level_zh": "", "name_zh": ""})
    return {"failures": list(result.failures), "metrics": plain(rows.to_dict("records"))}


def map(progress: Progress, *, plan: str, output: str, community: str | None = None,  # noqa: A001
        all_sheets: bool = False, paper: str = "A3", dpi: int = 200, roster: str | None = None,
        source: str | None = None) -> dict[str, Any]:
    """``gridkit map``: the wall chart of a plan (gridkit.pipeline.map_file)."""
    from gridkit.pipeline import map_file

    progress(10, "drawing the map")
    sheets = map_file(plan, output, community=community or None, all_sheets=all_sheets, paper=paper,
                      dpi=int(dpi), roster=roster or None, source=source or None)
    progress(100, "done")
    return {"output": str(output), "sheets": int(sheets)}


def report(progress: Progress, *, plan: str, output: str, roster: str | None = None,
           source: str | None = None) -> dict[str, Any]:
    """``gridkit report``: the division scheme tables (gridkit.pipeline.report_file)."""
    from gridkit.pipeline import report_file

    progress(10, "writing the report")
    communities, grids = report_file(plan, output, roster=roster or None, source=source or None)
    progress(100, "done")
    return {"output": str(output), "communities": int(communities), "grids": int(grids)}


def diff(progress: Progress, *, old: str, new: str, output: str | None = None) -> dict[str, Any]:
    """``gridkit diff``: what moved between two plans, or scenarios of one (``PLAN.gpkg#NAME``)."""
    from gridkit.changes import compare_plans, moved_blocks, summary, write_changes
    from gridkit.report import CHANGE_NAMES, LEVEL_NAMES
    from gridkit.scenarios import read_plan_ref, split_ref

    progress(10, "reading both plans")
    before, after = read_plan_ref(old), read_plan_ref(new)
    table = compare_plans(before, after)
    progress(80, "comparing")
    if output:
        write_changes(table, output, inputs=(split_ref(old)[0], split_ref(new)[0]))
    rows = table.drop(columns=["geometry"], errors="ignore")
    # The report's Chinese names of levels and changes, for a Chinese QGIS's log.
    rows = rows.assign(level_zh=rows["level"].map(LEVEL_NAMES).fillna(rows["level"]),
                       change_zh=rows["change"].map(CHANGE_NAMES).fillna(rows["change"]))
    counts = summary(table)
    said = {}
    for key, n in counts.items():
        level, _, change = key.partition(".")
        said[LEVEL_NAMES.get(level, level) + CHANGE_NAMES.get(change, change)] = n
    blocks = moved_blocks(before, after)
    progress(100, "done")
    return {"summary": plain(counts), "summary_zh": plain(said), "rows": plain(rows.to_dict("records")),
            "output": output or "",
            "blocks": plain(blocks.to_dict("records")) if blocks is not None else None}


def style(progress: Progress, *, plan: str) -> dict[str, Any]:
    """Fill colours of a plan's grids (neighbours differ), as the wall chart has them."""
    from gridkit import read_plan
    from gridkit.maps import grid_fill_colours

    return {"colours": grid_fill_colours(read_plan(plan))}


def grid_columns(progress: Progress, *, columns: list[str]) -> dict[str, str]:
    """Which of a foreign grid layer's columns hold the code, name, households, community (usual names)."""
    from gridkit.adopt import grid_columns as find

    return find(columns)


def area_source(progress: Progress, *, path: str, layer: str | None = None) -> str | None:
    """The input area a layer of ``path`` belongs to (a GeoPackage's boundary, roads.shp in a folder), or None."""
    from gridkit.io.read import area_source as find

    return find(path, layer)


def missing_plan_layers(progress: Progress, *, path: str) -> list[str]:
    """The layers a plan gridkit wrote lacks (gridkit.io.write.missing_plan_layers); empty for any other file."""
    from gridkit.io.write import missing_plan_layers as missing

    return missing(path)


def refuse_locked(progress: Progress, *, path: str) -> None:
    """Refuse a GeoPackage another program holds locked while it writes (gridkit.io.write.refuse_locked)."""
    _unlocked(path)


def adopt(progress: Progress, *, grids: str, input: str, output: str, layer: str | None = None,  # noqa: A002
          code_column: str | None = None, name_column: str | None = None, households_column: str | None = None,
          community_column: str | None = None, profile: str = "default") -> dict[str, Any]:
    """``gridkit adopt``: a grid layer drawn elsewhere as a plan (gridkit.pipeline.adopt_file)."""
    from gridkit.pipeline import adopt_file

    started = time.time()
    plan = adopt_file(grids, input, output, layer=layer, code_column=code_column or None,
                      name_column=name_column or None, households_column=households_column or None,
                      community_column=community_column or None, profile=profile,
                      progress=lambda fraction, stage: progress(100 * fraction, stage))
    m = plan.metrics
    bad = m[(m["kind"] == "invariant") & (m["passed"] == "no")]
    run = dict(zip(plan.run["key"], plan.run["value"], strict=True))
    return {"output": str(output), "grids": int(len(plan.grids)), "households": int(plan.grids["households"].sum()),
            "columns": run.get("adopt_columns", ""), "without_blocks": run.get("log.adopt_grids_without_blocks", ""),
            "failures": [f"{r.level}.{r.name}" for r in bad.itertuples()], "seconds": round(time.time() - started, 1)}


# ---------------------------------------------------------------------- the editing dock


def session_open(progress: Progress, *, plan: str, tolerance_m2: float = 5.0, width_m: float = 0.5,
                 compounds: bool = True) -> dict[str, Any]:
    """Open a plan for editing; returns a session id and what the dock shows about it."""
    model = EditModel.open(plan, tolerance=Tolerance(area_m2=tolerance_m2, width_m=width_m), compounds=compounds)
    sid = max(_SESSIONS, default=0) + 1
    _SESSIONS[sid] = model
    return {"session": sid, **model.info()}


def _model(session: int) -> EditModel:
    from .editing import EditError

    if session not in _SESSIONS:
        raise EditError("the editing session has ended; open the plan again")
    return _SESSIONS[session]


def session_close(progress: Progress, *, session: int) -> bool:
    return _SESSIONS.pop(session, None) is not None


def session_check(progress: Progress, *, session: int, grids: list[dict]) -> dict[str, Any]:
    """Statistics per grid, violations and colours of the grid layer as it now is."""
    model = _model(session)
    frame = grids_frame(grids, model.blocks.crs)
    result = model.check(frame)
    stats = result["stats"]
    return plain({"stats": {int(fid): row for fid, row in zip(stats.index, stats.to_dict("records"), strict=True)},
                  "columns": list(stats.columns), "violations": result["violations"], "colours": result["colours"],
                  "unassigned_blocks": result["unassigned_blocks"]})


def _edit(edit: Edit) -> dict[str, Any]:
    return plain({"update": edit.update, "add": edit.add, "delete": edit.delete, "message": edit.message})


def session_edit(progress: Progress, *, session: int, grids: list[dict], op: str, **args: Any) -> dict[str, Any]:
    """One edit of the dock: ``move``, ``merge``, ``split_line``, ``split_into``, ``split_pieces``, ``lock``."""
    import shapely

    model = _model(session)
    frame = grids_frame(grids, model.blocks.crs)
    if op == "move":
        edit = model.move_blocks(frame, [str(b) for b in args["blocks"]], int(args["target"]))
    elif op == "merge":
        edit = model.merge(frame, int(args["keep"]), int(args["other"]))
    elif op == "split_line":
        edit = model.split_by_line(frame, int(args["fid"]), shapely.from_wkb(args["line"]))
    elif op == "split_into":
        edit = model.split_into(frame, int(args["fid"]), int(args["n"]))
    elif op == "split_pieces":
        edit = model.split_pieces(frame)
    elif op == "lock":
        edit = model.set_locked(frame, [int(f) for f in args["fids"]], bool(args["locked"]))
    else:
        raise ValueError(f"unknown edit {op!r}")
    return _edit(edit)


def session_preview(progress: Progress, *, session: int, grids: list[dict], blocks: list[str],
                    target: int) -> dict[str, Any]:
    """What moving ``blocks`` into grid ``target`` would do (households before and after), without doing it."""
    model = _model(session)
    frame = grids_frame(grids, model.blocks.crs)
    return plain(model.preview_move(frame, [str(b) for b in blocks], int(target)))


def rebalance(progress: Progress, *, plan: str, grids: list[dict], seed: int | None = None) -> dict[str, Any]:
    """Re-solve the unlocked grids, locked ones fixed (a one-off worker: cancelling kills it)."""
    progress(1, "reading the plan")
    model = EditModel.open(plan, compounds=True)
    frame = grids_frame(grids, model.blocks.crs)
    return _edit(model.rebalance(frame, seed=seed, progress=lambda fraction, stage: progress(100 * fraction, stage)))


def session_save(progress: Progress, *, session: int, grids: list[dict]) -> dict[str, Any]:
    """Everything the plan file needs after the edits, as plain rows for the plugin to write through QGIS.

    The plan GeoPackage is open in QGIS, so the worker does not write it
    (docs/qgis.md); it returns per layer the values to change.
    """
    model = _model(session)
    frame = grids_frame(grids, model.blocks.crs)
    progress(10, "rebuilding the plan from the grids")
    edited = model.to_plan(frame, edited_with="gridkit QGIS plugin")
    progress(70, "scoring")
    return _payload(model, frame, edited, progress)


def _payload(model: EditModel, frame: Any, edited: Any, progress: Progress) -> dict[str, Any]:
    """What writing ``edited`` over the plan as last saved changes, layer by layer; ``grids`` is an edit
    of the grid layer ``frame`` (its feature ids). A plan that breaks an invariant is refused."""
    from gridkit.metrics import check_plan

    # Validated through the library before anything is written: a plan that breaks an invariant is not saved.
    failures = check_plan(edited.metrics).failures
    if failures:
        pieces = [v for v in model.violations(frame) if v["kind"] == "not_contiguous"]
        return plain({"failures": failures, "refused": True,
                      "pieces": [{"level": v["level"], "codes": v["codes"], "value": v["value"]} for v in pieces]})
    old = model.plan
    fid_of = {str(c): int(f) for c, f in zip(frame["code"], frame.index, strict=True)}
    grid_rows, added = {}, []
    for row in edited.grids.to_dict("records"):
        fid = fid_of.get(str(row["code"]))
        if fid is None:
            added.append(row)
        else:
            grid_rows[fid] = row
    dropped = [int(f) for c, f in fid_of.items() if c not in set(edited.grids["code"].astype(str))]

    def changed(new, before, key: str, cols: tuple[str, ...]) -> dict[str, dict]:  # noqa: ANN001
        a = new.set_index(new[key].astype(str))
        b = before.set_index(before[key].astype(str))
        out = {}
        for col in cols:
            diff = a[col].astype(str) != b[col].reindex(a.index).astype(str)
            for k in a.index[diff.to_numpy()]:
                out.setdefault(str(k), {})[col] = a.at[k, col]
        return out

    cols = ("grid_code", "community_code", "group_code")
    payload: dict[str, Any] = {
        "grids": {"update": grid_rows, "add": added, "delete": dropped},
        "blocks": {"key": "block_id", "update": changed(edited.blocks, old.blocks, "block_id", cols)},
        "buildings": {"key": "building_id", "update": changed(edited.buildings, old.buildings, "building_id", cols)},
        "metrics": edited.metrics.to_dict("records"),
        "run": edited.run.iloc[len(old.run):].to_dict("records"),
        "changes": [{**r, "geometry": g} for r, g in zip(
            edited.changes.drop(columns="geometry").to_dict("records"), edited.changes.geometry.values, strict=True)],
    }
    for layer in ("communities", "groups"):
        units = getattr(edited, layer)
        before = getattr(old, layer)
        if units is None or before is None:
            continue
        keep = set(units["code"].astype(str))
        payload[layer] = {"key": "code", "update": {str(r["code"]): r for r in units.to_dict("records")},
                          "delete": [c for c in before["code"].astype(str) if c not in keep]}
    payload["failures"] = failures
    payload["refused"] = False
    _unlocked(model.source)
    progress(100, "done")
    return plain(payload)


def _unlocked(plan: str) -> None:
    """Refuse a plan another program holds locked while it writes, before the plugin opens it or writes it
    through QGIS (just before: the rows are computed): QGIS waited out the lock on its GUI thread (25 s opening
    it, 5 s committing the grids, 25 s making the scenarios layer), then failed in SQLite's words."""
    from gridkit.errors import InputError
    from gridkit.io.write import refuse_locked as refuse

    refuse(Path(plan), InputError)


# ---------------------------------------------------------------------- scenarios (gridkit.scenarios)


def scenario_list(progress: Progress, *, plan: str) -> list[dict[str, Any]]:
    """The plan's scenarios: name, saved, communities, grids, households, current."""
    from gridkit.scenarios import list_scenarios

    return plain(list_scenarios(plan).to_dict("records"))


def session_scenario(progress: Progress, *, session: int, grids: list[dict], name: str) -> dict[str, Any]:
    """The rows that keep the grid layer as it now is as scenario ``name``, for the plugin to write through QGIS.

    The plan is rebuilt from the layer as a save would (``gridkit.scenarios.scenario_rows`` refuses a plan
    that breaks an invariant); ``exists``: the plan has a scenario of that name already.
    """
    from gridkit.scenarios import read_scenarios, scenario_rows

    model = _model(session)
    frame = grids_frame(grids, model.blocks.crs)
    progress(10, "rebuilding the plan from the grids")
    rows = scenario_rows(model.to_plan(frame, edited_with="gridkit QGIS plugin"), name)
    name = str(rows["scenario"].iat[0])
    exists = bool((read_scenarios(model.source)["scenario"] == name).any())
    records = [{**r, "geometry": g} for r, g in zip(rows.drop(columns="geometry").to_dict("records"),
                                                     rows.geometry.values, strict=True)]
    _unlocked(model.source)
    progress(100, "done")
    return plain({"name": name, "exists": exists, "rows": records})


def session_switch(progress: Progress, *, session: int, grids: list[dict], name: str) -> dict[str, Any]:
    """What switching the plan to scenario ``name`` writes (``gridkit.scenarios.scenario_plan``), as a save's
    payload: an edit of the grid layer and the values of every other layer."""
    from gridkit.scenarios import read_scenarios, scenario_plan

    model = _model(session)
    frame = grids_frame(grids, model.blocks.crs)
    progress(10, "rebuilding the plan from the scenario")
    built = scenario_plan(model.plan, read_scenarios(model.source), name, where=model.source)
    progress(70, "scoring")
    return _payload(model, frame, built, progress)


def session_reload(progress: Progress, *, session: int) -> bool:
    """Read the plan again after the plugin wrote the edits into it (later saves compare with it)."""
    from gridkit import read_plan

    model = _model(session)
    model.reload(read_plan(model.source))
    return True


JOBS: dict[str, Callable[..., Any]] = {
    f.__name__: f for f in (ping, profiles, partition, validate, map, report, diff, style, session_open,
                            session_close, session_check, session_edit, session_preview, rebalance, session_save,
                            session_reload, scenario_list, session_scenario, session_switch, grid_columns,
                            area_source, missing_plan_layers, refuse_locked, adopt)
}
