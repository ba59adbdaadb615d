"""The editing dock: thin Qt glue over :mod:`gridkit_qgis.core.editing` (which runs in the worker).

The grid layer is the truth. Each edit asks the worker what to change,
then applies it to the layer inside one ``beginEditCommand``/``endEditCommand``,
so QGIS's undo stack (the dock's buttons, Ctrl+Z, the Undo panel) undoes it.
Whenever the layer changes, a QgsTask sends a snapshot to the worker and the
dock shows the statistics per grid and every violated rule, highlighted on
the map.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsGeometry,
    QgsMapLayerProxyModel,
    QgsProject,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.gui import QgsMapLayerComboBox, QgsRubberBand
from qgis.PyQt.QtCore import Qt, QTimer, pyqtSignal
from qgis.PyQt.QtGui import QBrush, QColor
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import gateway
from ..i18n import file_filter, plan_layer_title, stage_text, tr, worker_message
from . import planio, styles
from .gridtable import ACCEPTED_COLOUR, ERROR_COLOUR, WARNING_COLOUR, GridTable
from .maptools import BlockPickTool, LineTool
from .overlay import preview_lines
from .tasks import WorkerTask, run_quietly, start

__all__ = ["GridkitDock", "kind_name", "violation_text", "alive"]

_CHECK_DELAY_MS = 250
_VIOLATION_FILL = QColor(214, 39, 40, 70)
_VIOLATION_EDGE = QColor(214, 39, 40)


def alive(obj: Any) -> bool:
    """False for None and for a Qt object whose C++ side is gone (a removed layer, a closed canvas)."""
    if obj is None:
        return False
    try:
        from qgis.PyQt import sip

        return not sip.isdeleted(obj)
    except (ImportError, TypeError):
        return True


def kind_name(kind: str) -> str:
    return {"over_max": tr("over the maximum"), "not_contiguous": tr("not contiguous"), "gap": tr("gap"),
            "overlap": tr("overlap"), "split_compound": tr("split compound"),
            "split_exclusive": tr("split exclusive site"), "under_min": tr("under the minimum"),
            "off_target": tr("off the target")}.get(kind, kind)


def level_name(level: str) -> str:
    return {"grid": tr("grid"), "group": tr("residents' group"), "community": tr("community"),
            "plan": tr("plan")}.get(level, level)


def violation_text(v: dict[str, Any], max_households: int) -> str:
    value = v.get("value", 0) or 0
    kind = v["kind"]
    bound = int(v.get("bound") or max_households)
    if kind == "over_max":
        text = tr("{households} households, more than {max}").format(households=int(value), max=bound)
    elif kind == "under_min":
        text = tr("{households} households, fewer than {min}").format(households=int(value), min=bound)
    elif kind == "off_target":
        text = tr("{households} households, target {target}").format(households=int(value), target=bound)
    elif kind == "not_contiguous":
        text = tr("{n} separate pieces").format(n=int(value)) if value else tr("holds no block")
    elif kind == "gap":
        text = tr("{area} m² in no grid").format(area=f"{value:,.0f}")
    elif kind == "overlap":
        text = tr("{area} m² in two grids").format(area=f"{value:,.0f}")
    elif kind == "split_compound":
        text = tr("one compound in {n} grids").format(n=int(value))
    elif kind == "split_exclusive":
        text = tr("an exclusive site split or mixed ({n})").format(n=int(value))
    else:
        text = v.get("message", "")
    if v.get("level") in ("group", "community"):
        text = f"{level_name(v['level'])}: {text}"
    if v.get("severity") == "accepted":
        text = tr("{text} (accepted exception)").format(text=text)
    return text


class GridkitDock(QDockWidget):
    """Edit a plan's grids: move blocks, merge, split, lock, rebalance; live statistics and violations."""

    checked = pyqtSignal()       # statistics and violations are up to date
    edited = pyqtSignal(str)     # an edit was applied (its description)
    failed = pyqtSignal(str)     # something went wrong (message shown in the dock)
    saved = pyqtSignal(dict)     # the plan was saved: {"failures": [...], "written": {...}}
    rebalanced = pyqtSignal(bool)  # the rebalance finished (False: cancelled or failed)
    scenarios_listed = pyqtSignal(list)  # the plan's scenarios were read (gridkit.scenarios.list_scenarios rows)
    compared = pyqtSignal(dict)  # a scenario was compared with the plan as saved (the worker's diff result)
    adopted = pyqtSignal(dict)  # a grid layer drawn elsewhere became a plan (the worker's adopt result)
    opened = pyqtSignal(object)  # a plan's layers are in the project and its grids chosen (open_plan; the grids)

    def __init__(self, iface, parent: QWidget | None = None, python: str | None = None) -> None:  # noqa: ANN001
        super().__init__(tr("gridkit grids"), parent)
        self.setObjectName("GridkitDock")
        self.iface = iface
        self.canvas = iface.mapCanvas()
        self.python = python
        self.worker = gateway.shared_worker(python)
        self.layer: QgsVectorLayer | None = None
        self.blocks_layer: QgsVectorLayer | None = None
        self.plan_path = ""
        self.session: int | None = None
        self.info: dict[str, Any] = {}
        #: The CRS the worker edits in (the plan's own, metric): the grid layer may be in another (a plan saved
        #: again by QGIS in lon/lat), so geometries are transformed both ways at the worker's door.
        self.plan_crs: QgsCoordinateReferenceSystem | None = None
        self.stats: dict[int, dict[str, Any]] = {}
        self.violations: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        self.listed: list[dict[str, Any]] = []  # the problems table: errors, then accepted exceptions
        self.attrs: dict[int, dict[str, Any]] = {}
        self._busy = 0
        self._dirty = False
        self._checking = False
        self._long: WorkerTask | None = None  # a rebalance or an adoption: progress bar and Cancel
        self._pending_save = False
        self._style_stored = False  # the grids' style, once they are coloured (see styles.save_default_style)
        self._previewing = False
        self._preview_wanted: tuple | None = None
        self.preview: dict[str, Any] = {}
        self._syncing = False
        self._buttons_due = False
        self._band = QgsRubberBand(self.canvas, QgsWkbTypes.PolygonGeometry)
        self._band.setColor(_VIOLATION_FILL)
        self._band.setStrokeColor(_VIOLATION_EDGE)
        self._band.setWidth(2)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.check)
        self._build()
        self.pick_tool: BlockPickTool | None = None
        self.line_tool: LineTool | None = None
        self.layer_combo.layerChanged.connect(self.set_layer)
        QgsProject.instance().layersWillBeRemoved.connect(self._layers_removed)
        QgsProject.instance().layersAdded.connect(self._layers_added)
        # A project holding a plan (saved yesterday, opened before the dock) is edited at once, wherever its grids
        # are in the layer tree; the combo's first layer (an input's boundary) offered to divide the area again.
        first = next((lyr for lyr in QgsProject.instance().layerTreeRoot().layerOrder() if planio.is_plan_grids(lyr)),
                     None) or self.layer_combo.currentLayer()
        if first is not None:
            self.layer_combo.blockSignals(True)
            self.layer_combo.setLayer(first)
            self.layer_combo.blockSignals(False)
            self.set_layer(first)  # a plan's grids to edit, or another polygon layer to make a plan of

    # ------------------------------------------------------------------ widgets

    def _button(self, text: str, slot, tip: str = "", checkable: bool = False) -> QToolButton:  # noqa: ANN001
        b = QToolButton()
        b.setText(text)
        b.setToolTip(tip or text)
        b.setCheckable(checkable)
        b.setToolButtonStyle(Qt.ToolButtonTextOnly)
        b.clicked.connect(slot)
        return b

    def _adopt_box(self) -> QGroupBox:
        """Make a plan of a grid layer gridkit did not make: its columns, the input its households come from."""
        box = QGroupBox(tr("Make a gridkit plan of this layer"))
        box.setToolTip(tr("Grids drawn elsewhere: every block of the input goes to the grid it overlaps most; "
                          "households come from the input (scaled to the layer's own figures if it has them)"))
        form = QFormLayout(box)
        self.adopt_columns: dict[str, QComboBox] = {}
        for key, label in (("code", tr("Code column")), ("name", tr("Name column")),
                           ("households", tr("Households column")), ("community", tr("Community column"))):
            combo = QComboBox()
            self.adopt_columns[key] = combo
            form.addRow(label, combo)
        row = QHBoxLayout()
        self.adopt_input = QLineEdit()
        self.adopt_input.setPlaceholderText(tr("buildings and roads: a GeoPackage, folder or OSM file"))
        browse = QToolButton()
        browse.setText("…")
        browse.clicked.connect(self._choose_adopt_input)
        row.addWidget(self.adopt_input, 1)
        row.addWidget(browse)
        form.addRow(tr("Input"), row)
        self.adopt_button = QPushButton(tr("Make a plan…"))
        self.adopt_button.clicked.connect(lambda: self.adopt_layer())
        form.addRow(self.adopt_button)
        box.setVisible(False)
        self.adopt_box = box
        return box

    def _choose_adopt_input(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("The area's input"), "",
                                              file_filter((tr("Vector sources"), "*.gpkg *.shp *.geojson *.osm *.pbf"),
                                                          (tr("All files"), "*")))
        if path:
            self.adopt_input.setText(path)

    def _divide_box(self) -> QGroupBox:
        """Divide the input area the chosen layer belongs to: Processing's Partition dialog, filled in."""
        box = QGroupBox(tr("Divide this area"))
        form = QVBoxLayout(box)
        self.divide_label = QLabel()
        self.divide_label.setWordWrap(True)
        form.addWidget(self.divide_label)
        self.divide_button = QPushButton(tr("Divide into communities and grids…"))
        self.divide_button.setToolTip(tr("Opens gridkit's Partition algorithm for this input; the plan it writes "
                                         "opens here for editing"))
        self.divide_button.clicked.connect(lambda: self.divide_area())
        form.addWidget(self.divide_button)
        box.setVisible(False)
        self.divide_box = box
        self.area_input = ""
        self.divide_dialog = None
        return box

    def divide_area(self, area: str | None = None) -> Any:
        """Open the Partition algorithm's dialog for ``area`` (default: the chosen layer's input), its plan
        written beside the input under a name no file has yet; returns the dialog."""
        from processing.gui.AlgorithmDialog import AlgorithmDialog
        from qgis.core import QgsApplication

        area = area or self.area_input
        if not area:
            return None
        source = Path(area)
        stem = source.stem if source.is_file() else source.name
        output = source.parent / f"{stem}_plan.gpkg"
        n = 2
        while output.exists():
            output, n = source.parent / f"{stem}_plan_{n}.gpkg", n + 1
        algorithm = QgsApplication.processingRegistry().createAlgorithmById("gridkit:partition")
        if algorithm is None:
            self._say(tr("gridkit's Processing algorithms are not loaded; restart QGIS."), error=True)
            return None
        self.divide_dialog = AlgorithmDialog(algorithm, parent=self.iface.mainWindow())
        self.divide_dialog.setParameters({"INPUT": area, "OUTPUT": str(output)})
        self.divide_dialog.show()
        return self.divide_dialog

    def _offer(self, layer: QgsVectorLayer | None) -> None:
        """For a polygon layer that is no plan's grids: divide the input area it belongs to, or else make a plan
        of it as grids drawn elsewhere (the adopt panel, its columns guessed by gridkit)."""
        self.adopt_box.setVisible(False)
        self.divide_box.setVisible(False)
        self.area_input = ""
        if layer is None:
            return
        path, name = planio.layer_path(layer)
        names = [f.name() for f in layer.fields() if f.name() != "fid"]
        for combo in self.adopt_columns.values():
            combo.clear()
            combo.addItem(tr("(none)"), "")
            for n in names:
                combo.addItem(n, n)

        def work(job: Any) -> dict:
            missing = self.worker.call("missing_plan_layers", {"path": path}) if path else []
            if missing:
                return {"missing": missing, "area": None, "columns": {}}
            area = self.worker.call("area_source", {"path": path, "layer": name or None}) if path else None
            return {"missing": [], "area": area,
                    "columns": {} if area else self.worker.call("grid_columns", {"columns": names})}

        def done(job: Any) -> None:
            self._set_busy(-1)
            if job.error is not None or not alive(layer) or self.layer_combo.currentLayer() is not layer:
                return
            if job.result["missing"]:
                # A plan whose layers were lost is no grid layer to make a plan of: say what it lacks.
                self._say(tr("{path} is a gridkit plan without its layers {layers}: it cannot be edited. Open a "
                             "complete copy of the plan, or make it again with Partition.").format(
                    path=path, layers=", ".join(job.result["missing"])), error=True)
                return
            self.area_input = job.result["area"] or ""
            if self.area_input:
                self.divide_label.setText(tr("{name} is a layer of the input {input}.").format(
                    name=layer.name(), input=self.area_input))
                self.divide_box.setVisible(True)
                self._say(tr("Divide the area into a plan, or open a plan to edit its grids."))
                return
            for key, column in job.result["columns"].items():
                combo = self.adopt_columns[key]
                combo.setCurrentIndex(max(0, combo.findData(column)))
            self.adopt_box.setVisible(True)
            self._say(tr("{name} is not a gridkit plan: map its columns and choose the input to make one.").format(
                name=layer.name()))

        self._set_busy(1)
        run_quietly("what the layer is", work, done)

    def adopt_layer(self, input_path: str | None = None, output: str | None = None) -> None:
        """Make a plan of the chosen layer (``gridkit adopt``) in a worker of its own, then open it to edit.

        The layer is exported through QGIS (its attributes as QGIS reads them) for the worker; the plan is
        a new GeoPackage, never one the project has open."""
        layer = self.layer_combo.currentLayer()
        if not isinstance(layer, QgsVectorLayer):
            return
        input_path = self.adopt_input.text().strip() if input_path is None else input_path
        if not input_path:
            self._say(tr("Choose the input the households come from (buildings, roads)."), error=True)
            return
        if output is None:
            output, _ = QFileDialog.getSaveFileName(self, tr("Plan to write"), "",
                                                    file_filter(("GeoPackage", "*.gpkg")))
            if not output:
                return
        if planio.project_layers_on(output):
            self._say(tr("{path} is open in the project; write the plan to another file.").format(path=output),
                      error=True)
            return
        import tempfile

        folder = tempfile.mkdtemp(prefix="gridkit_adopt_")
        try:
            grids = planio.export_layer(layer, str(Path(folder) / "grids.gpkg"))
        except OSError as exc:
            self._say(str(exc), error=True)
            return
        args = {"grids": grids, "input": input_path, "output": output, "layer": "grids",
                **{f"{k}_column": c.currentData() or None for k, c in self.adopt_columns.items()}}
        self._run_long(tr("gridkit: make a plan of a grid layer"), "adopt", args, tr("Making the plan"),
                       lambda result: self._adopted(result, folder), lambda: shutil.rmtree(folder, True))

    def _adopted(self, result: dict, folder: str) -> None:
        shutil.rmtree(folder, True)
        self.open_plan(result["output"])
        text = tr("Plan made of {grids} grids, {households} households (columns: {columns}).").format(
            grids=result["grids"], households=f"{result['households']:,}", columns=result["columns"] or tr("none"))
        if result["without_blocks"]:
            text += " " + tr("Grids holding no block, left out: {codes}.").format(codes=result["without_blocks"])
        if result["failures"]:
            text += " " + tr("The layer's grids break {failures}: fix them here.").format(
                failures=", ".join(result["failures"]))
        self._say(text, done=True)
        self.adopted.emit(result)

    def _build(self) -> None:
        body = QWidget()
        layout = QVBoxLayout(body)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("Grid layer")))
        self.layer_combo = QgsMapLayerComboBox()
        self.layer_combo.setFilters(QgsMapLayerProxyModel.PolygonLayer)
        top.addWidget(self.layer_combo, 1)
        self.open_button = QPushButton(tr("Open plan…"))
        self.open_button.clicked.connect(self.open_plan_dialog)
        top.addWidget(self.open_button)
        layout.addLayout(top)
        self.status = QLabel(tr("Choose the grids layer of a plan GeoPackage."))
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.split_save_button = QPushButton(tr("Save as separate units"))
        self.split_save_button.setToolTip(tr("Each grid or community in several pieces becomes that many units "
                                             "(new codes), then the plan is saved"))
        self.split_save_button.clicked.connect(lambda: self.save(split_pieces=True))
        self.split_save_button.setVisible(False)
        layout.addWidget(self.split_save_button)
        layout.addWidget(self._divide_box())
        layout.addWidget(self._adopt_box())

        tools = QGridLayout()
        self.assign_button = self._button(tr("Assign blocks"), self.toggle_pick,
                                          tr("Click a block, or drag a box over blocks, to move them into the "
                                             "selected grid"), checkable=True)
        self.line_button = self._button(tr("Split by line"), self.toggle_line,
                                        tr("Draw a line across the selected grid (right click ends it)"),
                                        checkable=True)
        self.merge_button = self._button(tr("Merge"), self.merge_selected, tr("Merge the two selected grids"))
        self.split_n = QSpinBox()
        self.split_n.setRange(2, 20)
        self.split_n.setValue(2)
        self.split_button = self._button(tr("Rebalance into N"), self.split_selected,
                                         tr("Divide the selected grid into N grids along its streets"))
        self.lock_button = self._button(tr("Lock"), lambda: self.lock_selected(True), tr("Lock the selected grids"))
        self.unlock_button = self._button(tr("Unlock"), lambda: self.lock_selected(False),
                                          tr("Unlock the selected grids"))
        self.rebalance_button = self._button(tr("Rebalance unlocked"), self.rebalance,
                                             tr("Re-solve every unlocked grid; locked grids stay exactly"))
        self.undo_button = self._button(tr("Undo"), self.undo)
        self.redo_button = self._button(tr("Redo"), self.redo)
        self.save_button = self._button(tr("Save"), self.save,
                                        tr("Write the edits, the blocks' and buildings' grids and the scores "
                                           "into the plan GeoPackage"))
        row = [self.assign_button, self.line_button, self.merge_button, self.lock_button, self.unlock_button]
        for i, b in enumerate(row):
            tools.addWidget(b, 0, i)
        split_box = QHBoxLayout()
        split_box.addWidget(self.split_n)
        split_box.addWidget(self.split_button)
        tools.addLayout(split_box, 1, 0, 1, 2)
        tools.addWidget(self.rebalance_button, 1, 2, 1, 2)
        tools.addWidget(self.save_button, 1, 4)
        tools.addWidget(self.undo_button, 2, 0)
        tools.addWidget(self.redo_button, 2, 1)
        self.lock_all_button = self._button(tr("Lock all"), lambda: self.lock_all(True), tr("Lock every grid"))
        self.unlock_all_button = self._button(tr("Unlock all"), lambda: self.lock_all(False),
                                              tr("Unlock every grid"))
        self.next_button = self._button(tr("Next over the bound"), self.next_out_of_bounds,
                                        tr("Select and zoom to the next grid over the maximum or under the "
                                           "minimum"))
        tools.addWidget(self.lock_all_button, 3, 0)
        tools.addWidget(self.unlock_all_button, 3, 1)
        tools.addWidget(self.next_button, 3, 2, 1, 2)
        scenario_box = QHBoxLayout()
        scenario_box.addWidget(QLabel(tr("Scenario")))
        self.scenario_combo = QComboBox()
        self.scenario_combo.setToolTip(tr("Scenarios kept inside the plan GeoPackage; ✓ marks the one the plan "
                                          "holds now"))
        scenario_box.addWidget(self.scenario_combo, 1)
        self.scenario_save_button = self._button(tr("Save as…"), lambda: self.save_scenario(),
                                                 tr("Keep the grids as they are now as a named scenario inside the "
                                                    "plan GeoPackage"))
        self.scenario_switch_button = self._button(tr("Switch"), lambda: self.switch_scenario(),
                                                   tr("Make the chosen scenario the plan: every layer rebuilt from "
                                                      "it and saved"))
        self.scenario_compare_button = self._button(tr("Compare"), lambda: self.compare_scenario(),
                                                    tr("What moved between the chosen scenario and the plan as "
                                                       "saved; the changed grids are selected"))
        for b in (self.scenario_save_button, self.scenario_switch_button, self.scenario_compare_button):
            scenario_box.addWidget(b)
        tools.addLayout(scenario_box, 4, 0, 1, 5)
        tolerance_label = QLabel(tr("Sliver tolerance (m²)"))
        tolerance_label.setToolTip(tr("Pieces smaller than this (or thinner than 0.5 m) are not counted as gaps, "
                                      "overlaps or extra pieces: crumbs left by editing, a vertex nudged by a "
                                      "centimetre"))
        tools.addWidget(tolerance_label, 2, 2, 1, 2)
        self.tolerance = QDoubleSpinBox()
        self.tolerance.setRange(0.0, 1000.0)
        self.tolerance.setDecimals(1)
        self.tolerance.setValue(5.0)
        self.tolerance.editingFinished.connect(self.reopen)
        tools.addWidget(self.tolerance, 2, 4)
        layout.addLayout(tools)

        progress = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        progress.addWidget(self.progress, 1)
        progress.addWidget(self.cancel_button)
        layout.addLayout(progress)

        split = QSplitter(Qt.Vertical)
        self.table = GridTable()
        self.table.selectionModel().selectionChanged.connect(self._table_selection)
        split.addWidget(self.table)
        problems = QWidget()
        pl = QVBoxLayout(problems)
        pl.setContentsMargins(0, 0, 0, 0)
        self.problems_label = QLabel(tr("Violations"))
        pl.addWidget(self.problems_label)
        self.problems = QTableWidget(0, 4)
        self.problems.setHorizontalHeaderLabels([tr("Rule"), tr("Grids"), tr("Detail"), ""])
        self.problems.verticalHeader().setVisible(False)
        self.problems.setEditTriggers(QAbstractItemView.NoEditTriggers)
        # The rule, the grids and the Zoom button as wide as they need; the detail takes the rest (full in its
        # tooltip): a narrow dock cut the Zoom button off.
        header = self.problems.horizontalHeader()
        for column, mode in ((0, QHeaderView.ResizeToContents), (1, QHeaderView.ResizeToContents),
                             (2, QHeaderView.Stretch), (3, QHeaderView.ResizeToContents)):
            header.setSectionResizeMode(column, mode)
        header.setStretchLastSection(False)
        pl.addWidget(self.problems)
        split.addWidget(problems)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        self.setWidget(body)
        self._update_buttons()

    # ------------------------------------------------------------------ state

    @property
    def busy(self) -> bool:
        return self._busy > 0 or self._checking or self._previewing or self._timer.isActive()

    def _set_busy(self, delta: int) -> None:
        self._busy = max(0, self._busy + delta)
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.session is not None and self._busy == 0
        for b in (self.assign_button, self.line_button, self.merge_button, self.split_button, self.lock_button,
                  self.unlock_button, self.rebalance_button, self.save_button, self.split_n, self.lock_all_button,
                  self.unlock_all_button, self.next_button, self.scenario_save_button):
            b.setEnabled(ready)
        self.adopt_button.setEnabled(self._busy == 0)
        chosen = ready and self.scenario_combo.count() > 0
        self.scenario_switch_button.setEnabled(chosen)
        self.scenario_compare_button.setEnabled(chosen)
        stack = self.layer.undoStack() if alive(self.layer) else None
        self.undo_button.setEnabled(ready and stack is not None and stack.canUndo())
        self.redo_button.setEnabled(ready and stack is not None and stack.canRedo())

    def _say(self, text: str, error: bool = False, done: bool = False) -> None:
        """The dock's status line; an error, or a result the user waits for (``done``: saved, a plan made),
        also goes to QGIS's message bar, where it stays after the next check has rewritten the status line."""
        self.status.setText(text)
        self.status.setStyleSheet("color: #b03a2e;" if error else "")
        if (error or done) and alive(self.iface.messageBar()):
            from qgis.core import Qgis

            self.iface.messageBar().pushMessage(tr("gridkit"), text, Qgis.Warning if error else Qgis.Success,
                                                10 if error else 5)
        if error:
            self.failed.emit(text)

    def _fail(self, task: WorkerTask, what: str) -> bool:
        """Report a failed or cancelled task; True when it did fail."""
        if task.cancelled:
            self._say(tr("{what}: cancelled").format(what=what))
            return True
        if task.error is not None:
            err = task.error
            detail = worker_message(str(err))
            if isinstance(err, gateway.WorkerError) and err.kind == "internal" and err.details:
                from qgis.core import QgsMessageLog

                QgsMessageLog.logMessage(err.details, "gridkit")
            self._say(tr("{what} failed: {error}").format(what=what, error=detail), error=True)
            return True
        return False

    # ------------------------------------------------------------------ layer and session

    def open_plan_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Open a gridkit plan"), "",
                                              file_filter(("GeoPackage", "*.gpkg")))
        if path:
            self.open_plan(path)

    def open_plan(self, path: str) -> None:
        """Add a plan's communities, blocks and grids to the project, styled, and edit its grids.

        The file's layers are listed in the background (0.03-0.07 s of GDAL that held QGIS's GUI thread); the
        layers are made on the GUI thread: made in a task and moved to it, their coordinate systems crashed QGIS
        3.22 (a lon/lat plan, in PROJ). A file another program holds locked is refused first: every layer made
        of it waited out the lock on the GUI thread (25 s frozen). ``opened`` or ``failed`` tells when it is done."""
        self._say(tr("Opening {name}…").format(name=Path(path).name))
        self._set_busy(1)

        def work(job: Any) -> frozenset[str]:
            self.worker.call("refuse_locked", {"path": path})
            return planio.layer_names(path)

        def done(job: Any) -> None:
            self._set_busy(-1)
            if isinstance(job.error, gateway.WorkerError):
                self._say(tr("{what} failed: {error}").format(what=tr("Opening the plan"),
                                                              error=worker_message(str(job.error))), error=True)
                return
            if job.error is not None or not job.result:
                self._say(tr("{path} cannot be read: it is not a GeoPackage, or it is damaged").format(path=path),
                          error=True)
                return
            self._add_plan_layers(path, job.result)

        run_quietly("list the plan's layers", work, done)

    def _add_plan_layers(self, path: str, names: frozenset[str]) -> None:
        """Add the plan's layers (``names``: the file's, listed) to the project, those it has not yet, styled, and
        edit the grids."""
        project = QgsProject.instance()
        stem = Path(path).stem
        layers = {planio.layer_path(lyr)[1]: lyr for lyr in planio.project_layers_on(path)}
        for name in ("communities", "blocks", "grids"):
            if name in layers:
                continue
            layer = planio.plan_layer(path, name, plan_layer_title(stem, name), names, stored_style=False)
            if not layer.isValid():
                continue
            {"communities": styles.style_communities, "blocks": styles.style_blocks,
             "grids": styles.style_grids}[name](layer)
            if name == "communities":
                styles.save_default_style(layer)
            project.addMapLayer(layer)
            layers[name] = layer
        grids = layers.get("grids")
        if grids is None:
            self._say(tr("{path} has no grids layer").format(path=path), error=True)
            return
        self.layer_combo.setLayer(grids)
        if self.layer is not grids:
            self.set_layer(grids)
        self._zoom_to(grids)
        self.opened.emit(grids)

    def _zoom_to(self, layer: QgsVectorLayer) -> None:
        self.canvas.setExtent(self.canvas.mapSettings().layerExtentToOutputExtent(layer, layer.extent()))
        self.canvas.refresh()

    def set_layer(self, layer) -> None:  # noqa: ANN001
        if not alive(layer):
            layer = None
        if layer is self.layer and self.session is not None:
            return
        self._disconnect()
        self.session = None
        self._style_stored = False
        self.stats, self.violations, self.attrs = {}, [], {}
        self.plan_crs = None
        self._band.reset(QgsWkbTypes.PolygonGeometry)
        self.table.grid_model.clear()
        self.problems.setRowCount(0)
        self.problems_label.setText(tr("Violations"))  # not the last plan's count
        if not planio.is_plan_grids(layer):
            self.layer = None
            self.plan_path = ""
            self.scenario_combo.clear()
            polygons = isinstance(layer, QgsVectorLayer) and layer.geometryType() == QgsWkbTypes.PolygonGeometry \
                and not planio.in_plan(layer)  # a plan's blocks or communities: choose its grids instead
            self._say(tr("Choose the grids layer of a plan GeoPackage."))
            self._offer(layer if polygons else None)
            self._update_buttons()
            return
        self.adopt_box.setVisible(False)
        self.divide_box.setVisible(False)
        self.layer = layer
        self.plan_path = planio.layer_path(layer)[0]
        for signal in (layer.featureAdded, layer.featureDeleted, layer.geometryChanged, layer.attributeValueChanged,
                       layer.afterRollBack, layer.afterCommitChanges, layer.editingStarted, layer.editingStopped):
            signal.connect(self.schedule_check)
        layer.selectionChanged.connect(self._layer_selection)
        layer.undoStack().indexChanged.connect(self._undo_changed)
        layer.willBeDeleted.connect(self._layer_gone)
        self.blocks_layer = self._blocks_layer()
        self._warn_if_temporary()
        self.reopen()

    def _warn_if_temporary(self) -> None:
        """A plan written to Processing's temporary folder (Partition run without choosing a file) is deleted
        when QGIS quits, edits and all: say so where it stays, in QGIS's message bar."""
        from qgis.core import Qgis, QgsProcessingUtils

        folder = Path(QgsProcessingUtils.tempFolder()).resolve()
        if folder in Path(self.plan_path).resolve().parents and alive(self.iface.messageBar()):
            self.iface.messageBar().pushMessage(tr("gridkit"), tr(
                "{path} is a temporary file that QGIS deletes when it quits, with every edit: run Partition "
                "again with a plan file of your own before editing.").format(path=self.plan_path), Qgis.Warning, 0)

    def _layers_removed(self, ids: list[str]) -> None:
        """The project drops layers (removed by the user, project closed): let go of ours while they live."""
        if alive(self.layer) and self.layer.id() in ids:
            self.set_layer(None)
        if alive(self.blocks_layer) and self.blocks_layer.id() in ids:
            self.toggle_pick(False)
            self.blocks_layer = None

    def _layers_added(self, layers: list) -> None:
        """A plan's grids added while the dock edits nothing (the Partition algorithm's result): edit them."""
        if self.layer is not None:
            return
        grids = next((lyr for lyr in layers if planio.is_plan_grids(lyr)), None)
        if grids is not None:
            self.layer_combo.setLayer(grids)
            self._zoom_to(grids)

    def _layer_gone(self) -> None:
        self.set_layer(None)

    def _disconnect(self) -> None:
        layer = self.layer
        self.layer = None
        if not alive(layer):
            self._close_session()
            return
        try:
            stack_signal = layer.undoStack().indexChanged
        except RuntimeError:  # deleted between the check and here
            self._close_session()
            return
        for signal, slot in ((layer.willBeDeleted, self._layer_gone), (stack_signal, self._undo_changed),(layer.featureAdded, self.schedule_check), (layer.featureDeleted, self.schedule_check),
                             (layer.geometryChanged, self.schedule_check),
                             (layer.attributeValueChanged, self.schedule_check),
                             (layer.afterRollBack, self.schedule_check), (layer.afterCommitChanges, self.schedule_check),
                             (layer.editingStarted, self.schedule_check), (layer.editingStopped, self.schedule_check),
                             (layer.selectionChanged, self._layer_selection)):
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass
        self._close_session()

    def _close_session(self) -> None:
        if self.session is not None:
            sid = self.session
            self.session = None
            run_quietly("close", lambda t: self.worker.call("session_close", {"session": sid}), lambda t: None)

    def _blocks_layer(self) -> QgsVectorLayer | None:
        for layer in planio.project_layers_on(self.plan_path):
            if planio.layer_path(layer)[1] == "blocks":
                return layer
        layer = planio.plan_layer(self.plan_path, "blocks", plan_layer_title(Path(self.plan_path).stem, "blocks"))
        if not layer.isValid():
            return None
        styles.style_blocks(layer)
        QgsProject.instance().addMapLayer(layer)
        return layer

    def reopen(self) -> None:
        """(Re)start the editing session in the worker (reads the plan and its compounds)."""
        if self.layer is None:
            return
        path, tol = self.plan_path, float(self.tolerance.value())
        self._say(tr("Opening {name}…").format(name=Path(path).name))
        self._set_busy(1)

        def work(task: WorkerTask) -> dict:
            return self.worker.call("session_open", {"plan": path, "tolerance_m2": tol}, is_cancelled=task.isCanceled)

        def done(task: WorkerTask) -> None:
            self._set_busy(-1)
            if self._fail(task, tr("Opening the plan")):
                return
            self.info = task.result
            self.plan_crs = QgsCoordinateReferenceSystem.fromWkt(task.result["crs"]) if task.result.get("crs") \
                else (self.layer.crs() if self.layer is not None else None)
            self.session = task.result["session"]
            self._update_buttons()
            self.check()
            self.list_scenarios()

        run_quietly("open plan", work, done)

    # ------------------------------------------------------------------ live check

    def schedule_check(self, *args: Any) -> None:
        """The layer changed (one signal per feature and attribute): check after a quiet moment, and update the
        buttons once when the burst is over, not at every signal."""
        if self.session is not None:
            self._timer.start(_CHECK_DELAY_MS)
        if not self._buttons_due:
            self._buttons_due = True
            QTimer.singleShot(0, self._buttons_after_burst)

    def _buttons_after_burst(self) -> None:
        self._buttons_due = False
        self._update_buttons()

    def _undo_changed(self, *args: Any) -> None:
        self.schedule_check()

    def check_now(self) -> None:
        """Check at once: after one of the dock's own edits, undo or redo (no burst of signals to wait for)."""
        self._timer.stop()
        self.check()

    def check(self) -> None:
        """Recompute statistics and violations in the background."""
        if self.layer is None or self.session is None:
            return
        if self._checking:
            self._dirty = True
            return
        self._checking = True
        self._dirty = False
        records = planio.snapshot(self.layer, self.plan_crs)
        sid = self.session

        def work(task: Any) -> dict:
            return self.worker.call("session_check", {"session": sid, "grids": records}, is_cancelled=task.isCanceled)

        def done(task: Any) -> None:
            self._checking = False
            if not self._fail(task, tr("Checking the grids")) and alive(self.layer) and self.session == sid:
                self.attrs = {r["fid"]: r for r in records}
                self.stats = task.result["stats"]
                self.violations = task.result["violations"]
                self.notes = task.result.get("notes", [])
                self._show(task.result)
                styles.update_grid_colours(self.layer, task.result["colours"])
                if not self._style_stored and not self.layer.isModified():
                    # Coloured now, and the layer is the plan as saved: see styles.save_default_style.
                    self._style_stored = True
                    styles.save_default_style(self.layer)
            if self._dirty:
                self.check()
            else:
                self._update_buttons()
                self.checked.emit()

        run_quietly("check grids", work, done)

    def _show(self, result: dict[str, Any]) -> None:
        """Statistics into the table (only rows that changed repaint), violations into the list and the map."""
        max_hh = int(self.info.get("max_households", 0))
        state: dict[int, str] = {}
        tips: dict[int, str] = {}
        for v in self.notes + self.violations:
            if v.get("level") == "grid" and v["kind"] in ("under_min", "off_target", "over_max"):
                for f in v["fids"]:
                    state[f] = {"accepted": "accepted", "warning": "warning"}.get(v.get("severity", ""), "error")
                    tips[f] = violation_text(v, max_hh)
        order = sorted(self.stats, key=lambda f: str(self.attrs.get(f, {}).get("code", "")))
        rows, codes = [], []
        for fid in order:
            s, a = self.stats[fid], self.attrs.get(fid, {})
            code = str(a.get("code") or "")
            codes.append(code)
            rows.append((code[-3:] if len(code) > 3 else code, a.get("name") or "", int(s["households"]),
                         int(s["buildings"]), int(round(float(s["area_m2"]))),
                         f"{s.get('grid_managers_min', '')}–{s.get('grid_managers_max', '')}",
                         f"{s.get('harmony_promoters_min', '')}–{s.get('harmony_promoters_max', '')}",
                         tr("yes") if a.get("locked") else ""))
        self._syncing = True
        self.table.grid_model.update(order, rows, codes, [state.get(f, "") for f in order],
                                     [tips.get(f, "") for f in order])
        self._syncing = False
        self._layer_selection()
        households = sum(int(s["households"]) for s in self.stats.values())
        n = len(self.violations)
        accepted = [v for v in self.notes if v.get("severity") == "accepted"]
        target = int(self.info.get("target_households", 0))
        average = households / max(len(self.stats), 1)
        self._say(tr("{grids} grids · {households} households · max {max} per grid · {n} violation(s)").format(
            grids=len(self.stats), households=f"{households:,}", max=max_hh, n=n)
            + " · " + tr("target {target}, average {average}").format(target=target, average=f"{average:.0f}")
            + ("" if self.info.get("compounds_known") else " · " + tr("compounds unknown (plan input not found)")))
        # Accepted exceptions are not listed as problems: the table shows them grey, with the reason.
        self.listed = list(self.violations)
        self.problems.setUpdatesEnabled(False)
        self.problems.setRowCount(len(self.listed))
        self._band.reset(QgsWkbTypes.PolygonGeometry)
        into = planio.transform(self.plan_crs, self.layer.crs())
        for i, v in enumerate(self.listed):
            colour = ACCEPTED_COLOUR if v.get("severity") == "accepted" else ERROR_COLOUR
            for j, text in enumerate((kind_name(v["kind"]), ", ".join(c[-3:] if v.get("level") == "grid" else c
                                                                      for c in v["codes"]),
                                      violation_text(v, max_hh))):
                item = QTableWidgetItem(text)
                item.setForeground(QBrush(colour))
                item.setToolTip(", ".join(v["codes"]) if j == 1 else text)
                self.problems.setItem(i, j, item)
            zoom = QPushButton(tr("Zoom"))
            zoom.clicked.connect(lambda _=False, k=i: self.zoom_to_violation(k))
            self.problems.setCellWidget(i, 3, zoom)
            if v.get("severity") == "accepted":
                continue
            geom = planio.geometry(v.get("geometry"), into)
            if not geom.isNull():
                self._band.addGeometry(geom, self.layer)
        self.problems.setUpdatesEnabled(True)
        text = tr("Violations: {n}").format(n=n) if n else tr("Violations: none")
        if accepted:
            text += " · " + tr("{n} accepted exception(s)").format(n=len(accepted))
        self.problems_label.setText(text)

    def zoom_to_violation(self, index: int) -> None:
        v = self.listed[index]
        if self.layer is None:
            return
        geom = planio.geometry(v.get("geometry"), planio.transform(self.plan_crs, self.layer.crs()))
        if geom.isNull():
            return
        rect = geom.boundingBox()
        rect.grow(max(rect.width(), rect.height(), 20.0) * 0.6)
        transform = QgsCoordinateTransform(self.layer.crs(), self.canvas.mapSettings().destinationCrs(),
                                           QgsProject.instance())
        self.canvas.setExtent(transform.transformBoundingBox(rect))
        self.canvas.refresh()
        self.canvas.flashGeometries([geom], self.layer.crs())
        self.layer.selectByIds([f for f in v["fids"] if f in self.stats])

    # ------------------------------------------------------------------ selection

    def selected_fids(self) -> list[int]:
        if self.layer is None:
            return []
        return sorted(int(f) for f in self.layer.selectedFeatureIds())

    def _table_selection(self, *args: Any) -> None:
        if self._syncing or self.layer is None:
            return
        model = self.table.grid_model
        fids = sorted({model.fids[i.row()] for i in self.table.selectionModel().selectedRows()})
        self._syncing = True
        self.layer.selectByIds(fids)
        self._syncing = False

    def _layer_selection(self, *args: Any) -> None:
        if self._syncing or self.layer is None:
            return
        from qgis.PyQt.QtCore import QItemSelection, QItemSelectionModel

        fids = set(self.selected_fids())
        model = self.table.grid_model
        selection = QItemSelection()
        for i, f in enumerate(model.fids):
            if f in fids:
                selection.select(model.index(i, 0), model.index(i, model.columnCount() - 1))
        self._syncing = True
        self.table.selectionModel().select(selection, QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
        self._syncing = False

    # ------------------------------------------------------------------ edits

    def _edit(self, op: str, args: dict[str, Any], text: str) -> None:
        """Ask the worker for an edit, then apply it to the layer as one undoable command."""
        if self.layer is None or self.session is None:
            return
        records = planio.snapshot(self.layer, self.plan_crs)
        sid = self.session
        self._set_busy(1)

        def work(task: Any) -> dict:
            return self.worker.call("session_edit", {"session": sid, "grids": records, "op": op, **args},
                                    is_cancelled=task.isCanceled)

        def done(task: Any) -> None:
            self._set_busy(-1)
            if self._fail(task, text):
                self._pending_save = False
                return
            self._apply(task.result, text)

        run_quietly(text, work, done)

    def _apply(self, edit: dict[str, Any], text: str) -> None:
        if not alive(self.layer):
            return
        if self._pending_save:
            self._pending_save = False
            if edit.get("update") or edit.get("add") or edit.get("delete"):
                planio.apply_edit(self.layer, edit, f"gridkit: {text}", self.plan_crs)
                self.layer.triggerRepaint()
                self.edited.emit(text)
            self.save()
            return
        if not (edit.get("update") or edit.get("add") or edit.get("delete")):
            self._say(tr("Nothing to change."))
            return
        planio.apply_edit(self.layer, edit, f"gridkit: {text}", self.plan_crs)
        self.layer.triggerRepaint()
        self.check_now()
        self.edited.emit(text)

    def move_blocks(self, block_ids: list[str], target_fid: int | None = None) -> None:
        """Move blocks into ``target_fid`` (default: the selected grid)."""
        if target_fid is None:
            fids = self.selected_fids()
            if len(fids) != 1:
                self._say(tr("Select one grid to move the blocks into."), error=True)
                return
            target_fid = fids[0]
        self._edit("move", {"blocks": list(block_ids), "target": int(target_fid)},
                   tr("move {n} block(s)").format(n=len(block_ids)))

    def _target(self) -> int | None:
        fids = self.selected_fids()
        return fids[0] if len(fids) == 1 else None

    def preview_move(self, block_ids: list[str], target_fid: int | None = None, then=None) -> None:  # noqa: ANN001
        """Show, before the move, the households the receiving and the giving grids would have.

        Runs while a box is dragged (latest box only): in the status line and beside the cursor (the pick
        tool's overlay); ``then(preview)`` gets the answer.
        """
        target = self._target() if target_fid is None else target_fid
        if target is None or self.session is None or not alive(self.layer) or not block_ids:
            return
        self._preview_wanted = (list(block_ids), int(target), then)
        if self._previewing:
            return
        self._previewing = True
        ids, tgt, callback = self._preview_wanted
        self._preview_wanted = None
        records, sid = planio.snapshot(self.layer, self.plan_crs), self.session

        def work(job: Any) -> dict:
            return self.worker.call("session_preview", {"session": sid, "grids": records, "blocks": ids, "target": tgt})

        def done(job: Any) -> None:
            self._previewing = False
            if job.error is None and alive(self.layer):
                self.preview = job.result
                parts = [tr("{code}: {before} → {after} households").format(
                    code=v["code"][-3:], before=v["before"], after=v["after"]) for v in job.result["grids"].values()]
                text = tr("Preview: {moves}").format(moves="; ".join(parts))
                if job.result["emptied"]:
                    text += " · " + tr("{n} grid(s) would be emptied").format(n=len(job.result["emptied"]))
                self._say(text)
                if self.pick_tool is not None:  # beside the cursor too, while the box is still dragged
                    names = {f: str(a.get("name") or "") for f, a in self.attrs.items()}
                    self.pick_tool.show_preview(preview_lines(job.result, names))
                if callback is not None:
                    callback(job.result)
            if self._preview_wanted is not None:
                pending, self._preview_wanted = self._preview_wanted, None
                self.preview_move(pending[0], pending[1], pending[2])

        run_quietly("preview", work, done)

    def _picked(self, block_ids: list[str]) -> None:
        """Blocks clicked or boxed: move them; a box that would empty a grid asks first."""
        target = self._target()
        if target is None:
            self._say(tr("Select one grid to move the blocks into."), error=True)
            return

        def decide(preview: dict) -> None:
            if preview["emptied"]:
                codes = ", ".join(preview["grids"][f]["code"] for f in preview["emptied"])
                if not self.confirm(tr("Moving these {n} blocks empties grid(s) {codes}, which will be deleted. "
                                       "Move them?").format(n=preview["moving"], codes=codes)):
                    self._say(tr("Nothing moved."))
                    return
            self.move_blocks(block_ids, target)

        self.preview_move(block_ids, target, then=decide)

    def confirm(self, text: str) -> bool:
        """Ask the user (a dialog); tests replace it."""
        from qgis.PyQt.QtWidgets import QMessageBox

        return QMessageBox.question(self, tr("gridkit grids"), text) == QMessageBox.Yes

    def merge(self, keep_fid: int, other_fid: int) -> None:
        self._edit("merge", {"keep": int(keep_fid), "other": int(other_fid)}, tr("merge grids"))

    def merge_selected(self) -> None:
        fids = self.selected_fids()
        if len(fids) != 2:
            self._say(tr("Select exactly two grids to merge."), error=True)
            return
        self.merge(fids[0], fids[1])

    def split_line(self, fid: int, line: QgsGeometry) -> None:
        """Split grid ``fid`` along ``line`` (in the grid layer's CRS)."""
        line = QgsGeometry(line)
        into = planio.transform(self.layer.crs(), self.plan_crs) if self.layer is not None else None
        if into is not None:
            line.transform(into)
        self._edit("split_line", {"fid": int(fid), "line": bytes(line.asWkb())}, tr("split a grid along a line"))

    def split_into(self, fid: int, n: int) -> None:
        self._edit("split_into", {"fid": int(fid), "n": int(n)}, tr("split a grid into {n}").format(n=n))

    def split_selected(self) -> None:
        fids = self.selected_fids()
        if len(fids) != 1:
            self._say(tr("Select one grid to split."), error=True)
            return
        self.split_into(fids[0], self.split_n.value())

    def set_locked(self, fids: list[int], locked: bool) -> None:
        self._edit("lock", {"fids": [int(f) for f in fids], "locked": bool(locked)},
                   tr("lock grids") if locked else tr("unlock grids"))

    def lock_all(self, locked: bool) -> None:
        """Lock (or unlock) every grid of the layer, one undoable edit."""
        if not alive(self.layer):
            return
        fids = sorted(int(f.id()) for f in self.layer.getFeatures())
        self.set_locked(fids, locked)

    def next_out_of_bounds(self) -> int | None:
        """Select and zoom to the next grid over the maximum or under the minimum (after the selected one)."""
        out = []
        for v in self.violations + self.notes:
            if v.get("level") == "grid" and v["kind"] in ("over_max", "under_min") and v.get("severity") != "accepted":
                out += v["fids"]
        model = self.table.grid_model
        ordered = [f for f in model.fids if f in set(out)]
        if not ordered:
            self._say(tr("Every grid is within its bounds."))
            return None
        current = self.selected_fids()
        after = [f for f in ordered if current and model.row_of(f) > model.row_of(current[0])]
        fid = (after or ordered)[0]
        self.layer.selectByIds([fid])
        geom = self.layer.getFeature(fid).geometry()
        rect = geom.boundingBox()
        rect.grow(max(rect.width(), rect.height(), 20.0) * 0.3)
        transform = QgsCoordinateTransform(self.layer.crs(), self.canvas.mapSettings().destinationCrs(),
                                           QgsProject.instance())
        self.canvas.setExtent(transform.transformBoundingBox(rect))
        self.canvas.refresh()
        return fid

    def lock_selected(self, locked: bool) -> None:
        fids = self.selected_fids()
        if not fids:
            self._say(tr("Select the grids to lock or unlock."), error=True)
            return
        self.set_locked(fids, locked)

    def undo(self) -> None:
        if self.layer is not None:
            self.layer.undoStack().undo()
            self.layer.triggerRepaint()
            self.check_now()

    def redo(self) -> None:
        if self.layer is not None:
            self.layer.undoStack().redo()
            self.layer.triggerRepaint()
            self.check_now()

    # ------------------------------------------------------------------ map tools

    def toggle_pick(self, on: bool) -> None:
        if not on or self.blocks_layer is None:
            if self.pick_tool is not None and self.canvas.mapTool() is self.pick_tool:
                self.canvas.unsetMapTool(self.pick_tool)
            self.assign_button.setChecked(False)
            return
        self.line_button.setChecked(False)
        self.pick_tool = BlockPickTool(self.canvas, self.blocks_layer)
        self.pick_tool.picked.connect(self._picked)
        self.pick_tool.dragging.connect(self.preview_move)
        self.pick_tool.deactivated.connect(lambda: self.assign_button.setChecked(False))
        self.canvas.setMapTool(self.pick_tool)

    def toggle_line(self, on: bool) -> None:
        if not on or self.layer is None:
            if self.line_tool is not None and self.canvas.mapTool() is self.line_tool:
                self.canvas.unsetMapTool(self.line_tool)
            self.line_button.setChecked(False)
            return
        self.assign_button.setChecked(False)
        self.line_tool = LineTool(self.canvas, self.layer)
        self.line_tool.drawn.connect(self._line_drawn)
        self.line_tool.deactivated.connect(lambda: self.line_button.setChecked(False))
        self.canvas.setMapTool(self.line_tool)

    def _line_drawn(self, line: QgsGeometry) -> None:
        fids = self.selected_fids()
        if len(fids) != 1:
            # The grid the line crosses most.
            best, length = None, 0.0
            for f in self.layer.getFeatures():
                inter = f.geometry().intersection(line)
                if not inter.isNull() and inter.length() > length:
                    best, length = f.id(), inter.length()
            fids = [best] if best is not None else []
        if fids:
            self.split_line(fids[0], line)

    # ------------------------------------------------------------------ rebalance

    def rebalance(self) -> None:
        """Re-solve the unlocked grids in a worker of its own (progress, cancel), then apply as one edit."""
        if self.layer is None or self.session is None:
            return

        def applied(result: dict) -> None:
            self._apply(result, tr("rebalance the unlocked grids"))
            self.rebalanced.emit(True)

        self._run_long(tr("gridkit: rebalance the unlocked grids"), "rebalance",
                       {"plan": self.plan_path, "grids": planio.snapshot(self.layer, self.plan_crs)},
                       tr("Rebalancing"), applied, lambda: self.rebalanced.emit(False))

    def _run_long(self, description: str, job: str, args: dict[str, Any], what: str, succeeded, failed) -> None:  # noqa: ANN001
        """Run a worker job in a worker of its own, with the progress bar and Cancel (which kills it);
        ``succeeded(result)`` or ``failed()`` after it, in the GUI thread."""
        python = self.python
        self._set_busy(1)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)

        def progress(pct: float, text: str) -> None:
            task.stage = text  # read by the progress bar in the GUI thread
            task.setProgress(pct)

        def work(task: WorkerTask) -> dict:
            return gateway.run_job(job, args, progress=progress, is_cancelled=task.isCanceled, python=python)

        def done(task: WorkerTask) -> None:
            self._long = None
            self._set_busy(-1)
            self.progress.setVisible(False)
            self.cancel_button.setVisible(False)
            if self._fail(task, what):
                failed()
                return
            succeeded(task.result)

        task = WorkerTask(description, work, done)
        task.stage = ""
        self.progress.setFormat("%p%")

        def show(pct: float) -> None:
            self.progress.setValue(int(pct))
            self.progress.setFormat(f"{stage_text(task.stage)} · %p%" if task.stage else "%p%")

        task.progressChanged.connect(show)
        self._long = start(task)

    def cancel(self) -> None:
        if self._long is not None:
            self._long.cancel()

    # ------------------------------------------------------------------ save

    def save(self, split_pieces: bool = False) -> None:
        """Commit the grid edits and write everything that follows from them into the plan GeoPackage.

        The worker rebuilds and validates the plan first (gridkit's metrics): when it would break an
        invariant (a grid or community in two pieces), nothing is committed or written and the dock says
        why. ``split_pieces``: first save every unit in several pieces as that many units (one undoable edit).
        """
        if self.layer is None or self.session is None:
            return
        if split_pieces:
            self.split_save_button.setVisible(False)
            self._pending_save = True
            self._edit("split_pieces", {}, tr("save units in several pieces as separate units"))
            return
        records = planio.snapshot(self.layer, self.plan_crs)
        sid, path = self.session, self.plan_path
        self._set_busy(1)
        self._say(tr("Saving…"))

        def work(task: WorkerTask) -> dict:
            return self.worker.call("session_save", {"session": sid, "grids": records}, is_cancelled=task.isCanceled)

        def done(task: WorkerTask) -> None:
            if self._fail(task, tr("Saving")):
                self._set_busy(-1)
                return
            self._write(task.result, "gridkit: save")

        start(WorkerTask(tr("gridkit: save the plan"), work, done))

    def _write(self, payload: dict, text: str, then: str = "") -> None:
        """Write a save's payload (the worker's ``session_save`` or ``session_switch``): the grid layer as one
        edit, committed, then the plan's other layers through QGIS's provider; refused payloads say why."""
        if payload.get("refused"):
            self._set_busy(-1)
            self._refused(payload)
            return
        try:
            planio.apply_edit(self.layer, payload["grids"], text, self.plan_crs)
            if not self.layer.commitChanges():
                raise OSError("; ".join(self.layer.commitErrors()))
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self._set_busy(-1)
            self._say(tr("Saving failed: {error}").format(error=str(exc)), error=True)
            return
        self._after_save(payload, then)

    def _refused(self, payload: dict) -> None:
        """Say why the plan was not saved; offer to save the pieces as separate units."""
        pieces = payload.get("pieces", [])
        if pieces:
            detail = "; ".join(tr("{level} {codes} in {n} pieces").format(level=level_name(p["level"]),
                                                                             codes=", ".join(p["codes"]),
                                                                             n=int(p["value"]))
                               for p in pieces)
        else:
            detail = ", ".join(payload.get("failures", []))
        self._say(tr("Not saved: the plan would break {failures}. {detail}. Undo the edit, or save the pieces "
                     "as separate units.").format(failures=", ".join(payload.get("failures", [])), detail=detail),
                  error=True)
        self.split_save_button.setVisible(bool(pieces))
        self.saved.emit({"failures": payload.get("failures", []), "written": {}, "refused": True})

    def _after_save(self, payload: dict, then: str = "") -> None:
        """The grids committed: write the plan's other layers, then validate the file, off the GUI thread (the
        blocks and buildings of a large plan take seconds to write)."""
        sid, path, crs = self.session, self.plan_path, self.plan_crs
        self._say(tr("Saving…"))

        def work(task: WorkerTask) -> dict:
            written = planio.write_payload(path, payload, crs)
            self.worker.call("session_reload", {"session": sid})
            return {"written": written, "validation": self.worker.call("validate", {"plan": path})}

        def done(task: WorkerTask) -> None:
            self._set_busy(-1)
            planio.refresh_layers(path)
            if self._fail(task, tr("Saving")):
                return
            written = task.result["written"]
            failures = task.result["validation"]["failures"]
            if failures:
                self._say(tr("Saved; the plan breaks: {failures}").format(failures=", ".join(failures)), error=True)
            elif self.violations:
                # Valid (every invariant holds) yet the dock lists problems: 'valid' alone read as 'nothing left'.
                self._say((then + " " if then else "") + tr(
                    "Saved; the plan is valid, but {n} rule(s) are still broken (listed under Violations).").format(
                    n=len(self.violations)), done=True)
            else:
                self._say((then + " " if then else "") + tr("Saved; the plan is valid."), done=True)
            self.saved.emit({"failures": failures, "written": written})
            self.schedule_check()
            self.list_scenarios()

        start(WorkerTask(tr("gridkit: write and validate the plan"), work, done))

    # ------------------------------------------------------------------ scenarios

    def list_scenarios(self, choose: str | None = None) -> None:
        """Read the plan's scenarios into the combo (✓: the one the plan's layers hold now), keeping the chosen
        one (or choosing ``choose``)."""
        if not self.plan_path:
            return
        path, wanted = self.plan_path, choose or self.scenario_combo.currentData()
        self._set_busy(1)

        def work(job: Any) -> list:
            return self.worker.call("scenario_list", {"plan": path})

        def done(job: Any) -> None:
            self._set_busy(-1)
            if self._fail(job, tr("Reading the scenarios")) or path != self.plan_path:
                return
            self.scenario_combo.clear()
            for row in job.result:
                self.scenario_combo.addItem(("✓ " if row["current"] else "") + row["scenario"], row["scenario"])
                self.scenario_combo.setItemData(self.scenario_combo.count() - 1, tr(
                    "saved {saved} · {grids} grids · {households} households").format(
                    saved=row["saved"], grids=row["grids"], households=row["households"]), Qt.ToolTipRole)
            index = self.scenario_combo.findData(wanted)
            if index >= 0:
                self.scenario_combo.setCurrentIndex(index)
            self._update_buttons()
            self.scenarios_listed.emit(job.result)

        run_quietly("scenarios", work, done)

    def ask_name(self) -> str:
        """Ask for a scenario name (a dialog); tests replace it."""
        from qgis.PyQt.QtWidgets import QInputDialog

        name, ok = QInputDialog.getText(self, tr("Save as a scenario"), tr("Scenario name"))
        return name if ok else ""

    def save_scenario(self, name: str | None = None) -> None:
        """Keep the grid layer as it is now as scenario ``name`` inside the plan GeoPackage (written through QGIS).

        The plan is rebuilt and validated as a save would; a name that exists is replaced only when the user
        agrees. The plan's own layers are not changed.
        """
        if self.layer is None or self.session is None:
            return
        name = self.ask_name() if name is None else name
        if not name.strip():
            return
        records, sid = planio.snapshot(self.layer, self.plan_crs), self.session
        self._set_busy(1)

        def work(job: Any) -> dict:
            return self.worker.call("session_scenario", {"session": sid, "grids": records, "name": name})

        def done(job: Any) -> None:
            self._set_busy(-1)
            if self._fail(job, tr("Saving the scenario")) or not alive(self.layer):
                return
            result = job.result
            if result["exists"] and not self.confirm(tr("Scenario {name} exists. Replace it?").format(
                    name=result["name"])):
                self._say(tr("Scenario not saved."))
                return
            try:
                planio.write_scenario(self.plan_path, result["name"], result["rows"], self.plan_crs)
            except OSError as exc:
                self._say(tr("Saving the scenario failed: {error}").format(error=str(exc)), error=True)
                return
            self._say(tr("Saved scenario {name}.").format(name=result["name"]), done=True)
            self.list_scenarios(choose=result["name"])

        run_quietly("save scenario", work, done)

    def switch_scenario(self, name: str | None = None) -> None:
        """Make scenario ``name`` (default: the chosen one) the plan: the worker rebuilds the whole plan from
        it and validates it, then the dock writes it as a save does (the grid layer committed, every other
        layer through QGIS). Unsaved edits of the grid layer are replaced, so the user is asked first."""
        if self.layer is None or self.session is None:
            return
        name = self.scenario_combo.currentData() if name is None else name
        if not name:
            return
        if self.layer.isModified() and not self.confirm(tr("The grid layer has unsaved edits; switching to "
                                                           "scenario {name} replaces them. Switch?").format(name=name)):
            return
        records, sid = planio.snapshot(self.layer, self.plan_crs), self.session
        self._set_busy(1)
        self._say(tr("Switching to scenario {name}…").format(name=name))

        def work(task: WorkerTask) -> dict:
            return self.worker.call("session_switch", {"session": sid, "grids": records, "name": name},
                                    is_cancelled=task.isCanceled)

        def done(task: WorkerTask) -> None:
            if self._fail(task, tr("Switching")) or not alive(self.layer):
                self._set_busy(-1)
                return
            text = tr("switch to scenario {name}").format(name=name)
            self._write(task.result, f"gridkit: {text}", tr("Now scenario {name}.").format(name=name))

        start(WorkerTask(tr("gridkit: switch to a scenario"), work, done))

    def compare_scenario(self, name: str | None = None) -> None:
        """What moved between scenario ``name`` (default: the chosen one) and the plan as saved
        (``gridkit diff PLAN.gpkg#NAME PLAN.gpkg``); the grids that changed are selected."""
        if self.layer is None or self.session is None:
            return
        name = self.scenario_combo.currentData() if name is None else name
        if not name:
            return
        path = self.plan_path
        self._set_busy(1)

        def work(job: Any) -> dict:
            return self.worker.call("diff", {"old": f"{path}#{name}", "new": path})

        def done(job: Any) -> None:
            self._set_busy(-1)
            if self._fail(job, tr("Comparing")) or not alive(self.layer):
                return
            result = job.result
            changed = {r["new_code"] or r["old_code"] for r in result["rows"]
                       if r["level"] == "grid" and r["change"] != "unchanged"}
            blocks = result.get("blocks") or []
            fids = [int(f.id()) for f in self.layer.getFeatures() if str(f["code"]) in changed]
            self.layer.selectByIds(fids)
            self._say(tr("Scenario {name} → the plan as saved: {grids} grid(s) changed, {blocks} block(s) moved "
                         "({households} households).").format(
                name=name, grids=len(changed), blocks=len(blocks),
                households=sum(int(b["households"]) for b in blocks)))
            self.compared.emit(result)

        run_quietly("compare scenario", work, done)

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        self.toggle_pick(False)
        self.toggle_line(False)
        super().closeEvent(event)

    def teardown(self) -> None:
        """Before the plugin unloads or QGIS quits: let go of layers, map tools, the canvas and tasks.

        Anything may already be gone at quit (the canvas, the layers), so every step checks first.
        """
        self._timer.stop()
        for signal, slot in ((QgsProject.instance().layersWillBeRemoved, self._layers_removed),
                             (QgsProject.instance().layersAdded, self._layers_added)):
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass
        if self._long is not None:
            try:
                self._long.cancel()
            except RuntimeError:
                pass
        if alive(self.canvas):
            self.toggle_pick(False)
            self.toggle_line(False)
        self._disconnect()
        if alive(self._band):
            self._band.reset(QgsWkbTypes.PolygonGeometry)
            if alive(self.canvas) and alive(self.canvas.scene()):
                self.canvas.scene().removeItem(self._band)
