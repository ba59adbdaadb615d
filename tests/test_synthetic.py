"""Tests for the synthetic benchmark city (benchmarks/synthetic.py)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import shapely

N_BLOCKS = 300
SEED = 1
MAJOR = ["primary", "secondary", "tertiary", "residential"]


def _load_generator():
    # benchmarks/ is not a package, so load the module from its file.
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "synthetic.py"
    spec = importlib.util.spec_from_file_location("gridkit_bench_synthetic", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


synthetic = _load_generator()


@pytest.fixture(scope="module")
def city():
    return synthetic.make_city(N_BLOCKS, seed=SEED)


def _river(city):
    return city["barriers"].geometry.iloc[0]


def test_layers_and_columns(city):
    assert set(city) == {"boundary", "roads", "buildings", "barriers"}
    assert city["boundary"]["source"].tolist() == ["synthetic"]
    assert set(city["roads"]["highway"]) <= {"primary", "secondary", "tertiary", "residential", "service", "footway"}
    buildings = city["buildings"]
    assert buildings["id"].is_unique
    assert buildings["levels"].between(1, 30).all()
    assert buildings.area.between(100.0 - 1e-6, 2500.0 + 1e-6).all()
    assert city["barriers"]["barrier_type"].tolist() == ["waterway"]


def test_same_seed_gives_identical_output(city):
    again = synthetic.make_city(N_BLOCKS, seed=SEED)
    for name, layer in city.items():
        assert np.array_equal(
            shapely.get_coordinates(layer.geometry.values),
            shapely.get_coordinates(again[name].geometry.values),
        ), name
        assert layer.drop(columns="geometry").equals(again[name].drop(columns="geometry")), name


def test_block_count_close_to_request(city):
    n = synthetic.count_blocks(city)
    assert 0.75 * N_BLOCKS <= n <= 1.25 * N_BLOCKS


def test_buildings_do_not_overlap(city):
    geoms = city["buildings"].geometry.values
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]])).sum()
    assert overlap == pytest.approx(0.0, abs=1e-6)


def test_buildings_stay_off_streets_and_river(city):
    roads = city["roads"]
    lines = np.concatenate([roads.geometry.values[roads["highway"].isin(MAJOR).to_numpy()], [_river(city)]])
    hits = shapely.STRtree(city["buildings"].geometry.values).query(lines, predicate="intersects")
    assert hits.shape[1] == 0


def test_crs_is_utm_50n(city):
    for layer in city.values():
        assert layer.crs.to_epsg() == 32650


def test_river_is_crossed_only_by_bridges(city):
    roads, river = city["roads"], _river(city)
    crosses = shapely.crosses(roads.geometry.values, river)
    assert roads["bridge"].any()
    assert crosses[roads["bridge"].to_numpy()].all()
    assert not crosses[~roads["bridge"].to_numpy()].any()
    # The other streets that reach the river stop exactly on it.
    assert shapely.touches(roads.geometry.values, river).sum() > 2 * roads["bridge"].sum()
