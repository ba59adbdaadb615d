"""Lines a resident recognises where no road runs: walls, fences, canals, compound edges.

A hand-made sparse town (one main road, two walled compounds, a canal, open
fields with scattered farm houses): the grid boundaries that no road can
carry run along the walls and the canal, not across the fields; with the
compounds drawn only as landuse polygons (no wall), along their edges.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely
from handmade import X0, Y0
from handmade import gdf as _gdf
from handmade import line as _line
from handmade import rect as _rect

import gridkit
from gridkit.geometry import pair_lines, shared_segments
from gridkit.graph import segments
from gridkit.lines import LANDUSE_EDGE, is_landuse_edge, split_barriers

PROFILE = gridkit.load_profile("default")
# The shipped profiles select no landuse kind (profile [lines]): a town whose compounds are drawn as landuse does.
COMPOUND_EDGES = dataclasses.replace(PROFILE, lines=dataclasses.replace(PROFILE.lines,
                                                                        landuse_edge_kinds=("residential",)))


def _houses(x0, y0, x1, y1, n, households):
    """``n`` houses of 12 x 10 m on a row-major lattice inside the box."""
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    dx, dy = (x1 - x0) / cols, (y1 - y0) / rows
    out = [_rect(x0 + i * dx + dx / 2 - 6, y0 + j * dy + dy / 2 - 5, x0 + i * dx + dx / 2 + 6, y0 + j * dy + dy / 2 + 5)
           for j in range(rows) for i in range(cols)][:n]
    return out, [households] * n


WALL_A = (40, 170, 160, 280)   # compound A, north-west
WALL_B = (240, 20, 360, 130)   # compound B, south-east


def _town(small_compound: bool = False, walls: bool = True, landuse: bool = False):
    """400 x 300 m: main road west-east at y = 150, a canal north-south at x = 200 (bridged by the road).

    Compound A (north-west) and B (south-east) hold 150 households each behind
    their walls; farm houses around them and in the other two quadrants hold
    60 + 60 + 120 + 120. With ``landuse`` the two compounds are also residential landuse polygons
    (and farmland under the south-west fields, a kind whose edge is no line to cut along).
    """
    a_hh = 8 if small_compound else 25
    geoms, hh = [], []
    for box_, n, h in (((50, 180, 150, 270), 6, a_hh),       # inside wall A
                       ((250, 30, 350, 120), 6, 25),          # inside wall B
                       ((10, 10, 190, 140), 6, 20),           # south-west fields
                       ((210, 160, 390, 290), 6, 20),         # north-east fields
                       ((170, 180, 195, 290), 3, 20),         # farm houses east of wall A
                       ((210, 10, 235, 140), 3, 20)):         # farm houses west of wall B
        g, w = _houses(*box_, n, h)
        geoms += g
        hh += w
    lines = [_line((200, -10), (200, 310))]
    kinds = ["canal"]
    if walls:
        lines += [shapely.boundary(_rect(*WALL_A)), shapely.boundary(_rect(*WALL_B))]
        kinds += ["wall", "fence"]
    layers = {
        "boundary": _gdf([_rect(0, 0, 400, 300)]),
        "roads": _gdf([_line((-10, 150), (410, 150))], highway=["primary"], name=["镇中路"], bridge=[True]),
        "barriers": _gdf(lines, barrier_type=["waterway" if k == "canal" else k for k in kinds], kind=kinds),
        "buildings": _gdf(geoms, households=hh, building_id=[f"h{i}" for i in range(len(hh))]),
    }
    if landuse:
        layers["landuse"] = _gdf([_rect(*WALL_A), _rect(*WALL_B), _rect(5, 5, 195, 145)],
                                 kind=["residential", "residential", "farmland"], name=["甲小区", "乙小区", ""])
    return layers


def _shared_lines(geoms: np.ndarray) -> np.ndarray:
    """The boundary every two grids share, one line per pair."""
    left, _, start, end, pair = shared_segments(geoms)
    return pair_lines(start, end, pair, np.arange(len(left)))


def _interior(plan) -> tuple[np.ndarray, np.ndarray]:
    lines = _shared_lines(plan.grids.geometry.values.to_numpy())
    mid, length, _ = segments(lines)
    return mid, length


def _near(points, geoms, reach=3.0) -> np.ndarray:
    return shapely.distance(points[:, None], np.asarray(geoms, dtype=object)[None, :]).min(axis=1) <= reach


def _shares(walls: bool, landuse: bool = False, profile=PROFILE) -> tuple[float, float]:
    """Share of the interior boundary on walls (or compound edges), canal or road; and the share of the
    wall perimeter used."""
    layers = _town(walls=walls, landuse=landuse)
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test", profile=profile), profile, seed=0)
    assert gridkit.validate(plan).ok
    mid, length = _interior(plan)
    wall_lines = [shapely.boundary(_rect(*WALL_A)), shapely.boundary(_rect(*WALL_B))]
    on_wall = _near(mid, wall_lines)
    on_known = on_wall | _near(mid, layers["barriers"].geometry.values[:1]) | _near(mid, layers["roads"].geometry.values)
    return float(length[on_known].sum() / length.sum()), float(length[on_wall].sum() / shapely.length(wall_lines).sum())


def test_sparse_town_grids_meet_on_walls_canal_and_road():
    """Every grid boundary runs on a wall, the canal or the road; both walls are boundaries all round."""
    known, wall_used = _shares(walls=True)
    assert known >= 0.95
    assert wall_used >= 0.95


def test_without_the_walls_boundaries_cross_the_fields():
    """The control: the same town without its walls puts a fifth of its boundary across open ground."""
    known, wall_used = _shares(walls=False)
    assert known < 0.9
    assert wall_used < 0.2


def test_compounds_drawn_only_as_landuse_get_boundaries_on_their_edges():
    """No wall in the input, the compounds only residential landuse polygons: the boundaries still run on
    their edges, the canal and the road, as with the walls."""
    known, edge_used = _shares(walls=False, landuse=True, profile=COMPOUND_EDGES)
    assert known >= 0.95
    assert edge_used >= 0.95


def test_without_landuse_edge_kinds_the_landuse_is_ignored():
    """The control: the default profile selects no landuse kind, and the same town cuts across the fields."""
    assert PROFILE.lines.landuse_edge_kinds == ()
    known, edge_used = _shares(walls=False, landuse=True)
    assert known < 0.9
    assert edge_used < 0.2


def test_landuse_edges_are_soft_lines_that_road_following_leaves_out():
    """A compound's edge joins the barriers layer as a soft line of its own cost; the farmland's does not
    (not one of the kinds); road following counts it as neither road nor barrier."""
    area = gridkit.area_from_layers(_town(walls=False, landuse=True), where="test", profile=COMPOUND_EDGES)
    edges = area.barriers[is_landuse_edge(area.barriers)]
    assert sorted(edges["name"]) == ["乙小区", "甲小区"]
    hard, _, kind = split_barriers(area.barriers, COMPOUND_EDGES)
    assert hard["kind"].tolist() == ["canal"]
    assert kind.tolist() == [LANDUSE_EDGE, LANDUSE_EDGE]
    assert COMPOUND_EDGES.lines.cost(LANDUSE_EDGE) == COMPOUND_EDGES.lines.cost_landuse_edge
    # Read under a profile with no landuse kind (the default), the plan's landuse edges are neither hard nor soft.
    hard, soft, _ = split_barriers(area.barriers, PROFILE)
    assert hard["kind"].tolist() == ["canal"] and len(soft) == 0
    plan = gridkit.partition(area, COMPOUND_EDGES, seed=0)
    rf = plan.metrics.set_index("name")["value"]
    mid, length = _interior(plan)
    on_road_or_canal = _near(mid, area.barriers.geometry.values[:1]) | _near(mid, area.roads.geometry.values)
    assert float(rf["road_following"]) == pytest.approx(float(length[on_road_or_canal].sum() / length.sum()),
                                                         abs=0.02)
    assert float(rf["road_following"]) < 0.9


def test_major_road_share_counts_the_canal_and_main_road_not_the_walls():
    """Boundaries on walls follow a line (road following) but not a major one: only dividing barriers (the
    canal) and tertiary-or-above roads count in major_road_share."""
    layers = _town(walls=True)
    area = gridkit.area_from_layers(layers, where="test")
    plan = gridkit.partition(area, PROFILE, seed=0)
    scores = plan.metrics.set_index("name")["value"].astype(float)
    mid, length = _interior(plan)
    major = _near(mid, layers["barriers"].geometry.values[:1]) | _near(mid, layers["roads"].geometry.values)
    wall = _near(mid, [shapely.boundary(_rect(*WALL_A)), shapely.boundary(_rect(*WALL_B))])
    assert length[wall & ~major].sum() > 0.2 * length.sum()
    assert scores["major_road_share"] == pytest.approx(float(length[major].sum() / length.sum()), abs=0.02)
    assert scores["road_following"] > scores["major_road_share"] + 0.2


def test_a_wall_is_no_barrier():
    """A compound of 48 households behind a wall is too small for a grid: it joins its neighbours."""
    layers = _town(small_compound=True)
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), PROFILE, seed=0)
    assert gridkit.validate(plan).ok
    assert not plan.grids["flags"].str.contains("isolated").any()
    assert plan.grids["households"].between(PROFILE.grid.min_households, PROFILE.grid.max_households).all()


def test_soft_lines_are_split_from_barriers_by_kind():
    hard, soft, kind = split_barriers(_town()["barriers"], PROFILE)
    assert hard["kind"].tolist() == ["canal"]
    assert kind.tolist() == ["wall", "wall"]  # a fence costs as a wall


def _row_of_houses():
    """One street block, 60 m tall west of x = 150 and 90 m tall east of it, no road inside: a west group
    of 110 households, 4 m from a middle group of 40, 31 m from an east group of 100 (two grids needed)."""
    outline = shapely.Polygon([(X0 + x, Y0 + y) for x, y in
                               [(0, 0), (300, 0), (300, 90), (150, 90), (150, 60), (0, 60)]])
    houses, hh = [], []
    for x0, x1, y1, total in ((5, 95, 60, 110), (99, 139, 60, 40), (170, 296, 90, 100)):
        cells = [_rect(x, y, x + 8, y + 8) for x in range(x0, x1 - 7, 10) for y in range(5, y1 - 12, 10)]
        share = np.full(len(cells), total // len(cells))
        share[: total - share.sum()] += 1
        houses += cells
        hh += share.tolist()
    return {"boundary": _gdf([outline]), "roads": _gdf([_line((-10, -3), (310, -3))], highway=["residential"]),
            "buildings": _gdf(houses, households=hh, building_id=[f"h{i}" for i in range(len(hh))])}


def _cut_x(profile) -> tuple[float, float]:
    plan = gridkit.partition(gridkit.area_from_layers(_row_of_houses(), where="test"), profile, seed=0)
    assert gridkit.validate(plan).ok and len(plan.grids) == 2
    lines = _shared_lines(plan.grids.geometry.values.to_numpy())
    xs = shapely.get_coordinates(lines)[:, 0] - X0
    return float(xs.min()), float(xs.max())


def test_an_off_road_cut_goes_through_the_widest_gap():
    """With no road to follow, the boundary runs through the 31 m gap, not between houses 2 or 4 m apart."""
    lo, hi = _cut_x(PROFILE)
    assert 139 <= lo and hi <= 170


def test_without_the_wide_gap_discount_the_cut_runs_between_houses():
    """The control: every off-road metre at one cost, the shorter cut between the close houses wins."""
    flat = dataclasses.replace(PROFILE, roads=dataclasses.replace(PROFILE.roads,
                                                                  cost_no_road_wide_gap=PROFILE.roads.cost_no_road))
    lo, hi = _cut_x(flat)
    assert hi < 139


def _two_rows_of_houses():
    """One street block with no road inside: a west and an east row of houses (13 households each,
    240 in all, so two grids), their facing ends staggered by 8 m, so the gap between the rows
    zigzags from x = 96 to 104 and back every 15 m."""
    houses, hh = [], []
    for j, y in enumerate(range(5, 140, 15)):
        west_end, east_start = (88, 104) if j % 2 else (96, 112)
        houses += [_rect(20, y, west_end, y + 10), _rect(east_start, y, 180, y + 10)]
        hh += [13, 13]
    return {"boundary": _gdf([shapely.box(X0, Y0, X0 + 200, Y0 + 150)]),
            "roads": _gdf([_line((-10, -3), (210, -3))], highway=["residential"]),
            "buildings": _gdf(houses, households=hh, building_id=[f"h{i}" for i in range(len(hh))])}


def _gap_cut(straighten: float) -> np.ndarray:
    profile = dataclasses.replace(PROFILE, blocks=dataclasses.replace(PROFILE.blocks, gap_cut_straighten_m=straighten))
    plan = gridkit.partition(gridkit.area_from_layers(_two_rows_of_houses(), where="test"), profile, seed=0)
    assert gridkit.validate(plan).ok and len(plan.grids) == 2
    lines = _shared_lines(plan.grids.geometry.values.to_numpy())
    return shapely.get_coordinates(shapely.line_merge(shapely.union_all(lines)))


def test_a_cut_between_buildings_is_straightened_inside_the_gap():
    """The Voronoi edge between the rows bends round every house corner; straightened, the boundary has
    under half the vertices, still runs through the gap between the rows, and splits no house."""
    straight, voronoi = _gap_cut(PROFILE.blocks.gap_cut_straighten_m), _gap_cut(0.0)
    assert PROFILE.blocks.gap_cut_straighten_m > 0
    assert len(straight) < len(voronoi) / 2
    for cut in (straight, voronoi):
        assert 96 - 1e-6 <= (cut[:, 0] - X0).min() and (cut[:, 0] - X0).max() <= 104 + 1e-6
    assert shapely.length(shapely.LineString(straight)) <= shapely.length(shapely.LineString(voronoi)) + 1e-6


def _expressway_town(highway: str, bridge: bool = False, marked: bool | None = None,
                     underpass: bool = False) -> dict:
    """A 200 x 300 m town cut by an east-west road at y = 150: twelve homes of 15 households, six each side,
    all one grid's worth (180 of the default 200). A street crosses it at x = 100 when ``underpass``."""
    homes = [_rect(15 + 30 * i, y, 35 + 30 * i, y + 20) for i in range(6) for y in (100, 180)]
    roads = [_line((-10, 150), (210, 150))]
    cols: dict = {"highway": [highway], "name": ["京港澳高速"], "bridge": [bridge]}
    if marked is not None:
        cols["barrier"] = [marked]
    if underpass:
        roads.append(_line((100, 60), (100, 240)))
        for k, v in {"highway": "residential", "name": "下穿路", "bridge": False, "barrier": False}.items():
            if k in cols:
                cols[k].append(v)
    return {"boundary": _gdf([_rect(0, 0, 200, 300)]), "roads": _gdf(roads, **cols),
            "buildings": _gdf(homes, households=[15] * 12, building_id=[f"h{i}" for i in range(12)])}


def _grids_of_homes(layers: dict, profile: gridkit.Profile = PROFILE) -> list[int]:
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test", profile=profile), profile, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    return sorted(plan.grids.loc[plan.grids["households"] > 0, "households"].tolist())


def test_an_expressway_divides_like_a_railway():
    """With ``roads.barrier_classes`` naming motorways, a motorway splits the twelve homes into a grid each
    side; a residential street in its place does not, nor a motorway under the default profile; a street
    under it links the sides again."""
    dividing = dataclasses.replace(PROFILE, roads=dataclasses.replace(PROFILE.roads, barrier_classes=("motorway",)))
    assert _grids_of_homes(_expressway_town("motorway"), dividing) == [90, 90]
    assert _grids_of_homes(_expressway_town("residential"), dividing) == [180]
    assert _grids_of_homes(_expressway_town("motorway", underpass=True), dividing) == [180]
    assert _grids_of_homes(_expressway_town("motorway")) == [180]


def test_the_roads_barrier_column_marks_a_road_that_divides():
    """DESIGN's ``barrier`` column of the roads layer: a trunk road so marked divides; an expressway on a
    viaduct does not (the land beneath it is walked across), unless the input marks it."""
    dividing = dataclasses.replace(PROFILE, roads=dataclasses.replace(PROFILE.roads, barrier_classes=("motorway",)))
    assert _grids_of_homes(_expressway_town("trunk", marked=True)) == [90, 90]
    assert _grids_of_homes(_expressway_town("trunk", marked=False)) == [180]
    assert _grids_of_homes(_expressway_town("motorway", bridge=True), dividing) == [180]
    assert _grids_of_homes(_expressway_town("motorway", bridge=True, marked=True)) == [90, 90]
