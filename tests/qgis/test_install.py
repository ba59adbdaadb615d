"""The built zip (bash scripts/plugin-zip.sh) installs into a clean QGIS profile and loads without errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from qgis_fixtures import plugin_zip, plan_copy, hk_plan_file, qgis_app  # noqa: F401 - fixtures

SCRIPT = Path(__file__).resolve().parent / "install_profile.py"


def install(zip_path: Path, root: Path, plan: Path, python: str, *extra: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GRIDKIT_PYTHON": python}
    env.pop("PYTHONPATH", None)
    run = subprocess.run([sys.executable, str(SCRIPT), str(zip_path), str(root), str(plan), *extra],
                         capture_output=True, text=True, timeout=600, env=env, cwd=str(root))
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, run.stdout[-2000:] + run.stderr[-4000:]
    return json.loads(lines[-1][7:])


def test_zip_contents(plugin_zip):
    names = set(zipfile.ZipFile(plugin_zip).namelist())
    for name in ("metadata.txt", "__init__.py", "icon.svg", "requirements.txt", "i18n/gridkit_qgis_zh_CN.qm",
                 "i18n/gridkit_qgis_zh_CN.ts", "core/editing.py", "lib/gridkit/__init__.py",
                 "lib/gridkit/profiles/default.toml"):
        assert f"gridkit_qgis/{name}" in names, name
    assert not [n for n in names if "__pycache__" in n]
    meta = zipfile.ZipFile(plugin_zip).read("gridkit_qgis/metadata.txt").decode()
    assert "qgisMinimumVersion=3.22" in meta and "hasProcessingProvider=yes" in meta


def test_zip_installs_and_loads_in_a_clean_profile(plugin_zip, tmp_path, plan_copy, qgis_app):
    out = install(plugin_zip, tmp_path, plan_copy, sys.executable)
    plugins = tmp_path / "profiles" / "default" / "python" / "plugins"
    assert out["settings_dir"].rstrip("/") == str(tmp_path / "profiles" / "default")
    assert out["available"] and out["metadata_min"] == "3.22"
    assert out["loaded"] and out["started"] and out["class"] == "GridkitPlugin"
    assert out["module_file"].startswith(str(plugins))
    assert out["qm"] == ["gridkit_qgis_zh_CN.qm"]
    assert out["algorithms"] == ["diff", "map", "partition", "report", "validate"]
    assert out["valid"] is True
    assert out["worker_gridkit"].startswith(str(plugins / "gridkit_qgis" / "lib"))  # the bundled library
    assert out["dock_title"] == "gridkit 网格"  # the compiled zh_CN translation from the zip
    assert out["dock_grids"] > 10
    assert out["unloaded"] and not out["provider_after_unload"]
    assert out["errors"] == [], out["errors"]


def test_missing_packages_show_the_install_command(plugin_zip, tmp_path, plan_copy, qgis_app):
    bare = "/usr/bin/python3"  # Debian's Python: no gridkit packages there
    out = install(plugin_zip, tmp_path, plan_copy, bare, "missing")
    assert out["loaded"] and out["started"] and out["class"] == "MissingDependencies"
    text, command = out["bar"][0], out["command"]
    assert [e for e in out["errors"] if command not in e[2]] == []  # only our own message, no traceback
    assert len(out["bar"]) == 1
    assert command in text and f"{bare} -m pip install" in command and "geopandas>=1.0" in command
    assert "Traceback" not in text
