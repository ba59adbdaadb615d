"""``gridkit map``: the grid division wall chart (网格划分图) of a plan."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["make_map", "register"]


def make_map(plan_path: Path, output: Path, *, community: str | None = None, all_sheets: bool = False,
             paper: str = "A3", dpi: int = 200, roster_path: Path | None = None,
             source: str | None = None) -> int:
    """Read the plan (and roster), draw the sheets, write ``output``; returns the number of sheets."""
    from ..cli import _check_output
    from ..io.write import read_plan
    from ..maps import draw_map
    from ..plan_units import plan_communities
    from ..roster import load_roster

    _check_output(output, (".png", ".pdf", ".svg"))
    plan = read_plan(plan_path)
    roster = load_roster(roster_path, plan) if roster_path else None
    draw_map(plan, output, community=community, all_sheets=all_sheets, paper=paper, dpi=dpi, roster=roster,
             source=source)
    return 1 + len(plan_communities(plan)) if all_sheets else 1


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
            "--source", help="Data source line (default: OpenStreetMap contributors).")] = None,
    ) -> None:
        """Draw the grid division map of PLAN: the street office, one community, or all sheets."""
        from ..cli import run_guarded

        started = time.time()
        sheets = run_guarded(lambda: make_map(plan_path, output, community=community, all_sheets=all_sheets,
                                              paper=paper, dpi=dpi, roster_path=roster, source=source))
        typer.echo(f"{output}: {sheets} sheet{'s' if sheets != 1 else ''}, {paper.upper()}, "
                   f"{time.time() - started:.1f} s")
