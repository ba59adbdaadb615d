"""Leave while the dock's background work runs, in a process of its own (QGIS offscreen).

    exit_during_work.py PLAN OPERATION HOW

OPERATION is what runs in the background: ``save`` or ``rebalance`` (QgsTasks), ``check`` (a quiet
job). HOW is how the plugin is left: ``exit`` (Python exits at once, as the test process does: no
``aboutToQuit``, no unload), ``quit`` (QGIS's ``aboutToQuit``, then exit), ``unload`` (the plugin is
unloaded, QGIS's event loop runs 2 s more, then exit). Prints one line ``RESULT {json}`` before
leaving: whether the work was still running, and every exception that reached ``sys.excepthook``
(QGIS shows those as Python errors). The caller checks the exit status and stderr.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "qgis_plugin"))


def main(plan: str, operation: str, how: str) -> None:
    from qgis_env import Iface, start_qgis, wait_until

    start_qgis()
    from qgis.core import QgsApplication

    from gridkit_qgis.plugin import GridkitPlugin

    errors: list[str] = []
    sys.excepthook = lambda kind, value, tb: errors.append(f"{kind.__name__}: {value}")
    iface = Iface()
    plugin = GridkitPlugin(iface, python=os.environ["GRIDKIT_PYTHON"])
    plugin.initGui()
    plugin.open_plan(plan)
    dock = plugin.dock
    assert wait_until(lambda: dock.session is not None and not dock.busy and dock.stats, 180), dock.status.text()
    {"save": dock.save, "rebalance": dock.rebalance, "check": dock.check}[operation]()
    if operation != "check":  # a quiet check takes a tenth of a second: leave at once
        wait_until(lambda: QgsApplication.taskManager().countActiveTasks() > 0, 10)
        wait_until(lambda: False, 0.2)  # inside the task's run(), waiting for the worker
    out = {"tasks": QgsApplication.taskManager().countActiveTasks(), "busy": dock.busy}
    if how == "quit":
        QgsApplication.instance().aboutToQuit.emit()
    elif how == "unload":
        plugin.unload()
        wait_until(lambda: False, 2.0)  # finished tasks and jobs deliver their results now, to a dock that is gone
    out["errors"] = errors
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
