"""Drive the real QGIS application (``/usr/bin/qgis``) with the plugin installed, as a user would.

:func:`run_qgis` starts QGIS under Xvfb with a throw-away profile (the plugin linked into its
plugins folder and enabled, QGIS's own locale set), and has QGIS run this file at start-up
(``--code``). Inside QGIS, :func:`main` opens a plan in the dock, optionally shows a live preview of
a box drag and grabs the main window, writes what it saw as JSON, and quits QGIS through its own
File ▸ Exit action. The caller gets QGIS's exit status and log with the JSON.

Used by tests/qgis/test_real_qgis.py (quitting with the dock open) and scripts/qgis-screenshot.sh.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: This file; QGIS runs it with exec(), where ``__file__`` is not set.
HERE = Path(globals().get("__file__", "")).resolve()


def run_qgis(plan: Path, *, locale: str = "en", shot: Path | None = None, preview: bool = False,
             timeout: float = 120.0) -> tuple[dict | None, subprocess.CompletedProcess]:
    """Run real QGIS on ``plan``; return what the start-up script saw and the finished process."""
    profiles = Path(tempfile.mkdtemp(prefix="gridkit_qgis_profiles_"))
    profile = profiles / "profiles" / "default"
    (profile / "python" / "plugins").mkdir(parents=True)
    (profile / "python" / "plugins" / "gridkit_qgis").symlink_to(HERE.parents[2] / "qgis_plugin" / "gridkit_qgis")
    (profile / "QGIS").mkdir(parents=True)
    # QGIS reads its locale and enabled plugins from the profile before any Python runs.
    (profile / "QGIS" / "QGIS3.ini").write_text(
        "[locale]\n"
        f"userLocale={locale}\noverrideFlag=true\nglobalLocale={locale}\n\n"
        "[PythonPlugins]\ngridkit_qgis=true\n\n"
        "[qgis]\ncheckVersion=false\nshowTips=false\nshowTips322=false\n", encoding="utf-8")
    result = profiles / "result.json"
    env = {**os.environ, "GRIDKIT_REAL_PLAN": str(plan), "GRIDKIT_REAL_RESULT": str(result),
           "GRIDKIT_REAL_SHOT": str(shot or ""), "GRIDKIT_REAL_PREVIEW": "1" if preview else "",
           "GRIDKIT_PYTHON": os.environ.get("GRIDKIT_PYTHON", sys.executable),
           "QT_QPA_PLATFORM": "xcb", "XDG_RUNTIME_DIR": str(profiles / "runtime")}
    (profiles / "runtime").mkdir(mode=0o700)
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24", "qgis", "--profiles-path", str(profiles),
           "--nologo", "--noversioncheck", "--code", str(HERE)]
    try:
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired as hung:
            run = subprocess.CompletedProcess(cmd, -1, _text(hung.stdout), _text(hung.stderr) + "\nQGIS did not quit")
        seen = json.loads(result.read_text(encoding="utf-8")) if result.exists() else None
    finally:
        shutil.rmtree(profiles, ignore_errors=True)
    return seen, run


def _text(output: bytes | str | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else (output or "")


def _wait(condition, timeout: float) -> bool:  # noqa: ANN001
    from qgis.PyQt.QtCore import QCoreApplication

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


def _preview_drag(dock) -> str:  # noqa: ANN001
    """Press and drag a box over the smallest grid next to a neighbour (selected); the drag is left open.

    QGIS's own geometry only: gridkit's packages live in the worker, not in QGIS's Python.
    """
    from qgis.core import QgsPointXY
    from qgis.gui import QgsMapMouseEvent
    from qgis.PyQt.QtCore import QEvent, QPoint, Qt

    grids = {f.id(): (f.geometry(), int(f["households"])) for f in dock.layer.getFeatures()}
    small = min(grids, key=lambda f: grids[f][1])
    near = grids[small][0].buffer(0.5, 2)
    target = max((f for f in grids if f != small and grids[f][0].intersects(near)),
                 key=lambda f: grids[f][0].intersection(near).area())
    dock.layer.selectByIds([target])
    canvas = dock.canvas
    box = grids[small][0].buffer(-1.0, 2).boundingBox()
    a, b = (canvas.getCoordinateTransform().transform(QgsPointXY(x, y))
            for x, y in ((box.xMinimum(), box.yMinimum()), (box.xMaximum(), box.yMaximum())))
    dock.assign_button.setChecked(True)
    dock.toggle_pick(True)
    tool = dock.pick_tool
    tool.canvasPressEvent(QgsMapMouseEvent(canvas, QEvent.MouseButtonPress, QPoint(int(a.x()), int(a.y())),
                                           Qt.LeftButton, Qt.LeftButton))
    tool.canvasMoveEvent(QgsMapMouseEvent(canvas, QEvent.MouseMove, QPoint(int(b.x()), int(b.y())),
                                          Qt.LeftButton, Qt.LeftButton))
    _wait(lambda: bool(dock.preview.get("grids")) and not dock.busy, 60)
    return dock.status.text()


def main() -> None:
    """Inside QGIS (``qgis --code``): open the plan in the dock, look, grab, and quit."""
    import qgis.utils
    from qgis.core import QgsProject
    from qgis.PyQt.QtCore import QLocale, QSettings, QTimer

    out: dict = {"errors": []}
    iface = qgis.utils.iface
    try:
        window = iface.mainWindow()
        window.resize(1800, 1000)
        window.showMaximized()
        plugin = qgis.utils.plugins.get("gridkit_qgis")
        out["plugin_loaded"] = plugin is not None
        out["locale"] = str(QSettings().value("locale/userLocale", ""))
        out["qt_locale"] = QLocale().name()
        out["qgis_menu"] = window.menuBar().actions()[0].text()
        if plugin is not None:
            plugin.open_plan(os.environ["GRIDKIT_REAL_PLAN"])
            dock = plugin.dock
            out["ready"] = _wait(lambda: dock.session is not None and not dock.busy and bool(dock.stats), 180)
            out["grids"] = len(dock.stats)
            out["violations"] = len(dock.violations)
            out["dock_title"] = dock.windowTitle()
            out["status"] = dock.status.text()
            out["menu"] = [a.text() for a in plugin.actions]
            canvas = iface.mapCanvas()
            canvas.setExtent(dock.layer.extent())
            canvas.refresh()
            _wait(lambda: not canvas.isDrawing(), 60)
            if os.environ.get("GRIDKIT_REAL_PREVIEW"):
                out["preview_status"] = _preview_drag(dock)
            if os.environ.get("GRIDKIT_REAL_SHOT"):
                _wait(lambda: False, 2.0)
                canvas.waitWhileRendering()
                out["shot"] = window.grab().save(os.environ["GRIDKIT_REAL_SHOT"])
    except Exception as exc:  # reported to the test, which fails on it
        import traceback

        out["errors"].append(traceback.format_exc())
        out["error"] = str(exc)
    Path(os.environ["GRIDKIT_REAL_RESULT"]).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    # Quit the way a user does, with the dock (and its worker) still open; the project's layers are
    # not worth the "save the project?" question that would wait for a click.
    QgsProject.instance().setDirty(False)
    QTimer.singleShot(500, iface.actionExit().trigger)
    QTimer.singleShot(20000, _say_what_is_open)


def _say_what_is_open() -> None:
    """QGIS has not quit 20 s after Exit: print the windows still open (a question waiting for a click?)."""
    from qgis.PyQt.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            text = getattr(widget, "text", lambda: "")()
            print(f"still open: {type(widget).__name__} {widget.windowTitle()!r} {text!r}", file=sys.stderr,
                  flush=True)


if os.environ.get("GRIDKIT_REAL_RESULT") and "qgis.utils" in sys.modules:
    main()
