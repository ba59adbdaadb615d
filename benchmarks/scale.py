"""Whole ``gridkit partition`` against its floor, on the samples and SYNTHETIC cities.

For every input this measures, each in its own child process (CPU = user +
system seconds of the child from ``os.wait4``, so other work on the machine
does not inflate it; peak = the child's max RSS):

* the whole run, ``gridkit partition INPUT -o OUT.gpkg --seed 0`` (median of
  ``--repeats``);
* the floor: import geopandas, shapely, pyogrio and gridkit, ``read_area``,
  and one ``shapely.polygonize`` of the noded street lines (the block-bounding
  roads, the barriers and the boundary ring), the least any street-block
  partitioner must do (median of ``--repeats``);
* ``gridkit validate`` of the plan just written (once).

Then it fits the exponent of whole-run CPU against blocks over the synthetic
cities (least squares in log-log), rewrites the table at the top of
``benchmarks/results/scale.md`` (the ``##`` sections below it stay) and adds an
"After" section to ``benchmarks/results/stages.md`` (CPU by stage, from
``benchmarks/stages.py``, on the first sample and the 10^4 city).

Synthetic cities come from ``benchmarks/synthetic.py SIZE --seed 0`` (made-up
data, see its docstring), cached in ``benchmarks/work/``.

Usage::

    python benchmarks/scale.py [--sizes 1000,10000,100000] [--repeats 3] [--big-repeats 1] [--merge]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyogrio

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLES = ROOT / "data" / "samples"
WORK = HERE / "work"
RESULTS = HERE / "results"

FLOOR = """
import sys, time
import geopandas, pyogrio, shapely, numpy as np
import gridkit
from gridkit.area import read_area
from gridkit.profile import load_profile
prof = load_profile("default")
area = read_area(sys.argv[1], hull_buffer_m=prof.blocks.hull_buffer_m)
grid = prof.blocks.precision_m
roads = area.roads
street = roads.geometry.values[roads["highway"].isin(prof.roads.block_classes).to_numpy()].to_numpy()
lines = np.concatenate([street, area.barriers.geometry.values.to_numpy(), [shapely.boundary(area.boundary)]])
faces = shapely.polygonize(shapely.get_parts(shapely.union_all(lines, grid_size=grid)))
print(len(shapely.get_parts(faces)))
"""


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """CPU s, peak MiB, exit code and stdout of one child process (reaped by ``os.wait4`` for its own usage)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=ROOT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            sys.stderr.write(err.read())
        return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, out.read()


def _synthetic(size: int, env: dict[str, str]) -> Path:
    WORK.mkdir(exist_ok=True)
    path = WORK / f"synthetic_{size}.gpkg"
    if not path.exists():
        subprocess.run([sys.executable, str(HERE / "synthetic.py"), str(size), "-o", str(path), "--seed", "0"],
                       check=True, env=env, cwd=ROOT)
    return path


def measure(path: Path, repeats: int, env: dict[str, str], kind: str) -> dict[str, Any]:
    """Whole run, floor and validate of one input."""
    gridkit = [str(Path(sys.executable).with_name("gridkit"))]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "plan.gpkg"
        whole, peaks = [], []
        for _ in range(repeats):
            if out.exists():
                out.unlink()
            cpu, peak, code, _ = _run([*gridkit, "partition", str(path), "-o", str(out), "--seed", "0"], env)
            if code:
                raise SystemExit(f"scale.py: gridkit partition {path} exited {code}")
            whole.append(cpu)
            peaks.append(peak)
        floors = []
        for _ in range(repeats):
            cpu, _, code, stdout = _run([sys.executable, "-c", FLOOR, str(path)], env)
            if code:
                raise SystemExit(f"scale.py: floor of {path} exited {code}")
            floors.append(cpu)
        faces = int(stdout.split()[-1])
        v_cpu, v_peak, v_code, _ = _run([*gridkit, "validate", str(out)], env)
        blocks = pyogrio.read_info(out, layer="blocks")["features"]
    whole_s, floor_s = statistics.median(whole), statistics.median(floors)
    return {"input": path.stem, "kind": kind, "street_faces": faces, "blocks": int(blocks), "repeats": repeats,
            "whole_cpu_s": whole_s, "whole_all": whole, "peak_mib": max(peaks), "floor_cpu_s": floor_s,
            "ratio": whole_s / floor_s, "validate_cpu_s": v_cpu, "validate_peak_mib": v_peak,
            "validate_exit": v_code}


def exponent(rows: list[dict[str, Any]]) -> float | None:
    """Least-squares slope of log(whole CPU) against log(blocks) over the synthetic rows."""
    pts = [(math.log(r["blocks"]), math.log(r["whole_cpu_s"])) for r in rows if r["kind"] == "synthetic"]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| input | street faces | blocks | n | whole CPU s (median) | floor CPU s | whole ÷ floor | peak MiB | "
            "validate CPU s | validate exit |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
    lines = []
    for r in rows:
        name = f"{r['input']} (**synthetic**)" if r["kind"] == "synthetic" else r["input"]
        lines.append(f"| {name} | {r['street_faces']} | {r['blocks']} | {r['repeats']} | {r['whole_cpu_s']:.1f} | "
                     f"{r['floor_cpu_s']:.2f} | {r['ratio']:.1f} | {r['peak_mib']:.0f} | "
                     f"{r['validate_cpu_s']:.1f} | {r['validate_exit']} |")
    return head + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="synthetic city sizes (street blocks asked)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per input under 10^5 blocks (median)")
    parser.add_argument("--big-repeats", type=int, default=1, help="runs per city of 10^4 blocks or more")
    parser.add_argument("--merge", action="store_true",
                        help="keep the rows of results/scale.json for inputs not measured in this run")
    parser.add_argument("--samples", default="all", help="'all', 'none' or comma-separated sample names")
    parser.add_argument("--no-stages", action="store_true", help="leave stages.md alone")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    inputs: list[tuple[Path, str, int]] = []
    if args.samples != "none":
        names = sorted(p.stem for p in SAMPLES.glob("*.gpkg")) if args.samples == "all" else args.samples.split(",")
        inputs += [(SAMPLES / f"{n}.gpkg", "sample", args.repeats) for n in names]
    for size in [int(s) for s in args.sizes.split(",") if s]:
        inputs.append((_synthetic(size, env), "synthetic", args.big_repeats if size >= 10_000 else args.repeats))
    rows = []
    for path, kind, repeats in inputs:
        started = time.time()
        rows.append(measure(path, repeats, env, kind))
        print(f"{path.stem}: {rows[-1]['whole_cpu_s']:.1f} CPU s, floor {rows[-1]['floor_cpu_s']:.2f}, "
              f"{time.time() - started:.0f} s wall", file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    if args.merge and (RESULTS / "scale.json").exists():
        measured = {r["input"] for r in rows}
        rows = [r for r in json.loads((RESULTS / "scale.json").read_text()) if r["input"] not in measured] + rows
        rows.sort(key=lambda r: (r["kind"] != "sample", r["blocks"] if r["kind"] == "synthetic" else 0, r["input"]))
    slope = exponent(rows)
    (RESULTS / "scale.json").write_text(json.dumps(rows, indent=1))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=False).stdout
    text = ("# Whole `gridkit partition` against its floor\n\n"
            f"Written by `python benchmarks/scale.py {' '.join(sys.argv[1:])}` at "
            f"{commit.strip()} on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
            f"{os.cpu_count()} CPUs shared with other work, so CPU seconds (user + system of each child), not wall "
            "time. Floor: imports + `read_area` + one `shapely.polygonize` of the noded street lines. "
            "Rows marked **synthetic** are made-up cities from `benchmarks/synthetic.py` (seed 0).\n\n"
            + table(rows)
            + (f"\nFitted exponent of whole CPU against blocks (synthetic cities): **{slope:.2f}**\n"
               if slope is not None else ""))
    # The sections written by hand below the generated table (other sizes, earlier runs) stay.
    old = (RESULTS / "scale.md").read_text() if (RESULTS / "scale.md").exists() else ""
    kept = old[old.index("\n## ") + 1:] if "\n## " in old else ""
    (RESULTS / "scale.md").write_text(text + ("\n" + kept if kept else ""))
    print(text)
    if not args.no_stages:
        stage_rows = []
        firsts = [p for p, k, _ in inputs if k == "sample"][:1] + [p for p, k, _ in inputs if k == "synthetic"
                                                                   and "10000" in p.stem and "100000" not in p.stem]
        for path in firsts:
            with tempfile.NamedTemporaryFile(suffix=".json") as fh:
                subprocess.run([sys.executable, str(HERE / "stages.py"), str(path), "--json", fh.name], check=True,
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
                stage_rows.append(json.loads(Path(fh.name).read_text()))
        sys.path.insert(0, str(HERE))
        import stages

        md = RESULTS / "stages.md"
        # A new section at the end: the earlier ones are the before/after record of each change.
        md.write_text(md.read_text().rstrip() + "\n\n"
                      + f"## After ({commit.strip()}, {time.strftime('%Y-%m-%d', time.gmtime())})\n\n"
                      + stages.table(stage_rows))


if __name__ == "__main__":
    main()
