"""Adopting a grid layer another tool drew (gridkit.adopt, ``gridkit adopt``), on a foreign layer made by hand
from the Tsim Sha Tsui plan: neighbouring grids merged in pairs, Chinese column names, no households, in
CGCS2000 longitude/latitude, written as a GBK Shapefile without a ``.cpg``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from handmade import apply_edit, grid_frame, merged_pairs

import gridkit
from gridkit.adopt import foreign_grids, grid_columns, read_grids
from gridkit.edits import Editor
from gridkit.errors import InputError
from gridkit.io.read import dbf_encoding, read_layer

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "hk_tsim_sha_tsui.gpkg"


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gridkit.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def foreign(hk_plan, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("foreign") / "网格.shp"
    pyogrio.write_dataframe(merged_pairs(hk_plan).to_crs("EPSG:4490"), path, encoding="GBK")
    path.with_suffix(".cpg").unlink()  # as many tools write them: nothing says GBK
    return path


@pytest.fixture(scope="module")
def adopted(foreign, tmp_path_factory):
    out = tmp_path_factory.mktemp("adopted") / "plan.gpkg"
    done = cli("adopt", foreign, "--input", SAMPLE, "-o", out)
    assert done.returncode == 0, done.stderr
    return out, done


def test_a_gbk_shapefile_without_cpg_is_read_as_gbk(foreign, tmp_path):
    assert dbf_encoding(foreign) == "gb18030"
    layer = read_layer(foreign, None, str(foreign))
    assert list(layer.columns[:3]) == ["编码", "网格名称", "社区"] and layer["网格名称"].iat[0] == "第1网格"
    latin = tmp_path / "katu.shp"  # Finnish street names in Latin-1, no .cpg either: left to GDAL
    pyogrio.write_dataframe(gpd.GeoDataFrame({"nimi": ["Mäkelänkatu", "Töölöntori"]},
                                             geometry=[shapely.box(0, 0, 1, 1)] * 2, crs="EPSG:3067"),
                            latin, encoding="latin1")
    latin.with_suffix(".cpg").unlink()
    assert dbf_encoding(latin) is None
    assert read_layer(latin, None, "katu")["nimi"].tolist() == ["Mäkelänkatu", "Töölöntori"]


def test_a_gbk_shapefile_of_traditional_names_without_cpg_is_read_as_gbk(tmp_path):
    """Hong Kong's names in a GBK .dbf (Chinese GIS software's export): GBK writes many traditional characters
    with an ASCII second byte (國 87 F8, 際 EB 48), and the first 64 kB may end inside a character; the .dbf
    was read as Latin-1 ('中港城' as 'ÖÐ¸Û³Ç'), so its names went unread by the home rules."""
    names = [f"中港城第{i}座 國際廣場 China Hong Kong City Tower {i}" for i in range(600)]
    shp = tmp_path / "楼栋.shp"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"名称": names, "备注": ["住宅樓"] * 600},
                                             geometry=[shapely.box(i, 0, i + 1, 1) for i in range(600)],
                                             crs="EPSG:2326"), shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink()
    assert shp.with_suffix(".dbf").stat().st_size > 1 << 16
    assert dbf_encoding(shp) == "gb18030"
    assert read_layer(shp, None, "楼栋")["名称"].tolist() == names


def test_columns_are_found_by_their_usual_names_or_named(foreign):
    grids = read_grids(foreign)
    assert grids.columns == {"code": "编码", "name": "网格名称", "community": "社区"}
    assert grid_columns(["ID", "GRID_CODE", "户数（户）"]) == {"code": "GRID_CODE", "households": "户数（户）"}
    assert read_grids(foreign, code_column="网格名称", name_column="编码").columns["code"] == "网格名称"


def test_adopted_plan_keeps_the_layers_grids_and_validates(adopted, foreign, hk_plan):
    out, done = adopted
    assert "columns: code=编码, name=网格名称, community=社区" in done.stdout
    check = cli("validate", out)
    assert check.returncode == 0, check.stdout + check.stderr
    plan = gridkit.read_plan(out)
    layer = read_layer(foreign, None, "foreign").to_crs(plan.grids.crs)
    assert sorted(plan.grids["code"]) == sorted(layer["编码"])
    grids = plan.grids.set_index("code")
    assert grids.loc[layer["编码"], "name"].tolist() == layer["网格名称"].tolist()
    # The layer's boundaries cut the blocks, so its grids are kept: every building wholly inside one of them
    # is in that grid; what differs is building-free crumbs a block took across (slivers join a neighbour).
    bld = plan.buildings.geometry.values
    inside = gridkit.geometry.largest_overlap(bld, layer.geometry.values, 0.999)
    whole = inside >= 0
    assert whole.mean() > 0.95
    assert (plan.buildings["grid_code"].to_numpy()[whole] == layer["编码"].to_numpy()[inside[whole]]).all()
    moved = shapely.union_all(shapely.symmetric_difference(grids.loc[layer["编码"]].geometry.values,
                                                           layer.geometry.values))
    assert moved.area < 1e-3 * plan.area.geometry.area.sum()
    # Every block in the grid it overlaps most; grids of one 社区 in one community, and four communities.
    own = gridkit.geometry.largest_overlap(plan.blocks.geometry.values, layer.geometry.values)
    assert (plan.blocks["grid_code"].to_numpy() == layer["编码"].to_numpy()[own]).all()
    community = dict(zip(plan.grids["code"], plan.grids["community_code"], strict=True))
    by_shequ = layer.groupby("社区")["编码"].apply(lambda codes: {community[c] for c in codes})
    assert all(len(v) == 1 for v in by_shequ) and len(set().union(*by_shequ)) == len(by_shequ) == 4
    # Households come from the input as a partition counts them.
    assert int(plan.grids["households"].sum()) == int(hk_plan.grids["households"].sum())
    assert not plan.grids["locked"].any()
    run = plan.run.set_index("key")["value"]
    assert run["adopted_from"] == str(foreign) and run["log.adopt_grids_without_blocks"] == ""


def test_the_editor_opens_the_adopted_plan_and_edits_it(adopted):
    out, _ = adopted
    editor = Editor.open(out)
    grids = grid_frame(editor.plan)
    found = editor.check(grids)
    # Pairs of full grids merged: many are over the maximum, and that is all that is wrong.
    assert {v["kind"] for v in found["violations"]} == {"over_max"} and found["unassigned_blocks"] == 0
    over = found["violations"][0]["fids"][0]
    split = apply_edit(grids, editor.split_into(grids, over, 2))
    assert len(split) == len(grids) + 1
    assert over not in {f for v in editor.check(split)["violations"] for f in v["fids"]}
    assert gridkit.validate(editor.to_plan(split)).ok


def test_households_per_grid_scale_the_estimates(hk_plan, tmp_path):
    layer = merged_pairs(hk_plan).to_crs("EPSG:4326")
    known = np.arange(len(layer)) * 7 + 300
    layer["住户数"] = [f"{n}户" for n in known]  # as typed: a unit after the number
    path = tmp_path / "grids.gpkg"
    pyogrio.write_dataframe(layer, path, layer="网格")
    out = tmp_path / "plan.gpkg"
    done = cli("adopt", path, "--input", SAMPLE, "-o", out, "--community-column", "社区")
    assert done.returncode == 0, done.stderr
    plan = gridkit.read_plan(out)
    got = plan.grids.set_index("code")["households"]
    assert [int(got[c]) for c in layer["编码"]] == known.tolist()
    assert (plan.buildings["calibrated_to"] != "").any()


def _one_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def test_bad_layers_are_one_clear_message_and_no_file(foreign, hk_plan, tmp_path):
    out = tmp_path / "plan.gpkg"
    line = _one_line(cli("adopt", foreign, "--input", SAMPLE, "-o", out, "--households-column", "HH"))
    assert "has no column 'HH' for the households (its columns: 编码, 网格名称, 社区)" in line
    far = merged_pairs(hk_plan)
    far["geometry"] = far.translate(80_000, 0)
    pyogrio.write_dataframe(far, tmp_path / "far.gpkg", layer="grids")
    line = _one_line(cli("adopt", tmp_path / "far.gpkg", "--input", SAMPLE, "-o", out))
    assert "no building lies inside the boundary (the grids of" in line and "km from it" in line
    twice = merged_pairs(hk_plan)
    twice.loc[3, "编码"] = twice.loc[1, "编码"]
    pyogrio.write_dataframe(twice, tmp_path / "twice.gpkg", layer="grids")
    line = _one_line(cli("adopt", tmp_path / "twice.gpkg", "--input", SAMPLE, "-o", out))
    assert "code 'WG002' is used by features 2, 4" in line
    with pytest.raises(InputError, match="has no coordinate reference system"):
        foreign_grids(merged_pairs(hk_plan).set_crs(None, allow_override=True), "grids")
    assert not out.exists()


def test_a_grid_layer_without_its_prj_is_read_in_the_crs_given(foreign, adopted, tmp_path):
    """A grid layer drawn in CAD and exported without its ``.prj`` was refused, "set the layer's CRS first", with
    no way to set it in gridkit; ``adopt --crs`` reads it (and input layers naming none) in the CRS given."""
    bare = tmp_path / "网格.shp"
    for part in foreign.parent.glob(f"{foreign.stem}.*"):
        if part.suffix.lower() != ".prj":
            (tmp_path / part.name).write_bytes(part.read_bytes())
    out = tmp_path / "plan.gpkg"
    line = _one_line(cli("adopt", bare, "--input", SAMPLE, "-o", out))
    assert "has no coordinate reference system" in line and "--crs" in line and not out.exists()
    done = cli("adopt", bare, "--input", SAMPLE, "-o", out, "--crs", "EPSG:4490")
    assert done.returncode == 0, done.stderr
    grids = pyogrio.read_dataframe(out, layer="grids")
    assert grids.equals(pyogrio.read_dataframe(adopted[0], layer="grids"))
