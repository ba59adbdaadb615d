"""The division scheme report on a real sample, boundary streets, the change table and rosters."""

from __future__ import annotations

import base64
import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from openpyxl import Workbook, load_workbook

from gridkit.errors import InputError
from gridkit.plan_units import plan_communities
from gridkit.report import boundary_streets, build_report, write_report
from gridkit.roster import load_roster, read_roster

GRIDKIT = [sys.executable, "-m", "gridkit.cli"]


def run(*args: object) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([*GRIDKIT, *map(str, args)], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def roster_file(plan, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("roster") / "staff.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["外滩街道网格员名册"])  # a title row above the header is skipped
        out.writerow(["grid_code", "name", "role", "phone"])
        for i, code in enumerate(plan.grids["code"]):
            out.writerow([code, f"员工{i}", "网格长" if i % 2 else "专职网格员", f"139{i:08d}"])
    return path


@pytest.fixture(scope="module")
def xlsx(plan_file, roster_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("xlsx") / "scheme.xlsx"
    made = run("report", plan_file, "-o", out, "--roster", roster_file)
    assert made.returncode == 0, made.stderr
    return out


def _sheet(path: Path, name: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=name, dtype={"网格编码": str, "社区编码": str, "联系电话": str})


def test_xlsx_has_one_row_per_grid_and_the_plans_totals(xlsx, plan):
    grids = _sheet(xlsx, "网格")
    assert len(grids) == len(plan.grids)
    assert sorted(grids["网格编码"]) == sorted(plan.grids["code"])  # codes keep their leading zeros
    assert int(grids["户数"].sum()) == int(plan.grids["households"].sum())
    assert int(grids["人口"].sum()) == int(plan.grids["population"].sum())
    assert grids["网格名称"].tolist() == plan.grids["name"].tolist()
    assert grids["网格员"].notna().all() and grids["联系电话"].str.startswith("139").all()
    comms = _sheet(xlsx, "社区")
    assert len(comms) == len(plan_communities(plan))
    assert int(comms["户数"].sum()) == int(plan.grids["households"].sum())
    assert int(comms["网格数"].sum()) == len(plan.grids)
    summary = _sheet(xlsx, "汇总").set_index("项目")
    assert int(summary.loc["户数", "数值"]) == int(plan.grids["households"].sum())
    assert int(summary.loc["网格数", "数值"]) == len(plan.grids)
    invariants = plan.metrics[plan.metrics["kind"] == "invariant"]
    rows = _sheet(xlsx, "汇总")
    assert (rows["类别"] == "不变量").sum() == len(invariants)
    assert (rows["类别"] == "评分").sum() == (plan.metrics["kind"] == "score").sum()


def test_xlsx_cells_are_typed_with_a_frozen_header(xlsx):
    book = load_workbook(xlsx)
    ws = book["网格"]
    header = [c.value for c in ws[1]]
    assert ws.freeze_panes in ("A2", "B2", "C2")
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert row["网格编码"].data_type == "s" and row["网格编码"].value.startswith("0")
    assert isinstance(row["户数"].value, int) and row["户数"].number_format == "#,##0"
    assert isinstance(row["面积(㎡)"].value, float)
    assert re.search(r"[\u4e00-\u9fff]", row["网格名称"].value)
    assert ws.column_dimensions["A"].width >= 15  # wide enough for the 15-digit code


def test_boundary_streets_are_the_named_roads_along_the_boundary():
    square = shapely.box(0, 0, 100, 100)
    roads = gpd.GeoDataFrame(
        {"name": ["Along Road", "Cross Street", "Far Avenue", "", "Short Lane"]},
        geometry=[shapely.LineString([(-20, 101), (120, 101)]),   # 1 m off the top edge, 100 m inside the band
                  shapely.LineString([(50, -30), (50, 130)]),     # crosses the boundary twice
                  shapely.LineString([(0, 150), (100, 150)]),     # 50 m away
                  shapely.LineString([(-10, -2), (110, -2)]),     # along, but unnamed
                  shapely.LineString([(100.5, 10), (100.5, 40)])],  # 30 m along the right edge
        crs="EPSG:32650")
    assert boundary_streets([square], roads) == [["Along Road", "Short Lane"]]


def test_grids_list_their_boundary_streets(plan):
    table = build_report(plan).grids.frame
    named = table["boundary_streets"] != ""
    assert named.mean() > 0.5
    road_names = set(plan.roads["name"].dropna())
    for streets in table.loc[named, "boundary_streets"]:
        assert set(streets.split("、")) <= road_names


def test_html_embeds_the_maps_and_lists_every_grid(plan, tmp_path):
    out = write_report(plan, tmp_path / "scheme.html")
    page = out.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert images and base64.b64decode(images[0])[:8] == b"\x89PNG\r\n\x1a\n"
    for code in plan.grids["code"]:
        assert code in page
    assert "不变量" in page and "边界道路" in page


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_report_has_tables_and_map_with_the_font_embedded(plan, tmp_path):
    out = write_report(plan, tmp_path / "scheme.pdf")
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", out, "-"], capture_output=True, text=True,
                                             check=True).stdout)
    assert "网格划分表" in text and "网格划分图" in text and "不变量" in text
    for code in plan.grids["code"]:
        assert code in text
    fonts = subprocess.run(["pdffonts", out], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "DroidSansFallback" in line or "CJK" in line]
    assert cjk and all(re.search(r"Identity-H\s+yes", line) for line in cjk)


class _WithChanges:
    """A plan seen with a ``changes`` layer (as plans made against an existing division have)."""

    def __init__(self, plan, changes: pd.DataFrame) -> None:
        self._plan, self.changes = plan, changes

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._plan, name)


def test_change_table_when_the_plan_has_changes(plan, tmp_path):
    codes = plan.grids["code"].tolist()
    changes = pd.DataFrame({
        "level": ["grid", "grid", "grid"], "change": ["unchanged", "split", "added"],
        "old_code": [codes[0], codes[1], ""], "new_code": [codes[0], codes[2], codes[3]],
        "old_name": ["甲", "乙", ""], "new_name": ["甲", "丙", "丁"],
        "households_moved": [150, 80, 0], "buildings_moved": [3, 2, 0],
        "old_households": [150, 200, 0], "new_households": [150, 120, 90],
    })
    out = write_report(_WithChanges(plan, changes), tmp_path / "scheme.xlsx")
    table = pd.read_excel(out, sheet_name="变更", dtype={"原编码": str, "新编码": str})
    assert len(table) == 3
    assert table["变更"].tolist() == ["未变", "拆分", "新增"]
    assert table["新编码"].tolist() == codes[:1] + codes[2:4]
    assert "变更" not in load_workbook(write_report(plan, tmp_path / "plain.xlsx")).sheetnames


def test_roster_from_xlsx_with_numeric_codes_and_chinese_headers(plan, tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["序号", "网格编号", "网格员姓名", "岗位", "手机号码"])
    code = plan.grids["code"].iloc[2]
    ws.append([1, int(code), "王五", "网格长", 13700000000])  # a spreadsheet drops the leading zeros
    path = tmp_path / "roster.xlsx"
    book.save(path)
    roster = load_roster(path, plan)
    assert roster[["grid_code", "name", "role", "phone"]].values.tolist() == [[code, "王五", "网格长", "13700000000"]]


def test_roster_errors_name_the_file_and_row(plan, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("code,name\n,张三\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"r\.csv, row 2: the grid code is empty"):
        read_roster(path)
    path.write_text("编号,人\n1,张三\n", encoding="utf-8")
    with pytest.raises(InputError, match="header row"):
        read_roster(path)
    path.write_text(f"grid_code,name\n{plan.grids['code'].iloc[0]},张三\nX1,李四\nX2,王五\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"r\.csv, row 3: grid code 'X1' is not a grid of this plan \(and 1 more"):
        load_roster(path, plan)
    path.write_bytes(b"grid_code,name\n" + f"{plan.grids['code'].iloc[0]},张三\n".encode("gbk"))
    assert read_roster(path)["name"].tolist() == ["张三"]  # GBK, as Excel in China saves CSV


def test_report_cli_bad_roster_exits_2_with_one_line(plan_file, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("grid_code,name,phone\n123,张三,1\n", encoding="utf-8")
    out = tmp_path / "scheme.xlsx"
    result = run("report", plan_file, "-o", out, "--roster", bad)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.csv, row 2" in lines[0], result.stderr
    assert not out.exists()
