"""The street offices of a batch: where each one's input comes from, its name and its code.

A city is given as one of:

- a city-wide input (file, folder or PostGIS URL) with a layer of street-office boundaries: the
  input's own ``offices`` layer, or a separate file;
- a folder holding one input per street office (files or sub-folders, anything
  :func:`gridkit.read_area` reads).

Each office's 9-digit code (6 county + 3 street office digits, GB/T 30428.1) is the prefix of every
code in its plan, so codes are unique across the city exactly when office codes are. A boundary's
``code`` is kept when it is 9 digits (or a 12-digit statistical code ending in ``000``); offices
without one take the next free serial under the city's county, north-west to south-east.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..codes import assign_codes
from ..errors import InputError
from ..io import postgis
from ..io.read import LAYERS

__all__ = ["Office", "find_offices", "OFFICE_LAYER"]

#: Name of the street-office boundary layer inside a city-wide input.
OFFICE_LAYER = "offices"
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


def find_offices(areas: str | Path, *, offices: str | Path | None = None,
                 county_code: str = "000000") -> list[Office]:
    """The street offices of a batch over ``areas``.

    Parameters
    ----------
    areas : str or Path
        A city-wide input (with an ``offices`` layer unless ``offices`` is given), or a folder of
        per-office inputs (every entry :func:`gridkit.read_area` reads).
    offices : str or Path, optional
        A file of street-office boundaries (its first layer, or its ``offices`` layer), with
        ``name`` and ``code`` columns when available.
    county_code : str
        County digits for offices with no code of their own, when no office has one either.

    Returns
    -------
    list of Office
        In code order.

    Raises
    ------
    InputError
        No offices, an office without an area, a malformed or repeated code.
    """
    areas_s = str(areas)
    if offices is not None:
        frame = _read_boundaries(Path(offices))
        return _from_boundaries(frame, areas_s, str(offices), county_code)
    if postgis.is_postgis(areas_s) or not Path(areas_s).is_dir() or _is_layer_folder(Path(areas_s)):
        frame = _office_layer(areas_s)
        return _from_boundaries(frame, areas_s, f"{areas_s}, layer '{OFFICE_LAYER}'", county_code)
    return _from_folder(Path(areas_s), county_code)


def _is_layer_folder(path: Path) -> bool:
    """A folder of one file per layer (one input), not a folder of inputs."""
    return any(p.stem in LAYERS for p in path.iterdir() if p.is_file())


def _read_boundaries(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        names = [str(n) for n, _ in pyogrio.list_layers(path)]
        layer = OFFICE_LAYER if OFFICE_LAYER in names else names[0]
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # GDAL raises many types; the user needs one line
        raise InputError(f"{path}: cannot be read: {str(exc).splitlines()[0]}") from exc


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
    names = [str(n) for n, _ in pyogrio.list_layers(path)]
    if OFFICE_LAYER not in names:
        raise InputError(f"{path}: has no '{OFFICE_LAYER}' layer of street-office boundaries; give one with --offices")
    return gpd.read_file(path, layer=OFFICE_LAYER, engine="pyogrio")


def _from_boundaries(frame: gpd.GeoDataFrame, source: str, where: str, county_code: str) -> list[Office]:
    geoms = frame.geometry.values
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.all():
        raise InputError(f"{where}: has no street office with a boundary")
    if empty.any():
        raise InputError(f"{where}: feature {int(np.flatnonzero(empty)[0]) + 1} has no geometry")
    if frame.crs is None:
        raise InputError(f"{where}: has no coordinate reference system (CRS)")
    names = _column(frame, "name")
    given = _column(frame, "code")
    codes, sources = _office_codes(geoms, given, names, where, county_code)
    names = [n or f"street office {c}" for n, c in zip(names, codes, strict=True)]
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
    codes, sources = _office_codes(np.array(hulls, dtype=object), given, names, str(path), county_code)
    offices = [Office(code=c, name=n, source=str(e), code_source=s)
               for c, n, e, s in zip(codes, names, entries, sources, strict=True)]
    return sorted(offices, key=lambda o: o.code)


def _own_boundary(entry: Path) -> gpd.GeoDataFrame | None:
    """The ``boundary`` layer of one office's input, read on its own (the buildings are not needed here)."""
    try:
        if entry.is_dir():
            files = [p for p in entry.iterdir() if p.stem == "boundary" and p.is_file()]
            return gpd.read_file(files[0], engine="pyogrio") if files else None
        if "boundary" in [str(n) for n, _ in pyogrio.list_layers(entry)]:
            return gpd.read_file(entry, layer="boundary", engine="pyogrio")
    except Exception as exc:  # GDAL raises many types; the user needs one line
        raise InputError(f"{entry}: cannot be read: {str(exc).splitlines()[0]}") from exc
    return None


def _column(frame: gpd.GeoDataFrame, column: str) -> list[str]:
    if column not in frame:
        return [""] * len(frame)
    return ["" if v is None or pd.isna(v) else str(v).strip() for v in frame[column]]


def _office_codes(geoms: np.ndarray, given: list[str], names: list[str], where: str,
                  county_code: str) -> tuple[list[str], list[str]]:
    """Each office's 9-digit code: its own when well-formed, else the next free serial of the county."""
    own = [_nine_digits(code, name, where) for code, name in zip(given, names, strict=True)]
    seen: dict[str, str] = {}
    for code, name in zip(own, names, strict=True):
        if code and code in seen:
            raise InputError(f"{where}: street offices '{seen[code]}' and '{name}' share the code {code}; "
                             "codes must be unique across the city")
        if code:
            seen[code] = name
    counties = Counter(code[:6] for code in own if code)
    county = counties.most_common(1)[0][0] if counties else county_code
    prefixes = np.array([code[:6] if code else county for code in own], dtype=object)
    codes = assign_codes(geoms, prefixes, 3, kept=np.array(own, dtype=object))
    return [str(c) for c in codes], ["given" if o else "assigned" for o in own]


def _nine_digits(code: str, name: str, where: str) -> str:
    if not code:
        return ""
    if len(code) == 12 and code.isdigit() and code.endswith(_STATISTICAL_SUFFIX):
        return code[:9]
    if len(code) == 9 and code.isdigit():
        return code
    raise InputError(f"{where}: street office '{name}' has the code {code!r}; it must be 9 digits "
                     "(6 county + 3 street office) or a 12-digit statistical code ending in 000")
