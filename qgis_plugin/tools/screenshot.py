"""A screenshot of the editing dock and map over a real sample (docs/img/qgis_dock*.png).

    bash scripts/qgis-screenshot.sh        # starts Xvfb and runs this twice (English, zh_CN)

Runs real QGIS with a real window (QT_QPA_PLATFORM=xcb on Xvfb): a main window
with a QgsMapCanvas and the plugin's dock, the Tsim Sha Tsui sample
partitioned by the plugin's own worker, one merge made so that a violation
is highlighted and listed, then QWidget.grab() of the window.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "qgis"))
sys.path.insert(0, str(ROOT / "qgis_plugin"))


def main(out: str, locale: str) -> int:
    from qgis_env import Iface, start_qgis, wait_until

    work = Path(tempfile.mkdtemp(prefix="gridkit_shot_"))
    os.environ.setdefault("QGIS_CUSTOM_CONFIG_PATH", str(work / "profile"))
    start_qgis()
    from qgis.PyQt.QtCore import QSettings

    QSettings().setValue("locale/userLocale", locale)
    from gridkit_qgis import deps, gateway
    from gridkit_qgis.plugin import GridkitPlugin

    plan = work / "tsim_sha_tsui_plan.gpkg"
    gateway.run_job("partition", {"input": str(ROOT / "data/samples/hk_tsim_sha_tsui.gpkg"), "output": str(plan),
                                  "seed": 0})
    iface = Iface()
    iface.window.setWindowTitle("QGIS — gridkit")
    iface.window.resize(1760, 1000)
    iface.window.show()
    plugin = GridkitPlugin(iface, python=deps.worker_python(), profiles=["default"])
    plugin.initGui()
    plugin.open_plan(str(plan))
    dock = plugin.dock
    assert wait_until(lambda: dock.session is not None and not dock.busy and dock.stats, 120), dock.status.text()
    # One edit, so the list and the map show a violation: merge the two most populous neighbours.
    import shapely

    layer = dock.layer
    feats = {f.id(): (shapely.from_wkb(bytes(f.geometry().asWkb())), int(f["households"]))
             for f in layer.getFeatures()}
    pairs = [(a, b) for a in feats for b in feats if a < b and shapely.length(shapely.intersection(
        shapely.boundary(feats[a][0]), shapely.boundary(feats[b][0]))) > 10 and feats[a][1] + feats[b][1] < 400]
    a, b = max(pairs, key=lambda p: feats[p[0]][1] + feats[p[1]][1])
    dock.merge(a, b)
    assert wait_until(lambda: not dock.busy and dock.violations, 60), dock.status.text()
    layer.selectByIds([a])
    from qgis.PyQt.QtCore import Qt

    iface.window.resizeDocks([dock], [800], Qt.Horizontal)
    canvas = iface.canvas
    canvas.setExtent(canvas.mapSettings().layerExtentToOutputExtent(layer, layer.extent()))
    canvas.refresh()
    wait_until(lambda: False, 2.0)
    canvas.waitWhileRendering()
    wait_until(lambda: False, 1.0)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    ok = iface.window.grab().save(out)
    print(f"{out}: {'saved' if ok else 'FAILED'} ({locale}, {len(dock.stats)} grids, "
          f"{len(dock.violations)} violation(s))")
    plugin.unload()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "en"))
