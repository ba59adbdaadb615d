"""gridkit's wheels (GDAL, GEOS, PROJ, SQLite) and QGIS's own never meet in one process (docs/qgis.md).

Both runs happen in a fresh process that is in the QGIS application's
situation (QGIS's libraries in the global symbol scope, see app_like.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from qgis_fixtures import plan_copy, hk_plan_file, qgis_app  # noqa: F401 - fixtures

APP_LIKE = Path(__file__).resolve().parent / "app_like.py"


def run_app_like(mode: str, plan: Path, other: Path) -> tuple[dict | None, subprocess.CompletedProcess]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GRIDKIT_PYTHON": sys.executable}
    run = subprocess.run([sys.executable, str(APP_LIKE), mode, str(plan), str(other)], capture_output=True,
                         text=True, timeout=600, env=env)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")]
    result = json.loads(lines[-1][7:]) if lines else None
    if result and "skip" in result:
        pytest.fail(result["skip"])
    return result, run


def test_plugin_reads_and_writes_beside_qgis(plan_copy, tmp_path, qgis_app):
    other = tmp_path / "other.gpkg"
    result, run = run_app_like("plugin", plan_copy, other)
    assert result is not None, run.stdout[-2000:] + run.stderr[-3000:]
    # QGIS's view and gridkit's agree, before and after writes from both sides.
    assert result["validate_before"] == [] and result["validate_after"] == []
    assert result["colours"] == result["qgis_grids"]
    assert result["other_result"] == result["other_qgis"]
    assert result["block_moved"] is True
    assert result["qgis_households_after"] == result["qgis_households"]
    # gridkit ran on its own GDAL in its own process; none of its native stack entered QGIS's.
    assert result["worker"]["pid"] != os.getpid() and result["worker"]["gdal"] != result["qgis_gdal"]
    assert result["native_in_qgis_process"] == []


def test_control_wheels_inside_qgis_process(plan_copy, tmp_path, qgis_app):
    """Why the worker exists: imported into QGIS's process, the wheels bind to QGIS's libraries."""
    result, run = run_app_like("inprocess", plan_copy, tmp_path / "control.gpkg")
    print(result, run.returncode, run.stderr[-500:])
    broken = result is None or "error" in result or run.returncode != 0 or result["pyogrio_gdal"] == result["qgis_gdal"]
    if not broken:
        warnings.warn(f"gridkit's wheels no longer clash with QGIS's libraries in one process ({result}); "
                      "docs/qgis.md may be out of date", stacklevel=1)
