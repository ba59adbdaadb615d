"""Exact answers from the small modules: coordinate systems (crs), codes, names."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer

from gridkit.codes import assign_codes, spatial_order
from gridkit.crs import check_coordinates, gcj02_to_wgs84, is_cgcs2000, local_metric_crs
from gridkit.errors import InputError
from gridkit.names import numeral, unit_names

# ---------------------------------------------------------------- crs


@pytest.mark.parametrize(("crs", "centre", "epsg"), [
    ("EPSG:4490", (121.47, 31.23), 4549),   # CGCS2000 in Shanghai: 3-degree Gauss-Krueger CM 120E
    ("EPSG:4490", (114.40, 30.50), 4547),   # Wuhan: CM 114E
    ("EPSG:4326", (121.47, 31.23), 32651),  # WGS 84 in Shanghai: UTM 51N
    ("EPSG:4326", (24.94, 60.17), 32635),   # Helsinki: UTM 35N
    ("EPSG:4326", (151.21, -33.87), 32756),  # Sydney: UTM 56S
    ("EPSG:4326", (-179.9, 10.0), 32601),   # the antimeridian: zone 1
    # An input already in a metric CRS true to scale at the area is worked in, and the plan comes back in it.
    ("EPSG:4527", (116.40, 39.90), 4527),   # an office's CGCS2000 GK zone 39, the zone number in the easting
    ("EPSG:4549", (121.47, 31.23), 4549),   # CGCS2000 GK CM 120E in Shanghai
    ("EPSG:2326", (114.17, 22.30), 2326),   # Hong Kong 1980 Grid
    ("EPSG:2326+5738", (114.17, 22.30), 2326),  # ... with heights: its horizontal part
    ("EPSG:32650", (121.47, 31.23), 32651),  # the UTM zone west of Shanghai: 0.18 % long there
    ("EPSG:3857", (121.47, 31.23), 32651),  # Web Mercator: 17 % long there
    ("EPSG:2249", (-71.06, 42.36), 32619),  # Massachusetts State Plane in US feet
    ("+proj=tmerc +lat_0=22.3 +lon_0=114.17 +k=1 +x_0=500 +y_0=500 +ellps=intl +units=m", (114.17, 22.3), 32650),
])
def test_local_metric_crs(crs, centre, epsg):
    chosen = local_metric_crs(CRS.from_user_input(crs), centre)
    assert chosen.to_epsg() == epsg
    if crs == "EPSG:4490":  # the zone whose central meridian is nearest the centre
        assert f"CM {round(centre[0] / 3) * 3}E" in chosen.name


def test_cgcs2000_is_recognised_projected_or_not():
    assert is_cgcs2000(CRS.from_epsg(4490)) and is_cgcs2000(CRS.from_epsg(4549))
    assert not is_cgcs2000(CRS.from_epsg(4326)) and not is_cgcs2000(CRS.from_epsg(32650))
    # CGCS2000 far outside China's zones falls back to UTM.
    assert local_metric_crs(CRS.from_epsg(4490), (10.0, 50.0)).to_epsg() == 32632


@pytest.mark.parametrize(("bounds", "crs", "message"), [
    ((31.2, 121.4, 31.3, 121.5), "EPSG:4326", "longitude and latitude look swapped"),
    ((121.4, 31.2, 400.0, 31.3), "EPSG:4326", "longitude"),
    ((121.4, 31.2, 121.5, 31.3), "EPSG:32651", "look like degrees"),
    ((0.0, 0.0, np.inf, 1.0), "EPSG:32651", "not finite"),
    ((0.0, 0.0, 1.0, 1.0), None, "no coordinate reference system"),
    # A Gauss-Krueger zone number in front of the easting, or left out, under the other kind of CRS.
    ((40641951.0, 3458540.0, 40643951.0, 3460540.0), "EPSG:4549", r"no place on Earth .* zone 40: .* EPSG:4528"),
    ((641951.0, 3458540.0, 643951.0, 3460540.0), "EPSG:4528", r"no place on Earth .* meridian, EPSG:4549"),
])
def test_impossible_coordinates_are_refused(bounds, crs, message):
    with pytest.raises(InputError, match=message) as err:
        check_coordinates(np.array(bounds), None if crs is None else CRS.from_user_input(crs), "town.gpkg, layer 'x'")
    assert str(err.value).startswith("town.gpkg, layer 'x': ")


def test_plausible_coordinates_pass():
    check_coordinates(np.array([121.4, 31.2, 121.5, 31.3]), CRS.from_epsg(4326), "x")
    check_coordinates(np.array([350000.0, 3450000.0, 352000.0, 3452000.0]), CRS.from_epsg(32651), "x")


def _bounds_at(lon: float, lat: float, epsg: int) -> np.ndarray:
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    return np.array([x, y, x + 2000.0, y + 2000.0])


@pytest.mark.parametrize(("written", "labelled", "place"), [
    (3857, 32650, (114.17, 22.3)),  # Web Mercator metres of Hong Kong labelled UTM 50N
    (3857, 4547, (114.17, 22.3)),  # ... labelled CGCS2000 Gauss-Kruger CM 114E
    (3857, 4549, (121.48, 31.23)),  # Shanghai's, labelled CM 120E
    (3857, 3067, (24.94, 60.17)),  # Helsinki's, labelled TM35FIN
])
def test_web_mercator_metres_under_a_zone_are_refused(written, labelled, place):
    with pytest.raises(InputError, match=r"far outside the area it is made for .* give the layer EPSG:3857"):
        check_coordinates(_bounds_at(*place, written), CRS.from_epsg(labelled), "town.gpkg, layer 'x'")


def test_coordinates_far_beyond_their_zone_are_refused():
    # UTM 50N metres labelled as Hong Kong's own grid: PROJ finds a place 7 degrees west, 14 north.
    with pytest.raises(InputError, match=r"lie at 107.13E 36.98N .* far outside .*113.76E 22.13N to 114.51E 22.58N"):
        check_coordinates(_bounds_at(114.17, 22.3, 32650), CRS.from_epsg(2326), "x")


@pytest.mark.parametrize(("written", "place"), [
    (32649, (114.17, 22.3)),  # Hong Kong kept in the zone west of its own
    (32651, (119.0, 31.0)),  # a town in zone 50 kept in zone 51
    (4547, (117.0, 31.0)),  # the next 3-degree Gauss-Kruger zone east
    (2326, (113.3, 23.1)),  # Guangzhou on Hong Kong's grid, 0.5 degree beyond it
    (32650, (114.17, -1.0)),  # just south of the equator in a northern zone
])
def test_data_in_a_neighbouring_zone_pass(written, place):
    check_coordinates(_bounds_at(*place, written), CRS.from_epsg(written), "x")


def test_gcj02_to_wgs84_inverts_the_offset():
    from gridkit.crs import _gcj_offset

    wgs = np.array([[116.397428, 39.909230], [121.4737, 31.2304], [114.3055, 30.5928]])
    dlon, dlat = _gcj_offset(wgs[:, 0], wgs[:, 1])
    gcj = shapely.points(wgs[:, 0] + dlon, wgs[:, 1] + dlat)
    back = shapely.get_coordinates(gcj02_to_wgs84(gcj))
    assert np.abs(back - wgs).max() < 1e-7  # about a centimetre
    # The offset in China is a few hundred metres, mostly to the north-east.
    shift_m = np.hypot(dlon * 111_320 * np.cos(np.radians(wgs[:, 1])), dlat * 110_540)
    assert ((shift_m > 100) & (shift_m < 800)).all()


# ---------------------------------------------------------------- codes


def _squares(origins: list[tuple[float, float]], size: float = 10.0) -> np.ndarray:
    return np.array([shapely.box(x, y, x + size, y + size) for x, y in origins], dtype=object)


def test_spatial_order_runs_in_rows_north_west_to_south_east():
    # Given south-east, north-west, south-west, north-east.
    geoms = _squares([(10, 0), (0, 10), (0, 0), (10, 10)])
    assert spatial_order(geoms).tolist() == [1, 3, 2, 0]
    assert spatial_order(np.array([], dtype=object)).tolist() == []


def test_codes_keep_valid_existing_serials_and_fill_the_gaps():
    geoms = _squares([(0, 10), (10, 10), (0, 0), (10, 0)])  # NW, NE, SW, SE
    prefixes = np.array(["310101001001"] * 4, dtype=object)
    kept = np.array(["", "310101001002", "310101001002", "999"], dtype=object)
    codes = assign_codes(geoms, prefixes, 3, kept)
    # NE keeps 002; the second claim to 002 and the foreign 999 are not kept; new serials skip 002.
    assert codes.tolist() == ["310101001001001", "310101001001002", "310101001001003", "310101001001004"]


def test_codes_restart_per_parent_and_pad_to_width():
    geoms = _squares([(0, 0), (20, 0), (40, 0)])
    prefixes = np.array(["A", "B", "A"], dtype=object)
    assert assign_codes(geoms, prefixes, 2).tolist() == ["A01", "B01", "A02"]


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(("n", "text"), [
    (1, "一"), (9, "九"), (10, "十"), (12, "十二"), (20, "二十"), (40, "四十"), (99, "九十九"),
    (100, "一百"), (105, "一百零五"), (110, "一百一十"), (115, "一百一十五"), (200, "二百"),
])
def test_chinese_numerals(n, text):
    assert numeral(n) == text


@pytest.fixture
def road():
    """A north-south road named 幸福路 along x = 0, and an unnamed lane."""
    return gpd.GeoDataFrame({"name": ["幸福路", None]},
                            geometry=[shapely.LineString([(0, -100), (0, 100)]),
                                      shapely.LineString([(-100, 50), (100, 50)])], crs="EPSG:32650")


def test_units_are_named_for_the_road_along_them_and_their_side(road):
    geoms = _squares([(-40, 0), (0, 0), (-40, -40)], size=40.0)  # west, east, west again
    names = unit_names(geoms, road, parents=np.array(["c"] * 3, dtype=object), suffix="网格", reach=3.0,
                       fallback=["x"] * 3)
    assert names.tolist() == ["幸福路西一网格", "幸福路东网格", "幸福路西二网格"]
    # Numbering restarts per parent, and a preferred (kept) name wins.
    names = unit_names(geoms, road, parents=np.array(["c1", "c1", "c2"], dtype=object), suffix="网格", reach=3.0,
                       fallback=["x"] * 3, preferred=["", "", "老名字网格"])
    assert names.tolist() == ["幸福路西网格", "幸福路东网格", "老名字网格"]


def test_a_unit_off_every_named_road_takes_the_nearest_and_no_names_take_the_fallback(road):
    far = _squares([(200, 0)], size=40.0)
    assert unit_names(far, road, parents=np.array(["c"], dtype=object), suffix="村", reach=3.0,
                      fallback=["第1"]).tolist() == ["幸福路东村"]
    unnamed = road.assign(name=None)
    assert unit_names(far, unnamed, parents=np.array(["c"], dtype=object), suffix="村", reach=3.0,
                      fallback=["第1"]).tolist() == ["第1村"]
