"""``gridkit report``: the division scheme (划分方案) tables of a plan."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["make_report", "register"]


def make_report(plan_path: Path, output: Path, *, roster_path: Path | None = None,
                source: str | None = None) -> tuple[int, int]:
    """Read the plan (and roster) and write the report; returns (communities, grids)."""
    from ..cli import _check_output
    from ..io.write import read_plan
    from ..plan_units import plan_communities
    from ..report import write_report
    from ..roster import load_roster

    _check_output(output, (".xlsx", ".html", ".pdf"))
    plan = read_plan(plan_path)
    roster = load_roster(roster_path, plan) if roster_path else None
    write_report(plan, output, roster=roster, source=source)
    return len(plan_communities(plan)), len(plan.grids)


def register(app: typer.Typer) -> None:
    """Add ``gridkit report`` to ``app``."""

    @app.command("report")
    def report_cmd(
        plan_path: Annotated[Path, typer.Argument(metavar="PLAN", help="Plan GeoPackage.")],
        output: Annotated[Path, typer.Option("-o", "--output", help="Report to write: .xlsx, .html or .pdf.")],
        roster: Annotated[Path | None, typer.Option(
            "--roster", help="Staff roster CSV/XLSX: grid code, name, role, phone.")] = None,
        source: Annotated[str | None, typer.Option(
            "--source", help="Data source line on the maps (default: OpenStreetMap contributors).")] = None,
    ) -> None:
        """Write the division scheme of PLAN: communities, grids, summary, changes (and maps in HTML/PDF)."""
        from ..cli import run_guarded

        started = time.time()
        communities, grids = run_guarded(lambda: make_report(plan_path, output, roster_path=roster, source=source))
        typer.echo(f"{output}: {communities} communities, {grids} grids, {time.time() - started:.1f} s")
