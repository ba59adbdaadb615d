"""``gridkit diff OLD NEW``: what moved between two plans, or two scenarios of one plan (``PLAN.gpkg#NAME``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("diff")
    def diff_cmd(
        old: Annotated[str, typer.Argument(metavar="OLD", help="The earlier plan GeoPackage, or PLAN.gpkg#SCENARIO.")],
        new: Annotated[str, typer.Argument(metavar="NEW", help="The later plan GeoPackage, or PLAN.gpkg#SCENARIO.")],
        output: Annotated[Path | None, typer.Option("-o", "--output", help="CHANGES.csv or .xlsx")] = None,
    ) -> None:
        """Print (and write) what moved between two plans: units added, removed, merged, split, changed.

        A plan reference PLAN.gpkg#NAME is scenario NAME of that plan (gridkit scenario), rebuilt as a
        whole plan: gridkit diff plan.gpkg#A plan.gpkg#B compares two scenarios, plan.gpkg#A plan.gpkg
        a scenario with the plan as it is. Plans made of the same blocks also list the blocks moved.
        """
        from ..changes import compare_plans, moved_blocks, summary, write_changes
        from ..cli import run_guarded
        from ..scenarios import read_plan_ref, split_ref

        plans = run_guarded(lambda: (read_plan_ref(old), read_plan_ref(new)))
        table = run_guarded(lambda: compare_plans(*plans))
        shown = table[table["change"] != "unchanged"]
        for r in shown.itertuples():
            typer.echo(f"{r.level:<9} {r.change:<12} {r.old_code or '-':<16} -> {r.new_code or '-':<16} "
                       f"{r.households_moved:>6} households {r.buildings_moved:>5} buildings")
        blocks = moved_blocks(*plans)
        if blocks is not None:
            for b in blocks.itertuples():
                typer.echo(f"block     {b.block_id:<12} {b.old_grid:<16} -> {b.new_grid:<16} {b.households:>6} households")
        counts = summary(table)
        if blocks is not None:
            counts["blocks.moved"] = len(blocks)
        typer.echo(", ".join(f"{k} {v}" for k, v in counts.items()) or "no units")
        if output is not None:
            run_guarded(lambda: write_changes(table, output, inputs=(split_ref(old)[0], split_ref(new)[0])))
            typer.echo(f"wrote {output}")
