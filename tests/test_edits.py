"""Hand edits through the library (gridkit.edits, gridkit.checks, levels.divide, codes.new_codes):
the rules the QGIS dock relies on, tested without the plugin."""

from __future__ import annotations

import ast
import dataclasses
import importlib
from pathlib import Path

import numpy as np
import pytest
import shapely
from handmade import apply_edit, grid_frame

import gridkit
from gridkit.checks import Tolerance, block_grids, bound_state, violations
from gridkit.codes import new_codes
from gridkit.edits import EditError, Editor, edited_plan
from gridkit.graph import GraphArrays
from gridkit.levels import divide
from gridkit.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def editor(plan_file):
    return Editor.open(plan_file)


@pytest.fixture
def grids(editor):
    return grid_frame(editor.plan)


def line_graph(weights, cost=None):
    """Nodes 0..n-1 in a row, each linked to the next."""
    n = len(weights)
    nbrs = [[j for j in (i - 1, i + 1) if 0 <= j < n] for i in range(n)]
    indptr = np.r_[0, np.cumsum([len(x) for x in nbrs])]
    indices = np.array([j for x in nbrs for j in x])
    return GraphArrays(weight=np.asarray(weights), indptr=indptr, indices=indices,
                       cost=np.ones(len(indices)) if cost is None else cost, x=np.arange(float(n)), y=np.zeros(n),
                       area=np.ones(n))


# ---------------------------------------------------------------------- codes and divide on plain data


def test_new_codes_continue_after_the_highest_serial():
    taken = ["000000001001001", "000000001001003", "000000001002009"]
    assert new_codes(taken, "000000001001", 3) == ["000000001001004", "000000001001005", "000000001001006"]
    assert new_codes(taken, "000000001002", 1) == ["000000001002010"]
    assert new_codes([], "000000001001", 1, width=2) == ["00000000100101"]


def test_divide_gives_n_parts_or_says_why():
    p = load_profile("default")
    g = line_graph([30] * 6)
    for n in (2, 3):
        d = divide(g, n, p.grid, p)
        assert d.parts == n and d.reason == ""
        assert sorted(np.bincount(d.labels, weights=g.weight).tolist()) == [180 / n] * n
    assert divide(g, 7, p.grid, p).reason == "only 6 blocks (compounds kept whole)"


def test_divide_keeps_compounds_whole():
    p = load_profile("default")
    g = line_graph([30, 30, 30, 30])
    compounds = np.array([-1, 0, 0, -1])
    d = divide(g, 2, p.grid, p, compounds=compounds)
    assert d.parts == 2 and d.labels[1] == d.labels[2]
    # A compound holding all but one block leaves no way to make 3 parts.
    d = divide(g, 3, p.grid, p, compounds=np.array([0, 0, 0, -1]))
    assert d.parts == 2 and "kept whole" in d.reason


# ---------------------------------------------------------------------- checks


def test_block_grids_needs_half_of_a_block():
    blocks = np.array([shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)])
    grids = np.array([shapely.box(0, 0, 14, 10), shapely.box(14, 0, 20, 10)])
    assert block_grids(blocks, grids).tolist() == [0, 1]
    assert block_grids(blocks, grids[:1]).tolist() == [0, -1]


def test_clean_plan_has_no_errors_and_lists_warnings(editor, grids):
    check = editor.check(grids)
    assert check["violations"] == [] and check["unassigned_blocks"] == 0
    notes = check["notes"]
    assert {n["severity"] for n in notes} <= {"accepted", "warning"}
    hh = check["stats"]["households"].to_numpy()
    p = editor.profile.grid
    off = int(((np.abs(hh - p.target_households) > p.target_band * p.target_households)
               & (hh >= p.min_households) & (hh <= p.max_households)).sum())
    assert len([n for n in notes if n["kind"] == "off_target" and n["level"] == "grid"]) == off


def test_merge_of_grids_that_do_not_touch_breaks_contiguity(editor, grids):
    geoms = grids.geometry.values
    a = 0
    b = next(r for r in range(1, len(grids)) if shapely.distance(geoms[a], geoms[r]) > 50)
    merged = apply_edit(grids, editor.merge(grids, int(grids.index[a]), int(grids.index[b])))
    found = editor.violations(merged)
    pieces = [v for v in found if v.kind == "not_contiguous" and v.level == "grid"]
    assert [v.codes for v in pieces] == [[grids["code"].iat[a]]] and pieces[0].value == 2


def test_community_bounds_and_contiguity_are_checked(editor, grids):
    profile = editor.profile
    small = dataclasses.replace(profile, community=dataclasses.replace(profile.community, max_households=500))
    plan = dataclasses.replace(editor.plan, grids=grids.reset_index(drop=True))
    over = [v for v in violations(plan, small) if v.kind == "over_max" and v.level == "community"]
    hh = editor.check(grids)["stats"].groupby(grids["community_code"].to_numpy())["households"].sum()
    assert sorted(v.codes[0] for v in over) == sorted(hh.index[hh.to_numpy() > 500])
    # A grid given to a community far away leaves that community in two pieces.
    comms = grids["community_code"].astype(str).to_numpy()
    assert len(set(comms)) > 1
    geoms = grids.geometry.values
    union = {c: shapely.union_all(geoms[comms == c]) for c in set(comms)}
    row, far_code = next((r, c) for r in range(len(grids)) for c in sorted(union)
                         if c != comms[r] and shapely.distance(geoms[r], union[c]) > 50)
    far = grids.copy()
    far.iloc[row, far.columns.get_loc("community_code")] = far_code
    found = [v for v in editor.violations(far) if v.kind == "not_contiguous" and v.level == "community"]
    assert [v.codes for v in found if v.codes == [far_code]] == [[far_code]]
    assert row in next(v for v in found if v.codes == [far_code]).rows


def test_single_building_over_the_maximum_is_accepted_not_an_error(editor, grids):
    plan = dataclasses.replace(editor.plan, grids=grids.reset_index(drop=True))
    blocks = plan.blocks.copy()
    labels = block_grids(blocks.geometry.values.to_numpy(), plan.grids.geometry.values.to_numpy())
    row = int(np.bincount(labels).argmin())
    only = np.flatnonzero(labels == row)
    heavy = blocks["households"].to_numpy().copy()
    heavy[only] = 0
    heavy[only[0]] = 900
    blocks["households"] = heavy
    plan = dataclasses.replace(plan, blocks=blocks)
    found = violations(plan, editor.profile, severities=("error", "accepted"))
    over = [v for v in found if v.kind == "over_max" and v.level == "grid" and v.rows == [row]]
    assert len(over) == 1 and over[0].severity == "accepted" and "oversize_building" in over[0].message


def test_slivers_are_not_gaps_but_a_drag_is(editor, grids):
    nudged = grids.copy()
    nudged.loc[nudged.index[0], "geometry"] = shapely.affinity.translate(nudged.geometry.iat[0], 0.01, 0)
    assert editor.violations(nudged) == []
    dragged = grids.copy()
    dragged.loc[dragged.index[0], "geometry"] = shapely.affinity.translate(dragged.geometry.iat[0], 30, 0)
    assert {"gap", "overlap"} <= {v.kind for v in editor.violations(dragged)}
    assert Tolerance(area_m2=1e9).slivers(np.array([shapely.box(0, 0, 100, 100)])).tolist() == [True]


# ---------------------------------------------------------------------- edits


def test_split_into_n_keeps_compounds_whole_and_is_honest(editor, grids):
    labels = editor.assignment(grids)
    original = editor.compounds
    editor.compounds = None

    def splits(r):
        try:
            return len(editor.split_into(grids, int(grids.index[r]), 2).add) == 1
        except EditError as err:
            assert "cannot be split into 2" in str(err)
            return False

    row = next(r for r in np.argsort(-np.bincount(labels)) if (labels == r).sum() >= 4 and splits(r))
    members = np.flatnonzero(labels == row)
    fid = int(grids.index[row])
    try:
        compounds = np.full(len(editor.blocks), -1)
        g = editor.graph()
        pair = next((int(v), int(u)) for v in members for u in g.indices[g.indptr[v]:g.indptr[v + 1]]
                    if u in set(members) and editor.households[[v, u]].sum() <= 150)
        compounds[list(pair)] = 7  # two neighbouring blocks of one compound
        editor.compounds = compounds
        edit = editor.split_into(grids, fid, 2)
        split = apply_edit(grids, edit)
        after = editor.assignment(split)
        assert len(split) == len(grids) + 1
        assert after[pair[0]] == after[pair[1]]
        assert not [v for v in editor.violations(split) if v.kind in ("split_compound", "not_contiguous", "gap")]
        codes = {str(c) for c in split["code"]} - {str(c) for c in grids["code"]}
        assert codes == set(new_codes(grids["code"], grids["community_code"].iat[row], 1))
        with pytest.raises(EditError, match=f"cannot be split into {len(members) + 1}: it has only"):
            editor.split_into(grids, fid, len(members) + 1)
        compounds[members] = 7  # the whole grid one compound: it cannot be divided
        with pytest.raises(EditError, match="cannot be split into 2"):
            editor.split_into(grids, fid, 2)
    finally:
        editor.compounds = original


def test_rebalance_keeps_locked_grids_and_compounds(editor, grids):
    locked_fids = [int(f) for f in grids.index[:3]]
    locked = apply_edit(grids, editor.set_locked(grids, locked_fids, True))
    geoms = locked.geometry.values
    a, b = next((a, b) for a in range(3, len(locked)) for b in range(a + 1, len(locked))
                if shapely.length(shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b]))) > 10)
    merged = apply_edit(locked, editor.merge(locked, int(locked.index[a]), int(locked.index[b])))
    seen = []
    edit = editor.rebalance(merged, progress=lambda f, s: seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 5
    out = apply_edit(merged, edit)
    for f in locked_fids:
        assert out.loc[f, "geometry"].wkb == merged.loc[f, "geometry"].wkb
    assert not set(edit.update) & set(locked_fids) and not set(edit.delete) & set(locked_fids)
    assert editor.violations(out) == []
    labels = editor.assignment(out)
    assert (labels >= 0).all()
    assert int(editor.check(out)["stats"]["households"].sum()) == int(editor.households.sum())


def test_a_move_that_would_leave_a_grid_in_pieces_is_refused(editor, grids):
    labels = editor.assignment(grids)
    far = next((b, r) for b in range(len(editor.blocks)) for r in range(len(grids))
               if labels[b] != r and shapely.distance(editor.block_geoms[b], grids.geometry.values[r]) > 50)
    with pytest.raises(EditError, match="would leave grid .* in 2 pieces"):
        editor.move_blocks(grids, [str(editor.blocks["block_id"].iat[far[0]])], int(grids.index[far[1]]))


def test_preview_of_a_move_is_what_the_move_does_with_the_bound_states(editor, grids):
    """Boxing a whole neighbour into a grid: the preview's households and states are those of the move made."""
    labels = editor.assignment(grids)
    geoms = grids.geometry.values
    hh = np.bincount(labels, weights=editor.households, minlength=len(grids))
    a, b = next((a, b) for a in range(len(grids)) for b in range(len(grids)) if a != b
                and hh[a] + hh[b] > editor.profile.grid.max_households
                and shapely.length(shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b]))) > 10)
    fa, fb = int(grids.index[a]), int(grids.index[b])
    ids = [str(i) for i in editor.blocks["block_id"].to_numpy()[labels == b]]
    preview = editor.preview_move(grids, ids, fa)
    moved = apply_edit(grids, editor.move_blocks(grids, ids, fa))
    after = editor.check(moved)["stats"]["households"]
    assert set(preview["grids"]) == {fa, fb} and preview["target"] == fa and preview["emptied"] == [fb]
    assert preview["moving"] == len(ids)
    assert preview["grids"][fa]["before"] == round(hh[a]) and preview["grids"][fa]["after"] == after[fa]
    assert preview["grids"][fb]["after"] == 0 and fb not in moved.index
    assert preview["grids"][fa]["state"] == "over_max" and preview["grids"][fb]["state"] == "under_min"
    for v, n in ((preview["grids"][fa], hh[a]), (preview["grids"][fb], hh[b])):
        assert v["state_before"] == bound_state(int(round(n)), editor.profile.grid)


def test_edited_plan_validates_and_with_edits_is_the_same(editor, grids):
    labels = editor.assignment(grids)
    geoms = grids.geometry.values

    def movable(i, a):
        """Block i (with households) touches grid a along an edge and its grid stays one piece without it."""
        rest = np.flatnonzero((labels == labels[i]) & (np.arange(len(labels)) != i))
        return (editor.households[i] > 0 and len(rest) and labels[i] != a
                and shapely.length(shapely.intersection(shapely.boundary(editor.block_geoms[i]),
                                                        shapely.boundary(geoms[a]))) > 10
                and shapely.get_type_id(editor.union(rest)) == 3)

    a, block = next((a, i) for a in range(len(grids)) for i in range(len(labels)) if movable(i, a))
    moved = apply_edit(grids, editor.move_blocks(grids, [str(editor.blocks["block_id"].iat[block])], int(grids.index[a])))
    plan = edited_plan(editor.plan, moved)
    assert gridkit.validate(plan).failures == []
    assert set(plan.changes["change"]) - {"unchanged"}
    again = editor.plan.with_edits(moved)
    assert again.grids.drop(columns="geometry").equals(plan.grids.drop(columns="geometry"))


# ---------------------------------------------------------------------- the plugin calls the public API only


def _public(module: str) -> set[str]:
    return set(getattr(importlib.import_module(module), "__all__", ()))


def test_the_plugin_imports_only_gridkit_public_api():
    """Every gridkit name the plugin imports is in its module's ``__all__``; no ``_private`` module or name."""
    bad = []
    files = sorted((ROOT / "qgis_plugin" / "gridkit_qgis").rglob("*.py"))
    assert len(files) > 10
    for path in files:
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "gridkit" \
                    and node.level == 0:
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if any(part.startswith("_") for part in node.module.split(".")):
                    bad.append(f"{where} module {node.module}")
                    continue
                public = _public(node.module)
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    if alias.name not in public and importlib.util.find_spec(sub) is None:
                        bad.append(f"{where} {sub}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "gridkit" and any(
                            p.startswith("_") for p in alias.name.split(".")):
                        bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}")
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "gridkit":
                if node.attr not in _public("gridkit") and node.attr != "__file__" and node.attr != "__version__":
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} gridkit.{node.attr}")
    assert bad == []


def test_validate_names_invalid_geometry_instead_of_failing(plan_file, tmp_path):
    """A grid written as a polygon whose second part became a hole outside its shell (what saving a
    two-piece grid into a single-polygon layer did) is a named invariant failure, exit 1."""
    import subprocess
    import sys

    plan = gridkit.read_plan(plan_file)
    grids = plan.grids.copy()
    a = grids.geometry.iat[0]
    far = next(g for g in grids.geometry.values[1:] if shapely.distance(a, g) > 50)
    broken = shapely.Polygon(shapely.get_coordinates(shapely.get_exterior_ring(a)),
                             [shapely.get_coordinates(shapely.get_exterior_ring(far))])
    assert not shapely.is_valid(broken)
    grids.loc[0, "geometry"] = broken
    path = tmp_path / "broken.gpkg"
    gridkit.write_plan(dataclasses.replace(plan, grids=grids), path)
    result = gridkit.validate(path)
    assert "grid.valid_geometry" in result.failures
    run = subprocess.run([sys.executable, "-m", "gridkit.cli", "validate", str(path)], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert run.returncode == 1, run.stderr
    assert "grid.valid_geometry" in run.stderr and "Traceback" not in run.stderr + run.stdout


def test_split_pieces_saves_a_two_piece_merge_as_two_valid_units(editor, grids):
    geoms = grids.geometry.values
    comms = grids["community_code"].astype(str).to_numpy()
    # Two grids of different communities far apart: the merged grid, and its new community, are in pieces.
    a, b = next((a, b) for a in range(len(grids)) for b in range(len(grids))
                if comms[a] != comms[b] and shapely.distance(geoms[a], geoms[b]) > 50)
    merged = apply_edit(grids, editor.merge(grids, int(grids.index[a]), int(grids.index[b])))
    assert "grid.contiguity" in gridkit.validate(edited_plan(editor.plan, merged)).failures
    fixed = apply_edit(merged, editor.split_pieces(merged))
    assert len(fixed) == len(grids)
    assert not [v for v in editor.violations(fixed) if v.kind == "not_contiguous"]
    plan = edited_plan(editor.plan, fixed)
    assert gridkit.validate(plan).failures == []
    assert len(set(plan.grids["code"])) == len(plan.grids)
    assert editor.split_pieces(fixed).empty


def test_a_sliver_along_a_split_line_stays_with_the_grid_it_touches():
    """A block on the far side of the line but touching only the near side joins the near side,
    so no block is left out of both grids' outlines."""
    from gridkit.edits import _stay_attached

    a, b, c = shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10), shapely.box(20, 0, 30, 10)
    sliver = shapely.box(0, 10, 10, 10.1)  # on top of a only
    side = _stay_attached(np.array([a, b, c, sliver]), np.array([0, 1, 1, 1]))
    assert side.tolist() == [0, 1, 1, 0]
    # A block that touches its own side keeps it.
    assert _stay_attached(np.array([a, b, c]), np.array([0, 1, 1])).tolist() == [0, 1, 1]


def test_a_plan_finds_its_input_wherever_it_was_written(hk_path, tmp_path, monkeypatch):
    """An input named relative to the working folder (`gridkit partition area/hk.gpkg -o plans/plan.gpkg`) is
    still found by the plan's editor from another folder: the run table keeps its absolute path (it kept the
    relative one, and QGIS's dock said 'compounds unknown (plan input not found)' for a CLI plan)."""
    import shutil

    (tmp_path / "area").mkdir()
    shutil.copy(hk_path, tmp_path / "area" / "hk.gpkg")
    monkeypatch.chdir(tmp_path)
    plan_path = tmp_path / "plans" / "plan.gpkg"
    plan_path.parent.mkdir()
    gridkit.write_plan(gridkit.partition(gridkit.read_area("area/hk.gpkg"), "default", seed=0), plan_path)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    editor = gridkit.edits.Editor.open(plan_path)
    assert editor.plan.run_value("input") == str(tmp_path / "area" / "hk.gpkg")
    assert editor.compounds is not None and (editor.compounds >= 0).any()


def test_a_grid_ringing_a_pond_splits_and_the_pond_goes_with_its_land():
    """A grid took in the pond its park rings (``slivers.enclosed``): no street links the pond to the rest,
    which made "split into 2" refuse ("its blocks lie in 3 pieces that no street links") on Tsim Sha Tsui's
    park once its water was read. The homes are divided; the pond goes with the part whose land rings it."""
    from handmade import gdf, line, rect

    homes = [rect(20 + 90 * i, 10, 60 + 90 * i, 40) for i in range(2)] + \
        [rect(20 + 90 * i, 60, 60 + 90 * i, 90) for i in range(2)]
    layers = {
        "boundary": gdf([rect(0, 0, 200, 200)]),
        "roads": gdf([line((-10, 50), (210, 50))], highway=["residential"], name=["幸福路"]),
        "barriers": gdf([rect(70, 120, 130, 170)], barrier_type=["water"]),
        "buildings": gdf(homes, households=[50] * 4, building_id=[f"b{i}" for i in range(4)]),
    }
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), load_profile("default"), seed=0)
    assert len(plan.grids) == 1 and gridkit.validate(plan).ok
    editor = Editor(plan)
    grids = grid_frame(plan)
    split = apply_edit(grids, editor.split_into(grids, int(grids.index[0]), 2))
    after = edited_plan(plan, split)
    report = gridkit.validate(after)
    assert report.ok, report.failures
    assert sorted(after.grids["households"]) == [100, 100]
    pond = after.grids[after.grids.geometry.covers(rect(71, 121, 129, 169))]
    assert len(pond) == 1 and pond["households"].iloc[0] == 100
