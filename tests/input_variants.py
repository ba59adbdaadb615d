"""Input variants derived from the real samples: what a town's data can look like, good and bad.

Each variant writes its files into a folder and says which ``gridkit`` command to run on them and
what must happen: ``ok`` (exit 0, and the plan validates against its input) or ``fail`` (exit 2, one
line on stderr containing the expected words, no traceback, no output file).
``tests/test_bad_inputs.py`` runs them; ``python tests/input_variants.py [NAME ...]`` prints a table.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import warnings
import zipfile
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

warnings.filterwarnings("ignore", "Normalized/laundered", RuntimeWarning)
warnings.filterwarnings("ignore", "Geometry is in a geographic CRS", UserWarning)
ROOT = Path(__file__).resolve().parents[1]
HK = ROOT / "data" / "samples" / "hk_tsim_sha_tsui.gpkg"
BUND = ROOT / "data" / "samples" / "cn_shanghai_bund.gpkg"
GRIDKIT = [sys.executable, "-m", "gridkit.cli"]


@dataclass
class Case:
    """One run of the command line: ``args`` (paths as they will be given), what must happen."""

    args: list[str]
    expect: str  # "ok" or "fail"
    message: str = ""  # words the one error line must contain (fail)
    output: Path | None = None  # the file the command writes (must not appear on failure)
    check: Callable[[Path], str] | None = None  # for ok: returns "" or what is wrong with the output
    keep: list[Path] = field(default_factory=list)  # files whose bytes must not change
    after: Callable[[], object] | None = None  # undoes what the variant did outside its files


def layers(src: Path = HK) -> dict[str, gpd.GeoDataFrame]:
    return {str(n): gpd.read_file(src, layer=str(n)) for n, _ in pyogrio.list_layers(src)}


def write_gpkg(path: Path, frames: dict[str, gpd.GeoDataFrame]) -> Path:
    for name, gdf in frames.items():
        pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG")
    return path


def partition(src: Path | str, out: Path, *extra: str, **kw) -> Case:
    return Case(["partition", str(src), "-o", str(out), "--seed", "0", *extra], output=out, **kw)


def _to(frames, crs, only=None):
    return {n: (g.to_crs(crs) if only is None or n in only else g) for n, g in frames.items()}


def _log(plan: Path) -> dict[str, str]:
    run = pyogrio.read_dataframe(plan, layer="run")
    return dict(zip(run["key"], run["value"], strict=True))


def _register_all_matched(plan: Path) -> str:
    log = _log(plan)
    bad = log.get("log.register_rows_unmatched")
    return "" if bad == "0" else f"register rows unmatched: {bad} ({log.get('log.register_unmatched_keys')})"


def _given(n: int) -> Callable[[Path], str]:
    def check(plan: Path) -> str:
        b = pyogrio.read_dataframe(plan, layer="buildings", read_geometry=False)
        got = int((b["households_source"] == "given").sum())
        return "" if got == n else f"{got} buildings took a register figure, not {n}"
    return check


# ---------------------------------------------------------------- inputs that must work

def v_epsg4326(d: Path) -> Case:
    return partition(HK, d / "plan.gpkg", expect="ok")


def v_epsg3857(d: Path) -> Case:
    return partition(write_gpkg(d / "in.gpkg", _to(layers(), 3857)), d / "plan.gpkg", expect="ok")


def v_hk1980_grid(d: Path) -> Case:
    return partition(write_gpkg(d / "in.gpkg", _to(layers(), 2326)), d / "plan.gpkg", expect="ok")


def v_local_tm_no_epsg(d: Path) -> Case:
    """A city's own transverse Mercator (no EPSG code), small coordinates around a local origin."""
    crs = "+proj=tmerc +lat_0=22.3 +lon_0=114.17 +k=1 +x_0=500 +y_0=500 +ellps=intl +towgs84=-162.6,-276.9,-20.6 +units=m +no_defs"
    return partition(write_gpkg(d / "in.gpkg", _to(layers(), crs)), d / "plan.gpkg", expect="ok")


def v_cgcs2000_gk_zone_prefix(d: Path) -> Case:
    """CGCS2000 3-degree Gauss-Krueger zone 38 with the zone number in front of the easting (EPSG:4526)."""
    return partition(write_gpkg(d / "in.gpkg", _to(layers(), 4526)), d / "plan.gpkg", expect="ok")


def v_xian80_gk(d: Path) -> Case:
    return partition(write_gpkg(d / "in.gpkg", _to(layers(), 2383)), d / "plan.gpkg", expect="ok")


def v_cgcs2000_geographic(d: Path) -> Case:
    return partition(write_gpkg(d / "in.gpkg", _to(layers(BUND), 4490)), d / "plan.gpkg", expect="ok")


def v_bund_cgcs2000_gk(d: Path) -> Case:
    return partition(write_gpkg(d / "in.gpkg", _to(layers(BUND), 4549)), d / "plan.gpkg", expect="ok")


def v_compound_crs_z(d: Path) -> Case:
    """Buildings with heights in a compound CRS (horizontal + vertical)."""
    f = _to(layers(), 2326)
    f["buildings"] = f["buildings"].set_geometry(shapely.force_3d(f["buildings"].geometry.values, 5.0))
    f = {n: g.set_crs("EPSG:2326+5738", allow_override=True) for n, g in f.items()}
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_geographic_compound(d: Path) -> Case:
    f = layers()
    f = {n: g.set_crs("EPSG:4326+3855", allow_override=True) for n, g in f.items()}
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_boundary_other_crs(d: Path) -> Case:
    f = layers()
    f["boundary"] = f["boundary"].to_crs(3857)
    f["roads"] = f["roads"].to_crs(2326)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_buildings_z(d: Path) -> Case:
    f = layers()
    f["buildings"] = f["buildings"].set_geometry(shapely.force_3d(f["buildings"].geometry.values, 12.0))
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def _add_by_ogr2ogr(d: Path, buildings: gpd.GeoDataFrame, dst: Path, *options: str, name: str = "buildings") -> None:
    """Add ``buildings`` to GeoPackage ``dst`` as layer ``name`` through ogr2ogr with ``options``: geometries
    (measures, solids) that GDAL writes but pyogrio cannot be given."""
    base = write_gpkg(d / "base.gpkg", {"buildings": buildings})
    subprocess.run(["ogr2ogr", "-f", "GPKG", "-update", *options, "-nln", name, str(dst), str(base), "buildings"],
                   check=True, capture_output=True)
    base.unlink()


def v_buildings_m(d: Path) -> Case:
    f = layers()
    buildings = f.pop("buildings")
    out = write_gpkg(d / "in.gpkg", f)
    _add_by_ogr2ogr(d, buildings, out, "-dim", "XYM")
    return partition(out, d / "plan.gpkg", expect="ok")


def v_buildings_zm(d: Path) -> Case:
    f = layers()
    buildings = f.pop("buildings")
    out = write_gpkg(d / "in.gpkg", f)
    _add_by_ogr2ogr(d, buildings, out, "-dim", "XYZM")
    return partition(out, d / "plan.gpkg", expect="ok")


def v_buildings_multipolygon(d: Path) -> Case:
    f = layers()
    b = f["buildings"]
    geoms = np.array([shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g for g in b.geometry.values])
    # Two neighbours drawn as one feature of two parts.
    geoms[0] = shapely.MultiPolygon([*shapely.get_parts(geoms[0]), *shapely.get_parts(geoms[1])])
    f["buildings"] = b.set_geometry(geoms).drop(index=1)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_roads_multilinestring_z(d: Path) -> Case:
    f = layers()
    r = f["roads"]
    f["roads"] = r.set_geometry([shapely.MultiLineString([shapely.force_3d(g, 3.0)]) for g in r.geometry.values])
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_no_roads(d: Path) -> Case:
    f = layers()
    del f["roads"]
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_empty_barriers(d: Path) -> Case:
    f = layers()
    f["barriers"] = f["barriers"].iloc[:0]
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_only_buildings(d: Path) -> Case:
    return partition(write_gpkg(d / "in.gpkg", {"buildings": layers()["buildings"]}), d / "plan.gpkg", expect="ok")


def _shapefiles(d: Path, encoding: str = "GBK", crs=None, names=("buildings", "roads", "boundary", "barriers")) -> Path:
    folder = d / "城区图层"
    folder.mkdir()
    f = layers()
    f["buildings"] = f["buildings"].assign(name=f["buildings"]["name"].fillna("幸福小区"), 备注="住宅楼")
    for n in names:
        g = f[n] if crs is None else f[n].to_crs(crs)
        pyogrio.write_dataframe(g, folder / f"{n}.shp", encoding=encoding)
    return folder


def v_shapefiles_gbk(d: Path) -> Case:
    folder = _shapefiles(d)
    assert (folder / "buildings.cpg").read_text().strip().upper() in ("GBK", "CP936", "936")
    return partition(folder, d / "plan.gpkg", expect="ok")


def v_shapefiles_gbk_no_cpg(d: Path) -> Case:
    """GBK attributes and no .cpg: what older Chinese GIS exports look like."""
    folder = _shapefiles(d)
    for cpg in folder.glob("*.cpg"):
        cpg.unlink()
    return partition(folder, d / "plan.gpkg", expect="ok")


def v_shapefiles_esri_prj(d: Path) -> Case:
    """Shapefiles in CGCS2000 / 3-degree GK CM 114E, with an ESRI-style .prj (no EPSG code)."""
    return partition(_shapefiles(d, crs=4547), d / "plan.gpkg", expect="ok")


def _geojson(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    data = json.loads(gdf.to_crs(4326).to_json(drop_id=True))
    data.pop("crs", None)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def v_geojson_folder_no_crs(d: Path) -> Case:
    folder = d / "layers"
    folder.mkdir()
    f = layers()
    for n in ("buildings", "roads", "boundary"):
        _geojson(f[n], folder / f"{n}.geojson")
    assert "crs" not in (folder / "buildings.geojson").read_text(encoding="utf-8")
    return partition(folder, d / "plan.gpkg", expect="ok")


def v_geojson_single_file(d: Path) -> Case:
    return partition(_geojson(layers()["buildings"], d / "楼栋.geojson"), d / "plan.gpkg", expect="ok")


def v_duplicates_and_bowties(d: Path) -> Case:
    f = layers()
    b = f["buildings"]
    geoms = b.geometry.values.copy()
    for i in range(0, 30, 10):  # bowties: the bounding box's corners in crossed order
        x0, y0, x1, y1 = geoms[i].bounds
        geoms[i] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])
    b = b.set_geometry(geoms)
    f["buildings"] = pd.concat([b, b.iloc[40:60]], ignore_index=True)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_buildings_outside_boundary(d: Path) -> Case:
    f = layers()
    b = f["buildings"]
    far = b.iloc[:5].copy()
    far = far.set_geometry(shapely.transform(far.geometry.values, lambda c: c + [0.05, 0.05]))
    far["id"] = far["id"].astype(str) + "far"
    f["buildings"] = pd.concat([b, far], ignore_index=True)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_chinese_columns(d: Path) -> Case:
    """An office's own layer: Chinese headers for levels, height, name, households; read as gridkit's."""
    f = layers()
    b = f["buildings"].rename(columns={"name": "名称", "building": "建筑类型", "levels": "层数",
                                       "height": "高度（米）", "id": "楼栋编号"}).drop(columns=["building:levels"])
    b["户数"] = pd.Series([30, 12] + [None] * (len(b) - 2), dtype=object)
    f["buildings"] = b.assign(所属社区="尖沙咀")
    f["roads"] = f["roads"].rename(columns={"name": "路名"})
    f["boundary"] = f["boundary"].rename(columns={"source": "来源", "name": "名称"})
    def check(plan: Path) -> str:
        base = pyogrio.read_dataframe(_hk_plan(), layer="buildings", read_geometry=False)
        levels = int((base["levels_source"] == "levels").sum())
        out = pyogrio.read_dataframe(plan, layer="buildings", read_geometry=False)
        by_levels = int((out["levels_source"] == "levels").sum())
        given = out.set_index("building_id")["households"]
        problems = [f"levels read for {by_levels} buildings, not {levels}" if by_levels < levels else "",
                    "" if given.get(str(b["楼栋编号"].iat[0])) == 30 else "户数 30 of the first building not read",
                    "" if _log(plan).get("area_name") else "boundary 名称 not read"]
        return "; ".join(p for p in problems if p)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok", check=check)


def _register(n: int = 12) -> pd.DataFrame:
    ids = layers()["buildings"]["id"].astype(str).iloc[:n]
    return pd.DataFrame({"楼栋编号": ids.to_numpy(), "户数": np.arange(n) + 5, "人口": (np.arange(n) + 5) * 3})


def v_chinese_road_classes_and_uses(d: Path) -> Case:
    """An office's own road and building layers: classes in CJJ 37 / GB/T 13923 words under 道路等级 and
    uses under 用途; read as the OSM classes they stand for, the plan is the one the OSM words give."""
    f = layers()
    chinese = {"primary": "主干路", "tertiary": "支路", "residential": "街巷", "service": "内部道路",
               "footway": "人行道", "steps": "阶梯路", "pedestrian": "步行街"}
    f["roads"] = f["roads"].assign(highway=f["roads"]["highway"].replace(chinese)).rename(columns={"highway": "道路等级"})
    f["buildings"] = f["buildings"].assign(building=f["buildings"]["building"].replace(
        {"commercial": "商业", "retail": "商场"})).rename(columns={"building": "用途"})

    def check(plan: Path) -> str:
        def grids(path: Path) -> list:
            g = pyogrio.read_dataframe(path, layer="grids", read_geometry=False)
            return sorted(zip(g["code"], g["households"], strict=True))
        blocks = [pyogrio.read_info(p, layer="blocks")["features"] for p in (_hk_plan(), plan)]
        renamed = _log(plan).get("log.roads_classes_renamed", "")
        return "; ".join(p for p in [
            "" if blocks[0] == blocks[1] else f"{blocks[1]} blocks, not {blocks[0]}",
            "" if grids(plan) == grids(_hk_plan()) else "grids differ from the OSM-worded plan's",
            "" if "主干路 -> primary (" in renamed else f"roads_classes_renamed is {renamed!r}"] if p)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok", check=check)


def v_register_gbk(d: Path) -> Case:
    reg = d / "住户登记表.csv"
    reg.write_bytes(_register().to_csv(index=False).encode("gbk"))
    return partition(HK, d / "plan.gpkg", "--households", str(reg), expect="ok", check=_register_all_matched)


def v_register_utf8_bom(d: Path) -> Case:
    reg = d / "register.csv"
    reg.write_bytes(_register().to_csv(index=False).encode("utf-8-sig"))
    return partition(HK, d / "plan.gpkg", "--households", str(reg), expect="ok", check=_register_all_matched)


def v_register_xlsx_merged(d: Path) -> Case:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["尖沙咀街道住户登记表"])
    ws.merge_cells("A1:D1")
    ws.append(["楼栋编号", "户数", "人口", "备注"])
    ws.append([None, None, "户籍", None])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    reg = _register()
    for i, row in enumerate(reg.itertuples(index=False)):
        if i % 4 == 0:
            ws.append([])  # blank rows between groups
        ws.append([row[0], int(row[1]), int(row[2]), "住宅"])
    ws.append(["合计", int(reg["户数"].sum()), int(reg["人口"].sum())])
    path = d / "登记表.xlsx"
    book.save(path)
    return partition(HK, d / "plan.gpkg", "--households", str(path), expect="ok", check=_register_all_matched)


def v_register_keys_spaces_fullwidth(d: Path) -> Case:
    reg = _register()
    ids = reg["楼栋编号"].astype(str)
    ids[::3] = " " + ids[::3] + " "
    ids[1::3] = ids[1::3].map(lambda s: s.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}))
    reg["楼栋编号"] = ids
    path = d / "register.csv"
    path.write_bytes(reg.to_csv(index=False).encode("utf-8"))
    return partition(HK, d / "plan.gpkg", "--households", str(path), expect="ok", check=_register_all_matched)


def v_register_counts_as_text(d: Path) -> Case:
    """Counts as offices type them: ``12户``, full-width digits, ``1,234`` thousands."""
    reg = _register(4).astype(object)
    reg["户数"] = ["12户", "１５", " 7 ", "8.0"]
    reg["人口"] = ["1,234", "40人", "２０", ""]
    path = d / "register.csv"
    path.write_bytes(reg.to_csv(index=False).encode("gbk"))
    return partition(HK, d / "plan.gpkg", "--households", str(path), expect="ok", check=_given(4))


# ---------------------------------------------------------------- inputs that must be refused

def f_missing_file(d: Path) -> Case:
    return partition(d / "nope.gpkg", d / "plan.gpkg", expect="fail", message="no such file")


def f_text_as_gpkg(d: Path) -> Case:
    src = d / "in.gpkg"
    src.write_text("楼栋,户数\n1,2\n", encoding="utf-8")
    return partition(src, d / "plan.gpkg", expect="fail", message="cannot be opened")


def f_empty_file_gpkg(d: Path) -> Case:
    src = d / "in.gpkg"
    src.write_bytes(b"")
    return partition(src, d / "plan.gpkg", expect="fail", message="in.gpkg")


def f_broken_geojson(d: Path) -> Case:
    src = d / "in.geojson"
    src.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", ', encoding="utf-8")
    return partition(src, d / "plan.gpkg", expect="fail", message="in.geojson")


def f_buildings_points(d: Path) -> Case:
    f = layers()
    f["buildings"] = f["buildings"].set_geometry(f["buildings"].geometry.centroid)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="fail", message="point")


def f_buildings_lines(d: Path) -> Case:
    f = layers()
    f["buildings"] = f["buildings"].set_geometry(f["buildings"].geometry.boundary)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="fail", message="line")


def f_all_null_geometries(d: Path) -> Case:
    f = layers()
    f["buildings"] = f["buildings"].set_geometry([None] * len(f["buildings"]), crs=4326)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="fail", message="no features with a geometry")


def f_shapefile_no_prj(d: Path) -> Case:
    folder = _shapefiles(d)
    for prj in folder.glob("*.prj"):
        prj.unlink()
    return partition(folder, d / "plan.gpkg", expect="fail", message="no coordinate reference system")


def f_boundary_disjoint(d: Path) -> Case:
    f = layers()
    bd = f["boundary"]
    f["boundary"] = bd.set_geometry(shapely.transform(bd.geometry.values, lambda c: c + [0.2, 0.0]))
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="fail", message="boundary")


def f_roads_far_from_the_area(d: Path) -> Case:
    """A roads layer in another CRS than it says (here 3 degrees east): the plan was made without a street
    (road_following 0.02), without a word."""
    f = layers()
    f["roads"] = f["roads"].set_geometry(shapely.transform(f["roads"].geometry.values, lambda c: c + [3.0, 0.0]))
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="fail",
                     message="layer 'roads': none of its 321 features reaches the area; the nearest is 308 km from it")


def f_lonlat_swapped(d: Path) -> Case:
    f = {n: g.set_geometry(shapely.transform(g.geometry.values, lambda c: c[:, ::-1])) for n, g in layers().items()}
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="fail", message="swapped")


def f_gauss_krueger_zone_number_in_front(d: Path) -> Case:
    """Eastings with the zone's number in front (zone 40) under the CRS of its central meridian, which has
    none: PROJ finds no place for them (it was an internal error, OverflowError)."""
    f = {n: g.to_crs(4528).set_crs(4549, allow_override=True) for n, g in layers(BUND).items()}
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="fail",
                     message="no place on Earth in the CRS 'CGCS2000 / 3-degree Gauss-Kruger CM 120E'; the CRS is "
                             "probably wrong (an easting of 8 digits has its zone's number in front, zone 40: give "
                             "the CRS of that zone, EPSG:4528")


def f_projected_without_crs_in_geojson(d: Path) -> Case:
    """Metres (HK 1980 Grid) in a GeoJSON without a crs member: GDAL takes them as WGS 84 degrees."""
    data = json.loads(layers()["buildings"].to_crs(2326).to_json(drop_id=True))
    data.pop("crs", None)
    src = d / "buildings.geojson"
    src.write_text(json.dumps(data), encoding="utf-8")
    return partition(src, d / "plan.gpkg", expect="fail", message="look like metres")


def f_output_folder_missing(d: Path) -> Case:
    return partition(HK, d / "no" / "such" / "plan.gpkg", expect="fail", message="folder")


def f_output_is_input(d: Path) -> Case:
    src = d / "in.gpkg"
    shutil.copy(HK, src)
    return partition(src, src, expect="fail", message="is also an input", keep=[src])


def f_register_missing_key(d: Path) -> Case:
    reg = d / "register.csv"
    reg.write_bytes(_register().rename(columns={"楼栋编号": "名称"}).to_csv(index=False).encode("gbk"))
    return partition(HK, d / "plan.gpkg", "--households", str(reg), expect="fail", message="building_id")


def f_register_bad_counts(d: Path) -> Case:
    reg = _register().astype(object)
    reg.loc[3, "户数"] = "很多"
    reg.loc[7, "户数"] = -2
    path = d / "register.csv"
    path.write_bytes(reg.to_csv(index=False).encode("utf-8"))
    return partition(HK, d / "plan.gpkg", "--households", str(path), expect="fail", message="rows 5, 9")


def f_register_negative(d: Path) -> Case:
    reg = _register()
    reg.loc[2, "户数"] = -4
    path = d / "register.csv"
    path.write_bytes(reg.to_csv(index=False).encode("utf-8"))
    return partition(HK, d / "plan.gpkg", "--households", str(path), expect="fail", message="row 4")


def f_existing_not_a_plan(d: Path) -> Case:
    return partition(HK, d / "plan.gpkg", "--existing", str(BUND), expect="fail", message="not a plan")


def f_validate_not_a_plan(d: Path) -> Case:
    return Case(["validate", str(HK)], expect="fail", message="not a gridkit plan")


def f_validate_missing(d: Path) -> Case:
    return Case(["validate", str(d / "plan.gpkg")], expect="fail", message="no such plan")


def f_report_not_a_plan(d: Path) -> Case:
    out = d / "report.xlsx"
    return Case(["report", str(HK), "-o", str(out)], expect="fail", message="not a gridkit plan", output=out)


def f_map_not_a_plan(d: Path) -> Case:
    out = d / "map.png"
    return Case(["map", str(HK), "-o", str(out)], expect="fail", message="not a gridkit plan", output=out)


def f_map_text_as_plan(d: Path) -> Case:
    plan = d / "plan.gpkg"
    plan.write_text("not a plan", encoding="utf-8")
    out = d / "map.png"
    return Case(["map", str(plan), "-o", str(out)], expect="fail", message="cannot be opened", output=out)


# ---------------------------------------------------------------- second sweep: what else real files do

def v_layer_names_capitalised(d: Path) -> Case:
    folder = d / "layers"
    folder.mkdir()
    f = layers()
    for n in ("buildings", "roads", "boundary"):
        pyogrio.write_dataframe(f[n], folder / f"{n.capitalize()}.gpkg")
    return partition(folder, d / "plan.gpkg", expect="ok")


def v_shapefiles_zipped(d: Path) -> Case:
    folder = _shapefiles(d)
    zipped = d / "layers.zip"
    shutil.make_archive(str(zipped.with_suffix("")), "zip", folder)
    shutil.rmtree(folder)
    return partition(zipped, d / "plan.gpkg", expect="ok")


class _NamedInCodePage(zipfile.ZipInfo):
    """An entry named as Windows' zip on a Chinese system names it: in GBK, without the zip's UTF-8 flag."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's name
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def v_zipped_on_chinese_windows(d: Path) -> Case:
    """Layers named 建筑物, 道路, 边界 zipped on a Chinese Windows: GDAL read the names as CP437 mojibake
    (╜¿╓■╬∩) and found no buildings layer."""
    folder = _shapefiles(d, names=("buildings", "roads", "boundary"))
    zipped = d / "layers.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for part in sorted(folder.iterdir()):
            name = {"buildings": "建筑物", "roads": "道路", "boundary": "边界"}[part.stem] + part.suffix
            archive.writestr(_NamedInCodePage(name), part.read_bytes())
    shutil.rmtree(folder)
    return partition(zipped, d / "plan.gpkg", expect="ok")


def v_shapefile_laundered_address(d: Path) -> Case:
    """A Shapefile cannot hold ``addr:street``: GDAL writes ``addr_stree``; the register joins by address."""
    f = layers()
    b = f["buildings"].iloc[:40].copy()
    b["addr:street"] = "弥敦道"
    b["addr:housenumber"] = [str(i + 1) for i in range(len(b))]
    folder = d / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(b, folder / "buildings.shp", encoding="UTF-8")
    reg = d / "register.csv"
    reg.write_bytes("地址,户数\n弥敦道1号,30\n弥敦道２号,20\n".encode("gbk"))
    return partition(folder, d / "plan.gpkg", "--households", str(reg), expect="ok", check=_given(2))


def v_register_ids_as_floats(d: Path) -> Case:
    """A register written by a script from a column with blanks: ``2460795.0``."""
    reg = _register()
    reg["楼栋编号"] = reg["楼栋编号"].astype(float)
    path = d / "register.csv"
    reg.to_csv(path, index=False)
    return partition(HK, d / "plan.gpkg", "--households", str(path), expect="ok", check=_register_all_matched)


def v_buildings_counts_as_text(d: Path) -> Case:
    f = layers()
    b = f["buildings"].astype({"id": str})
    b["households"] = None
    b["households"] = b["households"].astype(object)
    b.loc[:3, "households"] = ["12户", "１５", " 7 ", "8.0"]
    f["buildings"] = b
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok", check=_given(4))


def v_existing_other_town(d: Path) -> Case:
    """An existing plan that does not reach this area: nothing to keep, the run still works."""
    other = d / "bund_plan.gpkg"
    made = gridkit("partition", str(BUND), "-o", str(other), "--seed", "0")
    assert made.returncode == 0, made.stderr
    return partition(HK, d / "plan.gpkg", "--existing", str(other), expect="ok")


def f_layers_named_otherwise(d: Path) -> Case:
    f = layers()
    # 建筑 and 道路 alone are read as buildings and roads (io.read.LAYER_NAMES); names gridkit cannot place are listed.
    src = write_gpkg(d / "in.gpkg", {"建筑2023": f["buildings"], "道路2023": f["roads"]})
    return partition(src, d / "plan.gpkg", expect="fail", message="建筑2023")


def f_buildings_without_geometry_column(d: Path) -> Case:
    f = layers()
    src = write_gpkg(d / "in.gpkg", {"roads": f["roads"]})
    pyogrio.write_dataframe(pd.DataFrame(f["buildings"].drop(columns="geometry")), src, layer="buildings")
    return partition(src, d / "plan.gpkg", expect="fail", message="geometry")


def f_buildings_nan_coordinates(d: Path) -> Case:
    f = layers()
    b = f["buildings"]
    g = b.geometry.values.copy()
    g[5] = shapely.polygons(np.array([[114.17, 22.3], [np.nan, 22.3], [114.18, 22.31], [114.17, 22.3]]))
    f["buildings"] = b.set_geometry(g)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="fail", message="feature 6")


def f_output_wrong_suffix(d: Path) -> Case:
    return partition(HK, d / "plan.shp", expect="fail", message=".gpkg")


def f_unknown_profile(d: Path) -> Case:
    return partition(HK, d / "plan.gpkg", "--profile", "nosuch", expect="fail", message="nosuch")


def f_register_only_header(d: Path) -> Case:
    reg = d / "register.csv"
    reg.write_text("楼栋编号,户数\n", encoding="utf-8")
    return partition(HK, d / "plan.gpkg", "--households", str(reg), expect="fail", message="only its header")


def f_register_no_counts(d: Path) -> Case:
    reg = d / "register.csv"
    reg.write_text("楼栋编号,户数\n2460795,\n3411932,\n", encoding="utf-8")
    return partition(HK, d / "plan.gpkg", "--households", str(reg), expect="fail", message="none of its 2 rows")


def f_register_empty_file(d: Path) -> Case:
    reg = d / "register.csv"
    reg.write_bytes(b"")
    return partition(HK, d / "plan.gpkg", "--households", str(reg), expect="fail", message="register")


def v_register_csv_named_xlsx(d: Path) -> Case:
    """A CSV renamed .xlsx is read as what its bytes are (it was refused by its name)."""
    reg = d / "register.xlsx"
    reg.write_bytes(_register().to_csv(index=False).encode("gbk"))
    return partition(HK, d / "plan.gpkg", "--households", str(reg), expect="ok", check=_register_all_matched)


def f_register_unknown_suffix(d: Path) -> Case:
    reg = d / "register.docx"
    reg.write_bytes(b"PK\x03\x04")
    return partition(HK, d / "plan.gpkg", "--households", str(reg), expect="fail", message="register")


@functools.cache
def _hk_plan() -> Path:
    """The Tsim Sha Tsui plan, made once per process by the command line."""
    folder = tempfile.mkdtemp(prefix="gk-plan-")
    atexit.register(shutil.rmtree, folder, True)
    plan = Path(folder) / "plan.gpkg"
    made = gridkit("partition", str(HK), "-o", str(plan), "--seed", "0")
    assert made.returncode == 0, made.stderr
    return plan


def _plan_copy(d: Path) -> Path:
    return Path(shutil.copy(_hk_plan(), d / "plan.gpkg"))


def f_validate_plan_grids_without_code(d: Path) -> Case:
    plan = _plan_copy(d)
    g = gpd.read_file(plan, layer="grids").drop(columns=["code"])
    pyogrio.write_dataframe(g, plan, layer="grids")  # replaces the layer
    return Case(["validate", str(plan)], expect="fail", message="code")


def f_report_plan_grids_without_code(d: Path) -> Case:
    plan = _plan_copy(d)
    g = gpd.read_file(plan, layer="grids").drop(columns=["code"])
    pyogrio.write_dataframe(g, plan, layer="grids")
    out = d / "r.xlsx"
    return Case(["report", str(plan), "-o", str(out)], expect="fail", message="code", output=out)


def f_map_plan_null_grid(d: Path) -> Case:
    plan = _plan_copy(d)
    g = gpd.read_file(plan, layer="grids")
    geoms = g.geometry.values.copy()
    geoms[0] = None
    pyogrio.write_dataframe(g.set_geometry(geoms), plan, layer="grids")
    out = d / "m.png"
    return Case(["map", str(plan), "-o", str(out)], expect="fail", message="geometry", output=out)


def f_validate_plan_null_grid(d: Path) -> Case:
    plan = _plan_copy(d)
    g = gpd.read_file(plan, layer="grids")
    geoms = g.geometry.values.copy()
    geoms[0] = None
    pyogrio.write_dataframe(g.set_geometry(geoms), plan, layer="grids")
    return Case(["validate", str(plan)], expect="fail", message="geometry")


def f_validate_against_other_input(d: Path) -> Case:
    plan = _plan_copy(d)
    return Case(["validate", str(plan), "--input", str(BUND)], expect="invalid", message="input_buildings_missing")


def f_map_unknown_community(d: Path) -> Case:
    plan = _plan_copy(d)
    out = d / "m.png"
    return Case(["map", str(plan), "-o", str(out), "--community", "火星"], expect="fail", message="火星", output=out)


def f_map_bad_paper(d: Path) -> Case:
    plan = _plan_copy(d)
    out = d / "m.png"
    return Case(["map", str(plan), "-o", str(out), "--paper", "A7"], expect="fail", message="A7", output=out)


def f_map_bad_dpi(d: Path) -> Case:
    plan = _plan_copy(d)
    out = d / "m.png"
    return Case(["map", str(plan), "-o", str(out), "--dpi", "0"], expect="fail", message="dpi", output=out)


def f_map_output_is_plan(d: Path) -> Case:
    plan = _plan_copy(d)
    return Case(["map", str(plan), "-o", str(plan.with_suffix(".png")), "--roster", str(plan.with_suffix(".png"))],
                expect="fail", message="is also an input")


def f_report_output_folder_missing(d: Path) -> Case:
    plan = _plan_copy(d)
    out = d / "no" / "r.xlsx"
    return Case(["report", str(plan), "-o", str(out)], expect="fail", message="folder", output=out)


def f_report_bad_roster(d: Path) -> Case:
    plan = _plan_copy(d)
    roster = d / "roster.csv"
    roster.write_text("姓名,电话\n张三,123\n", encoding="utf-8")
    out = d / "r.xlsx"
    return Case(["report", str(plan), "-o", str(out), "--roster", str(roster)], expect="fail", message="roster",
                output=out)


# ---------------------------------------------------------------- third sweep

def v_kml_buildings(d: Path) -> Case:
    src = d / "buildings.kml"
    pyogrio.write_dataframe(layers()["buildings"][["id", "name", "geometry"]], src, driver="KML")
    return partition(src, d / "plan.gpkg", expect="ok")


def v_mixed_geometry_buildings(d: Path) -> Case:
    """A few points (entrances, labels) among the footprints: left out and counted."""
    f = layers()
    b = f["buildings"]
    pts = b.iloc[:3].copy()
    pts = pts.set_geometry(shapely.point_on_surface(pts.geometry.values))
    f["buildings"] = pd.concat([b, pts], ignore_index=True)
    src = d / "in.gpkg"
    for n, g in f.items():
        pyogrio.write_dataframe(g, src, layer=n, geometry_type="Unknown" if n == "buildings" else None)

    def check(plan: Path) -> str:
        return "" if _log(plan).get("log.buildings_not_polygons_left_out") == "3" else \
            "points in the buildings layer not counted in the run log"
    return partition(src, d / "plan.gpkg", expect="ok", check=check)


def f_shapefile_without_shx(d: Path) -> Case:
    folder = _shapefiles(d, names=("buildings",))
    (folder / "buildings.shx").unlink()
    return partition(folder / "buildings.shp", d / "plan.gpkg", expect="fail", message=".shx file is missing")


def f_shapefile_without_dbf(d: Path) -> Case:
    folder = _shapefiles(d, names=("buildings",))
    (folder / "buildings.dbf").unlink()
    return partition(folder, d / "plan.gpkg", expect="fail", message=".dbf file is missing")


def f_shapefile_garbage_prj(d: Path) -> Case:
    folder = _shapefiles(d, names=("buildings",))
    (folder / "buildings.prj").write_text("this is no projection", encoding="utf-8")
    return partition(folder / "buildings.shp", d / "plan.gpkg", expect="fail", message="coordinate reference system")


def f_geojson_no_features(d: Path) -> Case:
    src = d / "buildings.geojson"
    src.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    return partition(src, d / "plan.gpkg", expect="fail", message="no features")


def f_register_key_column_missing(d: Path) -> Case:
    reg = d / "register.csv"
    reg.write_bytes(_register().to_csv(index=False).encode("gbk"))
    return partition(HK, d / "plan.gpkg", "--households", str(reg), "--key-column", "楼宇代码", expect="fail",
                     message="楼宇代码")


def f_output_is_a_user_geopackage(d: Path) -> Case:
    """``-o`` naming a GeoPackage that is not a plan (a base map, another project's data): never replaced."""
    mine = d / "城市底图.gpkg"
    shutil.copy(BUND, mine)
    return partition(HK, mine, expect="fail", message="not a gridkit plan", keep=[mine])


def f_output_is_a_text_file(d: Path) -> Case:
    mine = d / "notes.gpkg"
    mine.write_text("my notes", encoding="utf-8")
    return partition(HK, mine, expect="fail", message="not a gridkit plan", keep=[mine])


def f_batch_output_is_input(d: Path) -> Case:
    city = d / "city.gpkg"
    shutil.copy(HK, city)
    return Case(["batch", str(city), "-o", str(city), "--office-column", "name"], expect="fail",
                message="is also an input", keep=[city])


def f_batch_output_is_a_user_geopackage(d: Path) -> Case:
    mine = d / "底图.gpkg"
    shutil.copy(BUND, mine)
    return Case(["batch", str(HK), "-o", str(mine), "--office-column", "name"], expect="fail",
                message="not a gridkit plan", keep=[mine])


def f_register_header_elsewhere(d: Path) -> Case:
    reg = d / "register.csv"
    reg.write_bytes("尖沙咀住户登记\n名称,户数\n半岛酒店,0\n".encode("gbk"))
    return partition(HK, d / "plan.gpkg", "--households", str(reg), expect="fail", message="row 2 has: 名称, 户数")


def v_single_building(d: Path) -> Case:
    f = layers()
    b = f["buildings"]
    one = b[b["building"] == "apartments"].iloc[:1] if (b["building"] == "apartments").any() else b.iloc[:1]
    return partition(write_gpkg(d / "in.gpkg", {"buildings": one}), d / "plan.gpkg", expect="ok")


def v_two_buildings_far_apart(d: Path) -> Case:
    b = layers()["buildings"]
    two = pd.concat([b.iloc[:1], b.iloc[-1:]], ignore_index=True)
    return partition(write_gpkg(d / "in.gpkg", {"buildings": two}), d / "plan.gpkg", expect="ok")


def v_no_households_at_all(d: Path) -> Case:
    f = layers()
    f["buildings"] = f["buildings"].assign(households=0)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_one_huge_building(d: Path) -> Case:
    f = layers()
    hh = pd.Series([None] * len(f["buildings"]), dtype=object)
    hh.iloc[7] = 5000
    f["buildings"] = f["buildings"].assign(households=hh)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_roads_all_tunnels(d: Path) -> Case:
    f = layers()
    f["roads"] = f["roads"].assign(tunnel="yes")
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_overlapping_buildings(d: Path) -> Case:
    """Footprints drawn over each other (a podium and its tower, two surveys), not duplicates."""
    f = layers()
    b = f["buildings"]
    over = b.iloc[:30].copy()
    over = over.set_geometry(shapely.transform(over.geometry.values, lambda c: c + [0.00008, 0.0]))
    over["id"] = over["id"].astype(str) + "b"
    f["buildings"] = pd.concat([b, over], ignore_index=True)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_boundary_two_pieces(d: Path) -> Case:
    f = layers()
    g = f["boundary"].geometry.iloc[0]
    x0, y0, x1, y1 = g.bounds
    mid = (x0 + x1) / 2
    pieces = [g.intersection(shapely.box(x0, y0, mid - 0.0005, y1)), g.intersection(shapely.box(mid + 0.0005, y0, x1, y1))]
    f["boundary"] = gpd.GeoDataFrame({"name": ["西片", "东片"]}, geometry=pieces, crs=f["boundary"].crs)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok")


def v_duplicates_with_two_counts(d: Path) -> Case:
    """The same footprint twice with different households: one is kept, and the run log says which."""
    f = layers()
    b = f["buildings"].assign(households=pd.Series([None] * len(f["buildings"]), dtype=object))
    b.loc[3, "households"] = 30
    dup = b.iloc[3:4].assign(households=20, id="copy")
    f["buildings"] = pd.concat([b, dup], ignore_index=True)

    def check(plan: Path) -> str:
        said = _log(plan).get("log.buildings_duplicates_households_differ", "")
        return "" if "30" in said and "20" in said else "the two figures of a duplicated building not in the log"
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="ok", check=check)


def _immutable(folder: Path, on: bool) -> None:
    """``chattr +i``: a folder nobody may write in, root included (a read-only share, a locked disk)."""
    subprocess.run(["chattr", "+i" if on else "-i", str(folder)], check=True)


def f_output_folder_not_writable(d: Path) -> Case:
    locked = d / "locked"
    locked.mkdir()
    _immutable(locked, True)
    return partition(HK, locked / "plan.gpkg", expect="fail", message="cannot write in the folder",
                     after=lambda: _immutable(locked, False))


def f_map_folder_not_writable(d: Path) -> Case:
    plan = _plan_copy(d)
    locked = d / "locked"
    locked.mkdir()
    _immutable(locked, True)
    out = locked / "m.png"
    return Case(["map", str(plan), "-o", str(out)], expect="fail", message="cannot write in the folder", output=out,
                after=lambda: _immutable(locked, False))


def v_output_replaces_a_plan(d: Path) -> Case:
    """Running again over the plan of an earlier run replaces it (that is what a plan file is for)."""
    return partition(HK, _plan_copy(d), expect="ok")



# ---------------------------------------------------------------- fourth sweep (helper badinput)

def f_validate_plan_households_as_text(d: Path) -> Case:
    """A grids layer edited by hand, its households turned to text and one of them not a number."""
    plan = _plan_copy(d)
    g = gpd.read_file(plan, layer="grids")
    g["households"] = g["households"].astype(str)
    g.loc[2, "households"] = "很多"
    pyogrio.write_dataframe(g, plan, layer="grids")
    return Case(["validate", str(plan)], expect="fail", message="feature 3 (code")


def f_report_plan_without_grids(d: Path) -> Case:
    """Every grid deleted in QGIS."""
    plan = _plan_copy(d)
    pyogrio.write_dataframe(gpd.read_file(plan, layer="grids").iloc[:0], plan, layer="grids")
    out = d / "r.xlsx"
    return Case(["report", str(plan), "-o", str(out)], expect="fail", message="layer 'grids': has no features",
                output=out)



def _mine(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def f_map_over_a_users_png(d: Path) -> Case:
    """``-o`` naming a picture of the user's: a map replaces only a map gridkit drew."""
    mine = _mine(d / "照片.png", b"\x89PNG\r\n\x1a\n my photo")
    return Case(["map", str(_plan_copy(d)), "-o", str(mine)], expect="fail", message="not a file gridkit wrote",
                keep=[mine])


def f_report_over_a_users_workbook(d: Path) -> Case:
    from openpyxl import Workbook

    mine = d / "台账.xlsx"
    book = Workbook()
    book.active.append(["我的台账"])
    book.save(mine)
    return Case(["report", str(_plan_copy(d)), "-o", str(mine)], expect="fail", message="not a file gridkit wrote",
                keep=[mine])


def f_diff_over_a_users_csv(d: Path) -> Case:
    plan = _plan_copy(d)
    mine = _mine(d / "notes.csv", "备注\n第一条\n".encode("gbk"))
    return Case(["diff", str(plan), str(plan), "-o", str(mine)], expect="fail", message="not a file gridkit wrote",
                keep=[mine])


def f_register_unmatched_csv_is_the_users(d: Path) -> Case:
    """The unmatched rows' CSV would go beside the plan over a file of the user's: refused before the run."""
    reg = d / "register.csv"
    reg.write_bytes(_register().to_csv(index=False).encode("gbk"))
    mine = _mine(d / "plan_register_unmatched.csv", b"my own list\n")
    return partition(HK, d / "plan.gpkg", "--households", str(reg), expect="fail",
                     message="plan_register_unmatched.csv: exists and is not a file gridkit wrote", keep=[mine])


def f_output_plan_open_in_qgis(d: Path) -> Case:
    """A plan QGIS is editing (its -wal beside it): replacing it would lose QGIS's edits or have SQLite
    replay them into the new file."""
    plan = _plan_copy(d)
    Path(f"{plan}-wal").write_bytes(b"")
    return partition(HK, plan, expect="fail", message="is open for writing in another program", keep=[plan])


def _held_locked(path: Path) -> Callable[[], object]:
    """Another program writing ``path`` (an SQLite transaction holding its exclusive lock, no journal beside yet);
    returns what ends it."""
    holder = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys, time; db = sqlite3.connect(sys.argv[1], "
                               "isolation_level=None); db.execute('BEGIN EXCLUSIVE'); print('held', flush=True); "
                               "time.sleep(600)", str(path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder.kill


def f_output_plan_locked_by_another_program(d: Path) -> Case:
    """An earlier plan another program is writing (locked): it was refused as 'not a gridkit plan', since its
    run table could not be read."""
    plan = _plan_copy(d)
    return partition(HK, plan, expect="fail", message="plan.gpkg: is locked by another program writing to it",
                     keep=[plan], after=_held_locked(plan))


def f_input_locked_by_another_program(d: Path) -> Case:
    """An input GeoPackage another program is writing: GDAL's 'sqlite3_prepare_v2(SELECT COUNT(*) FROM
    sqlite_master WHERE …) failed: database is locked; database is locked'."""
    src = write_gpkg(d / "in.gpkg", layers())
    return partition(src, d / "plan.gpkg", expect="fail", message="in.gpkg: cannot be opened as a vector data "
                     "source: the file is locked by another program writing to it", after=_held_locked(src))


def v_outputs_replaced_by_a_second_run(d: Path) -> Case:
    """What gridkit wrote, it replaces: every map, report and change table written twice to one path."""
    plan = _plan_copy(d)
    runs = [("map", str(plan), "-o", str(d / f"m.{s}")) for s in ("png", "svg", "pdf")] + \
        [("report", str(plan), "-o", str(d / f"r.{s}")) for s in ("xlsx", "html")] + \
        [("diff", str(plan), str(plan), "-o", str(d / f"c.{s}")) for s in ("csv", "xlsx")]

    def check(_: Path) -> str:
        failed = [" ".join(r[:1] + r[-1:]) for r in runs for _ in range(2) if gridkit(*r).returncode != 0]
        return f"not replaced: {', '.join(dict.fromkeys(failed))}" if failed else ""
    return partition(HK, d / "plan2.gpkg", expect="ok", check=check)



def f_batch_work_dir_is_a_file(d: Path) -> Case:
    mine = _mine(d / "work", b"my notes")
    return Case(["batch", str(HK), "-o", str(d / "city.gpkg"), "--office-column", "name", "--work-dir", str(mine)],
                expect="fail", message="the work folder is a file", output=d / "city.gpkg", keep=[mine])


def f_batch_output_inside_the_input_folder(d: Path) -> Case:
    """The merged plan written among the offices' inputs (and its work folder beside it) was taken for an
    office's input by the next run, which then refused its own output as an input."""
    folder = d / "offices"
    folder.mkdir()
    shutil.copy(HK, folder / "尖沙咀.gpkg")
    return Case(["batch", str(folder), "-o", str(folder / "city.gpkg"), "--workers", "1"], expect="fail",
                message="the merged plan would be inside the input folder", output=folder / "city.gpkg",
                keep=[folder / "尖沙咀.gpkg"])


def f_batch_work_dir_is_the_input_folder(d: Path) -> Case:
    folder = d / "offices"
    folder.mkdir()
    shutil.copy(HK, folder / "尖沙咀.gpkg")
    return Case(["batch", str(folder), "-o", str(d / "city.gpkg"), "--work-dir", str(folder)], expect="fail",
                message="the work folder is the input folder", output=d / "city.gpkg",
                keep=[folder / "尖沙咀.gpkg"])



def v_zipped_folder_of_layers(d: Path) -> Case:
    """A folder zipped whole (Windows' "Send to > Compressed folder" keeps the folder in the zip), holding
    Shapefiles and a GeoJSON: read as that folder (GDAL alone does not open it)."""
    folder = _shapefiles(d, names=("buildings", "roads"))
    _geojson(layers()["boundary"], folder / "boundary.geojson")
    zipped = d / "城区图层.zip"
    shutil.make_archive(str(zipped.with_suffix("")), "zip", d, folder.name)
    shutil.rmtree(folder)
    return partition(zipped, d / "plan.gpkg", expect="ok", keep=[zipped])


def f_picture_as_input(d: Path) -> Case:
    src = _mine(d / "底图.png", b"\x89PNG\r\n\x1a\n" + bytes(200))
    return partition(src, d / "plan.gpkg", expect="fail", message="not map data in a format gridkit reads",
                     keep=[src])


def f_geopackage_cut_short(d: Path) -> Case:
    """A GeoPackage copied half-way (a full USB stick, a download stopped)."""
    src = _mine(d / "in.gpkg", HK.read_bytes()[:200_000])
    return partition(src, d / "plan.gpkg", expect="fail",
                     message="in.gpkg: cannot be opened as a vector data source: the file is damaged",
                     keep=[src])


def f_validate_a_folder(d: Path) -> Case:
    return Case(["validate", str(d)], expect="fail", message="is a folder, not a plan GeoPackage")



def f_register_count_beyond_floats(d: Path) -> Case:
    """A count no float holds exactly (a key typed into the count column): it became another number on its
    way to the plan, which failed its own assignment invariant."""
    reg = _register(3).astype(object)
    reg.loc[1, "户数"] = "99999999999999999999"
    path = d / "register.csv"
    path.write_bytes(reg.to_csv(index=False).encode("utf-8"))
    return partition(HK, d / "plan.gpkg", "--households", str(path), expect="fail",
                     message="row 3: households '99999999999999999999'")


def f_buildings_count_beyond_floats(d: Path) -> Case:
    f = layers()
    hh = pd.Series([None] * len(f["buildings"]), dtype=object)
    hh.iloc[4] = "1e20"
    f["buildings"] = f["buildings"].assign(households=hh)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", expect="fail", message="feature 5")


def v_geojson_in_gbk(d: Path) -> Case:
    """A GeoJSON a Chinese GIS tool wrote in GBK (GeoJSON is UTF-8; GDAL could not read it)."""
    b = layers()["buildings"].assign(名称="幸福小区", 用途="住宅")
    data = json.loads(b.to_crs(4326).to_json(drop_id=True))
    src = d / "楼栋.geojson"
    src.write_bytes(json.dumps(data, ensure_ascii=False).encode("gbk"))
    return partition(src, d / "plan.gpkg", expect="ok", keep=[src])


def f_input_is_a_symlink_loop(d: Path) -> Case:
    (d / "a.gpkg").symlink_to(d / "b.gpkg")
    (d / "b.gpkg").symlink_to(d / "a.gpkg")
    return partition(d / "a.gpkg", d / "plan.gpkg", expect="fail", message="no such file")



def f_buildings_as_3d_solids(d: Path) -> Case:
    """Buildings exported from a 3D city model as PolyhedralSurfaceZ, which shapely cannot hold."""
    f = layers()
    buildings = f.pop("buildings")
    src = write_gpkg(d / "in.gpkg", f)
    _add_by_ogr2ogr(d, buildings, src, "-nlt", "POLYHEDRALSURFACEZ", "-dim", "XYZ")
    return partition(src, d / "plan.gpkg", expect="fail", message="layer 'buildings': cannot be read: its geometry, "
                     "PolyhedralSurface (1015), is not one gridkit reads", keep=[src])


def v_terrain_tin_beside_the_layers(d: Path) -> Case:
    """A TIN of the terrain in the same GeoPackage: GDAL's listing of its layers failed for the whole file."""
    src = Path(shutil.copy(HK, d / "in.gpkg"))
    _add_by_ogr2ogr(d, layers()["buildings"], src, "-nlt", "TINZ", "-dim", "XYZ", name="terrain")
    return partition(src, d / "plan.gpkg", expect="ok")



def v_register_building_drawn_in_parts(d: Path) -> Case:
    """One register row for a building drawn as a two-part feature and one for a building drawn as two
    features with the same id: each row is shared by the footprints (ids id#1, id#2 and id~1, id~2 in the
    plan); both rows went unmatched, 'no building with this id'."""
    f = layers()
    b = f["buildings"].astype({"id": str})
    g = b.geometry.values.copy()
    g[0] = shapely.MultiPolygon([*shapely.get_parts(g[0]), *shapely.get_parts(g[1])])
    b = b.set_geometry(g).drop(index=1)
    b.loc[3, "id"] = b.loc[2, "id"]
    f["buildings"] = b
    reg = d / "register.csv"
    reg.write_text(f"楼栋编号,户数\n{b.loc[0, 'id']},40\n{b.loc[2, 'id']},30\n", encoding="utf-8")

    def check(plan: Path) -> str:
        out = pyogrio.read_dataframe(plan, layer="buildings", read_geometry=False)
        given = out[out["households_source"] == "given"]
        problems = [_register_all_matched(plan), _given(4)(plan),
                    "" if sorted(given["households"].groupby(given["building_id"].str[:-2]).sum()) == [30, 40]
                    else "the rows' households not shared by their footprints"]
        return "; ".join(p for p in problems if p)
    return partition(write_gpkg(d / "in.gpkg", f), d / "plan.gpkg", "--households", str(reg), expect="ok",
                     check=check)


VARIANTS: dict[str, Callable[[Path], Case]] = {
    name.split("_", 1)[1]: fn for name, fn in list(globals().items()) if name[:2] in ("v_", "f_") and callable(fn)}


# ---------------------------------------------------------------- running them

@dataclass
class Outcome:
    name: str
    expect: str
    code: int
    stderr: str
    traceback: bool
    output_written: bool
    problem: str  # "" when the variant behaved as it must

    def row(self) -> str:
        first = self.stderr.strip().splitlines()[-1] if self.stderr.strip() else ""
        return (f"| {self.name} | {self.expect} | {self.code} | {'yes' if self.traceback else ''} | "
                f"{'yes' if self.output_written else ''} | {self.problem or 'ok'} | {first[:160]} |")


def gridkit(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONPATH": str(ROOT)}
    return subprocess.run([*GRIDKIT, *args], capture_output=True, text=True, env=env, timeout=900, cwd=ROOT)


def run_variant(name: str, folder: Path, *, full: bool = True) -> Outcome:
    """Build variant ``name`` in ``folder`` and run it; ``full`` also draws a report and a map of a plan."""
    case = VARIANTS[name](folder)
    kept = {p: p.read_bytes() for p in case.keep}
    before = {p for p in folder.rglob("*")}
    existed = case.output is not None and case.output.exists()
    try:
        done = gridkit(*case.args)
    finally:
        if case.after is not None:
            case.after()
    tb = "Traceback" in done.stderr
    written = case.output is not None and case.output.exists() and not existed
    problem = ""
    if case.expect == "ok":
        if done.returncode != 0 or not (written or existed):
            problem = f"exit {done.returncode}"
        else:
            src = case.args[1]
            plan = str(case.output)
            checked = gridkit("validate", plan, "--input", src)
            if checked.returncode != 0:
                problem = "validate: " + (checked.stderr.strip().splitlines() or ["exit %d" % checked.returncode])[-1]
            for cmd, out in (("report", folder / "report.xlsx"), ("map", folder / "map.png"))[:2 if full else 0]:
                r = gridkit(cmd, plan, "-o", str(out))
                if r.returncode != 0 or not out.exists():
                    problem += f" {cmd}: " + (r.stderr.strip().splitlines() or [f"exit {r.returncode}"])[-1]
            if not problem and case.check is not None:
                problem = case.check(case.output)
    elif case.expect == "invalid":
        if done.returncode != 1 or case.message not in done.stderr or tb:
            problem = f"exit {done.returncode}"
    else:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        new = {p for p in folder.rglob("*")} - before
        if done.returncode != 2:
            problem = f"exit {done.returncode}"
        elif len(lines) != 1:
            problem = f"{len(lines)} stderr lines"
        elif case.message.lower() not in lines[0].replace(str(folder), "…").lower():
            problem = f"message lacks {case.message!r}"
        if written or new:
            problem += f" wrote {sorted(p.name for p in new)}"
    for p, data in kept.items():
        if not p.exists() or p.read_bytes() != data:
            problem += f" changed {p.name}"
    return Outcome(name, case.expect, done.returncode, done.stderr, tb, written, problem.strip())


def main(names: list[str]) -> int:
    print("| variant | must | exit | traceback | output | verdict | last stderr line |")
    print("|---|---|---|---|---|---|---|")
    bad = 0
    for name in names or list(VARIANTS):
        with tempfile.TemporaryDirectory(prefix=f"gk-{name}-") as tmp:
            try:
                outcome = run_variant(name, Path(tmp))
            except Exception as exc:  # the variant could not be built
                print(f"| {name} | ? | - | | | BUILD FAILED {type(exc).__name__}: {exc} | |", flush=True)
                bad += 1
                continue
        bad += bool(outcome.problem)
        print(outcome.row(), flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
