"""A plan depends on the input's content, not on the order of its rows, of a feature's parts or of its vertices.

The same data exported by another tool (PostGIS, QGIS, ogr2ogr, a Shapefile edited by hand) lists its features
in another order and may start a polygon's outline at another vertex or draw it the other way round. Each
variant here is the same content; the plan must be the same: the same grid codes and names, the same grid
geometry to the last bit, the same households per grid, each building (by its id) in the same grid.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import gridkit
from gridkit.io.read import read_layers
from handmade import gdf, line, rect
from test_properties import PROPS, roadless_areas

Layers = dict[str, gpd.GeoDataFrame]


def _rows(layers: Layers, order: Callable[[int], np.ndarray]) -> Layers:
    return {name: layer.iloc[order(len(layer))].reset_index(drop=True) for name, layer in layers.items()}


def _reversed(layers: Layers) -> Layers:
    return _rows(layers, lambda n: np.arange(n)[::-1])


def _shuffled(layers: Layers, seed: int = 1) -> Layers:
    return _rows(layers, np.random.default_rng(seed).permutation)


def _redrawn(layers: Layers) -> Layers:
    """Every polygon drawn the other way round from another vertex, each in a multipolygon of one part, and
    the roads drawn from their other end, a closed one (a roundabout) from another vertex. Barriers keep their
    direction: a coastline's tells land from sea."""
    out = dict(layers)
    for name, layer in layers.items():
        geoms = layer.geometry.values.to_numpy()
        redrawn = geoms.copy()
        if name == "roads":
            redrawn = shapely.normalize(geoms)
        polygons = shapely.get_type_id(geoms) == 3
        redrawn[polygons] = shapely.multipolygons(shapely.reverse(shapely.normalize(geoms[polygons]))[:, None])
        out[name] = layer.set_geometry(gpd.GeoSeries(redrawn, index=layer.index, crs=layer.crs))
    return out


def _plan(layers: Layers) -> gridkit.Plan:
    return gridkit.partition(gridkit.area_from_layers(layers, where="test"), "default", seed=0)


def _assert_same_plan(a: gridkit.Plan, b: gridkit.Plan) -> None:
    assert a.grids["code"].tolist() == b.grids["code"].tolist()
    assert a.grids["name"].tolist() == b.grids["name"].tolist()
    assert a.grids["households"].tolist() == b.grids["households"].tolist()
    assert shapely.equals_exact(a.grids.geometry.values.to_numpy(), b.grids.geometry.values.to_numpy(), 0).all()
    assert a.communities["code"].tolist() == b.communities["code"].tolist()
    assert dict(zip(a.buildings["building_id"], a.buildings["grid_code"], strict=True)) == \
        dict(zip(b.buildings["building_id"], b.buildings["grid_code"], strict=True))


@pytest.fixture(scope="module")
def hk_layers(hk_path) -> Layers:
    return read_layers(hk_path)


@pytest.fixture(scope="module")
def hk_as_read(hk_layers) -> gridkit.Plan:
    return _plan(hk_layers)


@pytest.mark.parametrize("variant", [_reversed, _shuffled], ids=["reversed", "shuffled"])
def test_sample_in_another_order_gives_the_same_plan(hk_layers, hk_as_read, variant):
    """Tsim Sha Tsui with every layer's rows reversed or shuffled: in the order the file gave them, the gap
    blocks between buildings were cut otherwise and the engine took its blocks in another order (26 of 43
    grids kept when reversed)."""
    _assert_same_plan(hk_as_read, _plan(variant(hk_layers)))


def test_sample_redrawn_gives_the_same_plan(samples):
    """Guanggu with its polygons and roads redrawn: a closed road's first vertex was taken for a dangling end,
    and a connector to the nearest road closed a block (295 blocks for 294)."""
    layers = read_layers(next(s for s in samples if s.stem == "cn_wuhan_guanggu"))
    _assert_same_plan(_plan(layers), _plan(_redrawn(layers)))


def _terraces() -> Layers:
    """A block with no inner road: rows of terraced houses sharing their walls (a wall point on two footprints'
    outlines), some with an annexe drawn over the house (a cluster of two footprints), no building ids, far
    more households than a grid holds: it is divided along the gaps between the rows."""
    houses, households = [], []
    for row in range(6):
        y = 10 + row * 24
        for k in range(7):
            x = 10 + k * 9
            houses.append(rect(x, y, x + 9, y + 12))
            households.append(6 + (row * 7 + k) % 5)
            if (row + k) % 4 == 0:
                houses.append(rect(x + 2, y + 10, x + 7, y + 15))
                households.append(0)
    return {
        "boundary": gdf([rect(0, 0, 90, 160)]),
        "buildings": gdf(houses, households=households),
        "roads": gdf([line((0, 80), (-30, 80))], highway=["residential"]),
    }


def test_terraces_in_another_order_give_the_same_plan():
    terraces = _terraces()
    plan = _plan(terraces)
    assert len(plan.grids) > 1 and (plan.blocks["origin"] == "gap").any()
    for variant in (_reversed(terraces), _shuffled(terraces, 2), _redrawn(_shuffled(terraces, 3))):
        _assert_same_plan(plan, _plan(variant))


@settings(PROPS, max_examples=8)
@given(roadless_areas(), st.integers(0, 2**32 - 1))
def test_random_areas_shuffled_give_the_same_plan(layers, seed):
    _assert_same_plan(_plan(layers), _plan(_shuffled(layers, seed)))
