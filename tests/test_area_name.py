"""A plan is titled by its boundary's ``name``: the name (and ``code``) reach the area, the plan's ``area``
layer and ``run`` table, the wall chart's title and the report's; the input file's name is only the last
resort."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import gridkit
from gridkit.area import area_from_layers
from gridkit.io.read import read_layers
from gridkit.maps import sheet_figure
from gridkit.plan_units import _drop_crumbs, area_name
from gridkit.report import build_report

HK_NAME = "Tsim Sha Tsui, Yau Tsim Mong District (export bbox, sea cut off along coastline)"


def test_sample_boundary_name_reaches_plan_map_and_report(hk_path, hk_plan, tmp_path):
    assert gpd.read_file(hk_path, layer="boundary")["name"].tolist() == [HK_NAME]
    assert hk_plan.run_value("area_name") == HK_NAME
    assert hk_plan.area["name"].tolist() == [HK_NAME]
    # Through the plan file too, as `gridkit map` and `gridkit report` read it.
    gridkit.write_plan(hk_plan, tmp_path / "plan.gpkg")
    plan = gridkit.read_plan(tmp_path / "plan.gpkg")
    assert area_name(plan) == HK_NAME
    fig = sheet_figure(plan)
    texts = [t.get_text() for t in fig.texts]
    assert f"{HK_NAME} 网格划分图" in texts
    assert not any(t.startswith("hk_tsim_sha_tsui") for t in texts)
    # A long name is shrunk to fit the sheet's width rather than run off the page.
    long = f"{HK_NAME}、{HK_NAME} 网格划分图"
    fig = sheet_figure(plan, title=long)
    title = next(t for t in fig.texts if t.get_text() == long)
    box = title.get_window_extent(fig.canvas.get_renderer())
    assert title.get_fontsize() < 19 and 0 <= box.x0 and box.x1 <= fig.bbox.width
    report = build_report(plan)
    assert report.area == HK_NAME and report.title == f"{HK_NAME} 社区与网格划分方案"


def _hand_made(hk_path, **columns: object) -> gridkit.Area:
    layers = read_layers(hk_path)
    boundary = layers["boundary"][["geometry"]].copy()
    for key, value in columns.items():
        boundary[key] = value
    return area_from_layers({**layers, "boundary": boundary}, where="hand-made")


def test_chinese_name_and_code_from_the_boundary(hk_path):
    area = _hand_made(hk_path, name="尖沙咀街道", code="810000001")
    assert (area.name, area.code) == ("尖沙咀街道", "810000001")


def test_boundary_without_name_falls_back_to_the_file_name(hk_path, hk_plan):
    area = _hand_made(hk_path)
    assert (area.name, area.code) == ("", "")
    run = hk_plan.run[~hk_plan.run["key"].isin(["area_name", "area_code"])]
    nameless = dataclasses.replace(hk_plan, run=pd.concat([run, pd.DataFrame(
        {"key": ["area_name"], "value": [""]})]), area=hk_plan.area.assign(name=""))
    assert area_name(nameless) == "hk_tsim_sha_tsui"
    # A plan written before the name was recorded: no area_name, and its area layer's name is the input path.
    old = dataclasses.replace(hk_plan, run=run, area=hk_plan.area.assign(name=str(hk_path)))
    assert area_name(old) == "hk_tsim_sha_tsui"


def test_crumbs_under_the_profile_area_leave_a_union_of_grids():
    square = shapely.box(0, 0, 100, 100)
    pinhole = shapely.box(40, 40, 50, 50)  # 100 m2
    speck = shapely.box(200, 0, 205, 5)  # 25 m2
    union = shapely.union(square.difference(pinhole), speck)
    kept = _drop_crumbs(union, 50.0)
    assert kept.geom_type == "Polygon" and len(kept.interiors) == 1
    assert kept.area == pytest.approx(100 * 100 - 100)
    filled = _drop_crumbs(union, 200.0)
    assert filled.geom_type == "Polygon" and len(filled.interiors) == 0
    assert filled.area == pytest.approx(100 * 100)
