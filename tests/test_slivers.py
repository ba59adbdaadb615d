"""Sliver grids: empty pieces too small or thin to be a grid join a neighbour; every grid has a street name.

Hand-made areas with exact answers, then every real sample.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import SAMPLES
from handmade import gdf as _gdf
from handmade import line as _line
from handmade import rect as _rect

import gridkit
from gridkit.slivers import SMALL_AREA, compactness, enclosed_pieces, is_sliver

PROFILE = gridkit.load_profile("default")


def _river_area(river_y: float) -> dict[str, gpd.GeoDataFrame]:
    """A 200 m square, a named street running up to a river at ``river_y``; homes south of it."""
    homes = [_rect(10 + 45 * i, 10, 40 + 45 * i, 60) for i in range(4)]
    return {
        "boundary": _gdf([_rect(0, 0, 200, 200)]),
        "roads": _gdf([_line((100, -10), (100, river_y))], highway=["residential"], name=["幸福路"]),
        "barriers": _gdf([_line((-20, river_y), (220, river_y))], barrier_type=["waterway"]),
        "buildings": _gdf(homes, households=[50] * 4, building_id=[f"b{i}" for i in range(4)]),
    }


def _plan(layers):
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), PROFILE, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    return plan


def test_thin_strip_beyond_a_river_joins_the_grid_across_it():
    """A 2 m strip between the river and the boundary: nobody lives there, it joins a grid across the river."""
    plan = _plan(_river_area(198.0))
    assert (plan.grids["households"] > 0).all()
    assert plan.grids["households"].sum() == 200
    assert len(plan.communities) == 1
    assert not plan.grids["flags"].str.contains("isolated").any()
    # The strip is in a grid: the grids still tile the whole square.
    assert shapely.union_all(plan.grids.geometry.values).area == pytest.approx(200 * 200, rel=1e-6)


def test_large_empty_land_beyond_a_river_stays_a_flagged_grid():
    """Half the square beyond the river is no sliver: it stays its own grid, flagged isolated."""
    plan = _plan(_river_area(100.0))
    empty = plan.grids[plan.grids["households"] == 0]
    assert len(empty) == 1
    assert "isolated" in empty["flags"].iloc[0]
    assert empty["area_m2"].iloc[0] == pytest.approx(200 * 100, rel=1e-3)


def test_is_sliver_needs_no_households_and_small_or_thin():
    area = np.array([100.0, 100.0, 5000.0, 5000.0, 5000.0])
    perimeter = np.array([40.0, 40.0, 300.0, 2600.0, 2600.0])
    hh = np.array([0, 10, 0, 0, 5])
    assert is_sliver(area, perimeter, hh, PROFILE).tolist() == [True, False, False, True, False]
    assert compactness(np.array([np.pi]), np.array([2 * np.pi]))[0] == pytest.approx(1.0)


@pytest.fixture(scope="module", params=SAMPLES, ids=[p.stem for p in SAMPLES])
def sample_plan(request):
    return gridkit.partition(gridkit.read_area(request.param), "default", seed=0)


def test_every_sample_has_no_unexplained_small_grid(sample_plan, record_property):
    grids = sample_plan.grids
    small = grids[grids["area_m2"] < PROFILE.grid.min_area_m2]
    assert (small["flags"] != "").all(), small[["name", "households", "area_m2", "flags"]]
    geoms = grids.geometry.values.to_numpy()
    pp = compactness(shapely.area(geoms), shapely.length(geoms))
    empty = grids["households"].to_numpy() == 0
    # No grid nobody lives in is left thinner than a grid may be.
    assert (pp[empty] >= PROFILE.grid.min_compactness).all()
    assert not (grids["flags"].str.contains(SMALL_AREA) & empty).any()
    metrics = sample_plan.metrics.set_index(["level", "name"])["value"]
    assert metrics[("grid", "compactness_min")] == pytest.approx(pp.min())
    record_property("compactness_min", round(float(pp.min()), 3))
    assert gridkit.validate(sample_plan).ok


def test_every_sample_grid_is_named_for_a_street(sample_plan):
    names = sample_plan.grids["name"].astype(str)
    assert names.is_unique
    assert not names.str.contains("第").any(), names[names.str.contains("第")].tolist()
    streets = set(sample_plan.roads["name"].dropna().astype(str).str.strip()) - {""}
    assert all(any(n.startswith(s) for s in streets) for n in names)


def test_slivers_side_by_side_between_tracks_leave_no_grid_split():
    """A street between two tracks 12 m apart cuts their strip into two 360 m² pieces nobody lives in: each
    a sliver, so each joined the grid across the track with the longer edge, the same grid for both, where
    together they are a 720 m² piece of land the validator rightly finds a track cutting off (a strip in
    Monaco's station, OSRM's monaco.osm.pbf). Such a grid gives back what it took: the plan is valid."""
    layers = {
        "boundary": _gdf([_rect(0, 0, 60, 200)]),
        "roads": _gdf([_line((30, 100), (30, 112))], highway=["residential"], name=["站台路"]),
        "barriers": _gdf([_line((-20, 100), (80, 100)), _line((-20, 112), (80, 112))], barrier_type=["railway"] * 2),
        "buildings": _gdf([_rect(10, 20, 50, 60), _rect(10, 140, 50, 180)], households=[100, 100],
                          building_id=["s", "n"]),
    }
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), PROFILE, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    homes = plan.grids[plan.grids["households"] > 0]
    assert sorted(homes["area_m2"].round()) == [5280.0, 6000.0]
    strip = plan.grids[plan.grids["households"] == 0]
    assert strip["area_m2"].sum() == pytest.approx(60 * 12)


def _pond_area(pond: shapely.Polygon, layer: str = "barriers") -> dict[str, gpd.GeoDataFrame]:
    """A 200 m square with a street across its south, homes along it and a pond (a barrier polygon; an
    office's 水系 layer, ``layer`` "water", gives one too) in the park north of them."""
    homes = [_rect(10 + 45 * i, 10, 40 + 45 * i, 40) for i in range(4)]
    return {
        "boundary": _gdf([_rect(0, 0, 200, 200)]),
        "roads": _gdf([_line((-10, 50), (210, 50))], highway=["residential"], name=["幸福路"]),
        layer: _gdf([pond], name=["月湖"]),
        "buildings": _gdf(homes, households=[50] * 4, building_id=[f"b{i}" for i in range(4)]),
    }


def test_a_pond_in_a_park_is_part_of_the_grid_around_it():
    """A 3,600 m² pond ringed by the park separates nothing: it is no grid of its own (an empty 'isolated'
    grid of water before), the park's grid holds it, and the validator finds no barrier crossed."""
    plan = _plan(_pond_area(_rect(70, 100, 130, 160)))
    assert (plan.grids["households"] > 0).all()
    assert not plan.grids["flags"].str.contains("isolated").any()
    assert shapely.union_all(plan.grids.geometry.values).area == pytest.approx(200 * 200, rel=1e-6)
    holder = plan.grids[plan.grids.geometry.covers(_rect(71, 101, 129, 159))]
    assert len(holder) == 1


def test_water_on_the_edge_of_the_area_is_still_its_own_grid():
    """A lake reaching the boundary is not ringed by the land: it stays a grid of its own nobody lives in
    (read from the input's water layer)."""
    plan = _plan(_pond_area(_rect(70, 100, 130, 210), "water"))
    empty = plan.grids[plan.grids["households"] == 0]
    assert len(empty) == 1
    assert "isolated" in empty["flags"].iloc[0]


def test_enclosed_needs_the_whole_outline_shared_with_one_piece():
    ring = shapely.box(0, 0, 100, 100).difference(shapely.box(40, 40, 60, 60))
    pond, beyond = shapely.box(40, 40, 60, 60), shapely.box(100, 0, 120, 100)
    pieces = np.array([ring, pond, beyond])
    assert enclosed_pieces(pieces, np.array([10, 0, 0]), 1e-4).tolist() == [False, True, False]
    # The pond with homes in it is no pond: it stays.
    assert not enclosed_pieces(pieces, np.array([10, 3, 0]), 1e-4)[1]
