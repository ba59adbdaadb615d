"""An office's own words: road classes, building uses and landuse kinds in Chinese standards' terms."""

import geopandas as gpd
import shapely

from gridkit import load_profile
from gridkit.area import area_from_layers
from gridkit.households import assign_households
from gridkit.profile import profile_from_text

X0, Y0 = 800_000, 2_500_000  # UTM 50N, Guangdong
CRS = "EPSG:32650"


def _layers() -> dict[str, gpd.GeoDataFrame]:
    uses = ["住宅", "商业", "厂房", "商住", "yes", "yes"]
    boxes = [shapely.box(X0 + i * 60, Y0, X0 + i * 60 + 20, Y0 + 15) for i in range(len(uses))]
    buildings = gpd.GeoDataFrame({"用途": uses, "层数": [6] * len(uses)}, geometry=boxes, crs=CRS)
    landuse = gpd.GeoDataFrame({"用地性质": ["二类居住用地", "工业用地"]},
                               geometry=[shapely.box(X0 + 235, Y0 - 5, X0 + 265, Y0 + 20),
                                         shapely.box(X0 + 295, Y0 - 5, X0 + 325, Y0 + 20)], crs=CRS)
    ys = [Y0 - 20, Y0 + 40, Y0 + 60, Y0 + 80]
    roads = gpd.GeoDataFrame({"道路等级": ["主干路", " 支路 ", "内部道路", "高架桥"], "路名": ["人民路", "", "", ""]},
                             geometry=[shapely.LineString([(X0 - 50, y), (X0 + 400, y)]) for y in ys], crs=CRS)
    return {"buildings": buildings, "landuse": landuse, "roads": roads}


def test_chinese_road_classes_are_read_as_the_osm_classes_they_stand_for():
    area = area_from_layers(_layers())
    assert area.roads.sort_values("geometry", key=lambda g: shapely.get_y(shapely.centroid(g.values)))[
        "highway"].tolist() == ["primary", "tertiary", "service", "高架桥"]
    log = dict(area.log)
    assert "主干路 -> primary (1)" in log["roads_classes_renamed"]
    assert "内部道路 -> service (1)" in log["roads_classes_renamed"]
    # A class in no vocabulary is kept as given and named in the log: it bounds no block.
    assert log["roads_classes_not_used"] == "高架桥 (1)"


def test_a_profile_can_name_its_own_road_classes():
    own = profile_from_text('base = "default"\n[road_classes]\ntrunk = ["高架桥"]\n')
    area = area_from_layers(_layers(), profile=own)
    assert "trunk" in area.roads["highway"].tolist()
    assert "roads_classes_not_used" not in dict(area.log)


def test_building_uses_and_landuse_kinds_in_chinese_decide_homes():
    area = area_from_layers(_layers())
    out = assign_households(area.buildings, load_profile().households, landuse=area.landuse)
    assert out["home_rule"].tolist() == ["tag_home", "tag_nonhome", "tag_nonhome", "tag_home",
                                         "landuse_home", "landuse_nonhome"]
    assert (out["households"] > 0).tolist() == [True, False, False, True, True, False]
