"""The QGIS plugin's Qt-free parts: the editing model, the worker protocol, dependency checks,
translations. No QGIS needed (tests/qgis/ runs the plugin inside QGIS)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import shapely
from handmade import apply_edit, grid_frame

import gridkit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "qgis_plugin"))

from gridkit_qgis import deps, gateway  # noqa: E402
from gridkit_qgis.core import protocol  # noqa: E402
from gridkit_qgis.core.editing import EditError, EditModel, Tolerance  # noqa: E402


@pytest.fixture(scope="module")
def plan_path(hk_plan, tmp_path_factory):
    path = tmp_path_factory.mktemp("core") / "plan.gpkg"
    gridkit.write_plan(hk_plan, path)
    return path


@pytest.fixture(scope="module")
def model(plan_path):
    return EditModel.open(plan_path)


@pytest.fixture
def grids(model):
    return grid_frame(model.plan)


def invariants(model, grids):
    labels = model.assignment(grids)
    assert (labels >= 0).all()
    check = model.check(grids)
    assert int(check["stats"]["households"].sum()) == int(model.households.sum())
    for r, geom in enumerate(grids.geometry.values):
        members = np.flatnonzero(labels == r)
        assert shapely.equals(geom, model.union(members))
    return check


def test_open_plan_is_clean(model, grids):
    check = invariants(model, grids)
    assert check["violations"] == [] and check["unassigned_blocks"] == 0
    assert model.info()["compounds_known"] and model.max == 200
    assert len(check["colours"]) == len(grids)


def _neighbour(model, grids, target_row):
    labels = model.assignment(grids)
    t = grids.geometry.values[target_row]
    for i in np.argsort(-model.households):
        rest = np.flatnonzero((labels == labels[i]) & (np.arange(len(labels)) != i))
        if labels[i] != target_row and len(rest) > 0 and \
                shapely.length(shapely.intersection(shapely.boundary(model.block_geoms[i]), shapely.boundary(t))) > 10 \
                and shapely.get_type_id(model.union(rest)) == 3:  # the giver stays one piece
            return str(model.blocks["block_id"].iat[i])
    raise AssertionError("no neighbour block")


def test_move_merge_split_keep_blocks_whole(model, grids):
    target = int(np.argmin(model.check(grids)["stats"]["households"].to_numpy()))
    block = _neighbour(model, grids, target)
    fid = int(grids.index[target])
    edit = model.move_blocks(grids, [block], fid)
    assert fid in edit.update and not edit.add
    moved = apply_edit(grids, edit)
    invariants(model, moved)
    assert model.move_blocks(moved, [block], fid).empty  # already there

    a, b = int(grids.index[0]), int(grids.index[1])
    merged = apply_edit(grids, model.merge(grids, a, b))
    assert len(merged) == len(grids) - 1
    invariants(model, merged)

    labels = model.assignment(grids)
    row = max((r for r in range(len(grids)) if (labels == r).sum() >= 4 and
               model.households[labels == r].sum() <= 200), key=lambda r: model.households[labels == r].sum())
    split = apply_edit(grids, model.split_into(grids, int(grids.index[row]), 2))
    assert len(split) == len(grids) + 1
    check = invariants(model, split)
    assert not [v for v in check["violations"] if v["kind"] != "split_compound"]

    geom = grids.geometry.values[row]
    c = shapely.centroid(geom)
    (x0, y0, x1, y1) = geom.bounds
    line = shapely.LineString([(c.x, y0 - 5), (c.x, y1 + 5)])
    by_line = apply_edit(grids, model.split_by_line(grids, int(grids.index[row]), line))
    assert len(by_line) == len(grids) + 1
    invariants(model, by_line)


def test_locked_grids_refuse_edits(model, grids):
    locked = apply_edit(grids, model.set_locked(grids, [int(grids.index[0])], True))
    assert bool(locked["locked"].iat[0])
    with pytest.raises(EditError, match="locked"):
        model.merge(locked, int(grids.index[0]), int(grids.index[1]))
    with pytest.raises(EditError, match="does not cross"):
        model.split_by_line(grids, int(grids.index[2]), shapely.LineString([(0, 0), (1, 1)]))


def test_violations_slivers_and_compounds(model, grids):
    # A 1 cm nudge is a sliver, not a gap or an overlap.
    nudged = grids.copy()
    nudged.loc[nudged.index[0], "geometry"] = shapely.affinity.translate(nudged.geometry.iat[0], 0.01, 0)
    assert model.violations(nudged) == []
    dragged = grids.copy()
    dragged.loc[dragged.index[0], "geometry"] = shapely.affinity.translate(dragged.geometry.iat[0], 30, 0)
    kinds = {v["kind"] for v in model.violations(dragged)}
    assert {"gap", "overlap"} <= kinds
    assert Tolerance(area_m2=5).slivers(np.array([shapely.box(0, 0, 1, 1), shapely.box(0, 0, 10, 10)])).tolist() == \
        [True, False]
    # A small compound across two grids is a split compound.
    labels = model.assignment(grids)
    lightest = [int(min(np.flatnonzero(labels == r), key=lambda b: model.households[b])) for r in range(len(grids))]
    pair = sorted(lightest, key=lambda b: model.households[b])[:2]
    compounds = np.full(len(model.blocks), -1)
    compounds[pair] = 0
    original = model.compounds
    try:
        model.compounds = compounds
        split = [v for v in model.violations(grids) if v["kind"] == "split_compound"]
        assert model.households[pair].sum() <= model.max
        assert len(split) == 1 and len(split[0]["fids"]) == 2
    finally:
        model.compounds = original


def test_edited_plan_validates(model, grids):
    target = int(np.argmin(model.check(grids)["stats"]["households"].to_numpy()))
    moved = apply_edit(grids, model.move_blocks(grids, [_neighbour(model, grids, target)], int(grids.index[target])))
    plan = model.to_plan(moved)
    assert gridkit.validate(plan).failures == []
    assert set(plan.changes["change"]) - {"unchanged"}


def test_protocol_carries_plain_data_only():
    import io

    buf = io.BytesIO()
    value = {"a": [1, 2.5, None, "x", b"\x01"], "n": np.int64(3), "g": shapely.Point(1, 2)}
    protocol.send(buf, protocol.plain(value))
    buf.seek(0)
    back = protocol.receive(buf)
    assert back["n"] == 3 and isinstance(back["g"], bytes) and shapely.from_wkb(back["g"]).x == 1
    buf = io.BytesIO()
    data = pickle.dumps(np.arange(3))
    buf.write(len(data).to_bytes(8, "big") + data)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="only plain data"):
        protocol.receive(buf)


def test_worker_runs_jobs_and_reports_errors(plan_path):
    worker = gateway.Worker(sys.executable)
    try:
        assert worker.call("ping")["pid"] != __import__("os").getpid()
        assert worker.call("validate", {"plan": str(plan_path)})["failures"] == []
        with pytest.raises(gateway.WorkerError, match="no such plan file") as err:
            worker.call("validate", {"plan": str(plan_path) + ".missing"})
        assert err.value.kind == "input"
        assert worker.alive  # an error does not end the worker
    finally:
        worker.close()
    assert not worker.alive


def test_requirements_match_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert sorted(d.replace(" ", "") for d in project) == sorted(
        f"{n}>={v}" if v else n for n, _, v in deps.requirements())


def test_dependency_check_and_install_command(monkeypatch):
    monkeypatch.delenv("GRIDKIT_PYTHON", raising=False)
    ok = deps.check(sys.executable)
    assert ok.ok and "default" in ok.profiles
    bare = deps.check("/usr/bin/python3")
    if bare.ok:
        pytest.skip("the system Python has every package")
    command = deps.install_command(bare)
    assert "-m venv" in command and "pip install" in command and "'shapely>=2.1'" in command
    assert str(deps.default_venv()) in command


def test_a_plugin_folder_copied_without_its_library_is_never_told_to_install_pypis_gridkit(monkeypatch, tmp_path):
    """The plugin folder copied into a profile on its own (no bundled library, no clone around it): the install
    command named 'gridkit', which pip takes from PyPI, where that name is another project."""
    import shutil

    folder = tmp_path / "plugins" / "gridkit_qgis"
    folder.mkdir(parents=True)
    shutil.copy(deps.PLUGIN_DIR / "requirements.txt", folder)
    monkeypatch.setattr(deps, "PLUGIN_DIR", folder)
    monkeypatch.setattr(deps, "BUNDLED_LIB", folder / "lib")
    monkeypatch.delenv("GRIDKIT_PYTHON", raising=False)
    report = deps.DependencyReport(python="/venv/bin/python", ok=False, missing=["shapely", "gridkit"], venv=True)
    assert deps.library_source() is None
    command = deps.install_command(report)
    assert "'shapely>=2.1'" in command and "gridkit" not in command.split()
    # The plugin run from a clone: gridkit is installed from the clone.
    monkeypatch.setattr(deps, "PLUGIN_DIR", ROOT / "qgis_plugin" / "gridkit_qgis")
    monkeypatch.setattr(deps, "BUNDLED_LIB", tmp_path / "none")
    assert deps.library_source() == ROOT and deps.install_command(report).endswith(str(ROOT))


def test_every_string_is_translated():
    run = subprocess.run([sys.executable, str(ROOT / "qgis_plugin" / "tools" / "update_ts.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout
