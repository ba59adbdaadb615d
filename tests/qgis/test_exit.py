"""Leaving QGIS (or unloading the plugin) while the dock's background work runs: nothing is left running
Python in a thread, no Python error, no "Qt Concurrent has caught an exception" (a QgsTask whose Python
was still running when the interpreter finalized), exit status 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from qgis_fixtures import hk_plan_file, plan_copy, qgis_app  # noqa: F401 - fixtures

SCRIPT = Path(__file__).resolve().parent / "exit_during_work.py"


@pytest.mark.parametrize(("operation", "how"), [("save", "exit"), ("rebalance", "exit"), ("save", "unload"),
                                                ("check", "unload"), ("rebalance", "quit")])
def test_leaving_while_work_runs(plan_copy, operation, how):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GRIDKIT_PYTHON": sys.executable}
    run = subprocess.run([sys.executable, str(SCRIPT), str(plan_copy), operation, how], capture_output=True,
                         text=True, timeout=300, env=env, cwd=str(plan_copy.parent))
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, run.stdout[-2000:] + run.stderr[-3000:]
    out = json.loads(lines[-1][7:])
    assert out["busy"] and (out["tasks"] >= 1 or operation == "check"), out  # it really was running
    assert out["errors"] == [], out["errors"]
    assert run.returncode == 0, run.stderr[-3000:]
    for sign in ("Qt Concurrent has caught an exception", "Traceback", "Exception ignored", "Segmentation fault"):
        assert sign not in run.stderr, run.stderr[-3000:]
