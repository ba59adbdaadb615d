"""CPU seconds by stage of one whole ``gridkit partition`` run.

Runs ``gridkit partition INPUT -o OUT --seed 0`` in this process with the
library's stage functions wrapped by CPU timers (``time.process_time``: user +
system CPU of the process, so a loaded machine does not inflate it). A
stage's time includes the stages it calls (they are listed indented under
it); ``imports`` is the import of the modules the run uses. With
``--profile FILE`` the run is also profiled with cProfile (the top functions by
cumulative time go to FILE; stage times are then inflated by the profiler).
With ``--memory`` the table also shows, per stage, the resident set size when
it returns and the peak RSS of the process by then (``ru_maxrss``): the stage
whose peak column first reaches the run's peak is where memory peaks.

Usage::

    python benchmarks/stages.py data/samples/cn_shanghai_bund.gpkg [--json OUT.json] [--profile OUT.txt]
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: (label, module, function, depth). Depth is only for display: 1 is a top-level stage.
STAGES: list[tuple[str, str, str, int]] = [
    ("read", "gridkit.area", "read_area", 1),
    ("households", "gridkit.households", "assign_households", 1),
    ("blocks", "gridkit.blocks", "make_blocks", 1),
    ("split_full", "gridkit.blocks", "_split_full", 2),
    ("tessellate", "gridkit.blocks", "_tessellate", 3),
    ("own_buildings", "gridkit.blocks", "_own_buildings", 2),
    ("exact_tiling", "gridkit.blocks", "_exact_tiling", 2),
    ("merge_slivers", "gridkit.blocks", "_merge_slivers", 2),
    ("graph_edges", "gridkit.graph", "graph_edges", 1),
    ("graph", "gridkit.graph", "build_graph", 1),
    ("graph_arrays", "gridkit.graph", "graph_arrays", 1),
    ("edge_arrays", "gridkit.graph", "edge_arrays", 1),
    ("compounds", "gridkit.compounds", "block_compounds", 1),
    ("levels", "gridkit.levels", "solve_levels", 1),
    ("engine", "gridkit.engine.run", "partition_graph", 2),
    ("assemble", "gridkit.plan", "assemble", 1),
    ("dissolve", "gridkit.plan", "dissolve_units", 2),
    ("codes", "gridkit.codes", "assign_codes", 2),
    ("names", "gridkit.names", "unit_names", 2),
    ("metrics", "gridkit.metrics", "compute_metrics", 2),
    ("assignment", "gridkit.metrics", "_assignment", 3),
    ("barrier_crossings", "gridkit.metrics", "barrier_splits", 3),
    ("boundary_scores", "gridkit.metrics", "_boundary_scores", 3),
    ("cut_cost", "gridkit.metrics", "_cut_cost", 3),
    ("write", "gridkit.io.write", "write_plan", 1),
]
#: Helpers that may not exist in every revision; timed when present.
OPTIONAL = {"_split_full", "_tessellate", "_own_buildings", "_exact_tiling", "_merge_slivers", "_cut_cost",
            "_assignment", "barrier_splits", "_boundary_scores", "graph_arrays", "dissolve_units", "graph_edges",
            "edge_arrays"}


def _rss_mib() -> float:
    """Resident set size of this process now (MiB)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _wrap(totals: dict[str, float], label: str, fn: Callable[..., Any],
          memory: dict[str, tuple[float, float]]) -> Callable[..., Any]:
    active = {"depth": 0}

    @functools.wraps(fn)
    def timed(*args: Any, **kwargs: Any) -> Any:
        active["depth"] += 1
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            active["depth"] -= 1
            if active["depth"] == 0:  # recursive calls count once
                totals[label] = totals.get(label, 0.0) + time.process_time() - start
                memory[label] = (_rss_mib(), _peak_mib())

    return timed


def _instrument(totals: dict[str, float], stages: list[tuple[str, str, str, int]] | None = None,
                optional: set[str] | None = None, memory: dict[str, tuple[float, float]] | None = None) -> None:
    """Replace each stage function (default :data:`STAGES`) by its timed wrapper wherever gridkit has bound it;
    with ``memory``, also record the RSS and peak RSS when each returns."""
    for label, module, name, _ in STAGES if stages is None else stages:
        mod = importlib.import_module(module)
        fn = getattr(mod, name, None)
        if fn is None:
            if name in (OPTIONAL if optional is None else optional):
                continue
            raise SystemExit(f"stages.py: {module}.{name} not found")
        timed = _wrap(totals, label, fn, {} if memory is None else memory)
        for other in list(sys.modules.values()):
            if getattr(other, "__name__", "").startswith("gridkit") and getattr(other, name, None) is fn:
                setattr(other, name, timed)


def measure(input_path: Path, profile_out: Path | None = None) -> dict[str, Any]:
    """Stage CPU seconds, whole-run CPU seconds and peak RSS of one partition run."""
    start = time.process_time()
    import gridkit.cli  # noqa: F401  (the imports the run needs, timed as one stage)
    for module in {m for _, m, _, _ in STAGES}:
        importlib.import_module(module)
    imports = time.process_time() - start
    totals: dict[str, float] = {"imports": imports}
    memory: dict[str, tuple[float, float]] = {"imports": (_rss_mib(), _peak_mib())}
    _instrument(totals, memory=memory)
    from gridkit.cli import app

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "plan.gpkg"
        argv = ["partition", str(input_path), "-o", str(out), "--seed", "0"]
        run_start = time.process_time()
        if profile_out is not None:
            import cProfile
            import pstats

            prof = cProfile.Profile(time.process_time)
            prof.enable()
        try:
            app(argv, standalone_mode=False)
        finally:
            if profile_out is not None:
                prof.disable()
                with open(profile_out, "w") as fh:
                    pstats.Stats(prof, stream=fh).sort_stats("cumulative").print_stats(80)
        run = time.process_time() - run_start
    return {"input": input_path.stem, "total_cpu_s": imports + run, "stages": totals, "peak_mib": _peak_mib(),
            "memory_mib": memory}


def table(rows: list[dict[str, Any]], memory: bool = False) -> str:
    """Markdown table: one column per input, one row per stage (indented by depth); with ``memory``, two
    more per input: RSS when the stage returns and the peak RSS by then (MiB)."""
    heads = [f"{r['input']} | RSS MiB | peak MiB" if memory else r["input"] for r in rows]
    width = len(rows) * (3 if memory else 1)
    head = "| stage | " + " | ".join(heads) + " |\n|---|" + "--:|" * width + "\n"
    lines = []
    labels = [("imports", 1)] + [(label, depth) for label, _, _, depth in STAGES]
    for label, depth in labels:
        if not any(label in r["stages"] for r in rows):
            continue
        cells = [f"{r['stages'][label]:.2f}" if label in r["stages"] else "" for r in rows]
        if memory:
            cells = [cell + " | " + (" | ".join(f"{v:.0f}" for v in r["memory_mib"][label])
                                     if label in r.get("memory_mib", {}) else " | ")
                     for cell, r in zip(cells, rows, strict=True)]
        name = "&nbsp;&nbsp;" * (depth - 1) + label
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    pad = " | |" if memory else ""
    lines.append("| **whole run** | " + " | ".join(f"**{r['total_cpu_s']:.2f}**{pad}" for r in rows) + " |")
    lines.append("| peak MiB | " + " | ".join(f"{r['peak_mib']:.0f}{pad}" for r in rows) + " |")
    return head + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--json", type=Path, help="write the measurement as JSON")
    parser.add_argument("--profile", type=Path, help="also cProfile the run; top functions to this file")
    parser.add_argument("--memory", action="store_true", help="also RSS and peak RSS (MiB) when each stage returns")
    args = parser.parse_args()
    result = measure(args.input, args.profile)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    print(table([result], memory=args.memory))


if __name__ == "__main__":
    main()
