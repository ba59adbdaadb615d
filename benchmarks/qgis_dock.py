"""How long the editing dock takes to show new statistics and violations after each edit, in real QGIS.

Runs QGIS 3 (python3-qgis) in this process with the plugin's dock over a plan
GeoPackage, makes the dock's own edits (move a block, undo, redo, lock,
merge, undo) and times each from the call until the dock has shown the new
statistics and violations (its ``checked`` signal, nothing busy). Reported:
wall seconds (what the user waits), CPU seconds of the QGIS process and of
the gridkit worker process (time.process_time and /proc/PID/stat).

Usage (a copy of each plan is edited, never the file given)::

    QT_QPA_PLATFORM=offscreen python benchmarks/qgis_dock.py PLAN.gpkg [PLAN.gpkg ...] \
        [--repeat 5] [--out benchmarks/results/qgis_dock.md] [--label after]

Plans are made with ``gridkit partition`` (see benchmarks/results/qgis_dock.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "qgis"))
sys.path.insert(0, str(ROOT / "qgis_plugin"))

OPS = ("move", "undo", "redo", "lock", "merge", "undo merge")


def _worker_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(plan: Path, repeat: int) -> dict[str, list[tuple[float, float, float]]]:
    from qgis_env import Iface, start_qgis, wait_until

    start_qgis()
    import shapely

    from gridkit_qgis.gui.dock import GridkitDock

    iface = Iface()
    iface.window.resize(1400, 900)
    work = Path(tempfile.mkdtemp(prefix="gridkit_dock_bench_"))
    copy = work / plan.name
    shutil.copy(plan, copy)
    dock = GridkitDock(iface, iface.mainWindow(), python=sys.executable)
    iface.addDockWidget(0x2, dock)
    dock.open_plan(str(copy))
    assert wait_until(lambda: dock.session is not None and not dock.busy and dock.stats, 600), dock.status.text()
    pid = dock.worker.call("ping")["pid"]
    done: list[bool] = []
    dock.checked.connect(lambda: done.append(True))

    def timed(action) -> tuple[float, float, float]:  # noqa: ANN001
        done.clear()
        w0, c0, k0 = time.perf_counter(), time.process_time(), _worker_cpu(pid)
        action()
        assert wait_until(lambda: done and not dock.busy, 600, step=0.001), dock.status.text()
        return time.perf_counter() - w0, time.process_time() - c0, _worker_cpu(pid) - k0

    out: dict[str, list[tuple[float, float, float]]] = {op: [] for op in OPS}
    layer = dock.layer
    for i in range(repeat):
        feats = {f.id(): f for f in layer.getFeatures()}
        geoms = {f: shapely.from_wkb(bytes(g.geometry().asWkb())) for f, g in feats.items()}
        fids = sorted(feats)
        # A block of one grid moved into the neighbour it shares the longest edge with.
        a = fids[(7 * i) % len(fids)]
        tree_keys = list(geoms)
        tree = shapely.STRtree([geoms[k] for k in tree_keys])
        near = [tree_keys[j] for j in tree.query(geoms[a], predicate="intersects") if tree_keys[j] != a]
        b = max(near, key=lambda k: shapely.length(shapely.intersection(shapely.boundary(geoms[a]),
                                                                       shapely.boundary(geoms[k]))))
        block = next(str(f["block_id"]) for f in dock.blocks_layer.getFeatures()
                     if shapely.area(shapely.intersection(shapely.from_wkb(bytes(f.geometry().asWkb())), geoms[b]))
                     > 0.5 * f.geometry().area() and shapely.intersects(shapely.from_wkb(bytes(f.geometry().asWkb())),
                                                                        geoms[a]))
        out["move"].append(timed(lambda: dock.move_blocks([block], a)))
        out["undo"].append(timed(dock.undo))
        out["redo"].append(timed(dock.redo))
        dock.undo()
        wait_until(lambda: not dock.busy, 600)
        out["lock"].append(timed(lambda: dock.set_locked([a], True)))
        dock.undo()
        wait_until(lambda: not dock.busy, 600)
        out["merge"].append(timed(lambda: dock.merge(a, b)))
        out["undo merge"].append(timed(dock.undo))
    grids = layer.featureCount()
    layer.rollBack()
    dock.teardown()
    shutil.rmtree(work, ignore_errors=True)
    out["_grids"] = [(float(grids), 0.0, 0.0)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("plans", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--label", default="")
    args = parser.parse_args(argv)
    lines = [f"### {args.label or 'run'} ({time.strftime('%Y-%m-%d')}, {args.repeat} repeats, median / max)", "",
             "| plan | grids | edit | wall s | max wall s | QGIS CPU s | worker CPU s |", "|---|--:|---|--:|--:|--:|--:|"]
    for plan in args.plans:
        result = measure(plan, args.repeat)
        grids = int(result.pop("_grids")[0][0])
        for op, runs in result.items():
            wall = [r[0] for r in runs]
            lines.append(f"| {plan.stem} | {grids} | {op} | {statistics.median(wall):.3f} | {max(wall):.3f} | "
                         f"{statistics.median(r[1] for r in runs):.3f} | {statistics.median(r[2] for r in runs):.3f} |")
        print("\n".join(lines[-len(result):]), flush=True)
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write("\n" + text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
