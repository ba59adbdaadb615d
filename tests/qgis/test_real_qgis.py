"""The real QGIS application with the plugin installed: open a plan in the dock, then quit QGIS."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from qgis_fixtures import hk_plan_file  # noqa: F401 - fixture
from real_qgis import run_qgis


@pytest.fixture(scope="module")
def qgis_binary() -> str:
    found = shutil.which("qgis")
    assert found, "the QGIS application is not installed: run scripts/setup.sh (apt: qgis)"
    return found


@pytest.fixture
def user_plan(hk_plan_file):
    """A copy of the plan where a user keeps one: outside the system temporary folder, whose layers QGIS
    counts as temporary (and asks about on quitting)."""
    folder = Path(tempfile.mkdtemp(prefix="gridkit-real-qgis-", dir=Path.home()))
    path = folder / "plan.gpkg"
    shutil.copy(hk_plan_file, path)
    yield path
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("locale", ["en", "zh-Hans"])
def test_quit_qgis_with_the_dock_open(qgis_binary, user_plan, locale):
    seen, run = run_qgis(user_plan, locale=locale)
    log = run.stdout + run.stderr
    assert seen is not None, log[-3000:]
    assert seen["errors"] == [], seen["errors"]
    assert seen["plugin_loaded"] and seen["ready"], seen
    assert seen["grids"] > 0 and seen["violations"] == 0
    # QGIS quit by its own Exit action, with the dock and its worker open: no crash, no Python error.
    assert run.returncode == 0, log[-3000:]
    for sign in ("Traceback", "Python error", "Qt Concurrent has caught an exception", "Segmentation fault"):
        assert sign not in log, log[-3000:]
    if locale == "zh-Hans":  # what QGIS stores when its language is set to 简体中文
        assert seen["qt_locale"] == "zh_CN" and seen["dock_title"] == "gridkit 网格", seen
        assert any("\u4e00" <= ch <= "\u9fff" for ch in seen["qgis_menu"]), seen  # QGIS itself is Chinese
        assert any("gridkit" in m and any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in seen["menu"]), seen
