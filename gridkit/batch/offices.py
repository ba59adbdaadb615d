"""The street offices of a batch: where each one's input comes from, its name and its code.

A city is given as one of:

- a city-wide input (file, folder or PostGIS URL) with a layer of street-office boundaries: the
  input's own ``offices`` layer, or a separate file;
- a folder holding one input per street office (files or sub-folders, anything
  :func:`gridkit.read_area` reads);
- a city-wide input whose buildings name their street office in a column (``office_column``):
  each office's region is then made from its buildings (see :func:`office_regions`).

Each office's 9-digit code (6 county + 3 street office digits, GB/T 30428.1) is the prefix of every
code in its plan, so codes are unique across the city exactly when office codes are. A boundary's
``code`` is kept when it is 9 digits (or a 12-digit statistical code ending in ``000``); offices
without one take the next free serial under the city's county, north-west to south-east.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from pyproj import CRS, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..codes import assign_codes
from ..crs import given_crs
from ..errors import GridkitError, InputError, reason
from ..geometry import convex_hull, prepared
from ..io import postgis
from ..io.read import LAYERS, OFFICE_LAYER, OSM_SUFFIXES, list_layers, read_layer, read_layers
from ..profile import load_profile

__all__ = ["Office", "Census", "find_offices", "office_regions", "around_buildings", "building_census", "office_sizes",
           "OFFICE_LAYER"]

_STATISTICAL_SUFFIX = "000"


@dataclass(frozen=True)
class Office:
    """One street office of a batch: small and picklable, it is what a Dask task receives.

    Attributes
    ----------
    code : str
        9 digits, unique in the batch; also the office's file names.
    name : str
        The boundary's ``name`` (the input's name when it has none).
    source : str
        Where its layers are read from: the city-wide input, or its own input.
    boundary : bytes
        WKB of its boundary in ``crs`` when ``source`` is city-wide (its region of the city);
        empty when ``source`` is the office's own input.
    crs : str
        WKT of the boundary's CRS.
    code_source : str
        ``given`` (from the boundary layer) or ``assigned``.
    """

    code: str
    name: str
    source: str
    boundary: bytes = b""
    crs: str = ""
    code_source: str = "given"

    @property
    def region(self) -> shapely.Geometry | None:
        """The office's boundary when it is read out of a city-wide input."""
        return shapely.from_wkb(self.boundary) if self.boundary else None

    def fingerprint(self) -> str:
        """What the office's plan depends on apart from the profile: its source's identity and boundary."""
        h = hashlib.sha256()
        for part in (self.code, self.name, _source_identity(self.source)):
            h.update(part.encode() + b"\0")
        h.update(self.boundary)
        return h.hexdigest()


def _source_identity(source: str) -> str:
    """A cheap identity of a source that changes when it is edited (path, sizes, modification times)."""
    if postgis.is_postgis(source):
        return postgis.redact(source)
    path = Path(source)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return "|".join(f"{f}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files if f.exists())


def find_offices(areas: str | Path, *, offices: str | Path | None = None, office_column: str | None = None,
                 county_code: str = "000000", hull_buffer_m: float | None = None,
                 office_suffix: str | None = None, crs: str | None = None) -> list[Office]:
    """The street offices of a batch over ``areas``.

    Parameters
    ----------
    areas : str or Path
        A city-wide input (with an ``offices`` layer unless ``offices`` is given), or a folder of
        per-office inputs (every entry :func:`gridkit.read_area` reads).
    offices : str or Path, optional
        A file of street-office boundaries (its first layer, or its ``offices`` layer), with
        ``name`` and ``code`` columns when available.
    office_column : str, optional
        A column of the city-wide input's buildings naming each building's street office (its name,
        or its 9-digit code); the offices' regions are made from their buildings.
    county_code : str
        County digits for offices with no code of their own, when no office has one either.
    hull_buffer_m : float, optional
        With ``office_column`` and no ``boundary`` layer: how far the city reaches beyond its
        buildings (default: the default profile's ``blocks.hull_buffer_m``).
    office_suffix : str, optional
        What ends an office's name (``names.office_suffix``, default the default profile's 街道): a boundary
        without a name is named ``未命名街道 CODE``, in the language of the maps and reports that show it.
    crs : str, optional
        The CRS of the boundaries (or the buildings of ``office_column``) when their layer names none (``batch
        --crs``, as :func:`gridkit.read_area`'s).

    Returns
    -------
    list of Office
        In code order.

    Raises
    ------
    InputError
        No offices, an office without an area, a malformed or repeated code, a name repeated in a county.
    """
    areas_s = str(areas)
    suffix = load_profile("default").names.office_suffix if office_suffix is None else office_suffix
    if offices is not None and office_column is not None:
        raise InputError("give street-office boundaries (--offices) or a buildings column naming them "
                         "(--office-column), not both")
    if office_column is not None:
        reach = load_profile("default").blocks.hull_buffer_m if hull_buffer_m is None else hull_buffer_m
        return _from_column(areas_s, office_column, county_code, reach, crs)
    if offices is not None:
        frame = _in_crs(_read_boundaries(Path(offices)), crs)
        return _from_boundaries(frame, areas_s, str(offices), county_code, suffix)
    if postgis.is_postgis(areas_s) or not Path(areas_s).is_dir() or _is_layer_folder(Path(areas_s)):
        frame = _in_crs(_office_layer(areas_s), crs)
        return _from_boundaries(frame, areas_s, f"{areas_s}, layer '{OFFICE_LAYER}'", county_code, suffix)
    return _from_folder(Path(areas_s), county_code)


def _in_crs(frame: gpd.GeoDataFrame, crs: str | None) -> gpd.GeoDataFrame:
    """``frame`` in the CRS given when it names none; one naming its own keeps it."""
    return frame if crs is None or frame.crs is not None else frame.set_crs(given_crs(crs))


def _is_layer_folder(path: Path) -> bool:
    """A folder of one file per layer (one input), not a folder of inputs."""
    return any(p.stem in LAYERS for p in path.iterdir() if p.is_file())


def _read_boundaries(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    names = list_layers(path)
    # A table without shapes (a CSV of names and codes) is refused there, in one line.
    return read_layer(path, OFFICE_LAYER if OFFICE_LAYER in names else names[0], f"{path}")


def _office_layer(areas: str) -> gpd.GeoDataFrame:
    if postgis.is_postgis(areas):
        found = postgis.read_layers(areas, (OFFICE_LAYER,))
        if OFFICE_LAYER not in found:
            raise InputError(f"{postgis.redact(areas)}: has no '{OFFICE_LAYER}' table of street-office boundaries; "
                             "give one with --offices")
        return found[OFFICE_LAYER]
    path = Path(areas)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        files = [p for p in path.iterdir() if p.stem == OFFICE_LAYER and p.is_file()]
        if not files:
            raise InputError(f"{path}: has no '{OFFICE_LAYER}' file of street-office boundaries; give one with --offices")
        return _read_boundaries(files[0])
    if path.suffix.lower() == ".gz":
        raise InputError(f"{path}: a batch reads the city's data once per street office; unpack it first "
                         f"(gunzip {path.name}) and give the file it holds")
    names = list_layers(path)
    if OFFICE_LAYER not in names:
        raise InputError(f"{path}: has no '{OFFICE_LAYER}' layer of street-office boundaries; give one with --offices")
    return read_layer(path, OFFICE_LAYER, f"{path}, layer '{OFFICE_LAYER}'")


def _from_boundaries(frame: gpd.GeoDataFrame, source: str, where: str, county_code: str,
                     office_suffix: str) -> list[Office]:
    geoms = frame.geometry.values
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.all():
        raise InputError(f"{where}: has no street office with a boundary")
    if empty.any():
        raise InputError(f"{where}: feature {int(np.flatnonzero(empty)[0]) + 1} has no geometry")
    if frame.crs is None:
        raise InputError(f"{where}: has no coordinate reference system (CRS); give it with --crs EPSG:4549")
    names = _column(frame, "name")
    given = _column(frame, "code")
    rows = [f"feature {i + 1}" for i in range(len(frame))]
    codes, sources = _office_codes(geoms, given, names, rows, where, county_code)
    # Named as the maps and reports (in Chinese) will title them, and flagged as unnamed there.
    names = [n or f"未命名{office_suffix} {c}" for n, c in zip(names, codes, strict=True)]
    crs = frame.crs.to_wkt()
    offices = [Office(code=c, name=n, source=source, boundary=shapely.to_wkb(g), crs=crs, code_source=s)
               for c, n, g, s in zip(codes, names, shapely.make_valid(geoms), sources, strict=True)]
    return sorted(offices, key=lambda o: o.code)


def _from_folder(path: Path, county_code: str) -> list[Office]:
    entries = sorted(p for p in path.iterdir() if not p.name.startswith(".") and
                     (p.is_dir() or p.suffix.lower() in (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".osm", ".pbf")))
    if not entries:
        raise InputError(f"{path}: has no per-office inputs (files or folders gridkit reads)")
    names, given, hulls = [], [], []
    for entry in entries:
        boundary = _own_boundary(entry)
        label = _column(boundary, "name") if boundary is not None else [""]
        code = _column(boundary, "code") if boundary is not None else [""]
        names.append(next((x for x in label if x), entry.stem))
        given.append(next((x for x in code if x), ""))
        hulls.append(shapely.union_all(boundary.to_crs(4326).geometry.values) if boundary is not None
                     else shapely.box(0, 0, 1, 1))
    codes, sources = _office_codes(np.array(hulls, dtype=object), given, names, [e.name for e in entries], str(path),
                                   county_code)
    offices = [Office(code=c, name=n, source=str(e), code_source=s)
               for c, n, e, s in zip(codes, names, entries, sources, strict=True)]
    return sorted(offices, key=lambda o: o.code)


def _from_column(areas: str, column: str, county_code: str, hull_buffer_m: float,
                 crs: str | None = None) -> list[Office]:
    where = postgis.redact(areas) if postgis.is_postgis(areas) else areas
    layers = {name: _in_crs(layer, crs) for name, layer in read_layers(areas, only=("boundary", "buildings")).items()}
    buildings = layers["buildings"]
    if column not in buildings:
        found = ", ".join(str(c) for c in buildings.columns if c != buildings.geometry.name)
        raise InputError(f"{where}, layer 'buildings': has no column '{column}' naming the street office "
                         f"(columns: {found or 'none'})")
    if buildings.crs is None:
        raise InputError(f"{where}, layer 'buildings': has no coordinate reference system (CRS); give it with "
                         "--crs EPSG:4549")
    geoms = shapely.make_valid(buildings.geometry.values)
    labels = np.array(_column(buildings, column), dtype=object)
    named = (labels != "") & ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not named.any():
        raise InputError(f"{where}, layer 'buildings': column '{column}' names no street office")
    boundary = layers.get("boundary")
    if boundary is not None and len(boundary) and boundary.crs is not None:
        extent = shapely.union_all(boundary.to_crs(buildings.crs).geometry.values)
    else:
        metric = buildings.estimate_utm_crs()
        hull = convex_hull(geoms[named])
        extent = gpd.GeoSeries([hull], crs=buildings.crs).to_crs(metric).buffer(hull_buffer_m).to_crs(
            buildings.crs).iloc[0]
    values, regions = office_regions(geoms[named], labels[named], extent)
    codes_given = [v if v.isdigit() and len(v) in (9, 12) else "" for v in values]
    codes, sources = _office_codes(regions, codes_given, list(values), [f"'{v}'" for v in values],
                                   f"{where}, column '{column}'", county_code)
    crs = buildings.crs.to_wkt()
    offices = [Office(code=c, name=n, source=areas, boundary=shapely.to_wkb(g), crs=crs, code_source=s)
               for c, n, g, s in zip(codes, values, regions, sources, strict=True)]
    return sorted(offices, key=lambda o: o.code)


def office_regions(footprints: np.ndarray, labels: np.ndarray,
                   extent: shapely.Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Regions for labelled buildings: a cover of ``extent`` in which every building lies in its own label's.

    Each region is the union of the Voronoi cells of its buildings' points on surface, clipped to
    ``extent``; a footprint that reaches into another label's cells is moved whole into its own
    region, so by the area rule (most of the footprint inside) every building falls to its label.

    Parameters
    ----------
    footprints : ndarray of shapely.Geometry
    labels : ndarray of str
        Each footprint's label (street office), none empty.
    extent : shapely.Geometry
        What the regions cover together.

    Returns
    -------
    (ndarray of str, ndarray of shapely.Geometry)
        The distinct labels in order of first appearance, and each one's region.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> houses = shapely.box([0, 10, 20], 0, [2, 12, 22], 2)
    >>> names, regions = office_regions(houses, np.array(["a", "a", "b"], dtype=object), shapely.box(-5, -5, 30, 10))
    >>> names.tolist(), [round(r.area) for r in regions]
    (['a', 'b'], [315, 210])
    """
    names, first, index = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    index, names = rank[index], names[order]
    points = shapely.point_on_surface(footprints)
    # One cell per distinct point, in order of first appearance (buildings drawn twice share one).
    _, first_at = np.unique(shapely.get_coordinates(points), axis=0, return_index=True)
    seeds = np.sort(first_at)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points[seeds]), extend_to=extent,
                                                       ordered=True))
    cell_label = index[seeds]
    regions = np.array([shapely.coverage_union_all(cells[cell_label == k]) for k in range(len(names))], dtype=object)
    regions = shapely.intersection(regions, extent)
    own = regions[index]
    shapely.prepare(own)
    strays = ~shapely.contains(own, footprints)
    if strays.any():
        for k in range(len(regions)):
            regions[k] = _moved_whole(regions[k], footprints[strays & (index == k)], footprints[strays & (index != k)])
    return names, shapely.make_valid(regions)


def around_buildings(region: shapely.Geometry, footprints: np.ndarray, share: float) -> shapely.Geometry:
    """An office's region with every footprint its boundary crosses moved whole to one side.

    A footprint with at least ``share`` of its area inside (the area rule, ``cleaning.inside_share``:
    the office divides that building) is put in whole, any other taken out. The offices of one
    boundary layer that tiles the city make the same choice from both sides of a seam, so their
    regions still tile it and no seam of the merged plan runs through a building (a real boundary
    layer is drawn without the buildings: the seams cut them, and a building kept whole by one
    office lay partly in its neighbour's grids).

    Parameters
    ----------
    region : shapely.Geometry
    footprints : ndarray of shapely.Geometry
        The buildings near the region, in its CRS (missing or empty ones are ignored).
    share : float

    Returns
    -------
    shapely.Geometry

    Examples
    --------
    >>> import numpy as np, shapely
    >>> houses = np.array([shapely.box(18, 0, 22, 2), shapely.box(-3, 4, 1, 6)])  # half inside; a quarter
    >>> round(around_buildings(shapely.box(0, 0, 20, 10), houses, 0.5).area)  # 200 + 4 - 2
    202
    """
    geoms = shapely.make_valid(footprints[~(shapely.is_missing(footprints) | shapely.is_empty(footprints))])
    with prepared(region):
        inside = shapely.contains_properly(region, geoms)
        crossed = ~inside & shapely.intersects(region, geoms)
    if not crossed.any():
        return region
    # Footprints overlapping a cut one (a building part drawn over a larger building) move with it, by
    # the share of their union: moved apart, each lay partly under the other office's grid.
    moving, group = _with_overlapping(geoms, crossed)
    units = np.array([shapely.union_all(geoms[moving][group == k]) for k in range(group.max() + 1)], dtype=object)
    own = (shapely.area(shapely.intersection(units, region)) >= share * shapely.area(units))[group]
    cut = geoms[moving]
    moved = shapely.make_valid(_moved_whole(region, cut[own], cut[~own]))
    # Land on the neighbour's side that our footprints close off against the seam becomes a hole; and
    # the same land, seen from the neighbour, is a piece of its region cut off by our footprints,
    # with none of its buildings. It is ours: the hole is filled, the neighbour leaves out the piece.
    holes = shapely.union_all([shapely.Polygon(r) for p in shapely.get_parts(region) for r in p.interiors])
    pieces = shapely.get_parts(moved)
    pieces = np.array([_filled(p, holes) for p in pieces], dtype=object)
    keep = np.zeros(len(pieces), dtype=bool)
    # Each piece asks a tree of the buildings (a piece is prepared once; asked by 10^4 buildings, the
    # large piece was tested afresh for each: 0.8 of 1.0 CPU s for 2.7x10^4).
    keep[shapely.STRtree(np.concatenate([geoms[inside & ~moving], cut[own]])).query(pieces, predicate="intersects")[0]] = True
    # The largest piece of each part of the region stays (an office's land without buildings too).
    for part in shapely.get_parts(region):
        keep[np.argmax(shapely.area(shapely.intersection(pieces, part)))] = True
    return shapely.union_all(pieces[keep])


def _with_overlapping(geoms: np.ndarray, crossed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The footprints ``crossed`` and those overlapping one of them (by some area, not a shared wall), and
    for each of these its group (0, 1, …): crossed footprints joined through their overlaps."""
    left, right = shapely.STRtree(geoms).query(geoms[crossed], predicate="intersects")
    left = np.flatnonzero(crossed)[left]
    apart = left != right
    left, right = left[apart], right[apart]
    overlaps = shapely.area(shapely.intersection(geoms[left], geoms[right])) > 0
    graph = coo_matrix((np.ones(int(overlaps.sum())), (left[overlaps], right[overlaps])), shape=(len(geoms),) * 2)
    label = connected_components(graph, directed=False)[1]
    moving = np.isin(label, label[crossed])
    return moving, np.unique(label[moving], return_inverse=True)[1]


def _filled(polygon: shapely.Polygon, holes: shapely.Geometry) -> shapely.Polygon:
    """``polygon`` without its holes that hold nothing of ``holes`` (the holes it had before): those are
    land its footprints closed off. A hole it had stays, grown too by a neighbour's footprint given back
    over its ring (an enclave's building reaching over the enclave's boundary)."""
    rings = [r for r in polygon.interiors if shapely.area(shapely.intersection(shapely.Polygon(r), holes)) > 0]
    return shapely.Polygon(polygon.exterior, rings)


def _moved_whole(region: shapely.Geometry, own: np.ndarray, others: np.ndarray) -> shapely.Geometry:
    """``region`` with the footprints ``others`` taken out and ``own`` put in, each whole; where an own
    footprint overlaps another's (a building drawn twice, its copies in two offices), the overlap stays
    on the side of the boundary it lies on, as the neighbour's region (the same rule) leaves it: both
    taking it in overlapped the offices."""
    if not len(others):
        return shapely.union(region, shapely.union_all(own)) if len(own) else region
    theirs = shapely.union_all(others)
    out = shapely.difference(region, theirs)
    if not len(own):
        return out
    mine = shapely.union_all(own)
    return shapely.union_all([out, shapely.difference(mine, theirs), shapely.intersection(region, mine)])


@dataclass(frozen=True)
class Census:
    """Where a city's buildings stand among its street offices' regions (by their boxes' centres).

    Attributes
    ----------
    sizes : dict of str to float
        Each office's expected work, to start the largest first (code -> size, comparable within
        one batch): its buildings; its region's area, or its input's size on disk, when they
        cannot be counted so.
    shared : list of (str, str, int)
        Two offices whose regions overlap where buildings stand, and how many: both would divide them.
    outside : int
        Buildings of the city-wide input in no office's region (gaps between the boundaries, or
        beyond them): no plan holds them.
    """

    sizes: dict[str, float]
    shared: list[tuple[str, str, int]]
    outside: int


def building_census(offices: list[Office]) -> Census:
    """Count each office's buildings, those two offices share and those in none (:class:`Census`).

    Offices read out of one city-wide GDAL file or PostGIS database are counted by the centres of
    the buildings' bounding boxes in each region and in each overlap of two regions (from a file
    ``pyogrio.read_bounds``, no attributes or shapes kept: about 0.3 CPU s for 1.3x10^5 buildings;
    in a database one grouped count, :func:`gridkit.io.postgis.count_in_regions`). Other offices (a
    folder of layers, per-office inputs, a source whose buildings cannot be counted so) are sized
    by their region's area, or their input's size on disk, and share or miss nothing.
    """
    sizes: dict[str, float] = {}
    shared: list[tuple[str, str, int]] = []
    outside = 0
    by_source: dict[str, list[Office]] = {}
    for office in offices:
        if office.region is None:
            sizes[office.code] = float(_disk_size(Path(office.source)))
        else:
            by_source.setdefault(office.source, []).append(office)
    for source, group in by_source.items():
        regions = np.array([o.region for o in group], dtype=object)
        left, right = shapely.STRtree(regions).query(regions, predicate="intersects")
        pairs = left < right
        left, right = left[pairs], right[pairs]
        # Only a polygonal overlap can hold a building; neighbours meet along lines.
        overlaps = shapely.intersection(regions[left], regions[right])
        polygonal = shapely.area(overlaps) > 0
        left, right, overlaps = left[polygonal], right[polygonal], overlaps[polygonal]
        counted = _building_counts(source, group, np.concatenate([regions, overlaps]))
        if counted is None:
            sizes.update((o.code, float(shapely.area(o.region))) for o in group)
            continue
        counts, total = counted
        sizes.update((o.code, float(n)) for o, n in zip(group, counts[:len(group)], strict=True))
        in_both = counts[len(group):]
        shared += [(group[i].code, group[j].code, int(n)) for i, j, n in zip(left, right, in_both, strict=True) if n]
        # Pairs of overlaps counted once too often (three offices over one spot are not told apart).
        outside += max(0, total - int(counts[:len(group)].sum() - in_both.sum()))
    return Census(sizes=sizes, shared=shared, outside=outside)


def office_sizes(offices: list[Office]) -> dict[str, float]:
    """Each office's expected work, to start the largest first: :attr:`Census.sizes` of :func:`building_census`."""
    return building_census(offices).sizes


def _disk_size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def _building_counts(source: str, offices: list[Office], regions: np.ndarray) -> tuple[np.ndarray, int] | None:
    """Buildings of a city-wide GDAL file or database in each of ``regions`` (in the offices' CRS), by their
    boxes' centres, and in all; None when the source is neither or cannot be read so (the task will say why)."""
    if postgis.is_postgis(source):
        try:
            return postgis.count_in_regions(source, "buildings", regions, CRS.from_wkt(offices[0].crs))
        except GridkitError:  # sizing is only a scheduling hint; the task reports a database it cannot read
            return None
    path = Path(source)
    if not path.is_file():
        return None
    try:
        layer: str | None = "multipolygons"
        # The OSM reader's buildings are the multipolygons with a building tag.
        where = "building IS NOT NULL" if path.suffix.lower() in OSM_SUFFIXES else None
        if where is None:
            names = [str(n) for n, _ in pyogrio.list_layers(path)]
            layer = next((n for n in names if n.lower() == "buildings"), names[0] if len(names) == 1 else None)
        if layer is None:
            return None
        crs = pyogrio.read_info(path, layer=layer)["crs"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's notes on rings it assembles (see io.read)
            _, bounds = pyogrio.read_bounds(path, layer=layer, where=where)
    except Exception:  # GDAL raises many types; sizing is only a scheduling hint, the task reports errors
        return None
    # A feature without geometry has no box (NaN): it is no building of any office, nor one left out.
    shaped = np.isfinite(bounds).all(axis=0)
    x, y = (bounds[0, shaped] + bounds[2, shaped]) / 2, (bounds[1, shaped] + bounds[3, shaped]) / 2
    office_crs = CRS.from_wkt(offices[0].crs)
    if crs is not None and CRS.from_user_input(crs) != office_crs:
        x, y = Transformer.from_crs(CRS.from_user_input(crs), office_crs, always_xy=True).transform(x, y)
    # Each region asks a tree of the points: a region is prepared once, not tested afresh for every point.
    which, _ = shapely.STRtree(shapely.points(x, y)).query(regions, predicate="contains")
    return np.bincount(which, minlength=len(regions)), len(x)


def _own_boundary(entry: Path) -> gpd.GeoDataFrame | None:
    """The ``boundary`` layer of one office's input, read on its own (the buildings are not needed here);
    None when there is none, or it cannot be read or placed: that office's task then fails saying why,
    and the other offices are divided (one broken input among a city's does not stop the batch)."""
    try:
        if entry.is_dir():
            files = [p for p in entry.iterdir() if p.stem == "boundary" and p.is_file()]
            frame = gpd.read_file(files[0], engine="pyogrio") if files else None
        elif "boundary" in [str(n) for n, _ in pyogrio.list_layers(entry)]:
            frame = gpd.read_file(entry, layer="boundary", engine="pyogrio")
        else:
            frame = None
    except Exception:  # GDAL raises many types; the task reads the input again and says why
        return None
    return frame if frame is not None and frame.crs is not None else None


def _column(frame: gpd.GeoDataFrame, column: str) -> list[str]:
    if column not in frame:
        return [""] * len(frame)
    return ["" if v is None or pd.isna(v) else str(v).strip() for v in frame[column]]


def _office_codes(geoms: np.ndarray, given: list[str], names: list[str], rows: list[str], where: str,
                  county_code: str) -> tuple[list[str], list[str]]:
    """Each office's 9-digit code: its own when well-formed, else the next free serial of the county.

    Refused before any work, naming the ``rows`` (features, files): a code two offices share (it prefixes
    every unit code, which must be unique across the city), and a name two offices of one county share
    (a boundary pasted twice, or renamed wrong: the maps, reports and offices table would not tell them
    apart). Offices of different counties may share a name (城关镇 is in many counties).
    """
    own = [_nine_digits(code, name, where) for code, name in zip(given, names, strict=True)]
    _refuse_repeated(own, names, rows, where, "code", "codes must be unique across the city")
    counties = Counter(code[:6] for code in own if code)
    county = counties.most_common(1)[0][0] if counties else county_code
    prefixes = np.array([code[:6] if code else county for code in own], dtype=object)
    codes = [str(c) for c in assign_codes(geoms, prefixes, 3, kept=np.array(own, dtype=object))]
    _refuse_repeated([f"{c[:6]}{n}" if n else "" for c, n in zip(codes, names, strict=True)], names, rows, where,
                     "name", "give each street office of a county its own name (maps and reports are titled by it)")
    return codes, ["given" if o else "assigned" for o in own]


def _refuse_repeated(keys: list[str], names: list[str], rows: list[str], where: str, what: str, rule: str) -> None:
    """Refuse the first non-empty key two rows share, naming both rows and the offices' names."""
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key and key in first:
            j = first[key]
            value = key if what == "code" else names[i]
            raise InputError(f"{where}: {rows[j]} ('{names[j]}') and {rows[i]} ('{names[i]}') share the {what} "
                             f"{value}; {rule}")
        first.setdefault(key, i)


def _nine_digits(code: str, name: str, where: str) -> str:
    if not code:
        return ""
    if len(code) == 12 and code.isdigit() and code.endswith(_STATISTICAL_SUFFIX):
        return code[:9]
    if len(code) == 9 and code.isdigit():
        return code
    raise InputError(f"{where}: street office '{name}' has the code {code!r}; it must be 9 digits "
                     "(6 county + 3 street office) or a 12-digit statistical code ending in 000")
