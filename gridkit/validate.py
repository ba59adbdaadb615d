"""Validate a plan: recompute every invariant and score from the plan alone."""

from __future__ import annotations

from pathlib import Path

from .io.write import read_plan
from .metrics import Validation, check_plan, compute_metrics
from .plan import Plan

__all__ = ["validate", "validate_against_input"]


def validate(plan: Plan | str | Path) -> Validation:
    """Check a plan (object or GeoPackage path) against METRICS.md.

    The profile is the one stored in the plan's run table, so the bounds and
    costs are those the plan was made with.

    Returns
    -------
    Validation
        ``metrics`` table and ``failures`` (failed invariants; empty when valid).

    Examples
    --------
    >>> import gridkit
    >>> plan = gridkit.partition(gridkit.read_area("data/samples/hk_tsim_sha_tsui.gpkg"))
    >>> gridkit.validate(plan).ok
    True
    """
    if not isinstance(plan, Plan):
        where = str(plan)
        plan = read_plan(plan)
    else:
        where = "plan"
    return check_plan(compute_metrics(plan, plan.profile(where)))


def validate_against_input(plan_path: str | Path, input_path: str | Path) -> Validation:
    """:func:`validate`, plus: every building of the input is in the plan exactly once."""
    from .area import read_area

    plan = read_plan(plan_path)
    result = validate(plan)
    area = read_area(input_path, from_gcj02=plan.run_value("from_gcj02") == "true", profile=plan.profile())
    ids = set(area.buildings["building_id"].astype(str))
    plan_ids = plan.buildings["building_id"].astype(str)
    missing = len(ids - set(plan_ids))
    extra = len(set(plan_ids) - ids)
    metrics = result.metrics.copy()
    passed = "yes" if missing == 0 and extra == 0 else "no"
    metrics.loc[len(metrics)] = {"level": "grid", "name": "input_buildings_missing", "value": float(missing),
                                 "kind": "invariant", "passed": passed}
    metrics.loc[len(metrics)] = {"level": "grid", "name": "input_buildings_unknown", "value": float(extra),
                                 "kind": "detail", "passed": ""}
    return check_plan(metrics)
