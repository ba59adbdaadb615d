"""LiveChecks kept up to date edit after edit give the answers of a fresh computation."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from handmade import apply_edit, grid_frame

from gridkit.checks import LiveChecks, block_grids
from gridkit.edits import EditError, Editor


@pytest.fixture(scope="module")
def editor(plan_file):
    return Editor.open(plan_file)


def _summary(found):
    return sorted((v.kind, v.level, v.severity, tuple(v.codes), round(float(v.value), 1),
                   round(float(shapely.area(v.geometry)), 1) if v.geometry is not None else 0.0) for v in found)


def test_incremental_checks_match_a_fresh_computation(editor):
    grids = grid_frame(editor.plan)
    profile = editor.profile
    live = LiveChecks(editor.plan, profile, compounds=editor.compounds, sites=editor.sites)
    rng = np.random.default_rng(3)
    kinds_seen = set()
    all_kinds = ("error", "accepted", "warning")
    for step in range(14):
        op = step % 5
        fids = list(grids.index)
        try:
            if op == 0:  # a block to a neighbouring grid
                labels = editor.assignment(grids)
                b = int(rng.integers(len(editor.blocks)))
                near = shapely.STRtree(grids.geometry.values).query(editor.block_geoms[b], predicate="intersects")
                target = next((int(grids.index[r]) for r in near if r != labels[b]), None)
                if target is None:
                    continue
                edit = editor.move_blocks(grids, [str(editor.blocks["block_id"].iat[b])], target)
            elif op == 1:  # merge two grids (anywhere: may break contiguity and community bounds)
                a, b = rng.choice(len(fids), 2, replace=False)
                edit = editor.merge(grids, int(fids[a]), int(fids[b]))
            elif op == 2:
                edit = editor.split_into(grids, int(fids[int(rng.integers(len(fids)))]), 2)
            elif op == 3:  # drag a grid by hand: gaps and overlaps
                r = int(rng.integers(len(fids)))
                grids = grids.copy()
                grids.loc[fids[r], "geometry"] = shapely.affinity.translate(grids.geometry.iat[r],
                                                                            float(rng.normal(0, 20)), 0)
                edit = None
            else:  # a grid given to another community
                r = int(rng.integers(len(fids)))
                grids = grids.copy()
                grids.iloc[r, grids.columns.get_loc("community_code")] = str(grids["community_code"].iat[-1 - r])
                edit = None
        except EditError:
            continue
        if edit is not None:
            grids = apply_edit(grids, edit)
        labels = live.update(grids)
        assert not live.full or step == 0 or len(live.changed) > 0.3 * len(grids)
        fresh = LiveChecks(editor.plan, profile, compounds=editor.compounds, sites=editor.sites)
        fresh_labels = fresh.update(grids)
        assert labels.tolist() == fresh_labels.tolist() == block_grids(editor.block_geoms,
                                                                       grids.geometry.values).tolist()
        got = _summary(live.violations(grids, labels, all_kinds))
        assert got == _summary(fresh.violations(grids, fresh_labels, all_kinds)), step
        kinds_seen |= {k for k, *_ in got}
        colours = live.colours(grids)
        geoms = grids.geometry.values
        for a in range(len(geoms)):
            for b in shapely.STRtree(geoms).query(geoms[a], predicate="intersects"):
                if b != a and shapely.length(shapely.intersection(shapely.boundary(geoms[a]),
                                                                  shapely.boundary(geoms[b]))) > 1e-9:
                    assert colours[a] != colours[int(b)]
    # The walk did reach the interesting cases.
    assert {"over_max", "not_contiguous", "gap", "overlap"} <= kinds_seen
