"""Blocks of a large area: the exact tiling noded tile by tile, and no geometry left prepared.

A city's face edges are noded in tiles of ``_TILE_FACES`` faces so that one
overlay never holds them all; the tiles must give the blocks one overlay gives,
vertex for vertex. Preparing a geometry keeps its predicate indexes for as long
as it lives, so the arrays a stage hands on must come back unprepared.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

import gridkit
from gridkit import blocks
from gridkit.households import assign_households

PROFILE = gridkit.load_profile("default")


@pytest.fixture(scope="module", params=["cn_shanghai_bund", "fi_helsinki_centre"])
def made(request, samples):
    path = next(p for p in samples if p.stem == request.param)
    area = gridkit.read_area(path)
    buildings = assign_households(area.buildings, PROFILE.households, landuse=area.landuse, pois=area.pois)
    return area, buildings, blocks.make_blocks(area, buildings, PROFILE)


def test_tiles_give_the_blocks_of_one_overlay(made, monkeypatch) -> None:
    area, buildings, whole = made
    # Tiles of 30 faces: a dozen or more tiles, faces and gaps across their edges.
    monkeypatch.setattr(blocks, "_TILE_FACES", 30)
    calls = []
    real = blocks._tile_atoms
    monkeypatch.setattr(blocks, "_tile_atoms", lambda *a: calls.append(1) or real(*a))
    tiled = blocks.make_blocks(area, buildings, PROFILE)
    assert len(calls) >= 10
    assert (tiled.building_block == whole.building_block).all()
    assert tiled.blocks.drop(columns="geometry").equals(whole.blocks.drop(columns="geometry"))
    assert shapely.equals_exact(tiled.blocks.geometry.values, whole.blocks.geometry.values, 0).all()


def test_blocks_leave_nothing_prepared(made) -> None:
    area, buildings, made_blocks = made
    assert not shapely.is_prepared(made_blocks.blocks.geometry.values).any()
    assert not shapely.is_prepared(buildings.geometry.values).any()
    assert not shapely.is_prepared(area.buildings.geometry.values).any()
    assert not shapely.is_prepared(np.array([area.boundary])).any()
