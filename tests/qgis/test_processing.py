"""Every Processing algorithm of the plugin, run by QGIS's Processing on a real sample."""

from __future__ import annotations

import csv
import time

import pytest
from qgis_fixtures import chinese, hk_plan_file, provider, qgis_app, zh_qm  # noqa: F401 - fixtures
from qgis_env import ROOT, gridkit_validate

HK = ROOT / "data" / "samples" / "hk_tsim_sha_tsui.gpkg"


@pytest.fixture(scope="module")
def partitioned(provider, tmp_path_factory):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    # Not under the system temporary folder: layer names must not depend on where the plan is written.
    from qgis_env import ROOT

    work = ROOT / "out" / "test_processing"
    work.mkdir(parents=True, exist_ok=True)
    out = work / "plan.gpkg"
    for stale in work.glob("plan.gpkg*"):
        stale.unlink()
    steps: list[str] = []

    class Feedback(QgsProcessingFeedback):
        def setProgressText(self, text: str) -> None:  # noqa: N802
            steps.append(text)

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    result = processing.run("gridkit:partition", {"INPUT": str(HK), "PROFILE": 0, "SEED": 0, "OUTPUT": str(out)},
                            feedback=Feedback(), context=context)
    return out, result, steps, context


def test_provider_has_an_algorithm_per_command(provider):
    ids = sorted(a.name() for a in provider.algorithms())
    assert ids == ["diff", "map", "partition", "report", "validate"]
    from qgis.core import QgsProcessingAlgorithm

    for alg in provider.algorithms():
        flags = alg.flags()
        assert flags & QgsProcessingAlgorithm.FlagSupportsBatch, alg.name()
        assert flags & QgsProcessingAlgorithm.FlagCanCancel, alg.name()
        assert not flags & QgsProcessingAlgorithm.FlagNoThreading, alg.name()


def test_partition_writes_a_valid_plan(partitioned):
    out, result, steps, context = partitioned
    assert result["OUTPUT"] == str(out) and out.exists()
    assert result["GRID_COUNT"] > 10 and result["HOUSEHOLDS"] > 0 and result["FAILURES"] == ""
    assert "block graph" in steps and "grids" in steps  # the library's stages reached the feedback
    # Each stage once, not at every step, and not a stage that only names the stages inside it ("blocks" came
    # twice: partition's first share, then the blocks stage of prepare within it).
    assert len(steps) == len(set(steps)) and "dividing" not in steps, steps
    run = gridkit_validate(out)
    assert run.returncode == 0, run.stdout + run.stderr
    # The grids and communities are handed to QGIS to load (styled) when the algorithm ends.
    from qgis.core import QgsVectorLayer

    assert context.willLoadLayerOnCompletion(result["GRIDS"])
    grids = QgsVectorLayer(result["GRIDS"], "grids", "ogr")
    assert grids.isValid() and grids.featureCount() == result["GRID_COUNT"]


def test_partition_layers_load_styled(partitioned):
    """Processing's post-processing loads the grid layer filled by code from its colour map, labelled, style saved
    in the plan."""
    from processing.gui.Postprocessing import handleAlgorithmResults
    from qgis.core import QgsProcessingFeedback, QgsProject, QgsSingleSymbolRenderer, QgsVectorLayer

    from gridkit_qgis.gui.styles import drawn_colours

    out, result, _, context = partitioned
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById("gridkit:partition")
    try:
        handleAlgorithmResults(alg, context, QgsProcessingFeedback(), False, result)
        layers = [lyr for lyr in QgsProject.instance().mapLayers().values() if lyr.name().endswith("— grids")]
        assert layers, [lyr.name() for lyr in QgsProject.instance().mapLayers().values()]
        grids = layers[0]
        assert isinstance(grids.renderer(), QgsSingleSymbolRenderer)
        # A colour per grid (codes that come later, by a split in the dock, are drawn grey).
        colours = drawn_colours(grids)
        assert len(colours) == result["GRID_COUNT"] and len(set(colours.values())) >= 3
        assert grids.labelsEnabled() and "households" in grids.labeling().settings().fieldName
        # The style is stored in the plan, so the plan opens styled next time.
        again = QgsVectorLayer(result["GRIDS"], "again", "ogr")
        assert isinstance(again.renderer(), QgsSingleSymbolRenderer) and drawn_colours(again) == colours
    finally:
        QgsProject.instance().removeAllMapLayers()
    assert gridkit_validate(out).returncode == 0


def test_validate_map_report_diff(partitioned, tmp_path, hk_plan_file):
    import processing

    plan = str(partitioned[0])
    metrics = tmp_path / "metrics.csv"
    v = processing.run("gridkit:validate", {"PLAN": plan, "METRICS": str(metrics)})
    assert v["VALID"] is True and v["FAILURES"] == ""
    with metrics.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["name"] for r in rows} >= {"coverage", "overlap", "contiguity"}

    # Names typed without an extension get the parameter's first one (they failed: 'output must end in .png').
    png = tmp_path / "map.png"
    m = processing.run("gridkit:map", {"PLAN": plan, "OUTPUT": str(tmp_path / "map"), "DPI": 40, "PAPER": 4})
    assert m["SHEETS"] == 1 and m["OUTPUT"] == str(png) and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    xlsx = tmp_path / "report.xlsx"
    r = processing.run("gridkit:report", {"PLAN": plan, "OUTPUT": str(tmp_path / "report")})
    assert r["GRIDS"] == partitioned[1]["GRID_COUNT"] and r["OUTPUT"] == str(xlsx) and xlsx.stat().st_size > 1000

    changes = tmp_path / "changes.csv"
    d = processing.run("gridkit:diff", {"OLD": str(hk_plan_file), "NEW": plan, "OUTPUT": str(changes)})
    assert "grid." in d["SUMMARY"] and changes.exists()
    same = processing.run("gridkit:diff", {"OLD": plan, "NEW": plan})
    assert same["CHANGED"] == 0


@pytest.mark.parametrize("language", ["en", "zh"])
def test_file_parameters_take_the_files_gridkit_reads_in_every_language(provider, request, language, tmp_path):
    """QGIS checks a file parameter against the extensions of its filter before running: in a Chinese QGIS
    a translated filter (full-width brackets) made the Partition dialog refuse every input."""
    from qgis.core import QgsApplication, QgsProcessingContext

    if language == "zh":
        request.getfixturevalue("chinese")
    alg = QgsApplication.processingRegistry().createAlgorithmById("gridkit:partition")
    assert (alg.parameterDefinition("INPUT").description().startswith("输入")) == (language == "zh")
    # Each profile says what it is for ('default' alone told a new user nothing), in the user's language.
    options = alg.parameterDefinition("PROFILE").options()
    default = options[alg.parameterDefinition("PROFILE").defaultValue()]
    assert default == {"en": "default — urban street office (grids of at most 200 households)",
                       "zh": "default — 城市街道（网格不超过 200 户）"}[language], options
    assert any(o.startswith("rural — ") for o in options), options
    context = QgsProcessingContext()
    for source in (HK, tmp_path / "area.kml", tmp_path / "area_folder"):
        ok, message = alg.checkParameterValues({"INPUT": str(source), "OUTPUT": str(tmp_path / "plan.gpkg")},
                                               context)
        assert ok, (source, message)
    for register in ("households.csv", "households.xlsx", "households.xls"):
        assert alg.parameterDefinition("HOUSEHOLDS").checkValueIsAcceptable(str(tmp_path / register)), register
    for name in ("map", "report"):
        other = QgsApplication.processingRegistry().createAlgorithmById(f"gridkit:{name}")
        assert other.parameterDefinition("ROSTER").checkValueIsAcceptable(str(tmp_path / "roster.xlsx"))


def test_bad_input_is_one_clear_error(provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    with pytest.raises(QgsProcessingException, match="no such plan file"):
        processing.run("gridkit:validate", {"PLAN": str(tmp_path / "missing.gpkg")})
    # A file that is no map, as a user picks one by mistake: one line saying so, no traceback in the log.
    logged = []

    class Feedback(QgsProcessingFeedback):
        def pushDebugInfo(self, text: str) -> None:  # noqa: N802
            logged.append(text)

    notes = tmp_path / "notes.txt"
    notes.write_text("not a map", encoding="utf-8")
    with pytest.raises(QgsProcessingException, match="cannot be opened as a vector data source"):
        processing.run("gridkit:partition", {"INPUT": str(notes), "OUTPUT": str(tmp_path / "plan.gpkg")},
                       feedback=Feedback())
    assert not any("Traceback" in text for text in logged), logged


def test_cancel_stops_the_worker_and_writes_nothing(provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingFeedback

    out = tmp_path / "cancelled.gpkg"
    feedback = QgsProcessingFeedback()
    started = time.monotonic()
    feedback.progressChanged.connect(lambda p: feedback.cancel() if p >= 5 else None)
    result = processing.run("gridkit:partition", {"INPUT": str(HK), "OUTPUT": str(out)}, feedback=feedback)
    assert result.get("OUTPUT") is None
    assert time.monotonic() - started < 30
    assert not out.exists() and not list(tmp_path.glob(".cancelled.*"))


def test_algorithms_chain_in_a_model(provider, tmp_path):
    """partition → validate as a Processing model (what the graphical modeler builds)."""
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelOutput,
    )

    model = QgsProcessingModelAlgorithm("plan and check", "gridkit")
    part = QgsProcessingModelChildAlgorithm("gridkit:partition")
    part.setChildId("part")
    part.addParameterSources("INPUT", [QgsProcessingModelChildParameterSource.fromStaticValue(str(HK))])
    part.addParameterSources("SEED", [QgsProcessingModelChildParameterSource.fromStaticValue(3)])
    out = QgsProcessingModelOutput("plan", "plan")
    out.setChildOutputName("OUTPUT")
    out.setChildId("part")
    part.setModelOutputs({"plan": out})
    model.addChildAlgorithm(part)
    check = QgsProcessingModelChildAlgorithm("gridkit:validate")
    check.setChildId("check")
    check.addParameterSources("PLAN", [QgsProcessingModelChildParameterSource.fromChildOutput("part", "OUTPUT")])
    check.addParameterSources("FAIL", [QgsProcessingModelChildParameterSource.fromStaticValue(True)])
    model.addChildAlgorithm(check)
    model.updateDestinationParameters()
    target = tmp_path / "model_plan.gpkg"
    context = QgsProcessingContext()
    results, ok = model.run({"part:plan": str(target)}, context, QgsProcessingFeedback())
    assert ok, results
    assert target.exists()
    assert gridkit_validate(target).returncode == 0


def test_partition_refuses_a_plan_open_in_the_project(provider, hk_plan_file, tmp_path):
    """gridkit replaces files atomically; a GeoPackage QGIS has open is only written through QGIS."""
    import shutil

    import processing
    from qgis.core import QgsProcessingException, QgsProject, QgsVectorLayer

    plan = tmp_path / "open.gpkg"
    shutil.copy(hk_plan_file, plan)
    layer = QgsVectorLayer(f"{plan}|layername=grids", "open grids", "ogr")
    QgsProject.instance().addMapLayer(layer)
    from qgis.core import QgsProcessingFeedback

    errors: list[str] = []

    class Feedback(QgsProcessingFeedback):
        def reportError(self, error: str, fatal: bool = False) -> None:  # noqa: N802
            errors.append(error)

    before = plan.read_bytes()
    try:
        # Also when the name is typed without its extension (the check missed it and the plan was replaced).
        for output in (plan, plan.with_suffix("")):
            errors.clear()
            with pytest.raises(QgsProcessingException):
                processing.run("gridkit:partition", {"INPUT": str(HK), "OUTPUT": str(output)}, feedback=Feedback())
            assert any("open in this project" in e for e in errors), (output, errors)
            assert plan.read_bytes() == before
    finally:
        QgsProject.instance().removeAllMapLayers()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_partition_warns_of_an_area_far_larger_than_a_street_office(provider, request, language, tmp_path):
    """The library's warnings (a whole region given as one area) reached the command line only; Processing
    (and the dock's Divide this area, which runs it) said nothing. Then it said it in English in a Chinese
    QGIS, and so were the library's errors."""
    import json

    import processing
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    if language == "zh":
        request.getfixturevalue("chinese")
    warned: list[str] = []

    class Feedback(QgsProcessingFeedback):
        def pushWarning(self, text: str) -> None:  # noqa: N802
            warned.append(text)

    def house(lon: float, lat: float) -> dict:
        ring = [[lon, lat], [lon + 0.0002, lat], [lon + 0.0002, lat + 0.0002], [lon, lat + 0.0002], [lon, lat]]
        return {"type": "Feature", "properties": {"households": 30}, "geometry": {"type": "Polygon",
                                                                              "coordinates": [ring]}}

    # Three homes 15 km apart near Shanghai: the hull round them is some 110 km².
    region = tmp_path / "region"
    region.mkdir()
    (region / "buildings.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        house(121.0, 31.0), house(121.157, 31.0), house(121.0, 31.135)]}), encoding="utf-8")
    result = processing.run("gridkit:partition", {"INPUT": str(region), "OUTPUT": str(tmp_path / "plan.gpkg")},
                            feedback=Feedback())
    assert result["GRID_COUNT"] >= 1
    words = {"en": "more than a street office", "zh": "超过一个街道"}[language]
    assert any(words in text and "office.max_area_km2" in text for text in warned), warned
    # The library's errors too: a file that is not a map, one that has no buildings layer, one with none inside.
    notes = tmp_path / "notes.txt"
    notes.write_text("not a map", encoding="utf-8")
    empty = tmp_path / "roads_only"
    empty.mkdir()
    (empty / "roads.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": []}), encoding="utf-8")
    expected = {"en": ("cannot be opened as a vector data source", "has no 'buildings' layer"),
                "zh": ("无法作为矢量数据源打开：不是 gridkit 能读取的地图数据格式", "没有“buildings”（建筑）图层")}[language]
    for source, words in zip((notes, empty), expected, strict=True):
        with pytest.raises(QgsProcessingException) as raised:
            processing.run("gridkit:partition", {"INPUT": str(source), "OUTPUT": str(tmp_path / "plan.gpkg")})
        assert words in str(raised.value) and str(source) in str(raised.value), str(raised.value)
    # A message no translation knows keeps gridkit's words, framed in the user's language.
    from gridkit_qgis.i18n import worker_message

    framed = worker_message("something gridkit never said before")
    assert framed == {"en": "something gridkit never said before",
                      "zh": "something gridkit never said before（gridkit 的英文原文）"}[language]


def test_library_errors_a_user_meets_read_in_chinese(chinese, tmp_path):
    """Bad registers, profile files, coordinates and outputs: gridkit's messages came through in English inside a
    Chinese frame ("…（gridkit 的英文原文）"); only 22 of them were translated. The messages are the library's own,
    made by a gridkit run outside QGIS."""
    import json
    import subprocess
    import sys

    script = r'''
import json, sys
from pathlib import Path
from gridkit import read_area
from gridkit.pipeline import partition_file
from gridkit.profile import load_profile
from gridkit.register import read_register
d = Path(sys.argv[1])
files = {"header.csv": "楼栋编号,名称\n1,a\n", "count.csv": "楼栋编号,户数\n1,abc\n2,5\n", "sheet.ods": "PK",
         "key.toml": 'base = "default"\n[grid]\nmax_househlds = 3\n',
         "bounds.toml": 'base = "default"\n[grid]\nmin_households = 150\ntarget_households = 120\n',
         "range.toml": 'base = "default"\n[grid]\nmax_households = -5\n',
         "far.geojson": json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
             "geometry": {"type": "Polygon", "coordinates": [[[121, 231], [121.01, 231], [121.01, 231.01], [121, 231]]]}}]})}
for name, text in files.items():
    (d / name).write_text(text, encoding="utf-8")
calls = [lambda: read_register(d / "header.csv"), lambda: read_register(d / "count.csv"),
         lambda: read_register(d / "sheet.ods"), *(lambda n=n: load_profile(str(d / n)) for n in ("key.toml",
         "bounds.toml", "range.toml")), lambda: read_area(d / "far.geojson"),
         lambda: partition_file(sys.argv[2], d / "plan.txt", seed=0)]
out = []
for call in calls:
    try:
        call()
    except Exception as exc:
        out.append(str(exc))
print(json.dumps(out))
'''
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path), str(ROOT / "data" / "samples" /
                                                                          "hk_tsim_sha_tsui.gpkg")],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    messages = json.loads(run.stdout)
    from gridkit_qgis.i18n import worker_message

    shown = [worker_message(m) for m in messages]
    expected = ["住户登记表需要一行表头", "第 2 行：households 的值 'abc' 必须是大于等于 0 的整数", "是 OpenDocument 表格",
                "未知的键“grid.max_househlds”", "需要 min_households <= target_households <= max_households（现为 150、120",
                "超出范围 [1, ", "纬度 231.0000..231.0100 超出 -90..90", "输出文件的扩展名必须是 .gpkg"]
    assert len(shown) == len(expected), messages
    for text, words in zip(shown, expected, strict=True):
        assert words in text and "英文原文" not in text and str(tmp_path) in text, text


def test_the_newer_library_errors_read_in_chinese(chinese, tmp_path):
    """Messages added after the translations (a Gauss-Kruger zone number, Web Mercator metres under a zone, a roads
    layer far away, a column headed twice, rounded or approximate counts, a damaged or unpackable file) came
    through in English inside the Chinese frame."""
    import gzip

    import numpy as np
    from pyproj import CRS

    from gridkit.crs import check_coordinates
    from gridkit.errors import InputError, reason
    from gridkit.io.read import read_layers
    import geopandas as gpd
    import shapely

    from gridkit.register import match_register, read_register
    from gridkit_qgis.i18n import worker_message

    def said(call) -> str:
        with pytest.raises(InputError) as raised:
            call()
        return str(raised.value)

    twice = tmp_path / "twice.csv"
    twice.write_text("楼栋编号,户数,户数\n1,3,4\n", encoding="utf-8")
    rounded = tmp_path / "rounded.csv"
    rounded.write_text("楼栋编号,户数\n1,1.2万\n2,约12\n", encoding="utf-8")
    from openpyxl import Workbook

    uncomputed = tmp_path / "formulas.xlsx"
    book = Workbook()
    for row in (["楼栋编号", "户数"], ["B1", "=2+3"]):
        book.active.append(row)
    book.save(uncomputed)
    foreign = tmp_path / "foreign.csv"
    foreign.write_text("楼栋编号,户数\nF1,3\n", encoding="utf-8")
    buildings = gpd.GeoDataFrame({"building_id": ["B1"]}, geometry=[shapely.box(0, 0, 10, 10)], crs="EPSG:32650")
    packed = tmp_path / "楼栋.geojson.gz"
    packed.write_bytes(b"PK not gzip")
    messages = [
        said(lambda: check_coordinates(np.array([40641951.0, 3458540.0, 40643951.0, 3460540.0]), CRS.from_epsg(4549),
                                       "town.gpkg, layer 'x'")),
        said(lambda: check_coordinates(np.array([12709346.0, 2547582.0, 12711346.0, 2549582.0]), CRS.from_epsg(32650),
                                       "town.gpkg, layer 'x'")),
        said(lambda: read_register(twice)), said(lambda: read_register(rounded)), said(lambda: read_layers(packed)),
        "town.gpkg, layer 'roads': none of its 321 features reaches the area; the nearest is 308 km from it, further "
        "than the area is wide (1.63 km): are both layers' CRS right?",
        f"town.gpkg: cannot be read: {reason(OSError('sqlite3_prepare_v2(SELECT 1) failed: file is not a database'))}",
        f"town.gpkg: cannot be read: {reason(OSError('sqlite3_prepare_v2(SELECT 1) failed: database is locked'))}",
        "1 of the boundary's 2 features holds no building (油麻地): each is still part of the area, grids nobody lives "
        "in; if one is another office's, leave it out of the boundary layer",
        said(lambda: match_register(buildings, read_register(foreign), fuzzy_min_ratio=0.8)),
        said(lambda: read_register(uncomputed)),
    ]
    expected = ["不对应地球上任何地点", "远在该坐标参考系的适用范围", "第 2 列和第 3 列的表头都是“户数”",
                "'1.2万' 是取整到“万”的约数，'约12' 是约数：请填写确切的数", "无法解压", "比区域本身的宽度（1.63 公里）还远",
                "文件已损坏", "文件被另一个正在写入的程序锁定", "边界图层的 2 个要素中有 1 个内没有任何建筑 (油麻地)",
                "其 1 行没有一行对应区域内的建筑：其楼栋编号 ('F1') 都不是建筑图层中的 ('B1')。",
                "'=2+3' 是公式，工作簿中没有保存它的计算结果"]
    for message, words in zip(messages, expected, strict=True):
        shown = worker_message(message)
        assert words in shown and "英文原文" not in shown, shown


def test_messages_gridkit_gained_read_in_chinese(chinese, tmp_path):
    """A register whose figures are on a hidden sheet, a PostGIS server that refuses, a register of another area
    (none of its rows a building here), a folder gridkit may not write in: each read in English inside the Chinese
    frame. And an office's own layers (建筑, 道路, 边界) were named
    'buildings', 'roads', 'boundary', layers the office does not have; here with a column headed 户数 twice,
    eastings with their Gauss-Krüger zone number in front (or without it when the CRS wants it), a roads layer
    300 km off (test_the_newer_library_errors_read_in_chinese makes those with gridkit's names)."""
    import json
    import subprocess
    import sys

    script = r'''
import json, sys
from pathlib import Path
import geopandas as gpd, openpyxl
from gridkit import read_area
from gridkit.io.write import atomic_path
from gridkit.pipeline import partition_file
from gridkit.register import read_register
d, sample = Path(sys.argv[1]), sys.argv[2]
book = openpyxl.Workbook()
book.active.title = "说明"
book.active.append(["本表说明"])
hidden = book.create_sheet("登记")
hidden.append(["楼栋编号", "户数"])
hidden.append(["B1", 5])
hidden.sheet_state = "hidden"
book.save(d / "hidden.xlsx")
(d / "twice.csv").write_text("楼栋编号,户数,户数\nB1,5,6\n", encoding="gbk")
# The office's layers in CGCS2000 / 3-degree Gauss-Kruger CM 114E (EPSG:4547), named as an office names them.
own = {"建筑": "buildings", "道路": "roads", "边界": "boundary"}
layers = {name: gpd.read_file(sample, layer=layer).to_crs("EPSG:4547") for name, layer in own.items()}
def source(name, crs="EPSG:4547", dx=0.0, moved=()):
    path = d / f"{name}.gpkg"
    for layer, frame in layers.items():
        frame = frame.copy()
        if dx and (not moved or layer in moved):
            frame.geometry = frame.geometry.translate(xoff=dx)
        frame.set_crs(crs, allow_override=True).to_file(path, layer=layer)
    return path
calls = [lambda: read_register(d / "hidden.xlsx"), lambda: read_register(d / "twice.csv"),
         lambda: read_area(source("zone_in_front", dx=38_000_000)),
         lambda: read_area(source("zone_missing", crs="EPSG:4526")),
         lambda: read_area(source("roads_far", dx=300_000, moved=("道路",))),
         lambda: read_area(source("homes_far", dx=300_000, moved=("建筑",))),
         lambda: read_area("postgresql://nobody@127.0.0.1:1/office?schema=x"),
         lambda: partition_file(sample, d / "plan.gpkg", households=str(d / "other_area.csv"), seed=0)]
(d / "other_area.csv").write_text("楼栋编号,户数\nX1,5\nX2,6\n", encoding="utf-8")
out = []
for call in calls:
    try:
        call()
    except Exception as exc:
        out.append(str(exc))
try:
    with atomic_path("/sys/plan.gpkg"):
        pass
except Exception as exc:
    out.append(str(exc))
print(json.dumps(out))
'''
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path), str(HK)], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    messages = json.loads(run.stdout)
    from gridkit_qgis.i18n import worker_message

    shown = [worker_message(m) for m in messages]
    expected = ["隐藏的工作表不会读取：登记", "第 2 列和第 3 列的表头都是“户数”：哪一列是户数？",
                "图层“边界”：坐标 (", "图层“边界”：坐标 (", "图层“道路”：", "图层“建筑”：边界（图层“边界”）内没有建筑", "无法连接数据库：连接服务器 127.0.0.1 的端口 1 失败：连接被拒绝",
                "其 2 行没有一行对应区域内的建筑：其楼栋编号",
                "/sys/plan.gpkg：无法写入：没有权限"]
    assert len(shown) == len(expected), messages
    for text, words in zip(shown, expected, strict=True):
        assert words in text and "英文原文" not in text, text
    assert "第 38 带：请改用该带的坐标参考系" in shown[2] and "EPSG:4526" in shown[2], shown[2]
    assert "请改用以该带中央经线命名的坐标参考系" in shown[3] and "EPSG:4547" in shown[3], shown[3]
    assert "buildings" not in shown[5] and "boundary" not in shown[5], shown[5]


def test_a_register_and_a_check_are_told_in_chinese(provider, chinese, tmp_path, hk_plan_file):
    """Partition with a household register said nothing of it in the Processing log, where the command line tells
    how many rows matched, where the unmatched rows are and that a hidden sheet was not read; Validate printed its
    table in English (``ok   grid      coverage``), Compare its changes (``grid split …``); the plan's layers were
    ``… — grids`` in a Chinese QGIS."""
    import geopandas as gpd
    import openpyxl
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    ids = gpd.read_file(HK, layer="buildings")["id"].head(30).tolist()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "登记"
    sheet.append(["楼栋编号", "户数"])
    for i in ids:
        sheet.append([str(i), 12])
    sheet.append(["不存在的楼", 7])
    old = book.create_sheet("旧数据")
    old.append(["楼栋编号", "户数"])
    old.append([str(ids[0]), 99])
    old.sheet_state = "hidden"
    book.save(tmp_path / "住户登记表.xlsx")
    told: list[str] = []

    class Feedback(QgsProcessingFeedback):
        def pushInfo(self, text: str) -> None:  # noqa: N802
            told.append(text)

        def pushWarning(self, text: str) -> None:  # noqa: N802
            told.append(text)

        def reportError(self, text: str, fatal: bool = False) -> None:  # noqa: N802
            told.append(text)

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    plan = tmp_path / "plan.gpkg"
    processing.run("gridkit:partition", {"INPUT": str(HK), "HOUSEHOLDS": str(tmp_path / "住户登记表.xlsx"),
                                         "OUTPUT": str(plan)}, feedback=Feedback(), context=context)
    assert "住户登记表（XLSX）：30 行已匹配（按楼栋编号 30 行，按地址 0 行），1 行未匹配" in told, told
    assert f"未匹配的行及其原因：{tmp_path / 'plan_register_unmatched.csv'}" in told, told
    assert "住户登记表：未读取隐藏的工作表：旧数据" in told, told
    names = sorted(details.name for details in context.layersToLoadOnCompletion().values())
    assert names == ["plan — 社区", "plan — 网格"], names
    told.clear()
    result = processing.run("gridkit:validate", {"PLAN": str(plan)}, feedback=Feedback())
    assert result["VALID"], told
    table = [line for line in told if "覆盖完整" in line]
    assert table and all(line.startswith("通过") for line in table), told
    assert not any(line.startswith(("ok", "FAIL")) or " grid " in line for line in told), told
    told.clear()
    result = processing.run("gridkit:diff", {"OLD": str(hk_plan_file), "NEW": str(plan)}, feedback=Feedback())
    summary = [line for line in told if "，" in line and "->" not in line]
    assert len(summary) == 1 and "网格未变" in summary[0] and "grid" not in summary[0], told
    changes = [line for line in told if "->" in line]
    assert len(changes) == result["CHANGED"] and all(line.startswith(("社区", "网格")) for line in changes), told


def test_partition_stores_the_plan_styles_before_qgis_loads_it(provider, tmp_path, monkeypatch):
    """Both styles were stored (``saveStyleToDatabase``) when Processing loaded the plan, on the GUI thread: 0.26-0.52 s
    held after every Partition. The algorithm stores them on its own thread (a task's, from the toolbox) before the
    layers load, so loading them stores nothing."""
    import sqlite3

    import processing
    from processing.gui.Postprocessing import handleAlgorithmResults
    from qgis.core import (QgsApplication, QgsProcessingContext, QgsProcessingFeedback, QgsProject,
                           QgsSingleSymbolRenderer, QgsVectorLayer)

    from gridkit_qgis.gui.styles import drawn_colours

    out = tmp_path / "plan.gpkg"
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    result = processing.run("gridkit:partition", {"INPUT": str(HK), "OUTPUT": str(out)}, context=context)
    with sqlite3.connect(out) as db:
        stored = sorted(db.execute("SELECT f_table_name, useAsDefault FROM layer_styles").fetchall())
    assert stored == [("communities", 1), ("grids", 1)], stored
    again = QgsVectorLayer(result["GRIDS"], "again", "ogr")
    assert isinstance(again.renderer(), QgsSingleSymbolRenderer) and drawn_colours(again)
    stores = []
    original = QgsVectorLayer.saveStyleToDatabase
    monkeypatch.setattr(QgsVectorLayer, "saveStyleToDatabase",
                        lambda layer, *args: stores.append(layer.name()) or original(layer, *args))
    alg = QgsApplication.processingRegistry().algorithmById("gridkit:partition")
    try:
        handleAlgorithmResults(alg, context, QgsProcessingFeedback(), False, result)
        loaded = [lyr for lyr in QgsProject.instance().mapLayers().values() if lyr.source().startswith(str(out))]
        assert len(loaded) == 2 and all(drawn_colours(lyr) or lyr.customProperty("gridkit/styled") == "communities"
                                        for lyr in loaded)
    finally:
        QgsProject.instance().removeAllMapLayers()
    assert stores == []
