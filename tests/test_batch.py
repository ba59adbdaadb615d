"""``gridkit batch`` on a real dask.distributed LocalCluster, over a small SYNTHETIC city (benchmarks/synthetic.py)."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
from pathlib import Path
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

import gridkit
from gridkit.batch import building_census, find_offices, office_sizes, run_batch
from gridkit.batch.offices import around_buildings
from gridkit.pipeline import partition_file
from gridkit.plan_units import area_name

ROOT = Path(__file__).resolve().parents[1]
N_BLOCKS, N_OFFICES, SEED = 240, 6, 3


def _synthetic():
    spec = importlib.util.spec_from_file_location("gridkit_bench_synthetic", ROOT / "benchmarks" / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    """A synthetic city of 6 street offices, written with its 'offices' layer."""
    synthetic = _synthetic()
    layers = synthetic.make_city(N_BLOCKS, seed=SEED)
    layers["offices"] = synthetic.make_offices(layers, N_OFFICES)
    assert len(layers["offices"]) >= 6
    path = tmp_path_factory.mktemp("city") / "synthetic_city.gpkg"
    synthetic.write_gpkg(layers, str(path))
    return path


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": ":0"}) as c:
        yield c


def _codes(city: Path) -> list[str]:
    return sorted(gpd.read_file(city, layer="offices")["code"])


def test_a_killed_worker_loses_and_duplicates_nothing(city, cluster, tmp_path):
    from distributed import Client

    out = tmp_path / "city_plan.gpkg"
    killed: dict[str, object] = {}
    with Client(cluster) as spy:
        def kill_a_busy_worker(stage: str, fraction: float) -> None:
            if killed or not stage.startswith(("1/", "2/")):
                return
            busy = [addr for addr, keys in spy.processing().items() if keys]
            if busy:
                pid = spy.run(os.getpid, workers=[busy[0]])[busy[0]]
                killed.update(pid=pid, keys=list(spy.processing()[busy[0]]))
                os.kill(pid, signal.SIGKILL)

        result = run_batch(city, out, scheduler=cluster.scheduler_address, seed=0, progress=kill_a_busy_worker)

    assert killed, "no worker was busy to kill"
    summary = result.summary
    assert sorted(summary["code"]) == _codes(city) and (summary["status"] == "ok").all(), result.failures
    # The offices that were running on the killed worker were finished by another process.
    interrupted = {k.removeprefix("gridkit-office-") for k in killed["keys"]}
    assert not summary[summary["code"].isin(interrupted)]["worker"].str.endswith(f":{killed['pid']}").any()
    manifest = [json.loads(line) for line in (tmp_path / "city_plan.gpkg.batch" / "manifest.jsonl").open()]
    assert sorted(r["code"] for r in manifest) == _codes(city)
    grids = gpd.read_file(out, layer="grids")
    assert grids["code"].is_unique
    assert sorted(grids["office_code"].unique()) == _codes(city)
    assert all(code.startswith(office) for code, office in zip(grids["code"], grids["office_code"], strict=True))
    offices = gpd.read_file(out, layer="offices")
    assert sorted(offices["code"]) == _codes(city) and len(offices) == len(_codes(city))
    buildings = gpd.read_file(out, layer="buildings")
    assert buildings["building_id"].is_unique
    assert len(buildings) == summary["buildings"].sum() == len(gpd.read_file(city, layer="buildings"))
    for plan in summary["plan"]:
        assert gridkit.validate(plan).ok, plan
    # The merged city plan is a plan too (its layers hold MultiPolygons, as the merge writes them).
    assert gridkit.validate(out).failures == []
    assert not list((tmp_path / "city_plan.gpkg.batch").rglob(".*.gpkg"))  # no temporary left behind


def test_resume_skips_finished_offices_and_merges_into_postgis(city, cluster, tmp_path, postgis_url):
    out, work = tmp_path / "plan.gpkg", tmp_path / "work"
    first = run_batch(city, out, scheduler=cluster.scheduler_address, seed=0, work_dir=work)
    redo = first.summary["code"].iloc[2]
    (work / "offices" / f"{redo}.gpkg").unlink()
    assert not (work / "inputs").exists()
    target = postgis_url + "&schema=city_plan"
    again = run_batch(city, target, scheduler=cluster.scheduler_address, seed=0, work_dir=work, resume=True,
                      keep_inputs=True)
    reused = dict(zip(again.summary["code"], again.summary["reused"], strict=True))
    assert reused == {code: code != redo for code in first.summary["code"]}
    merged = gridkit.read_plan(target)
    assert merged.grids["code"].tolist() == gpd.read_file(out, layer="grids")["code"].tolist()
    # Inputs kept for every office of the output, the reused ones too; one of those divides again into its plan.
    assert sorted(p.name for p in (work / "inputs").iterdir()) == sorted(f"{c}.{s}" for c in _codes(city)
                                                                         for s in ("gpkg", "toml"))
    code = next(c for c in first.summary["code"] if c != redo)
    redone = partition_file(work / "inputs" / f"{code}.gpkg", tmp_path / "again.gpkg",
                            profile=str(work / "inputs" / f"{code}.toml"))
    assert redone.grids["code"].tolist() == gpd.read_file(work / "offices" / f"{code}.gpkg", layer="grids")["code"].tolist()


def test_a_plan_file_not_its_offices_own_is_refused_at_the_merge(city, cluster, tmp_path):
    out, work = tmp_path / "plan.gpkg", tmp_path / "work"
    first = run_batch(city, out, scheduler=cluster.scheduler_address, seed=0, work_dir=work)
    merged = out.read_bytes()
    # Another office's plan copied over one that the manifest records as done: its codes repeat.
    plans = first.summary["plan"].tolist()
    Path(plans[1]).write_bytes(Path(plans[0]).read_bytes())
    with pytest.raises(gridkit.PlanError, match=f"{plans[1]}, layer 'grids': code {first.summary['code'].iloc[0]}"):
        run_batch(city, out, scheduler=cluster.scheduler_address, seed=0, work_dir=work, resume=True)
    assert out.read_bytes() == merged  # the earlier merged plan is left as it was


def test_an_empty_office_is_reported_empty_and_a_failing_one_failed_while_the_others_finish(city, cluster, tmp_path):
    """An office with no building (a port, a park) was a failure (exit 1) like an office whose data is wrong."""
    from typer.testing import CliRunner

    from gridkit.cli import app

    offices = gpd.read_file(city, layer="offices")
    minx, miny, maxx, maxy = offices.total_bounds
    extra = gpd.GeoDataFrame({"code": ["990100099", "990100098"], "name": ["合成空街道", "合成坏街道"]},
                             geometry=[shapely.box(maxx + 1000, miny, maxx + 2000, maxy),
                                       shapely.box(maxx + 3000, miny, maxx + 4000, maxy)], crs=offices.crs)
    boundaries = tmp_path / "offices.gpkg"
    gpd.pd.concat([offices, extra], ignore_index=True).to_file(boundaries, layer="offices")
    # The second extra office holds one building whose households are no count: its data is wrong.
    buildings = gpd.read_file(city, layer="buildings")
    bad = buildings.iloc[[0]].copy()
    bad["geometry"] = [shapely.box(maxx + 3400, miny + 400, maxx + 3420, miny + 420)]
    bad["households"] = "many"
    source = tmp_path / "city.gpkg"
    for layer in pyogrio_layers(city):
        frame = gpd.read_file(city, layer=layer)
        if layer == "buildings":
            frame = gpd.pd.concat([frame, bad], ignore_index=True)  # households: empty (estimated) but for it
        frame.to_file(source, layer=layer)
    out = tmp_path / "plan.gpkg"
    cli = CliRunner().invoke(app, ["batch", str(source), "--offices", str(boundaries), "-o", str(out), "--scheduler",
                                   cluster.scheduler_address, "--seed", "0"])
    assert cli.exit_code == 1, cli.output  # one office failed
    assert "office 990100099 合成空街道 is empty, no plan divides it" in cli.output
    assert f"{len(offices)}/{len(offices) + 2} offices (0 from an earlier run, 1 empty)" in cli.output
    assert "office 990100098 合成坏街道 failed" in cli.output and "households" in cli.output
    offices_out = gpd.read_file(out, layer="offices").set_index("code")
    assert offices_out.loc["990100099", "status"] == "empty" and offices_out.loc["990100098", "status"] == "failed"
    assert offices_out.loc["990100099", "error"].endswith("street office 990100099: no building lies within the "
                                                          "street office's boundary")
    assert (offices_out.drop(["990100099", "990100098"])["status"] == "ok").all()
    assert offices_out.loc["990100099"].geometry.area > 0  # the city plan still shows where it is
    failures = gpd.read_file(out, layer="failures")
    assert failures["code"].tolist() == ["990100098"]
    run = dict(gpd.read_file(out, layer="run")[["key", "value"]].itertuples(index=False))
    assert (run["offices_empty"], run["offices_failed"]) == ("1", "1")
    assert gridkit.validate(out).failures == []
    # Only the failed office's own input is written, and `gridkit partition` of it fails the same way.
    inputs = tmp_path / "plan.gpkg.batch" / "inputs"
    assert sorted(p.name for p in inputs.iterdir()) == ["990100098.gpkg", "990100098.toml"]
    with pytest.raises(gridkit.InputError, match="households"):
        partition_file(inputs / "990100098.gpkg", tmp_path / "again.gpkg", profile=str(inputs / "990100098.toml"))
    # Resumed, the empty office is taken as done (its record is its result); without the bad one, exit 0.
    again = run_batch(source, out, offices=boundaries, scheduler=cluster.scheduler_address, seed=0, resume=True)
    assert dict(zip(again.summary["code"], again.summary["reused"], strict=True))["990100099"]
    assert again.empty["code"].tolist() == ["990100099"]
    only_empty = tmp_path / "offices_empty.gpkg"
    gpd.pd.concat([offices, extra.iloc[:1]], ignore_index=True).to_file(only_empty, layer="offices")
    cli = CliRunner().invoke(app, ["batch", str(city), "--offices", str(only_empty), "-o", str(tmp_path / "p2.gpkg"),
                                   "--scheduler", cluster.scheduler_address, "--seed", "0"])
    assert cli.exit_code == 0, cli.output


def pyogrio_layers(path: Path) -> list[str]:
    import pyogrio

    return [str(n) for n, _ in pyogrio.list_layers(path)]


def test_a_seam_drawn_through_buildings_leaves_each_whole_in_one_office(city, cluster, tmp_path):
    """Boundaries drawn without the buildings (a real layer's seams cut them): each building cut is
    divided whole by the office holding most of it, and the merged plan is valid (its neighbour's grid
    covered the rest of it, failing building_integrity) with no gap or overlap between the offices.
    The buildings have no ids of their own: each office numbers them b1, b2 … (the merged plan repeated
    them, failing assignment)."""
    import pyogrio

    layers = {str(n): gpd.read_file(city, layer=str(n)) for n, _ in pyogrio.list_layers(city)}
    layers["buildings"] = layers["buildings"].drop(columns=["id"])
    city = tmp_path / "synthetic_city.gpkg"
    for name, frame in layers.items():
        frame.to_file(city, layer=name)
    buildings = layers["buildings"]
    hull = shapely.convex_hull(shapely.union_all(buildings.geometry.values)).buffer(50)
    minx, miny, maxx, maxy = hull.bounds
    x = float(buildings.geometry.centroid.x.median())
    halves = [shapely.intersection(hull, shapely.box(a, miny, b, maxy)) for a, b in ((minx, x), (x, maxx))]
    offices = gpd.GeoDataFrame({"code": ["990100001", "990100002"], "name": ["合成西街道", "合成东街道"]},
                               geometry=halves, crs=buildings.crs)
    cut = shapely.intersects(buildings.geometry.values, shapely.LineString([(x, miny), (x, maxy)]))
    assert cut.sum() >= 3
    boundaries = tmp_path / "offices.gpkg"
    offices.to_file(boundaries, layer="offices")
    out = tmp_path / "plan.gpkg"
    result = run_batch(city, out, offices=boundaries, scheduler=cluster.scheduler_address, seed=0)
    assert result.failures.empty
    assert gridkit.validate(out).failures == []
    merged = gpd.read_file(out, layer="buildings")
    assert len(merged) == result.summary["buildings"].sum() == len(buildings)
    assert merged["building_id"].is_unique
    # Maps and reports of the city's plan are titled by the city's input (they said 'area').
    assert area_name(gridkit.read_plan(out)) == "synthetic_city"
    # Its profile is the batch's, not the first office's (with that office's codes).
    assert gridkit.read_plan(out).run_value("profile") == gridkit.load_profile("default").with_seed(0).to_toml()
    areas = gpd.read_file(out, layer="area").geometry.values
    assert shapely.area(shapely.intersection(areas[0], areas[1])) == pytest.approx(0, abs=1e-3)
    assert shapely.union_all(areas).area == pytest.approx(hull.area, rel=1e-9)


def test_the_batchs_own_cluster_is_quiet_when_dasks_port_is_taken(city, tmp_path):
    """Another Dask cluster on the machine holds port 8787: the batch's own cluster said
    'Port 8787 is already in use. Perhaps you already have a cluster running?' to the analyst."""
    import socket
    import warnings

    one = gpd.read_file(city, layer="offices").iloc[[0]]
    boundaries = tmp_path / "offices.gpkg"
    one.to_file(boundaries, layer="offices")
    with socket.socket() as taken, warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        try:
            taken.bind(("", 8787))
        except OSError:
            pass  # taken already
        result = run_batch(city, tmp_path / "plan.gpkg", offices=boundaries, workers=1, seed=0)
    assert result.failures.empty
    assert not [w for w in said if "8787" in str(w.message)]


def _centres(city: Path) -> np.ndarray:
    bounds = gpd.read_file(city, layer="buildings").geometry.bounds
    return shapely.points((bounds["minx"] + bounds["maxx"]) / 2, (bounds["miny"] + bounds["maxy"]) / 2)


def test_footprints_overlapping_across_a_seam_go_to_one_office_together():
    """Two overlapping footprints on a seam (a building part drawn over a larger building, as on the HFUT
    campus), 4/5 of one left, 6/7 of the other right: each office took in its own and both took their
    overlap (the offices overlapped); then each lay partly under the other's grid. They move together,
    to the side holding most of their union (here 12/20 right)."""
    left, right = shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)
    copies = np.array([shapely.box(6, 2, 11, 4), shapely.box(9, 2, 16, 4)])
    a, b = (around_buildings(r, copies, 0.5) for r in (left, right))
    assert shapely.area(shapely.intersection(a, b)) == pytest.approx(0, abs=1e-9)
    assert shapely.union(a, b).area == pytest.approx(200)
    assert b.contains(shapely.box(6, 2, 16, 4)) and not a.intersects(shapely.box(6.5, 2.5, 9.5, 3.5))


def test_an_enclave_whose_building_crosses_its_boundary_stays_the_neighbours():
    """A Vaduz enclave inside Planken (Liechtenstein's municipalities, OSM): its one building reaches a
    little over the enclave's boundary. Planken's region gave that part of the footprint back, and the
    enclave, now grown by it, was no longer a hole Planken had, so it was filled: both offices divided
    the enclave (merged plan: grid overlap and a building in two grids)."""
    outer = shapely.Polygon(shapely.box(0, 0, 100, 100).exterior, [shapely.box(40, 40, 60, 60).exterior.coords])
    enclave = shapely.box(40, 40, 60, 60)
    house = np.array([shapely.box(55, 45, 62, 50)])  # 5/7 in the enclave
    a, b = around_buildings(outer, house, 0.5), around_buildings(enclave, house, 0.5)
    assert shapely.area(shapely.intersection(a, b)) == pytest.approx(0, abs=1e-9)
    assert shapely.union(a, b).area == pytest.approx(100 * 100)
    assert b.contains(house[0]) and not a.intersects(shapely.box(56, 46, 61, 49))


def test_buildings_in_a_gap_between_boundaries_are_counted(city, tmp_path):
    """Buildings whose box centre is in no office are counted; a feature without geometry (a way cut at
    an OSM extract's edge) is no such building."""
    import shutil

    copy = tmp_path / "city.gpkg"
    shutil.copy(city, copy)
    buildings = gpd.read_file(city, layer="buildings")
    buildings.iloc[:1].set_geometry([None], crs=buildings.crs).to_file(copy, layer="buildings", mode="a")
    offices = gpd.read_file(city, layer="offices")
    offices.loc[0, "geometry"] = offices.geometry.iloc[0].buffer(-30)
    boundaries = tmp_path / "offices.gpkg"
    offices.to_file(boundaries, layer="offices")
    census = building_census(find_offices(copy, offices=boundaries))
    in_none = ~shapely.intersects(_centres(city), shapely.union_all(offices.geometry.values))
    assert census.outside == in_none.sum() > 0
    assert census.shared == []


def test_boundaries_overlapping_where_buildings_stand_are_refused_before_any_work(city, tmp_path):
    offices = gpd.read_file(city, layer="offices")
    offices.loc[0, "geometry"] = offices.geometry.iloc[0].buffer(100)
    boundaries = tmp_path / "offices.gpkg"
    offices.to_file(boundaries, layer="offices")
    with pytest.raises(gridkit.InputError, match=rf"^{boundaries}: the boundaries of street offices "
                                                 rf"({offices['code'].iloc[0]} .* and|.* and {offices['code'].iloc[0]} )"
                                                 r".* overlap where \d+ buildings? stands?"):
        run_batch(city, tmp_path / "plan.gpkg", offices=boundaries)
    assert not (tmp_path / "plan.gpkg.batch").exists()


def test_relative_paths_reach_workers_started_in_another_folder(city, cluster, tmp_path, monkeypatch):
    """`dask worker` is started in its own folder: a relative input and output named nothing there
    (every office failed with 'no such file', or its plan went to the worker's folder)."""
    import shutil

    shutil.copy(city, tmp_path / "city.gpkg")
    monkeypatch.chdir(tmp_path)  # the driver's folder; the cluster's workers stay where they started
    result = run_batch("city.gpkg", "plan.gpkg", scheduler=cluster.scheduler_address, seed=0)
    assert result.failures.empty, result.failures["error"].tolist()
    assert sorted(p.name for p in (tmp_path / "plan.gpkg.batch" / "offices").iterdir()) == \
        [f"{c}.gpkg" for c in _codes(city)]


def test_an_unreadable_input_in_a_folder_of_offices_fails_that_office_alone(city, cluster, tmp_path):
    """One office's file is broken (not map data): the batch refused the whole city before any work."""
    import shutil

    folder = tmp_path / "offices"
    folder.mkdir()
    shutil.copy(city, folder / "good.gpkg")
    (folder / "broken.gpkg").write_bytes(b"\x00not a geopackage" * 100)
    result = run_batch(folder, tmp_path / "plan.gpkg", scheduler=cluster.scheduler_address, seed=0)
    # The good office is named by its boundary layer, the broken one by its file.
    assert sorted(zip(result.summary["status"], result.summary["name"], strict=True))[0] == ("failed", "broken")
    assert sorted(result.summary["status"]) == ["failed", "ok"]
    assert result.failures["error"].iloc[0].startswith(f"{folder / 'broken.gpkg'}: cannot be opened")


def test_offices_are_sized_by_their_buildings_to_start_the_largest_first(city):
    found = find_offices(city)
    sizes = office_sizes(found)
    centres = _centres(city)
    assert sizes == {o.code: float(shapely.contains(o.region, centres).sum()) for o in found}
    assert len(set(sizes.values())) > 1


def test_offices_in_postgis_are_sized_by_their_buildings_as_in_a_file(city, postgis_url):
    import pyogrio

    from gridkit.io import postgis

    source = postgis_url + "&schema=city_sizes"
    postgis.write_layers(source, {str(name): gpd.read_file(city, layer=str(name))
                                  for name, _ in pyogrio.list_layers(city)})
    sizes = office_sizes(find_offices(source))
    assert sizes == office_sizes(find_offices(city))
    # The same census of buildings in no office or two (none here), by the same rule.
    assert building_census(find_offices(source)) == building_census(find_offices(city))
    assert sum(sizes.values()) == len(gpd.read_file(city, layer="buildings"))  # counts, not areas
    # A layer given as a query is counted the same way.
    query = source + "&buildings=" + quote("SELECT * FROM city_sizes.buildings")
    assert office_sizes(find_offices(query)) == sizes


def test_office_boundaries_given_as_a_table_without_shapes_are_refused_in_one_line(city, tmp_path):
    """A CSV of the offices' names and codes given as --offices was an internal error (AttributeError)."""
    table = tmp_path / "offices.csv"
    gpd.read_file(city, layer="offices").drop(columns="geometry").to_csv(table, index=False)
    with pytest.raises(gridkit.InputError, match=r"offices.csv: has no geometry column \(a table, not a map layer\)"):
        run_batch(city, tmp_path / "plan.gpkg", offices=table)


def test_repeated_office_codes_are_refused_before_any_work(city, tmp_path):
    offices = gpd.read_file(city, layer="offices")
    offices.loc[1, "code"] = offices.loc[0, "code"]
    boundaries = tmp_path / "offices.gpkg"
    offices.to_file(boundaries, layer="offices")
    with pytest.raises(gridkit.InputError, match="share the code"):
        run_batch(city, tmp_path / "plan.gpkg", offices=boundaries)
    assert not (tmp_path / "plan.gpkg").exists()


def test_offices_sharing_a_name_or_a_code_are_refused_naming_their_rows(city, tmp_path):
    """Two offices of one county named alike (a boundary pasted twice) were divided, and their maps and
    reports titled the same; a shared code named the offices only, not which features to correct."""
    offices = gpd.read_file(city, layer="offices")
    boundaries = tmp_path / "offices.gpkg"
    named = offices.copy()
    named.loc[3, "name"] = named.loc[1, "name"]
    named.to_file(boundaries, layer="offices")
    with pytest.raises(gridkit.InputError, match=f"feature 2 \\('{named.loc[1, 'name']}'\\) and feature 4 .* share the "
                                                 "name"):
        run_batch(city, tmp_path / "plan.gpkg", offices=boundaries)
    coded = offices.copy()
    coded.loc[4, "code"] = coded.loc[2, "code"] + "000"  # the same office's 12-digit statistical code
    coded.to_file(boundaries, layer="offices")
    with pytest.raises(gridkit.InputError, match=f"feature 3 .* and feature 5 .* share the code {coded.loc[2, 'code']}"):
        run_batch(city, tmp_path / "plan.gpkg", offices=boundaries)
    assert not (tmp_path / "plan.gpkg").exists() and not (tmp_path / "plan.gpkg.batch").exists()
    # In another county the same name is another office (城关镇 is in many counties).
    other = offices.copy()
    other.loc[3, "name"], other.loc[3, "code"] = other.loc[1, "name"], "990200001"
    assert len(find_offices(city, offices=_written(other, tmp_path / "other.gpkg"))) == len(offices)


def test_an_office_without_a_name_is_named_in_the_maps_language(city, tmp_path):
    """It was 'street office 285000001' in English, on Chinese maps and reports."""
    offices = gpd.read_file(city, layer="offices")
    offices.loc[0, "name"] = None
    code = offices.loc[0, "code"]
    found = {o.code: o.name for o in find_offices(city, offices=_written(offices, tmp_path / "o.gpkg"))}
    assert found[code] == f"未命名街道 {code}"
    rural = {o.code: o.name for o in find_offices(city, offices=tmp_path / "o.gpkg", office_suffix="乡镇")}
    assert rural[code] == f"未命名乡镇 {code}"
    assert gridkit.load_profile("rural").names.office_suffix == "乡镇"


def _written(frame: gpd.GeoDataFrame, path: Path) -> Path:
    frame.to_file(path, layer="offices")
    return path


def test_cli_batch_on_an_existing_cluster(city, cluster, tmp_path):
    from typer.testing import CliRunner

    from gridkit.cli import app

    out = tmp_path / "cli_plan.gpkg"
    result = CliRunner().invoke(app, ["batch", str(city), "-o", str(out), "--scheduler", cluster.scheduler_address,
                                      "--seed", "0", "--keep-inputs"])
    assert result.exit_code == 0, result.output
    assert f"{out}: {len(_codes(city))}/{len(_codes(city))} offices" in result.output
    # Off a terminal (a log) the progress is a line per office done, not nothing for minutes.
    n = len(_codes(city))
    assert all(f"gridkit batch: {k}/{n} offices (" in result.output for k in range(n + 1)), result.output
    grids = gpd.read_file(out, layer="grids")
    assert grids["code"].is_unique
    # Every office's own input is kept, and `gridkit partition` of it makes the office's plan again.
    work = tmp_path / "cli_plan.gpkg.batch"
    assert sorted(p.name for p in (work / "inputs").iterdir()) == sorted(f"{c}.{s}" for c in _codes(city)
                                                                         for s in ("gpkg", "toml"))
    code = _codes(city)[0]
    again = CliRunner().invoke(app, ["partition", str(work / "inputs" / f"{code}.gpkg"), "-o",
                                     str(tmp_path / "again.gpkg"), "--profile", str(work / "inputs" / f"{code}.toml")])
    assert again.exit_code == 0, again.output
    own, redone = (gpd.read_file(p, layer="grids") for p in (work / "offices" / f"{code}.gpkg",
                                                               tmp_path / "again.gpkg"))
    assert own["code"].tolist() == redone["code"].tolist()
    assert own.geometry.geom_equals_exact(redone.geometry, 0).all()


def test_cli_batch_never_prints_the_password_of_a_postgis_output(city, cluster, tmp_path, postgis_url):
    from typer.testing import CliRunner

    from gridkit.cli import app

    target = postgis_url.replace("postgres@", "postgres:s3cret@") + "&schema=cli_city"  # the test server trusts
    result = CliRunner().invoke(app, ["batch", str(city), "-o", target, "--scheduler", cluster.scheduler_address,
                                      "--work-dir", str(tmp_path / "work"), "--seed", "0"])
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output and "postgres:***@" in result.output


@pytest.fixture(scope="module")
def city_by_column(tmp_path_factory) -> tuple[Path, gpd.GeoDataFrame]:
    """The same SYNTHETIC city without boundary polygons: each building names its office in a column '街道'."""
    synthetic = _synthetic()
    layers = synthetic.make_city(N_BLOCKS, seed=SEED)
    offices = synthetic.make_offices(layers, N_OFFICES)
    buildings = layers["buildings"]
    left, right = shapely.STRtree(offices.geometry.values).query(buildings.geometry.values, predicate="intersects")
    share = shapely.area(shapely.intersection(buildings.geometry.values[left], offices.geometry.values[right]))
    best = gpd.pd.DataFrame({"b": left, "o": right, "s": share}).sort_values("s").drop_duplicates("b", keep="last")
    buildings["街道"] = None
    buildings.loc[buildings.index[best["b"]], "街道"] = offices["name"].to_numpy()[best["o"]]
    layers.pop("boundary", None)
    path = tmp_path_factory.mktemp("city_column") / "city_by_column.gpkg"
    synthetic.write_gpkg(layers, str(path))
    return path, buildings


def test_offices_from_a_buildings_column_hold_exactly_their_buildings(city_by_column):
    path, buildings = city_by_column
    found = find_offices(path, office_column="街道")
    named = buildings[buildings["街道"].notna()]
    assert sorted(o.name for o in found) == sorted(named["街道"].unique())
    assert all(o.code_source == "assigned" and len(o.code) == 9 for o in found)
    regions = {o.name: o.region for o in found}
    # The regions tile the city: no overlap.
    total = sum(r.area for r in regions.values())
    assert total == pytest.approx(shapely.union_all(list(regions.values())).area, rel=1e-9)
    # Every building falls to its own office by the area rule (most of its footprint inside).
    rule = gridkit.load_profile("default").cleaning.inside_share
    for name, group in named.groupby("街道"):
        inside = shapely.area(shapely.intersection(group.geometry.values, regions[name]))
        assert (inside >= rule * shapely.area(group.geometry.values)).all(), name


def test_batch_over_a_buildings_column_counts_every_building_in_its_office(city_by_column, cluster, tmp_path):
    path, buildings = city_by_column
    result = run_batch(path, tmp_path / "plan.gpkg", office_column="街道", scheduler=cluster.scheduler_address,
                       seed=0)
    assert result.failures.empty and (result.summary["status"] == "ok").all()
    assert set(result.summary["name"]) == set(buildings["街道"].dropna())
    for row in result.summary.itertuples():
        plan = gridkit.read_plan(row.plan)
        # Every building the office's plan counts is one of its own, and it counts all of them that
        # the area reader keeps (it may merge a footprint drawn twice, never move one to another office).
        assert set(plan.buildings["街道"]) == {row.name}
        own = int((buildings["街道"] == row.name).sum())
        assert 0.98 * own <= len(plan.buildings) <= own, row.name
        assert gridkit.validate(plan).failures == [], row.name


def test_a_missing_office_column_is_named_with_the_columns_there(city_by_column):
    path, _ = city_by_column
    with pytest.raises(gridkit.InputError, match=r"no column '街道办'.*columns: .*街道"):
        find_offices(path, office_column="街道办")


def test_a_database_down_when_the_tasks_start_is_waited_for(city, cluster, tmp_path):
    """The city is in a real PostGIS server that stops as the tasks start and comes back 10 s later.

    Late enough that the first tasks find it down even on a loaded machine (a worker restarted by an
    earlier test imports gridkit first; 3 s was not always enough), early enough for their waits
    (1 + 2 + 4 + 8 s)."""
    import threading

    import pyogrio
    from pgcluster import folder_of, postgis_cluster, start, stop

    from gridkit.io import postgis

    layers = {str(name): gpd.read_file(city, layer=str(name)) for name, _ in pyogrio.list_layers(city)}
    restart: list[threading.Timer] = []
    with postgis_cluster() as url:
        source = url + "&schema=city"
        postgis.write_layers(source, layers)
        folder = folder_of(url)

        def down_as_tasks_start(stage: str, fraction: float) -> None:
            if not restart:
                stop(folder)
                restart.append(threading.Timer(10.0, start, (folder,)))
                restart[0].start()

        result = run_batch(source, tmp_path / "plan.gpkg", scheduler=cluster.scheduler_address, seed=0,
                           progress=down_as_tasks_start)
        restart[0].join()
    assert result.failures.empty, result.failures["error"].tolist()
    assert sorted(result.summary["code"]) == _codes(city)
    # The first tasks found the server down and waited for it (the others may have started after).
    assert result.summary["waited_s"].max() >= 1.0
    for row in result.summary.itertuples():
        assert gridkit.validate(gridkit.read_plan(row.plan)).failures == [], row.code


def test_an_office_whose_input_cannot_be_kept_either_is_failed_not_a_crashed_task(tmp_path, monkeypatch):
    """On a full disk the office's plan fails, and so does writing its input for `gridkit partition` to
    reproduce it: that second InputError escaped the task, which Dask retried and logged with its traceback
    three times per office (1,200 lines for one city) before the office was listed."""
    from gridkit.batch import task
    from gridkit.batch.offices import Office
    from gridkit.errors import InputError

    full = "cannot be written: the disk is full"

    def refuse(*_args, **_kw):
        raise InputError(f"{tmp_path}/x.gpkg: {full}")

    monkeypatch.setattr(task, "_office_layers", lambda *_: {"buildings": gpd.GeoDataFrame(geometry=[])})
    monkeypatch.setattr(task, "_partition_layers", refuse)
    monkeypatch.setattr(task, "_write_input", refuse)
    office = Office("000000001", "甲街道", "city.gpkg", shapely.to_wkb(shapely.box(0, 0, 1, 1)), "EPSG:4326")
    record = task.run_office(office, task.BatchConfig(str(tmp_path), gridkit.load_profile("default")))
    assert record["status"] == "failed"
    assert record["error"] == f"{tmp_path}/x.gpkg: {full} (its input was not kept either: {tmp_path}/x.gpkg: {full})"


def test_a_city_input_gdal_cannot_open_is_one_line(tmp_path):
    """A batch over a file that is no map data, or a city's GeoPackage gzipped: GDAL's DataSourceError escaped as
    'internal error' (exit 3). Now said as partition says it; a .gz is to be unpacked first (partition reads one)."""
    notes = tmp_path / "city.gpkg"
    notes.write_text("not a map", encoding="utf-8")
    packed = tmp_path / "city.gpkg.gz"
    packed.write_bytes(b"\x1f\x8b")
    broken = tmp_path / "offices.geojson"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(gridkit.InputError, match=r"city\.gpkg: cannot be opened as a vector data source: not map data"):
        find_offices(notes)
    with pytest.raises(gridkit.InputError, match=r"city\.gpkg\.gz: a batch reads the city's data once per street "
                                                 r"office; unpack it first \(gunzip city\.gpkg\.gz\)"):
        find_offices(packed)
    with pytest.raises(gridkit.InputError, match=r"offices\.geojson: cannot be opened as a vector data source"):
        find_offices(notes, offices=broken)


def test_a_city_whose_layers_name_no_crs_is_divided_in_the_crs_given(city, cluster, tmp_path):
    """A city's layers exported from CAD without their ``.prj``: ``batch`` refused them ("has no coordinate reference
    system") with no way to say it, as ``partition --crs`` can; ``batch --crs`` (``run_batch(crs=…)``) now does."""
    bare = tmp_path / "bare_city.gpkg"
    crs = None
    for name, _ in pyogrio.list_layers(city):
        frame = gpd.read_file(city, layer=name)
        crs = crs or frame.crs
        pyogrio.write_dataframe(frame.set_crs(None, allow_override=True), bare, layer=name)
    out = tmp_path / "plan.gpkg"
    with pytest.raises(gridkit.InputError, match="'offices': has no coordinate reference system .* --crs"):
        run_batch(bare, out, scheduler=cluster.scheduler_address, seed=0)
    done = run_batch(bare, out, scheduler=cluster.scheduler_address, seed=0, crs=crs.to_string())
    assert done.summary["status"].eq("ok").all() and len(done.summary) == len(_codes(city))
