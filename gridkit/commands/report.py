"""``gridkit report``: the division scheme (划分方案) tables of a plan."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``gridkit report`` to ``app``."""

    @app.command("report")
    def report_cmd(
        plan_path: Annotated[Path, typer.Argument(metavar="PLAN", help="Plan GeoPackage.")],
        output: Annotated[Path, typer.Option("-o", "--output", help="Report to write: .xlsx, .html or .pdf.")],
        roster: Annotated[Path | None, typer.Option(
            "--roster", help="Staff roster CSV/XLSX: grid code, name, role, phone.")] = None,
        source: Annotated[str | None, typer.Option(
            "--source", help="Data source line on the maps (default: OpenStreetMap's credit when the plan's data came from OSM, else none beyond the input file).")] = None,
    ) -> None:
        """Write the division scheme of PLAN: communities, grids, summary, changes (and maps in HTML/PDF)."""
        from ..cli import run_guarded
        from ..pipeline import report_file

        started = time.time()
        communities, grids = run_guarded(lambda: report_file(plan_path, output, roster=roster, source=source))
        typer.echo(f"{output}: {communities} communities, {grids} grids, {time.time() - started:.1f} s")
