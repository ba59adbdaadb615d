"""The judge's computations on hand-made layouts whose values are known exactly."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
import shapely
import shapely.affinity
from handmade import gdf as _gdf
from handmade import line as _line
from handmade import X0, Y0
from handmade import rect as _rect

from gridkit.geometry import near_lines, shared_segments
from gridkit.graph import graph_edges
from gridkit.metrics import _boundary_scores
from gridkit.profile import load_profile

PROFILE = load_profile("default")


def test_near_lines_is_an_strtree_dwithin_query_with_shapely_distances() -> None:
    rng = np.random.default_rng(7)
    starts = rng.uniform(0, 500, size=(300, 1, 2))
    lines = shapely.linestrings(starts + np.cumsum(rng.normal(0, 40, size=(300, 6, 2)), axis=1))
    lines[:20] = shapely.multilinestrings([[line, shapely.affinity.translate(line, 30, 0)] for line in lines[:20]])
    xy = rng.uniform(-20, 520, size=(20000, 2))
    p, line, dist = near_lines(xy, lines, 3.0)
    points = shapely.points(xy)
    want_p, want_line = shapely.STRtree(lines).query(points, predicate="dwithin", distance=3.0)
    # A line near a point through two of its segments is listed twice: compare the distinct pairs.
    got = np.unique(np.c_[p, line], axis=0)
    assert np.array_equal(got, np.unique(np.c_[want_p, want_line], axis=0))
    nearest = {}
    for i, j, d in zip(p, line, dist, strict=True):
        nearest[(i, j)] = min(d, nearest.get((i, j), np.inf))
    want = shapely.distance(points[got[:, 0]], lines[got[:, 1]])
    assert [nearest[(i, j)] for i, j in got] == want.tolist()  # the same floats, not just close
    assert len(near_lines(xy[:0], lines, 3.0)[0]) == 0 and len(near_lines(xy, lines[:0], 3.0)[0]) == 0


def _row_of_blocks(street_blocks: list[int], households: list[int], lean: float = 0.0):
    """Blocks about 100 m square in a row from x = 0, their street blocks and households; with ``lean`` the
    edges between them are slanted (their top ends ``lean`` m east), so points along them are rounded."""
    n = len(street_blocks)
    x = [100.0 * i for i in range(n + 1)]
    tops = [0.0] + [xi + lean for xi in x[1:-1]] + [x[-1]]
    polys = [shapely.Polygon([(X0 + x[i], Y0), (X0 + x[i + 1], Y0), (X0 + tops[i + 1], Y0 + 100.3),
                              (X0 + tops[i], Y0 + 100.3)]) for i in range(n)]
    return _gdf(polys, street_block=street_blocks, households=households, population=households,
                buildings=[0] * n, block_id=[str(i) for i in range(n)])


def test_graph_edge_costs_on_a_road_off_roads_and_across_a_barrier() -> None:
    blocks = _row_of_blocks([0, 0, 1, 1], [10, 10, 10, 10])
    roads = _gdf([_line((200, -50), (200, 150))], highway=["primary"])
    barriers = _gdf([_line((300, -50), (300, 150))], barrier_type=["waterway"], kind=["river"])
    edges = graph_edges(blocks, roads, barriers, PROFILE)
    # Blocks 2 and 3 are apart: a river runs between them and no road crosses it.
    assert list(zip(edges.left.tolist(), edges.right.tolist())) == [(0, 1), (1, 2)]
    assert edges.length.tolist() == pytest.approx([100.3, 100.3])
    assert edges.cost.tolist() == pytest.approx([100.3 * PROFILE.roads.cost_no_road,
                                                 100.3 * PROFILE.roads.cost_primary])
    assert edges.kind.tolist() == ["none", "primary"]
    # A road across the river links them, at the cost of crossing it.
    bridged = _gdf([*roads.geometry, _line((250, 50), (350, 50))], highway=["primary", "residential"])
    crossed = graph_edges(blocks, bridged, barriers, PROFILE)
    assert list(zip(crossed.left.tolist(), crossed.right.tolist()))[-1] == (2, 3)
    assert crossed.kind[-1] == "barrier_crossing"
    assert crossed.cost[-1] == pytest.approx(100.3 * PROFILE.roads.cost_barrier_crossing)


def _scores(grids, blocks) -> dict[str, float]:  # noqa: ANN001
    """Boundary scores of ``grids`` over ``blocks`` with no road or barrier anywhere."""
    return _boundary_scores(grids, blocks, _gdf([], highway=[]), _gdf([], barrier_type=[], kind=[]), PROFILE,
                            shared_segments(blocks.geometry.values.to_numpy()))


def test_boundary_on_the_edge_between_two_street_blocks_is_inside_neither() -> None:
    """Grids: block 0 | block 1 | blocks 2-3; street block 0 (blocks 0-1) is over-full, street block 1 (blocks
    2-3) is not, and no road runs anywhere (the edge between the street blocks may be a snap connector or a
    district boundary). The boundary inside street block 0 is off-road and forced; the one on the edge between
    the street blocks is inside neither, however the points along it round."""
    over = PROFILE.grid.max_households
    # Slanted edges: about half the sample points along them round into the block on one side.
    blocks = _row_of_blocks([0, 0, 1, 1], [over, over, 10, 10], lean=0.37)
    grids = _gdf([blocks.geometry[0], blocks.geometry[1], shapely.union_all(blocks.geometry[2:])],
                 code=["a", "b", "c"])
    scores = _scores(grids, blocks)
    assert scores["interior_boundary_m"] == pytest.approx(2 * shapely.length(shapely.LineString(
        [(0, 0), (0.37, 100.3)])))
    assert scores["road_following"] == 0.0
    assert scores["offroad_inside_street_blocks_share"] == pytest.approx(0.5)
    assert scores["offroad_forced_share"] == pytest.approx(0.5)
    assert scores["road_following_where_possible"] == 0.0


def test_boundary_drawn_across_a_block_is_inside_its_street_block() -> None:
    """A grid boundary through the middle of block 3 follows no block edge: it lies inside street block 1."""
    blocks = _row_of_blocks([0, 0, 1, 1], [10, 10, 10, 10])
    grids = _gdf([_rect(0, 0, 350, 100), _rect(350, 0, 400, 100)], code=["a", "b"])
    scores = _scores(grids, blocks)
    assert scores["interior_boundary_m"] == 100.0
    assert scores["road_following"] == 0.0
    assert scores["offroad_inside_street_blocks_share"] == 1.0
    assert scores["offroad_forced_share"] == 0.0


def test_a_plan_saved_with_multipolygon_layers_validates_and_a_split_grid_does_not(plan_file, tmp_path) -> None:
    # QGIS, GDAL and the batch's merge store every polygon of a layer as a MultiPolygon: a grid of one part is
    # still one polygon. A grid of two parts is not, whatever its type.
    import pyogrio

    import gridkit

    multi = tmp_path / "multi.gpkg"
    shutil.copy(plan_file, multi)
    for layer in ("grids", "communities"):
        frame = pyogrio.read_dataframe(plan_file, layer=layer)
        pyogrio.write_dataframe(frame, multi, layer=layer, promote_to_multi=True)
    assert set(pyogrio.read_dataframe(multi, layer="grids").geom_type) == {"MultiPolygon"}
    assert set(gridkit.read_plan(multi).grids.geom_type) == {"Polygon"}
    assert gridkit.validate(multi).failures == []

    plan = gridkit.read_plan(plan_file)
    as_multi = plan.grids.copy()
    as_multi["geometry"] = [shapely.MultiPolygon([g]) for g in as_multi.geometry.values]
    metrics = gridkit.validate(dataclasses.replace(plan, grids=as_multi)).metrics.set_index(["level", "name"])
    assert metrics.loc[("grid", "contiguity"), "value"] == 0.0
    grids = plan.grids.copy()
    first = grids.geometry.values[0]
    apart = shapely.affinity.translate(first, xoff=5000.0)
    grids.loc[grids.index[0], "geometry"] = shapely.MultiPolygon([first, apart])
    metrics = gridkit.validate(dataclasses.replace(plan, grids=grids)).metrics.set_index(["level", "name"])
    assert metrics.loc[("grid", "contiguity"), "value"] == 1.0
    assert metrics.loc[("grid", "contiguity"), "passed"] == "no"
