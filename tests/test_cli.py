"""The gridkit command end to end: every sample passes, bad input fails cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from conftest import ROOT, SAMPLES

GRIDKIT = [sys.executable, "-m", "gridkit.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([*GRIDKIT, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=600)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_every_sample_partitions_and_validates(sample, tmp_path):
    out = tmp_path / "plan.gpkg"
    made = run("partition", sample, "-o", out, "--seed", "0")
    assert made.returncode == 0, made.stderr
    checked = run("validate", out, "--input", sample)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    table = pyogrio.read_dataframe(out, layer="metrics")
    invariants = table[table["kind"] == "invariant"]
    assert (invariants["passed"] == "yes").all(), invariants
    assert {"coverage", "overlap", "assignment", "building_integrity", "contiguity", "barriers", "nesting"} <= set(
        invariants["name"])
    assert set(invariants["level"]) == {"grid", "community", "plan"}
    m = table[table["level"] == "grid"].set_index("name")
    # Every unflagged grid within bounds, but for rare grids boxed in under the minimum by
    # full neighbours and full communities (one in 61 on Wuhan); never over the maximum.
    assert m.loc["within_bounds", "value"] >= 0.98
    assert m.loc["max_overshoot", "value"] == 0.0
    assert m.loc["grid_count_ratio", "value"] <= 1.2
    # Boundaries follow roads wherever a road exists to follow.
    assert m.loc["road_following_where_possible", "value"] >= 0.9
    grids = pyogrio.read_dataframe(out, layer="grids")
    assert (shapely.get_type_id(grids.geometry.values) == 3).all()
    unflagged = grids[grids["flags"].fillna("") == ""]
    assert unflagged["households"].max() <= 200
    run_table = pyogrio.read_dataframe(out, layer="run").set_index("key")["value"]
    assert run_table["crs"].startswith("EPSG:326")
    assert "max_households = 200" in run_table["profile"]


def test_validate_fails_on_a_broken_plan(hk_plan, tmp_path):
    import gridkit

    good = tmp_path / "good.gpkg"
    gridkit.write_plan(hk_plan, good)
    grids = hk_plan.grids.copy()
    # Drop one grid: coverage and assignment must fail, exit code 1.
    broken = gridkit.plan.Plan(**{**hk_plan.__dict__, "grids": grids.iloc[1:].reset_index(drop=True)})
    bad = tmp_path / "bad.gpkg"
    gridkit.write_plan(broken, bad)
    assert run("validate", good).returncode == 0
    result = run("validate", bad)
    assert result.returncode == 1
    assert "coverage" in result.stderr and "assignment" in result.stderr


def _write(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    for name, gdf in layers.items():
        pyogrio.write_dataframe(gdf, path, layer=name)
    return path


def _box_buildings(crs="EPSG:32650", **cols) -> gpd.GeoDataFrame:
    geoms = [shapely.box(500000 + i * 30, 3400000, 500000 + i * 30 + 20, 3400020) for i in range(3)]
    return gpd.GeoDataFrame({"id": [1, 2, 3], **cols}, geometry=geoms, crs=crs)


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing_file", "no such file"),
        ("not_vector", "cannot be opened"),
        ("no_buildings_layer", "no 'buildings' layer"),
        ("empty_buildings", "has no features with a geometry"),
        ("no_crs", "no coordinate reference system"),
        ("swapped_latlon", "swapped"),
        ("negative_households", "households -3 is not a whole count"),
        ("text_households", "'many' is not a whole count"),
        ("bad_profile_value", "out of range"),
        ("unknown_profile_key", "unknown key"),
    ],
)
def test_bad_input_one_clear_line_exit_2_no_file(case, message, tmp_path):
    src = tmp_path / "in.gpkg"
    profile = "default"
    if case == "missing_file":
        src = tmp_path / "nope.gpkg"
    elif case == "not_vector":
        src.write_text("this is not a GeoPackage")
    elif case == "no_buildings_layer":
        roads = gpd.GeoDataFrame({"highway": ["primary"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])],
                                 crs="EPSG:32650")
        _write(src, {"roads": roads})
    elif case == "empty_buildings":
        _write(src, {"buildings": _box_buildings().iloc[:0]})
    elif case == "no_crs":
        _write(src, {"buildings": _box_buildings().set_crs(None, allow_override=True)})
    elif case == "swapped_latlon":
        b = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.box(31.23, 121.48, 31.2301, 121.4801)], crs="EPSG:4326")
        _write(src, {"buildings": b})
    elif case == "negative_households":
        _write(src, {"buildings": _box_buildings(households=[5, -3, 2])})
    elif case == "text_households":
        _write(src, {"buildings": _box_buildings(households=["5", "many", "2"])})
    elif case in ("bad_profile_value", "unknown_profile_key"):
        _write(src, {"buildings": _box_buildings()})
        profile = tmp_path / "p.toml"
        profile.write_text("[grid]\nmax_households = -5\n" if case == "bad_profile_value" else "[grid]\nmaxx = 5\n",
                           encoding="utf-8")
    out = tmp_path / "plan.gpkg"
    result = run("partition", src, "-o", out, "--profile", profile)
    assert result.returncode == 2, result.stderr
    lines = [ln for ln in result.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert message in lines[0]
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".plan.")]


def test_failed_run_keeps_existing_plan_untouched(tmp_path):
    out = tmp_path / "plan.gpkg"
    out.write_bytes(b"previous plan")
    result = run("partition", tmp_path / "missing.gpkg", "-o", out)
    assert result.returncode == 2
    assert out.read_bytes() == b"previous plan"


def test_debug_shows_traceback(tmp_path):
    result = run("--debug", "partition", tmp_path / "missing.gpkg", "-o", tmp_path / "p.gpkg")
    assert result.returncode == 2
    assert "Traceback" in result.stderr


def test_register_join_reports_unmatched(tmp_path):
    src = _write(tmp_path / "in.gpkg", {"buildings": _box_buildings()})
    register = tmp_path / "register.csv"
    pd.DataFrame({"building_id": ["1", "2", "999"], "households": [40, 7, 3], "population": [100, 20, 9]}).to_csv(
        register, index=False)
    out = tmp_path / "plan.gpkg"
    result = run("partition", src, "-o", out, "--households", register)
    assert result.returncode == 0, result.stderr
    b = pyogrio.read_dataframe(out, layer="buildings").set_index("building_id")
    assert b.loc["1", "households"] == 40 and b.loc["1", "households_source"] == "given"
    assert b.loc["1", "population"] == 100
    assert b.loc["3", "households_source"] == "estimated"
    log = pyogrio.read_dataframe(out, layer="run").set_index("key")["value"]
    assert log["log.register_rows_unmatched"] == "1"
    assert "999" in log["log.register_unmatched_keys"]


def test_a_register_row_for_a_building_outside_the_boundary_says_so(tmp_path):
    """An office's GeoPackage (Beijing's Wangjing in CGCS2000, OSM) had 226 buildings in 建筑; the 9 the
    边界 left out (under half of each inside) were in its register too, and their rows were reported as
    "no building with this id", though the office had given the building: now the row says where it is."""
    buildings = _box_buildings(addr_street=["建设路"] * 3, addr_housenumber=["1号", "2号", "3号"]).rename(
        columns={"addr_street": "addr:street", "addr_housenumber": "addr:housenumber"})
    boundary = gpd.GeoDataFrame({"name": ["幸福街道"]}, geometry=[shapely.box(499990, 3399990, 500065, 3400030)],
                                crs="EPSG:32650")  # building 3 (500060..500080) lies three quarters outside
    src = _write(tmp_path / "in.gpkg", {"buildings": buildings, "boundary": boundary})
    register = tmp_path / "register.csv"
    register.write_bytes("楼栋编号,地址,户数\n1,,40\n3,,7\n,建设路3号,5\n999,,3\n".encode("gbk"))
    out = tmp_path / "plan.gpkg"
    result = run("partition", src, "-o", out, "--households", register)
    assert result.returncode == 0, result.stderr
    assert "3 unmatched (2 naming buildings outside the boundary)" in result.stdout
    rows = pd.read_csv(tmp_path / "plan_register_unmatched.csv").set_index("row")
    assert rows.loc[3, "reason"] == rows.loc[4, "reason"] == "the building lies outside the area's boundary and is left out"
    assert rows.loc[5, "reason"] == "no building with this id"
    # A register naming only buildings the boundary left out is this input's: it is not refused as another area's.
    register.write_bytes("楼栋编号,户数\n3,7\n".encode("gbk"))
    result = run("partition", src, "-o", out, "--households", register)
    assert result.returncode == 0, result.stderr
    assert "1 unmatched (1 naming buildings outside the boundary)" in result.stdout


def test_gcj02_input_is_shifted_to_wgs84(tmp_path):
    """A footprint in GCJ-02 lands a few hundred metres away once converted."""
    import gridkit

    b = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.box(121.4900, 31.2300, 121.4903, 31.2303)], crs="EPSG:4326")
    src = _write(tmp_path / "in.gpkg", {"buildings": b})
    plain = gridkit.read_area(src)
    shifted = gridkit.read_area(src, from_gcj02=True)
    d = plain.buildings.geometry.iloc[0].centroid.distance(shifted.buildings.geometry.iloc[0].centroid)
    assert 300 < d < 800


def test_osm_xml_input(tmp_path):
    """An OSM XML file is read through GDAL's OSM driver: buildings, highways, river barrier."""
    import gridkit

    osm = tmp_path / "tiny.osm"
    nodes, ways = [], []
    nid = 1

    def node(lon: float, lat: float) -> int:
        nonlocal nid
        nodes.append(f'<node id="{nid}" version="1" lat="{lat}" lon="{lon}"/>')
        nid += 1
        return nid - 1

    def way(wid: int, refs: list[int], tags: dict[str, str]) -> None:
        nd = "".join(f'<nd ref="{r}"/>' for r in refs)
        tg = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        ways.append(f'<way id="{wid}" version="1">{nd}{tg}</way>')

    for i in range(4):
        x0, y0 = 114.17 + i * 0.0004, 22.30
        ring = [node(x0, y0), node(x0 + 0.0002, y0), node(x0 + 0.0002, y0 + 0.0002), node(x0, y0 + 0.0002)]
        way(100 + i, [*ring, ring[0]], {"building": "apartments", "building:levels": "10"})
    way(200, [node(114.1695, 22.2997), node(114.1720, 22.2997)], {"highway": "primary", "name": "弥敦道"})
    way(201, [node(114.1695, 22.3006), node(114.1720, 22.3006)], {"waterway": "river", "name": "河"})
    osm.write_text('<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">' + "".join(nodes) + "".join(ways)
                   + "</osm>", encoding="utf-8")
    area = gridkit.read_area(osm)
    assert len(area.buildings) == 4
    assert (area.buildings["building:levels"].astype(str) == "10").all()
    assert list(area.roads["highway"]) == ["primary"]
    assert len(area.barriers) == 1
    plan = gridkit.partition(area)
    assert gridkit.validate(plan).ok


def test_demo_writes_plan_and_map(tmp_path):
    result = run("demo", "-o", tmp_path / "demo", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "demo" / "plan.gpkg").exists()
    png = (tmp_path / "demo" / "plan.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 100_000
