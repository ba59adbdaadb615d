"""Property-based tests: random street networks and buildings, partitioned and checked.

Each generated case is a rectangular area with a jittered lattice of streets of
random classes (some segments dropped), optionally a river crossing it from west
to east with zero or more bridges, and non-overlapping rectangular buildings with
given household counts (0..400, so some exceed the grid maximum of 200). Every
plan must pass the validator's invariants, keep unflagged grids within the
maximum, put every building in exactly one grid, keep the household total, and
be identical when made again with the same seed.
"""

from __future__ import annotations

from collections import Counter

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, box
from shapely.ops import substring

import gridkit

CRS = "EPSG:32650"
X0, Y0 = 500_000.0, 3_400_000.0
CLASSES = ["primary", "secondary", "residential", "service", "footway"]
RIVER_CLEARANCE_M = 4.0  # buildings keep off the river line
RIVER_GAP_M = 6.0  # non-bridge streets stop this far short of the river (within the snap tolerance)

# Reproducible (tests/conftest.py's profile). Shrinking is off: one partition takes a
# fraction of a second, and shrinking a failing area takes minutes; the failing example
# is printed as generated instead.
PROPS = settings(
    phases=(Phase.explicit, Phase.generate),
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PROFILE = gridkit.load_profile("default")
MAX_HH = PROFILE.grid.max_households


def _gdf(geoms, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=CRS)


households = st.one_of(st.integers(0, 80), st.integers(0, 400))


@st.composite
def buildings_in(draw, width: float, height: float, avoid: shapely.Geometry | None, max_buildings: int = 150):
    """Non-overlapping rectangles, one at most per slot of a lattice over the area.

    Sometimes the lattice is shifted half a slot out of the area, so the outer
    buildings straddle the boundary (those mostly outside are left out).
    """
    slot = draw(st.sampled_from([22.0, 30.0, 40.0]))
    slot = max(slot, float(np.ceil(np.sqrt(width * height / 200))))  # at most ~200 slots
    nx, ny = int(width // slot), int(height // slot)
    shift = 0.0
    if draw(st.sampled_from([False, False, True])):
        shift, nx, ny = -slot / 2, nx + 1, ny + 1
    building = st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0.3, 1), st.floats(0.3, 1), households)
    slots = draw(st.lists(st.one_of(st.none(), building), min_size=nx * ny, max_size=nx * ny))
    picks = [(cell, *b) for cell, b in enumerate(slots) if b is not None][:max_buildings]
    margin = 1.0  # buildings in neighbouring slots are at least 2 m apart
    geoms, hh = [], []
    for cell, fx, fy, fw, fh, n in picks:
        i, j = divmod(cell, ny)
        room = slot - 2 * margin
        w, h = max(6.0, fw * room), max(6.0, fh * room)
        x = X0 + shift + i * slot + margin + fx * (room - w)
        y = Y0 + shift + j * slot + margin + fy * (room - h)
        b = box(x, y, x + w, y + h)
        if avoid is not None and b.distance(avoid) < RIVER_CLEARANCE_M:
            continue
        geoms.append(b)
        hh.append(n)
    area = box(X0, Y0, X0 + width, Y0 + height)
    if not any(b.intersection(area).area >= 0.5 * b.area for b in geoms):
        # The river or the boundary took every building: add one well inside, off the river.
        corner = box(X0 + 2, Y0 + 2, X0 + 12, Y0 + 12)
        if avoid is not None and corner.distance(avoid) < RIVER_CLEARANCE_M:
            corner = box(X0 + width - 12, Y0 + height - 12, X0 + width - 2, Y0 + height - 2)
        geoms, hh = [corner], [draw(households)]
    return geoms, hh


@st.composite
def street_areas(draw):
    """Layers of one random area with streets, maybe a river, and buildings."""
    nx, ny = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    cell = float(draw(st.integers(60, 100)))
    width, height = nx * cell, ny * cell
    jit = 0.12 * cell
    jx = draw(st.lists(st.floats(-jit, jit), min_size=(nx + 1) * (ny + 1), max_size=(nx + 1) * (ny + 1)))
    jy = draw(st.lists(st.floats(-jit, jit), min_size=(nx + 1) * (ny + 1), max_size=(nx + 1) * (ny + 1)))

    def node(i: int, j: int) -> tuple[float, float]:
        k = i * (ny + 1) + j
        x = X0 + i * cell + (0.0 if i in (0, nx) else jx[k])
        y = Y0 + j * cell + (0.0 if j in (0, ny) else jy[k])
        return x, y

    # A class per street line, and some of its segments dropped (dead ends, merged blocks).
    v_class = draw(st.lists(st.sampled_from(CLASSES), min_size=nx - 1, max_size=nx - 1))
    h_class = draw(st.lists(st.sampled_from(CLASSES), min_size=ny - 1, max_size=ny - 1))
    dropped = st.sampled_from([False] * 5 + [True])
    v_drop = draw(st.lists(dropped, min_size=(nx - 1) * ny, max_size=(nx - 1) * ny))
    h_drop = draw(st.lists(dropped, min_size=nx * (ny - 1), max_size=nx * (ny - 1)))

    river = None
    river_row = -1
    if draw(st.booleans()):
        river_row = draw(st.integers(0, ny - 1))
        wiggle = draw(st.lists(st.floats(-0.12 * cell, 0.12 * cell), min_size=nx + 1, max_size=nx + 1))
        yr = Y0 + (river_row + 0.5) * cell
        river = LineString([(X0 - 10, yr + wiggle[0])]
                           + [(X0 + i * cell, yr + wiggle[i]) for i in range(1, nx)]
                           + [(X0 + width + 10, yr + wiggle[nx])])
    bridge_draws = draw(st.lists(st.booleans(), min_size=nx - 1, max_size=nx - 1))

    roads, classes, bridges = [], [], []
    for i in range(1, nx):
        for j in range(ny):
            if v_drop[(i - 1) * ny + j]:
                continue
            seg = LineString([node(i, j), node(i, j + 1)])
            if river is not None and j == river_row and seg.intersects(river):
                if bridge_draws[i - 1]:
                    roads.append(seg)
                    classes.append(v_class[i - 1])
                    bridges.append(True)
                    continue
                # Not a bridge: both halves stop short of the river.
                where = seg.project(seg.intersection(river))
                for a, b in ((0.0, where - RIVER_GAP_M), (where + RIVER_GAP_M, seg.length)):
                    if b - a > 1.0:
                        roads.append(substring(seg, a, b))
                        classes.append(v_class[i - 1])
                        bridges.append(False)
                continue
            roads.append(seg)
            classes.append(v_class[i - 1])
            bridges.append(False)
    for j in range(1, ny):
        for i in range(nx):
            if h_drop[j - 1 + i * (ny - 1)]:
                continue
            roads.append(LineString([node(i, j), node(i + 1, j)]))
            classes.append(h_class[j - 1])
            bridges.append(False)

    geoms, hh = draw(buildings_in(width, height, river))
    layers = {
        "boundary": _gdf([box(X0, Y0, X0 + width, Y0 + height)]),
        "buildings": _gdf(geoms, households=hh),
        "roads": _gdf(roads, highway=classes, bridge=bridges),
    }
    if river is not None:
        layers["barriers"] = _gdf([river], barrier_type=["waterway"])
    return layers


@st.composite
def roadless_areas(draw):
    """An area with buildings only: no roads, no barriers."""
    nx, ny = draw(st.integers(2, 5)), draw(st.integers(2, 4))
    width, height = nx * 60.0, ny * 60.0
    geoms, hh = draw(buildings_in(width, height, None, max_buildings=60))
    layers = {"boundary": _gdf([box(X0, Y0, X0 + width, Y0 + height)]), "buildings": _gdf(geoms, households=hh)}
    if draw(st.booleans()):
        layers["roads"] = _gdf([], highway=[])  # an empty roads layer, as opposed to none
    return layers


def _check_plan(layers: dict[str, gpd.GeoDataFrame]) -> gridkit.Plan:
    area = gridkit.area_from_layers(layers, where="hypothesis")
    plan = gridkit.partition(area, PROFILE, seed=0)
    grids, bld = plan.grids, plan.buildings

    report = gridkit.validate(plan)
    assert report.ok, report.failures

    # Unflagged grids stay within the maximum.
    flags = grids["flags"].fillna("").astype(str)
    assert (grids.loc[flags == "", "households"] <= MAX_HH).all(), grids[["code", "households", "flags"]]

    # Every building is in exactly one grid, the one its footprint lies in.
    assert len(bld) == len(area.buildings)
    assert bld["building_id"].is_unique
    assert set(bld["building_id"]) == set(area.buildings["building_id"])
    assert bld["grid_code"].isin(grids["code"]).all()
    codes = grids["code"].to_numpy()
    # (Only the part inside the area counts: a building may straddle the boundary.)
    fp = shapely.intersection(bld.geometry.values.to_numpy(), shapely.union_all(plan.area.geometry.values))
    pts = shapely.point_on_surface(fp)
    p, g = shapely.STRtree(grids.geometry.values).query(pts, predicate="within")
    assert len(p) == len(bld) and len(np.unique(p)) == len(bld)
    assert (codes[g] == bld["grid_code"].to_numpy()[p]).all()
    # ... and the whole footprint in it (up to the coordinate precision).
    own = grids.set_index("code").geometry.loc[bld["grid_code"]].to_numpy()
    outside = shapely.area(shapely.difference(fp, own))
    assert (outside < 1e-3 * np.maximum(1.0, shapely.area(fp))).all()

    # Buildings mostly outside the boundary are left out (and logged), the rest kept.
    inp = layers["buildings"]
    boundary = layers["boundary"].geometry.iloc[0]
    inside = shapely.area(shapely.intersection(inp.geometry.values, boundary)) >= 0.5 * inp.area.to_numpy()
    assert len(bld) == int(inside.sum())
    left_out = int((~inside).sum())
    assert plan.run_value("log.buildings_outside_boundary_left_out", "0") == str(left_out)
    # Households are neither lost nor made up.
    expected = int(inp.loc[inside, "households"].sum())
    assert int(grids["households"].sum()) == int(bld["households"].sum()) == expected
    per_grid = bld.groupby("grid_code")["households"].sum().reindex(codes, fill_value=0).to_numpy()
    assert (per_grid == grids["households"].to_numpy()).all()

    # A building above the maximum is a grid of its own, flagged oversize_building.
    big = bld[bld["households"] > MAX_HH]
    count = Counter(bld["grid_code"])
    for code in big["grid_code"]:
        row = grids[grids["code"] == code].iloc[0]
        assert "oversize_building" in row["flags"].split(","), row
        assert count[code] == 1 or bld.loc[bld["grid_code"] == code, "households"].nlargest(2).iloc[1] == 0
    oversize = grids[flags.str.contains("oversize_building")]
    assert set(oversize["code"]) == set(big["grid_code"])

    # Same seed, same plan.
    again = gridkit.partition(area, PROFILE, seed=0)
    assert again.grids["code"].tolist() == grids["code"].tolist()
    assert all(shapely.equals_exact(a, b, tolerance=0) for a, b in
               zip(again.grids.geometry.values, grids.geometry.values, strict=True))
    assert again.grids["households"].tolist() == grids["households"].tolist()
    assert again.buildings["grid_code"].tolist() == bld["grid_code"].tolist()
    return plan


@settings(PROPS)
@given(street_areas())
def test_random_street_networks(layers):
    _check_plan(layers)


@settings(PROPS, max_examples=12)
@given(roadless_areas())
def test_no_roads_divides_along_building_gaps(layers):
    plan = _check_plan(layers)
    assert set(plan.blocks["origin"]) <= {"street", "gap"}
    assert len(plan.roads) == 0
