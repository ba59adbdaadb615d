"""QGIS for the plugin tests, without pytest: the fixtures and the subprocess scripts both use it.

:func:`start_qgis` starts real QGIS (Debian's python3-qgis) in this process:
``QgsApplication`` + ``initQgis`` with Processing initialised. GUI support is
on (offscreen unless ``QT_QPA_PLATFORM`` says otherwise) because the dock is
made of widgets. :class:`Iface` is the small part of ``QgisInterface`` the
plugin uses, made of real Qt/QGIS widgets (a main window, a map canvas fed
by the project's layer tree, a message bar).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_ROOT = ROOT / "qgis_plugin"

_APP = None


def start_qgis(profile: str | None = None):  # noqa: ANN201
    """Start QGIS once per process (``profile``: a profile folder to use)."""
    global _APP
    if _APP is not None:
        return _APP
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
    from qgis.core import QgsApplication

    args = [b""]
    _APP = QgsApplication(args, True, profile) if profile else QgsApplication(args, True)
    _APP.initQgis()
    plugins = Path(QgsApplication.pkgDataPath()) / "python" / "plugins"
    if str(plugins) not in sys.path:
        sys.path.append(str(plugins))
    from processing.core.Processing import Processing

    Processing.initialize()
    return _APP


def wait_until(condition, timeout: float = 120.0, step: float = 0.01) -> bool:  # noqa: ANN001
    """Run the Qt event loop until ``condition()`` is true (QgsTasks finish on it)."""
    from qgis.PyQt.QtCore import QCoreApplication

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if condition():
            return True
        time.sleep(step)
    QCoreApplication.processEvents()
    return bool(condition())


def gridkit_validate(path) -> "subprocess.CompletedProcess":  # noqa: ANN001
    """``gridkit validate PATH`` as a user runs it (exit 0 when every invariant holds)."""
    import subprocess

    return subprocess.run([sys.executable, "-m", "gridkit.cli", "validate", str(path)], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


class Iface:
    """The parts of QgisInterface the plugin calls, as real widgets."""

    def __init__(self) -> None:
        from qgis.core import QgsProject
        from qgis.gui import QgsLayerTreeMapCanvasBridge, QgsMapCanvas, QgsMessageBar
        from qgis.PyQt.QtWidgets import QMainWindow, QMenu, QToolBar, QVBoxLayout, QWidget

        self.window = QMainWindow()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QgsMessageBar()
        self.canvas = QgsMapCanvas()
        self.canvas.setCanvasColor(__import__("qgis.PyQt.QtGui", fromlist=["QColor"]).QColor("white"))
        layout.addWidget(self.bar)
        layout.addWidget(self.canvas, 1)
        self.window.setCentralWidget(central)
        self.bridge = QgsLayerTreeMapCanvasBridge(QgsProject.instance().layerTreeRoot(), self.canvas)
        self.menu = QMenu("Plugins")
        self.toolbar = QToolBar()
        self.window.addToolBar(self.toolbar)
        self.docks = []

    def mainWindow(self):  # noqa: ANN201, N802
        return self.window

    def mapCanvas(self):  # noqa: ANN201, N802
        return self.canvas

    def messageBar(self):  # noqa: ANN201, N802
        return self.bar

    def addDockWidget(self, area, dock) -> None:  # noqa: ANN001, N802
        self.window.addDockWidget(area, dock)
        self.docks.append(dock)

    def removeDockWidget(self, dock) -> None:  # noqa: ANN001, N802
        self.window.removeDockWidget(dock)
        if dock in self.docks:
            self.docks.remove(dock)

    def addPluginToMenu(self, name, action) -> None:  # noqa: ANN001, N802
        self.menu.addAction(action)

    def removePluginMenu(self, name, action) -> None:  # noqa: ANN001, N802
        self.menu.removeAction(action)

    def addToolBarIcon(self, action) -> None:  # noqa: ANN001, N802
        self.toolbar.addAction(action)

    def removeToolBarIcon(self, action) -> None:  # noqa: ANN001, N802
        self.toolbar.removeAction(action)
