"""Calibration to known totals: each unit's total holds exactly, given counts never change."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from gridkit import load_profile
from gridkit.calibrate import calibrate, read_totals
from gridkit.errors import InputError
from gridkit.households import assign_households

from conftest import ROOT

RULES = load_profile().households
CRS = "EPSG:32650"


def _town():
    """Two existing communities side by side, four homes each, one home in each with a given count, and an
    office (no households) in the west."""
    geoms = [shapely.box(x, 0, x + 20 + 5 * i, 10) for i, x in enumerate((10, 60, 110, 160, 510, 560, 610, 660))]
    b = gpd.GeoDataFrame({"building_id": [f"b{i}" for i in range(8)],
                          "building": ["apartments"] * 3 + ["office"] + ["apartments"] * 4,
                          "households": [None, 25, None, None, None, None, 40, None]},
                         geometry=geoms, crs=CRS)
    existing = gpd.GeoDataFrame({"level": ["community", "community"], "code": ["001001", "001002"],
                                 "name": ["幸福社区", "和平社区"], "locked": [False, False]},
                                geometry=[shapely.box(0, -50, 400, 50), shapely.box(400, -50, 800, 50)], crs=CRS)
    return assign_households(b, RULES), existing


def test_totals_per_community_hold_exactly_and_given_counts_are_unchanged(tmp_path):
    buildings, existing = _town()
    path = tmp_path / "totals.csv"
    # One community by code (its leading zeros dropped by a spreadsheet), one by name without 社区.
    path.write_text("社区代码,社区名称,户数,人口\n1001,,300,800\n,和平,123,\n", encoding="utf-8")
    log: list = []
    out = calibrate(buildings, read_totals(path), existing=existing, persons_per_household=2.8, log=log)
    west, east = slice(0, 4), slice(4, 8)
    assert out["households"].iloc[west].sum() == 300 and out["population"].iloc[west].sum() == 800
    assert out["households"].iloc[east].sum() == 123
    assert out.loc[[1, 6], "households"].tolist() == [25, 40]  # given: untouched
    assert out.loc[[1, 6], "calibrated_to"].tolist() == ["", ""]
    assert out.loc[3, "households"] == 0  # not a home: stays none
    assert out.loc[[0, 2], "calibrated_to"].tolist() == ["001001 幸福社区"] * 2
    assert (out["households"] != buildings["households"]).iloc[[0, 2, 4, 5, 7]].all()
    entries = dict(log)
    assert entries["calibration.001001 幸福社区"].startswith("total 300 households held")
    assert "given 40" in entries["calibration.001002 和平社区"]


def test_one_figure_for_the_whole_area(tmp_path):
    buildings, _ = _town()
    path = tmp_path / "total.xlsx"
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["某某街道户数统计"])
    book.active.append(["户数"])
    book.active.append([1000])
    book.save(path)
    out = calibrate(buildings, read_totals(path), existing=None, persons_per_household=2.8, log=[])
    assert out["households"].sum() == 1000
    assert out.loc[[1, 6], "households"].tolist() == [25, 40]


def test_totals_that_cannot_apply_are_refused_or_reported(tmp_path):
    buildings, existing = _town()
    path = tmp_path / "t.csv"
    path.write_text("社区名称,户数\n光明社区,300\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2: community name '光明社区' matches no existing community"):
        calibrate(buildings, read_totals(path), existing=existing, persons_per_household=2.8, log=[])
    with pytest.raises(InputError, match="need the existing communities"):
        calibrate(buildings, read_totals(path), existing=None, persons_per_household=2.8, log=[])
    path.write_text("社区名称,户数\n和平社区,10\n", encoding="utf-8")  # below the 40 given there
    log: list = []
    out = calibrate(buildings, read_totals(path), existing=existing, persons_per_household=2.8, log=log)
    assert "not calibrated" in dict(log)["calibration.001002 和平社区"]
    assert out["households"].tolist() == buildings["households"].tolist()
    path.write_text("户数\n10\n20\n", encoding="utf-8")
    with pytest.raises(InputError, match="must be the file's only row"):
        read_totals(path)


def test_totals_per_compound_scale_its_buildings_by_addr_place_or_by_polygon(tmp_path):
    """Offices keep households per 小区: a building's addr:place names its compound, else the (smallest)
    compound polygon it stands in does; a compound the area has not is said, not guessed."""
    buildings, _ = _town()
    buildings["addr:place"] = [None, None, "上港小区", None, None, None, None, None]
    compounds = gpd.GeoDataFrame({"name": ["上港小区", "三航小区", "三航小区东区"]},
                                 geometry=[shapely.box(0, -20, 100, 20), shapely.box(500, -20, 800, 20),
                                           shapely.box(600, -20, 800, 20)], crs=CRS)
    path = tmp_path / "xq.csv"
    # 上港 without 小区 is the same compound; the row of a compound not in the area is reported.
    path.write_text("社区名称,小区名称,户数\n外滩,上港,200\n外滩,三航小区,77\n外滩,招远小区,50\n", encoding="utf-8")
    totals = read_totals(path)
    assert totals.level == "compound"
    log: list = []
    out = calibrate(buildings, totals, existing=None, persons_per_household=2.8, log=log, compounds=compounds)
    # b0 and b1 stand in 上港小区's polygon, b2 says so by addr:place; b1's 25 are given.
    assert out["households"].iloc[[0, 1, 2]].sum() == 200 and out.loc[1, "households"] == 25
    assert out.loc[[0, 2], "calibrated_to"].tolist() == ["上港"] * 2
    # b4 and b5 stand in 三航小区 only; b6 (given 40) and b7 in the smaller 三航小区东区 inside it.
    assert out["households"].iloc[[4, 5]].sum() == 77
    assert out.loc[[6, 7], "households"].tolist() == buildings.loc[[6, 7], "households"].tolist()
    assert out.loc[3, "households"] == 0 and out.loc[3, "calibrated_to"] == ""
    entries = dict(log)
    assert entries["calibration.上港"].startswith("total 200 households held")
    assert "no building of the area is in this compound" in entries["calibration.招远小区"]
    path.write_text("小区名称,户数\n上港小区,200\n上港,100\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3: compound '上港' has a second total"):
        read_totals(path)


def test_a_register_of_compound_totals_is_pointed_to_totals_and_calibrates_a_real_area(tmp_path):
    """Helsinki sample (real OSM): its named residential landuse Leivonen and Pääskynen are compounds."""
    from gridkit import validate
    from gridkit.pipeline import partition_file
    from gridkit.register import read_register

    path = tmp_path / "小区户数.csv"
    path.write_text("小区名称,户数\nLeivonen,400\nPääskynen,333\n", encoding="utf-8-sig")
    with pytest.raises(InputError, match=r"--totals FILE"):
        read_register(path)
    plan = partition_file(ROOT / "data" / "samples" / "fi_helsinki_centre.gpkg", tmp_path / "plan.gpkg", totals=path, seed=0)
    b = plan.buildings
    for name, total in (("Leivonen", 400), ("Pääskynen", 333)):
        mine = b[b["calibrated_to"] == name]
        assert len(mine) >= 2 and mine["households"].sum() == total
    assert validate(plan).ok


def test_a_totals_files_count_header_merged_over_sub_columns_reads_the_total(tmp_path):
    """户数 merged over 流动 | 合计 (as a register's): the floating households alone were the community's total."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["社区名称", "户数", None])
    ws.append([None, "流动", "合计"])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:C1")
    ws.append(["幸福社区", 300, 2400])
    book.save(tmp_path / "t.xlsx")
    assert read_totals(tmp_path / "t.xlsx").rows["households"].tolist() == [2400]
