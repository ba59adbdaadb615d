"""Measure ``gridkit batch`` on a SYNTHETIC city (benchmarks/synthetic.py): wall time, CPU and peak memory.

Runs the batch on a LocalCluster and samples, once a second, the resident memory and CPU time of
the driver and of every process under it (the Dask scheduler, nannies and workers); reports the
peak of their memory summed, of the largest process, of the driver (it runs the scheduler and
writes the merged plan) and of the largest process under it (a worker); the CPU seconds of the
whole tree, of the offices' tasks (each task's own ``cpu_s``) and of the driver during the merge;
and the merge's wall time (the workers read and tag the plans for it, the driver writes). Appends a row to
benchmarks/results/batch.csv and prints it (benchmarks/results/batch.md is written from it by hand).

Usage::

    python benchmarks/batch_scale.py --blocks 200000 --offices 120 --workers 2
    python benchmarks/batch_scale.py --city /work/cities/batch20k.gpkg --dir /tmp/b20k   # an existing city
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _synthetic():
    spec = importlib.util.spec_from_file_location("gridkit_bench_synthetic", HERE / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Sampler(threading.Thread):
    """Peak RSS (MiB) of this process tree, summed and of its largest process, and the CPU seconds
    (user + system) of every process of the tree as last seen: the workers are gone by the end."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_total = self.peak_process = self.peak_driver = self.peak_worker = 0.0
        self.cpu: dict[int, float] = {}
        # Not ``_stop``: threading.Thread has a method of that name, which join() calls.
        self._halt = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        while not self._halt.wait(1.0):
            rss = []
            for proc in [me, *me.children(recursive=True)]:
                try:
                    with proc.oneshot():
                        rss.append(proc.memory_info().rss / 2**20)
                        times = proc.cpu_times()
                except psutil.Error:
                    continue
                self.cpu[proc.pid] = times.user + times.system
            self.peak_total = max(self.peak_total, sum(rss))
            self.peak_process = max(self.peak_process, max(rss, default=0.0))
            self.peak_driver = max(self.peak_driver, rss[0] if rss else 0.0)
            self.peak_worker = max(self.peak_worker, max(rss[1:], default=0.0))

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _markdown(table: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def _commit() -> str:
    """The gridkit commit measured (``-dirty`` when its tree has changes)."""
    run = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=HERE, capture_output=True, text=True)
    return run.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=200_000)
    parser.add_argument("--offices", type=int, default=120)
    parser.add_argument("--city", help="an existing synthetic city with an 'offices' layer (instead of --blocks/--offices)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", default="/tmp/gridkit-batch-bench")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run (its offices are reused)")
    args = parser.parse_args()

    from gridkit.batch import run_batch

    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    city = Path(args.city) if args.city else folder / f"synthetic_city_{args.blocks}_{args.offices}_s{args.seed}.gpkg"
    t0 = time.perf_counter()
    if not city.exists():
        synthetic = _synthetic()
        layers = synthetic.make_city(args.blocks, seed=args.seed)
        layers["offices"] = synthetic.make_offices(layers, args.offices)
        synthetic.write_gpkg(layers, str(city))
    generate = time.perf_counter() - t0
    import pyogrio

    n_buildings = pyogrio.read_info(city, layer="buildings")["features"]
    n_offices = pyogrio.read_info(city, layer="offices")["features"]
    out = folder / "city_plan.gpkg"
    merge_cpu: dict[str, float] = {}

    def progress(stage: str, done: float) -> None:
        if stage.startswith("merging"):
            merge_cpu["start"], merge_cpu["wall"] = time.process_time(), time.perf_counter()
        print(f"{time.perf_counter() - t1:7.1f} s {done:6.1%} {stage} (load {os.getloadavg()[0]:.1f})", flush=True)

    sampler = _Sampler()
    load_start = os.getloadavg()[0]
    cpu_before = time.process_time()
    sampler.start()
    t1 = time.perf_counter()
    result = run_batch(city, out, workers=args.workers, seed=0, work_dir=folder / "work", resume=args.resume,
                       progress=progress)
    wall = time.perf_counter() - t1
    merge = time.process_time() - merge_cpu["start"]
    merge_wall = time.perf_counter() - merge_cpu["wall"]
    sampler.stop()
    summary = result.summary
    ok = summary[summary["status"] == "ok"]
    ran = ok[~ok["reused"]]
    row = {
        "date": time.strftime("%Y-%m-%d"), "commit": _commit(), "input": "synthetic", "city": city.name,
        "offices": n_offices, "buildings": n_buildings, "workers": args.workers,
        "wall_s": round(wall, 1), "cpu_total_s": round(sum(sampler.cpu.values()) - cpu_before, 1),
        "office_cpu_s_sum": round(float(ran["cpu_s"].sum()), 1),
        "office_cpu_s_median": round(float(ran["cpu_s"].median()), 1),
        "office_cpu_s_max": round(float(ran["cpu_s"].max()), 1),
        "merge_cpu_s": round(merge, 1), "merge_s": round(merge_wall, 1),
        "peak_total_mib": round(sampler.peak_total), "peak_process_mib": round(sampler.peak_process),
        "peak_driver_mib": round(sampler.peak_driver), "peak_worker_mib": round(sampler.peak_worker),
        "offices_reused": int(summary["reused"].sum()), "offices_ok": len(ok),
        "offices_failed": len(summary) - len(ok), "grids": int(ok["grids"].sum()),
        "households": int(ok["households"].sum()), "office_s_median": round(float(ran["seconds"].median()), 1),
        "office_s_max": round(float(ran["seconds"].max()), 1), "generate_s": round(generate, 1),
        "machine_cpus": os.cpu_count(), "load_1min_start": round(load_start, 1),
        "load_1min_end": round(os.getloadavg()[0], 1), "python": platform.python_version(),
    }
    RESULTS.mkdir(exist_ok=True)
    csv = RESULTS / "batch.csv"
    table = pd.concat([pd.read_csv(csv), pd.DataFrame([row])]) if csv.exists() else pd.DataFrame([row])
    table.to_csv(csv, index=False)
    print(_markdown(pd.DataFrame([row]).T.reset_index().set_axis(["measure", "value"], axis=1)))
    if len(ok) < len(summary):
        print(result.failures.to_string())


if __name__ == "__main__":
    main()
