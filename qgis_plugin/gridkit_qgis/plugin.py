"""The plugin: Processing provider, the editing dock and its menu entries."""

from __future__ import annotations

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from . import deps, gateway
from .i18n import install_translator, remove_translator, tr

__all__ = ["GridkitPlugin"]


class GridkitPlugin:
    """Registered by :func:`gridkit_qgis.classFactory` once gridkit's worker Python has everything it needs."""

    def __init__(self, iface, python: str | None = None, profiles: list[str] | None = None) -> None:  # noqa: ANN001
        self.iface = iface
        self.python = python
        self.profiles = profiles or ["default"]
        self.provider = None
        self.dock = None
        self.actions: list[QAction] = []
        install_translator()

    def initProcessing(self) -> None:  # noqa: N802 - QGIS API
        from .processing.provider import GridkitProvider

        if self.provider is None:
            self.provider = GridkitProvider(self.python, self.profiles)
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802 - QGIS API
        self.initProcessing()
        icon = QIcon(str(deps.PLUGIN_DIR / "icon.svg"))
        dock_action = QAction(icon, tr("gridkit grids (edit a plan)"), self.iface.mainWindow())
        dock_action.setCheckable(True)
        dock_action.toggled.connect(self.show_dock)
        open_action = QAction(icon, tr("Open a gridkit plan…"), self.iface.mainWindow())
        open_action.triggered.connect(self.open_plan)
        self.actions = [dock_action, open_action]
        for action in self.actions:
            self.iface.addPluginToMenu(tr("&gridkit"), action)
        self.iface.addToolBarIcon(dock_action)
        # QGIS quitting with the dock open: let go of layers, canvas items and the worker before Qt tears down.
        QgsApplication.instance().aboutToQuit.connect(self._quitting)

    def _quitting(self) -> None:
        if self.dock is not None:
            self.dock.teardown()
        gateway.stop_shared_worker()

    def _ensure_dock(self):  # noqa: ANN202
        from .gui.dock import GridkitDock

        if self.dock is None:
            self.dock = GridkitDock(self.iface, self.iface.mainWindow(), python=self.python)
            self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)
            self.dock.visibilityChanged.connect(lambda v: self.actions[0].setChecked(v) if self.actions else None)
        return self.dock

    def show_dock(self, visible: bool = True) -> None:
        if visible:
            self._ensure_dock().show()
        elif self.dock is not None:
            self.dock.hide()

    def open_plan(self, path: str | None = None) -> None:
        dock = self._ensure_dock()
        dock.show()
        if path:
            dock.open_plan(path)
        else:
            dock.open_plan_dialog()

    def unload(self) -> None:
        try:
            QgsApplication.instance().aboutToQuit.disconnect(self._quitting)
        except (TypeError, RuntimeError):
            pass
        for action in self.actions:
            self.iface.removePluginMenu(tr("&gridkit"), action)
            self.iface.removeToolBarIcon(action)
        self.actions = []
        if self.dock is not None:
            self.dock.teardown()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        gateway.stop_shared_worker()
        remove_translator()
