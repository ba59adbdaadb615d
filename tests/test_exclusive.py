"""A hand-made town: a big untagged shed is no home, a school campus and a hospital are exclusive grids
(专属网格), kept whole, coded and named like the others, and every invariant of the plan holds."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pytest
import shapely

import gridkit
from gridkit import area_from_layers

CRS = "EPSG:32650"
X0, Y0 = 500_000.0, 3_400_000.0
STEP = 200.0


def _box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def _town() -> dict[str, gpd.GeoDataFrame]:
    """4 x 3 street blocks of 200 m. Block (0, 0) holds a 150 x 100 m untagged shed, block (1, 0) the
    第一中学 campus (landuse school), block (2, 0) a hospital known only by its POI; the rest are
    residential compounds of 6-storey slabs."""
    roads = [shapely.LineString([(X0 + i * STEP, Y0 - 20), (X0 + i * STEP, Y0 + 3 * STEP + 20)]) for i in range(5)]
    roads += [shapely.LineString([(X0 - 20, Y0 + j * STEP), (X0 + 4 * STEP + 20, Y0 + j * STEP)]) for j in range(4)]
    buildings, tags, names = [], [], []
    landuse, kinds, lu_names = [], [], []
    for i in range(4):
        for j in range(3):
            x, y = i * STEP, j * STEP
            if (i, j) == (0, 0):
                buildings.append(_box(x + 25, y + 50, x + 175, y + 150))
                tags.append("yes")
                names.append(None)
            elif (i, j) in ((1, 0), (2, 0)):
                landuse.append(_box(x + 5, y + 5, x + 195, y + 195))
                kinds.append("school" if i == 1 else "institutional")
                lu_names.append("第一中学" if i == 1 else "")
                for k in range(2):
                    buildings.append(_box(x + 30, y + 30 + 80 * k, x + 170, y + 80 + 80 * k))
                    tags.append("school" if i == 1 else "yes")
                    names.append(None)
            else:
                landuse.append(_box(x + 5, y + 5, x + 195, y + 195))
                kinds.append("residential")
                lu_names.append(f"幸福{i}{j}小区")
                for k in range(3):
                    buildings.append(_box(x + 40, y + 30 + 55 * k, x + 160, y + 45 + 55 * k))
                    tags.append("yes")
                    names.append(None)
    return {
        "boundary": gpd.GeoDataFrame({"name": ["测试镇"]}, geometry=[_box(0, 0, 4 * STEP, 3 * STEP)], crs=CRS),
        "roads": gpd.GeoDataFrame({"highway": ["residential"] * len(roads)}, geometry=roads, crs=CRS),
        "buildings": gpd.GeoDataFrame({"id": [str(i) for i in range(len(buildings))], "building": tags,
                                       "name": names}, geometry=buildings, crs=CRS),
        "landuse": gpd.GeoDataFrame({"kind": kinds, "name": lu_names}, geometry=landuse, crs=CRS),
        "pois": gpd.GeoDataFrame({"kind": ["hospital"], "name": ["人民医院"]},
                                 geometry=[shapely.Point(X0 + 500, Y0 + 100)], crs=CRS),
    }


@pytest.fixture(scope="module")
def town_plan():
    return gridkit.partition(area_from_layers(_town()), "default", seed=0)


def _grid_holding(plan, x, y):
    hit = plan.grids[plan.grids.contains(shapely.Point(X0 + x, Y0 + y))]
    assert len(hit) == 1
    return hit.iloc[0]


def test_the_shed_is_no_home_and_its_rule_is_named(town_plan):
    shed = town_plan.buildings[town_plan.buildings["building_id"] == "0"].iloc[0]
    assert shed.geometry.area == pytest.approx(15_000)
    assert shed["home_rule"] == "too_large" and shed["households"] == 0
    assert shed["home_doubt"] == "shape_only"
    homes = town_plan.buildings[town_plan.buildings["households"] > 0]
    assert set(homes["home_rule"]) == {"landuse_home"}


def test_school_and_hospital_are_exclusive_grids_kept_whole(town_plan):
    grids = town_plan.grids
    exclusive = grids[grids["flags"].str.split(",").map(lambda f: "exclusive" in f)]
    assert len(exclusive) == 2
    school, hospital = _grid_holding(town_plan, 300, 100), _grid_holding(town_plan, 500, 100)
    for grid, site in ((school, _box(205, 5, 395, 195)), (hospital, _box(405, 5, 595, 195))):
        assert "exclusive" in grid["flags"].split(",")
        assert grid.geometry.intersection(site).area == pytest.approx(site.area, rel=1e-6)  # whole
        assert grid.geometry.area < 1.1 * STEP * STEP  # and nothing else
        assert grid["households"] == 0  # no homes, still a grid
    # Coded and named like every other grid.
    width = {len(c) for c in grids["code"]}
    assert len(width) == 1 and school["code"] != hospital["code"]
    assert all(n.endswith("网格") for n in exclusive["name"]) and exclusive["name"].is_unique
    assert dict(zip(town_plan.run["key"], town_plan.run["value"], strict=True))["log.exclusive_sites"] == "2"


def test_every_invariant_holds(town_plan, tmp_path):
    path = tmp_path / "town.gpkg"
    gridkit.write_plan(town_plan, path)
    result = gridkit.validate(path)
    assert result.failures == []
    invariants = result.metrics[result.metrics["kind"] == "invariant"]
    assert len(invariants) and (invariants["passed"] == "yes").all()


def test_without_exclusive_kinds_the_campus_joins_the_base_grids():
    profile = gridkit.load_profile()
    plain = dataclasses.replace(profile, exclusive=dataclasses.replace(
        profile.exclusive, landuse_kinds=(), poi_kinds=(), name_keywords=()))
    plan = gridkit.partition(area_from_layers(_town()), plain, seed=0)
    assert not plan.grids["flags"].str.contains("exclusive").any()
    assert np.isclose(plan.grids.geometry.area.sum(), 4 * STEP * 3 * STEP)


def test_an_osm_campus_mapped_as_amenity_is_a_site(tmp_path):
    from gridkit.exclusive import exclusive_sites

    nodes = "".join(f'<node id="{i + 1}" version="1" lat="{22.30 + dy}" lon="{114.17 + dx}"/>'
                    for i, (dx, dy) in enumerate([(0, 0), (0.002, 0), (0.002, 0.002), (0, 0.002)]))
    way = ('<way id="7" version="1">' + "".join(f'<nd ref="{r}"/>' for r in (1, 2, 3, 4, 1))
           + '<tag k="amenity" v="school"/><tag k="name" v="第一中学"/></way>')
    osm = tmp_path / "campus.osm"
    osm.write_text(f'<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">{nodes}{way}</osm>', encoding="utf-8")
    from gridkit.io.read import read_layers

    landuse = read_layers(osm)["landuse"]
    assert list(landuse["kind"]) == ["school"]
    sites = exclusive_sites(landuse, None, gridkit.load_profile())
    assert list(sites["name"]) == ["第一中学"] and list(sites["marked_by"]) == ["landuse"]


@pytest.mark.parametrize(("count", "communities"), [(True, 2), (False, 1)])
def test_the_profile_decides_whether_exclusive_grids_weigh_on_community_bounds(count, communities):
    """Five blocks of 100 households in a row and, at the end, an exclusive site of 600 (a factory
    with its dormitories); communities of at most 700 households."""
    from scipy.sparse import coo_matrix

    from gridkit.graph import GraphArrays
    from gridkit.levels import solve_levels
    from gridkit.profile import UnitBounds as Bounds

    n = 6
    a = np.arange(n - 1)
    adj = coo_matrix((np.ones(2 * (n - 1)), (np.r_[a, a + 1], np.r_[a + 1, a])), shape=(n, n)).tocsr()
    g = GraphArrays(weight=np.array([100] * 5 + [600], dtype=np.int64), indptr=adj.indptr.astype(np.int64),
                    indices=adj.indices.astype(np.int64), cost=adj.data, x=np.arange(n) * 100.0, y=np.zeros(n),
                    area=np.full(n, 1e4))
    profile = gridkit.load_profile()
    profile = dataclasses.replace(profile, community=Bounds(300, 600, 700), exclusive=dataclasses.replace(
        profile.exclusive, count_in_community=count))
    levels = solve_levels(g, profile, compounds=np.full(n, -1), exclusive=np.array([-1] * 5 + [0]))
    assert len(set(levels.community)) == communities
    site = levels.grid[5]
    assert list(levels.grid).count(site) == 1 and levels.grid_flags[site] == ("exclusive",)
