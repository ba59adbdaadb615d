"""Calibration to known totals: each unit's total holds exactly, given counts never change."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from gridkit import load_profile
from gridkit.calibrate import calibrate, read_totals
from gridkit.errors import InputError
from gridkit.households import assign_households

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
