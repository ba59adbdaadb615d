"""Household rules: given figures win; homes are told from non-homes by tag, name, POI, landuse."""

import geopandas as gpd
import numpy as np
import shapely

from gridkit import load_profile
from gridkit.households import assign_households

RULES = load_profile().households


def _buildings(**cols):
    n = len(next(iter(cols.values())))
    geoms = [shapely.box(i * 100, 0, i * 100 + 20, 10) for i in range(n)]  # 200 m2 each
    return gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:32650")


def test_estimate_is_footprint_times_levels_over_dwelling():
    b = _buildings(building=["apartments"], levels=[10])
    out = assign_households(b, RULES)
    expected = round(200 * 10 * RULES.residential_floor_share / RULES.dwelling_size_m2)
    assert out["households"].iat[0] == expected
    assert out["households_source"].iat[0] == "estimated"
    assert out["population"].iat[0] == round(expected * RULES.persons_per_household)


def test_levels_from_height_then_default():
    b = _buildings(building=["yes", "yes"], height=["30 m", None])
    out = assign_households(b, RULES)
    assert list(out["levels_used"]) == [10, RULES.default_levels]
    assert list(out["levels_source"]) == ["height", "default"]


def test_rule_precedence_tag_name_poi_landuse():
    b = _buildings(building=["office", "yes", "yes", "yes", "yes", "yes"],
                   name=["幸福小区", "外滩大厦", "阳光花园", None, None, None])
    pois = gpd.GeoDataFrame({"kind": ["hotel"]}, geometry=[shapely.Point(310, 5)], crs=b.crs)
    landuse = gpd.GeoDataFrame({"kind": ["commercial", "residential"]},
                               geometry=[shapely.box(390, -5, 430, 15), shapely.box(490, -5, 530, 15)], crs=b.crs)
    out = assign_households(b, RULES, pois=pois, landuse=landuse)
    assert list(out["home_rule"]) == ["tag_nonhome", "name_nonhome", "name_home", "poi_nonhome",
                                      "landuse_nonhome", "landuse_home"]
    assert list(out["households"] > 0) == [False, False, True, False, False, True]


def test_given_households_win_and_are_marked():
    b = _buildings(building=["office", "apartments"], households=[12, np.nan])
    out = assign_households(b, RULES)
    assert out["households"].iat[0] == 12 and out["households_source"].iat[0] == "given"
    assert out["households_source"].iat[1] == "estimated"


def test_log_counts_each_rule():
    log = []
    assign_households(_buildings(building=["apartments", "office"], levels=[3, 3]), RULES, log=log)
    entries = dict(log)
    assert entries["home_rule_tag_home"].startswith("1 buildings")
    assert entries["home_rule_tag_nonhome"] == "1 buildings, 0 households"


def _footprints(boxes, **cols):
    return gpd.GeoDataFrame(cols, geometry=[shapely.box(*b) for b in boxes], crs="EPSG:32650")


def test_shape_rules_judge_only_what_nothing_else_describes():
    # A 150 x 100 m untagged shed, a 60 x 60 m untagged hall, a 100 x 20 m slab (a home), a 40 x 40 m
    # courtyard ring with 12 m wings (a home: as deep as its wings), and the same shed tagged apartments.
    ring = shapely.box(1000, 0, 1040, 40).difference(shapely.box(1012, 12, 1028, 28))
    b = gpd.GeoDataFrame({"building": ["yes", "yes", "yes", "yes", "apartments"]},
                         geometry=[shapely.box(0, 0, 150, 100), shapely.box(300, 0, 360, 60),
                                   shapely.box(500, 0, 600, 20), ring, shapely.box(2000, 0, 2150, 100)],
                         crs="EPSG:32650")
    log = []
    out = assign_households(b, RULES, log=log)
    assert list(out["home_rule"]) == ["too_large", "too_deep", "default", "default", "tag_home"]
    assert list(out["households"] > 0) == [False, False, True, True, True]
    assert out["home_doubt"].tolist() == ["shape_only", "shape_only", "no_levels", "no_levels",
                                          "large_home;deep_home;no_levels"]
    entries = dict(log)
    assert entries["home_rule_too_large"] == "1 buildings, 0 households"
    assert entries["home_doubt_shape_only"] == "2" and entries["home_doubt_large_home"] == "1"


def test_big_footprints_beside_a_works_and_man_made_are_not_homes():
    b = _footprints([(0, 0, 60, 20), (70, 0, 130, 20), (400, 0, 460, 20), (800, 0, 820, 10)],
                    building=["industrial", "yes", "yes", "yes"], man_made=[None, None, None, "water_tower"])
    out = assign_households(b, RULES)
    assert list(out["home_rule"]) == ["tag_nonhome", "near_industrial", "default", "man_made"]
    assert RULES.industrial_neighbour_min_footprint_m2 <= 1200 and RULES.industrial_neighbour_m >= 10
