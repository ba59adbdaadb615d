"""Whole jobs from files to files (gridkit.pipeline): progress, cancelling, and never overwriting an input."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from conftest import ROOT
from gridkit.errors import Cancelled, InputError
from gridkit.io.write import check_output
from gridkit.pipeline import map_file, partition_file, report_file
from gridkit.progress import each, span, stages

HK = ROOT / "data" / "samples" / "hk_tsim_sha_tsui.gpkg"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def run_with_progress(tmp_path_factory):
    out = tmp_path_factory.mktemp("pipeline") / "plan.gpkg"
    seen: list[tuple[float, str]] = []
    plan = partition_file(HK, out, seed=0, progress=lambda f, s: seen.append((f, s)))
    return out, plan, seen


def test_progress_rises_from_zero_to_one_through_named_stages(run_with_progress):
    out, plan, seen = run_with_progress
    fractions = [f for f, _ in seen]
    assert out.exists() and len(plan.grids) > 0
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(b >= a for a, b in zip(fractions, fractions[1:], strict=False)), "progress went backwards"
    names = {s for _, s in seen}
    assert {"reading the input", "blocks", "grids", "writing the plan"} <= names
    # Each stage is told once, in one run of calls: partition's first share, named "blocks" as well, came
    # before prepare's own stages ("blocks, households, blocks, block graph").
    runs = [s for i, (_, s) in enumerate(seen) if i == 0 or seen[i - 1][1] != s]
    assert len(runs) == len(set(runs)), runs
    # Grids are reported per community, so the bar moves many times, not in a few jumps.
    assert len(seen) >= 10
    assert max(b - a for a, b in zip(fractions, fractions[1:], strict=False)) < 0.6


def test_cancel_from_the_callback_writes_nothing(tmp_path):
    out = tmp_path / "plan.gpkg"

    def stop(fraction: float, stage: str) -> None:
        if stage == "block graph":
            raise Cancelled("stopped by the user")

    with pytest.raises(Cancelled):
        partition_file(HK, out, seed=0, progress=stop)
    assert list(tmp_path.iterdir()) == []


def test_partition_over_its_own_input_is_refused_and_the_input_kept(tmp_path):
    """`gridkit partition A.gpkg -o A.gpkg` once replaced the user's data with the plan."""
    given = tmp_path / "A.gpkg"
    shutil.copy(HK, given)
    before = _digest(given)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run([sys.executable, "-m", "gridkit.cli", "partition", str(given), "-o", str(given)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 2
    assert "is also an input" in result.stderr and "Traceback" not in result.stderr
    assert _digest(given) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["A.gpkg"]


def test_output_over_a_hard_link_or_other_input_is_refused(tmp_path):
    given = tmp_path / "A.gpkg"
    shutil.copy(HK, given)
    link = tmp_path / "B.gpkg"
    os.link(given, link)
    with pytest.raises(InputError, match="is also an input"):
        partition_file(given, link)
    existing = tmp_path / "old.gpkg"
    shutil.copy(HK, existing)
    with pytest.raises(InputError, match="old.gpkg"):
        partition_file(given, existing, existing=existing)
    # The register's unmatched rows are written beside the plan: that file may not be an input either.
    register = tmp_path / "plan_register_unmatched.csv"
    pd.DataFrame({"building_id": ["1"], "households": [3]}).to_csv(register, index=False)
    with pytest.raises(InputError, match="plan_register_unmatched.csv"):
        partition_file(given, tmp_path / "plan.gpkg", households=register)
    assert _digest(given) == _digest(link)


def test_a_file_inside_an_input_folder_is_protected(tmp_path):
    folder = tmp_path / "town"
    folder.mkdir()
    b = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.box(0, 0, 10, 10)], crs="EPSG:32650")
    b.to_file(folder / "buildings.gpkg")
    with pytest.raises(InputError, match="is also an input"):
        check_output(folder / "buildings.gpkg", (".gpkg",), inputs=[folder])
    check_output(folder / "new_plan.gpkg", (".gpkg",), inputs=[folder])  # a new file beside them is fine


def test_map_and_report_refuse_to_replace_the_roster_or_plan(run_with_progress, tmp_path):
    plan_path, plan, _ = run_with_progress
    roster = tmp_path / "roster.xlsx"
    pd.DataFrame({"grid_code": [plan.grids["code"].iloc[0]], "name": ["张三"], "role": ["网格员"],
                  "phone": ["13800000000"]}).to_excel(roster, index=False)
    before = _digest(roster)
    with pytest.raises(InputError, match="is also an input"):
        report_file(plan_path, roster, roster=roster)
    assert _digest(roster) == before
    with pytest.raises(InputError, match="must end in"):
        map_file(plan_path, plan_path)
    communities, grids = report_file(plan_path, tmp_path / "scheme.xlsx", roster=roster)
    assert grids == len(plan.grids) and communities >= 1
    assert (tmp_path / "scheme.xlsx").exists()


def test_postgis_output_same_schema_as_input_is_refused():
    url = "postgresql://gis@db/city?schema=office_7"
    with pytest.raises(InputError, match="another schema"):
        check_output(url, (".gpkg",), inputs=["postgresql://gis:secret@db/city?schema=office_7"])
    check_output(url, (".gpkg",), inputs=["postgresql://gis@db/city?schema=office_8"])
    with pytest.raises(InputError, match="must be a file"):
        check_output(url, (".png",))


def test_progress_helpers_map_sub_ranges():
    seen: list[tuple[float, str]] = []
    def report(f: float, s: str) -> None:
        seen.append((round(f, 3), s))

    for name, sub in stages(report, [("a", 1.0), ("b", 3.0)]):
        for _ in each(sub, range(2), 2, name):
            pass
    assert seen == [(0.0, "a"), (0.125, "a"), (0.25, "a"), (0.25, "b"), (0.625, "b"), (1.0, "b"), (1.0, "b")]
    inner = span(report, 0.2, 0.4)
    inner(2.0, "clamped")
    assert seen[-1] == (0.4, "clamped")


def test_a_plan_is_a_geopackage_every_gdal_reads_without_a_warning(tmp_path):
    """gridkit's GDAL (3.12) wrote GeoPackage 1.4 for the Shanghai sample, and QGIS 3.22's GDAL (3.6) warned "may
    only be partially supported" on stderr at every open of the plan."""
    import sqlite3

    from gridkit.io.write import GPKG_VERSION

    out = tmp_path / "plan.gpkg"
    partition_file(ROOT / "data" / "samples" / "cn_shanghai_bund.gpkg", out, seed=0)
    with sqlite3.connect(out) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10300 and GPKG_VERSION == "1.3"
    if shutil.which("ogrinfo"):  # the system's GDAL (QGIS's on Debian 12): opens it without a word
        run = subprocess.run(["ogrinfo", "-so", "-q", str(out)], capture_output=True, text=True)
        assert run.returncode == 0 and "Warning" not in run.stderr, run.stderr
