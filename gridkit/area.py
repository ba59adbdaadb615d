"""The input area: boundary, roads, barriers, buildings and context layers, cleaned
and in one local metric CRS.

:func:`read_area` is the single entry point from files; :func:`area_from_layers`
does the same from GeoDataFrames already in memory (notebooks, the QGIS plugin).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .crs import check_coordinates, gcj02_to_wgs84, given_crs, local_metric_crs
from .profile import Profile, load_profile
from .errors import InputError, NoBuildings
from .geometry import convex_hull, overlap_pairs, prepared
from .io import postgis
from .io.read import READ_NOTES, SOURCE_NAME, read_layers
from .io.tables import normalise_header
from .io.values import counts, listed, shown, truthy, why_not_counts
from .lines import COASTLINE, ROAD, WATER, WATERWAY, landuse_edges, split_barriers
from .register import COLUMN_ALIASES as REGISTER_COLUMNS

__all__ = ["Area", "read_area", "area_from_layers", "water_areas", "LINE_REACH_M", "COLUMN_NAMES"]

#: Roads and barriers are kept this far beyond the boundary (m), so a street along the boundary and
#: the ends of streets crossing it take part in cutting blocks. A reader of one area out of a larger
#: source (``gridkit batch``) must read at least this far around it.
LINE_REACH_M = 50.0

#: Other names the columns gridkit reads go by, per layer: the 10-character names GDAL gives them in a
#: Shapefile (``addr_stree``, ``barrier_ty``) and the Chinese headers of offices' own data (the
#: register's words, :data:`gridkit.register.COLUMN_ALIASES`, for ids, addresses and counts). Compared by
#: :func:`gridkit.io.tables.normalise_header`; a column is renamed only when the layer has no column of
#: that name (``log.<layer>_columns_renamed``).
COLUMN_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "buildings": {
        # ``id`` and ``address`` are read as they are (building ids, addresses): never renamed.
        "building_id": ("building_i", *(a for a in REGISTER_COLUMNS["building_id"] if a != "id"),
                        *REGISTER_COLUMNS["building_number"]),
        "households": REGISTER_COLUMNS["households"],
        "population": REGISTER_COLUMNS["population"],
        "building": ("用途", "房屋用途", "建筑用途", "规划用途", "使用用途", "使用性质", "建筑性质", "房屋性质"),
        "building:levels": ("building_l", "building_levels"),
        "levels": ("层数", "楼层数", "地上层数", "建筑层数", "楼层", "floors", "storeys"),
        "height": ("高度", "建筑高度", "楼高", "height_m"),
        "name": ("名称", "建筑名称", "建筑物名称", "楼宇名称", "楼栋名称"),
        "addr:street": ("addr_stree", *REGISTER_COLUMNS["street"]),
        "addr:housenumber": ("addr_house", "housenumber", "门牌号", "门牌", "门牌号码"),
        "addr:full": ("addr_full", *(a for a in REGISTER_COLUMNS["address"] if a not in ("address", "门牌号", "门牌"))),
        "addr:place": ("addr_place", *REGISTER_COLUMNS["compound"]),
    },
    "roads": {"name": ("路名", "道路名称", "名称"), "highway": ("道路等级",)},
    "barriers": {"barrier_type": ("barrier_ty", "障碍类型"), "name": ("名称",)},
    "water": {"barrier_type": ("barrier_ty", "障碍类型"), "name": ("名称", "水系名称", "河流名称", "水体名称")},
    "landuse": {"kind": ("用地性质", "用地类型", "用地分类", "地类名称", "用途"), "name": ("名称",)},
    "boundary": {"name": ("名称", "街道名称", "街道", "街乡名称"),
                 "code": ("代码", "编码", "区划代码", "行政区划代码", "街道代码", "街道编码")},
}


@dataclass(frozen=True)
class Area:
    """One area to divide, cleaned and in a local metric CRS.

    Attributes
    ----------
    boundary : shapely (Multi)Polygon
        The area to divide.
    roads : GeoDataFrame
        Lines with ``highway`` (OSM class), ``name``, ``bridge`` (bool).
    barriers : GeoDataFrame
        Lines no grid may cross (rivers, canals, railways) and the soft lines a boundary may follow
        (walls, fences, streams, and the outlines of landuse polygons of the profile's
        ``lines.landuse_edge_kinds``, ``barrier_type`` ``landuse_edge``): :func:`gridkit.lines.split_barriers`.
    buildings : GeoDataFrame
        Polygons with ``building_id`` (str) and the input columns.
    landuse, pois, existing : GeoDataFrame or None
        Context layers when the input has them.
    crs : pyproj.CRS
        The local metric CRS all geometry is in.
    name, code : str
        The boundary layer's ``name`` and ``code`` (empty when it has none): what the plan, its maps
        and reports are titled by, and the administrative code of the street office.
    log : list of (str, str)
        What cleaning did, for the plan's ``run`` table.
    left_out : GeoDataFrame or None
        The buildings the boundary left out (less than ``cleaning.inside_share`` of them inside), with
        ``building_id`` as the source gave it: a register row naming one is told so
        (:func:`gridkit.register.match_register`).
    """

    boundary: shapely.Geometry
    roads: gpd.GeoDataFrame
    barriers: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    crs: CRS
    landuse: gpd.GeoDataFrame | None = None
    pois: gpd.GeoDataFrame | None = None
    existing: gpd.GeoDataFrame | None = None
    source: str = ""
    source_hash: str = ""
    source_crs: str = ""
    from_gcj02: bool = False
    log: list[tuple[str, str]] = field(default_factory=list)
    name: str = ""
    code: str = ""
    left_out: gpd.GeoDataFrame | None = None


def _file_hash(path: Path) -> str:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
    else:
        files = [path]
    h = hashlib.sha256()
    for f in files:
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def read_area(
    path: str | Path,
    *,
    from_gcj02: bool = False,
    profile: Profile | str | None = None,
    hull_buffer_m: float | None = None,
    within: tuple[gpd.GeoDataFrame, str] | None = None,
    crs: str | None = None,
) -> Area:
    """Read and clean an input area from a file or folder.

    Parameters
    ----------
    path : str or Path
        GeoPackage, GeoJSON, Shapefile, any GDAL vector source, a folder of
        per-layer files, an OSM ``.osm``/``.pbf`` file, or a PostGIS URL
        (``postgresql://…?schema=…``; the run table records it without its password).
    from_gcj02 : bool
        The input is in GCJ-02 lon/lat; convert it to WGS 84 first.
    profile : Profile or str, optional
        Whose ``[cleaning]`` rules and ``blocks.hull_buffer_m`` apply (default: ``default``).
    hull_buffer_m : float, optional
        Buffer around the buildings' hull when there is no boundary layer (default: the profile's).
    within : (GeoDataFrame, str), optional
        Polygons whose union is the area to divide instead of the input's boundary (the grids of a
        division made elsewhere, :mod:`gridkit.adopt`), and what messages call them; the input
        boundary's ``name`` and ``code`` still title the area.
    crs : str, optional
        The CRS of layers that name none (a Shapefile without its ``.prj``, as CAD exports leave them; a DXF),
        e.g. ``EPSG:4549``; a layer naming its own keeps it (:func:`area_from_layers`).

    Returns
    -------
    Area

    Raises
    ------
    InputError
        One clear message naming the file, layer, feature and problem.

    Examples
    --------
    >>> area = read_area("data/samples/hk_tsim_sha_tsui.gpkg")
    >>> area.crs.to_epsg()
    32650
    """
    layers = read_layers(path)
    if postgis.is_postgis(path):
        where, digest = postgis.redact(str(path)), postgis.layers_hash(layers)
    else:
        where, digest = str(Path(path)), _file_hash(Path(path))
    boundary_where = None
    if within is not None:
        polygons, boundary_where = within
        given = layers.get("boundary")
        labels = {col: [_boundary_label(given, col)] for col in ("name", "code")} if given is not None else {}
        layers = {**layers, "boundary": gpd.GeoDataFrame(labels, geometry=[shapely.union_all(shapely.make_valid(
            polygons.geometry.values.to_numpy()))], crs=polygons.crs)}
    area = area_from_layers(layers, where=where, from_gcj02=from_gcj02, profile=profile, hull_buffer_m=hull_buffer_m,
                            boundary_where=boundary_where, crs=crs)
    return Area(**{**area.__dict__, "source": where, "source_hash": digest})


def area_from_layers(
    layers: dict[str, gpd.GeoDataFrame],
    *,
    where: str = "input",
    from_gcj02: bool = False,
    profile: Profile | str | None = None,
    hull_buffer_m: float | None = None,
    boundary_where: str | None = None,
    crs: str | None = None,
) -> Area:
    """Build an :class:`Area` from in-memory layers (see :func:`read_area`); ``boundary_where`` is what
    messages call the boundary (default: the ``boundary`` layer), ``crs`` that of layers naming none
    (``log.layers_crs_given``)."""
    rules = profile if isinstance(profile, Profile) else load_profile(profile or "default")
    clean = rules.cleaning
    hull_buffer_m = rules.blocks.hull_buffer_m if hull_buffer_m is None else hull_buffer_m
    log: list[tuple[str, str]] = []
    if "buildings" not in layers:
        raise InputError(f"{where}: has no 'buildings' layer")
    # Messages name a layer as its source does (建筑, buildings.shp), else by gridkit's name for it.
    at = {k: f"{where}, layer '{v.attrs.get(SOURCE_NAME, k)}'" for k, v in layers.items() if v is not None}
    log.extend(note for v in layers.values() if v is not None for note in v.attrs.get(READ_NOTES, ()))
    layers = {k: _named_columns(v, k, log) for k, v in layers.items() if v is not None}
    if crs is not None:
        layers = _with_crs(layers, crs, log)
    for name, gdf in layers.items():
        _check_layer_crs(gdf, at[name], from_gcj02)
    source_crs = layers["buildings"].crs
    if from_gcj02:
        layers = {k: _from_gcj02(v) for k, v in layers.items()}
    if len(_drop_empty(layers["buildings"])) == 0:
        raise InputError(f"{at['buildings']}: has no features with a geometry")
    centre = _lonlat_centre(layers["buildings"])
    metric = local_metric_crs(CRS.from_user_input(layers["buildings"].crs), centre)
    layers = _water_as_barriers({k: v.to_crs(metric) for k, v in layers.items()}, log)

    here = at["buildings"]
    buildings = _clean_polygons(_read_counts(layers["buildings"], here), here, log, "buildings",
                                clean.min_footprint_m2)
    if len(buildings) == 0:
        raise InputError(f"{here}: {_no_footprint(layers['buildings'], clean.min_footprint_m2)}")
    if "boundary" in layers:
        # Its pieces' names are joined in this order, and their union starts where its first piece does.
        layers["boundary"] = _in_content_order(layers["boundary"])
    boundary = _boundary(layers.get("boundary"), buildings, hull_buffer_m,
                         boundary_where or at.get("boundary", f"{where}, layer 'boundary'"), log,
                         layers.get("barriers"))
    if _drawn(layers.get("boundary")) is None:
        boundary = _off_water(boundary, water_areas(layers.get("barriers"), rules), _bridges(layers.get("roads")),
                              buildings.geometry.values.to_numpy(), rules.blocks.road_match_m, log)
    boundary = shapely.normalize(boundary)
    name, code = (_boundary_label(layers["boundary"], col) for col in ("name", "code")) \
        if "boundary" in layers else ("", "")
    kept = _inside(buildings, boundary, log, clean.inside_share)
    inside, left_out = buildings[kept].reset_index(drop=True), buildings[~kept]
    left_out = left_out.assign(building_id=_building_ids(left_out)[1]).drop(columns=["_number"])
    if len(inside) == 0:
        gap = shapely.distance(boundary, shapely.union_all(buildings.geometry.values))
        why = f"the nearest is {gap / 1000:.3g} km from it: are both layers' CRS right?" if gap > 0 else \
            f"none has {clean.inside_share:.0%} of its footprint inside (cleaning.inside_share)"
        inside_of = boundary_where or at.get("boundary", f"{where}, layer 'boundary'").removeprefix(f"{where}, ")
        raise NoBuildings(f"{here}: no building lies inside the boundary ({inside_of}); {why}")
    buildings = _merge_duplicates(inside, log, clean.duplicate_overlap)
    buildings["building_id"], buildings["_given_id"] = _building_ids(buildings)
    buildings = buildings.drop(columns="_number")

    if "roads" in layers and len(_drop_empty(layers["roads"])) == 0:
        log.append(("warning_roads_not_drawn", f"{at['roads']}: has no feature with a geometry: no street bounds a "
                    "block, and grids follow none"))
    roads = _clean_lines(layers.get("roads"), boundary, log, "roads", metric)
    if len(roads) == 0:
        _refuse_far(layers.get("roads"), boundary, at.get("roads", where))
    roads = _road_columns(roads, log, rules)
    given = layers.get("barriers")
    if given is not None and "barrier_type" in given and _drawn(layers.get("boundary")) is None:
        # The coastline has bounded the hull (the sea is off it): along a quay or round a jetty the sea kept
        # for its buildings leaves it inside the land, where as a barrier it would cut the harbour apart.
        # Under a drawn boundary it divides as before.
        given = given[~given["barrier_type"].eq(COASTLINE)]
    barriers = _clean_lines(given, boundary, log, "barriers", metric)
    dividing = _dividing_roads(roads)
    if len(dividing):
        barriers = _with_features(barriers, dividing)
    # Compound outlines join the barriers layer as soft lines, so the blocks, the graph and the saved plan
    # (whose barriers a later validation or edit reads) all cut along them.
    landuse = _optional_polys(layers.get("landuse"), boundary)
    edges = landuse_edges(landuse, rules)
    if len(edges):
        edges = _clean_lines(edges, boundary, log, "landuse_edges", metric)
        barriers = _with_features(barriers, edges)
        barriers[list(edges.columns.drop("geometry"))] = barriers[list(edges.columns.drop("geometry"))].fillna("")
    return Area(
        boundary=boundary,
        roads=roads,
        barriers=barriers,
        buildings=buildings.reset_index(drop=True),
        crs=metric,
        landuse=landuse,
        pois=_optional_points(layers.get("pois"), boundary),
        existing=_optional_polys(layers.get("existing"), boundary),
        source=where,
        source_crs=CRS.from_user_input(source_crs).to_string(),
        from_gcj02=from_gcj02,
        log=log,
        name=name,
        code=code,
        left_out=left_out.reset_index(drop=True),
    )


def _water_as_barriers(layers: dict[str, gpd.GeoDataFrame], log: list) -> dict[str, gpd.GeoDataFrame]:
    """``layers`` with the ``water`` layer's features added to the barriers: the rivers, lakes and ponds a
    source keeps apart from its railways and walls (an office's 水系 layer) divide as barriers do. A polygon
    is a barrier polygon (``barrier_type`` :data:`~gridkit.lines.WATER`), a line a waterway, unless the
    feature names its own ``barrier_type``; its ``kind`` (a stream, a ditch) can make it a soft line."""
    water = layers.get("water")
    if water is None:
        return layers
    water = _drop_empty(water)
    layers = {k: v for k, v in layers.items() if k != "water"}
    if len(water) == 0:
        return layers
    given = water["barrier_type"].fillna("").astype(str) if "barrier_type" in water else ""
    lines = shapely.get_dimensions(water.geometry.values) == 1
    water = water.assign(barrier_type=np.where(given != "", given, np.where(lines, WATERWAY, WATER)))
    log.append(("water_layer", f"{len(water)} features added to the barriers"))
    barriers = layers.get("barriers")
    layers["barriers"] = water if barriers is None else _with_features(barriers, water)
    return layers


def _with_features(layer: gpd.GeoDataFrame, more: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``layer`` with the features of ``more`` after its own, in ``layer``'s CRS."""
    return gpd.GeoDataFrame(pd.concat([layer, more.to_crs(layer.crs)], ignore_index=True), geometry="geometry",
                            crs=layer.crs)


def _named_columns(gdf: gpd.GeoDataFrame, layer: str, log: list) -> gpd.GeoDataFrame:
    """``gdf`` with its columns named as gridkit reads them (:data:`COLUMN_NAMES`)."""
    names = COLUMN_NAMES.get(layer, {})
    renamed: dict[str, str] = {}
    for target, aliases in names.items():
        if target in gdf:
            continue
        accepted = {normalise_header(a) for a in (target, *aliases)}
        column = next((c for c in gdf.columns if c != gdf.geometry.name and c not in renamed
                       and c not in names and normalise_header(c) in accepted), None)
        if column is not None:
            renamed[column] = target
    if not renamed:
        return gdf
    log.append((f"{layer}_columns_renamed", ", ".join(f"{a} -> {b}" for a, b in renamed.items())))
    return gdf.rename(columns=renamed)


def _with_crs(layers: dict[str, gpd.GeoDataFrame], crs: str, log: list[tuple[str, str]]) -> dict[str, gpd.GeoDataFrame]:
    """``layers`` with those naming no CRS in ``crs``; the others keep their own."""
    given = given_crs(crs)
    unnamed = [name for name, gdf in layers.items() if gdf.crs is None]
    if unnamed:
        log.append(("layers_crs_given", f"{', '.join(unnamed)}: {given.to_string()}"))
    return {name: gdf.set_crs(given) if gdf.crs is None else gdf for name, gdf in layers.items()}


def _check_layer_crs(gdf: gpd.GeoDataFrame, where: str, from_gcj02: bool) -> None:
    geoms = gdf.geometry.values
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(present) == 0:
        if gdf.crs is None and len(gdf):
            raise InputError(f"{where}: has no coordinate reference system (CRS)")
        return
    coords, feature = shapely.get_coordinates(geoms, return_index=True)
    broken = np.unique(feature[~np.isfinite(coords).all(axis=1)])
    if len(broken):
        raise InputError(f"{where}: {'feature' if len(broken) == 1 else 'features'} "
                         f"{listed([str(i + 1) for i in broken])}: coordinates are not finite numbers (NaN or inf)")
    bounds = np.asarray(shapely.total_bounds(present), dtype=float)
    check_coordinates(bounds, None if gdf.crs is None else CRS.from_user_input(gdf.crs), where)
    if from_gcj02 and not CRS.from_user_input(gdf.crs).is_geographic:
        raise InputError(f"{where}: --from-gcj02 needs longitude/latitude input, but the CRS is projected")


def _from_gcj02(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out.geometry = gcj02_to_wgs84(gdf.geometry.values)
    return out.set_crs(4326, allow_override=True)


def _lonlat_centre(gdf: gpd.GeoDataFrame) -> tuple[float, float]:
    """The median of the features' centres in lon/lat: one building drawn at (0, 0), a geocoder's failure, moved
    the centre of their extent across the globe, and with it the metric CRS (the Tsim Sha Tsui sample's footprints
    grew by a quarter under a boundary that leaves that building out: 9,454 estimated households became 11,993)."""
    bounds = shapely.bounds(_drop_empty(gdf).to_crs(4326).geometry.values)
    return float(np.median(bounds[:, 0] + bounds[:, 2])) / 2, float(np.median(bounds[:, 1] + bounds[:, 3])) / 2


def _drop_empty(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    g = gdf.geometry.values
    return gdf[~(shapely.is_missing(g) | shapely.is_empty(g))]


def _repair(geoms: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Drop Z, make valid. Returns geometries, how many were 3D, how many invalid.

    A polygon is made valid as the area its outer rings enclose less its holes (GEOS's "structure" method):
    parts of a multipolygon drawn overlapping are one footprint, not their symmetric difference, as the
    default "linework" method made them (the overlap became a hole, and a building drawn so kept only slivers
    of it; a boundary so drawn a hole where its pieces overlap)."""
    has_z = shapely.has_z(geoms)
    geoms = shapely.force_2d(geoms)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure")
    return geoms, int(has_z.sum()), int(invalid.sum())


def _clean_polygons(gdf: gpd.GeoDataFrame, where: str, log: list, name: str, min_area_m2: float) -> gpd.GeoDataFrame:
    n_in = len(gdf)
    gdf = _drop_empty(gdf)
    if n_in - len(gdf):
        log.append((f"{name}_without_geometry", str(n_in - len(gdf))))
    geoms, n3d, ninvalid = _repair(gdf.geometry.values)
    if n3d:
        log.append((f"{name}_3d_flattened", str(n3d)))
    if ninvalid:
        log.append((f"{name}_invalid_repaired", str(ninvalid)))
    gdf = gdf.set_geometry(geoms)
    # make_valid may return collections; keep their polygonal parts only.
    gdf = gdf.explode(index_parts=True)
    kept = shapely.get_type_id(gdf.geometry.values) == 3
    features = gdf.index.get_level_values(0)
    not_polygons = features.nunique() - features[kept].nunique()
    if not_polygons:
        log.append((f"{name}_not_polygons_left_out", str(not_polygons)))
    gdf = gdf[kept]
    multipart = gdf.index.get_level_values(1) > 0
    parts = gdf.index.get_level_values(0)
    split = pd.Index(parts[multipart]).nunique()
    if split:
        log.append((f"{name}_multipart_split", str(split)))
    sizes = shapely.area(gdf.geometry.values)
    gdf = gdf[sizes > min_area_m2]
    gdf = _in_content_order(gdf.assign(_feature=gdf.index.get_level_values(0) + 1).reset_index(drop=True),
                            normalise=True)
    # Parts and unnamed features are numbered in that order too, not as the file lists them.
    gdf["_number"] = pd.factorize(gdf["_feature"])[0] + 1
    gdf["_part"] = gdf.groupby("_feature").cumcount()
    gdf["_parts"] = gdf.groupby("_feature")["_part"].transform("size")
    # A building split into parts keeps its given counts once: on its largest part.
    order = gdf.assign(_a=-shapely.area(gdf.geometry.values)).groupby("_feature")["_a"].rank(method="first")
    for col in ("households", "population"):
        if col in gdf:
            gdf[col] = gdf[col].where((order == 1) | gdf[col].isna(), 0)
    return gdf


def _in_content_order(gdf: gpd.GeoDataFrame, *, normalise: bool = False) -> gpd.GeoDataFrame:
    """``gdf`` with its rows in an order of their content alone; its polygons normalised when ``normalise``.

    The rows go north to south by the top of their bounding box, then west to east by its left side (as the
    blocks are numbered, :func:`gridkit.blocks.make_blocks`), then by the geometry's normal form
    (:func:`shapely.normalize`: its rings' start and orientation, its parts' order), then by their attributes
    (columns named ``_…`` are gridkit's own, such as the input row, and do not count). The same features
    exported by another tool (PostGIS, QGIS, ogr2ogr, a Shapefile edited by hand) come in another order, and
    every step that takes the first of equals (footprints clustered, a wall point shared by two footprints'
    gap cells, the blocks' order, the duplicate kept) then chose another plan: sorted here once, the plan
    depends on the content. A polygon normalised starts its outline at the same vertex whatever the source
    wrote; a line keeps its direction, which a coastline needs (:func:`_land`).
    """
    geoms = gdf.geometry.values.to_numpy()
    normal = shapely.normalize(geoms)
    bounds = shapely.bounds(geoms)
    # The normal form orders only rows whose boxes share their top and left (NaN, an empty box, ties
    # NaN): only theirs is written out and ranked, in the same order as among all rows.
    box = np.column_stack([-bounds[:, 3], bounds[:, 0]])
    by_box = np.lexsort((box[:, 1], box[:, 0]))
    ranked = box[by_box]
    same = ((ranked[1:] == ranked[:-1]) | (np.isnan(ranked[1:]) & np.isnan(ranked[:-1]))).all(axis=1)
    tied = np.zeros(len(geoms), dtype=bool)
    tied[by_box[1:][same]] = tied[by_box[:-1][same]] = True
    shape = np.zeros(len(geoms), dtype=np.int64)
    shape[tied] = np.unique(np.where(shapely.is_missing(normal[tied]), b"", shapely.to_wkb(normal[tied])),
                            return_inverse=True)[1].ravel()
    columns = [c for c in gdf.columns if c != gdf.geometry.name and not str(c).startswith("_")]
    order = np.lexsort((_row_hashes(gdf[columns]), shape, bounds[:, 0], -bounds[:, 3]))
    out = gdf.iloc[order].reset_index(drop=True)
    return out.set_geometry(gpd.GeoSeries(normal[order], index=out.index, crs=gdf.crs)) if normalise else out


def _row_hashes(table: pd.DataFrame) -> np.ndarray:
    """A number for each row of ``table`` from its values alone (uint64)."""
    if len(table.columns) == 0:
        return np.zeros(len(table), dtype=np.uint64)
    try:
        return pd.util.hash_pandas_object(table, index=False, categorize=False).to_numpy()
    except (TypeError, ValueError):
        # A list or a mapping in a cell (GDAL's list fields, a GeoJSON array): hashed by its text.
        return pd.util.hash_pandas_object(table.astype(str), index=False, categorize=False).to_numpy()


def _boundary(
    gdf: gpd.GeoDataFrame | None, buildings: gpd.GeoDataFrame, buffer_m: float, where: str, log: list,
    barriers: gpd.GeoDataFrame | None = None,
) -> shapely.Geometry:
    drawn = _drawn(gdf)
    if drawn is not None:
        geoms, _, _ = _repair(drawn.geometry.values)
        _warn_empty_features(drawn, geoms, buildings, log)
        poly = shapely.union_all(geoms)
        parts = shapely.get_parts(poly)
        poly = shapely.union_all([g for g in parts if shapely.get_type_id(g) in (3, 6)])
        if poly is None or poly.is_empty or poly.area <= 0:
            return _enclosed(parts, where, log)
        return poly
    hull = convex_hull(buildings.geometry.values).buffer(buffer_m)
    log.append(("boundary", f"none given: hull of the buildings buffered by {buffer_m:g} m"))
    if gdf is not None:  # a layer exported empty (a filter that matched nothing) is no boundary to keep to
        log.append(("warning_boundary_not_drawn", f"{where}: has no feature with a geometry, so the area is the hull "
                    f"of the buildings buffered by {buffer_m:g} m; to keep to the office's boundary, export it again"))
    coast = None if barriers is None or "barrier_type" not in barriers else \
        barriers[barriers["barrier_type"].eq(COASTLINE)].geometry.values.to_numpy()
    if coast is None or len(coast) == 0:
        return hull
    land = _land(hull, coast, shapely.point_on_surface(buildings.geometry.values.to_numpy()), buffer_m)
    sea = float(shapely.area(hull) - shapely.area(land))
    if sea > 0:
        log.append(("boundary_sea_m2", f"{sea:.0f}"))
    return land


def _enclosed(parts: np.ndarray, where: str, log: list) -> shapely.Geometry:
    """The area a boundary drawn as lines encloses (a CAD drawing's 红线 is a closed polyline, or several meeting
    end to end): what they ring round, logged (``boundary_from_lines``). Lines that close no ring, or points, are
    refused: no area is drawn."""
    lines = [g for g in parts if shapely.get_type_id(g) in (1, 2)]
    area = shapely.union_all(shapely.get_parts(shapely.polygonize([shapely.union_all(lines)]))) if lines else None
    if area is None or area.is_empty or area.area <= 0:
        kinds = listed(sorted({g.geom_type for g in parts}))
        raise InputError(f"{where}: has no polygon with an area (its features are {kinds}"
                         f"{', which close no ring' if lines else ''}); draw the boundary as a polygon")
    log.append(("boundary_from_lines", f"{len(lines)} line{'' if len(lines) == 1 else 's'} read as the outline of "
                "the area they ring round"))
    return area


def _warn_empty_features(drawn: gpd.GeoDataFrame, geoms: np.ndarray, buildings: gpd.GeoDataFrame,
                         log: list) -> None:
    """Warn (``warning_boundary_empty``) of boundary features no building stands in, beside ones some do: the
    layer of every office's boundary given for one office, or a neighbour's left in. Each is still part of the
    area, grids nobody lives in; a piece of one feature (an island of a multipolygon) is no feature."""
    if len(geoms) < 2:
        return
    holds = np.zeros(len(geoms), dtype=bool)
    points = shapely.point_on_surface(buildings.geometry.values.to_numpy())
    holds[shapely.STRtree(points).query(geoms, predicate="contains")[0]] = True
    if holds.all() or not holds.any():  # none: refused as no building inside the boundary
        return
    names = [str(v).strip() for v in drawn["name"].to_numpy()[~holds] if v is not None and not pd.isna(v)] \
        if "name" in drawn else []
    named = f" ({listed(names, 3)})" if any(names) else ""
    empty = int((~holds).sum())
    log.append(("warning_boundary_empty", f"{empty} of the boundary's {len(geoms)} features "
                f"{'holds' if empty == 1 else 'hold'} no building{named}: each is still part of the area, grids nobody lives in; if one is another "
                "office's, leave it out of the boundary layer"))


def water_areas(barriers: gpd.GeoDataFrame | None, profile: Profile) -> np.ndarray:
    """The barrier polygons of a barriers layer: its polygons that are no soft line (:func:`gridkit.lines.split_barriers`),
    such as the areas of water the OSM reader adds (``barrier_type`` ``water``), made valid."""
    if barriers is None or len(barriers) == 0:
        return np.array([], dtype=object)
    hard = _drop_empty(split_barriers(barriers, profile)[0])
    geoms, _, _ = _repair(hard.geometry.values)
    return geoms[np.isin(shapely.get_type_id(geoms), [3, 6])]


def _bridges(roads: gpd.GeoDataFrame | None) -> np.ndarray:
    """The road lines of a roads layer that are not in a tunnel: where one runs over water, it carries its
    banks across."""
    if roads is None or len(roads) == 0:
        return np.array([], dtype=object)
    roads = _drop_empty(roads)
    above = ~truthy(roads["tunnel"]).to_numpy() if "tunnel" in roads else np.ones(len(roads), dtype=bool)
    return shapely.force_2d(roads.geometry.values.to_numpy()[above])


def _off_water(land: shapely.Geometry, water: np.ndarray, roads: np.ndarray, footprints: np.ndarray,
               deck_m: float, log: list) -> shapely.Geometry:
    """``land`` (the buildings' hull, without a drawn boundary) less its areas of water, and less the land they
    cut off from every building: no grid reaches over a river or a lake the hull spans.

    What a street crosses stays, ``deck_m`` each side of it (a bridge: the banks stay linked as the bridge
    links them, ``blocks.road_match_m``), and so does every footprint (a building is never cut) and every
    part of the water a building stands in (a houseboat, a pier's buildings), as with the sea.
    """
    if len(water) == 0:
        return land
    parts = shapely.get_parts(shapely.intersection(shapely.union_all(water), land))
    parts = parts[shapely.get_type_id(parts) == 3]
    if len(parts) == 0:
        return land
    dwelt = np.zeros(len(parts), dtype=bool)
    dwelt[shapely.STRtree(parts).query(shapely.point_on_surface(footprints), predicate="within")[1]] = True
    off = shapely.union_all(parts[~dwelt])
    if off is None or off.is_empty:
        return land
    near = shapely.STRtree(roads).query(off, predicate="intersects") if len(roads) else np.array([], dtype=int)
    kept = [shapely.buffer(shapely.intersection(shapely.union_all(roads[near]), off), deck_m, cap_style="flat")] \
        if len(near) else []
    touched = shapely.STRtree(footprints).query(off, predicate="intersects")
    off = shapely.difference(off, shapely.union_all([*kept, *footprints[touched]]))
    pieces = shapely.get_parts(shapely.difference(land, off))
    # Land the water cuts off from every building, no street crossing to it, is the hull's, not the town's.
    rest = shapely.union_all(pieces[np.isin(np.arange(len(pieces)), shapely.STRtree(pieces).query(
        shapely.point_on_surface(footprints), predicate="within")[1])])
    water_m2 = float(shapely.area(land) - shapely.area(rest))
    if water_m2 <= 0:
        return land
    log.append(("boundary_water_m2", f"{water_m2:.0f}"))
    return rest


def _drawn(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """The boundary layer's features with a geometry; None when there is none (the hull bounds the area)."""
    if gdf is None or len(_drop_empty(gdf)) == 0:
        return None
    return _drop_empty(gdf)


def _land(hull: shapely.Geometry, coast: np.ndarray, homes: np.ndarray, margin_m: float) -> shapely.Geometry:
    """``hull`` less the sea beyond a coastline: the hull of a seaside town's buildings spans the bay, and
    every grid by the shore reached out over the water.

    The coastline cuts the hull into pieces; a piece is sea when more of the coastline's segments have it
    on their right (OSM draws a coastline with the land on its left) than on their left, and no building
    stands in it (a pier or a breakwater mapped with buildings stays). A coastline that ends inside the hull
    within ``margin_m`` (``blocks.hull_buffer_m``, how far the hull reaches beyond the buildings) of its ring
    ends where the extract does, within the hull's own margin: it is drawn on to the ring the shortest way, so
    the sea it bounds closes. Those closing lines bound pieces but cast no vote.
    """
    ring = shapely.boundary(hull)
    merged = shapely.get_parts(shapely.line_merge(shapely.union_all(shapely.get_parts(coast))))
    merged = merged[~shapely.is_closed(merged)]
    ends = np.concatenate([shapely.get_point(merged, 0), shapely.get_point(merged, -1)])
    ends = ends[shapely.within(ends, hull) & (shapely.distance(ends, ring) <= margin_m)]
    # The whole coastline is noded with the hull's ring: one clipped to the hull first ends a hair off it.
    noded = shapely.union_all([ring, *coast, *shapely.shortest_line(ends, ring)])
    pieces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    pieces = pieces[shapely.within(shapely.point_on_surface(pieces), hull)]
    if len(pieces) < 2:
        return hull
    xy, index = shapely.get_coordinates(shapely.get_parts(coast), return_index=True)
    same = index[1:] == index[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    step = b - a
    length = np.hypot(step[:, 0], step[:, 1])
    a, step, length = a[length > 0], step[length > 0], length[length > 0]
    mid = a + step / 2
    # A point a little to each side of every segment's middle.
    side = np.column_stack([step[:, 1], -step[:, 0]]) / length[:, None] * np.minimum(0.5, length / 4)[:, None]
    tree = shapely.STRtree(pieces)
    votes = np.zeros(len(pieces))
    for sign in (1, -1):
        _, hit = tree.query(shapely.points(mid + sign * side), predicate="within")
        np.add.at(votes, hit, sign)
    dwelt = np.zeros(len(pieces), dtype=bool)
    dwelt[tree.query(homes, predicate="within")[1]] = True
    sea = (votes > 0) & ~dwelt
    return shapely.union_all(pieces[~sea]) if sea.any() else hull


def _boundary_label(gdf: gpd.GeoDataFrame, column: str) -> str:
    """The boundary features' ``column`` (``name`` or ``code``): their distinct non-empty values in order,
    joined by 、 when the area is made of several named pieces; empty when there is none."""
    if column not in gdf:
        return ""
    values = [str(v).strip() for v in gdf[column] if v is not None and not pd.isna(v)]
    return "、".join(dict.fromkeys(v for v in values if v))


def _inside(buildings: gpd.GeoDataFrame, boundary: shapely.Geometry, log: list, share: float) -> np.ndarray:
    """Which buildings have at least ``share`` of their footprint inside the boundary (those kept)."""
    geoms = buildings.geometry.values.to_numpy()
    # Only a footprint the boundary crosses needs its share measured by an overlay: one wholly
    # inside has all of its area inside, one outside none (footprints have an area).
    with prepared(boundary):
        inside = shapely.contains_properly(boundary, geoms)
        crossed = ~inside & shapely.intersects(boundary, geoms)
    cut = geoms[crossed]
    inside[crossed] = shapely.area(shapely.intersection(cut, boundary)) >= share * shapely.area(cut)
    if (~inside).sum():
        log.append(("buildings_outside_boundary_left_out", str(int((~inside).sum()))))
    return inside


def _merge_duplicates(buildings: gpd.GeoDataFrame, log: list, overlap: float) -> gpd.GeoDataFrame:
    """Merge footprints that are the same building drawn twice (intersection over union >= ``overlap``)."""
    geoms = buildings.geometry.values.to_numpy()
    left, right, inter = overlap_pairs(geoms)
    if len(left) == 0:
        return buildings
    union = shapely.area(geoms[left]) + shapely.area(geoms[right]) - inter
    dup = inter >= overlap * union
    drop = np.unique(right[dup])
    # The kept copy takes any household figure the dropped copy had; two different figures are logged.
    if "households" in buildings and dup.any():
        hh, feature = buildings["households"], buildings["_feature"]
        differ = []
        for keep_i, drop_i in zip(left[dup], right[dup], strict=True):
            if pd.isna(hh.iat[keep_i]) and not pd.isna(hh.iat[drop_i]):
                buildings.iat[keep_i, buildings.columns.get_loc("households")] = buildings["households"].iat[drop_i]
            elif not pd.isna(hh.iat[drop_i]) and hh.iat[keep_i] != hh.iat[drop_i]:
                differ.append(f"feature {feature.iat[keep_i]} ({hh.iat[keep_i]:g}) kept over feature "
                              f"{feature.iat[drop_i]} ({hh.iat[drop_i]:g})")
        if differ:
            log.append(("buildings_duplicates_households_differ", listed(differ, 10)))
    if len(drop):
        log.append(("buildings_duplicates_merged", str(len(drop))))
    return buildings.drop(index=buildings.index[drop]).reset_index(drop=True)


def _building_ids(buildings: gpd.GeoDataFrame) -> tuple[pd.Series, pd.Series]:
    """Unique ids, and the ids as the source gave them (a building drawn in parts, or twice, shares one:
    a register row for it is for all of them, :func:`gridkit.register.match_register`)."""
    base = None
    for col in ("building_id", "id", "osm_id"):
        if col in buildings and buildings[col].notna().all():
            base = buildings[col].astype(str)
            break
    if base is None:
        base = "b" + buildings["_number"].astype(str)
    given = base
    base = base.where(buildings["_parts"] <= 1, base + "#" + (buildings["_part"] + 1).astype(str))
    dup = base.duplicated(keep=False)
    # Ids must be unique; disambiguate repeats by their order of appearance.
    base[dup] = base[dup] + "~" + base[dup].groupby(base[dup]).cumcount().add(1).astype(str)
    return base, given


def _read_counts(buildings: gpd.GeoDataFrame, where: str) -> gpd.GeoDataFrame:
    """The layer with its ``households`` and ``population`` read as numbers (:func:`gridkit.io.values.counts`);
    a value that is not a count >= 0 (households: a whole one) is refused, naming the features."""
    out = buildings.copy()
    for col in ("households", "population"):
        if col not in out:
            continue
        number, bad = counts(out[col], whole=col == "households")
        if bad.any():
            at = np.flatnonzero(bad.to_numpy())
            ids = next((out[c] for c in ("building_id", "id", "osm_id") if c in out), None)
            features = [f"{i + 1}" + ("" if ids is None or pd.isna(ids.iat[i]) else f" (id {str(ids.iat[i])!r})")
                        for i in at]
            values = listed([shown(v) for v in out[col].to_numpy()[at]])
            one = len(at) == 1
            kind = ("whole " if col == "households" else "") + ("count" if one else "counts")
            raise InputError(f"{where}: {'feature' if one else 'features'} {listed(features)}: {col} {values} "
                             f"{'is not a' if one else 'are not'} {kind} >= 0{why_not_counts(out[col].to_numpy()[at])}")
        out[col] = number
    return out


def _no_footprint(buildings: gpd.GeoDataFrame, min_area_m2: float) -> str:
    """Why a buildings layer gave no footprint: its geometry types, or all too small."""
    types = sorted({str(t) for t in _drop_empty(buildings).geom_type})
    if any(t.endswith("Polygon") for t in types):
        return f"has no footprint larger than cleaning.min_footprint_m2 ({min_area_m2:g} m²)"
    return f"has no polygons (its features are {', '.join(types)}); buildings must be footprints"


def _clean_lines(gdf: gpd.GeoDataFrame | None, boundary: shapely.Geometry, log: list, name: str,
                 crs: CRS) -> gpd.GeoDataFrame:
    """The lines of ``gdf`` (in ``crs``) within reach of the boundary; an empty layer in ``crs`` when there is none
    (a plan's layer without a CRS is one GIS software cannot place)."""
    if gdf is None or len(gdf) == 0:
        log.append((name, "none"))
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=crs)
    gdf = _drop_empty(gdf)
    geoms, _, ninvalid = _repair(gdf.geometry.values)
    # Polygon barriers (walls around a compound, water areas) act by their outline.
    polygonal = np.isin(shapely.get_type_id(geoms), [3, 6])
    geoms = np.where(polygonal, shapely.boundary(geoms), geoms)
    gdf = gdf.set_geometry(geoms).explode(index_parts=False)
    gdf = gdf[np.isin(shapely.get_type_id(gdf.geometry.values), [1, 2])]
    reach = shapely.buffer(boundary, LINE_REACH_M)
    lines = gdf.geometry.values.to_numpy()
    with prepared(reach):
        whole = shapely.contains_properly(reach, lines)
        keep = whole | shapely.intersects(reach, lines)
    # The overlay of a line wholly inside gives the line back unless it must node it (a line crossing
    # itself) or drop a repeated point, so only those lines and the ones the reach cuts go through it.
    whole &= shapely.is_simple(lines) & (shapely.get_num_coordinates(shapely.remove_repeated_points(lines))
                                         == shapely.get_num_coordinates(lines))
    cut = keep & ~whole
    lines = lines.copy()
    lines[cut] = shapely.intersection(lines[cut], reach)
    gdf = gdf.set_geometry(lines)[keep].explode(index_parts=False)
    gdf = _in_content_order(gdf[shapely.length(gdf.geometry.values) > 0])
    log.append((name, str(len(gdf))))
    return gdf


def _refuse_far(given: gpd.GeoDataFrame | None, area: shapely.Geometry, where: str) -> None:
    """Refuse a layer of which nothing reaches the area, lying further from it than the area is wide: its CRS
    (or the file) is wrong, and the plan would be made without it (a roads layer 3 degrees east of the
    buildings gave a plan whose grids follow no street). A layer beside the area, as a city's layer clipped
    to a neighbouring office, is no error."""
    if given is None:
        return
    drawn = _drop_empty(given).geometry.values.to_numpy()
    if len(drawn) == 0:
        return
    gap = float(shapely.distance(area, drawn).min())
    width = 2 * float(shapely.minimum_bounding_radius(area))
    if gap > width:
        raise InputError(f"{where}: none of its {len(drawn)} features reaches the area; the nearest is "
                         f"{gap / 1000:.3g} km from it, further than the area is wide ({width / 1000:.3g} km): "
                         "are both layers' CRS right?")


def _road_columns(roads: gpd.GeoDataFrame, log: list, rules: Profile) -> gpd.GeoDataFrame:
    if len(roads) == 0:
        return gpd.GeoDataFrame({"highway": [], "name": [], "bridge": []}, geometry=[], crs=roads.crs)
    if "highway" in roads:
        cls = roads["highway"]
    elif "class" in roads:
        cls = roads["class"]
    else:
        cls = pd.Series(None, index=roads.index, dtype=object)
        log.append(("roads_class", "no highway/class column: every road treated as 'residential'"))
    cls = _osm_classes(cls.astype(object).where(cls.notna(), "residential").astype(str).str.strip().str.lower(),
                       rules, log)
    bridge = truthy(roads["bridge"], also=("viaduct",)) if "bridge" in roads else pd.Series(False, index=roads.index)
    tunnel = truthy(roads["tunnel"]) if "tunnel" in roads else pd.Series(False, index=roads.index)
    if tunnel.any():
        log.append(("roads_tunnels_ignored", str(int(tunnel.sum()))))
    marked = truthy(roads["barrier"]) if "barrier" in roads else pd.Series(False, index=roads.index)
    # An expressway on a viaduct divides nothing beneath it; one the input marks divides wherever it runs.
    dividing = (marked | (cls.isin(rules.roads.barrier_classes) & ~bridge)) & ~tunnel
    if dividing.any():
        log.append(("roads_dividing", str(int(dividing.sum()))))
    name = roads["name"].astype(object).where(roads["name"].notna(), "") if "name" in roads else ""
    out = gpd.GeoDataFrame({"highway": cls, "name": name, "bridge": bridge.astype(bool),
                            "barrier": dividing.astype(bool)}, geometry=roads.geometry.values, crs=roads.crs)
    return out[~tunnel.to_numpy()].reset_index(drop=True)


def _dividing_roads(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The roads that divide (``barrier``: an expressway), as lines of the barriers layer (``barrier_type``
    :data:`~gridkit.lines.ROAD`, the class as ``kind``): the blocks, the graph and the validator then treat
    them as they treat a railway, and the streets crossing over or under them link their sides."""
    dividing = roads[roads["barrier"].to_numpy(dtype=bool)] if "barrier" in roads else roads.iloc[:0]
    return gpd.GeoDataFrame({"barrier_type": ROAD, "kind": dividing["highway"].to_numpy(),
                             "name": dividing["name"].to_numpy()}, geometry=dividing.geometry.values, crs=roads.crs)


def _osm_classes(cls: pd.Series, rules: Profile, log: list) -> pd.Series:
    """Road classes read as OSM classes (profile ``[road_classes]``); the renamed and the unused ones logged."""
    osm = cls.map(rules.road_classes.lookup())
    if osm.notna().any():
        pairs = pd.DataFrame({"given": cls[osm.notna()], "osm": osm[osm.notna()]}).value_counts()
        log.append(("roads_classes_renamed", "; ".join(f"{g} -> {o} ({n})" for (g, o), n in pairs.items())))
    out = osm.fillna(cls)
    r = rules.roads
    unused = out[~out.isin({*r.block_classes, *r.inner_classes_tier1, *r.inner_classes_tier2})]
    if len(unused):
        log.append(("roads_classes_not_used", ", ".join(f"{c} ({n})" for c, n in unused.value_counts().items())))
    return out


def _optional_polys(gdf: gpd.GeoDataFrame | None, boundary: shapely.Geometry) -> gpd.GeoDataFrame | None:
    if gdf is None:
        return None
    gdf = _drop_empty(gdf)
    geoms, _, _ = _repair(gdf.geometry.values)
    gdf = gdf.set_geometry(geoms)
    gdf = gdf[np.isin(shapely.get_type_id(gdf.geometry.values), [3, 6]) & shapely.intersects(geoms, boundary)]
    return _in_content_order(gdf, normalise=True)


def _optional_points(gdf: gpd.GeoDataFrame | None, boundary: shapely.Geometry) -> gpd.GeoDataFrame | None:
    if gdf is None:
        return None
    gdf = _drop_empty(gdf)
    pts = shapely.point_on_surface(gdf.geometry.values)
    gdf = gdf.set_geometry(pts)
    return _in_content_order(gdf[shapely.intersects(pts, boundary)])
