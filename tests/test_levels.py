"""Levels, codes, compounds, existing plans, quarters (issue: three levels and repartitioning)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

import gridkit
from gridkit.existing import read_existing


def test_codes_unique_nested_and_stable(hk_path, hk_plan):
    again = gridkit.partition(gridkit.read_area(hk_path), "default", seed=0)
    g = hk_plan.grids
    assert g["code"].is_unique and hk_plan.communities["code"].is_unique
    assert (g["code"].str.len() == 15).all()
    assert all(code.startswith(comm) for code, comm in zip(g["code"], g["community_code"], strict=True))
    assert set(g["community_code"]) == set(hk_plan.communities["code"])
    assert list(again.grids["code"]) == list(g["code"])
    assert all(a.equals(b) for a, b in zip(again.grids.geometry, g.geometry, strict=True))
    # Serials run north-west to south-east: the first grid of a community lies north of its last.
    for _, grids in g.groupby("community_code"):
        ys = shapely.get_y(shapely.point_on_surface(grids.geometry.values))
        assert ys[0] >= ys[-1]


def test_grid_names_come_from_bounding_streets(hk_plan):
    names = hk_plan.grids["name"]
    assert names.is_unique
    assert names.str.endswith("网格").all()
    # Most grids in a named street network take a street's name.
    street_names = set(hk_plan.roads["name"].dropna().astype(str))
    from_street = [any(n.startswith(s) for s in street_names if s) for n in names]
    assert np.mean(from_street) > 0.5


def test_staffing_columns_follow_the_profile(hk_plan):
    g, c = hk_plan.grids, hk_plan.communities
    assert (g["grid_managers_min"] == 2).all() and (g["grid_managers_max"] == 3).all()
    assert (g["harmony_promoters_min"] == np.ceil(g["households"] / 40)).all()
    assert (g["harmony_promoters_max"] == np.ceil(g["households"] / 20)).all()
    assert (c["community_workers"] == np.ceil(c["households"] / 600)).all()
    assert (c["office_m2"] == np.ceil(c["population"] / 100 * 5)).all()


@pytest.mark.parametrize("sample, min_checked", [("fi_helsinki_centre", 5), ("cn_shanghai_bund", 0)])
def test_compounds_are_not_split(sample, min_checked):
    """Residential landuse polygons (compounds): one that fits a grid lies in one grid; one that
    does not is cut and its grids say so."""
    area = gridkit.read_area(f"data/samples/{sample}.gpkg")
    plan = gridkit.partition(area, "default", seed=0)
    from gridkit.compounds import block_compounds, compound_polygons

    profile = gridkit.load_profile("default")
    comps = compound_polygons(area.landuse, None, profile)
    assert len(comps) > 0
    which = block_compounds(plan.blocks, comps, profile.compounds.min_block_share)
    blocks = plan.blocks.assign(compound=which)
    flags = plan.grids.set_index("code")["flags"]
    checked = 0
    for _, members in blocks[blocks["compound"] >= 0].groupby("compound"):
        if len(members) < 2:
            continue
        if members["households"].sum() <= profile.grid.max_households:
            assert members["grid_code"].nunique() == 1
            checked += 1
        elif members["grid_code"].nunique() > 1:
            assert all("split_compound" in flags[c] for c in members["grid_code"].unique())
        if members["households"].sum() <= profile.community.max_households:
            assert members["community_code"].nunique() == 1
    assert checked >= min_checked


def _given_households(plan) -> gpd.GeoDataFrame:
    b = plan.buildings
    keep = [c for c in ("building_id", "building", "name", "households", "population") if c in b]
    return gpd.GeoDataFrame(b[keep], geometry=b.geometry.values, crs=b.crs)


def test_repartition_is_stable_and_keeps_locked_grids(hk_path, hk_plan, tmp_path):
    old = tmp_path / "old.gpkg"
    plan = hk_plan
    grids = plan.grids.copy()
    # Lock three grids far from the growing corner.
    ys = shapely.get_y(shapely.point_on_surface(grids.geometry.values))
    locked_codes = list(grids["code"].iloc[np.argsort(ys)[:3]])
    grids["locked"] = grids["code"].isin(locked_codes)
    gridkit.write_plan(dataclasses.replace(plan, grids=grids), old)

    # 10% more households in the north-west corner.
    b = _given_households(plan)
    pts = shapely.point_on_surface(b.geometry.values)
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    corner = (x < np.quantile(x, 0.35)) & (y > np.quantile(y, 0.65)) & (b["households"] > 0)
    extra = int(0.10 * b["households"].sum())
    add = np.zeros(len(b), dtype=int)
    idx = np.flatnonzero(corner)
    add[idx] = extra // len(idx)
    add[idx[: extra % len(idx)]] += 1
    b["households"] = b["households"] + add
    layers = {"buildings": b, "roads": plan.roads, "barriers": plan.barriers, "boundary": plan.area}
    area = gridkit.area_from_layers(layers, where="grown")
    area = dataclasses.replace(area, existing=read_existing(old).to_crs(area.crs))
    new = gridkit.partition(area, "default", seed=0)

    result = gridkit.validate(new)
    assert result.ok, result.failures
    m = result.metrics.set_index(["level", "name"])["value"]
    assert m[("grid", "stability")] >= 0.90
    assert m[("grid", "within_bounds")] == 1.0
    old_grids = pyogrio.read_dataframe(old, layer="grids").set_index("code")
    out = tmp_path / "new.gpkg"
    gridkit.write_plan(new, out)
    new_grids = pyogrio.read_dataframe(out, layer="grids").set_index("code")
    for code in locked_codes:
        assert new_grids.loc[code, "locked"]
        assert shapely.to_wkb(new_grids.loc[code].geometry) == shapely.to_wkb(old_grids.loc[code].geometry)
    # Unchanged grids keep their codes; the changes layer says what moved.
    changes = new.changes
    assert set(changes["change"]) >= {"unchanged"}
    same = changes[(changes["level"] == "grid") & (changes["change"] == "unchanged")]
    # A grid that stays in a community whose code is kept keeps its own code; one that moves
    # to another community must take that community's prefix.
    stays = same["old_code"].str[:12] == same["new_code"].str[:12]
    assert (same.loc[stays, "old_code"] == same.loc[stays, "new_code"]).all()
    assert stays.mean() >= 0.6
    assert changes[changes["change"] != "unchanged"]["households_moved"].sum() > 0


def test_diff_command_writes_change_table(hk_plan, tmp_path):
    old, new = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    gridkit.write_plan(hk_plan, old)
    other = gridkit.partition(gridkit.read_area("data/samples/hk_tsim_sha_tsui.gpkg"), "default", seed=5)
    gridkit.write_plan(other, new)
    out = tmp_path / "changes.xlsx"
    run = subprocess.run([sys.executable, "-m", "gridkit.cli", "diff", str(old), str(new), "-o", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    import openpyxl

    sheet = openpyxl.load_workbook(out)["changes"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["level", "change", "old_code", "new_code"]
    assert sheet.max_row > 1
    same = subprocess.run([sys.executable, "-m", "gridkit.cli", "diff", str(old), str(old)],
                          capture_output=True, text=True, timeout=300)
    assert same.returncode == 0 and "grid.unchanged" in same.stdout and "split" not in same.stdout


def _quarter_area(households: int):
    """A small enterprise living quarter beside an existing community."""
    crs = "EPSG:32650"
    x0, y0 = 500000.0, 3400000.0
    boundary = shapely.box(x0, y0, x0 + 200, y0 + 200)
    n = 8
    geoms = [shapely.box(x0 + 20 + (i % 4) * 45, y0 + 30 + (i // 4) * 90, x0 + 50 + (i % 4) * 45, y0 + 80 + (i // 4) * 90)
             for i in range(n)]
    hh = np.full(n, households // n)
    hh[: households % n] += 1
    b = gpd.GeoDataFrame({"id": range(n), "households": hh}, geometry=geoms, crs=crs)
    roads = gpd.GeoDataFrame({"highway": ["service"]}, geometry=[shapely.LineString([(x0 + 100, y0), (x0 + 100, y0 + 200)])],
                             crs=crs)
    near = shapely.box(x0 + 250, y0, x0 + 600, y0 + 300)
    far = shapely.box(x0 + 2000, y0, x0 + 2400, y0 + 300)
    existing = gpd.GeoDataFrame({"level": ["community", "community"], "code": ["440106001007", "440106001009"],
                                 "name": ["近社区", "远社区"], "locked": [False, False]},
                                geometry=[near, far], crs=crs)
    area = gridkit.area_from_layers({"buildings": b, "roads": roads,
                                     "boundary": gpd.GeoDataFrame(geometry=[boundary], crs=crs)}, where="quarter")
    return dataclasses.replace(area, existing=existing)


def test_small_quarter_joins_nearest_community_as_one_group():
    plan = gridkit.partition(_quarter_area(320), "quarter", seed=0)
    assert gridkit.validate(plan).ok
    assert len(plan.groups) == 1
    assert list(plan.communities["code"]) == ["440106001007"]
    assert plan.groups["community_code"].iat[0] == "440106001007"
    assert plan.groups["households"].iat[0] == 320


def test_large_quarter_becomes_a_community_of_its_own():
    plan = gridkit.partition(_quarter_area(900), "quarter", seed=0)
    assert gridkit.validate(plan).ok
    assert len(plan.communities) == 1
    code = plan.communities["code"].iat[0]
    assert code not in ("440106001007", "440106001009")
    assert "joined_to_nearest" not in plan.communities["flags"].iat[0]
    assert plan.grids["households"].max() <= 200 and plan.grids["households"].sum() == 900


@pytest.mark.parametrize("profile", ["rural", "quarter"])
def test_shipped_profiles_validate_on_a_sample(profile, hk_path):
    plan = gridkit.partition(gridkit.read_area(hk_path), profile, seed=0)
    result = gridkit.validate(plan)
    assert result.ok, result.failures
    # Unit names end in the profile's words: villages (村) in a rural town, communities (社区) in a city.
    words = gridkit.load_profile(profile).names
    assert words.community_suffix == ("村" if profile == "rural" else "社区")
    assert plan.communities["name"].str.endswith(words.community_suffix).all()
    assert not plan.communities["name"].str.endswith("社区").any() or profile != "rural"
    assert plan.grids["name"].str.endswith(words.grid_suffix).all()
    if plan.groups is not None and len(plan.groups):
        assert plan.groups["name"].str.endswith(words.group_suffix).all()


def _lattice(weights: np.ndarray, costs: list[float]):
    """Blocks in rows, each linked to the next in its row and to the one below (costs: row links first)."""
    from scipy.sparse import coo_matrix

    from gridkit.graph import GraphArrays

    rows, cols = weights.shape
    idx = np.arange(weights.size).reshape(rows, cols)
    a = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    b = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    adj = coo_matrix((np.r_[costs, costs], (np.r_[a, b], np.r_[b, a])), shape=(weights.size,) * 2).tocsr()
    y, x = np.divmod(np.arange(weights.size), cols)
    return GraphArrays(weight=weights.ravel().astype(np.int64), indptr=adj.indptr.astype(np.int64),
                       indices=adj.indices.astype(np.int64), cost=adj.data, x=x * 100.0, y=-y * 100.0,
                       area=np.full(weights.size, 1e4))


def test_a_grid_walled_in_by_full_neighbours_moves_to_the_community_with_room():
    """The block of 40 households in the middle row: communities of at most 600 are drawn first, and the
    one it falls in holds it between two blocks of 170 (210 with either) and the full top row's grids;
    the community to its east has room for it, its grid next door (150 + 40 of the block east of it)
    does not. Before the community boundary could move, the block stayed a grid of 40 (minimum 60)."""
    from gridkit.levels import solve_levels
    from gridkit.profile import UnitBounds

    weights = np.array([[50, 120, 120, 150],
                        [170, 40, 150, 40],
                        [0, 170, 160, 0]])
    costs = [1.0, 5.0, 1.0, 20.0, 1.0, 20.0, 5.0, 1.0, 5.0, 5.0, 1.0, 20.0, 5.0, 20.0, 1.0, 5.0, 5.0]
    g = _lattice(weights, costs)
    profile = gridkit.load_profile()
    profile = dataclasses.replace(profile, community=UnitBounds(300, 500, 600))
    levels = solve_levels(g, profile, compounds=np.full(g.n, -1))
    grid_hh = np.bincount(levels.grid, weights=g.weight)[np.unique(levels.grid)]
    assert not levels.grid_flags
    assert ((grid_hh >= 60) & (grid_hh <= 200)).all(), grid_hh
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    for c in np.unique(levels.community):
        members = levels.community == c
        assert 300 <= g.weight[members].sum() <= 600
        inner = members[src] & members[g.indices]
        assert _components(g.n, src[inner], g.indices[inner], np.flatnonzero(members)) == 1
    for p in np.unique(levels.grid):
        assert len(np.unique(levels.community[levels.grid == p])) == 1
    assert (levels.grid == levels.grid[5]).sum() > 1


def test_a_locked_community_takes_no_walled_in_grid():
    """The lattice above with an existing plan whose community east of the block of 40 is locked: the
    community keeps exactly its blocks, and the block stays a grid under the minimum (the user's lock wins)."""
    from gridkit.levels import solve_levels
    from gridkit.profile import UnitBounds

    weights = np.array([[50, 120, 120, 150],
                        [170, 40, 150, 40],
                        [0, 170, 160, 0]])
    costs = [1.0, 5.0, 1.0, 20.0, 1.0, 20.0, 5.0, 1.0, 5.0, 5.0, 1.0, 20.0, 5.0, 20.0, 1.0, 5.0, 5.0]
    g = _lattice(weights, costs)
    profile = dataclasses.replace(gridkit.load_profile(), community=UnitBounds(300, 500, 600))
    home = np.array([0, 0, 0, 0, 1, 1, 2, 2, 1, 1, 2, 2])
    levels = solve_levels(g, profile, compounds=np.full(g.n, -1), home_community=home, locked_community=home == 2)
    east = levels.community[6]
    assert levels.community_flags[int(east)] == ("locked",)
    assert np.flatnonzero(levels.community == east).tolist() == [6, 7, 10, 11]
    assert (levels.grid == levels.grid[5]).sum() == 1


@pytest.mark.parametrize("locked_east", [False, True])
def test_a_small_grid_joins_the_grid_next_door_in_the_next_community(locked_east):
    """A row of four blocks, two communities: the grid of 40 households (minimum 60) cannot join its own
    community's other grid (170 + 40 > 200) but the grid across the community boundary has room (100 + 40),
    and both communities stay within bounds: it joins that grid, whole, and its community. A locked
    community takes nothing in: then it stays as it was."""
    from gridkit.levels import _join_across
    from gridkit.profile import UnitBounds

    g = _lattice(np.array([[170, 40, 100, 150]]), [1.0, 1.0, 1.0])
    profile = dataclasses.replace(gridkit.load_profile(), community=UnitBounds(100, 300, 600))
    community, grid = np.array([0, 0, 1, 1]), np.array([0, 1, 2, 3])
    locked = community == 1 if locked_east else np.zeros(4, dtype=bool)
    _join_across(g, community, grid, {}, profile, units=np.full(4, -1), forced=frozenset(), locked=locked,
                 grids_of=None)
    if locked_east:
        assert community.tolist() == [0, 0, 1, 1] and grid.tolist() == [0, 1, 2, 3]
    else:
        assert community.tolist() == [0, 1, 1, 1] and grid.tolist() == [0, 2, 2, 3]


def _components(n: int, a: np.ndarray, b: np.ndarray, nodes: np.ndarray) -> int:
    """Connected components among ``nodes`` of the graph of edges ``a``-``b``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    _, comp = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)), directed=False)
    return len(np.unique(comp[nodes]))
