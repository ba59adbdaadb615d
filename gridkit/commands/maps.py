"""``gridkit map``: the grid division wall chart (网格划分图) of a plan."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``gridkit map`` to ``app``."""

    @app.command("map")
    def map_cmd(
        plan_path: Annotated[Path, typer.Argument(metavar="PLAN", help="Plan GeoPackage.")],
        output: Annotated[Path, typer.Option("-o", "--output", help="Map to write: .png, .pdf or .svg.")],
        community: Annotated[str | None, typer.Option(
            "--community", help="One community's sheet: its code, name or 3-digit serial.")] = None,
        all_sheets: Annotated[bool, typer.Option(
            "--all", help="The street office's sheet and every community's, as one multi-page PDF.")] = False,
        paper: Annotated[str, typer.Option("--paper", help="Sheet size A0..A4; turned to suit the area.")] = "A3",
        dpi: Annotated[int, typer.Option("--dpi", help="Resolution of PNG output.")] = 200,
        roster: Annotated[Path | None, typer.Option(
            "--roster", help="Staff roster CSV/XLSX: grid code, name, role, phone.")] = None,
        source: Annotated[str | None, typer.Option(
            "--source", help="Data source line (default: OpenStreetMap's credit when the plan's data came from OSM, else none beyond the input file).")] = None,
    ) -> None:
        """Draw the grid division map of PLAN: the street office, one community, or all sheets."""
        from ..cli import run_guarded
        from ..pipeline import map_file

        started = time.time()
        sheets = run_guarded(lambda: map_file(plan_path, output, community=community, all_sheets=all_sheets,
                                              paper=paper, dpi=dpi, roster=roster, source=source))
        typer.echo(f"{output}: {sheets} sheet{'s' if sheets != 1 else ''}, {paper.upper()}, "
                   f"{time.time() - started:.1f} s")
