"""Importing gridkit (every module of it) and drawing a map leave the caller's matplotlib backend,
``rcParams`` and warnings filters exactly as they were: a notebook user's own plots must not change.

The check runs in a fresh interpreter so nothing imported by other tests hides a side effect. The
caller picks a backend other than Agg first, so switching to Agg (what maps used to do) is caught.
Third-party libraries gridkit imports are imported before the snapshot: some of them (numpy, scipy)
add warnings filters of their own at import, which is not gridkit's doing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import gridkit

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent("""
    import ast, importlib, importlib.util, json, pkgutil, sys, warnings
    from pathlib import Path

    spec = importlib.util.find_spec("gridkit")  # locates the package without importing it
    root = Path(spec.submodule_search_locations[0])
    modules = ["gridkit"] + [m.name for m in pkgutil.walk_packages([str(root)], "gridkit.")]
    third_party = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                third_party.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                third_party.add(node.module)
    for name in sorted(n for n in third_party if n.split(".")[0] != "gridkit"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # an optional extra that is not installed

    import matplotlib
    matplotlib.use("svg")  # the caller's choice: anything but Agg

    def snapshot():
        return {
            "backend": matplotlib.get_backend(),
            "rc": {k: repr(v) for k, v in matplotlib.rcParams.items()},
            "filters": [repr(f) for f in warnings.filters],
        }

    before = snapshot()
    for name in modules:
        importlib.import_module(name)
    after_import = snapshot()

    import gridkit
    from gridkit.maps import draw_map
    plan = gridkit.read_plan(sys.argv[1])
    draw_map(plan, Path(sys.argv[2]) / "sheet.pdf")
    after_draw = snapshot()
    print(json.dumps({"modules": modules, "before": before, "after_import": after_import,
                      "after_draw": after_draw}))
""")


def _diff(before: dict, after: dict) -> dict:
    return {
        "backend": (before["backend"], after["backend"]) if before["backend"] != after["backend"] else None,
        "rc": {k: (before["rc"].get(k), after["rc"].get(k)) for k in before["rc"].keys() | after["rc"].keys()
               if before["rc"].get(k) != after["rc"].get(k)},
        "filters": [f for f in after["filters"] if f not in before["filters"]]
        + [f for f in before["filters"] if f not in after["filters"]],
    }


def test_importing_and_drawing_leave_matplotlib_and_warnings_alone(hk_plan, tmp_path):
    plan_path = tmp_path / "plan.gpkg"
    gridkit.write_plan(hk_plan, plan_path)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"} | {"PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(plan_path), str(tmp_path)], capture_output=True,
                         text=True, timeout=600, check=False, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"gridkit.maps", "gridkit.maps.sheet", "gridkit.report", "gridkit.cli"} <= set(result["modules"])
    assert result["before"]["backend"] == "svg"
    no_change = {"backend": None, "rc": {}, "filters": []}
    assert _diff(result["before"], result["after_import"]) == no_change
    assert _diff(result["before"], result["after_draw"]) == no_change
    assert (tmp_path / "sheet.pdf").stat().st_size > 10_000
