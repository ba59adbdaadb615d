"""Benchmark gridkit on the real samples and on SYNTHETIC cities.

For every input this measures

* the whole process, ``gridkit partition INPUT -o OUT.gpkg --seed 0``, as a
  subprocess: wall time (median of the repeats) and peak memory (max RSS of
  that child, from ``os.wait4``);
* the "floor" and the partition step, in a separate worker subprocess (this
  script run with ``--worker``) that makes the same library calls as
  :func:`gridkit.plan.partition` and times them phase by phase:
  ``read_area`` + ``assign_households`` + ``make_blocks`` (the floor),
  ``build_graph`` + ``graph_arrays`` (graph) and the engine's
  ``partition_graph``; partition step = graph + engine;
* the quality of the written plan, from its ``metrics`` layer, and whether
  ``gridkit validate OUT.gpkg`` exits 0.

Synthetic cities come from ``benchmarks/synthetic.py`` (made-up data, see its
docstring) and are cached in ``benchmarks/work/`` (git-ignored).

Results go to ``benchmarks/results/benchmarks.csv`` and ``benchmarks.md``.
If an input's partition step takes longer than ``--profile-over`` seconds (in
the last worker run), that worker repeats the step under cProfile and writes
the top functions by cumulative time to
``benchmarks/results/profile_<input>.txt`` (the timings reported come from the
unprofiled run).

Usage::

    python benchmarks/run_benchmarks.py [--repeats 5] [--sizes 1000,10000,100000] [--quick]
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLES = ROOT / "data" / "samples"
WORK = HERE / "work"
RESULTS = HERE / "results"
VENV_PY = ROOT / ".venv" / "bin" / "python"
VENV_GRIDKIT = ROOT / ".venv" / "bin" / "gridkit"

CSV_COLUMNS = [
    "input", "kind", "blocks", "buildings", "repeats", "whole_median_s", "whole_min_s", "whole_max_s",
    "whole_cpu_s", "peak_mib", "floor_repeats", "read_s", "households_s", "make_blocks_s", "floor_s", "graph_s",
    "engine_s", "partition_step_s", "floor_cpu_s", "graph_cpu_s", "engine_cpu_s", "partition_step_cpu_s",
    "worker_peak_mib", "grids", "households", "within_bounds", "grid_count_ratio",
    "road_following", "offroad_forced_share", "metrics_invariants_ok", "validate_exit", "invariants_ok",
    "whole_runs_s", "note", "run_started", "run_gridkit", "run_load", "run_command",
]


# --------------------------------------------------------------------------- worker (runs in a subprocess)


def worker(path: str, seed: int, cprofile_out: str | None, cprofile_over: float, top: int) -> int:
    """Time the floor and the partition step; print one JSON line.

    Mirrors ``gridkit partition`` (cli._partition_to + plan.partition) call for call.
    """
    t_import = time.perf_counter()
    import gridkit  # noqa: F401
    from gridkit import read_area
    from gridkit.blocks import make_blocks
    from gridkit.engine import Bounds, EngineSettings, partition_graph
    from gridkit.graph import build_graph, graph_arrays
    from gridkit.households import assign_households
    from gridkit.profile import load_profile

    out: dict = {"import_s": time.perf_counter() - t_import}
    profile = load_profile("default").with_seed(seed)

    c0 = time.process_time()
    t0 = time.perf_counter()
    area = read_area(path, profile=profile)
    t1 = time.perf_counter()
    log: list = list(area.log)
    buildings = assign_households(area.buildings, profile.households, landuse=area.landuse, pois=area.pois,
                                  register=None, log=log)
    t2 = time.perf_counter()
    made = make_blocks(area, buildings, profile)
    t3 = time.perf_counter()
    out["floor_cpu_s"] = time.process_time() - c0
    out.update(read_s=t1 - t0, households_s=t2 - t1, make_blocks_s=t3 - t2, floor_s=t3 - t0,
               blocks=int(len(made.blocks)), buildings=int(len(buildings)))

    bounds = Bounds(profile.grid.min_households, profile.grid.target_households, profile.grid.max_households)

    cpu: dict = {}

    def step() -> tuple[float, float, int]:
        ca = time.process_time()
        a = time.perf_counter()
        graph = build_graph(made.blocks, area.roads, area.barriers, profile, area.buildings)
        arrays = graph_arrays(graph)
        b = time.perf_counter()
        cb = time.process_time()
        result = partition_graph(arrays, bounds, EngineSettings.from_profile(profile))
        c = time.perf_counter()
        cpu.update(graph_cpu_s=cb - ca, engine_cpu_s=time.process_time() - cb)
        return b - a, c - b, int(result.labels.max()) + 1

    graph_s, engine_s, parts = step()
    out.update(graph_s=graph_s, engine_s=engine_s, partition_step_s=graph_s + engine_s, parts=parts, **cpu,
               partition_step_cpu_s=cpu["graph_cpu_s"] + cpu["engine_cpu_s"])
    if cprofile_out and graph_s + engine_s > cprofile_over:
        # Profile a second, identical partition step (deterministic for the seed);
        # the timings above are from the unprofiled run.
        import cProfile
        import io
        import pstats

        pr = cProfile.Profile()
        pr.enable()
        p_graph, p_engine, _ = step()
        pr.disable()
        WORK.mkdir(parents=True, exist_ok=True)
        pr.dump_stats(WORK / (Path(cprofile_out).stem + ".prof"))
        buf = io.StringIO()
        stats = pstats.Stats(pr, stream=buf)
        stats.sort_stats("cumulative").print_stats(top)
        buf.write("\n---- same run, by internal time (tottime) ----\n")
        stats.sort_stats("tottime").print_stats(top)
        Path(cprofile_out).write_text(
            f"cProfile of the partition step (build_graph + graph_arrays + partition_graph) on {path}\n"
            f"unprofiled: graph {graph_s:.2f} s, engine {engine_s:.2f} s; under cProfile: graph {p_graph:.2f} s, "
            f"engine {p_engine:.2f} s\n\n" + buf.getvalue())
        out["cprofile"] = cprofile_out
    print("BENCH_JSON " + json.dumps(out), flush=True)
    return 0


# --------------------------------------------------------------------------- driver helpers


def python_exe() -> str:
    return str(VENV_PY) if VENV_PY.exists() else sys.executable


def gridkit_exe() -> str:
    if VENV_GRIDKIT.exists():
        return str(VENV_GRIDKIT)
    found = shutil.which("gridkit")
    if not found:
        sys.exit("gridkit command not found (expected .venv/bin/gridkit)")
    return found


def run_child(cmd: list[str], log_path: Path, timeout: float | None = None) -> tuple[int, float, float, str, float]:
    """Run ``cmd``; return (exit code, wall seconds, peak RSS MiB, stdout, CPU seconds).

    Peak RSS is the child's own ``ru_maxrss`` from ``os.wait4`` (KiB on Linux),
    so earlier, bigger children do not mask it. stdout goes to ``<log>.out``,
    stderr to ``log_path``.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    out_path = log_path.with_suffix(".out")
    with open(log_path, "w") as err, open(out_path, "w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=WORK, env=child_env())
        deadline = None if timeout is None else t0 + timeout
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                proc.kill()
                _, status, ru = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped here, so Popen must not wait again
    return code, wall, ru.ru_maxrss / 1024.0, out_path.read_text(), ru.ru_utime + ru.ru_stime


_SNAPSHOT: dict = {"path": None, "label": "live working tree /work/main/gridkit"}


def child_env() -> dict:
    """Environment for every child: PYTHONPATH puts the gridkit snapshot (if any) first."""
    env = dict(os.environ)
    if _SNAPSHOT["path"]:
        env["PYTHONPATH"] = str(_SNAPSHOT["path"]) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def make_snapshot(mode: str, rev: str = "HEAD") -> None:
    """Freeze the gridkit package the benchmark runs, so concurrent edits cannot change it mid-run.

    ``head``: the committed ``gridkit/`` of ``rev`` (git archive); ``worktree``: a copy of
    the working tree's ``gridkit/`` as it is now; ``live``: no copy (the editable install).
    The children get the copy first on PYTHONPATH, ahead of the editable install.
    """
    if mode == "live":
        return
    git = lambda *a: subprocess.run(["git", *a], capture_output=True, text=True, cwd=ROOT, check=True).stdout.strip()
    commit = git("rev-parse", rev if mode == "head" else "HEAD")
    if mode == "head":
        dest = WORK / "snapshot" / f"head-{commit[:10]}"
        if not (dest / "gridkit" / "__init__.py").exists():
            dest.mkdir(parents=True, exist_ok=True)
            archive = subprocess.run(["git", "archive", commit, "gridkit"], capture_output=True, cwd=ROOT, check=True)
            subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
        label = f"committed gridkit/ of {commit[:7]} (snapshot; uncommitted edits excluded)"
    else:
        dest = WORK / "snapshot" / f"worktree-{time.strftime('%Y%m%d-%H%M%S')}"
        shutil.copytree(ROOT / "gridkit", dest / "gridkit", ignore=shutil.ignore_patterns("__pycache__"))
        dirty = "with uncommitted edits" if git("status", "--porcelain", "--", "gridkit") else "clean"
        label = f"copy of the working tree gridkit/ at start (HEAD {commit[:7]}, {dirty})"
    _SNAPSHOT.update(path=dest, label=label)
    r = subprocess.run([python_exe(), "-c", "import gridkit, gridkit.cli; print(gridkit.__file__)"],
                       capture_output=True, text=True, cwd=WORK, env=child_env())
    if r.returncode != 0 or not r.stdout.strip().startswith(str(dest)):
        sys.exit(f"gridkit snapshot {dest} does not import cleanly: {r.stderr.strip()[-500:] or r.stdout}")


def load_now() -> str:
    try:
        return "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "?"


def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    try:
        load = "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "?"
    return {"nproc": os.cpu_count(), "usable_cpus": len(os.sched_getaffinity(0)), "cpu": cpu, "ram": ram,
            "python": platform.python_version(), "load": load, "kernel": platform.release()}


def gridkit_version() -> str:
    WORK.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([python_exe(), "-c", "import gridkit; print(gridkit.__version__)"], capture_output=True,
                       text=True, cwd=WORK, env=child_env())
    return f"{r.stdout.strip() or '?'}, {_SNAPSHOT['label']}"


def synthetic_input(n: int, seed: int, regen: bool) -> Path:
    path = WORK / f"synthetic_{n}_seed{seed}.gpkg"
    if path.exists() and not regen:
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"  generating SYNTHETIC city of {n} blocks -> {path}", flush=True)
    tmp = path.with_name(path.stem + ".tmp.gpkg")
    r = subprocess.run([python_exe(), str(HERE / "synthetic.py"), str(n), "-o", str(tmp), "--seed", str(seed)],
                       cwd=WORK, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"synthetic.py failed for {n}: {r.stderr}")
    print("  " + r.stdout.strip().replace("\n", "\n  "), flush=True)
    tmp.replace(path)
    return path


def read_metrics(plan: Path) -> dict:
    import pyogrio

    df = pyogrio.read_dataframe(plan, layer="metrics")
    if "level" in df.columns and (df["level"] == "grid").any():
        df = df[df["level"] == "grid"]
    vals = dict(zip(df["name"], df["value"]))
    inv = df[df["kind"] == "invariant"] if "kind" in df.columns else df[df["passed"].isin(["yes", "no"])]
    out = {k: vals.get(k) for k in ("grids", "households", "within_bounds", "grid_count_ratio", "road_following",
                                    "offroad_forced_share")}
    out["metrics_invariants_ok"] = bool(len(inv)) and bool((inv["passed"] == "yes").all())
    out["failed_invariants"] = ",".join(inv.loc[inv["passed"] != "yes", "name"])
    return out


# --------------------------------------------------------------------------- benchmark one input


def bench_input(label: str, kind: str, path: Path, repeats: int, floor_repeats: int | None, args,
                large: bool = False) -> dict:
    print(f"\n== {label} ({kind}) : {path}", flush=True)
    safe = label.replace("/", "_")
    out_dir = WORK / "out"
    logs = WORK / "logs"
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = out_dir / f"{safe}.plan.gpkg"
    row: dict = {"input": label, "kind": kind, "note": ""}

    # whole process
    walls, peaks, cpus = [], [], []
    for i in range(repeats):
        if plan.exists():
            plan.unlink()
        cmd = [gridkit_exe(), "partition", str(path), "-o", str(plan), "--seed", str(args.seed)]
        code, wall, peak, stdout, cpu = run_child(cmd, logs / f"{safe}.partition.{i}.log", timeout=args.timeout)
        print(f"  whole process run {i + 1}/{repeats}: exit {code}, {wall:.2f} s (CPU {cpu:.2f} s), peak {peak:.0f} MiB"
              f"  | {stdout.strip().splitlines()[-1] if stdout.strip() else ''}", flush=True)
        if code != 0:
            err = (logs / f"{safe}.partition.{i}.log").read_text().strip()[-500:]
            row["note"] += f"partition exit {code}: {err}; "
            break
        walls.append(wall)
        peaks.append(peak)
        cpus.append(cpu)
        if i == 0 and large and wall > args.slow_seconds and repeats > 1:
            row["note"] += f"first run {wall:.0f} s > {args.slow_seconds:.0f} s, so 1 repeat only; "
            print(f"  first run took > {args.slow_seconds:.0f} s: stopping after 1 repeat", flush=True)
            break
    row["repeats"] = len(walls)
    row["whole_runs_s"] = " ".join(f"{w:.2f}" for w in walls)
    if walls:
        row.update(whole_median_s=statistics.median(walls), whole_min_s=min(walls), whole_max_s=max(walls),
                   whole_cpu_s=statistics.median(cpus), peak_mib=max(peaks))

    # quality and invariants of the (last) plan
    if walls and plan.exists():
        row.update(read_metrics(plan))
        if row.get("failed_invariants"):
            row["note"] += f"metrics layer: failed {row['failed_invariants']}; "
        code, wall, _, stdout, _ = run_child([gridkit_exe(), "validate", str(plan)], logs / f"{safe}.validate.log",
                                          timeout=args.timeout)
        row["validate_exit"] = code
        row["invariants_ok"] = code == 0
        print(f"  gridkit validate: exit {code} ({wall:.1f} s)", flush=True)
        if code != 0:
            err = (logs / f"{safe}.validate.log").read_text().strip()[-300:]
            row["note"] += f"validate exit {code}: {err}; "

    # floor + partition step, in a worker subprocess
    floor_runs = []
    n_floor = floor_repeats if floor_repeats is not None else max(1, len(walls))
    for i in range(n_floor):
        cmd = [python_exe(), str(Path(__file__).resolve()), "--worker", str(path), "--seed", str(args.seed)]
        if args.profile_over is not None and i == n_floor - 1:
            cmd += ["--cprofile", str(RESULTS / f"profile_{safe}.txt"), "--cprofile-over", str(args.profile_over),
                    "--top", str(args.top)]
        code, wall, peak, stdout, _ = run_child(cmd, logs / f"{safe}.worker.{i}.log", timeout=args.timeout)
        line = next((ln for ln in stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
        if code != 0 or line is None:
            err = (logs / f"{safe}.worker.{i}.log").read_text().strip()[-500:]
            row["note"] += f"worker exit {code}: {err}; "
            print(f"  worker failed (exit {code}): {err}", flush=True)
            break
        res = json.loads(line[len("BENCH_JSON "):])
        res["peak_mib"] = peak
        floor_runs.append(res)
        print(f"  worker run {i + 1}/{n_floor}: read {res['read_s']:.2f} s, households {res['households_s']:.2f} s, "
              f"blocks {res['make_blocks_s']:.2f} s | graph {res['graph_s']:.2f} s, engine {res['engine_s']:.2f} s"
              f" (step CPU {res.get('partition_step_cpu_s', float('nan')):.2f} s)"
              f" | {res['blocks']} blocks, {res['buildings']} buildings, peak {peak:.0f} MiB", flush=True)
    row["floor_repeats"] = len(floor_runs)
    if floor_runs:
        for key in ("read_s", "households_s", "make_blocks_s", "floor_s", "graph_s", "engine_s", "partition_step_s",
                    "floor_cpu_s", "graph_cpu_s", "engine_cpu_s", "partition_step_cpu_s"):
            vals = [r[key] for r in floor_runs if key in r]
            row[key] = statistics.median(vals) if vals else None
        row["worker_peak_mib"] = max(r["peak_mib"] for r in floor_runs)
        row["blocks"] = floor_runs[0]["blocks"]
        row["buildings"] = floor_runs[0]["buildings"]

        profiled = [r["cprofile"] for r in floor_runs if r.get("cprofile")]
        if profiled:
            row["note"] += f"partition step cProfiled (last worker run > {args.profile_over:.0f} s): " \
                           f"{Path(profiled[0]).relative_to(ROOT)}; "
    return row


# --------------------------------------------------------------------------- output


def fmt(v, spec: str = ".2f") -> str:
    if v is None or v == "" or (isinstance(v, float) and v != v):
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "**NO**"
    if isinstance(v, (int, float)):
        return format(v, spec)
    return str(v)


def load_previous(skip: set[str]) -> list[dict]:
    """Rows of the existing benchmarks.csv whose input is not in ``skip`` (for --merge)."""
    path = RESULTS / "benchmarks.csv"
    if not path.exists():
        return []
    rows = []
    text_cols = {"input", "kind", "note", "whole_runs_s", "run_started", "run_gridkit", "run_load", "run_command"}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["input"] in skip:
                continue
            out: dict = {}
            for k, v in r.items():
                if v in ("", None):
                    out[k] = None
                elif v in ("True", "False"):
                    out[k] = v == "True"
                elif k in text_cols:
                    out[k] = v
                else:
                    try:
                        out[k] = int(v)
                    except ValueError:
                        try:
                            out[k] = float(v)
                        except ValueError:
                            out[k] = v
            rows.append(out)
    return rows


def order_rows(rows: list[dict]) -> list[dict]:
    """Samples by name, then synthetic cities by size."""
    def key(r: dict):
        if r["kind"] == "synthetic":
            try:
                return (1, int(str(r["input"]).rsplit("_", 1)[1]), "")
            except (IndexError, ValueError):
                return (1, 0, r["input"])
        return (0, 0, r["input"])
    return sorted(rows, key=key)


def write_results(own: list[dict], info: dict, args, started: str, version: str) -> None:
    """Write the CSV and markdown; with --merge, keep other inputs' rows of the existing CSV.

    A lock file serialises concurrent invocations (e.g. the large city in one, the rest in another).
    """
    import fcntl

    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / ".benchmarks.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kept = load_previous({r["input"] for r in own}) if args.merge else []
        _write_results(order_rows(kept + own), info, args, started, version)


def _write_results(rows: list[dict], info: dict, args, started: str, version: str) -> None:
    tmp = RESULTS / "benchmarks.csv.tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{r[k]:.4f}" if isinstance(r.get(k), float) else r.get(k, "")) for k in CSV_COLUMNS})
    tmp.replace(RESULTS / "benchmarks.csv")

    runs: dict = {}
    for r in rows:
        runs.setdefault((r.get("run_started") or "?", r.get("run_gridkit") or "?", r.get("run_load") or "?",
                         r.get("run_command") or "?"), []).append(r["input"])
    run_lines = [f"* {when}: `{cmd}` — gridkit {gk}; load average at start {load}; inputs: {', '.join(inputs)}"
                 for (when, gk, load, cmd), inputs in sorted(runs.items())]
    head = [
        "# gridkit benchmarks",
        "",
        f"Machine: {info['nproc']} CPUs (nproc; {info['usable_cpus']} usable), {info['cpu']}, {info['ram']} RAM, "
        f"Linux {info['kernel']}, Python {info['python']}. Date: {', '.join(sorted({k[0] for k in runs}))}. "
        f"Load average (1/5/15 min) when this file was written: {load_now()}.",
        "",
        "Runs that produced these rows:",
        *run_lines,
        "",
        "**Caveat:** this machine has only 2 cores and other work was running concurrently during the run, "
        "so timings are noisy and probably somewhat pessimistic.",
        "",
        "Rows marked **synthetic** are made-up cities from `benchmarks/synthetic.py` (seed 0; not real places); "
        "the other rows are the real OpenStreetMap samples in `data/samples/`.",
        "",
        "* whole s: median wall time of `gridkit partition INPUT -o OUT.gpkg --seed 0` as a subprocess "
        "(repeats in the `n` column); whole CPU s: its user+system CPU time (median; less sensitive to the "
        "concurrent load than wall time); peak MiB: max RSS of that process (os.wait4).",
        "* floor s: `read_area` + `assign_households` + `make_blocks`; partition-step s: `build_graph` + "
        "`graph_arrays` (graph s) + `engine.partition_graph` (engine s); measured in a separate worker process, "
        "median of its repeats (as many as the whole-process repeats); partition-step CPU s: process CPU time of "
        "that step.",
        "* quality columns come from the plan's `metrics` layer; invariants ok = `gridkit validate OUT.gpkg` exited 0.",
        "",
        "| input | blocks | buildings | n | whole-process median s | whole CPU s | peak MiB | floor s (read+blocks) "
        "| graph s | engine s | partition-step s | partition-step CPU s | grids | within_bounds | grid_count_ratio "
        "| road_following | offroad_forced_share | invariants ok |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|:-:|",
    ]
    lines = []
    for r in rows:
        name = f"{r['input']} (**synthetic**)" if r["kind"] == "synthetic" else r["input"]
        lines.append(
            f"| {name} | {fmt(r.get('blocks'), 'd')} | {fmt(r.get('buildings'), 'd')} | {fmt(r.get('repeats'), 'd')} "
            f"| {fmt(r.get('whole_median_s'))} | {fmt(r.get('whole_cpu_s'))} | {fmt(r.get('peak_mib'), '.0f')} "
            f"| {fmt(r.get('floor_s'))} | {fmt(r.get('graph_s'))} | {fmt(r.get('engine_s'))} "
            f"| {fmt(r.get('partition_step_s'))} | {fmt(r.get('partition_step_cpu_s'))} "
            f"| {fmt(int(r['grids']) if r.get('grids') is not None else None, 'd')} | {fmt(r.get('within_bounds'), '.3f')} "
            f"| {fmt(r.get('grid_count_ratio'), '.3f')} | {fmt(r.get('road_following'), '.3f')} "
            f"| {fmt(r.get('offroad_forced_share'), '.3f')} | {fmt(r.get('invariants_ok'))} |")
    notes = [f"* {r['input']}: {r['note'].strip().rstrip(';')}" for r in rows if r.get("note")]
    tail = ["", "Notes:", *notes] if notes else []
    tail += [""]
    (RESULTS / "benchmarks.md").write_text("\n".join(head + lines + tail))
    print("\n" + "\n".join(head[-2:] + lines), flush=True)
    print(f"\nwrote {RESULTS / 'benchmarks.csv'} and {RESULTS / 'benchmarks.md'}", flush=True)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=5, help="whole-process repeats per input (default 5)")
    p.add_argument("--large-size", type=int, default=100_000,
                   help="synthetic cities of at least this many blocks are 'large' (default 100000)")
    p.add_argument("--large-repeats", type=int, default=3, help="repeats for large synthetic cities (default 3)")
    p.add_argument("--floor-repeats", type=int, default=None,
                   help="worker (floor + partition step) repeats per input (default: same as the whole-process "
                        "repeats actually made)")
    p.add_argument("--sizes", default="1000,10000,100000", help="synthetic city sizes in blocks; '' for none")
    p.add_argument("--quick", action="store_true", help="samples only, 1 repeat (smoke test)")
    p.add_argument("--no-samples", action="store_true", help="skip the real samples")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--regen", action="store_true", help="regenerate cached synthetic cities")
    p.add_argument("--slow-seconds", type=float, default=180.0,
                   help="if the first whole-process run of a large city takes longer, do no more repeats of it")
    p.add_argument("--gridkit-rev", default="HEAD",
                   help="with --snapshot head: the commit whose gridkit/ to run (default HEAD)")
    p.add_argument("--merge", action="store_true",
                   help="keep the rows of inputs not run this time from the existing benchmarks.csv")
    p.add_argument("--timeout", type=float, default=None, help="kill any single subprocess after this many s")
    p.add_argument("--profile-over", type=float, default=60.0,
                   help="cProfile the partition step of inputs whose median exceeds this (s); negative: never")
    p.add_argument("--top", type=int, default=25, help="functions listed in cProfile output")
    p.add_argument("--snapshot", choices=("head", "worktree", "live"), default="head",
                   help="which gridkit to run: a frozen copy of HEAD's gridkit/ (default), a copy of the working "
                        "tree's, or the live editable install (changes if others edit it mid-run)")
    # internal: the worker subprocess
    p.add_argument("--worker", metavar="INPUT", help=argparse.SUPPRESS)
    p.add_argument("--cprofile", help=argparse.SUPPRESS)
    p.add_argument("--cprofile-over", type=float, default=0.0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.argv = argv

    if args.worker:
        return worker(args.worker, args.seed, args.cprofile, args.cprofile_over, args.top)
    if args.profile_over is not None and args.profile_over < 0:
        args.profile_over = None

    make_snapshot(args.snapshot, args.gridkit_rev)
    started = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    info = machine_info()
    version = gridkit_version()
    print(f"machine: {info}\ngridkit {version}", flush=True)

    inputs: list[tuple[str, str, Path, int, bool]] = []
    if not args.no_samples:
        for path in sorted(SAMPLES.glob("*.gpkg")):
            inputs.append((path.stem, "sample", path, 1 if args.quick else args.repeats, False))
    if not args.quick:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        for n in sizes:
            path = synthetic_input(n, args.seed, args.regen)
            large = n >= args.large_size
            reps = min(args.repeats, args.large_repeats) if large else args.repeats
            inputs.append((f"synthetic_{n}", "synthetic", path, reps, large))

    meta = {"run_started": started, "run_gridkit": version, "run_load": info["load"],
            "run_command": ("python benchmarks/run_benchmarks.py " + " ".join(argv)).strip()}
    rows: list[dict] = []
    for label, kind, path, reps, large in inputs:
        rows.append({**bench_input(label, kind, path, reps, args.floor_repeats, args, large=large), **meta})
        write_results(rows, info, args, started, version)  # partial results survive a crash
    return 0


if __name__ == "__main__":
    sys.exit(main())
