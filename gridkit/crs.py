"""Coordinate reference systems: plausibility checks, the local metric CRS, GCJ-02.

All engine work happens in a local metric CRS: the input's own when it is
one (a projected CRS in metres, with an EPSG code, true to scale at the area),
so the plan comes back in the CRS the office's other layers are in; otherwise
the CGCS2000 3-degree Gauss-Krueger zone for CGCS2000 input, or the UTM zone
of the area.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Proj, Transformer
from pyproj.exceptions import CRSError

from .errors import InputError

__all__ = ["check_coordinates", "given_crs", "local_metric_crs", "gcj02_to_wgs84", "is_cgcs2000"]

# EPSG:4534 is "CGCS2000 / 3-degree Gauss-Kruger CM 75E"; the series runs in
# 3-degree steps to EPSG:4554 (CM 135E), covering China.
_CGCS_GK3_FIRST_EPSG = 4534
_CGCS_GK3_FIRST_CM = 75
_CGCS_GK3_LAST_CM = 135
#: Coordinates beyond this are no longitude or latitude in any convention (-180..360): metres, not degrees.
_METRES_NOT_DEGREES = 1000.0
#: A Gauss-Krueger easting with the zone's number in front (zone 40: 40 500 000 at its central meridian) has
#: 8 digits; one without has 6.
_ZONE_PREFIX = 1_000_000
#: Data may lie beyond its CRS's area of use by the area's own width (a city in the next zone, kept in its
#: neighbour's), and by a UTM zone's width (6 degrees) for narrow areas (Hong Kong's grid); further than
#: that, as Web Mercator metres labelled as a UTM or Gauss-Krueger zone land, the CRS is wrong.
_OUTSIDE_USE_MIN_DEG = 6.0
#: The input's projected CRS is worked in when its scale at the area's centre is true within this (a 3-degree
#: Gauss-Krueger zone at its edge: 0.03 %; UTM: -0.04 % to +0.1 %): lengths and areas are then off by less than
#: a footprint is drawn to. Web Mercator (15 % at 30 degrees north), an equal-area conic or a zone far from the
#: area is not.
_KEEP_SCALE_ERROR = 0.0015


def is_cgcs2000(crs: CRS) -> bool:
    """True when ``crs`` is CGCS2000 or projected on its datum."""
    geodetic = crs.geodetic_crs
    return geodetic is not None and "2000" in (geodetic.name or "") and "China" in (geodetic.name or "")


def local_metric_crs(crs: CRS, lonlat_centre: tuple[float, float]) -> CRS:
    """Choose the metric CRS engine work happens in.

    Parameters
    ----------
    crs : pyproj.CRS
        The CRS of the input.
    lonlat_centre : (lon, lat)
        Centre of the area in geographic degrees.

    Returns
    -------
    pyproj.CRS
        ``crs`` itself (its horizontal part) when it is projected, in metres, has an EPSG code and is true to
        scale at the centre; else a CGCS2000 3-degree Gauss-Krueger zone for CGCS2000 input inside the zones'
        range, else the WGS 84 UTM zone containing the centre.

    Examples
    --------
    >>> local_metric_crs(CRS.from_epsg(4527), (116.4, 39.9)).to_epsg()  # CGCS2000 GK zone 39, in Beijing
    4527
    >>> local_metric_crs(CRS.from_epsg(3857), (116.4, 39.9)).to_epsg()  # Web Mercator: 30 % too long there
    32650
    """
    lon, lat = lonlat_centre
    own = _true_to_scale(crs, lon, lat)
    if own is not None:
        return own
    if is_cgcs2000(crs):
        cm = int(round(lon / 3.0)) * 3
        if _CGCS_GK3_FIRST_CM <= cm <= _CGCS_GK3_LAST_CM:
            return CRS.from_epsg(_CGCS_GK3_FIRST_EPSG + (cm - _CGCS_GK3_FIRST_CM) // 3)
    zone = int((lon + 180) // 6) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _true_to_scale(crs: CRS, lon: float, lat: float) -> CRS | None:
    """The horizontal part of ``crs`` when engine work can happen in it at (lon, lat), else None.

    An EPSG code is asked for because a plan goes on into PostGIS, whose SRIDs are EPSG codes; a city's own
    projection without one is worked in its UTM or Gauss-Krueger zone, as before."""
    horizontal = crs.sub_crs_list[0] if crs.is_compound else crs
    code = horizontal.to_epsg()
    if not horizontal.is_projected or code is None or \
            any(axis.unit_name not in ("metre", "meter") for axis in horizontal.axis_info):
        return None
    factors = Proj(horizontal).get_factors(lon, lat)
    scales = np.array([factors.meridional_scale, factors.parallel_scale], dtype=float)
    if not np.all(np.abs(scales - 1.0) <= _KEEP_SCALE_ERROR):  # NaN too: the centre is outside the projection
        return None
    return CRS.from_epsg(code)


def given_crs(text: str) -> CRS:
    """The CRS a user gave for layers that name none (``--crs``: a DXF, a Shapefile without its ``.prj``), or an
    InputError saying how to give one."""
    try:
        return CRS.from_user_input(text)
    except CRSError as exc:
        raise InputError(f"the CRS {text!r} is none pyproj knows (give one as EPSG:4549, or its WKT)") from exc


def check_coordinates(bounds: np.ndarray, crs: CRS | None, where: str) -> None:
    """Refuse coordinates that cannot be right for their CRS.

    Parameters
    ----------
    bounds : array of 4 floats
        minx, miny, maxx, maxy of the layer.
    crs : pyproj.CRS or None
    where : str
        "file, layer" for the message.
    """
    if crs is None:
        raise InputError(f"{where}: has no coordinate reference system (CRS); set one, e.g. EPSG:4326, or give it "
                         "with --crs EPSG:4549 (read_area(crs=…)): a DXF, or a Shapefile without its .prj, names none")
    if not np.all(np.isfinite(bounds)):
        raise InputError(f"{where}: coordinates are not finite numbers")
    minx, miny, maxx, maxy = bounds
    if crs.is_geographic:
        if max(abs(minx), abs(maxx), abs(miny), abs(maxy)) > _METRES_NOT_DEGREES:
            raise InputError(
                f"{where}: coordinates look like metres ({minx:.0f}, {miny:.0f}) but the CRS '{crs.name}' is "
                "longitude/latitude; the CRS is probably wrong (a GeoJSON that names none is read as WGS 84): "
                "give the file its projected CRS"
            )
        if miny < -90 or maxy > 90:
            swapped = -90 <= minx and maxx <= 90
            hint = "; longitude and latitude look swapped" if swapped else ""
            raise InputError(f"{where}: latitude {miny:.4f}..{maxy:.4f} is outside -90..90{hint}")
        if minx < -180 or maxx > 360:
            raise InputError(f"{where}: longitude {minx:.4f}..{maxx:.4f} is outside -180..180")
    elif max(abs(minx), abs(maxx)) <= 180 and max(abs(miny), abs(maxy)) <= 90 and (maxx - minx) < 1:
        raise InputError(
            f"{where}: coordinates look like degrees ({minx:.4f}, {miny:.4f}) but the CRS "
            f"'{crs.name}' is projected; the CRS is probably wrong"
        )
    elif not _on_earth(bounds, crs):
        raise InputError(f"{where}: coordinates ({minx:.0f}, {miny:.0f}) are no place on Earth in the CRS "
                         f"'{crs.name}'; the CRS is probably wrong{_zone_hint(minx, maxx, crs)}")
    else:
        _refuse_outside_use(bounds, crs, where)


def _refuse_outside_use(bounds: np.ndarray, crs: CRS, where: str) -> None:
    """Refuse projected ``bounds`` whose every corner lies far beyond ``crs``'s area of use (see
    ``_OUTSIDE_USE_MIN_DEG``): a place the CRS was never meant for, though PROJ finds one."""
    use = crs.area_of_use
    if use is None or crs.geodetic_crs is None:
        return
    west, south, east, north = use.bounds
    east += 360.0 if east < west else 0.0  # an area across the antimeridian
    minx, miny, maxx, maxy = bounds
    lon, lat = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True).transform(
        np.array([minx, minx, maxx, maxx]), np.array([miny, maxy, miny, maxy]))
    off_centre = (lon - (west + east) / 2 + 180.0) % 360.0 - 180.0
    beyond_lon = np.abs(off_centre) - (east - west) / 2
    beyond_lat = np.maximum(south - lat, lat - north)
    far = ((beyond_lon > max(east - west, _OUTSIDE_USE_MIN_DEG))
           | (beyond_lat > max(north - south, _OUTSIDE_USE_MIN_DEG)))
    if not far.all():
        return
    # Web Mercator metres labelled as a zone are the usual mistake: name it when they fit the area.
    m_lon, m_lat = Transformer.from_crs(3857, 4326, always_xy=True).transform((minx + maxx) / 2, (miny + maxy) / 2)
    mercator = west <= m_lon <= east and south <= m_lat <= north
    hint = (f"; read as Web Mercator metres (EPSG:3857, as web maps store them) they lie at {_lonlat(m_lon, m_lat)}, "
            "inside it: give the layer EPSG:3857" if mercator else "")
    raise InputError(f"{where}: coordinates ({minx:.0f}, {miny:.0f}) lie at {_lonlat(lon[0], lat[0])} in the CRS "
                     f"'{crs.name}', far outside the area it is made for ({_lonlat(west, south)} to "
                     f"{_lonlat(east, north)}); the CRS is probably wrong{hint}")


def _lonlat(lon: float, lat: float) -> str:
    """``114.17E 22.30N``."""
    lon = (lon + 180.0) % 360.0 - 180.0
    return f"{abs(lon):.2f}{'W' if lon < 0 else 'E'} {abs(lat):.2f}{'S' if lat < 0 else 'N'}"


def _on_earth(bounds: np.ndarray, crs: CRS) -> bool:
    """Whether the corners of projected ``bounds`` have a longitude and latitude in ``crs`` (a transverse
    Mercator has none for an easting of the wrong zone: PROJ returns inf). A CRS without a datum passes."""
    if crs.geodetic_crs is None:
        return True
    minx, miny, maxx, maxy = bounds
    lon, lat = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True).transform(
        np.array([minx, minx, maxx, maxx]), np.array([miny, maxy, miny, maxy]))
    return bool(np.isfinite(lon).all() and np.isfinite(lat).all())


def _zone_hint(minx: float, maxx: float, crs: CRS) -> str:
    """What the eastings' digits say about a Gauss-Krueger zone number written in front of them (or left out),
    with the CRS they fit when the EPSG registry has it on the same datum."""
    params = {p.name: p.value for p in getattr(crs.coordinate_operation, "params", ())}
    false_easting = params.get("False easting", 0.0)
    datum = crs.name.split(" / ")[0]
    if minx >= _ZONE_PREFIX * 10 and false_easting < _ZONE_PREFIX:
        zone = int(minx // _ZONE_PREFIX)
        fits = _epsg_named(datum, f"Gauss-Kruger zone {zone}")
        return (f" (an easting of 8 digits has its zone's number in front, zone {zone}: give the CRS of that "
                f"zone{f', {fits}' if fits else ''})")
    if false_easting >= _ZONE_PREFIX and maxx < _ZONE_PREFIX:
        centre = params.get("Longitude of natural origin")
        fits = _epsg_named(datum, f"Gauss-Kruger CM {centre:.0f}E") if centre is not None else ""
        return (" (the CRS expects its zone's number in front of the easting and these eastings have none: give "
                f"the CRS of the zone's central meridian{f', {fits}' if fits else ''})")
    return ""


def _epsg_named(datum: str, ending: str) -> str:
    """``EPSG:code (name)`` of the projected CRS on ``datum`` whose name ends in ``ending`` (3-degree zones
    before 6-degree ones, as China's large-scale maps use them), or ''."""
    from pyproj.database import query_crs_info
    from pyproj.enums import PJType

    found = sorted((not i.name.endswith(f"3-degree {ending}"), i.code, i.name)
                   for i in query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS)
                   if i.name.startswith(f"{datum} / ") and i.name.endswith(ending))
    return f"EPSG:{found[0][1]} ({found[0][2]})" if found else ""


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 obfuscation offset (degrees) at WGS 84 ``lon``, ``lat``."""
    a = 6378245.0
    ee = 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    pi = np.pi
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * pi) + 320 * np.sin(y * pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * pi
    magic = 1 - ee * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (a / sqrt_magic * np.cos(rad) * pi)
    return dlon, dlat


def _gcj02_to_wgs84_coords(coords: np.ndarray) -> np.ndarray:
    lon, lat = coords[:, 0].copy(), coords[:, 1].copy()
    wlon, wlat = lon.copy(), lat.copy()
    # The forward offset is smooth, so a fixed-point iteration converges to
    # well under a centimetre in a few steps.
    for _ in range(6):
        dlon, dlat = _gcj_offset(wlon, wlat)
        wlon, wlat = lon - dlon, lat - dlat
    return np.column_stack([wlon, wlat])


def gcj02_to_wgs84(geoms: np.ndarray) -> np.ndarray:
    """Convert geometries from GCJ-02 ("Mars coordinates") to WGS 84 lon/lat.

    Parameters
    ----------
    geoms : array of shapely geometries in GCJ-02 lon/lat

    Returns
    -------
    array of shapely geometries in WGS 84 (EPSG:4326)
    """
    return shapely.transform(np.asarray(geoms, dtype=object), _gcj02_to_wgs84_coords)
