"""Which input a layer shown in a GIS belongs to (gridkit.io.read.area_source): the QGIS dock offers to
divide that area instead of taking its boundary for a grid layer drawn elsewhere."""

from __future__ import annotations

import shutil

import geopandas as gpd
import pytest
from conftest import ROOT
from shapely.geometry import Polygon

from gridkit.io.read import area_source


def _frame(name: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [name]}, geometry=[Polygon([(0, 0), (1, 0), (1, 1)])], crs=3857)


def test_a_layer_of_an_input_geopackage_belongs_to_it(tmp_path):
    sample = tmp_path / "area.gpkg"
    shutil.copy(ROOT / "data" / "samples" / "hk_tsim_sha_tsui.gpkg", sample)
    for layer in ("boundary", "roads", "buildings", "Boundary"):
        assert area_source(sample, layer) == str(sample)
    assert area_source(sample, "网格") is None  # a layer gridkit does not read
    assert area_source(tmp_path / "missing.gpkg", "boundary") is None


def test_a_folder_of_layers_and_single_files(tmp_path):
    folder = tmp_path / "area"
    folder.mkdir()
    for name in ("buildings", "roads"):
        _frame(name).to_file(folder / f"{name}.shp")
    _frame("grid").to_file(folder / "网格.shp", encoding="utf-8")
    assert area_source(folder / "roads.shp") == str(folder)
    assert area_source(folder / "buildings.shp") == str(folder)
    assert area_source(folder / "网格.shp") is None  # grids drawn elsewhere, beside the input
    alone = tmp_path / "boundary.geojson"
    _frame("b").to_file(alone)
    assert area_source(alone) is None  # a boundary without buildings is no area
    grids = tmp_path / "grids.gpkg"
    _frame("g").to_file(grids, layer="grids")
    _frame("b").to_file(grids, layer="buildings")
    assert area_source(grids, "grids") is None and area_source(grids, "buildings") == str(grids)


def test_any_layer_of_an_osm_file(tmp_path):
    osm = tmp_path / "area.osm"
    osm.write_text("<osm version='0.6'></osm>", encoding="utf-8")
    assert area_source(osm, "multipolygons") == str(osm)


def test_one_building_drawn_at_null_island_does_not_move_the_metric_crs():
    """A footprint a geocoder put at (0, 0) moved the centre of the buildings' extent to the Indian Ocean and
    the metric CRS with it: under a boundary that leaves it out, every other footprint was measured in a UTM
    zone 57 degrees away (the sample's estimated households 9,454 -> 11,993)."""
    import pandas as pd
    from input_variants import HK, layers
    from shapely import box

    from gridkit.area import area_from_layers

    frames = layers(HK)
    stray = frames["buildings"].iloc[:1].set_geometry([box(0, 0, 0.0002, 0.0002)], crs=frames["buildings"].crs)
    moved = {**frames, "buildings": pd.concat([frames["buildings"], stray], ignore_index=True)}
    plain, odd = area_from_layers(frames), area_from_layers(moved)
    assert odd.crs == plain.crs
    assert odd.buildings.area.sum() == pytest.approx(plain.buildings.area.sum(), rel=1e-6)


def test_a_folder_zipped_on_chinese_windows_is_read_under_its_names(tmp_path):
    """Windows' zip on a Chinese system writes names in GBK without the UTF-8 flag: the folder 城区 and its
    建筑物.geojson came out as CP437 mojibake, and no buildings layer was found."""
    import zipfile

    from input_variants import HK, _NamedInCodePage, layers

    from gridkit.io.read import read_layers

    frames = layers(HK)
    zipped = tmp_path / "town.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for name, layer in (("建筑物", "buildings"), ("道路", "roads")):
            archive.writestr(_NamedInCodePage(f"城区/{name}.geojson"), frames[layer].to_json())
    read = read_layers(zipped)
    assert {n: len(g) for n, g in read.items()} == {"buildings": len(frames["buildings"]), "roads": len(frames["roads"])}


def test_a_folder_of_geojson_sequences_is_read(tmp_path):
    """One feature a line (GeoJSONSeq, .geojsonl / .geojsons, as streaming exports write): a single file was
    read, a folder of them was 'no buildings layer (found: none)'."""
    import pyogrio
    from input_variants import HK, layers

    from gridkit.io.read import read_layers

    frames = layers(HK)
    for name, suffix in (("buildings", ".geojsonl"), ("roads", ".geojsons")):
        pyogrio.write_dataframe(frames[name], tmp_path / f"{name}{suffix}", driver="GeoJSONSeq")
    read = read_layers(tmp_path)
    assert {n: len(g) for n, g in read.items()} == {"buildings": len(frames["buildings"]), "roads": len(frames["roads"])}


def test_a_file_compressed_alone_with_gzip_is_read_as_the_file_it_holds(tmp_path):
    """`楼栋.geojson.gz`, `town.gpkg.gz` (a download, a mail): refused as 'not map data'. Now unpacked and read;
    what is wrong inside names the compressed file, and a file that is not gzip says so."""
    import gzip

    from input_variants import HK, layers, write_gpkg

    from gridkit.errors import InputError
    from gridkit.io.read import read_layers

    frames = layers(HK)
    single = tmp_path / "楼栋.geojson.gz"
    single.write_bytes(gzip.compress(frames["buildings"].to_json().encode()))
    assert {n: len(g) for n, g in read_layers(single).items()} == {"buildings": len(frames["buildings"])}
    packed = tmp_path / "town.gpkg.gz"
    packed.write_bytes(gzip.compress(write_gpkg(tmp_path / "x.gpkg", {"roads": frames["roads"]}).read_bytes()))
    with pytest.raises(InputError, match=rf"^{packed}: has no 'buildings' layer \(found: roads\)"):
        read_layers(packed)
    broken = tmp_path / "b.geojson.gz"
    broken.write_bytes(b"PK\x03\x04 not gzip")
    with pytest.raises(InputError, match=rf"^{broken}: cannot be unpacked: "):
        read_layers(broken)


def test_a_kmz_of_one_kml_keeps_its_attributes(tmp_path):
    """Google Earth's KMZ, a zipped doc.kml whose placemarks' attributes are SchemaData: GDAL read it without
    them (households, levels, ids), so the Tsim Sha Tsui sample so zipped made 6,203 estimated households
    instead of the 14,392 its levels give."""
    import zipfile

    import pyogrio
    from input_variants import HK, layers

    from gridkit.io.read import read_layers

    buildings = layers(HK)["buildings"].assign(households=7)
    kml = tmp_path / "doc.kml"
    pyogrio.write_dataframe(buildings, kml, driver="KML", layer="buildings")
    kmz = tmp_path / "楼栋 2024.kmz"
    with zipfile.ZipFile(kmz, "w") as archive:
        archive.write(kml, "doc.kml")
        archive.writestr("files/logo.png", b"\x89PNG")
    read = read_layers(kmz)["buildings"]
    assert read["households"].astype(int).tolist() == [7] * len(buildings)
    assert sorted(read["building:levels"].dropna()) == sorted(buildings["building:levels"].dropna())


def test_a_message_names_a_layer_as_its_source_does(tmp_path):
    """An office's own layers (建筑, 道路, 边界; 建筑.shp in a folder) were named in messages by gridkit's names for
    them, 'buildings', 'roads', 'boundary': layers the office does not have."""
    from gridkit import read_area
    from gridkit.errors import InputError

    sample = ROOT / "data" / "samples" / "hk_tsim_sha_tsui.gpkg"
    own = {"建筑": "buildings", "道路": "roads", "边界": "boundary"}
    layers = {name: gpd.read_file(sample, layer=layer) for name, layer in own.items()}
    office, folder = tmp_path / "office.gpkg", tmp_path / "office"
    folder.mkdir()
    for name, frame in layers.items():
        frame = frame.to_crs(32650)
        if name == "道路":  # 300 km east: the layer's CRS is wrong
            frame.geometry = frame.geometry.translate(xoff=300_000)
        frame.to_file(office, layer=name)
        frame.to_file(folder / f"{name}.shp", encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{office}, layer '道路': none of its \d+ features reaches the area"):
        read_area(office)
    with pytest.raises(InputError, match=rf"^{folder}, layer '道路.shp': none of its"):
        read_area(folder)


def test_a_multipolygon_drawn_with_overlapping_parts_is_their_union():
    """Parts of one building drawn overlapping (an invalid multipolygon, a digitising slip): GEOS's default repair
    keeps their symmetric difference, so the overlap was lost and the building became two slivers, 'too small'
    for a home (the Tsim Sha Tsui sample with every fifth building so drawn: 9,454 households -> 8,491)."""
    import geopandas as gpd
    import shapely

    from gridkit.area import area_from_layers

    house = shapely.box(114.1700, 22.3000, 114.1703, 22.3003)
    drawn = shapely.MultiPolygon([house, shapely.affinity.translate(house, 0.00001, 0)])
    assert not drawn.is_valid
    area = area_from_layers({"buildings": gpd.GeoDataFrame({"id": ["B1"]}, geometry=[drawn], crs="EPSG:4326")})
    union = gpd.GeoSeries([shapely.union_all(drawn.geoms)], crs="EPSG:4326").to_crs(area.crs).area.iloc[0]
    assert len(area.buildings) == 1
    assert area.buildings.area.iloc[0] == pytest.approx(union, rel=1e-6)


def test_a_boundary_feature_no_building_stands_in_is_warned_of():
    """Two boundary features, one of them another office's (no building in it): the plan took it in as grids nobody
    lives in, without a word. Now a warning names it; the pieces of one feature (an island) are not warned of."""
    import geopandas as gpd
    import pandas as pd
    import shapely
    from input_variants import HK, layers

    from gridkit.area import area_from_layers

    frames = layers(HK)
    own = frames["boundary"].assign(name=["尖沙咀"])
    other = own.assign(name=["油麻地"], geometry=own.geometry.translate(0.05, 0))
    two = {**frames, "boundary": gpd.GeoDataFrame(pd.concat([own, other], ignore_index=True), crs=own.crs)}
    log = dict(area_from_layers(two).log)
    assert log["warning_boundary_empty"].startswith("1 of the boundary's 2 features holds no building (油麻地)")
    one = own.assign(geometry=[shapely.union_all([own.geometry.iloc[0], other.geometry.iloc[0]])])
    assert "warning_boundary_empty" not in dict(area_from_layers({**frames, "boundary": one}).log)


def test_a_boundary_or_roads_layer_without_features_is_warned_of():
    """An office's boundary or roads layer exported empty (a filter that matched nothing): the plan covered the
    buildings' hull, or followed no street, without a word (the run log said 'none given')."""
    from input_variants import HK, layers

    from gridkit.area import area_from_layers

    frames = layers(HK)
    log = dict(area_from_layers({**frames, "boundary": frames["boundary"].iloc[:0]}, where="in.gpkg").log)
    assert log["warning_boundary_not_drawn"].startswith("in.gpkg, layer 'boundary': has no feature with a geometry, "
                                                        "so the area is the hull of the buildings buffered by")
    log = dict(area_from_layers({**frames, "roads": frames["roads"].iloc[:0]}, where="in.gpkg").log)
    assert log["warning_roads_not_drawn"] == ("in.gpkg, layer 'roads': has no feature with a geometry: no street "
                                              "bounds a block, and grids follow none")
    assert not [k for k in dict(area_from_layers(frames).log) if k.startswith("warning_")]


def test_a_boundary_drawn_as_closed_lines_is_the_area_they_ring_round():
    """A CAD drawing's 红线, a closed polyline (or two meeting end to end), given as the boundary: refused, 'has no
    polygon with an area'. Lines that close no ring, or points, are still refused, saying what they are."""
    import shapely
    from input_variants import HK, layers

    from gridkit.area import area_from_layers
    from gridkit.errors import InputError

    frames = layers(HK)
    drawn = area_from_layers(frames)
    ring = frames["boundary"].set_geometry(frames["boundary"].boundary).explode(index_parts=False)
    coords = shapely.get_coordinates(ring.geometry.iloc[0])
    halves = ring.iloc[[0, 0]].set_geometry([shapely.LineString(coords[:20]), shapely.LineString(coords[19:])],
                                        crs=ring.crs)  # two polylines meeting end to end
    for lines in (ring, halves):
        area = area_from_layers({**frames, "boundary": lines})
        assert abs(area.boundary.area - drawn.boundary.area) < 1e-6 * drawn.boundary.area
        assert dict(area.log)["boundary_from_lines"].endswith("read as the outline of the area they ring round")
    with pytest.raises(InputError, match=r"layer 'boundary': has no polygon with an area \(its features are "
                                         r"LineString, which close no ring\); draw the boundary as a polygon"):
        area_from_layers({**frames, "boundary": halves.iloc[:1]}, where="in.gpkg")
