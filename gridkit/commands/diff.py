"""``gridkit diff OLD NEW``: what moved between two plans."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("diff")
    def diff_cmd(
        old: Annotated[Path, typer.Argument(metavar="OLD", help="The earlier plan GeoPackage.")],
        new: Annotated[Path, typer.Argument(metavar="NEW", help="The later plan GeoPackage.")],
        output: Annotated[Path | None, typer.Option("-o", "--output", help="CHANGES.csv or .xlsx")] = None,
    ) -> None:
        """Print (and write) what moved between two plans: units added, removed, merged, split, changed."""
        from ..changes import compare_plans, summary, write_changes
        from ..cli import run_guarded
        from ..io.write import read_plan

        table = run_guarded(lambda: compare_plans(read_plan(old), read_plan(new)))
        shown = table[table["change"] != "unchanged"]
        for r in shown.itertuples():
            typer.echo(f"{r.level:<9} {r.change:<12} {r.old_code or '-':<16} -> {r.new_code or '-':<16} "
                       f"{r.households_moved:>6} households {r.buildings_moved:>5} buildings")
        typer.echo(", ".join(f"{k} {v}" for k, v in summary(table).items()) or "no units")
        if output is not None:
            run_guarded(lambda: write_changes(table, output, inputs=(old, new)))
            typer.echo(f"wrote {output}")
