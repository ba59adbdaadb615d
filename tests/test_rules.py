"""Small hand-made areas with exact answers: oversize buildings, rivers and bridges,
compounds cut along their service road, and input cleaning."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from handmade import X0, Y0
from handmade import gdf as _gdf
from handmade import line as _line
from handmade import rect as _rect
from shapely.geometry import Polygon

import gridkit

PROFILE = gridkit.load_profile("default")
MAX_HH = PROFILE.grid.max_households


def _plan(layers, profile=PROFILE):
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), profile, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    return plan


def _grid_of(plan, building_id):
    code = plan.buildings.loc[plan.buildings["building_id"] == building_id, "grid_code"].iloc[0]
    return plan.grids[plan.grids["code"] == code].iloc[0]


def _log(plan, key):
    return plan.run_value(f"log.{key}")


# --- an oversize building ------------------------------------------------------------------------

@pytest.mark.parametrize("shared_block", [False, True], ids=["own_street_block", "shares_a_street_block"])
def test_oversize_building_is_its_own_flagged_grid(shared_block):
    """A 500-household tower is a grid alone, flagged; the other grids are within bounds.

    Three street blocks in a row; the tower stands in the middle one, either
    alone or with small neighbours that it must not drag into its grid.
    """
    roads = _gdf([_line((100, -10), (100, 110)), _line((200, -10), (200, 110))], highway=["residential"] * 2)
    tower = _rect(120, 20, 160, 80)
    small = [_rect(10 + 30 * i, 10 + 45 * j, 30 + 30 * i, 40 + 45 * j) for i in range(3) for j in range(2)]
    small += [_rect(210 + 30 * i, 10 + 45 * j, 230 + 30 * i, 40 + 45 * j) for i in range(3) for j in range(2)]
    if shared_block:
        small += [_rect(170, 10, 190, 40), _rect(170, 60, 190, 90)]
    hh = [500] + [30] * (len(small))
    bld = _gdf([tower] + small, households=hh, building_id=[f"t{i}" for i in range(len(hh))])
    plan = _plan({"buildings": bld, "roads": roads, "boundary": _gdf([_rect(0, 0, 300, 100)])})

    grid = _grid_of(plan, "t0")
    assert grid["flags"] == "oversize_building"
    assert grid["households"] == 500
    assert (plan.buildings["grid_code"] == grid["code"]).sum() == 1
    others = plan.grids[plan.grids["code"] != grid["code"]]
    assert (others["flags"] == "").all()
    assert others["households"].between(PROFILE.grid.min_households, MAX_HH).all()
    assert others["households"].sum() == 30 * len(small)
    within = plan.metrics.loc[plan.metrics["name"] == "within_bounds", "value"].iloc[0]
    assert within == 1.0


# --- a river, with and without a bridge ----------------------------------------------------------

def _river_layers(households, roads=None):
    """A 200 m square cut west-east by a river, one building on each side."""
    layers = {
        "boundary": _gdf([_rect(0, 0, 200, 200)]),
        "barriers": _gdf([_line((-20, 100), (220, 100))], barrier_type=["waterway"]),
        "buildings": _gdf([_rect(20, 20, 60, 60), _rect(20, 140, 60, 180)], households=households,
                          building_id=["south", "north"]),
    }
    if roads is not None:
        layers["roads"] = roads
    return layers


@pytest.mark.parametrize("households", [[120, 120], [60, 60]])
def test_river_without_bridge_keeps_halves_apart(households):
    plan = _plan(_river_layers(households))
    assert len(plan.grids) == 2
    assert _grid_of(plan, "south")["code"] != _grid_of(plan, "north")["code"]
    assert sorted(plan.grids["households"]) == sorted(households)


def test_river_with_bridge_halves_of_120_stay_two_grids():
    bridge = _gdf([_line((100, 0), (100, 200))], highway=["residential"], bridge=[True])
    plan = _plan(_river_layers([120, 120], bridge))
    assert len(plan.grids) == 2
    assert sorted(plan.grids["households"]) == [120, 120]


def test_river_with_bridge_halves_of_60_form_one_grid():
    bridge = _gdf([_line((100, 0), (100, 200))], highway=["residential"], bridge=[True])
    plan = _plan(_river_layers([60, 60], bridge))
    assert len(plan.grids) == 1  # fewest grids: the bridge lets the halves join
    assert plan.grids["households"].tolist() == [120]
    assert plan.grids["flags"].tolist() == [""]


def test_streets_that_stop_at_the_river_do_not_bridge_it():
    """Both halves of a street end on the river (no bridge): the river still divides.

    This is how OSM draws a street interrupted by a river, and how
    benchmarks/synthetic.py draws it.
    """
    roads = _gdf([_line((100, 0), (100, 100)), _line((100, 100), (100, 200))],
                 highway=["residential"] * 2, bridge=[False, False])
    plan = _plan(_river_layers([60, 60], roads))
    assert _grid_of(plan, "south")["code"] != _grid_of(plan, "north")["code"]
    assert len(plan.grids) == 2


# --- a compound cut along its service road -------------------------------------------------------

def _compound_layers(buildings, households, service=True):
    """A 200 m block ringed by residential streets; a service road at x=100 splits it in two."""
    ring = [_line((0, 0), (200, 0)), _line((200, 0), (200, 200)), _line((200, 200), (0, 200)),
            _line((0, 200), (0, 0))]
    lines, classes = ring, ["residential"] * 4
    if service:
        lines, classes = ring + [_line((100, 0), (100, 200))], classes + ["service"]
    return {
        "boundary": _gdf([_rect(0, 0, 200, 200)]),
        "roads": _gdf(lines, highway=classes),
        "buildings": _gdf(buildings, households=households),
    }


SERVICE = _line((100, 0), (100, 200))


def _shared_boundary(plan):
    assert len(plan.grids) == 2
    a, b = plan.grids.geometry.values
    return shapely.line_merge(shapely.intersection(a.boundary, b.boundary))


def test_compound_is_cut_along_its_service_road():
    """300 households, one apartment building on each side of the service road.

    The two buildings' gap bisector lies near x=120, off the service road, so a
    cut along building gaps would be told apart from one along the road.
    """
    buildings = [_rect(20, 20, 90, 180), _rect(150, 60, 180, 140)]
    plan = _plan(_compound_layers(buildings, [150, 150]))
    assert set(plan.blocks["origin"]) == {"inner"}
    assert plan.blocks["street_block"].nunique() == 1
    assert sorted(plan.grids["households"]) == [150, 150]
    shared = _shared_boundary(plan)
    assert shared.length == pytest.approx(200, abs=1.0)
    assert shapely.hausdorff_distance(shared, SERVICE) <= 3.0


def test_compound_without_service_road_is_cut_along_the_gap():
    """Control for the test above: without the service road the cut is off x=100."""
    buildings = [_rect(20, 20, 90, 180), _rect(150, 60, 180, 140)]
    plan = _plan(_compound_layers(buildings, [150, 150], service=False))
    assert set(plan.blocks["origin"]) == {"gap"}
    assert shapely.hausdorff_distance(_shared_boundary(plan), SERVICE) > 10.0


def test_compound_with_many_buildings_grids_meet_on_the_service_road():
    """Three 50-household buildings on each side: whatever the halves are cut into,
    the two grids meet on the service road, not along a gap between buildings."""
    buildings = [_rect(20, 20 + 60 * j, 90, 60 + 60 * j) for j in range(3)]
    buildings += [_rect(130, 20 + 60 * j, 180, 60 + 60 * j) for j in range(3)]
    plan = _plan(_compound_layers(buildings, [50] * 6))
    assert sorted(plan.grids["households"]) == [150, 150]
    west = plan.buildings.geometry.centroid.x < X0 + 100
    assert plan.buildings.loc[west, "grid_code"].nunique() == 1
    assert plan.buildings.loc[~west, "grid_code"].nunique() == 1
    assert shapely.hausdorff_distance(_shared_boundary(plan), SERVICE) <= 3.0


# --- input cleaning ------------------------------------------------------------------------------

def test_buildings_outside_boundary_are_left_out_and_logged():
    buildings = [
        _rect(10, 10, 40, 40),  # inside
        _rect(60, 10, 90, 40),  # inside
        _rect(300, 10, 330, 40),  # wholly outside
        _rect(90, 50, 130, 60),  # three quarters outside
        _rect(-5, 60, 25, 90),  # mostly inside: kept
    ]
    layers = {"boundary": _gdf([_rect(0, 0, 100, 100)]),
              "buildings": _gdf(buildings, households=[10, 20, 30, 40, 50], building_id=list("abcde"))}
    plan = _plan(layers)
    assert _log(plan, "buildings_outside_boundary_left_out") == "2"
    assert sorted(plan.buildings["building_id"]) == ["a", "b", "e"]
    assert plan.grids["households"].sum() == 80


def test_duplicate_footprints_are_merged():
    buildings = [_rect(10, 10, 40, 40), _rect(10, 10, 40, 40.5), _rect(60, 10, 90, 40.5), _rect(60, 10, 90, 40)]
    layers = {"boundary": _gdf([_rect(0, 0, 100, 100)]),
              "buildings": _gdf(buildings, households=[30, 30, None, 25], building_id=list("abcd"))}
    plan = _plan(layers)
    assert _log(plan, "buildings_duplicates_merged") == "2"
    # The copy first in the content order is kept (the one reaching further north), whatever the rows' order.
    assert sorted(plan.buildings["building_id"]) == ["b", "c"]
    # A copy without a household figure takes its duplicate's.
    assert plan.buildings.set_index("building_id")["households"].to_dict() == {"b": 30, "c": 25}
    assert plan.grids["households"].sum() == 55


def test_bow_tie_footprint_is_repaired():
    bow_tie = Polygon([(X0 + 50, Y0 + 10), (X0 + 90, Y0 + 50), (X0 + 90, Y0 + 10), (X0 + 50, Y0 + 50)])
    assert not bow_tie.is_valid
    layers = {"boundary": _gdf([_rect(0, 0, 100, 100)]),
              "buildings": _gdf([_rect(10, 10, 40, 40), bow_tie], households=[30, 40], building_id=["a", "bow"])}
    plan = _plan(layers)
    assert _log(plan, "buildings_invalid_repaired") == "1"
    bld = plan.buildings
    assert shapely.is_valid(bld.geometry.values).all()
    parts = bld[bld["building_id"].str.startswith("bow")]
    assert len(parts) >= 1
    # The repaired parts cover the bow-tie's two triangles (area 2 x 400 m2).
    assert shapely.area(parts.geometry.values).sum() == pytest.approx(800.0)


def test_bow_tie_households_are_counted_once():
    """Repair splits the bow-tie in two parts; its 40 households must not be doubled."""
    bow_tie = Polygon([(X0 + 50, Y0 + 10), (X0 + 90, Y0 + 50), (X0 + 90, Y0 + 10), (X0 + 50, Y0 + 50)])
    layers = {"boundary": _gdf([_rect(0, 0, 100, 100)]),
              "buildings": _gdf([_rect(10, 10, 40, 40), bow_tie], households=[30, 40], building_id=["a", "bow"])}
    plan = _plan(layers)
    bld = plan.buildings
    assert bld.loc[bld["building_id"].str.startswith("bow"), "households"].sum() == 40
    assert plan.grids["households"].sum() == 70


def test_3d_footprints_are_flattened():
    z = Polygon([(X0 + 10, Y0 + 10, 12.0), (X0 + 40, Y0 + 10, 12.0), (X0 + 40, Y0 + 40, 15.0),
                 (X0 + 10, Y0 + 40, 15.0)])
    layers = {"boundary": _gdf([_rect(0, 0, 100, 100)]),
              "buildings": _gdf([z, _rect(60, 60, 90, 90)], households=[30, 20])}
    plan = _plan(layers)
    assert _log(plan, "buildings_3d_flattened") == "1"
    for layer in (plan.buildings, plan.blocks, plan.grids):
        assert not shapely.has_z(layer.geometry.values).any()
    assert plan.grids["households"].sum() == 50


# --- gap tessellation of a regular layout ---------------------------------------------------------

def test_two_aligned_buildings_are_split_along_their_gap():
    """Two square buildings 2 m apart, 101 households (over the gap-split limit of 100).

    The Voronoi diagram of their evenly spaced outline points is degenerate; a
    cell comes back as a collection of a polygon and a zero-length line.
    """
    buildings = [_rect(1, 1, 39, 39), _rect(1, 41, 39, 79)]
    layers = {"boundary": _gdf([_rect(0, 0, 80, 80)]), "buildings": _gdf(buildings, households=[25, 76])}
    plan = _plan(layers)
    assert plan.grids["households"].sum() == 101
    assert len(plan.blocks) == 2
    assert np.sort(plan.blocks["households"].to_numpy()).tolist() == [25, 76]
