"""Install the built plugin zip into a clean QGIS profile and load it as QGIS does.

    install_profile.py ZIP PROFILE_ROOT PLAN [missing]

Unzips into PROFILE_ROOT/profiles/default/python/plugins, starts QgsApplication
with that profile, loads the plugin with qgis.utils (loadPlugin, startPlugin)
and prints one JSON line. With ``missing``, the worker's Python lacks
gridkit's packages (GRIDKIT_PYTHON points at one without them).
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(zip_path: str, root: str, plan: str, missing: bool) -> dict:
    profile = Path(root) / "profiles" / "default"
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(plugins)
    os.environ["QGIS_CUSTOM_CONFIG_PATH"] = root
    sys.path.insert(0, str(HERE))
    from qgis_env import Iface, start_qgis, wait_until

    app = start_qgis(str(profile))
    from qgis.core import Qgis, QgsApplication
    from qgis.PyQt.QtCore import QSettings

    out: dict = {"settings_dir": QgsApplication.qgisSettingsDirPath(), "messages": []}
    QgsApplication.messageLog().messageReceived.connect(
        lambda msg, tag, level: out["messages"].append([tag, int(level), msg]))
    # What QGIS's Options → General → "Override system locale" writes for 简体中文.
    QSettings().setValue("locale/overrideFlag", True)
    QSettings().setValue("locale/userLocale", "zh-Hans")

    import qgis.utils

    iface = Iface()
    qgis.utils.iface = iface
    sys.path.insert(0, str(plugins))
    qgis.utils.plugin_paths = [str(plugins)]
    qgis.utils.updateAvailablePlugins()
    out["available"] = "gridkit_qgis" in qgis.utils.available_plugins
    out["metadata_min"] = qgis.utils.pluginMetadata("gridkit_qgis", "qgisMinimumVersion")
    out["loaded"] = qgis.utils.loadPlugin("gridkit_qgis")
    out["started"] = qgis.utils.startPlugin("gridkit_qgis")
    plugin = qgis.utils.plugins.get("gridkit_qgis")
    out["class"] = type(plugin).__name__
    out["module_file"] = sys.modules["gridkit_qgis"].__file__
    out["qm"] = sorted(p.name for p in (plugins / "gridkit_qgis" / "i18n").glob("*.qm"))
    if missing:
        items = iface.bar.items()
        out["bar"] = [item.text() for item in items]
        out["command"] = getattr(plugin, "command", "")
    else:
        provider = QgsApplication.processingRegistry().providerById("gridkit")
        out["algorithms"] = sorted(a.name() for a in provider.algorithms()) if provider else []
        import processing

        result = processing.run("gridkit:validate", {"PLAN": plan})
        out["valid"] = result["VALID"]
        from gridkit_qgis import gateway

        worker = gateway.Worker(os.environ.get("GRIDKIT_PYTHON"))
        out["worker_gridkit"] = worker.call("ping")["gridkit_path"]
        worker.close()
        plugin.show_dock(True)
        dock = plugin.dock
        out["dock_title"] = dock.windowTitle()
        dock.open_plan(plan)
        wait_until(lambda: dock.session is not None and not dock.busy and dock.stats, 120)
        out["dock_grids"] = len(dock.stats)
        out["dock_status"] = dock.status.text()
        out["unloaded"] = qgis.utils.unloadPlugin("gridkit_qgis")
        out["provider_after_unload"] = QgsApplication.processingRegistry().providerById("gridkit") is not None
    out["errors"] = [m for m in out["messages"] if m[1] >= int(Qgis.Warning) and m[0] != "gridkit"
                     and "GeoPackage" not in m[2]]
    del app
    return out


if __name__ == "__main__":
    result = main(sys.argv[1], sys.argv[2], sys.argv[3], "missing" in sys.argv[4:])
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    os._exit(0)
