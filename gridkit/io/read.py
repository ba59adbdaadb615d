"""Read the input layers from any GDAL vector source, a folder of files, or OSM XML/PBF."""

from __future__ import annotations

import contextlib
import gzip
import io
import itertools
import re
import shutil
import sqlite3
import tempfile
import threading
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio._err import _register_error_handler
from pyproj import CRS

from ..errors import InputError, reason
from ..lines import COASTLINE, WATER, WATERWAY
from . import postgis
from .tables import written_share

__all__ = ["LAYERS", "OFFICE_LAYER", "Mask", "read_layer", "read_layers", "list_layers", "dbf_encoding", "area_source"]

#: Layer names gridkit understands (DESIGN.md inputs).
LAYERS = ("boundary", "roads", "buildings", "barriers", "existing", "landuse", "pois", "water")
#: Other names a source's layers (and a CAD drawing's layers, :func:`_cad_layers`) go by, in any case: the
#: singular, ``streets`` (momepy's and many planners' name), the Chinese names of an office's own data, and the
#: CAD layers of Chinese surveying drawings (南方CASS's codes for the GB/T 20257 1:500 topographic map: JMD 居民地,
#: DLSS 道路及附属设施, SXSS 水系设施, JJ 境界, TL 铁路). A layer named exactly as gridkit reads it is read instead
#: of them. A name may end in the kind of geometry the layer holds (:data:`_GEOMETRY_SUFFIXES`).
LAYER_NAMES: dict[str, tuple[str, ...]] = {
    "buildings": ("building", "建筑", "建筑物", "房屋", "jmd"),
    "roads": ("road", "streets", "street", "道路", "路网", "dlss"),
    "boundary": ("boundaries", "边界", "范围", "境界", "街道界", "jj"),
    "barriers": ("barrier", "tl"),
    "landuse": ("land_use", "用地"),
    "pois": ("poi",),
    "water": ("waters", "水系", "水域", "水体", "河流", "河湖", "sxss"),
}
#: How offices' GIS files end their layers' names (房屋面, 道路线, 水系面 and 水系线, 境界线): 面 polygons, 线 lines,
#: 点 points. It does not change what a layer is; a theme split in a polygon and a line layer is read as one
#: (:func:`_read_theme`).
_GEOMETRY_SUFFIXES = ("面", "线", "点")
#: Name of the street-office boundary layer of a city-wide input (``gridkit batch``).
OFFICE_LAYER = "offices"
_VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".geojsonl", ".geojsons", ".shp", ".fgb", ".gml", ".kml", ".kmz",
                    ".sqlite")
OSM_SUFFIXES = (".osm", ".pbf")
#: Files a Shapefile cannot be read without (GDAL would rebuild a missing .shx beside the input, or read
#: geometry without its attributes).
_SHAPEFILE_PARTS = (".shx", ".dbf")
#: A ``.dbf`` whose GB18030 reading is mostly characters Chinese is written with is GBK: Chinese text reads
#: 0.99 and more so, Latin-1 text (the Helsinki sample's) a third or less.
_GBK_WRITTEN_SHARE = 0.5
_OSM_BARRIER_WATERWAYS = ("river", "canal")
_OSM_BARRIER_RAILWAYS = ("rail", "light_rail", "narrow_gauge", "preserved")
# Lines read as soft lines (profile [lines]): they divide nothing but a boundary may follow them.
_OSM_WALLS = ("wall", "fence", "hedge", "retaining_wall", "city_wall")
_OSM_SMALL_WATERWAYS = ("stream", "ditch", "drain", "brook")
# Areas of water (rivers drawn as areas, lakes, ponds, harbour basins, reservoirs): barrier polygons.
_OSM_WATER_LANDUSE = ("reservoir", "basin")
_OSM_WATER_WATERWAYS = ("riverbank", "dock")
#: GDAL's OSM driver indexes nodes by their ids in the order a .pbf holds them, and refuses an OSM XML file whose
#: ids do not increase ("Non increasing node id": JOSM's saves, hand-made and merged extracts); its own SQLite
#: index reads any order.
_OSM_XML_OPEN = {"USE_CUSTOM_INDEXING": "NO"}
#: Geofabrik's free Shapefile extracts (download.geofabrik.de, ``…-latest-free.shp.zip``: how OSM is most often
#: fetched as Shapefiles) name each theme's file gis_osm_<theme>_free_1 (older ones gis.osm_…) and give a feature's
#: main OSM value as ``fclass``; the themes gridkit reads, as :func:`_read_geofabrik` turns them into OSM's form.
_GEOFABRIK = re.compile(r"gis[._]osm_([a-z]+(?:_a)?)_free_\d+", re.IGNORECASE)
_GEOFABRIK_THEMES = ("buildings_a", "roads", "railways", "waterways", "water_a", "landuse_a", "pois", "pois_a")
#: The ``water_a`` classes that are water (its others, wetland and glacier, are no water in an .osm either).
_GEOFABRIK_WATER = ("water", "reservoir", "river", "dock")
#: OSM's features in one layer, each tag a column (overpass turbo's Export > GeoJSON, osmtogeojson, QuickOSM): read
#: as an .osm is when buildings are some of them and other features' keys are there too; ``@id`` (or ``id``) is
#: ``way/123``. The tags GDAL's OSM driver gives as columns of each of its layers (osmconf.ini) that gridkit reads
#: so; every other tag goes into ``other_tags``, as GDAL puts it.
_OSM_FEATURE_KEYS = ("highway", "railway", "waterway", "natural", "landuse", "amenity")
_OSM_ID = re.compile(r"(node|way|relation)/(\d+)")
_OSM_COLUMNS = {"multipolygons": ("name", "building", "landuse", "natural", "amenity"),
                "lines": ("name", "highway", "waterway", "barrier"), "points": ("name",)}
_OTHER_TAG = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')


#: A region to read: (geometry, its CRS). Only features intersecting it are read.
Mask = tuple[shapely.Geometry, CRS]


#: Threads in which GDAL's messages are Python warnings (see :func:`_gdal_messages_as_warnings`).
_GDAL_MESSAGES = threading.local()


def _gdal_messages_as_warnings() -> None:
    """Make GDAL's messages Python warnings in this thread, as pyogrio does only in the thread that imported it.

    GDAL's error handlers are per thread: a Dask worker's task thread (or QGIS's) otherwise printed
    GDAL's notes ("Warning 1: Non closed ring detected", hundreds for an OSM extract) on stderr.
    """
    if not getattr(_GDAL_MESSAGES, "on", False):
        _register_error_handler()
        _GDAL_MESSAGES.on = True


def read_layer(path: Path, layer: str | None, where: str, mask: Mask | None = None) -> gpd.GeoDataFrame:
    """One layer of a GDAL source (the first when ``layer`` is None), or an InputError naming ``where``:
    unreadable, or a table without geometry."""
    _gdal_messages_as_warnings()
    _check_shapefile(path, where)
    source = _gdal_source(path)
    # A GeoJSON is one layer; read from memory, its name is not the file's.
    name = None if isinstance(source, io.BytesIO) else layer
    try:
        with warnings.catch_warnings():
            # GDAL's per-feature notes (an unclosed ring closed, a ring it could not assemble) mean
            # nothing to a user; the cleaning repairs such geometry and counts it in the run log.
            warnings.simplefilter("ignore", RuntimeWarning)
            region = None if mask is None else _in_source_crs(source, name, mask)
            # A geometry GEOS cannot hold (a ring of fewer than 3 points: a way cut at an extract's edge)
            # is read as none and counted with the features without geometry, instead of failing the layer.
            # GDAL filters by the region's box only (with the source's spatial index): given the region
            # itself, it would test every shape with GEOS and fail the whole layer on such a ring.
            frame = gpd.read_file(source, layer=name, engine="pyogrio", encoding=dbf_encoding(path, layer),
                                  on_invalid="ignore", bbox=None if region is None else tuple(shapely.bounds(region)),
                                  **_OSM_XML_OPEN if Path(path).suffix.lower() == ".osm" else {})
    except Exception as exc:  # GDAL raises many types; the user needs one line
        raise InputError(f"{where}: cannot be read: {reason(exc)}") from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(f"{where}: has no geometry column (a table, not a map layer)")
    if region is not None:
        frame = frame[shapely.intersects(frame.geometry.values, region)].reset_index(drop=True)
    return frame


def _in_source_crs(source: Path | str | io.BytesIO, layer: str | None, mask: Mask) -> shapely.Geometry:
    """The mask's region in the layer's CRS (as given when the layer has none)."""
    crs = pyogrio.read_info(source, layer=layer).get("crs")
    if isinstance(source, io.BytesIO):
        source.seek(0)
    region, region_crs = mask
    return region if crs is None else gpd.GeoSeries([region], crs=region_crs).to_crs(crs).iloc[0]


def _gdal_source(path: Path) -> Path | str | io.BytesIO:
    """What GDAL is given to read ``path``: the path, but for a GeoJSON in GBK (:func:`_utf8_json`) and a KMZ
    of one KML document (:func:`_kmz_document`)."""
    return _kmz_document(path) or _utf8_json(path)


def _kmz_document(path: Path) -> str | None:
    """The one KML of a KMZ (Google Earth's: ``doc.kml`` and its pictures) as a GDAL ``/vsizip/`` path: read
    as a KMZ, GDAL's LIBKML leaves out every attribute its ``SchemaData`` gives (a schema referred to as
    ``#name`` is not found inside a KMZ), read so it keeps them. None for any other file, or a KMZ of several
    KML files (GDAL's own, whose ``doc.kml`` links the others: read as it is)."""
    if path.suffix.lower() != ".kmz" or not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as archive:
        kml = [n for n in archive.namelist() if n.lower().endswith(".kml")]
    return f"/vsizip/{path.resolve()}/{kml[0]}" if len(kml) == 1 else None


def _utf8_json(path: Path) -> Path | io.BytesIO:
    """A GeoJSON in GBK/GB18030 (written by Chinese GIS tools, though GeoJSON is UTF-8) as UTF-8 bytes in
    memory, which GDAL reads; any other file as it is (GDAL reads a UTF-8 GeoJSON, BOM or not)."""
    if Path(path).suffix.lower() not in (".geojson", ".json") or not Path(path).is_file():
        return path
    raw = Path(path).read_bytes()
    if _decodes(raw, "utf-8") or not _decodes(raw, "gb18030"):
        return path
    return io.BytesIO(raw.decode("gb18030").encode("utf-8"))


def dbf_encoding(path: Path, layer: str | None = None) -> str | None:
    """The encoding of a Shapefile's attributes when it does not say and GDAL would misread them.

    GDAL reads a ``.dbf`` without a ``.cpg`` (and without a code page in its header) as ISO-8859-1,
    which turns Chinese column names and values into mojibake (``编码`` → ``±àÂë``). Then the
    header and the first records are looked at: UTF-8 when they are valid UTF-8; GB18030 (a
    superset of GBK and GB2312, what Chinese GIS software writes) when they decode as GB18030 into
    characters Chinese is mostly written with (:func:`gridkit.io.tables.written_share`; traditional ones
    too, whose second byte GBK may take from ASCII, ``國際`` ``87 F8 EB 48``), which Latin-1 text does not
    (``Mäkelänkatu`` stays Latin-1).
    None: let GDAL decide (any other file, a ``.cpg`` present, plain ASCII, anything else).

    Parameters
    ----------
    path : Path
        A ``.shp``, or a ``.zip`` of Shapefiles (a set zipped as it is mailed).
    layer : str, optional
        The layer of a ``.zip`` (its ``.shp``'s name); may be omitted when it holds one ``.dbf``.
    """
    path = Path(path)
    raw = _dbf_head(path, layer)
    if raw is None:
        return None
    try:
        if pyogrio.read_info(path, layer=layer).get("encoding") != "ISO-8859-1":
            return None
    except Exception:  # noqa: BLE001 - unreadable: read_file says why
        return None
    raw = raw[32:]  # past the header's first record
    if raw.isascii():
        return None
    if _decoded(raw, "utf-8") is not None:
        return "utf-8"
    text = _decoded(raw, "gb18030")
    if text is not None and written_share(text) >= _GBK_WRITTEN_SHARE:
        return "gb18030"
    return None


def _dbf_head(path: Path, layer: str | None) -> bytes | None:
    """The first 64 kB of the ``.dbf`` a Shapefile layer is read from, beside its ``.shp`` or in a ``.zip``;
    None when there is none or a ``.cpg`` names its encoding."""
    size = 1 << 16
    if path.suffix.lower() == ".shp":
        dbf = path.with_suffix(".dbf")
        if not dbf.exists() or path.with_suffix(".cpg").exists():
            return None
        with dbf.open("rb") as f:
            return f.read(size)
    if path.suffix.lower() != ".zip" or not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        dbfs = [n for n in names if n.lower().endswith(".dbf")]
        mine = [n for n in dbfs if Path(n).stem == layer] or (dbfs if len(dbfs) == 1 else [])
        if not mine or any(n.lower() == mine[0][:-4].lower() + ".cpg" for n in names):
            return None
        with archive.open(mine[0]) as f:
            return f.read(size)


def _decoded(head: bytes, encoding: str) -> str | None:
    """``head`` of a file decoded, but for a character its end may cut (up to 3 bytes), or None."""
    for cut in range(4):
        try:
            return head[: len(head) - cut].decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _check_shapefile(path: Path, where: str) -> None:
    """Refuse a Shapefile without the files it cannot be read without."""
    if path.suffix.lower() != ".shp":
        return
    missing = [ext for ext in _SHAPEFILE_PARTS
               if not (path.with_suffix(ext).exists() or path.with_suffix(ext.upper()).exists())]
    if missing:
        raise InputError(f"{where}: the Shapefile's {' and '.join(missing)} file is missing; a Shapefile is "
                         "its .shp, .shx and .dbf files (and .prj, .cpg) together: copy them all")


def list_layers(path: Path) -> list[str]:
    """The layers of a GDAL source (a GeoJSON in GBK, a KMZ, read as :func:`read_layer` reads them), or an
    InputError saying in one line why it cannot be opened."""
    _check_shapefile(path, str(path))
    source = _gdal_source(path)
    try:
        names = [str(name) for name, _ in pyogrio.list_layers(source)]
        return [path.stem] if isinstance(source, io.BytesIO) else names
    except Exception as exc:
        # One layer of 3D solids (a TIN of the terrain) makes GDAL's listing fail for the whole GeoPackage;
        # its table of contents still names them, and only the layers gridkit reads need to be readable.
        contents = _gpkg_contents(path) if "Geometry type is not supported" in str(exc) else None
        if contents:
            return contents
        why = reason(exc)
        if "cannot open shared object file" in why:
            # GDAL has a driver for the format but not the library it loads (GeoParquet through ADBC needs
            # libduckdb): the file may be fine, this installation cannot read it.
            why += (f"; this installation's GDAL cannot read {path.suffix or 'such'} files: convert it to a "
                    f"GeoPackage elsewhere (ogr2ogr -f GPKG area.gpkg {path.name}, or QGIS) and give that")
        elif "not recognized" in why or "not a supported dataset" in why:
            why = "not map data in a format gridkit reads (GeoPackage, Shapefile, GeoJSON, KML, FlatGeobuf, " \
                  "OSM, or a folder or zip of them)"
        raise InputError(f"{path}: cannot be opened as a vector data source: {why}") from exc


def read_layers(path: str | Path, *, mask: Mask | None = None,
                only: tuple[str, ...] = LAYERS) -> dict[str, gpd.GeoDataFrame]:
    """Read gridkit's input layers from ``path``.

    ``path`` may be a multi-layer source (GeoPackage, SpatiaLite, ...), a folder
    holding one file per layer (``buildings.geojson``, ``roads.shp``, ...), a
    single-layer file (taken as ``buildings``), an OSM ``.osm``/``.pbf`` file, a Geofabrik
    Shapefile extract (``gis_osm_buildings_a_free_1.shp`` …, read as its OSM), or a PostGIS URL
    (``postgresql://…``, see :mod:`gridkit.io.postgis`).

    Parameters
    ----------
    path : str or Path
    mask : (geometry, CRS), optional
        Read only features intersecting this region (one street office of a
        city-wide source, in ``gridkit batch``).
    only : tuple of str
        The layers wanted (default: all of :data:`LAYERS`; ``buildings`` is always read).

    Returns
    -------
    dict
        Layer name -> GeoDataFrame, in the source CRS. Only layers present are
        included; ``buildings`` is always present.

    Raises
    ------
    InputError
        Missing or unreadable source, or no buildings layer.
    """
    wanted = tuple(n for n in LAYERS if n in only or n == "buildings")
    if postgis.is_postgis(path):
        where = postgis.redact(str(path))
        layers = postgis.read_layers(str(path), wanted, mask=mask)
    else:
        path = Path(path)
        where = str(path)
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        zipped = _zipped_folder(path)
        if path.is_dir():
            layers = _read_folder(path, mask, wanted)
        elif path.suffix.lower() in OSM_SUFFIXES:
            layers = {n: v for n, v in _read_osm(path, mask).items() if n in wanted}
        elif path.suffix.lower() == ".gz":
            return _read_gzipped(path, mask, wanted)
        elif zipped is not None:
            with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory(prefix="gridkit-zip-") as tmp:
                _unzip(archive, tmp)
                layers = _read_folder(Path(tmp) / zipped, mask, wanted)
        else:
            layers = _read_source(path, mask, wanted)
    if "buildings" not in layers:
        found = _layer_names(path) if isinstance(path, Path) and path.suffix.lower() not in OSM_SUFFIXES \
            and zipped is None else sorted(layers)
        raise InputError(f"{where}: has no 'buildings' layer (found: {', '.join(found) or 'none'}); "
                         f"name the layers {', '.join(LAYERS[:4])}, …")
    return layers


def _read_gzipped(path: Path, mask: Mask | None, wanted: tuple[str, ...]) -> dict[str, gpd.GeoDataFrame]:
    """A file compressed alone with gzip (``楼栋.geojson.gz``, ``town.gpkg.gz``, as mailed or downloaded), read
    as the file it holds, unpacked under its name; messages name the compressed file."""
    with tempfile.TemporaryDirectory(prefix="gridkit-gz-") as tmp:
        inner = Path(tmp) / path.stem
        try:
            with gzip.open(path) as packed, inner.open("wb") as out:
                shutil.copyfileobj(packed, out)
        except (OSError, EOFError) as exc:  # not gzip, cut short, or no room to unpack
            raise InputError(f"{path}: cannot be unpacked: {reason(exc)}") from exc
        try:
            return read_layers(inner, mask=mask, only=wanted)
        except InputError as exc:
            raise InputError(str(exc).replace(str(inner), str(path))) from exc


def area_source(path: str | Path, layer: str | None = None) -> str | None:
    """The input :func:`read_layers` would read a layer shown in a GIS from, or None if it is no input layer.

    ``layer`` of a multi-layer source (a GeoPackage's ``boundary``) belongs to that source when it is named
    as one of :data:`LAYERS` and the source holds a buildings layer; a single-layer file so named
    (``roads.shp``) belongs to its folder when the folder holds a buildings file (a folder of layers), else a
    buildings file is the area itself. Any layer of an OSM file belongs to the file. Nothing is read
    but layer and file names; a grid layer drawn elsewhere (``网格.shp``) is no input layer.

    Parameters
    ----------
    path : str or Path
        The file the layer is read from.
    layer : str, optional
        The layer's name inside it (None for a single-layer file).

    Returns
    -------
    str or None
        The file or folder to give :func:`read_layers`.
    """
    path = Path(path)
    if not path.is_file():
        return None
    if path.suffix.lower() in OSM_SUFFIXES:
        return str(path)
    try:
        names = list_layers(path)
    except InputError:
        return None
    name = layer or (names[0] if len(names) == 1 else None)
    if name is None or _known(name) is None:
        return None
    if len(names) == 1 and any(_known(Path(f).stem) == "buildings" for f in _layer_names(path.parent)):
        return str(path.parent)
    return str(path) if any(_known(n) == "buildings" for n in names) else None


def _zipped_folder(path: Path) -> str | None:
    """The folder of a ``.zip`` to read once it is extracted (:func:`_unzip`): the one folder it holds, when
    everything in it is inside that folder (a folder zipped whole, as Windows' "Send to > Compressed folder"
    does, which GDAL does not open as a source), or its root (``""``) when names in it are in a Windows code
    page, which GDAL would read as mojibake. None for any other file or zip (GDAL reads a zip of layers at
    its root itself)."""
    if path.suffix.lower() != ".zip" or not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as archive:
        named = _zip_names(archive)
    names = [n for _, n in named if not n.startswith("__MACOSX/")]
    tops = {n.split("/")[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop()
    return "" if any(n != info.filename for info, n in named) else None


#: The flag of a zip entry whose name is UTF-8; without it the name is in the zipping system's code page.
_ZIP_UTF8 = 0x800


def _zip_names(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, str]]:
    """Each entry of ``archive`` with its name as written: one without the UTF-8 flag that is not ASCII was
    written in the code page of the Windows that zipped it (GBK on a Chinese one: 建筑物.shp), not in the
    CP437 :mod:`zipfile` takes it for, unless its bytes are UTF-8 (tools that leave the flag out)."""
    named = []
    for info in archive.infolist():
        name = info.filename
        if not info.flag_bits & _ZIP_UTF8 and not name.isascii():
            raw = name.encode("cp437")
            for codec in ("utf-8", "gb18030"):
                try:
                    name = raw.decode(codec)
                    break
                except UnicodeDecodeError:
                    continue
        named.append((info, name))
    return named


def _unzip(archive: zipfile.ZipFile, folder: str) -> None:
    """Extract ``archive`` into ``folder``, every entry under its name as written (:func:`_zip_names`)."""
    for info, name in _zip_names(archive):
        info.filename = name
        archive.extract(info, folder)


def _gpkg_contents(path: Path) -> list[str] | None:
    """The layers a GeoPackage's ``gpkg_contents`` table names; None when it is not one."""
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            return [str(row[0]) for row in db.execute("SELECT table_name FROM gpkg_contents")]
    except sqlite3.Error:
        return None


def _layer_names(path: Path) -> list[str]:
    """The layers of a source, or the per-layer files of a folder, as named there."""
    if path.is_dir():
        return [f.name for f in sorted(path.iterdir()) if f.suffix.lower() in _VECTOR_SUFFIXES]
    return list_layers(path)


def _known(name: str) -> str | None:
    """The gridkit layer ``name`` stands for, in any case (``Buildings``, ``ROADS``, ``streets``); None if none."""
    key = name.strip().lower()
    if key in LAYERS:
        return key
    keys = (key, key[:-1]) if key.endswith(_GEOMETRY_SUFFIXES) else (key,)
    return next((layer for k in keys for layer, others in LAYER_NAMES.items() if k in others), None)


def _chosen(names: list[str], wanted: tuple[str, ...]) -> dict[str, list[int]]:
    """Which of ``names`` (layers, or file stems) to read as each wanted gridkit layer, by position: those
    named exactly as gridkit reads it, else those going by one of its other names (:data:`LAYER_NAMES`)."""
    exact: dict[str, list[int]] = {}
    other: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        layer = _known(n)
        if layer is not None and layer in wanted:
            (exact if n.strip().lower() == layer else other).setdefault(layer, []).append(i)
    return {layer: exact.get(layer) or other[layer] for layer in LAYERS if layer in exact or layer in other}


def _read_source(path: Path, mask: Mask | None, wanted: tuple[str, ...]) -> dict[str, gpd.GeoDataFrame]:
    names = list_layers(path)
    themes = _geofabrik_themes(names, wanted)
    if themes:
        return _read_geofabrik(themes, lambda i: read_layer(path, names[i], f"{path}, layer '{names[i]}'", mask),
                               wanted)
    if not any(_known(n) for n in names) and len(names) == 1:
        # A single-layer file (GeoJSON, Shapefile) is a buildings layer, unless it is OSM's features, tags and all.
        frame = read_layer(path, names[0], f"{path}", mask)
        if _osm_features(frame):
            return {name: layer for name, layer in _osm_tagged_layers(frame).items() if name in wanted}
        drawing = _cad_layers(frame, f"{path}")
        if drawing is not None:
            return {name: layer for name, layer in drawing.items() if name in wanted}
        return {"buildings": frame}
    return {layer: _read_theme([names[i] for i in found],
                               lambda name: read_layer(path, name, f"{path}, layer '{name}'", mask),
                               f"{path}: has two layers for '{layer}'")
            for layer, found in _chosen(names, wanted).items()}


def _read_folder(path: Path, mask: Mask | None, wanted: tuple[str, ...]) -> dict[str, gpd.GeoDataFrame]:
    files = [f for f in sorted(path.iterdir()) if f.suffix.lower() in _VECTOR_SUFFIXES]
    themes = _geofabrik_themes([f.stem for f in files], wanted)
    if themes:
        return _read_geofabrik(themes, lambda i: read_layer(files[i], None, f"{files[i]}", mask), wanted)
    by_name = {f.name: f for f in files}
    return {layer: _read_theme([files[i].name for i in found],
                               lambda name: read_layer(by_name[name], None, f"{by_name[name]}", mask),
                               f"{path}: has two files for layer '{layer}'")
            for layer, found in _chosen([f.stem for f in files], wanted).items()}


def _read_theme(names: list[str], read: Callable[[str], gpd.GeoDataFrame], twice: str) -> gpd.GeoDataFrame:
    """The one gridkit layer the source's layers (or files) ``names`` are (``read`` reads one), named as they are.

    Several are one theme split by geometry (水系面 and 水系线: a river drawn as polygons, streams as lines), read
    together as one layer holding both would be, in the first one's CRS; but two holding the same kind of geometry
    (two polygon layers of buildings) leave which is meant unknown, and are refused (``twice`` says where)."""
    frames = [read(name) for name in names]
    if len(frames) == 1:
        return _named(frames[0], names[0])
    held = [set(shapely.get_dimensions(_drawn_geometries(frame))) for frame in frames]
    for i, j in itertools.combinations(range(len(names)), 2):
        if held[i] & held[j]:
            kind = _DIMENSION_NAMES[min(held[i] & held[j])]
            raise InputError(f"{twice} ({names[i]}, {names[j]}), both holding {kind}: which to read is unknown; "
                             "keep one, or merge them into one layer")
    crs = frames[0].crs
    merged = pd.concat([frame if frame.crs is None or crs is None else frame.to_crs(crs) for frame in frames],
                       ignore_index=True)
    return _named(gpd.GeoDataFrame(merged, geometry=frames[0].geometry.name, crs=crs), " + ".join(names))


#: A geometry's dimension (:func:`shapely.get_dimensions`) as messages name the kind.
_DIMENSION_NAMES = {0: "points", 1: "lines", 2: "polygons"}


def _drawn_geometries(frame: gpd.GeoDataFrame) -> np.ndarray:
    """The geometries of ``frame`` that are drawn (neither missing nor empty)."""
    geoms = frame.geometry.to_numpy()
    return geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]


def _geofabrik_themes(names: list[str], wanted: tuple[str, ...]) -> dict[str, int]:
    """The position among ``names`` (layers, or file stems) of each Geofabrik theme gridkit reads, when they are a
    Geofabrik extract: its buildings are there and no layer is named as gridkit reads one (those win)."""
    themes: dict[str, int] = {}
    for i, name in enumerate(names):
        found = _GEOFABRIK.fullmatch(name.strip())
        if found and found.group(1).lower() in _GEOFABRIK_THEMES:
            themes.setdefault(found.group(1).lower(), i)
    return themes if "buildings_a" in themes and not _chosen(names, wanted) else {}


def _read_geofabrik(themes: dict[str, int], read: Callable[[int], gpd.GeoDataFrame],
                    wanted: tuple[str, ...]) -> dict[str, gpd.GeoDataFrame]:
    """gridkit's layers from a Geofabrik extract's themes (``read`` reads the one at a position): each turned into
    the form GDAL reads an .osm in, so the OSM rules (:func:`_osm_layers`) read them. ``fclass`` holds the
    value of the theme's key (highway, railway, waterway, landuse, amenity …), ``T``/``F`` bridge and tunnel, a
    building's ``type`` its ``building=*`` value (none for ``yes``); ``track_grade1``–``5`` are tracks."""
    got = {theme: read(i) for theme, i in themes.items()}
    crs = got["buildings_a"].crs

    def osm(theme: str, **columns: Callable[[gpd.GeoDataFrame], pd.Series]) -> pd.DataFrame:
        # An area's id is its way's, as GDAL gives a closed way's (``osm_id`` is a relation's there).
        frame = got.get(theme)
        if frame is None:
            return pd.DataFrame({"geometry": pd.Series([], dtype=object)})
        ids = {"osm_id": frame.get("osm_id")}
        if theme.endswith("_a"):
            ids = {"osm_id": pd.Series(None, index=frame.index, dtype=object), "osm_way_id": frame.get("osm_id")}
        own = {name: make(frame) for name, make in columns.items()}
        return pd.DataFrame({**ids, "name": frame.get("name"), **own, "geometry": frame.geometry.to_numpy()},
                            index=frame.index)

    def fclass(frame: gpd.GeoDataFrame) -> pd.Series:
        return frame["fclass"].astype(object) if "fclass" in frame else pd.Series(None, index=frame.index, dtype=object)

    def yes(key: str) -> Callable[[gpd.GeoDataFrame], pd.Series]:
        return lambda frame: frame.get(key, pd.Series("F", index=frame.index)).astype(str).str.upper().eq("T").map(
            {True: "yes", False: None})

    def tags(**values: Callable[[gpd.GeoDataFrame], pd.Series]) -> Callable[[gpd.GeoDataFrame], pd.Series]:
        return lambda frame: _hstore({key: value(frame) for key, value in values.items()}, frame.index)

    water = got.get("water_a")
    if water is not None:
        got["water_a"] = water[fclass(water).isin(_GEOFABRIK_WATER)]
    polys = [osm("buildings_a", building=lambda f: f.get("type", pd.Series(None, index=f.index))
                 .astype(object).fillna("yes")),
             osm("landuse_a", landuse=fclass),
             osm("water_a", natural=lambda f: pd.Series(WATER, index=f.index),
                 other_tags=tags(water=fclass)),
             osm("pois_a", amenity=fclass)]
    lines = [osm("roads", highway=lambda f: fclass(f).str.replace(r"^track_grade\d$", "track", regex=True),
                 other_tags=tags(bridge=yes("bridge"), tunnel=yes("tunnel"))),
             osm("railways", other_tags=tags(railway=fclass, tunnel=yes("tunnel"))),
             osm("waterways", waterway=fclass)]
    points = [osm("pois", other_tags=tags(amenity=fclass))]
    layers = _osm_layers(*(gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=crs)
                           for parts in (polys, lines, points)))
    return {name: layer for name, layer in layers.items() if name in wanted and (len(layer) or name == "buildings")}


def _osm_features(frame: gpd.GeoDataFrame) -> bool:
    """Whether ``frame`` is OSM's features with their tags as columns: some of them buildings, keys of others
    (highway, landuse …) there too, and OSM's ids (``way/123``) or lines among the polygons. An office's footprints
    with a ``landuse`` column and some uses left blank are buildings all the same."""
    if "building" not in frame or not frame["building"].isna().any() \
            or not any(key in frame for key in _OSM_FEATURE_KEYS):
        return False
    osm_ids = _osm_ids(frame).str.fullmatch(_OSM_ID.pattern).mean() > 0.5
    return bool(osm_ids or frame.geom_type.isin(("LineString", "MultiLineString")).any())


def _osm_ids(frame: gpd.GeoDataFrame) -> pd.Series:
    """Each feature's OSM id as text (``way/123``), from ``@id`` (overpass turbo) or ``id`` (``"None"`` without)."""
    return frame.get("@id", frame.get("id", pd.Series(None, index=frame.index, dtype=object))).astype(str)


def _osm_tagged_layers(frame: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """gridkit's layers from OSM's features with their tags as columns (:func:`_osm_features`), read as an .osm:
    each geometry type is the layer GDAL's OSM driver gives it in, with the tags it gives as columns
    (:data:`_OSM_COLUMNS`) and the others in ``other_tags``."""
    found = _osm_ids(frame).str.extract(_OSM_ID)
    tags = [c for c in frame.columns if c != frame.geometry.name and c not in ("@id", "id") and frame[c].notna().any()]
    kinds = {"multipolygons": ("Polygon", "MultiPolygon"), "lines": ("LineString", "MultiLineString"),
             "points": ("Point",)}
    layers = []
    for layer, types in kinds.items():
        part = frame[frame.geom_type.isin(types)]
        kind, number = found.loc[part.index, 0], found.loc[part.index, 1]
        own = [c for c in _OSM_COLUMNS[layer] if c in tags]
        # GDAL gives a closed way's id as osm_way_id, a relation's as osm_id.
        way = kind.eq("way") if layer == "multipolygons" else pd.Series(False, index=part.index)
        columns = {"osm_id": number.where(~way), "osm_way_id": number.where(way), **{c: part[c] for c in own},
                   "other_tags": _hstore({c: part[c] for c in tags if c not in own}, part.index)}
        layers.append(gpd.GeoDataFrame(columns, geometry=part.geometry, crs=frame.crs))
    return _osm_layers(*layers)


def _hstore(tags: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    """OSM ``tags`` written as GDAL's ``other_tags`` (``"bridge"=>"yes"``, a quote or backslash escaped as GDAL
    escapes it), a tag left out where it is null; a number (a GeoJSON's ``"building:levels": 6``) as its text."""
    def text(value: object) -> str:
        return str(value).replace("\\", "\\\\").replace('"', '\\"')

    def one(values: tuple[object, ...]) -> str | None:
        pairs = [f'"{text(k)}"=>"{text(v)}"' for k, v in zip(tags, values, strict=True)
                 if v is not None and not (isinstance(v, float) and v != v)]
        return ",".join(pairs) or None
    return pd.Series([one(v) for v in zip(*tags.values(), strict=True)] if tags else None, index=index, dtype=object)


#: The column a CAD drawing read as one layer gives each feature's CAD layer in: GDAL reads a DXF as one layer,
#: ``entities``, with it (and ``EntityHandle``, each entity's CAD id), as CAD exports to Shapefiles keep it.
_CAD_LAYER = "Layer"
_CAD_ENTITY = "EntityHandle"


def _cad_layers(frame: gpd.GeoDataFrame, where: str) -> dict[str, gpd.GeoDataFrame] | None:
    """gridkit's layers from a CAD drawing read as one layer, split by CAD layer (:data:`_CAD_LAYER`), each read
    as :data:`LAYER_NAMES` reads a layer's name (JMD or 房屋面: buildings; every CAD layer of one theme together).
    None when ``frame`` is no drawing: no CAD layer column, or (not a DXF) none of its CAD layers is one gridkit
    reads.

    A building's closed polyline is its footprint (CAD draws houses so; GDAL gives them as lines). Text and
    points (CASS's annotation on JMD), and the CAD layers gridkit does not read (ZJ annotation, GCD elevation
    points, ZBTZ vegetation, DGX contours …), are left out, logged (``log.cad_left_out``); how each CAD layer was
    read is logged too (``log.cad_layers``). A drawing with no building layer is refused, its CAD layers named."""
    if _CAD_LAYER not in frame:
        return None
    cad = frame[_CAD_LAYER].fillna("").astype(str).str.strip()
    theme = cad.map(_known)
    if theme.isna().all() and _CAD_ENTITY not in frame:
        return None
    if not theme.eq("buildings").any():
        raise InputError(f"{where}: a CAD drawing with no layer of buildings (its CAD layers: "
                         f"{', '.join(sorted(set(cad))) or 'none'}); put the buildings on a layer named JMD, 房屋 "
                         "or buildings")
    geoms = frame.geometry.to_numpy()
    point = shapely.get_dimensions(geoms) == 0
    read = theme.notna() & ~point
    footprint = read & theme.eq("buildings") & shapely.is_closed(geoms) & (shapely.get_type_id(geoms) == 1)
    drawn = frame.copy()
    drawn.loc[footprint, drawn.geometry.name] = [shapely.Polygon(line.coords) for line in geoms[footprint]]
    out = {layer: _named(gpd.GeoDataFrame(drawn[read & theme.eq(layer)].reset_index(drop=True), crs=frame.crs),
                         " + ".join(sorted(set(cad[read & theme.eq(layer)]))))
           for layer in LAYERS if (read & theme.eq(layer)).any() or layer == "buildings"}
    notes = [("cad_layers", "; ".join(f"{name}: {layer} {count}" for (name, layer), count
                                      in pd.DataFrame({"cad": cad, "layer": theme})[read].value_counts(sort=False)
                                      .sort_index().items()))]
    if (~read).any():
        left = pd.Series(np.where(theme.isna(), "not read", "points or text"), index=frame.index)[~read]
        notes.append(("cad_left_out", "; ".join(f"{name}: {count} ({why})" for (name, why), count
                                                in pd.DataFrame({"cad": cad[~read], "why": left}).value_counts(
                                                    sort=False).sort_index().items())))
    out["buildings"].attrs[READ_NOTES] = notes
    return out


#: The key of a layer frame's ``attrs`` holding what reading it did that the run log tells (a CAD drawing's layers
#: read and left out): (key, text) pairs for ``Area.log``.
READ_NOTES = "read_notes"


#: The key of a layer frame's ``attrs`` holding the name the source gave it (建筑, buildings.shp), for messages:
#: an office whose layer is 边界 was told of a layer 'boundary' it does not have.
SOURCE_NAME = "source_name"


def _named(frame: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    frame.attrs[SOURCE_NAME] = name
    return frame


def _parse_other_tags(series: pd.Series, keys: tuple[str, ...]) -> pd.DataFrame:
    """Pull ``keys`` out of GDAL's OSM ``other_tags`` hstore strings."""
    parsed = [dict(_OTHER_TAG.findall(s)) if isinstance(s, str) else {} for s in series]
    return pd.DataFrame({k: [d.get(k) for d in parsed] for k in keys}, index=series.index)


def _osm_water(polys: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The areas of water among OSM's multipolygons (``natural=water``, ``water=*``, ``waterway=riverbank|dock``,
    ``landuse=reservoir|basin``; not a building), as barrier polygons: ``barrier_type`` ``water``, ``kind`` the
    ``water=*`` value, else the waterway or landuse one, else ``water``."""
    tags = _parse_other_tags(polys.get("other_tags", pd.Series(index=polys.index, dtype=object)), ("water", "waterway"))
    landuse = polys["landuse"] if "landuse" in polys else pd.Series(None, index=polys.index, dtype=object)
    natural = polys["natural"] if "natural" in polys else pd.Series(None, index=polys.index, dtype=object)
    is_water = (natural.eq(WATER) | tags["water"].notna() | tags["waterway"].isin(_OSM_WATER_WATERWAYS)
                | landuse.isin(_OSM_WATER_LANDUSE))
    if "building" in polys:
        is_water &= polys["building"].isna()
    kind = tags["water"].fillna(tags["waterway"].where(tags["waterway"].isin(_OSM_WATER_WATERWAYS)))
    kind = kind.fillna(landuse.where(landuse.isin(_OSM_WATER_LANDUSE))).fillna(WATER)
    keep = [c for c in ("osm_id", "osm_way_id", "name") if c in polys]
    return gpd.GeoDataFrame(polys.loc[is_water, keep].assign(barrier_type=WATER, kind=kind[is_water]),
                            geometry=polys.geometry[is_water], crs=polys.crs)


def _read_osm(path: Path, mask: Mask | None) -> dict[str, gpd.GeoDataFrame]:
    where = f"{path}"
    polys = read_layer(path, "multipolygons", f"{where}, layer 'multipolygons'", mask)
    lines = read_layer(path, "lines", f"{where}, layer 'lines'", mask)
    points = read_layer(path, "points", f"{where}, layer 'points'", mask)
    return _osm_layers(polys, lines, points)


def _osm_layers(polys: gpd.GeoDataFrame, lines: gpd.GeoDataFrame,
                points: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """gridkit's layers from OSM features as GDAL's OSM driver gives them: its ``multipolygons``, ``lines`` and
    ``points`` layers, a few keys as columns and the other tags in ``other_tags``."""
    out: dict[str, gpd.GeoDataFrame] = {}

    bld = polys[polys["building"].notna()].copy() if "building" in polys else polys.iloc[:0].copy()
    tags = _parse_other_tags(bld.get("other_tags", pd.Series(index=bld.index, dtype=object)),
                             ("building:levels", "height", "addr:street", "addr:housenumber"))
    bld = pd.concat([bld.drop(columns=[c for c in tags if c in bld]), tags], axis=1)
    bld["id"] = bld["osm_way_id"].fillna(bld["osm_id"]) if "osm_way_id" in bld else bld.get("osm_id")
    out["buildings"] = gpd.GeoDataFrame(bld, geometry="geometry", crs=polys.crs)

    if "highway" in lines:
        roads = lines[lines["highway"].notna()].copy()
        rt = _parse_other_tags(roads.get("other_tags", pd.Series(index=roads.index, dtype=object)),
                               ("bridge", "tunnel", "service"))
        out["roads"] = gpd.GeoDataFrame(pd.concat([roads, rt], axis=1), geometry="geometry", crs=lines.crs)

    water = lines["waterway"].isin(_OSM_BARRIER_WATERWAYS + _OSM_SMALL_WATERWAYS) if "waterway" in lines else False
    walls = lines["barrier"].isin(_OSM_WALLS) if "barrier" in lines else False
    rail_tags = _parse_other_tags(lines.get("other_tags", pd.Series(index=lines.index, dtype=object)),
                                  ("railway", "tunnel", "natural"))
    rail = rail_tags["railway"].isin(_OSM_BARRIER_RAILWAYS) & rail_tags["tunnel"].isna()
    if "railway" in lines:
        rail = rail | (lines["railway"].isin(_OSM_BARRIER_RAILWAYS) & rail_tags["tunnel"].isna())
    coast = rail_tags["natural"].eq(COASTLINE)
    if "natural" in lines:
        coast = coast | lines["natural"].eq(COASTLINE)
    barriers = lines[water | rail | walls | coast].copy()
    if len(barriers):
        kind = rail_tags.loc[barriers.index, "railway"]
        for tag in ("barrier", "waterway"):
            if tag in barriers:
                kind = barriers[tag].fillna(kind)
        barriers["kind"] = kind
        kinds = pd.Series("railway", index=barriers.index, dtype=object)
        if not isinstance(water, bool):
            kinds[water[barriers.index]] = WATERWAY
        if not isinstance(walls, bool):
            kinds[walls[barriers.index]] = barriers["barrier"][walls[barriers.index]]
        kinds[coast[barriers.index]] = COASTLINE
        barriers["barrier_type"] = kinds
    areas = _osm_water(polys)
    if len(barriers) or len(areas):
        out["barriers"] = gpd.GeoDataFrame(pd.concat([barriers, areas], ignore_index=True) if len(areas)
                                           else barriers, geometry="geometry", crs=lines.crs)

    kind = polys["landuse"] if "landuse" in polys else pd.Series(None, index=polys.index, dtype=object)
    if "amenity" in polys:
        # Campuses and hospitals are often mapped as amenity=* areas without a landuse tag.
        not_building = polys["building"].isna() if "building" in polys else True
        kind = kind.fillna(polys["amenity"].where(not_building))
    if kind.notna().any():
        lu = polys[kind.notna()].copy()
        lu["kind"] = kind[kind.notna()]
        out["landuse"] = gpd.GeoDataFrame(lu, geometry="geometry", crs=polys.crs)

    pt = _parse_other_tags(points.get("other_tags", pd.Series(index=points.index, dtype=object)),
                           ("amenity", "shop", "tourism", "office"))
    kind = pt["amenity"].fillna(pt["tourism"]).fillna(pt["office"]).fillna(pt["shop"])
    pois = points[kind.notna()].copy()
    pois["kind"] = kind[kind.notna()]
    out["pois"] = gpd.GeoDataFrame(pois, geometry="geometry", crs=points.crs)
    return out
