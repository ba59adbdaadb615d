"""Fixtures for the plugin tests: real QGIS (Debian's python3-qgis) in the test process.

Test modules import them (``from qgis_fixtures import ...``). They are not in a
``conftest.py``: a second ``conftest`` module would take the name that the
other test modules import ``ROOT`` and ``SAMPLES`` from (``from conftest import ...``).

Skipped when QGIS is not installed, except in CI (CI=true), where a missing
QGIS is an error: scripts/setup.sh installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qgis_env import PLUGIN_ROOT, ROOT, Iface, start_qgis, wait_until  # noqa: E402

try:
    import qgis.core  # noqa: F401
except ImportError as exc:
    if os.environ.get("CI"):
        raise RuntimeError("python3-qgis is not installed (bash scripts/setup.sh installs it)") from exc
    pytest.skip("QGIS (python3-qgis) is not installed", allow_module_level=True)

if str(PLUGIN_ROOT) not in sys.path:
    sys.path.insert(0, str(PLUGIN_ROOT))

__all__ = ["qgis_app", "provider", "hk_plan_file", "plan_copy", "plugin_zip", "iface", "wait_until", "zh_qm",
           "chinese"]


@pytest.fixture(scope="session")
def qgis_app(tmp_path_factory):
    profile = tmp_path_factory.mktemp("qgis_profile")
    os.environ["QGIS_CUSTOM_CONFIG_PATH"] = str(profile)
    os.environ["GRIDKIT_PYTHON"] = sys.executable  # the worker runs on the venv's Python
    app = start_qgis()
    yield app


@pytest.fixture(scope="session")
def provider(qgis_app):
    from qgis.core import QgsApplication

    from gridkit_qgis import deps
    from gridkit_qgis.processing.provider import GridkitProvider

    # Each test module importing this fixture gets its own session fixture; the registry takes one provider per
    # id (it deletes a second), so a later module uses the one registered first.
    registered = QgsApplication.processingRegistry().providerById("gridkit")
    if registered is not None:
        yield registered
        return
    report = deps.check()
    assert report.ok, report
    prov = GridkitProvider(report.python, report.profiles)
    QgsApplication.processingRegistry().addProvider(prov)
    yield prov
    QgsApplication.processingRegistry().removeProvider(prov)


@pytest.fixture(scope="session")
def hk_plan_file(tmp_path_factory, hk_path):
    """The Tsim Sha Tsui sample partitioned once (gridkit in the test process; the plugin's own
    partition is tested through Processing)."""
    import gridkit

    path = tmp_path_factory.mktemp("plans") / "hk_plan.gpkg"
    gridkit.write_plan(gridkit.partition(gridkit.read_area(hk_path), "default", seed=0), path)
    return path


@pytest.fixture
def plan_copy(hk_plan_file, tmp_path):
    path = tmp_path / "plan.gpkg"
    shutil.copy(hk_plan_file, path)
    return path


@pytest.fixture(scope="session")
def plugin_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist") / "gridkit_qgis.zip"
    run = subprocess.run(["bash", str(ROOT / "scripts" / "plugin-zip.sh"), str(out)], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr + run.stdout
    return out


@pytest.fixture
def iface(qgis_app):
    from qgis.core import QgsProject

    face = Iface()
    yield face
    QgsProject.instance().removeAllMapLayers()
    for dock in list(face.docks):
        face.removeDockWidget(dock)
    face.window.close()


@pytest.fixture
def zh_qm(qgis_app, tmp_path, monkeypatch):
    """The Chinese translation compiled from the committed .ts (lrelease) into a folder the plugin loads from."""
    from gridkit_qgis import i18n

    lrelease = shutil.which("lrelease") or "/usr/lib/qt5/bin/lrelease"
    qm = tmp_path / "gridkit_qgis_zh_CN.qm"
    run = subprocess.run([lrelease, str(i18n.FOLDER / "gridkit_qgis_zh_CN.ts"), "-qm", str(qm)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    monkeypatch.setattr(i18n, "FOLDER", tmp_path)
    return qm


@pytest.fixture
def chinese(zh_qm):
    """The plugin in Chinese, as in a QGIS set to 简体中文."""
    from gridkit_qgis import i18n

    assert i18n.install_translator("zh-Hans") == str(zh_qm)
    yield
    i18n.remove_translator()
