"""Scenarios inside a plan GeoPackage (gridkit.scenarios, ``gridkit scenario``, ``gridkit diff PLAN#A PLAN#B``)
on the Tsim Sha Tsui plan: saved, listed, switched back and forth with identical layers, compared."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pyogrio
import pytest
import shapely
from handmade import apply_edit, grid_frame

import gridkit
from gridkit.edits import EditError, Editor
from gridkit.errors import PlanError
from gridkit.io.write import rewrite_layers
from gridkit.scenarios import (
    SCENARIO_LAYER,
    ScenarioError,
    list_scenarios,
    read_plan_ref,
    read_scenarios,
    save_scenario,
    switch_scenario,
)

LAYERS = ("grids", "blocks", "buildings", "communities")


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gridkit.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def layers(path) -> dict[str, pd.DataFrame]:
    return {name: pyogrio.read_dataframe(path, layer=name) for name in LAYERS}


def moved_plan(path):
    """The plan of ``path`` with one populated block moved into a neighbouring grid (a valid edit)."""
    editor = Editor.open(path, compounds=False)
    grids = grid_frame(editor.plan)
    labels = editor.assignment(grids)
    for block in range(len(labels)):
        if editor.households[block] == 0:
            continue
        for target in range(len(grids)):
            if target == labels[block]:
                continue
            try:
                edit = editor.move_blocks(grids, [str(editor.blocks["block_id"].iat[block])], int(grids.index[target]))
            except EditError:
                continue
            return editor.to_plan(apply_edit(grids, edit)), str(editor.blocks["block_id"].iat[block])
    raise AssertionError("no block can move")


@pytest.fixture
def two(plan_file, tmp_path):
    """A plan file with scenario A (as partitioned) and B (one block moved, then saved into the file as the dock
    would), the file now holding B."""
    path = tmp_path / "plan.gpkg"
    shutil.copy(plan_file, path)
    save_scenario(path, "A")
    plan_b, block = moved_plan(path)
    rewrite_layers(path, {name: getattr(plan_b, name) for name in (*LAYERS, "changes", "metrics", "run")})
    save_scenario(path, "方案 B")
    return path, block


def test_saved_scenario_round_trips_and_is_current(plan_file, plan, tmp_path):
    path = tmp_path / "plan.gpkg"
    shutil.copy(plan_file, path)
    rows = save_scenario(path, "  draft 1 ")
    table = read_scenarios(path)
    assert set(table["scenario"]) == {"draft 1"} and len(table) == len(rows)
    grids = table[table["level"] == "grid"].sort_values("code")
    assert grids["code"].tolist() == sorted(plan.grids["code"])
    assert shapely.equals(grids.geometry.values, plan.grids.sort_values("code").geometry.values).all()
    assert sorted(table.loc[table["level"] == "community", "name"]) == sorted(plan.communities["name"])
    listed = list_scenarios(path)
    assert listed[["scenario", "grids", "current"]].values.tolist() == [["draft 1", len(plan.grids), True]]
    assert int(listed["households"].iat[0]) == int(plan.grids["households"].sum())
    # The plan's own layers are untouched, the scenario is one more layer.
    for name, frame in layers(plan_file).items():
        pd.testing.assert_frame_equal(pyogrio.read_dataframe(path, layer=name), frame)
    assert SCENARIO_LAYER in {n for n, _ in pyogrio.list_layers(path)}


def test_switch_gives_the_layers_as_saved(two, plan_file):
    path, _ = two
    as_b = layers(path)
    assert list_scenarios(path).set_index("scenario")["current"].to_dict() == {"A": False, "方案 B": True}
    pyogrio.write_dataframe(pd.DataFrame({"f_table_name": ["grids"], "styleName": ["mine"]}), path,
                            layer="layer_styles")
    switch_scenario(path, "A")
    for name, frame in layers(plan_file).items():  # exactly the plan as it was when A was saved
        pd.testing.assert_frame_equal(pyogrio.read_dataframe(path, layer=name), frame, obj=name)
    kept = {n for n, _ in pyogrio.list_layers(path)}
    assert {SCENARIO_LAYER, "layer_styles", "area", "roads", "barriers"} <= kept
    assert gridkit.validate(path).ok
    run = pyogrio.read_dataframe(path, layer="run").set_index("key")["value"]
    assert run["scenario"] == "A"
    original = pyogrio.read_dataframe(plan_file, layer="metrics").set_index(["level", "name"])["value"]
    now = pyogrio.read_dataframe(path, layer="metrics").set_index(["level", "name"])["value"]
    assert now.reindex(original.index).equals(original)  # (stability is new: the plan now has a changes layer)
    assert list_scenarios(path).set_index("scenario")["current"].to_dict() == {"A": True, "方案 B": False}
    switch_scenario(path, "方案 B")
    for name, frame in as_b.items():
        pd.testing.assert_frame_equal(pyogrio.read_dataframe(path, layer=name), frame, obj=name)


def test_diff_of_two_scenarios_reports_the_moved_block(two):
    path, block = two
    a, b = read_plan_ref(f"{path}#A"), read_plan_ref(f"{path}#方案 B")
    moved_from, = a.blocks.loc[a.blocks["block_id"] == block, "grid_code"]
    moved_to, = b.blocks.loc[b.blocks["block_id"] == block, "grid_code"]
    assert moved_from != moved_to
    done = cli("diff", f"{path}#A", f"{path}#方案 B", "-o", path.parent / "changes.csv")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [ln.split()[:4] for ln in lines if ln.startswith("block")] == [["block", block, moved_from, "->"]]
    assert "blocks.moved 1" in lines[-2]
    changes = pd.read_csv(path.parent / "changes.csv", dtype=str)
    changed = changes[(changes["level"] == "grid") & (changes["change"] != "unchanged")]
    assert {moved_from, moved_to} <= set(changed["old_code"]) | set(changed["new_code"])
    # A scenario against the plan as it is (the file holds B): nothing moved.
    same = cli("diff", f"{path}#方案 B", path)
    assert same.returncode == 0 and "blocks.moved 0" in same.stdout


def test_bad_scenario_names_are_one_clear_error(two):
    path, _ = two
    before = path.read_bytes()
    missing = cli("diff", f"{path}#A", f"{path}#nope")
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"gridkit: error: {path}: no scenario 'nope'; its scenarios: A, 方案 B"
    for args in (("save", path, "A"), ("save", path, "a#b"), ("save", path, "   "), ("switch", path, "nope"),
                 ("delete", path, "nope")):
        done = cli("scenario", *args)
        assert done.returncode == 2, args
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
    assert path.read_bytes() == before
    with pytest.raises(ScenarioError, match="at most 60"):
        save_scenario(path, "x" * 61)


def test_switch_to_a_broken_scenario_or_an_open_file_writes_nothing(two):
    path, _ = two
    table = read_scenarios(path)
    grids = table.index[(table["scenario"] == "A") & (table["level"] == "grid")]
    first = grids[0]
    far = max(grids, key=lambda i: table.geometry[i].distance(table.geometry[first]))
    # Edited by hand in QGIS: one grid takes a far grid's place, so it is two pieces.
    table.loc[first, "geometry"] = table.geometry[first].union(table.geometry[far])
    pyogrio.write_dataframe(table.drop(index=far), path, layer=SCENARIO_LAYER, promote_to_multi=True)
    before = path.read_bytes()
    with pytest.raises(PlanError, match="scenario 'A' would break grid.contiguity"):
        switch_scenario(path, "A")
    assert path.read_bytes() == before
    wal = path.parent / f"{path.name}-wal"
    wal.write_bytes(b"")  # QGIS has it open for editing
    with pytest.raises(PlanError, match="open for writing in another program"):
        switch_scenario(path, "方案 B")
    assert path.read_bytes() == before


def test_scenario_list_and_delete_on_the_command_line(two, plan):
    path, _ = two
    listed = cli("scenario", "list", path)
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert [ln[:4] for ln in lines] == ["  A ", "* 方案"]  # the file holds B
    assert all(f"{len(plan.grids)} grids" in ln for ln in lines)
    assert cli("scenario", "delete", path, "A").returncode == 0
    assert list(list_scenarios(path)["scenario"]) == ["方案 B"]
    assert cli("scenario", "switch", path, "方案 B").returncode == 0
