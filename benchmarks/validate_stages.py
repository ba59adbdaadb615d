"""CPU seconds by stage of one ``gridkit validate`` of a plan file.

The library's stage functions are wrapped by CPU timers (``time.process_time``:
user + system CPU of the process, so a loaded machine does not inflate it much);
a stage's time includes the stages it calls (listed indented under it). A stage
a revision does not have is left out, so the same script times older trees
(``PYTHONPATH=OLD_TREE python benchmarks/validate_stages.py PLAN``).

Usage::

    python benchmarks/validate_stages.py PLAN.gpkg [PLAN2.gpkg ...] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import time
from pathlib import Path
from typing import Any

from stages import _instrument

#: (label, module, function, depth).
STAGES: list[tuple[str, str, str, int]] = [
    ("read_plan", "gridkit.io.write", "read_plan", 1),
    ("compute_metrics", "gridkit.metrics", "compute_metrics", 1),
    ("coverage_overlap", "gridkit.metrics", "_coverage_overlap", 2),
    ("assignment", "gridkit.metrics", "_assignment", 2),
    ("barrier_crossings", "gridkit.metrics", "barrier_splits", 2),
    ("upper_levels", "gridkit.metrics", "_upper_levels", 2),
    ("boundary_scores", "gridkit.metrics", "_boundary_scores", 2),
    ("cut_cost", "gridkit.metrics", "_cut_cost", 2),
]


def measure(plan: Path) -> dict[str, Any]:
    """Stage CPU seconds, whole validate CPU seconds and peak RSS of validating ``plan``."""
    validate = importlib.import_module("gridkit.validate").validate
    totals: dict[str, float] = {}
    # Every stage is optional: older trees lack some.
    _instrument(totals, STAGES, {name for _, _, name, _ in STAGES})
    start = time.process_time()
    result = validate(plan)
    whole = time.process_time() - start
    return {"plan": plan.stem, "validate_cpu_s": whole, "stages": totals, "ok": result.ok,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plans", type=Path, nargs="+")
    parser.add_argument("--json", type=Path, help="write the measurements as JSON")
    args = parser.parse_args()
    rows = [measure(p) for p in args.plans]
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    for r in rows:
        stages = ", ".join(f"{k} {v:.2f}" for k, v in r["stages"].items())
        print(f"{r['plan']}: validate {r['validate_cpu_s']:.2f} CPU s (ok={r['ok']}, peak {r['peak_mib']:.0f} MiB); {stages}")


if __name__ == "__main__":
    main()
