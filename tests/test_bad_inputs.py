"""Every input variant of tests/input_variants.py through the command line: real towns' data in any CRS,
layout and register works (exit 0, a plan that validates against its input); bad input is refused with
one line naming the file, layer, feature or row and the problem, exit 2, nothing written."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys

import geopandas as gpd
import pyogrio
import pytest

import gridkit
from gridkit.validate import validate
from input_variants import VARIANTS, run_variant


@pytest.mark.parametrize("name", list(VARIANTS))
def test_input_variant(name, tmp_path):
    outcome = run_variant(name, tmp_path, full=name in ("chinese_columns", "shapefiles_gbk"))
    assert not outcome.traceback, outcome.stderr
    assert outcome.problem == "", f"{outcome.problem}\n{outcome.stderr}"


def test_a_folder_nobody_may_write_in_is_an_input_error_for_library_callers_too(hk_plan, tmp_path):
    """``write_plan`` without ``check_output`` (a notebook): the system's refusal is one clear InputError."""
    from input_variants import _immutable

    locked = tmp_path / "locked"
    locked.mkdir()
    _immutable(locked, True)
    try:
        with pytest.raises(gridkit.InputError, match=r"locked/plan\.gpkg: cannot be written: Operation not permitted"):
            gridkit.write_plan(hk_plan, locked / "plan.gpkg")
    finally:
        _immutable(locked, False)
    assert not list(locked.iterdir())


_STOP_WHILE_WRITING = """
import os, signal, sys
import pyogrio
from gridkit import cli
write = pyogrio.write_dataframe
def write_then_stop(*args, **kw):  # the plan's first layer is written, then the job is stopped
    write(*args, **kw)
    os.kill(os.getpid(), getattr(signal, sys.argv[1]))
pyogrio.write_dataframe = write_then_stop
cli.app(sys.argv[2:], prog_name="gridkit")
"""


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_run_stopped_by_a_signal_while_writing_leaves_no_file_and_the_old_plan(name, hk_path, plan_file, tmp_path):
    """A scheduler's SIGTERM or a closed terminal's SIGHUP undoes the write as Ctrl-C does: no temporary
    file or journal is left, the plan already there is as it was, one line says so, exit 128 + signal."""
    import shutil
    import signal
    import subprocess
    import sys

    out = tmp_path / "plan.gpkg"
    shutil.copy(plan_file, out)
    before = out.read_bytes()
    done = subprocess.run([sys.executable, "-c", _STOP_WHILE_WRITING, name, "partition", str(hk_path), "-o", str(out),
                           "--seed", "0"], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 128 + getattr(signal, name), done.stderr
    assert done.stderr.strip().splitlines() == ["gridkit: interrupted; nothing was written"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.gpkg"]
    assert out.read_bytes() == before


def test_a_plan_layer_saved_again_in_another_crs_is_read_in_the_plans(plan_file, tmp_path):
    """QGIS's 'save as' of the grids layer in lon/lat: the plan still validates (it was judged invalid,
    every grid missing its blocks), and reads back in its own CRS."""
    plan = tmp_path / "plan.gpkg"
    shutil.copy(plan_file, plan)
    grids = gpd.read_file(plan, layer="grids")
    pyogrio.write_dataframe(grids.to_crs(4326), plan, layer="grids")
    assert validate(plan).failures == []
    read = gridkit.read_plan(plan)
    assert read.grids.crs == grids.crs
    assert abs(read.grids.area.sum() - grids.area.sum()) < 1e-3 * grids.area.sum()


def _gdal_full() -> Exception:
    return pyogrio.errors.FeatureError("Could not add feature to layer at index 0: sqlite3_exec(INSERT INTO "
                                       "gpkg_contents ...) failed: database or disk is full")


def _zlib_over_enospc() -> Exception:
    """A PDF writer closing after the disk filled: zlib's error, on top of the OSError that says why."""
    try:
        raise OSError(28, "No space left on device")
    except OSError:
        try:
            raise ValueError("Error -2 while flushing: buffer error")
        except ValueError as exc:
            return exc


@pytest.mark.parametrize("error", [_gdal_full, _zlib_over_enospc])
def test_a_disk_filling_up_under_a_write_is_said_so_and_leaves_nothing(error, hk_plan, tmp_path, monkeypatch):
    """Was an internal error (GDAL's FeatureError, zlib's error), exit 3."""
    write = pyogrio.write_dataframe

    def write_then_fill(*args, **kw):
        write(*args, **kw)
        raise error()

    monkeypatch.setattr(pyogrio, "write_dataframe", write_then_fill)
    with pytest.raises(gridkit.InputError, match=r"plan\.gpkg: cannot be written: the disk is full"):
        gridkit.write_plan(hk_plan, tmp_path / "plan.gpkg")
    assert not list(tmp_path.iterdir())


def test_a_commit_that_found_the_disk_full_is_said_so_though_gdal_does_not(hk_plan, tmp_path, monkeypatch):
    """SQLite's commit that finds no room says only "Failed to commit transaction" through GDAL (a plan or a
    batch's merged plan on a full disk): it was an internal error, exit 3. With no room left, it is said so."""
    import shutil
    from collections import namedtuple

    write = pyogrio.write_dataframe

    def write_then_fail(*args, **kw):
        write(*args, **kw)
        raise pyogrio.errors.DataSourceError("Failed to commit transaction")

    monkeypatch.setattr(pyogrio, "write_dataframe", write_then_fail)
    room = namedtuple("room", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _: room(400 << 10, 396 << 10, 4 << 10))
    with pytest.raises(gridkit.InputError, match=r"plan\.gpkg: cannot be written: the disk is full"):
        gridkit.write_plan(hk_plan, tmp_path / "plan.gpkg")
    assert not list(tmp_path.iterdir())
    monkeypatch.setattr(shutil, "disk_usage", lambda _: room(1 << 40, 1 << 30, 1 << 39))
    with pytest.raises(pyogrio.errors.DataSourceError):  # with room to spare, a failure is not the disk's
        gridkit.write_plan(hk_plan, tmp_path / "plan.gpkg")
